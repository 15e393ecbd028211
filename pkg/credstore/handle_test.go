package credstore

import (
	"encoding/base64"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const condorFQU = "condor@example.net"

// TestHandleRefusals covers the checks made before any file is touched
// (credentials.md §5.1, §5.4, §5.5).
func TestHandleRefusals(t *testing.T) {
	e := newEnv(t, nil)
	svc := map[string]any{"service": "svc", "NeedRefresh": false}
	fqu := map[string]any{AttrFullyQualifiedUser: condorFQU}
	tests := []struct {
		name string
		req  Request
		want Reply
	}{
		{"unauthenticated",
			Request{Caller: condorFQU, Encrypted: true, Mode: 40, Cred: []byte("x"), Ad: svc},
			Reply{Code: FailureNotSecure, NoReply: true}},
		{"ssl without certificate",
			Request{Caller: "unauthenticated@unmapped", Authenticated: true, Encrypted: true, Mode: 40, Cred: []byte("x"), Ad: svc},
			Reply{Code: FailureNotSecure, NoReply: true}},
		{"unencrypted",
			Request{Caller: condorFQU, Authenticated: true, Mode: 40, Cred: []byte("x"), Ad: svc},
			Reply{Code: FailureNotSecure, Ad: map[string]any{}}},
		{"unencrypted legacy",
			Request{Caller: condorFQU, Authenticated: true, Mode: ModeLegacyPwd},
			Reply{Code: FailureNotSecure, Legacy: true}},
		{"incomplete message",
			Request{Caller: condorFQU, Authenticated: true, Encrypted: true, Mode: 40, Incomplete: true},
			Reply{Code: FailureProtocolMismatch, Ad: map[string]any{}}},
		{"credential too large",
			req(condorFQU, "", 40, make([]byte, MaxCredLen+1), svc),
			Reply{Code: FailureProtocolMismatch, Ad: map[string]any{}}},
		{"mode below range", req(condorFQU, "", 0x1f, nil, nil), Reply{Code: FailureBadArgs, Ad: map[string]any{}}},
		{"mode zero", req(condorFQU, "", 0, nil, nil), Reply{Code: FailureBadArgs, Ad: map[string]any{}}},
		{"mode above range", req(condorFQU, "", 0x67, nil, nil), Reply{Code: FailureBadArgs, Legacy: true}},
		{"mode above range with wait", req(condorFQU, "", 0x80|0x68, nil, nil), Reply{Code: FailureBadArgs, Legacy: true}},
		{"negative mode", req(condorFQU, "", -40, nil, nil), Reply{Code: FailureBadArgs, Legacy: true}}, // -40 has the 0x40 bit
		{"user without @", req(condorFQU, "alice", 40, []byte("x"), svc), Reply{Code: FailureBadArgs, Ad: fqu}},
		{"user with empty name", req(condorFQU, "@example.net", 40, []byte("x"), svc), Reply{Code: FailureBadArgs, Ad: fqu}},
		{"no caller, no user", Request{Authenticated: true, Encrypted: true, Mode: 40, Cred: []byte("x"), Ad: svc},
			Reply{Code: Failure, Ad: map[string]any{AttrFullyQualifiedUser: ""}}},
		// real-tools.md O21: root (mapped to condor) storing for alice.
		{"other user", req(condorFQU, "alice@htc.local", 40, []byte("x"), svc), Reply{Code: FailureNotAllowed, Ad: fqu}},
		{"pool password via STORE_CRED", req("condor_pool@example.net", "", TypePwd|OpAdd, nil, nil),
			Reply{Code: FailureNotAllowed, Ad: map[string]any{AttrFullyQualifiedUser: "condor_pool@example.net"}}},
		{"pool password delete via legacy STORE_CRED", req("condor_pool@example.net", "", ModeLegacyPwd|OpDelete, nil, nil),
			Reply{Code: FailureNotAllowed, Legacy: true}},
		{"user password (Unix has none)", req(condorFQU, "", TypePwd|OpAdd, nil, nil), Reply{Code: Failure, Ad: fqu}},
		{"legacy user password", Request{Caller: condorFQU, Authenticated: true, Encrypted: true, User: "condor@(null)", Password: "x", Mode: ModeLegacyPwd},
			Reply{Code: Failure, Legacy: true}},
		{"type bits 0x34", req(condorFQU, "", 0x34, nil, nil), Reply{Code: FailureBadArgs, Ad: fqu}},
		{"legacy type without credential", req(condorFQU, "", 0x44, nil, nil), Reply{Code: FailureBadArgs, Legacy: true}},
		{"legacy credential not base64", Request{Caller: condorFQU, Authenticated: true, Encrypted: true, Password: "!!!", Mode: 0x60},
			Reply{Code: Failure, Legacy: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := e.do(tt.req)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("reply mismatch (-want +got):\n%s", diff)
			}
		})
	}
	if got := tree(t, e.root); !cmp.Equal(got, []string{"krb/", "oauth/", "passwords.d/"}) {
		t.Errorf("refused requests touched the disk: %q", got)
	}
}

// TestSuperUsers checks CRED_SUPER_USERS (credentials.md §5.5): only the
// caller's name part is matched, with HTCondor's wildcard rules.
func TestSuperUsers(t *testing.T) {
	tests := []struct {
		supers []string
		caller string
		want   int64
	}{
		{nil, "condor@example.net", FailureNotAllowed},
		{[]string{"condor"}, "condor@example.net", SuccessPending},
		{[]string{"condor@example.net"}, "condor@example.net", FailureNotAllowed}, // the domain is not part of the match
		{[]string{"cond*"}, "condor@example.net", SuccessPending},
		{[]string{"*dor"}, "condor@example.net", SuccessPending},
		{[]string{"*"}, "mallory@evil.org", SuccessPending},
		{[]string{"Condor"}, "condor@example.net", FailureNotAllowed},
		{[]string{"", "admin"}, "condor@example.net", FailureNotAllowed},
		{[]string{"admin", "c*r"}, "condor@example.net", SuccessPending},
	}
	for _, tt := range tests {
		e := newEnv(t, func(o *Options) { o.SuperUsers = tt.supers })
		r := e.do(req(tt.caller, "alice@htc.local", TypeOAuth|OpAdd, []byte("tok"), map[string]any{"service": "svc", "NeedRefresh": true}))
		if r.Code != tt.want {
			t.Errorf("supers %q caller %s: code %d, want %d", tt.supers, tt.caller, r.Code, tt.want)
		}
		if tt.want == SuccessPending {
			if got := readFile(t, filepath.Join(e.oauth, "alice", "svc.top")); string(got) != "tok" {
				t.Errorf("stored %q for alice", got)
			}
		}
	}
}

// TestPoolQueryThroughStoreCred: condor_pool may query its own password
// with STORE_CRED; the modern protocol gets an ad, the legacy one not.
func TestPoolQueryThroughStoreCred(t *testing.T) {
	e := newEnv(t, nil)
	pool := "condor_pool@example.net"
	if r := e.do(req(pool, "", TypePwd|OpQuery, nil, nil)); r.Code != FailureNotFound {
		t.Errorf("query without file: %d", r.Code)
	}
	if err := WritePoolPasswordFile(e.pool, []byte("poolpw")); err != nil {
		t.Fatal(err)
	}
	want := Reply{Code: Success, Ad: map[string]any{AttrFullyQualifiedUser: pool}}
	if r := e.do(req(pool, "", TypePwd|OpQuery, nil, nil)); !cmp.Equal(r, want) {
		t.Errorf("modern query: %+v", r)
	}
	if r := e.do(req(pool, "", ModeLegacyPwd|OpQuery, nil, nil)); !cmp.Equal(r, Reply{Code: Success, Legacy: true}) {
		t.Errorf("legacy query: %+v", r)
	}
	// Somebody else may not look at it.
	if r := e.do(req(condorFQU, pool, TypePwd|OpQuery, nil, nil)); r.Code != FailureNotAllowed {
		t.Errorf("query by condor: %d", r.Code)
	}
}

// TestLegacyBase64Credential: a legacy request carrying a credential in
// the password field stores it as OAuth or Kerberos per CREDD_OAUTH_MODE
// (credentials.md §5.2).
func TestLegacyBase64Credential(t *testing.T) {
	cred := []byte("legacy-cred\x00bytes")
	b64 := base64.StdEncoding.EncodeToString(cred)
	t.Run("kerberos", func(t *testing.T) {
		e := newEnv(t, func(o *Options) { o.LegacyOAuth = false })
		r := e.do(Request{Caller: "alice@htc.local", Authenticated: true, Encrypted: true, Password: b64, Mode: 0x60})
		if !cmp.Equal(r, Reply{Code: SuccessPending, Legacy: true}) {
			t.Errorf("reply %+v", r)
		}
		if got := readFile(t, filepath.Join(e.krb, "alice.cred")); string(got) != string(cred) {
			t.Errorf("stored %q", got)
		}
	})
	t.Run("oauth", func(t *testing.T) {
		// OAuth without a service is refused: the legacy protocol has no ad.
		e := newEnv(t, nil)
		r := e.do(Request{Caller: "alice@htc.local", Authenticated: true, Encrypted: true, Password: b64, Mode: 0x60})
		if !cmp.Equal(r, Reply{Code: FailureBadArgs, Legacy: true}) {
			t.Errorf("reply %+v", r)
		}
	})
	t.Run("unpadded", func(t *testing.T) {
		e := newEnv(t, func(o *Options) { o.LegacyOAuth = false })
		raw := base64.RawStdEncoding.EncodeToString([]byte("ab"))
		r := e.do(Request{Caller: "alice@htc.local", Authenticated: true, Encrypted: true, Password: raw + "\n", Mode: 0x60})
		if r.Code != SuccessPending {
			t.Errorf("reply %+v", r)
		}
	})
}

// TestAdLookupCaseInsensitive: option names are ClassAd attributes, so
// "SERVICE" and "service" are the same; non-string values do not count.
func TestAdLookupCaseInsensitive(t *testing.T) {
	e := newEnv(t, nil)
	r := e.do(req("alice@htc.local", "", TypeOAuth|OpAdd, []byte("t"), map[string]any{"SERVICE": "svc", "needrefresh": int64(0)}))
	if r.Code <= 100 {
		t.Fatalf("add: %d", r.Code)
	}
	if _, err := os.Stat(filepath.Join(e.oauth, "alice", "svc.use")); err != nil {
		t.Error(err)
	}
	r = e.do(req("alice@htc.local", "", TypeOAuth|OpAdd, []byte("t"), map[string]any{"Service": 42}))
	if r.Code != FailureBadArgs {
		t.Errorf("non-string service: %d, want %d", r.Code, FailureBadArgs)
	}
	if v, ok := lookup(map[string]any{"B": 1, "b": 2, "A": 3}, "b"); !ok || v != 2 {
		t.Errorf("exact spelling must win: %v", v)
	}
	if v, ok := lookup(map[string]any{"sERVICE": 1, "Service": 2}, "service"); !ok || v != 2 {
		t.Errorf("smallest spelling must win: %v", v)
	}
	for _, tt := range []struct {
		v    any
		want bool
		ok   bool
	}{{true, true, true}, {int64(2), true, true}, {0, false, true}, {0.5, true, true}, {"true", false, false}, {nil, false, false}} {
		b, ok := lookupBool(map[string]any{"x": tt.v}, "X")
		if b != tt.want || ok != tt.ok {
			t.Errorf("lookupBool(%v) = %v, %v", tt.v, b, ok)
		}
	}
}

// TestReplyAttributeNames: reply attributes are ClassAd names, so names
// differing only in case collapse into one (the first spelling stays).
func TestReplyAttributeNames(t *testing.T) {
	e := newEnv(t, nil)
	dir := filepath.Join(e.oauth, "alice")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for n, tm := range map[string]int64{"A.use": 200, "a.use": 300, "Fully_Qualified_User.use": 400} {
		os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600)
		setMtime(t, filepath.Join(dir, n), tm)
	}
	r := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, nil))
	want := map[string]any{AttrFullyQualifiedUser: "alice@x", "A.use": int64(300), "Fully_Qualified_User.use": int64(400)}
	if !cmp.Equal(r.Ad, want) {
		t.Errorf("query all: %v", r.Ad)
	}
	// A service named like the identity attribute overwrites it, as the
	// credd's ClassAd Assign does.
	os.WriteFile(filepath.Join(dir, "FULLY_QUALIFIED_USER.use"), []byte("x"), 0o600)
	setMtime(t, filepath.Join(dir, "FULLY_QUALIFIED_USER.use"), 500)
	r = e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, map[string]any{"service": "FULLY_QUALIFIED_USER"}))
	if !cmp.Equal(r.Ad, map[string]any{AttrFullyQualifiedUser: int64(500)}) {
		t.Errorf("query service: %v", r.Ad)
	}
}

// TestStoredJSONEndsAtNUL: the credd reads a stored .top as a C string.
func TestStoredJSONEndsAtNUL(t *testing.T) {
	e := newEnv(t, nil)
	dir := filepath.Join(e.oauth, "alice")
	os.Mkdir(dir, 0o700)
	os.WriteFile(filepath.Join(dir, "s.top"), []byte("{\"scopes\":\"a\"}\x00garbage"), 0o600)
	if r := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, map[string]any{"service": "s", "scopes": "a"})); r.Code != SuccessPending {
		t.Errorf("reply %+v", r)
	}
	os.WriteFile(filepath.Join(dir, "s.top"), []byte("\x00{\"scopes\":\"a\"}"), 0o600)
	if r := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, map[string]any{"service": "s", "scopes": "a"})); r.Code != FailureJSONParse {
		t.Errorf("reply %+v", r)
	}
}
