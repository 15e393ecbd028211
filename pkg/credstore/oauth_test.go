package credstore

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

const htcuser = "htcuser@htc.local"

// Credential files of real-tools.md §9.5.
var (
	credFile = []byte("my-access-token-abc123")
	jsonFile = []byte(`{"access_token":"AT123","refresh_token":"RT456","scope":"read write","audience":"https://aud.example"}`)
)

func oauthAd(kv ...any) map[string]any {
	ad := map[string]any{}
	for i := 0; i+1 < len(kv); i += 2 {
		ad[kv[i].(string)] = kv[i+1]
	}
	return ad
}

// TestOAuthRealToolsSequence replays real-tools.md §9.5 O2–O22 (as
// htcuser) at the server: results, reply ads, files, modes and bytes.
func TestOAuthRealToolsSequence(t *testing.T) {
	e := newEnv(t, nil)
	fqu := map[string]any{AttrFullyQualifiedUser: htcuser}
	with := func(kv ...any) map[string]any {
		ad := map[string]any{AttrFullyQualifiedUser: htcuser}
		for i := 0; i+1 < len(kv); i += 2 {
			ad[kv[i].(string)] = kv[i+1]
		}
		return ad
	}
	dir := filepath.Join(e.oauth, "htcuser")
	check := func(step string, r Request, want Reply) {
		t.Helper()
		if diff := cmp.Diff(want, e.do(r)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", step, diff)
		}
	}
	query := func(kv ...any) Request { return req(htcuser, "", TypeOAuth|OpQuery, nil, oauthAd(kv...)) }

	check("O2 query, nothing stored", query(), Reply{Code: FailureNotFound, Ad: fqu})
	check("O3 query myservice, nothing stored", query("service", "myservice", "NeedRefresh", true), Reply{Code: FailureNotFound, Ad: fqu})
	mustNotExist(t, dir)

	check("O4 add myservice", req(htcuser, "", TypeOAuth|OpAdd, credFile, oauthAd("service", "myservice", "NeedRefresh", true)),
		Reply{Code: SuccessPending, Ad: fqu})
	top := filepath.Join(dir, "myservice.top")
	if got := readFile(t, top); string(got) != string(credFile) {
		t.Errorf("O4 stored %q", got)
	}
	if p := perm(t, dir); p != 0o2700 {
		t.Errorf("O4 user dir mode %04o, want 2700", p)
	}
	if p := perm(t, top); p != 0o600 {
		t.Errorf("O4 file mode %04o, want 0600", p)
	}
	setMtime(t, top, 1795640191)
	check("O5 query all", query(), Reply{Code: SuccessPending, Ad: with("myservice.top", int64(1795640191))})
	check("O6 query myservice, not JSON", query("service", "myservice", "NeedRefresh", true),
		Reply{Code: FailureJSONParse, Ad: with("TopmyserviceTime", int64(1795640191))})
	check("O7 query otherservice", query("service", "otherservice", "NeedRefresh", true), Reply{Code: FailureNotFound, Ad: fqu})

	check("O8 add jsonsvc", req(htcuser, "", TypeOAuth|OpAdd, jsonFile, oauthAd("service", "jsonsvc", "NeedRefresh", true)),
		Reply{Code: SuccessPending, Ad: fqu})
	jtop := filepath.Join(dir, "jsonsvc.top")
	if got := readFile(t, jtop); string(got) != string(jsonFile) {
		t.Errorf("O8 stored %q, want the file unchanged", got)
	}
	setMtime(t, jtop, 1795640196)
	jt := with("TopjsonsvcTime", int64(1795640196))
	// The file says "scope", not "scopes", and has an audience: every
	// query mismatches (O9–O11, RB-28, exit 2).
	check("O9 query jsonsvc", query("service", "jsonsvc", "NeedRefresh", true), Reply{Code: FailureCredMismatch, Ad: jt})
	check("O10 query jsonsvc -S read,write", query("service", "jsonsvc", "scopes", "read,write", "NeedRefresh", true), Reply{Code: FailureCredMismatch, Ad: jt})
	check("O11 query jsonsvc -S admin", query("service", "jsonsvc", "scopes", "admin", "NeedRefresh", true), Reply{Code: FailureCredMismatch, Ad: jt})
	check("jsonsvc with its audience", query("service", "jsonsvc", "audience", "https://aud.example"), Reply{Code: SuccessPending, Ad: jt})

	r := e.do(req(htcuser, "", TypeOAuth|OpAdd, credFile, oauthAd("service", "plainsvc", "handle", "h1", "NeedRefresh", false)))
	use := filepath.Join(dir, "plainsvc_h1.use")
	if r.Code != fileMtime(t, use) || !cmp.Equal(r.Ad, fqu) {
		t.Errorf("O12 add -P: %+v, want the mtime of %s", r, use)
	}
	setMtime(t, use, 1795640197)
	check("O13 query plainsvc h1", query("service", "plainsvc", "handle", "h1", "NeedRefresh", true),
		Reply{Code: Success, Ad: with("plainsvc_h1", int64(1795640197))})

	check("O14 add stdinsvc", req(htcuser, "", TypeOAuth|OpAdd, []byte("token-from-stdin\n"), oauthAd("service", "stdinsvc", "NeedRefresh", true)),
		Reply{Code: SuccessPending, Ad: fqu})
	if got := readFile(t, filepath.Join(dir, "stdinsvc.top")); string(got) != "token-from-stdin\n" {
		t.Errorf("O14 stored %q", got)
	}
	setMtime(t, filepath.Join(dir, "stdinsvc.top"), 1795640197)
	check("O15 query all", query(), Reply{Code: SuccessPending, Ad: with(
		"jsonsvc.top", int64(1795640196), "myservice.top", int64(1795640191),
		"plainsvc_h1.use", int64(1795640197), "stdinsvc.top", int64(1795640197))})

	check("O16 delete myservice", req(htcuser, "", TypeOAuth|OpDelete, nil, oauthAd("service", "myservice")), Reply{Code: Success, Ad: fqu})
	mustNotExist(t, top)
	check("O17 delete nosuchsvc", req(htcuser, "", TypeOAuth|OpDelete, nil, oauthAd("service", "nosuchsvc")), Reply{Code: Success, Ad: fqu})
	check("O18 query myservice", query("service", "myservice"), Reply{Code: FailureNotFound, Ad: fqu})
	check("O21 add for alice", req(htcuser, "alice@htc.local", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc")),
		Reply{Code: FailureNotAllowed, Ad: fqu})
	check("O22 delete all", req(htcuser, "", TypeOAuth|OpDelete, nil, oauthAd()), Reply{Code: Success, Ad: fqu})
	mustNotExist(t, dir)
	check("RB-30 query after delete", query(), Reply{Code: FailureNotFound, Ad: fqu})
	check("delete all again", req(htcuser, "", TypeOAuth|OpDelete, nil, nil), Reply{Code: Success, Ad: fqu})
}

// TestOAuthQueryAllSuccess: every .top has its .use → SUCCESS; other
// files are not listed (temporary files included).
func TestOAuthQueryAllSuccess(t *testing.T) {
	e := newEnv(t, nil)
	dir := filepath.Join(e.oauth, "alice")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	for n, tm := range map[string]int64{"a.top": 101, "a.use": 102, "b.use": 103, "a.top.tmp123": 104, "a.meta": 105, "x.mark": 106} {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		setMtime(t, filepath.Join(dir, n), tm)
	}
	want := Reply{Code: Success, Ad: map[string]any{AttrFullyQualifiedUser: "alice@x", "a.top": int64(101), "a.use": int64(102), "b.use": int64(103)}}
	if diff := cmp.Diff(want, e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, nil))); diff != "" {
		t.Error(diff)
	}
}

// TestOAuthScopesAudience: -S/-A are merged into a .top JSON credential,
// re-serialised as HTCondor does (credentials.md §6.2), and queries must
// repeat them exactly.
func TestOAuthScopesAudience(t *testing.T) {
	e := newEnv(t, nil)
	add := oauthAd("service", "svc", "scopes", "read,write", "audience", "aud1", "NeedRefresh", true)
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, []byte(`{"access_token":"x","refresh_token":"y"}`), add)); r.Code != SuccessPending {
		t.Fatalf("add: %+v", r)
	}
	top := filepath.Join(e.oauth, "alice", "svc.top")
	want := "{\n  \"scopes\": \"read,write\",\n  \"audience\": \"aud1\",\n  \"access_token\": \"x\",\n  \"refresh_token\": \"y\"\n}\n"
	if got := string(readFile(t, top)); got != want {
		t.Errorf("stored\n%s\nwant\n%s", got, want)
	}
	setMtime(t, top, 1000)
	tests := []struct {
		name string
		ad   map[string]any
		code int64
	}{
		{"same scopes and audience", oauthAd("service", "svc", "Scopes", "read,write", "Audience", "aud1"), SuccessPending},
		{"no -S", oauthAd("service", "svc", "Audience", "aud1"), FailureCredMismatch},
		{"other scopes", oauthAd("service", "svc", "Scopes", "read", "Audience", "aud1"), FailureCredMismatch},
		{"other audience", oauthAd("service", "svc", "Scopes", "read,write", "Audience", "aud2"), FailureCredMismatch},
		{"scopes compare byte-wise", oauthAd("service", "svc", "Scopes", "write,read", "Audience", "aud1"), FailureCredMismatch},
	}
	for _, tt := range tests {
		r := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, tt.ad))
		if r.Code != tt.code || r.Ad["TopsvcTime"] != int64(1000) {
			t.Errorf("%s: %+v, want code %d with TopsvcTime", tt.name, r, tt.code)
		}
	}
	// Once the credmon wrote the .use the query succeeds with its mtime.
	use := filepath.Join(e.oauth, "alice", "svc.use")
	if err := os.WriteFile(use, []byte("access"), 0o600); err != nil {
		t.Fatal(err)
	}
	setMtime(t, use, 2000)
	r := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, oauthAd("service", "svc", "Scopes", "read,write", "Audience", "aud1")))
	want2 := map[string]any{AttrFullyQualifiedUser: "alice@x", "TopsvcTime": int64(1000), "svc": int64(2000)}
	if r.Code != Success || !cmp.Equal(r.Ad, want2) {
		t.Errorf("query with .use: %+v", r)
	}

	// Not JSON with -S: FAILURE_JSON_PARSE, nothing written.
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "other", "scopes", "s", "NeedRefresh", true))); r.Code != FailureJSONParse {
		t.Errorf("non-JSON with scopes: %d", r.Code)
	}
	mustNotExist(t, filepath.Join(e.oauth, "alice", "other.top"))
	// -S with -P (.use) stores the bytes unchanged.
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "plain", "scopes", "s", "NeedRefresh", false))); r.Code <= 100 {
		t.Errorf(".use with scopes: %d", r.Code)
	}
	if got := readFile(t, filepath.Join(e.oauth, "alice", "plain.use")); string(got) != string(credFile) {
		t.Errorf(".use with scopes stored %q", got)
	}
}

// TestOAuthTopOrUse: the order of rules choosing .top or .use
// (credentials.md §6.2; acceptance.md A.5–A.7).
func TestOAuthTopOrUse(t *testing.T) {
	vault := []byte(`{"vault_token": "XXX", "vault_url": "https://trusted.org"}`)
	tests := []struct {
		name   string
		sorter *CredSorter
		svc    string
		cred   []byte
		ad     map[string]any
		file   string
	}{
		{"NeedRefresh true", nil, "plain", credFile, oauthAd("NeedRefresh", true), "plain.top"},
		{"NeedRefresh false beats vault", nil, "v", vault, oauthAd("NeedRefresh", false), "v.use"},
		{"NeedRefresh false beats credmon", nil, "scitokens", credFile, oauthAd("NeedRefresh", false), "scitokens.use"},
		{"vault token", nil, "vault1", vault, nil, "vault1.top"},
		{"credmon service (HC-1)", nil, "scitokens", []byte("fake-refresh-token"), nil, "scitokens.top"},
		{"unmanaged service (IC-2, HC-2)", nil, "plain", []byte("plain-token"), nil, "plain.use"},
		{"configured local issuer", &CredSorter{LocalNames: []string{"mine"}}, "mine", credFile, nil, "mine.top"},
		{"oauth2 client id", &CredSorter{ClientIDDefined: func(s string) bool { return s == "box" }}, "box", credFile, nil, "box.top"},
		// The sorter sees "<service>_<handle>", so a handle hides the credmon.
		{"handle in the name", nil, "scitokens", credFile, oauthAd("handle", "h"), "scitokens_h.use"},
		{"handle sorts with its name", &CredSorter{LocalNames: []string{"svc_h"}}, "svc", credFile, oauthAd("handle", "h"), "svc_h.top"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(o *Options) {
				if tt.sorter != nil {
					o.Sorter = tt.sorter
				}
			})
			ad := oauthAd("service", tt.svc)
			for k, v := range tt.ad {
				ad[k] = v
			}
			r := e.do(req("alice@x", "", TypeOAuth|OpAdd, tt.cred, ad))
			if !(r.Code == SuccessPending || r.Code > 100) {
				t.Fatalf("add: %+v", r)
			}
			got := tree(t, filepath.Join(e.oauth, "alice"))
			if !cmp.Equal(got, []string{tt.file}) {
				t.Fatalf("files %q, want %q", got, tt.file)
			}
			if b := readFile(t, filepath.Join(e.oauth, "alice", tt.file)); string(b) != string(tt.cred) {
				t.Errorf("stored %q, want the bytes unchanged", b)
			}
		})
	}
}

// TestOAuthVault: TRUSTED_VAULT_HOSTS (acceptance.md VC-1, VC-2).
func TestOAuthVault(t *testing.T) {
	e := newEnv(t, func(o *Options) { o.TrustedVaultHosts = []string{"trusted.org", "alsotrusted.edu"} })
	trusted := []byte(`{"vault_token": "XXX", "vault_url": "https://trusted.org"}`)
	untrusted := []byte(`{"vault_token": "XXX", "vault_url": "https://untrusted.org"}`)
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, trusted, oauthAd("service", "vault1", "NeedRefresh", true))); r.Code != SuccessPending {
		t.Errorf("VC-1: %+v", r)
	}
	if got := readFile(t, filepath.Join(e.oauth, "alice", "vault1.top")); string(got) != string(trusted) {
		t.Errorf("VC-1 stored %q", got)
	}
	r := e.do(req("alice@x", "", TypeOAuth|OpAdd, untrusted, oauthAd("service", "vault2", "NeedRefresh", true)))
	if r.Code != FailureUntrustedHost {
		t.Errorf("VC-2: %+v", r)
	}
	if o, _ := Classify(r.Code, TypeOAuth|OpAdd); o.ExitCode() == 0 {
		t.Error("VC-2 must exit non-zero")
	}
	mustNotExist(t, filepath.Join(e.oauth, "alice", "vault2.top"))
	for _, c := range [][]byte{
		[]byte(`{"vault_url": "https://ALSOTRUSTED.EDU/v1"}`), // case-insensitive
		[]byte(`{"vault_url": 42}`),                           // not a string: no Vault token
		[]byte(`{"vault_url": "not a url"}`),                  // no host: trusted
		[]byte(`not json`),
	} {
		if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, c, oauthAd("service", "v3", "NeedRefresh", true))); r.Code != SuccessPending {
			t.Errorf("%s: %+v", c, r)
		}
	}
	open := newEnv(t, nil)
	if r := open.do(req("alice@x", "", TypeOAuth|OpAdd, untrusted, oauthAd("service", "v", "NeedRefresh", true))); r.Code != SuccessPending {
		t.Errorf("empty TRUSTED_VAULT_HOSTS must trust every host: %+v", r)
	}
}

// TestOAuthBadNames: service, handle and user names that are not plain
// file names are refused with FAILURE_BAD_ARGS and touch nothing
// (credentials.md §6.2, real-tools RB-31).
func TestOAuthBadNames(t *testing.T) {
	e := newEnv(t, nil)
	before := tree(t, e.root)
	for _, op := range []int{OpAdd, OpQuery, OpDelete} {
		for _, ad := range []map[string]any{
			oauthAd("service", "bad/name"),
			oauthAd("service", "../x"),
			oauthAd("service", "a/b"),
			oauthAd("service", "/etc/passwd"),
			oauthAd("service", "svc\x00"),
			oauthAd("service", "svc", "handle", "../h"),
			oauthAd("service", "svc", "handle", "h/"),
		} {
			if r := e.do(req("alice@x", "", TypeOAuth|op, []byte("x"), ad)); r.Code != FailureBadArgs {
				t.Errorf("op %d %q: code %d, want %d", op, ad, r.Code, FailureBadArgs)
			}
		}
	}
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, []byte("x"), oauthAd("service", ""))); r.Code != FailureBadArgs {
		t.Errorf("empty service on add: %d", r.Code)
	}
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, []byte("x"), oauthAd("handle", "h"))); r.Code != FailureBadArgs {
		t.Errorf("handle without service on add: %d", r.Code)
	}
	for _, u := range []string{"../etc@x", ".@x", "..@x", "a/b@x"} {
		r := e.do(req(u, "", TypeOAuth|OpDelete, nil, nil))
		if r.Code != FailureBadArgs {
			t.Errorf("user %q: code %d, want %d", u, r.Code, FailureBadArgs)
		}
	}
	// The target name is cut at its last '@', the caller's at its first.
	if r := e.do(req("a@b@x", "", TypeOAuth|OpDelete, nil, nil)); r.Code != FailureNotAllowed {
		t.Errorf("user a@b@x: code %d, want %d", r.Code, FailureNotAllowed)
	}
	su := newEnv(t, func(o *Options) { o.SuperUsers = []string{"*"} })
	if r := su.do(req("admin@x", "a@b@x", TypeOAuth|OpDelete, nil, nil)); r.Code != FailureBadArgs {
		t.Errorf("super user on a@b@x: code %d, want %d", r.Code, FailureBadArgs)
	}
	if got := tree(t, e.root); !cmp.Equal(got, before) {
		t.Errorf("files changed: %q", got)
	}
}

// TestOAuthConfigErrors: no directory, a missing or unusable parent
// (credentials.md §6.2, §8: FAILURE_CONFIG_ERROR).
func TestOAuthConfigErrors(t *testing.T) {
	add := func(e *env) int64 {
		return e.do(req("alice@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc"))).Code
	}
	if c := add(newEnv(t, func(o *Options) { o.OAuthDir = "" })); c != FailureConfigError {
		t.Errorf("unset: %d", c)
	}
	for _, op := range []int{OpQuery, OpDelete} {
		e := newEnv(t, func(o *Options) { o.OAuthDir = "" })
		if c := e.do(req("alice@x", "", TypeOAuth|op, nil, nil)).Code; c != FailureConfigError {
			t.Errorf("unset, op %d: %d", op, c)
		}
	}
	missing := newEnv(t, nil)
	missing.s.opts.OAuthDir = filepath.Join(missing.root, "nonexistent")
	if c := add(missing); c != FailureConfigError {
		t.Errorf("missing directory: %d", c)
	}
	file := newEnv(t, nil)
	notDir := filepath.Join(file.root, "afile")
	if err := os.WriteFile(notDir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	file.s.opts.OAuthDir = notDir
	if c := add(file); c != FailureConfigError {
		t.Errorf("directory is a file: %d", c)
	}
	if !isRoot() {
		ro := newEnv(t, nil)
		if err := os.Chmod(ro.oauth, 0o555); err != nil {
			t.Fatal(err)
		}
		defer os.Chmod(ro.oauth, 0o700)
		if c := add(ro); c != FailureConfigError {
			t.Errorf("read-only directory: %d", c)
		}
	}
}

// TestOAuthSymlinks: links planted where a user directory or credential
// belongs are not followed.
func TestOAuthSymlinks(t *testing.T) {
	e := newEnv(t, nil)
	outside := filepath.Join(e.root, "outside")
	if err := os.Mkdir(outside, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(outside, "svc.top"), []byte(`{"scopes":"s"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(e.oauth, "alice")); err != nil {
		t.Fatal(err)
	}
	if c := e.do(req("alice@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc", "NeedRefresh", false))).Code; c != Failure {
		t.Errorf("add through a linked user dir: %d, want %d", c, Failure)
	}
	if c := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, oauthAd("service", "svc", "scopes", "s"))).Code; c != FailureNotFound {
		t.Errorf("query through a linked user dir: %d", c)
	}
	if c := e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, nil)).Code; c != FailureNotFound {
		t.Errorf("query all through a linked user dir: %d", c)
	}
	if c := e.do(req("alice@x", "", TypeOAuth|OpDelete, nil, oauthAd("service", "svc"))).Code; c != Success {
		t.Errorf("delete through a linked user dir: %d", c)
	}
	if _, err := os.Stat(filepath.Join(outside, "svc.top")); err != nil {
		t.Errorf("file behind the link was removed: %v", err)
	}
	if c := e.do(req("alice@x", "", TypeOAuth|OpDelete, nil, nil)).Code; c != Success {
		t.Errorf("delete all: %d", c)
	}
	mustNotExist(t, filepath.Join(e.oauth, "alice"))
	if _, err := os.Stat(filepath.Join(outside, "svc.top")); err != nil {
		t.Errorf("delete all followed the link: %v", err)
	}

	// A credential file that is a link is replaced, not written through.
	bob := filepath.Join(e.oauth, "bob")
	if err := os.Mkdir(bob, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(outside, "victim")
	if err := os.WriteFile(victim, []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(bob, "svc.use")); err != nil {
		t.Fatal(err)
	}
	if c := e.do(req("bob@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc", "NeedRefresh", false))).Code; c <= 100 {
		t.Errorf("add over a link: %d", c)
	}
	if got := readFile(t, victim); string(got) != "keep" {
		t.Errorf("write followed the link: %q", got)
	}
}

// TestOAuthOwnership: directories go to DirUid/DirGid, files to
// FileUid/FileGid (real-tools.md §22: user dir condor:condor 2700, files
// root:condor 0600).
func TestOAuthOwnership(t *testing.T) {
	if !isRoot() {
		t.Skip("needs root to chown")
	}
	const condorUID, condorGID = 4242, 4343
	e := newEnv(t, func(o *Options) {
		o.DirUid, o.DirGid = condorUID, condorGID
		o.FileUid = 0
	})
	if err := os.Chown(e.oauth, 0, condorGID); err != nil {
		t.Fatal(err)
	}
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc", "NeedRefresh", true))); r.Code != SuccessPending {
		t.Fatalf("add: %+v", r)
	}
	dir := filepath.Join(e.oauth, "alice")
	if u, g := ids(t, dir); u != condorUID || g != condorGID {
		t.Errorf("user dir owned by %d:%d", u, g)
	}
	if p := perm(t, dir); p != 0o2700 {
		t.Errorf("user dir mode %04o, want 2700", p)
	}
	f := filepath.Join(dir, "svc.top")
	if u, g := ids(t, f); u != 0 || g != condorGID {
		t.Errorf("file owned by %d:%d, want 0:%d", u, g, condorGID)
	}
	if p := perm(t, f); p != 0o600 {
		t.Errorf("file mode %04o", p)
	}
	// An existing user directory is left as it is.
	if err := os.Chmod(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	e.do(req("alice@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc2", "NeedRefresh", true)))
	if p := perm(t, dir); p != 0o750 {
		t.Errorf("existing dir changed to %04o", p)
	}
	// Without a set-group-ID parent the directory is plain 0700.
	if err := os.Chmod(e.oauth, 0o770); err != nil {
		t.Fatal(err)
	}
	e.do(req("bob@x", "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc", "NeedRefresh", true)))
	if p := perm(t, filepath.Join(e.oauth, "bob")); p != 0o700 {
		t.Errorf("bob's dir %04o, want 0700", p)
	}
}

// TestCredmonWait: a woken credmon and the wait flag defer the reply until
// the completion file appears (credentials.md §5.6).
func TestCredmonWait(t *testing.T) {
	var signalled []int
	var e *env
	e = newEnv(t, func(o *Options) {
		o.PollInterval = 5 * time.Millisecond
		o.PollCount = 200
		o.Signal = func(pid int) error {
			signalled = append(signalled, pid)
			// The credmon turns the .top into a .use a little later.
			go func() {
				time.Sleep(20 * time.Millisecond)
				p := filepath.Join(e.oauth, "alice", "svc.use")
				os.WriteFile(p+".x", []byte("access"), 0o600)
				os.Rename(p+".x", p)
			}()
			return nil
		}
	})
	if err := os.WriteFile(filepath.Join(e.oauth, "pid"), []byte("4321\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := e.do(req("alice@x", "", TypeOAuth|OpAdd|FlagWaitForCredmon, []byte("refresh"), oauthAd("service", "svc", "NeedRefresh", true)))
	use := filepath.Join(e.oauth, "alice", "svc.use")
	if r.Code <= 100 || r.Code != fileMtime(t, use) {
		t.Errorf("waited add: %+v, want the .use mtime", r)
	}
	if !cmp.Equal(signalled, []int{4321}) {
		t.Errorf("signalled %v", signalled)
	}

	// Without the wait flag the credmon is woken but the answer is pending.
	e.s.opts.Signal = func(pid int) error { signalled = append(signalled, pid); return nil }
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd, []byte("refresh"), oauthAd("service", "other", "NeedRefresh", true))); r.Code != SuccessPending {
		t.Errorf("no wait: %+v", r)
	}
	if len(signalled) != 2 {
		t.Errorf("credmon not woken without the wait flag: %v", signalled)
	}

	// Nobody writes the .use: timeout after PollCount re-checks.
	e.s.opts.PollCount = 3
	start := time.Now()
	if r := e.do(req("alice@x", "", TypeOAuth|OpAdd|FlagWaitForCredmon, []byte("r"), oauthAd("service", "never", "NeedRefresh", true))); r.Code != FailureCredmonTimeout {
		t.Errorf("timeout: %+v", r)
	}
	if d := time.Since(start); d < 15*time.Millisecond {
		t.Errorf("gave up after %v, want 3 pauses of 5ms", d)
	}

	// A cancelled context ends the wait.
	e.s.opts.PollCount = 1000000
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if r := e.s.HandleContext(ctx, req("alice@x", "", TypeOAuth|OpAdd|FlagWaitForCredmon, []byte("r"), oauthAd("service", "never2", "NeedRefresh", true))); r.Code != FailureCredmonTimeout {
		t.Errorf("cancelled: %+v", r)
	}

	// A failing signal or a bad pid file means no credmon: pending.
	for _, pid := range []string{"0", "junk", "-3", string(make([]byte, 300))} {
		os.WriteFile(filepath.Join(e.oauth, "pid"), []byte(pid), 0o644)
		if r := e.do(req("alice@x", "", TypeOAuth|OpAdd|FlagWaitForCredmon, []byte("r"), oauthAd("service", "p"+strconv.Itoa(len(pid)), "NeedRefresh", true))); r.Code != SuccessPending {
			t.Errorf("pid %q: %+v", pid, r)
		}
	}
}

// TestMarkCleared: any operation on a user's credentials removes the
// user's mark file (credentials.md §6.4).
func TestMarkCleared(t *testing.T) {
	e := newEnv(t, nil)
	for _, d := range []string{e.oauth, e.krb} {
		if err := os.WriteFile(filepath.Join(d, "alice.mark"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e.do(req("alice@x", "", TypeOAuth|OpQuery, nil, nil))
	mustNotExist(t, filepath.Join(e.oauth, "alice.mark"))
	if _, err := os.Stat(filepath.Join(e.krb, "alice.mark")); err != nil {
		t.Error("an OAuth query cleared the Kerberos mark")
	}
	e.do(req("alice@x", "", TypeKrb|OpQuery, nil, nil))
	mustNotExist(t, filepath.Join(e.krb, "alice.mark"))
}
