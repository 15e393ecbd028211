package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestKnownHostsAfterAuthentication: after a successful authentication
// other than SSL, the tool records "<alias> <METHOD> <server identity or
// unknown>" once in its known_hosts file, 0644 in a 0755 directory; root
// uses SEC_SYSTEM_KNOWN_HOSTS ($(ETC)/known_hosts), a user
// ~/.condor/known_hosts (real-tools.md §17).
func TestKnownHostsAfterAuthentication(t *testing.T) {
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	aliasRe := regexp.MustCompile(`alias=([^&>]+)`)
	addr, err := os.ReadFile(filepath.Join(d.local, "spool", ".schedd_address"))
	m := aliasRe.FindSubmatch(addr)
	if err != nil || m == nil {
		t.Fatalf("schedd address file has no alias: %q %v", addr, err)
	}
	alias := string(m[1])

	check := func(t *testing.T, path, want string) {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil || string(data) != want {
			t.Fatalf("%s = %q, %v; want %q", path, data, err, want)
		}
		fi, _ := os.Stat(path)
		di, _ := os.Stat(filepath.Dir(path))
		if fi.Mode().Perm() != 0o644 || di.Mode().Perm() != 0o755 {
			t.Fatalf("modes: file %v dir %v", fi.Mode(), di.Mode())
		}
	}

	t.Run("root, FS", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root")
		}
		for i := 0; i < 2; i++ { // recorded once
			if r := d.tool(t, "", "condor_token_fetch"); r.code != 0 {
				t.Fatalf("fetch: %+v", r)
			}
		}
		// ETC defaults to LOCAL_DIR here (no RELEASE_DIR layout).
		check(t, filepath.Join(d.local, "known_hosts"), alias+" FS unknown\n")
	})
	t.Run("user, FS", func(t *testing.T) {
		a := d.nobody(t)
		if r := a.tool(t, nil, "", "condor_token_fetch"); r.code != 0 {
			t.Fatalf("fetch as %s: %+v", a.name, r)
		}
		check(t, filepath.Join(a.home, ".condor", "known_hosts"), alias+" FS unknown\n")
	})
	t.Run("TOKEN: the server's identity", func(t *testing.T) {
		kh := filepath.Join(t.TempDir(), "kh", "known_hosts")
		tokDir := t.TempDir()
		if r := d.modern(t, "", "token", "create", "--identity", "bob@e2e.local", "--file", filepath.Join(tokDir, "bob")); r.code != 0 {
			t.Fatalf("create: %+v", r)
		}
		env := append(append([]string(nil), d.env...), "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=IDTOKENS",
			"_CONDOR_SEC_TOKEN_DIRECTORY="+tokDir, "_CONDOR_SEC_KNOWN_HOSTS="+kh)
		r := run(t, env, "", filepath.Join(d.bin, "condor_token_fetch"))
		if r.code != 0 {
			t.Fatalf("fetch with a token: %+v", r)
		}
		data, _ := os.ReadFile(kh)
		if !strings.HasPrefix(string(data), alias+" IDTOKENS ") || strings.Contains(string(data), "unknown") || strings.Count(string(data), "\n") != 1 {
			t.Fatalf("known_hosts %q", data)
		}
	})
}
