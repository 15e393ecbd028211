package credstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var krbFile = []byte("fake-krb-ccache-bytes")

// TestKrbRealToolsSequence replays real-tools.md K1–K6 at the server.
func TestKrbRealToolsSequence(t *testing.T) {
	e := newEnv(t, nil)
	fqu := map[string]any{AttrFullyQualifiedUser: htcuser}
	check := func(step string, r Request, want Reply) {
		t.Helper()
		if diff := cmp.Diff(want, e.do(r)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step, diff)
		}
	}
	check("K1 query, nothing stored", req(htcuser, "", TypeKrb|OpQuery, nil, nil), Reply{Code: FailureNotFound, Ad: fqu})
	// add-krb sends the wait flag; no credmon runs, so the add is pending.
	check("K3 add", req(htcuser, "", TypeKrb|OpAdd|FlagWaitForCredmon, krbFile, nil), Reply{Code: SuccessPending, Ad: fqu})
	cred := filepath.Join(e.krb, "htcuser.cred")
	if got := readFile(t, cred); string(got) != string(krbFile) {
		t.Errorf("K3 stored %q", got)
	}
	if p := perm(t, cred); p != 0o600 {
		t.Errorf("K3 mode %04o", p)
	}
	if got := tree(t, e.krb); !cmp.Equal(got, []string{"htcuser.cred"}) {
		t.Errorf("K3 files %q", got)
	}
	setMtime(t, cred, 1795640205)
	check("K4 query", req(htcuser, "", TypeKrb|OpQuery, nil, nil),
		Reply{Code: SuccessPending, Ad: map[string]any{AttrFullyQualifiedUser: htcuser, "CredTime": int64(1795640205)}})
	check("K5 delete", req(htcuser, "", TypeKrb|OpDelete, nil, nil), Reply{Code: Success, Ad: fqu})
	mustNotExist(t, cred)
	check("K6 query", req(htcuser, "", TypeKrb|OpQuery, nil, nil), Reply{Code: FailureNotFound, Ad: fqu})
}

// TestKrbCredmonFiles: the credmon's .cc answers queries and, with
// SEC_CREDENTIAL_REFRESH_INTERVAL, makes adds no-ops (credentials.md §6.3).
func TestKrbCredmonFiles(t *testing.T) {
	now := time.Unix(1795650000, 0)
	e := newEnv(t, func(o *Options) { o.Now = func() time.Time { return now } })
	cc := filepath.Join(e.krb, "alice.cc")
	cred := filepath.Join(e.krb, "alice.cred")
	if err := os.WriteFile(cc, []byte("ticket"), 0o600); err != nil {
		t.Fatal(err)
	}
	setMtime(t, cc, 1795640000)
	add := req("alice@x", "", TypeKrb|OpAdd, krbFile, nil)

	// Default (-1): an existing .cc makes the add a no-op answering its mtime.
	if r := e.do(add); r.Code != 1795640000 {
		t.Errorf("add with .cc: %+v", r)
	}
	mustNotExist(t, cred)
	if r := e.do(req("alice@x", "", TypeKrb|OpQuery, nil, nil)); r.Code != 1795640000 {
		t.Errorf("query with .cc: %+v", r)
	}

	// Interval 20000 s: the .cc (10000 s old) is fresh, no-op.
	e.s.opts.KrbRefreshInterval = 20000
	if r := e.do(add); r.Code != 1795640000 {
		t.Errorf("fresh .cc: %+v", r)
	}
	mustNotExist(t, cred)
	// Interval 5000 s: stale, the credential is written; the old .cc is
	// the completion file and exists, so its mtime is the answer.
	e.s.opts.KrbRefreshInterval = 5000
	if r := e.do(add); r.Code != 1795640000 {
		t.Errorf("stale .cc: %+v", r)
	}
	if got := readFile(t, cred); string(got) != string(krbFile) {
		t.Errorf("stored %q", got)
	}
	// Delete removes both.
	if r := e.do(req("alice@x", "", TypeKrb|OpDelete, nil, nil)); r.Code != Success {
		t.Errorf("delete: %+v", r)
	}
	mustNotExist(t, cc)
	mustNotExist(t, cred)
}

// TestKrbWaitForCredmon: add-krb with a running credmon waits for .cc.
func TestKrbWaitForCredmon(t *testing.T) {
	var e *env
	e = newEnv(t, func(o *Options) {
		o.PollInterval = 5 * time.Millisecond
		o.Signal = func(pid int) error {
			if pid != 77 {
				t.Errorf("signalled pid %d", pid)
			}
			return os.WriteFile(filepath.Join(e.krb, "alice.cc"), []byte("cc"), 0o600)
		}
	})
	if err := os.WriteFile(filepath.Join(e.krb, "pid"), []byte("77"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.do(req("alice@x", "", TypeKrb|OpAdd|FlagWaitForCredmon, krbFile, nil))
	if r.Code <= 100 || r.Code != fileMtime(t, filepath.Join(e.krb, "alice.cc")) {
		t.Errorf("reply %+v, want the .cc mtime", r)
	}
}

// TestKrbConfig: no SEC_CREDENTIAL_DIRECTORY_KRB (acceptance.md RB-23) and
// unusable user names.
func TestKrbConfig(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.KrbDir = "" })
	for _, op := range []int{OpAdd, OpQuery, OpDelete} {
		if r := e.do(req("alice@x", "", TypeKrb|op, krbFile, nil)); r.Code != FailureConfigError {
			t.Errorf("op %d without directory: %+v", op, r)
		}
	}
	if ResultText(FailureConfigError) != "Operation failed because of a configuration error" {
		t.Error("RB-23 text")
	}
	su := newEnv(t, func(o *Options) { o.SuperUsers = []string{"root"} })
	for _, u := range []string{"../../etc/x@y", "..@y", "a b@y"} {
		if r := su.do(req("root@y", u, TypeKrb|OpAdd, krbFile, nil)); r.Code != FailureBadArgs {
			t.Errorf("user %q: %+v", u, r)
		}
	}
	if got := tree(t, su.root); !cmp.Equal(got, []string{"krb/", "oauth/", "passwords.d/"}) {
		t.Errorf("files: %q", got)
	}
}

// TestKrbLocal: a "LOCAL:<service>" Kerberos credential becomes an OAuth
// credential for <service> holding the user name (credentials.md §6.3).
func TestKrbLocal(t *testing.T) {
	var woken []int
	e := newEnv(t, func(o *Options) { o.Signal = func(pid int) error { woken = append(woken, pid); return nil } })
	os.WriteFile(filepath.Join(e.oauth, "pid"), []byte("11"), 0o644)
	os.WriteFile(filepath.Join(e.krb, "pid"), []byte("22"), 0o644)
	r := e.do(req("alice@x", "", TypeKrb|OpAdd, []byte("LOCAL:scitokens"), nil))
	if r.Code != SuccessPending {
		t.Errorf("reply %+v", r)
	}
	if got := readFile(t, filepath.Join(e.oauth, "alice", "scitokens.top")); string(got) != "alice" {
		t.Errorf("stored %q", got)
	}
	if got := tree(t, e.krb); !cmp.Equal(got, []string{"pid"}) {
		t.Errorf("Kerberos directory: %q", got)
	}
	if !cmp.Equal(woken, []int{11}) {
		t.Errorf("woke %v, want the OAuth credmon", woken)
	}
	if r := e.do(req("alice@x", "", TypeKrb|OpAdd, []byte("LOCAL:../x"), nil)); r.Code != FailureBadArgs {
		t.Errorf("bad LOCAL service: %+v", r)
	}
	if r := e.do(req("alice@x", "", TypeKrb|OpQuery, []byte("LOCAL:scitokens"), nil)); r.Code != Failure {
		t.Errorf("LOCAL query: %+v", r)
	}
	// "LOCAL:" alone is an ordinary credential.
	if r := e.do(req("alice@x", "", TypeKrb|OpAdd, []byte("LOCAL:"), nil)); r.Code != SuccessPending {
		t.Errorf("LOCAL: alone: %+v", r)
	}
	if got := readFile(t, filepath.Join(e.krb, "alice.cred")); string(got) != "LOCAL:" {
		t.Errorf("stored %q", got)
	}
}

// TestConfigModeActsAsAdd: GENERIC_CONFIG (3) falls through to add for
// Kerberos and OAuth on Unix.
func TestConfigModeActsAsAdd(t *testing.T) {
	e := newEnv(t, nil)
	if r := e.do(req("alice@x", "", TypeKrb|OpConfig, krbFile, nil)); r.Code != SuccessPending {
		t.Errorf("krb config: %+v", r)
	}
	if r := e.do(req("alice@x", "", TypeOAuth|OpConfig, krbFile, oauthAd("service", "s", "NeedRefresh", false))); r.Code <= 100 {
		t.Errorf("oauth config: %+v", r)
	}
	if r := e.do(req("condor_pool@x", "", TypePwd|OpConfig, nil, nil)); r.Code != FailureNotAllowed {
		t.Errorf("pwd config: %+v", r)
	}
}
