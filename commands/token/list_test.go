package token

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func writeTok(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// vector2 is jwt.md's named-key token without exp.
const vector2 = "eyJhbGciOiJIUzI1NiIsImtpZCI6Im5hbWVkIn0.eyJpYXQiOjE3MDAwMDAwMDAsImlzcyI6ImV4YW1wbGUub3JnIiwianRpIjoiZmZlZWRkY2NiYmFhOTk4ODc3NjY1NTQ0MzMyMjExMDAiLCJzdWIiOiJib2JAZXhhbXBsZS5vcmcifQ.m190Na0t3UDmz-hRWGW0Bh1ehUNFxObtjcwR7WRwBDk"

func TestLegacyListFormat(t *testing.T) {
	e := newEnv(t, "")
	writeTok(t, filepath.Join(e.tokensDir, "t1"), "# comment\n\n  "+vector1+"  \nnot a token\n", 0o600)
	writeTok(t, filepath.Join(e.tokensDir, "skip.rpmsave"), vector2+"\n", 0o600)
	if err := ListRun(&ListOptions{F: e.f, Legacy: true}); err != nil {
		t.Fatal(err)
	}
	want := `Header: {"alg":"HS256","kid":"POOL"} Payload: {"exp":1700003600,"iat":1700000000,"iss":"example.org","jti":"00112233445566778899aabbccddeeff","scope":"condor:\/READ condor:\/WRITE","sub":"alice@example.org"} File: ` +
		filepath.Join(e.tokensDir, "t1") + "\n"
	if e.stdout.String() != want || e.stderr.Len() != 0 {
		t.Fatalf("stdout %q\nwant   %q\nstderr %q", e.stdout, want, e.stderr)
	}
}

func TestLegacyListFileAndMissingDir(t *testing.T) {
	e := newEnv(t, "")
	p := filepath.Join(t.TempDir(), "tok.file")
	writeTok(t, p, vector2+"\n", 0o644) // -file does no permission check
	if err := ListRun(&ListOptions{F: e.f, Legacy: true, File: p}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(e.stdout.String(), `"sub":"bob@example.org"} File: `+p+"\n") {
		t.Fatalf("stdout %q", e.stdout)
	}
	e.stdout.Reset()
	if err := ListRun(&ListOptions{F: e.f, Legacy: true, Dir: filepath.Join(t.TempDir(), "nope")}); err != nil || e.stdout.Len() != 0 || e.stderr.Len() != 0 {
		t.Fatalf("missing dir: %v %q %q", err, e.stdout, e.stderr)
	}
	if err := ListRun(&ListOptions{F: e.f, Legacy: true, File: "/nonexistent/file"}); err != nil || e.stdout.Len() != 0 {
		t.Fatalf("missing file: %v %q", err, e.stdout)
	}
}

func TestModernListStatuses(t *testing.T) {
	e := newEnv(t, "")
	// now = 1700000000: vector1 expires in 1h; an expired copy is minted below.
	writeTok(t, filepath.Join(e.tokensDir, "valid"), vector1+"\n", 0o600)
	writeTok(t, filepath.Join(e.tokensDir, "open"), vector2+"\n", 0o644)
	writeTok(t, filepath.Join(e.tokensDir, "junk"), "garbage.line\n", 0o600)
	e.f.Now = func() time.Time { return time.Unix(1700000000+7200, 0) }
	if err := ListRun(&ListOptions{F: e.f, Output: "json"}); err != nil {
		t.Fatal(err)
	}
	var res struct {
		Source string
		Tokens []struct {
			File    string
			Status  string
			Usable  bool
			Problem string
			Claims  map[string]any
		}
	}
	if err := json.Unmarshal(e.stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v\n%s", err, e.stdout)
	}
	if res.Source != e.tokensDir {
		t.Fatalf("source %q", res.Source)
	}
	got := map[string]string{}
	for _, tk := range res.Tokens {
		got[filepath.Base(tk.File)] = tk.Status + "|" + tk.Problem
		if tk.Usable {
			t.Errorf("%s reported usable", tk.File)
		}
	}
	if !strings.HasPrefix(got["valid"], "expired 1h0m0s ago|") {
		t.Errorf("valid: %q", got["valid"])
	}
	if !strings.HasPrefix(got["open"], "unusable|HTCondor will not use this file") || !strings.Contains(got["open"], "group/other") {
		t.Errorf("open: %q", got["open"])
	}
	if !strings.HasPrefix(got["junk"], "undecodable|line 1") {
		t.Errorf("junk: %q", got["junk"])
	}

	// Text form: a table and the problems on stderr.
	e.stdout.Reset()
	e.f.Now = func() time.Time { return time.Unix(1700000000+60, 0) }
	if err := ListRun(&ListOptions{F: e.f, Output: "text"}); err != nil {
		t.Fatal(err)
	}
	out := e.stdout.String()
	if !strings.HasPrefix(out, "FILE") || !strings.Contains(out, "alice@example.org") || !strings.Contains(out, "59m0s left") || !strings.Contains(out, "READ,WRITE") {
		t.Fatalf("table:\n%s", out)
	}
	if !strings.Contains(e.stderr.String(), "open: HTCondor will not use this file") {
		t.Fatalf("stderr %q", e.stderr)
	}
}
