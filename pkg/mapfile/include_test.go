package mapfile

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

func TestIncludeFileAndDirectory(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"main.map": "FS ^first$ main\n" +
			"@include sub/one.map\n" + // relative to main.map's directory
			"@include \"conf.d\"\n" +
			"FS (.*) fallback\n",
		"sub/one.map":         "FS ^one$ from-one\nFS ^dup$ from-one\n",
		"conf.d/20-b.map":     "FS ^b$ from-b\nFS ^order$ from-20\n",
		"conf.d/10-a.map":     "FS ^a$ from-a\nFS ^order$ from-10\n",
		"conf.d/.hidden":      "FS ^hidden$ hidden\n",
		"conf.d/x.map~":       "FS ^tilde$ tilde\n",
		"conf.d/x.rpmsave":    "FS ^rpm$ rpm\n",
		"conf.d/nested/n.map": "FS ^nested$ nested\n",
	})
	m, err := Load(filepath.Join(dir, "main.map"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, want string }{
		{"first", "main"},
		{"one", "from-one"},
		{"dup", "from-one"},
		{"a", "from-a"},
		{"b", "from-b"},
		{"order", "from-10"}, // directory files in sorted order
		{"hidden", "fallback"},
		{"tilde", "fallback"},
		{"rpm", "fallback"},
		{"nested", "fallback"}, // subdirectories are not read
	} {
		if got, _ := m.Map("FS", tc.name); got != tc.want {
			t.Errorf("Map(FS, %q) = %q; want %q", tc.name, got, tc.want)
		}
	}

	// A custom exclude regexp, and no exclusion at all.
	m, err = LoadWith(filepath.Join(dir, "main.map"), Options{Exclude: regexp.MustCompile(`^10-`)})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("FS", "order"); got != "from-20" {
		t.Errorf("custom exclude: order -> %q", got)
	}
	if got, _ := m.Map("FS", "hidden"); got != "hidden" {
		t.Errorf("custom exclude: hidden -> %q", got)
	}
	m, err = LoadWith(filepath.Join(dir, "main.map"), Options{NoExclude: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("FS", "tilde"); got != "tilde" {
		t.Errorf("no exclude: tilde -> %q", got)
	}
}

func TestIncludeAbsoluteAndParse(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{"inc.map": "SSL (.*) \\1@ssl\n"})
	m, err := Parse(filepath.Join(dir, "virtual"), strings.NewReader("@include inc.map\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("SSL", "x"); got != "x@ssl" {
		t.Errorf("relative include from Parse: %q", got)
	}
	m, err = Parse("noslash", strings.NewReader("@include "+filepath.Join(dir, "inc.map")+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("SSL", "y"); got != "y@ssl" {
		t.Errorf("absolute include: %q", got)
	}
}

func TestIncludeErrors(t *testing.T) {
	dir := t.TempDir()
	writeFiles(t, dir, map[string]string{
		"nested.map": "FS a b\n@include other.map\n",
		"other.map":  "FS c d\n",
		"bad.map":    "FS a b\nFS \"(?=x)\" y\n",
		"d/1.map":    "FS ^ok$ ok\n",
		"d/2.map":    "FS a\n",
	})
	for _, tc := range []struct {
		name, main, want string
	}{
		{"nested include", "@include nested.map\n",
			"mapfile: DIR/nested.map:2: @include inside an included map file (HTCondor ignores it; only the top-level map file may include) (included from DIR/main.map:1)"},
		{"error in included file", "FS x y\n@include bad.map\n",
			`mapfile: DIR/bad.map:2: regular expression "(?=x)" (included from DIR/main.map:2): lookaround (?= is not supported by RE2`},
		{"error in included dir", "@include d\n",
			"mapfile: DIR/d/2.map:1: missing canonical name (expected METHOD PRINCIPAL CANONICAL) (included from DIR/main.map:1)"},
		{"missing include", "\n@include nope.map\n",
			`mapfile: DIR/main.map:2: cannot include "DIR/nope.map": stat DIR/nope.map: no such file or directory`},
		{"empty include", "@include \"\"\n",
			"mapfile: DIR/main.map:1: @include without a file or directory name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeFiles(t, dir, map[string]string{"main.map": tc.main})
			_, err := Load(filepath.Join(dir, "main.map"))
			if err == nil {
				t.Fatal("no error")
			}
			got := strings.ReplaceAll(err.Error(), dir, "DIR")
			if !strings.HasPrefix(got, tc.want) {
				t.Errorf("error\n got %q\nwant %q...", got, tc.want)
			}
		})
	}
	_, err := Load(filepath.Join(dir, "absent.map"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "mapfile: "+dir+"/absent.map: cannot open map file: ") {
		t.Errorf("missing top-level file: %v", err)
	}
	big := filepath.Join(dir, "big.map")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Load(big)
	if err == nil || err.Error() != "mapfile: "+big+": map file is 4194305 bytes, larger than the 4194304 byte limit" {
		t.Errorf("big file: %v", err)
	}
}
