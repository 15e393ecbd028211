package credstore

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sandbox is <tmp>/root/{oauth,krb,passwords.d} next to <tmp>/outside,
// which holds one file that must never change.
type sandbox struct {
	top, root, outside string
	s                  *Store
}

func newSandbox(t *testing.T, mod func(*Options)) *sandbox {
	t.Helper()
	top := t.TempDir()
	sb := &sandbox{top: top, root: filepath.Join(top, "root"), outside: filepath.Join(top, "outside")}
	for _, d := range []string{sb.outside, filepath.Join(sb.root, "oauth"), filepath.Join(sb.root, "krb"), filepath.Join(sb.root, "passwords.d")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(sb.outside, "keep"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	o := DefaultOptions()
	o.OAuthDir = filepath.Join(sb.root, "oauth")
	o.KrbDir = filepath.Join(sb.root, "krb")
	o.PoolPasswordFile = filepath.Join(sb.root, "passwords.d", "POOL")
	o.Signal = func(int) error { return nil }
	o.PollCount = 0
	o.PollInterval = time.Millisecond
	if mod != nil {
		mod(&o)
	}
	sb.s = New(o)
	return sb
}

// check fails unless the sandbox still has only root/ and outside/keep,
// and every entry directly under the OAuth directory is a valid user
// directory, a mark or the pid file.
func (sb *sandbox) check(t *testing.T) {
	t.Helper()
	top := tree(t, sb.top)
	for _, p := range top {
		if !strings.HasPrefix(p, "root/") && p != "outside/" && p != "outside/keep" {
			t.Fatalf("file written outside the credential directories: %s", p)
		}
		if strings.HasPrefix(p, "root/") && !strings.HasPrefix(p, "root/oauth/") && !strings.HasPrefix(p, "root/krb/") &&
			!strings.HasPrefix(p, "root/passwords.d/") && p != "root/" {
			t.Fatalf("unexpected file %s", p)
		}
	}
	if b, err := os.ReadFile(filepath.Join(sb.outside, "keep")); err != nil || string(b) != "keep" {
		t.Fatalf("outside file changed: %q %v", b, err)
	}
	entries, _ := os.ReadDir(filepath.Join(sb.root, "oauth"))
	for _, e := range entries {
		n := e.Name()
		if e.IsDir() && !validUserName(n) || !e.IsDir() && n != pidFile && !strings.HasSuffix(n, extMark) {
			t.Fatalf("unexpected entry %q in the OAuth directory", n)
		}
	}
}

// FuzzServiceName: any service/handle pair is either refused with
// FAILURE_BAD_ARGS or maps to a file inside the user's directory.
func FuzzServiceName(f *testing.F) {
	for _, s := range [][2]string{
		{"mysvc", ""}, {"svc", "h1"}, {"../x", ""}, {"a/b", ""}, {"", ""}, {"", "h"}, {"..", ".."},
		{".", ""}, {"/etc/passwd", ""}, {"svc", "../../h"}, {"svc\x00", ""}, {"Svc-1+2=3_4.5", "x.top"},
		{"fully_qualified_user", ""}, {"a\nb", ""}, {strings.Repeat("s", 300), ""},
	} {
		f.Add(s[0], s[1], uint8(OpAdd), true)
		f.Add(s[0], s[1], uint8(OpQuery), false)
		f.Add(s[0], s[1], uint8(OpDelete), false)
	}
	f.Fuzz(func(t *testing.T, service, handle string, op uint8, needRefresh bool) {
		sb := newSandbox(t, nil)
		mode := TypeOAuth | int(op&ModeMask)
		ad := map[string]any{"service": service, "handle": handle, "NeedRefresh": needRefresh}
		r := sb.s.Handle(req("alice@x", "", mode, []byte("tok"), ad))
		sb.check(t)
		if !ValidName(service) || !ValidName(handle) {
			if r.Code != FailureBadArgs {
				t.Fatalf("service %q handle %q: code %d, want %d", service, handle, r.Code, FailureBadArgs)
			}
			return
		}
		if int(op&ModeMask) == OpAdd || int(op&ModeMask) == OpConfig {
			if service == "" {
				if r.Code != FailureBadArgs {
					t.Fatalf("add without service: %d", r.Code)
				}
				return
			}
			base := service
			if handle != "" {
				base += "_" + handle
			}
			ext := extUse
			if needRefresh {
				ext = extTop
			}
			path := filepath.Join(sb.root, "oauth", "alice", base+ext)
			// The OS may refuse a name (too long): then the add fails.
			if b, err := os.ReadFile(path); err == nil {
				if string(b) != "tok" {
					t.Fatalf("stored %q", b)
				}
			} else if r.Code == SuccessPending || r.Code > 100 {
				t.Fatalf("add of %q reported %d but %s is missing", base, r.Code, path)
			}
		}
	})
}

// FuzzHandle: arbitrary requests never panic, always get a well-formed
// reply and never write outside the credential directories.
func FuzzHandle(f *testing.F) {
	f.Add("condor@example.net", "", int64(40), []byte("mysvc-access-token-0123456789abcdef"), "", "mysvc", "", "", "", int8(0), true, true)
	f.Add("condor@example.net", "", int64(42), []byte(nil), "", "mysvc", "", "", "", int8(1), true, true)
	f.Add("alice@x", "", int64(40|0x80), []byte(`{"access_token":"x"}`), "", "svc", "h", "read,write", "aud", int8(1), true, true)
	f.Add("alice@x", "", int64(42), []byte(nil), "", "pre", "", "read,write", "aud", int8(-1), true, true)
	f.Add("alice@x", "", int64(40), []byte(`{"vault_url":"https://untrusted.org"}`), "", "v", "", "", "", int8(-1), true, true)
	f.Add("alice@x", "", int64(0xA0), []byte("krb"), "", "", "", "", "", int8(-1), true, true)
	f.Add("alice@x", "", int64(0x20), []byte("LOCAL:scitokens"), "", "", "", "", "", int8(-1), true, true)
	f.Add("alice@x", "", int64(0x60), []byte(nil), "a3JiLWNyZWQ=", "", "", "", "", int8(-1), true, true)
	f.Add("condor_pool@x", "", int64(0x66), []byte(nil), "", "", "", "", "", int8(-1), true, true)
	f.Add("root@x", "../../etc@x", int64(0x20), []byte("x"), "", "", "", "", "", int8(-1), true, true)
	f.Add("..@x", "", int64(41), []byte(nil), "", "", "", "", "", int8(-1), true, true)
	f.Add("alice@x", "", int64(-1), []byte(nil), "", "", "", "", "", int8(-1), false, true)
	f.Add("alice@x", "", int64(100), []byte(nil), "pw", "", "", "", "", int8(-1), true, false)
	f.Fuzz(func(t *testing.T, caller, user string, mode int64, cred []byte, password, service, handle, scopes, audience string,
		needRefresh int8, authenticated, encrypted bool) {
		sb := newSandbox(t, func(o *Options) {
			o.SuperUsers = []string{"root"}
			o.LegacyOAuth = len(password)%2 == 0
			o.TrustedVaultHosts = []string{"trusted.org"}
		})
		oauth := filepath.Join(sb.root, "oauth")
		os.WriteFile(filepath.Join(oauth, pidFile), []byte("12345"), 0o644)
		os.Mkdir(filepath.Join(oauth, "alice"), 0o700)
		os.WriteFile(filepath.Join(oauth, "alice", "pre.top"), []byte(`{"scopes":"read,write","audience":"aud"}`), 0o600)
		os.WriteFile(filepath.Join(oauth, "alice", "bad.top"), []byte("not json"), 0o600)

		ad := map[string]any{"service": service, "handle": handle, "scopes": scopes, "audience": audience}
		if needRefresh >= 0 {
			ad["NeedRefresh"] = needRefresh > 0
		}
		r := sb.s.Handle(Request{Caller: caller, Authenticated: authenticated, Encrypted: encrypted, User: user,
			Password: password, Mode: int(mode), Cred: cred, Ad: ad})
		sb.check(t)
		if r.NoReply {
			if authenticated && !strings.HasSuffix(caller, "@unmapped") {
				t.Fatalf("no reply to an authenticated caller: %+v", r)
			}
			return
		}
		if !(r.Code >= 0 && r.Code <= FailureUntrustedHost || r.Code > 100) {
			t.Fatalf("reply code %d", r.Code)
		}
		if r.Legacy != (mode&FlagLegacy != 0) || r.Legacy != (r.Ad == nil) {
			t.Fatalf("mode %#x: reply %+v", mode, r)
		}
		if r.Code == SuccessPending || r.Code == Success || r.Code > 100 {
			if !authenticated || !encrypted {
				t.Fatalf("success without a secure connection: %+v", r)
			}
		}
	})
}
