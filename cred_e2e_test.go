package main

// End-to-end tests of issue #5: condor_store_cred (the legacy name) and
// `condor-auth cred add|delete|query` as separate processes against a
// running `condor-auth serve`. Subtests are named after the ids of
// real-tools.md §9 (S*, P*, W*, O*, K*) and acceptance.md (RB-*, VC-*,
// IC-*, JT-*) they cover. Refusals are in cred_refuse_e2e_test.go, the
// SIGKILL crash test in cred_crash_e2e_test.go.

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
)

// credPool is a serve pool prepared for credential tests.
type credPool struct {
	*daemon
	cfg   string // the configuration file
	oauth string // SEC_CREDENTIAL_DIRECTORY_OAUTH (mode 2770, as the manual asks)
	krb   string // SEC_CREDENTIAL_DIRECTORY_KRB, "" when not configured
	who   string // the name part of the tools' FS identity
	fqu   string // the tools' fully qualified identity
}

// credServe writes a pool whose OAuth directory exists with mode 2770
// (and, with krb, a 0755 Kerberos directory). The tools run without $USER
// (so the login name comes from the uid, as HTCondor's my_username() does)
// and with TZ=UTC (so the printed store times can be compared). The daemon
// is not started.
func credServe(t *testing.T, extra string, krb bool) *credPool {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("the credential e2e tests run as root (as in CI): the credd writes root-owned files")
	}
	if krb {
		extra = "SEC_CREDENTIAL_DIRECTORY_KRB = $(LOCAL_DIR)/krb_credentials\n" + extra
	}
	d := servePoolWith(t, extra)
	p := &credPool{daemon: d, oauth: filepath.Join(d.local, "oauth_credentials")}
	var env []string
	for _, kv := range d.env {
		if strings.HasPrefix(kv, "CONDOR_CONFIG=") {
			p.cfg = strings.TrimPrefix(kv, "CONDOR_CONFIG=")
		}
		if !strings.HasPrefix(kv, "USER=") {
			env = append(env, kv)
		}
	}
	d.env = append(env, "TZ=UTC")
	if err := os.MkdirAll(d.local, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(p.oauth, 0o770); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p.oauth, os.ModeSetgid|0o770); err != nil {
		t.Fatal(err)
	}
	if krb {
		p.krb = filepath.Join(d.local, "krb_credentials")
		if err := os.MkdirAll(p.krb, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	// A root tool authenticates with FS as the service account when there
	// is one (cedar.md §5.6), else as root.
	p.who = "root"
	if acct, err := fs.LookupServiceAccount(""); err == nil && acct.Name != "" {
		p.who = acct.Name
	}
	p.fqu = p.who + "@e2e.local"
	return p
}

// up starts serve and waits until it is fully up: start() returns once the
// collector's address file exists, but the credd's and master's files
// follow, and serve installs its SIGTERM handler only after writing them
// (it logs "serve listening on" then), so an early stop() would kill it.
func (p *credPool) up(t *testing.T) {
	t.Helper()
	const ready = "serve listening on "
	n := strings.Count(readFile(p.log), ready)
	p.start(t)
	for deadline := time.Now().Add(10 * time.Second); strings.Count(readFile(p.log), ready) <= n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve did not finish starting; log:\n%s", readFile(p.log))
		}
	}
}

// store runs condor_store_cred.
func (p *credPool) store(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	return p.tool(t, stdin, "condor_store_cred", args...)
}

// userDir is the tools' OAuth directory.
func (p *credPool) userDir() string { return filepath.Join(p.oauth, p.who) }

// credFile writes a credential file readable by everyone and returns it.
func credFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// credMtime is a file's modification time (Unix seconds).
func credMtime(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat: %v", err)
	}
	return fi.ModTime().Unix()
}

// credStamp is how the tools print a store time (credentials.md §7.1) in
// the tools' TZ=UTC.
func credStamp(sec int64) string { return time.Unix(sec, 0).UTC().Format("2006-01-02 15:04:05") }

// credHeader is what condor_store_cred prints first (credentials.md §4.1).
func credHeader(account, credType string) string {
	return "Account: " + account + "\nCredType: " + credType + "\n\n"
}

// credInfo is a result line followed by the "Credential info" block
// (credentials.md §7.2).
func credInfo(resultLine string, lines ...string) string {
	return resultLine + "\n\nCredential info:\n" + strings.Join(lines, "\n") + "\n\n"
}

var credPlaceholder = regexp.MustCompile(`\{(stamp|mtime):([^}]+)\}`)

// credExpand replaces {stamp:FILE} and {mtime:FILE} (FILE relative to
// base unless absolute) by the file's store time as the tools print it.
func credExpand(t *testing.T, base, s string) string {
	t.Helper()
	return credPlaceholder.ReplaceAllStringFunc(s, func(m string) string {
		sub := credPlaceholder.FindStringSubmatch(m)
		path := sub[2]
		if !filepath.IsAbs(path) {
			path = filepath.Join(base, path)
		}
		sec := credMtime(t, path)
		if sub[1] == "stamp" {
			return credStamp(sec)
		}
		return strconv.FormatInt(sec, 10)
	})
}

// credStep is one tool run and its exact expected result.
type credStep struct {
	id       string
	stdin    string
	args     []string
	code     int
	out, err string           // exact stdout/stderr, placeholders expanded
	check    func(*testing.T) // extra assertions on the files
}

// credRun runs steps in order as subtests with condor_store_cred (modern
// false) or condor-auth (modern true); base resolves placeholders.
func credRun(t *testing.T, p *credPool, base string, modern bool, steps []credStep) {
	t.Helper()
	for _, st := range steps {
		t.Run(st.id, func(t *testing.T) {
			var r result
			if modern {
				r = p.modern(t, st.stdin, st.args...)
			} else {
				r = p.store(t, st.stdin, st.args...)
			}
			want := result{credExpand(t, base, st.out), credExpand(t, base, st.err), st.code}
			if diff := cmp.Diff(want, r, cmp.AllowUnexported(result{})); diff != "" {
				t.Fatalf("%v (-want +got):\n%s\nserve log:\n%s", st.args, diff, readFile(p.log))
			}
			if st.check != nil {
				st.check(t)
			}
		})
	}
}

// credWant asserts that path holds exactly content, as a 0600 regular file.
func credWant(t *testing.T, path, content string) {
	t.Helper()
	data, err := os.ReadFile(path)
	fi, serr := os.Lstat(path)
	if err != nil || serr != nil {
		t.Fatalf("%s: %v %v", path, err, serr)
	}
	if string(data) != content || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v content %q, want 0600 %q", path, fi.Mode(), data, content)
	}
}

// credGone asserts that none of paths exists.
func credGone(t *testing.T, paths ...string) {
	t.Helper()
	for _, path := range paths {
		if _, err := os.Lstat(path); !os.IsNotExist(err) {
			t.Fatalf("%s exists (%v)", path, err)
		}
	}
}

// The OAuth rows of credentials.md §7.2/§8 and real-tools.md §9.5 through
// condor_store_cred: exact texts, exit codes, time stamps equal to the
// file mtimes, and the on-disk layout (JT-5).
func TestCredLegacyOAuth(t *testing.T) {
	t.Parallel()
	p := credServe(t, "", false)
	p.up(t)
	defer p.stop(t)
	files := t.TempDir()
	cred := credFile(t, files, "cred", "my-access-token-abc123")
	jsonCred := `{"access_token":"AT123","refresh_token":"RT456","scope":"read write","audience":"https://aud.example"}`
	jsonFile := credFile(t, files, "json", jsonCred)
	scoped := credFile(t, files, "scoped", `{"access_token":"x","refresh_token":"y"}`)
	hdr := credHeader("<current> ("+p.who+")", "oauth")
	fqu := `fully_qualified_user = "` + p.fqu + `"`
	u := p.userDir()
	none := hdr + "No credential is stored.\n"
	mismatch := "Credential was found but it did not match requested scopes or audience\n"

	credRun(t, p, u, false, []credStep{
		{id: "O2 query-oauth nothing stored", args: []string{"query-oauth"}, code: 1, out: none},
		{id: "O3 query-oauth -s nothing stored", args: []string{"query-oauth", "-s", "svc"}, code: 1, out: none},
		{id: "RB-25 add-oauth -P stores svc.use", args: []string{"add-oauth", "-s", "svc", "-i", cred, "-P"},
			out: hdr + credInfo("Operation succeeded. Credential was stored on {stamp:svc.use}", fqu),
			check: func(t *testing.T) {
				credWant(t, filepath.Join(u, "svc.use"), "my-access-token-abc123")
				// The user directory: 0700 plus the setgid bit inherited
				// from the 2770 parent (RB-25, real-tools.md §22).
				fi, err := os.Stat(u)
				if err != nil || fi.Mode()&os.ModeSetgid == 0 || fi.Mode().Perm() != 0o700 {
					t.Fatalf("user directory %s: %v %v", u, fi.Mode(), err)
				}
			}},
		{id: "RB-26 add-oauth -H is a .top waiting for processing", args: []string{"add-oauth", "-s", "svc2", "-H", "h1", "-i", cred},
			out:   hdr + credInfo("Operation succeeded and is waiting for processing.", fqu),
			check: func(t *testing.T) { credWant(t, filepath.Join(u, "svc2_h1.top"), "my-access-token-abc123") }},
		{id: "RB-27 query-oauth -s svc", args: []string{"query-oauth", "-s", "svc"},
			out: hdr + credInfo("A credential was stored and is valid.", fqu, "svc = {mtime:svc.use}")},
		{id: "RB-29 query-oauth lists the files", args: []string{"query-oauth"},
			out: hdr + credInfo("A credential was stored and is waiting for processing.", fqu, "svc.use = {mtime:svc.use}", "svc2_h1.top = {mtime:svc2_h1.top}")},
		{id: "O6 query of a .top that is not JSON", args: []string{"query-oauth", "-s", "svc2", "-H", "h1"}, code: 1, out: hdr,
			err: "Failure parsing credential as JSON\n"},
		{id: "O8 add-oauth JSON", args: []string{"add-oauth", "-s", "jsonsvc", "-i", jsonFile},
			out:   hdr + credInfo("Operation succeeded and is waiting for processing.", fqu),
			check: func(t *testing.T) { credWant(t, filepath.Join(u, "jsonsvc.top"), jsonCred) }},
		{id: "O9 RB-28 query without -S mismatches the stored audience", args: []string{"query-oauth", "-s", "jsonsvc"}, code: 2, out: hdr, err: mismatch},
		{id: "O10 RB-28 scope is not scopes", args: []string{"query-oauth", "-s", "jsonsvc", "-S", "read,write"}, code: 2, out: hdr, err: mismatch},
		{id: "O11 RB-28 -S admin", args: []string{"query-oauth", "-s", "jsonsvc", "-S", "admin"}, code: 2, out: hdr, err: mismatch},
		{id: "§6.2 add-oauth -S -A re-serialises the JSON", args: []string{"add-oauth", "-s", "scoped", "-i", scoped, "-S", "read,write", "-A", "aud1"},
			out: hdr + credInfo("Operation succeeded and is waiting for processing.", fqu),
			check: func(t *testing.T) {
				credWant(t, filepath.Join(u, "scoped.top"), "{\n  \"scopes\": \"read,write\",\n  \"audience\": \"aud1\",\n  \"access_token\": \"x\",\n  \"refresh_token\": \"y\"\n}\n")
			}},
		{id: "§6.2 query with the same -S -A matches", args: []string{"query-oauth", "-s", "scoped", "-S", "read,write", "-A", "aud1"},
			out: hdr + credInfo("A credential was stored and is waiting for processing.", "TopscopedTime = {mtime:scoped.top}", fqu)},
		{id: "RB-28 query without -A mismatches", args: []string{"query-oauth", "-s", "scoped", "-S", "read,write"}, code: 2, out: hdr, err: mismatch},
		{id: "O12 add-oauth -P -H stores svc_handle.use", args: []string{"add-oauth", "-P", "-s", "plainsvc", "-H", "h1", "-i", cred},
			out:   hdr + credInfo("Operation succeeded. Credential was stored on {stamp:plainsvc_h1.use}", fqu),
			check: func(t *testing.T) { credWant(t, filepath.Join(u, "plainsvc_h1.use"), "my-access-token-abc123") }},
		{id: "O13 query-oauth -s -H", args: []string{"query-oauth", "-s", "plainsvc", "-H", "h1"},
			out: hdr + credInfo("A credential was stored and is valid.", fqu, "plainsvc_h1 = {mtime:plainsvc_h1.use}")},
		{id: "O14 add-oauth -i - keeps the newline", stdin: "token-from-stdin\n", args: []string{"add-oauth", "-s", "stdinsvc", "-i", "-"},
			out:   hdr + credInfo("Operation succeeded and is waiting for processing.", fqu),
			check: func(t *testing.T) { credWant(t, filepath.Join(u, "stdinsvc.top"), "token-from-stdin\n") }},
		{id: "RB-31 service bad/name", args: []string{"add-oauth", "-s", "bad/name", "-i", cred}, code: 1, out: hdr,
			err: "Operation aborted due to missing or bad arguments\n"},
		{id: "RB-31 handle a/b", args: []string{"add-oauth", "-s", "svc", "-H", "a/b", "-i", cred}, code: 1, out: hdr,
			err: "Operation aborted due to missing or bad arguments\n"},
		{id: "RB-24 S21 add-oauth without -s", args: []string{"add-oauth", "-i", cred}, code: 1,
			err: "ERROR: add-oauth command requires a service name\n"},
		{id: "S20 add-oauth without -i", args: []string{"add-oauth", "-s", "svc"}, code: 1,
			err: "ERROR: add-krb and add-oauth commands require a credential filename argument\n"},
		{id: "RB-23 add-krb without a KRB directory", args: []string{"add-krb", "-i", cred}, code: 1,
			out: credHeader("<current> ("+p.who+")", "kerberos"), err: "Operation failed because of a configuration error\n"},
		{id: "JT-5 layout", args: []string{"query-oauth", "-s", "svc"},
			out: hdr + credInfo("A credential was stored and is valid.", fqu, "svc = {mtime:svc.use}"),
			check: func(t *testing.T) {
				credLayout(t, u, "jsonsvc.top", "plainsvc_h1.use", "scoped.top", "stdinsvc.top", "svc.use", "svc2_h1.top")
				if fi, err := os.Stat(p.oauth); err != nil || fi.Mode()&os.ModeSetgid == 0 || fi.Mode().Perm() != 0o770 {
					t.Fatalf("OAuth directory %v %v", fi.Mode(), err)
				}
			}},
		{id: "O16 delete-oauth -s", args: []string{"delete-oauth", "-s", "svc"}, out: hdr + credInfo("Operation succeeded.", fqu),
			check: func(t *testing.T) { credGone(t, filepath.Join(u, "svc.use"), filepath.Join(u, "svc.top")) }},
		{id: "O17 delete-oauth of nothing succeeds", args: []string{"delete-oauth", "-s", "nosuchsvc"}, out: hdr + credInfo("Operation succeeded.", fqu)},
		{id: "O18 RB-30 delete then query", args: []string{"query-oauth", "-s", "svc"}, code: 1, out: none},
		{id: "O22 delete-oauth without -s removes the user directory", args: []string{"delete-oauth"}, out: hdr + credInfo("Operation succeeded.", fqu),
			check: func(t *testing.T) { credGone(t, u) }},
		{id: "RB-30 query after deleting everything", args: []string{"query-oauth"}, code: 1, out: none},
	})
}

// credLayout asserts that dir holds exactly the 0600 regular files names
// (JT-5: <svc>.top|.use, <svc>_<handle>.top|.use, nothing else).
func credLayout(t *testing.T, dir string, names ...string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range entries {
		got = append(got, e.Name())
		if fi, err := e.Info(); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v %v", e.Name(), fi.Mode(), err)
		}
	}
	if diff := cmp.Diff(names, got); diff != "" {
		t.Fatalf("%s (-want +got):\n%s", dir, diff)
	}
}

// Kerberos through the credd (real-tools.md K1–K6), and the time stamp
// rows: a completion file (<user>.cc, written by the credmon) turns a
// query into "stored on <mtime>" and an add into "Credential was stored
// on <mtime>" (credentials.md §5.6, §7.2).
func TestCredLegacyKerberos(t *testing.T) {
	t.Parallel()
	p := credServe(t, "", true)
	p.up(t)
	defer p.stop(t)
	krbFile := credFile(t, t.TempDir(), "krb", "fake-krb-ccache-bytes")
	hdr := credHeader("<current> ("+p.who+")", "kerberos")
	fqu := `fully_qualified_user = "` + p.fqu + `"`
	credPath, ccPath := filepath.Join(p.krb, p.who+".cred"), filepath.Join(p.krb, p.who+".cc")
	credmon := func(t *testing.T) {
		// The credmon's completion file, with a distinctive mtime.
		if err := os.WriteFile(ccPath, []byte("ccache"), 0o600); err != nil {
			t.Fatal(err)
		}
		when := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := os.Chtimes(ccPath, when, when); err != nil {
			t.Fatal(err)
		}
	}
	credRun(t, p, p.krb, false, []credStep{
		{id: "K2 query-krb nothing stored", args: []string{"query-krb"}, code: 1, out: hdr + "No credential is stored.\n"},
		{id: "K3 add-krb", args: []string{"add-krb", "-i", krbFile}, out: hdr + credInfo("Operation succeeded and is waiting for processing.", fqu),
			check: func(t *testing.T) { credWant(t, credPath, "fake-krb-ccache-bytes"); credmon(t) }},
		{id: "§7.2 query-krb with a completion file prints its time", args: []string{"query-krb"},
			out: hdr + credInfo("A credential was stored on 2026-01-02 03:04:05 and is valid.", fqu)},
		{id: "§5.6 add-krb answers the completion file's mtime", args: []string{"add-krb", "-i", krbFile},
			out: hdr + credInfo("Operation succeeded. Credential was stored on 2026-01-02 03:04:05", fqu)},
		{id: "K5 delete-krb", args: []string{"delete-krb"}, out: hdr + credInfo("Operation succeeded.", fqu),
			check: func(t *testing.T) { credGone(t, credPath, ccPath) }},
		{id: "K3 add-krb again", args: []string{"add-krb", "-i", krbFile}, out: hdr + credInfo("Operation succeeded and is waiting for processing.", fqu)},
		{id: "K4 query-krb pending", args: []string{"query-krb"},
			out: hdr + credInfo("A credential was stored and is waiting for processing.", "CredTime = {mtime:"+credPath+"}", fqu)},
		{id: "K5 delete-krb again", args: []string{"delete-krb"}, out: hdr + credInfo("Operation succeeded.", fqu)},
		{id: "K6 query-krb after delete", args: []string{"query-krb"}, code: 1, out: hdr + "No credential is stored.\n"},
		{id: "S22 add-krb without -i", args: []string{"add-krb"}, code: 1,
			err: "ERROR: add-krb and add-oauth commands require a credential filename argument\n"},
	})
}

// Passwords: the scrambled -f files, the pool password written locally by
// root (no daemon contact: the daemon is not running for those rows), user
// passwords (always refused on Unix), and the parse errors.
func TestCredLegacyPasswords(t *testing.T) {
	t.Parallel()
	p := credServe(t, "SEC_PASSWORD_FILE = $(LOCAL_DIR)/pool_password\n", false)
	files := t.TempDir()
	pool := filepath.Join(p.local, "pool_password")
	pw := filepath.Join(files, "pwfile")
	bad := filepath.Join(files, "no", "such", "dir", "pw")
	hdrPool := credHeader("condor_pool@e2e.local", "password")
	hdrUser := credHeader("root@(null)", "password")
	usage := "Usage: condor_store_cred action [options]\n"
	hexOf := func(path, want string) func(*testing.T) {
		return func(t *testing.T) {
			t.Helper()
			data, err := os.ReadFile(path)
			fi, _ := os.Stat(path)
			if err != nil || hex.EncodeToString(data) != want || fi.Mode().Perm() != 0o600 {
				t.Fatalf("%s: %x (%v), want %s mode 0600: %v", path, data, fi.Mode(), want, err)
			}
		}
	}
	steps := []credStep{
		{id: "RB-13 P10 -f -p secret", args: []string{"-f", pw, "-p", "secret"}, check: hexOf(pw, "adc8dd9dbbd9")},
		{id: "P13 -f rewrites an existing file", args: []string{"-f", pw, "-p", "other"}, check: hexOf(pw, "b1d9d68aac")},
		{id: "RB-14 -f -p - keeps the newline", stdin: "abc\n", args: []string{"-f", pw, "-p", "-"}, check: hexOf(pw, "bfcfdde5")},
		{id: "RB-15 P11 -f prompts", stdin: "abc\n", args: []string{"-f", pw}, out: "Enter password: \n", check: hexOf(pw, "bfcfdd")},
		{id: "RB-16 -f to an unwritable path", args: []string{"-f", bad, "-p", "x"}, code: 1, err: "error writing password file: " + bad + "\n"},
		{id: "RB-18 S23 query -c", args: []string{"query", "-c"}, code: 1, err: "Querying the pool password is not supported.\n"},
		{id: "RB-21 P1 add -c -p writes SEC_PASSWORD_FILE locally", args: []string{"add", "-c", "-p", "secret123"},
			out: hdrPool + "Operation succeeded.\n", check: hexOf(pool, "adc8dd9dbbd98fdded")},
		{id: "P2 add -c -p - keeps the newline", stdin: "pw-from-stdin\n", args: []string{"-c", "add", "-p", "-"},
			out: hdrPool + "Operation succeeded.\n", check: hexOf(pool, "aeda9389acc2d3c2add9da86b0a7")},
		{id: "P3 add -c prompts", stdin: "typed-pw\n", args: []string{"-c", "add"},
			out: hdrPool + "Enter password: \nOperation succeeded.\n", check: hexOf(pool, "aad4ce8aba80ce98")},
		{id: "RB-22 P4 delete -c", args: []string{"delete", "-c"}, out: hdrPool + "Operation succeeded.\n",
			check: func(t *testing.T) { credGone(t, pool) }},
		{id: "RB-22 P5 delete -c again", args: []string{"delete", "-c"}, code: 1, out: hdrPool + "Operation failed: username not found.\n"},
		{id: "RB-20 W1 add -p as root", args: []string{"add", "-p", "x"}, code: 1,
			out: hdrUser + "Operation failed.\n    Make sure your ALLOW_WRITE setting includes this host.\n"},
		{id: "W2 query as root", args: []string{"query"}, code: 1,
			out: hdrUser + "Operation failed.\n    Make sure your ALLOW_WRITE setting includes this host.\n"},
	}
	credRun(t, p, files, false, steps)
	// The usage rows: the text is checked in full by the legacy package;
	// here its frame, stream and exit status.
	for _, tc := range []struct {
		id   string
		args []string
		pre  string
	}{
		{"RB-17 S3 no arguments", nil, ""},
		{"RB-17 S1 -h", []string{"-h"}, ""},
		{"RB-19 S10 add-foo", []string{"add-foo"}, "ERROR: -foo is not a known credential type\n"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			r := p.store(t, "", tc.args...)
			if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, tc.pre+usage) ||
				!strings.HasSuffix(r.stderr, "Using -A or -S with oauth requires the credential to be in JSON format.\n\n") {
				t.Fatalf("%+v", r)
			}
		})
	}
	credRun(t, p, files, true, []credStep{
		{id: "modern --write-file", stdin: "abc", args: []string{"cred", "add", "--write-file", pw, "--from", "-"},
			err: "Pool password written to " + pw + " (mode 0600).\n", check: hexOf(pw, "bfcfdd")},
		{id: "modern add --pool-password locally", stdin: "secret123", args: []string{"cred", "add", "--pool-password", "--from", "-"},
			out: "Stored the pool password credential of condor_pool@e2e.local.\n", check: hexOf(pool, "adc8dd9dbbd98fdded")},
		{id: "modern delete --pool-password", args: []string{"cred", "delete", "--pool-password"},
			out: "Deleted the pool password credential of condor_pool@e2e.local.\n"},
		{id: "modern delete --pool-password again", args: []string{"cred", "delete", "--pool-password"}, code: 1,
			err: "condor-auth: there is no pool password credential of condor_pool@e2e.local to delete\n"},
		{id: "modern query of a user password", args: []string{"cred", "query"}, code: 1,
			err: "note: store_cred: passwords of users other than condor_pool are only supported on Windows\n" +
				"condor-auth: Operation failed: user passwords can only be stored on Windows; check also the daemon's ALLOW_WRITE\n"},
	})
	// With the daemon up (it makes SEC_PASSWORD_FILE its POOL signing key):
	// -n names a master that does not exist (P7), nothing changes.
	p.up(t)
	defer p.stop(t)
	before, err := os.ReadFile(pool)
	if err != nil {
		t.Fatalf("serve did not create its POOL key in SEC_PASSWORD_FILE: %v", err)
	}
	credRun(t, p, files, false, []credStep{
		{id: "P7 -c add -n 127.0.0.1", args: []string{"-c", "add", "-p", "x", "-n", "127.0.0.1"}, code: 1,
			out: hdrPool + "Operation failed.\n    Make sure you have ALLOW_ADMINISTRATOR access to the target Master.\n" +
				"    If the Master is older than 23.2.0, ALLOW_CONFIG access is needed.\n",
			check: func(t *testing.T) {
				if after, err := os.ReadFile(pool); err != nil || string(after) != string(before) {
					t.Fatalf("SEC_PASSWORD_FILE changed: %v", err)
				}
			}},
	})
}

// Vault tokens (acceptance.md A.5): the host of vault_url must be in
// TRUSTED_VAULT_HOSTS.
func TestCredVault(t *testing.T) {
	t.Parallel()
	p := credServe(t, "TRUSTED_VAULT_HOSTS = trusted.org, alsotrusted.edu\n", false)
	p.up(t)
	defer p.stop(t)
	files := t.TempDir()
	trusted := `{"vault_token": "XXX", "vault_url": "https://trusted.org"}`
	tf := credFile(t, files, "trusted", trusted)
	uf := credFile(t, files, "untrusted", `{"vault_token": "XXX", "vault_url": "https://untrusted.org"}`)
	hdr := credHeader("<current> ("+p.who+")", "oauth")
	u := p.userDir()
	credRun(t, p, u, false, []credStep{
		{id: "VC-1 trusted vault host", args: []string{"add-oauth", "-s", "vault1", "-i", tf},
			out:   hdr + credInfo("Operation succeeded and is waiting for processing.", `fully_qualified_user = "`+p.fqu+`"`),
			check: func(t *testing.T) { credWant(t, filepath.Join(u, "vault1.top"), trusted) }},
		{id: "VC-2 untrusted vault host", args: []string{"add-oauth", "-s", "vault2", "-i", uf}, code: 1, out: hdr,
			err:   "Credential requires interacting with an untrusted host\n",
			check: func(t *testing.T) { credGone(t, filepath.Join(u, "vault2.top"), filepath.Join(u, "vault2.use")) }},
	})
	credRun(t, p, u, true, []credStep{
		{id: "VC-2 modern", args: []string{"cred", "add", "--type", "oauth", "--service", "vault3", "--from", uf}, code: 1,
			err: "condor-auth: Credential requires interacting with an untrusted host\n"},
	})
}

// The modern verbs against serve: texts, exit codes (0, 1, 2 usage, 4
// refused, 6 mismatch: commands/cmdutil) and the -o json shape.
func TestCredModern(t *testing.T) {
	t.Parallel()
	p := credServe(t, "", true)
	p.up(t)
	defer p.stop(t)
	files := t.TempDir()
	plain := credFile(t, files, "plain", "fake-user-token")
	scoped := credFile(t, files, "scoped", `{"refresh_token":"y"}`)
	krb := credFile(t, files, "krb", "fake-krb-ccache-bytes")
	u := p.userDir()
	who := p.fqu
	info := `  fully_qualified_user = "` + who + `"` + "\n"
	credRun(t, p, u, true, []credStep{
		{id: "IC-2 add --access-token stores plain.use", args: []string{"cred", "add", "--type", "oauth", "--service", "plain", "--access-token", "--from", plain},
			out:   "Stored the OAuth credential of " + who + " (stored {stamp:plain.use}).\n" + info,
			check: func(t *testing.T) { credWant(t, filepath.Join(u, "plain.use"), "fake-user-token") }},
		{id: "add a refresh token with scopes", args: []string{"cred", "add", "--type", "oauth", "--service", "j1", "--from", scoped, "--scopes", "read,write", "--audience", "aud1"},
			out: "Stored the OAuth credential of " + who + "; the credmon has not processed it yet.\n" + info},
		{id: "RB-27 query matching scopes", args: []string{"cred", "query", "--type", "oauth", "--service", "j1", "--scopes", "read,write", "--audience", "aud1"},
			out: "An OAuth credential of " + who + " is stored and waiting for the credmon to process it.\n  Topj1Time = {mtime:j1.top}\n" + info},
		{id: "RB-28 query mismatch exits 6", args: []string{"cred", "query", "--type", "oauth", "--service", "j1", "--scopes", "read"}, code: 6,
			err: "condor-auth: an OAuth credential of " + who + " is stored, but its scopes or audience differ from --scopes/--audience (both must match exactly)\n"},
		{id: "RB-29 query lists", args: []string{"cred", "query", "--type", "oauth"},
			out: "An OAuth credential of " + who + " is stored and waiting for the credmon to process it.\n" + info +
				"  j1.top = {mtime:j1.top}\n  plain.use = {mtime:plain.use}\n"},
		{id: "RB-31 bad/name", args: []string{"cred", "add", "--type", "oauth", "--service", "bad/name", "--from", plain}, code: 1,
			err: "condor-auth: Operation aborted due to missing or bad arguments\n"},
		{id: "RB-24 add without --service", args: []string{"cred", "add", "--type", "oauth", "--from", plain}, code: 2,
			err: "condor-auth: --service is required for OAuth credentials\n"},
		{id: "RB-19 unknown type", args: []string{"cred", "query", "--type", "foo"}, code: 2,
			err: "condor-auth: unknown credential type \"foo\": use pwd, krb or oauth\n"},
		{id: "K3 add krb", args: []string{"cred", "add", "--type", "krb", "--from", krb},
			out: "Stored the Kerberos credential of " + who + "; the credmon has not processed it yet.\n" + info},
		{id: "K4 query krb", args: []string{"cred", "query", "--type", "krb"},
			out: "A Kerberos credential of " + who + " is stored and waiting for the credmon to process it.\n  CredTime = {mtime:" + filepath.Join(p.krb, p.who+".cred") + "}\n" + info},
		{id: "K5 delete krb", args: []string{"cred", "delete", "--type", "krb"}, out: "Deleted the Kerberos credential of " + who + ".\n" + info},
		{id: "K6 query krb after delete", args: []string{"cred", "query", "--type", "krb"}, code: 1,
			err: "condor-auth: no Kerberos credential of " + who + " is stored\n"},
		{id: "O16 delete oauth", args: []string{"cred", "delete", "--type", "oauth", "--service", "plain"}, out: "Deleted the OAuth credential of " + who + ".\n" + info},
		{id: "RB-30 query after delete", args: []string{"cred", "query", "--type", "oauth", "--service", "plain"}, code: 1,
			err: "condor-auth: no OAuth credential of " + who + " is stored\n"},
	})

	// -o json: the exact shape.
	jsonRun := func(t *testing.T, code int, args ...string) map[string]any {
		t.Helper()
		r := p.modern(t, "", append(args, "-o", "json")...)
		var m map[string]any
		if err := json.Unmarshal([]byte(r.stdout), &m); err != nil || r.code != code {
			t.Fatalf("%v: %+v: %v", args, r, err)
		}
		return m
	}
	fquInfo := map[string]any{"fully_qualified_user": who}
	t.Run("json add", func(t *testing.T) {
		m := jsonRun(t, 0, "cred", "add", "--type", "oauth", "--service", "plain", "--access-token", "--from", plain)
		sec := credMtime(t, filepath.Join(u, "plain.use"))
		want := map[string]any{"account": who, "action": "add", "code": float64(sec), "info": fquInfo, "result": "success",
			"stored_at": time.Unix(sec, 0).UTC().Format(time.RFC3339), "type": "oauth"}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
	t.Run("json query pending", func(t *testing.T) {
		m := jsonRun(t, 0, "cred", "query", "--type", "oauth")
		want := map[string]any{"account": who, "action": "query", "code": float64(6), "result": "pending", "type": "oauth",
			"info": map[string]any{"fully_qualified_user": who, "j1.top": float64(credMtime(t, filepath.Join(u, "j1.top"))),
				"plain.use": float64(credMtime(t, filepath.Join(u, "plain.use")))}}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
	t.Run("json RB-28 mismatch", func(t *testing.T) {
		m := jsonRun(t, 6, "cred", "query", "--type", "oauth", "--service", "j1", "--audience", "other")
		want := map[string]any{"account": who, "action": "query", "code": float64(13), "result": "mismatch", "type": "oauth",
			"message": "Credential was found but it did not match requested scopes or audience",
			"info":    map[string]any{"fully_qualified_user": who, "Topj1Time": float64(credMtime(t, filepath.Join(u, "j1.top")))}}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Fatalf("(-want +got):\n%s", diff)
		}
	})
	t.Run("json delete then query", func(t *testing.T) {
		m := jsonRun(t, 0, "cred", "delete", "--type", "oauth")
		if diff := cmp.Diff(map[string]any{"account": who, "action": "delete", "code": float64(1), "info": fquInfo, "result": "success", "type": "oauth"}, m); diff != "" {
			t.Fatalf("delete (-want +got):\n%s", diff)
		}
		m = jsonRun(t, 1, "cred", "query", "--type", "oauth")
		want := map[string]any{"account": who, "action": "query", "code": float64(5), "info": fquInfo, "result": "failure", "type": "oauth",
			"message": "No credential is stored"}
		if diff := cmp.Diff(want, m); diff != "" {
			t.Fatalf("query (-want +got):\n%s", diff)
		}
	})
}
