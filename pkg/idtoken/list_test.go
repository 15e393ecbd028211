package idtoken

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// L1 payloads of real-tools.md §4.2.
const (
	l1FetchedRoot  = `{"iat":1795639263,"iss":"htc.local","jti":"477a5965657bd1c43af72154bb1278ec","sub":"condor@htc.local"}`
	l1CreatedCarol = `{"iat":1795639298,"iss":"htc.local","jti":"1207303cf1c91032b16227f4ef345642","sub":"carol@htc.local"}`
)

func TestListDir(t *testing.T) {
	dir := t.TempDir()
	tokRoot := signed(t, hdrPOOL, l1FetchedRoot, "HS256", testKey)
	tokCarol := signed(t, hdrPOOL, l1CreatedCarol, "HS256", testKey)
	// Many files, so that directory order and sorted order differ.
	var names []string
	for i := 0; i < 24; i++ {
		name := fmt.Sprintf("t%02d", (i*7)%24)
		names = append(names, name)
		writeFile(t, filepath.Join(dir, name), tokRoot+"\n", 0o644) // no mode check
	}
	writeFile(t, filepath.Join(dir, "mixed"), "# comment\n\n   \t\n"+tokCarol+"\r\nnot-a-token\n  "+tokRoot+"  \n", 0o600)
	writeFile(t, filepath.Join(dir, "t2.sh"), tokRoot+"\n", 0o600)
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o700))
	writeFile(t, filepath.Join(dir, "sub", "inner"), tokRoot+"\n", 0o600)
	must(t, os.Symlink(filepath.Join(dir, "mixed"), filepath.Join(dir, "link")))
	must(t, os.Symlink(filepath.Join(dir, "sub"), filepath.Join(dir, "dirlink")))

	entries, problems := ListDir(dir, defaultExclude)

	// Expected order: the directory's own order.
	f, err := os.Open(dir)
	must(t, err)
	order, err := f.Readdirnames(-1)
	f.Close()
	must(t, err)
	var want []string
	for _, n := range order {
		switch {
		case n == "sub" || n == "dirlink" || n == "t2.sh" || n == "link":
		case n == "mixed":
			want = append(want, "mixed:4:carol@htc.local", "mixed:5:ERR", "mixed:6:condor@htc.local")
		default:
			want = append(want, n+":1:condor@htc.local")
		}
	}
	var got []string
	for _, e := range entries {
		s := strings.TrimPrefix(e.Path, dir+"/") + ":" + fmt.Sprint(e.Line) + ":"
		if e.Err != nil {
			s += "ERR"
			if !isErr(e.Err, ErrMalformed) || e.Token != nil {
				t.Errorf("bad line entry: %+v", e)
			}
		} else {
			s += e.Token.Claims.Sub
		}
		got = append(got, s)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("entries\n%v\nwant (readdir order)\n%v", got, want)
	}
	if sorted := append([]string(nil), order...); sort.StringsAreSorted(sorted) {
		t.Log("directory order happens to be sorted on this file system")
	} else if sort.StringsAreSorted(got) {
		t.Error("entries were sorted")
	}
	if len(problems) != 1 || problems[0].Path != filepath.Join(dir, "link") ||
		problems[0].Err.Error() != filepath.Join(dir, "link")+": is a symbolic link, which is not followed" {
		t.Errorf("problems = %+v", problems)
	}
	for _, e := range entries {
		if e.Path == filepath.Join(dir, "mixed") && e.Line == 4 {
			wantLine := `Header: {"alg":"HS256","kid":"POOL"} Payload: ` + l1CreatedCarol + " File: " + dir + "/mixed"
			if got := FormatListLine(e); got != wantLine {
				t.Errorf("FormatListLine = %s\nwant %s", got, wantLine)
			}
		}
		if e.Err != nil && FormatListLine(e) != "" {
			t.Error("undecodable line has a legacy rendering")
		}
	}
}

func TestListDirNothing(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "t"), signed(t, hdrPOOL, payMin, "HS256", testKey)+"\n", 0o600)
	entries, problems := ListDir(dir, nil)
	if entries != nil || len(problems) != 1 || !errors.Is(problems[0].Err, ErrExcludeUnset) {
		t.Errorf("nil exclude: %v %v", entries, problems)
	}
	entries, problems = ListDir(filepath.Join(dir, "missing"), defaultExclude)
	if entries != nil || len(problems) != 1 || !errors.Is(problems[0].Err, os.ErrNotExist) {
		t.Errorf("missing dir: %v %v", entries, problems)
	}
	// A trailing slash is kept as given (dircat adds none).
	entries, _ = ListDir(dir+"/", defaultExclude)
	if len(entries) != 1 || entries[0].Path != dir+"/t" {
		t.Errorf("trailing slash: %+v", entries)
	}
}

func TestListFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tok.file")
	writeFile(t, p, signed(t, hdrPOOL, payMin, "HS256", testKey)+"\n#x\n", 0o644)
	es, err := ListFile(p)
	if err != nil || len(es) != 1 || es[0].Path != p || es[0].Line != 1 {
		t.Fatalf("ListFile = %+v, %v", es, err)
	}
	if _, err := ListFile(dir); err == nil || err.Error() != dir+": is a directory" {
		t.Errorf("directory: %v", err)
	}
	if _, err := ListFile(filepath.Join(dir, "none")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing: %v", err)
	}
	big := filepath.Join(dir, "big")
	writeFile(t, big, strings.Repeat("#", MaxSecureFileSize+1), 0o600)
	if _, err := ListFile(big); err == nil {
		t.Error("oversized file accepted")
	}
}
