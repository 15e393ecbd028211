package main

// HTCondor's own token acceptance tests (acceptance.md A.1–A.4: AP-…,
// FK-…, PB-…, AC-…) reproduced as processes against `condor-auth serve`,
// with `condor-auth ping` in the place of condor_ping.

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// pingLevels are the levels condor_ping -table ALL asks about that an
// HTCondor 25 daemon still has.
var pingLevels = []string{"READ", "WRITE", "ADMINISTRATOR", "CONFIG", "DAEMON", "NEGOTIATOR",
	"ADVERTISE_STARTD", "ADVERTISE_SCHEDD", "ADVERTISE_MASTER"}

// pingAll is `condor_ping -type typ -table ALL`: it succeeds when every
// level is authorized, else it returns the first failure.
func pingAll(t *testing.T, d *daemon, typ string) (ok bool, first result) {
	t.Helper()
	for _, level := range pingLevels {
		r := d.modern(t, "", "ping", "--type", typ, level)
		if r.code != 0 {
			return false, r
		}
	}
	return true, result{}
}

// copyFile copies a key file with mode 0600.
func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(to, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestAcceptanceAuthProtocolToken is test_auth_protocol_token.py
// (acceptance.md A.1): TOKEN is the only method, the tools sign with a copy
// of the POOL key (TOOL.SEC_TOKEN_POOL_SIGNING_KEY_FILE) unless a token in
// SEC_TOKEN_DIRECTORY comes first, and only condor_pool@ and
// administrator@domain hold the daemon levels. The steps share state, in
// the original's order.
func TestAcceptanceAuthProtocolToken(t *testing.T) {
	t.Parallel()
	const allow = "condor_pool@*/*, administrator@domain/*"
	d := servePoolWith(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nSEC_CLIENT_AUTHENTICATION = REQUIRED\n"+
		"SEC_PASSWORD_DIRECTORY = $(LOCAL_DIR)/password.d\nSEC_TOKEN_SYSTEM_DIRECTORY = $(LOCAL_DIR)/system-tokens.d\n"+
		"SEC_TOKEN_POOL_SIGNING_KEY_FILE = $(SEC_PASSWORD_DIRECTORY)/POOL\nTOOL.SEC_TOKEN_POOL_SIGNING_KEY_FILE = $(LOCAL_DIR)/password\n"+
		"SEC_TOKEN_DIRECTORY = $(LOCAL_DIR)/user-tokens.d\n"+
		"ALLOW_ADMINISTRATOR = "+allow+"\nALLOW_OWNER = "+allow+"\nALLOW_CONFIG = "+allow+"\nALLOW_DAEMON = "+allow+"\n"+
		"ALLOW_NEGOTIATOR = "+allow+"\nDENY_ALL = *\n")
	d.start(t)
	defer d.stop(t)
	pool := filepath.Join(d.local, "password.d", "POOL")
	password := filepath.Join(d.local, "password")
	offline := filepath.Join(d.local, "password-offline")
	wrong := filepath.Join(d.local, "wrong-password")
	if err := os.WriteFile(wrong, []byte("wrong password file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const badKey = "AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004:Failed to authenticate using IDTOKENS"
	rename := func(from, to string) {
		t.Helper()
		if err := os.Rename(from, to); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("AP-1 the POOL key is created at start-up", func(t *testing.T) {
		// 64 random bytes, scrambled, 0600 (tokens.md §5.2).
		wantFile(t, pool, 0o600, os.Getuid())
		if fi, _ := os.Stat(pool); fi.Size() != 64 {
			t.Fatalf("POOL key of %d bytes", fi.Size())
		}
	})
	// The original switches to TOKEN only after start-up, then reconfigures.
	f, err := os.OpenFile(d.cfgPath(), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.WriteString(f, "SEC_DEFAULT_AUTHENTICATION_METHODS = TOKEN\n"); err != nil {
		t.Fatal(err)
	}
	f.Close()
	d.reload(t)
	copyFile(t, pool, password)

	t.Run("AP-2 a copy of the POOL key", func(t *testing.T) {
		if ok, r := pingAll(t, d, "collector"); !ok {
			t.Fatalf("ping: %+v", r)
		}
		// The client minted a token for condor@password (cedar.md §5.2).
		r := d.modern(t, "", "ping", "--type", "collector", "-o", "json", "DAEMON")
		if !strings.Contains(r.stdout, `"identity": "condor@password"`) || !strings.Contains(r.stdout, `"method": "IDTOKENS"`) {
			t.Fatalf("ping: %+v", r)
		}
	})
	t.Run("AP-3 without the key", func(t *testing.T) {
		rename(password, offline)
		ok, r := pingAll(t, d, "collector")
		if ok || r.code != 4 || !strings.Contains(r.stderr, "READ failed: AUTHENTICATE:1003:Failed to authenticate with any method") {
			t.Fatalf("ping without a key or token: %+v", r)
		}
	})
	t.Run("AP-4 a wrong key", func(t *testing.T) {
		rename(wrong, password)
		// The client mints with the wrong key; the daemon's AKEP2 fails.
		ok, r := pingAll(t, d, "collector")
		if ok || r.code != 4 || !strings.Contains(r.stderr, badKey) {
			t.Fatalf("ping with a wrong key: %+v", r)
		}
	})
	t.Run("AP-5 the right key again", func(t *testing.T) {
		rename(password, wrong)
		rename(offline, password)
		if ok, r := pingAll(t, d, "collector"); !ok {
			t.Fatalf("ping: %+v", r)
		}
	})
	t.Run("AP-6 token for administrator@domain", func(t *testing.T) {
		want(t, "create", d.bare(t, nil, "", "condor_token_create", "-identity", "administrator@domain", "-token", "tokenfile"), 0, "", "")
		wantFile(t, filepath.Join(d.local, "user-tokens.d", "tokenfile"), 0o600, os.Getuid())
	})
	t.Run("AP-7 the token without a common key", func(t *testing.T) {
		rename(password, offline)
		rename(wrong, password)
		if ok, r := pingAll(t, d, "master"); !ok {
			t.Fatalf("ping master: %+v", r)
		}
	})
	var list string
	t.Run("AP-8 condor_token_list", func(t *testing.T) {
		r := d.bare(t, nil, "", "condor_token_list")
		if r.code != 0 || strings.TrimSpace(r.stdout) == "" {
			t.Fatalf("list: %+v", r)
		}
		list = r.stdout
	})
	t.Run("AP-9 deleting the token", func(t *testing.T) {
		// H-2: the harness strips trailing white space.
		fields := strings.Split(strings.TrimRight(list, " \t\n"), " ")
		file := fields[len(fields)-1]
		if file != filepath.Join(d.local, "user-tokens.d", "tokenfile") {
			t.Fatalf("last field %q", file)
		}
		if err := os.Remove(file); err != nil {
			t.Fatal(err)
		}
		if ok, r := pingAll(t, d, "master"); ok || r.code != 4 || !strings.Contains(r.stderr, badKey) {
			t.Fatalf("ping master with the wrong key and no token: %+v", r)
		}
	})
	t.Run("AP-10 token for an unauthorized identity", func(t *testing.T) {
		rename(password, wrong)
		rename(offline, password)
		want(t, "create", d.bare(t, nil, "", "condor_token_create", "-identity", "test@trust-domain", "-token", "tokenfile"), 0, "", "")
	})
	t.Run("AP-11 unauthorized identity", func(t *testing.T) {
		rename(password, offline)
		rename(wrong, password)
		ok, r := pingAll(t, d, "master")
		if ok || r.code != 4 || !strings.Contains(r.stderr, `SECMAN:2010:Received "DENIED" from server for user test@trust-domain using method IDTOKENS.`) {
			t.Fatalf("ping master as test@trust-domain: %+v", r)
		}
	})
	t.Run("AP-12 condor_token_fetch -type master", func(t *testing.T) {
		rename(password, wrong)
		rename(offline, password)
		want(t, "fetch", d.bare(t, nil, "", "condor_token_fetch", "-type", "master", "-token", "tokenfile"), 0, "", "")
	})
	t.Run("AP-13 the fetched token keeps the identity", func(t *testing.T) {
		data, _ := os.ReadFile(filepath.Join(d.local, "user-tokens.d", "tokenfile"))
		wantClaims(t, strings.TrimSuffix(string(data), "\n"), "test@trust-domain", -1, "")
		rename(password, offline)
		rename(wrong, password)
		if ok, r := pingAll(t, d, "master"); ok || r.code != 4 ||
			!strings.Contains(r.stderr, `SECMAN:2010:Received "DENIED" from server for user test@trust-domain using method IDTOKENS.`) {
			t.Fatalf("ping master with the fetched token: %+v", r)
		}
	})
}
