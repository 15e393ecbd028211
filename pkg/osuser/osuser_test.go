package osuser

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"
)

const passwd = `root:x:0:0:root:/root:/bin/bash
# comment
broken line
bad:x:notanumber:0::/nowhere:/bin/sh
condor:x:999:995:HTCondor:/var/lib/condor:/sbin/nologin
htcuser:x:1001:1001::/home/htcuser:/bin/bash
`

func withPasswd(t *testing.T) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "passwd")
	if err := os.WriteFile(p, []byte(passwd), 0o644); err != nil {
		t.Fatal(err)
	}
	old := PasswdFile
	PasswdFile = p
	t.Cleanup(func() { PasswdFile = old })
}

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestCurrentPrefersEnvironment(t *testing.T) {
	withPasswd(t)
	u, err := current(1001, 1001, env(map[string]string{"HOME": "/tmp/h//", "USER": "someone"}))
	if err != nil {
		t.Fatal(err)
	}
	if u.Home != "/tmp/h" || u.Name != "someone" || u.Uid != 1001 {
		t.Fatalf("got %+v", u)
	}
}

func TestCurrentFallsBackToPasswd(t *testing.T) {
	withPasswd(t)
	u, err := current(1001, 1001, env(map[string]string{"HOME": "relative"}))
	if err != nil {
		t.Fatal(err)
	}
	if u.Home != "/home/htcuser" || u.Name != "htcuser" {
		t.Fatalf("got %+v", u)
	}
}

func TestCurrentUnknown(t *testing.T) {
	withPasswd(t)
	_, err := current(4242, 4242, env(nil))
	if !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("err = %v, want ErrUnknownUser", err)
	}
	// With only $HOME we still get a usable answer.
	u, err := current(4242, 4242, env(map[string]string{"HOME": "/h"}))
	if err != nil || u.Home != "/h" || u.Name != "" {
		t.Fatalf("got %+v, %v", u, err)
	}
}

func TestLookup(t *testing.T) {
	withPasswd(t)
	u, err := LookupName("condor")
	if err != nil || u.Uid != 999 || u.Gid != 995 || u.Home != "/var/lib/condor" {
		t.Fatalf("got %+v, %v", u, err)
	}
	if _, err := LookupName("bad"); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("malformed entry matched: %v", err)
	}
	u, err = LookupUid(0)
	if err != nil || u.Name != "root" {
		t.Fatalf("got %+v, %v", u, err)
	}
	PasswdFile = filepath.Join(t.TempDir(), "missing")
	if _, err := LookupUid(0); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("missing passwd: %v", err)
	}
}

func FuzzParsePasswd(f *testing.F) {
	f.Add([]byte(passwd))
	f.Add([]byte("::::::\n:x:-1:-1:::\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		u, ok := ParsePasswd(data, func(User) bool { return true })
		if ok && (u.Uid < 0 || u.Gid < 0) {
			t.Fatalf("negative id accepted: %+v", u)
		}
	})
}

// TestPasswdCacheSeesEdits checks that repeated lookups see a passwd file
// rewritten between them (the cache is keyed on the file's identity, size
// and mtime), including a same-size edit.
func TestPasswdCacheSeesEdits(t *testing.T) {
	p := filepath.Join(t.TempDir(), "passwd")
	old := PasswdFile
	PasswdFile = p
	t.Cleanup(func() { PasswdFile = old })
	write := func(content string, mtime time.Time) {
		t.Helper()
		tmp := p + ".new"
		if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(tmp, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, p); err != nil {
			t.Fatal(err)
		}
	}
	base := time.Now().Add(-time.Hour)
	write("alice:x:1001:1001::/home/alice:/bin/sh\n", base)
	if u, err := LookupUid(1001); err != nil || u.Name != "alice" {
		t.Fatalf("first lookup: %+v %v", u, err)
	}
	write("carol:x:1001:1001::/home/carol:/bin/sh\n", base.Add(time.Second))
	if u, err := LookupUid(1001); err != nil || u.Name != "carol" {
		t.Fatalf("after a same-size rewrite: %+v %v", u, err)
	}
	if err := os.Remove(p); err != nil {
		t.Fatal(err)
	}
	if _, err := LookupUid(1001); !errors.Is(err, ErrUnknownUser) {
		t.Fatalf("after removal: %v", err)
	}
}

// TestCurrentDistrustsForeignUSER: a $USER belonging to another uid is
// replaced by this uid's passwd name; an unknown $USER (a container user
// without a passwd entry) or a uid without an entry keeps $USER.
func TestCurrentDistrustsForeignUSER(t *testing.T) {
	withPasswd(t)
	for _, tc := range []struct {
		uid        int
		user, want string
	}{
		{0, "htcuser", "root"},             // sudo -E: root's own name
		{1001, "htcuser", "htcuser"},       // consistent
		{1001, "nobodyhere", "nobodyhere"}, // not in passwd: believed
		{4242, "htcuser", "htcuser"},       // uid without an entry: believed
	} {
		u, err := current(tc.uid, tc.uid, env(map[string]string{"HOME": "/h", "USER": tc.user}))
		if err != nil || u.Name != tc.want {
			t.Errorf("uid %d USER=%s: %+v %v, want name %s", tc.uid, tc.user, u, err, tc.want)
		}
	}
}
