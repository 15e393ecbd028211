package main

// Refusals of the credd end to end (issue #5): unauthenticated sessions,
// channels that are not encrypted (the client refuses to send, the server
// refuses to read), and other users' credentials — plus the daemon's
// replies seen in-process through pkg/client and pkg/cedar.

import (
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// credConfig loads the pool's configuration as a tool does.
func (p *credPool) credConfig(t *testing.T) *config.Config {
	t.Helper()
	cfg, err := config.Load(config.Options{Subsystem: "TOOL", ConfigFile: p.cfg, Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// credClient is pkg/client as the tools use it, with its own session cache.
func (p *credPool) credClient(t *testing.T) *client.Client {
	t.Helper()
	c, err := client.New(client.Options{Config: p.credConfig(t), Uid: os.Getuid(), Euid: os.Geteuid(),
		Home: filepath.Dir(p.cfg), Sessions: security.NewSessionCache(0)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

var credSinful = regexp.MustCompile(`^<([0-9.]+:[0-9]+)`)

// credAddr is the credd's host:port from its address file (cedar.md §6).
func (p *credPool) credAddr(t *testing.T) string {
	t.Helper()
	// start() waits for the collector's address file; the credd's may
	// follow a moment later.
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		data, err := os.ReadFile(filepath.Join(p.local, "log", ".credd_address"))
		if m := credSinful.FindStringSubmatch(string(data)); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("credd address file: %q %v", data, err)
		}
	}
}

// credLogWait waits until the serve log contains want (a connection's
// outcome is logged once the daemon is done with it).
func credLogWait(t *testing.T, p *credPool, want string) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(readFile(p.log), want); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("serve log lacks %q:\n%s", want, readFile(p.log))
		}
	}
}

// credSecClient is a bare security.Client with FS and the pool's client
// policy changed by tweak.
func (p *credPool) credSecClient(t *testing.T, tweak func(*security.Policy)) *security.Client {
	t.Helper()
	pol, err := security.ClientPolicy(p.credConfig(t), "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	tweak(pol)
	if err := pol.Validate(); err != nil {
		t.Fatal(err)
	}
	return &security.Client{Policy: pol, Methods: []auth.Client{fs.NewClient(fs.ClientConfig{})}}
}

// credSendAdd writes a modern STORE_CRED add of an OAuth access token for
// service (credentials.md §5.1): user "", pw "", mode 40, credlen, bytes,
// options ad {service, NeedRefresh = false}, EOM.
func credSendAdd(s *cedar.Stream, service string, cred []byte) error {
	ad := classad.NewAd()
	_ = ad.SetString("service", service)
	_ = ad.SetBool("NeedRefresh", false)
	for _, step := range []func() error{
		func() error { return s.PutString("") },
		func() error { return s.PutString("") },
		func() error { return s.PutInt(40) },
		func() error { return s.PutInt(int64(len(cred))) },
		func() error { return s.PutBytes(cred) },
		func() error { return s.PutAdLines(ad.AssignmentLines(classad.FlatMapOrder), "", "") },
		s.EndOfMessage,
	} {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// (a) A session that is not authenticated never reaches STORE_CRED: with
// ANONYMOUS as the only method the credd (force-authentication, §5.4)
// closes the connection, and the tools report the failure.
func TestCredRefuseUnauthenticated(t *testing.T) {
	t.Parallel()
	p := credServe(t, "SEC_DEFAULT_AUTHENTICATION_METHODS = ANONYMOUS\nSEC_CLIENT_AUTHENTICATION_METHODS = ANONYMOUS\n", false)
	p.up(t)
	defer p.stop(t)
	cred := credFile(t, t.TempDir(), "cred", "tok")
	hdr := credHeader("<current> ("+p.who+")", "oauth")
	credRun(t, p, p.oauth, false, []credStep{
		{id: "anonymous add-oauth refused", args: []string{"add-oauth", "-s", "svc", "-i", cred, "-P"}, code: 1,
			out: hdr + "Operation failed.\n    Make sure your ALLOW_WRITE setting includes this host.\n"},
		{id: "anonymous query-oauth refused", args: []string{"query-oauth"}, code: 1,
			out: hdr + "Operation failed.\n    Make sure your ALLOW_WRITE setting includes this host.\n"},
	})
	r := p.modern(t, "", "cred", "add", "--type", "oauth", "--service", "svc", "--from", cred)
	if r.code != 1 || r.stdout != "" || !strings.HasPrefix(r.stderr, "condor-auth: cannot add the OAuth credential: ") {
		t.Fatalf("modern: %+v", r)
	}
	credLayout(t, p.oauth)
	credLogWait(t, p, `cmd=479(STORE_CRED) user="CONDOR_ANONYMOUS_USER" method=ANONYMOUS result=REJECTED`)
}

// (b) The client refuses to send a credential over a channel that is not
// authenticated and encrypted (credentials.md §5.4): with
// SEC_CLIENT_NEGOTIATION = NEVER the command goes raw, and nothing of the
// request reaches the daemon.
func TestCredRefuseInsecureClient(t *testing.T) {
	t.Parallel()
	p := credServe(t, "SEC_CLIENT_NEGOTIATION = NEVER\nSEC_CLIENT_ENCRYPTION = OPTIONAL\n"+
		"SEC_CLIENT_INTEGRITY = OPTIONAL\nSEC_CLIENT_AUTHENTICATION = OPTIONAL\n", false)
	p.up(t)
	defer p.stop(t)
	cred := credFile(t, t.TempDir(), "cred", "tok")
	hdr := credHeader("<current> ("+p.who+")", "oauth")
	warn := "WARNING: Continuing will result in your password being sent in the clear!\n  Do you want to continue? [y/N] \n\n"
	notSecure := "Operation aborted because communiction was not secure\n"
	credRun(t, p, p.oauth, false, []credStep{
		{id: "§5.4 add refused, answer no", args: []string{"add-oauth", "-s", "svc", "-i", cred, "-P"}, code: 1, out: hdr + warn, err: notSecure},
		{id: "§9.1 add refused, answer yes: the retry cannot succeed", stdin: "y\n", args: []string{"add-oauth", "-s", "svc", "-i", cred, "-P"},
			code: 1, out: hdr + warn, err: notSecure},
		{id: "§5.4 query refused", args: []string{"query-oauth"}, code: 1, out: hdr, err: notSecure},
	})
	credRun(t, p, p.oauth, true, []credStep{
		{id: "modern add refused", args: []string{"cred", "add", "--type", "oauth", "--service", "svc", "--from", cred}, code: 4,
			err: "condor-auth: " + strings.TrimSuffix(notSecure, "\n") + ": the connection was not authenticated and encrypted, so the secret was not sent\n"},
	})
	credLayout(t, p.oauth)
	if log := readFile(p.log); strings.Contains(log, "cmd=479") {
		t.Fatalf("a STORE_CRED reached the daemon:\n%s", log)
	}
}

// (b) The server side, driven in-process with pkg/cedar/security: a raw
// (unnegotiated, so unauthenticated and plaintext) STORE_CRED is closed
// without a reply; a client insisting on Encryption = NEVER cannot agree
// with a credd that requires it; where the credd makes encryption
// optional an authenticated session still runs AES (cedar.md §4.4,
// pitfall 11), so no plaintext STORE_CRED ever reaches the handler.
func TestCredRefuseUnencryptedServer(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	scfg := &cedar.Config{ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	never := func(pol *security.Policy) {
		pol.Negotiation, pol.Authentication = security.Required, security.Required
		pol.Encryption, pol.Integrity = security.Never, security.Never
	}
	secret := []byte("plaintext-secret")

	p := credServe(t, "", false)
	p.up(t)
	defer p.stop(t)
	t.Run("raw STORE_CRED closed without a reply", func(t *testing.T) {
		sc := p.credSecClient(t, func(pol *security.Policy) {
			pol.Negotiation, pol.Authentication = security.Never, security.Optional
			pol.Encryption, pol.Integrity = security.Optional, security.Optional
		})
		res, err := sc.Dial(ctx, "tcp", p.credAddr(t), security.Request{Command: 479}, scfg)
		if err != nil {
			t.Fatalf("raw start: %v", err)
		}
		defer res.Stream.Close()
		if !res.Raw || res.Encrypted {
			t.Fatalf("not a raw plaintext command: %+v", res)
		}
		if err := credSendAdd(res.Stream, "rawsvc", secret); err != nil {
			t.Fatalf("send: %v", err)
		}
		if code, err := res.Stream.GetInt(); err == nil {
			t.Fatalf("the credd answered a raw STORE_CRED with %d", code)
		}
		credLogWait(t, p, `cmd=479(STORE_CRED) user="unauthenticated@unmapped" raw result=REJECTED`)
	})
	t.Run("Encryption NEVER against REQUIRED is rejected in the handshake", func(t *testing.T) {
		_, err := p.credSecClient(t, never).Dial(ctx, "tcp", p.credAddr(t), security.Request{Command: 479}, scfg)
		if err == nil || !errors.Is(err, security.ErrCommandRejected) {
			t.Fatalf("handshake: %v", err)
		}
	})
	credLayout(t, p.oauth)

	opt := credServe(t, "SEC_DEFAULT_ENCRYPTION = OPTIONAL\nSEC_DEFAULT_INTEGRITY = OPTIONAL\n", false)
	opt.up(t)
	defer opt.stop(t)
	t.Run("§4.4 pitfall 11 Encryption NEVER still runs AES", func(t *testing.T) {
		res, err := opt.credSecClient(t, never).Dial(ctx, "tcp", opt.credAddr(t), security.Request{Command: 479}, scfg)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		defer res.Stream.Close()
		// The credd answers Encryption = "YES" whenever it authenticates
		// with AES (cedar.md §4.4), and AES encrypts anyway (pitfall 11).
		if !res.Encryption || !res.Encrypted || !res.Stream.Encrypted() || res.Method != "FS" {
			t.Fatalf("session: encryption %v, encrypted %v, method %q", res.Encryption, res.Encrypted, res.Method)
		}
		if err := credSendAdd(res.Stream, "aessvc", secret); err != nil {
			t.Fatal(err)
		}
		code, err := res.Stream.GetInt()
		use := filepath.Join(opt.userDir(), "aessvc.use")
		if err != nil || code <= 100 {
			t.Fatalf("reply %d %v", code, err)
		}
		if sec := credMtime(t, use); sec != code {
			t.Fatalf("answer %d, %s mtime %d", code, use, sec)
		}
		credWant(t, use, string(secret))
	})
}

// credNobody runs the tools as uid/gid 65534 (nobody): a copy of the
// binary in a 0755 directory, with condor_store_cred linked to it, and the
// pool's configuration made readable.
func credNobody(t *testing.T, p *credPool) func(t *testing.T, stdin string, args ...string) result {
	t.Helper()
	if _, err := osuser.LookupUid(65534); err != nil {
		t.Skipf("no uid 65534 in the passwd file: %v", err)
	}
	dir, err := os.MkdirTemp("", "cred-nobody")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "condor-auth")
	src, err := os.Open(binary)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(bin, filepath.Join(dir, "condor_store_cred")); err != nil {
		t.Fatal(err)
	}
	// The configuration's directory and its parent (t.TempDir, 0700).
	for _, d := range []string{filepath.Dir(p.cfg), filepath.Dir(filepath.Dir(p.cfg))} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return func(t *testing.T, stdin string, args ...string) result {
		t.Helper()
		name := args[0]
		cmd := exec.Command(filepath.Join(dir, name), args[1:]...)
		cmd.Env = p.env
		cmd.Dir = dir
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
		return runCmd(t, cmd, stdin)
	}
}

// (c) Another user's credential (credentials.md §5.5): refused unless the
// caller matches CRED_SUPER_USERS (wildcards allowed).
func TestCredRefuseOtherUser(t *testing.T) {
	t.Parallel()
	files := t.TempDir()
	if err := os.Chmod(files, 0o755); err != nil {
		t.Fatal(err)
	}
	cred := credFile(t, files, "cred", "my-access-token-abc123")
	notAllowed := "Operation failed because it is not allowed\n"

	p := credServe(t, "SEC_PASSWORD_FILE = $(LOCAL_DIR)/pool_password\n", false)
	p.up(t)
	defer p.stop(t)
	credRun(t, p, p.oauth, false, []credStep{
		{id: "O21 root for alice refused", args: []string{"add-oauth", "-u", "alice@e2e.local", "-s", "svc", "-i", cred}, code: 1,
			out: credHeader("alice@e2e.local", "oauth"), err: notAllowed},
		{id: "O21 query for alice refused", args: []string{"query-oauth", "-u", "alice@e2e.local"}, code: 1,
			out: credHeader("alice@e2e.local", "oauth"), err: notAllowed},
	})
	credRun(t, p, p.oauth, true, []credStep{
		{id: "O21 modern names the target user", args: []string{"cred", "add", "--type", "oauth", "--user", "alice@e2e.local", "--service", "svc", "--from", cred},
			code: 4, err: "condor-auth: " + strings.TrimSuffix(notAllowed, "\n") +
				": only the user itself or a CRED_SUPER_USERS member may manage the credentials of alice@e2e.local\n"},
	})
	nobody := credNobody(t, p)
	poolBefore, err := os.ReadFile(filepath.Join(p.local, "pool_password"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		id       string
		args     []string
		code     int
		out, err string
	}{
		{"nobody for root refused", []string{"condor_store_cred", "add-oauth", "-u", p.fqu, "-s", "svc", "-i", cred}, 1,
			credHeader(p.fqu, "oauth"), notAllowed},
		{"nobody query for root refused", []string{"condor_store_cred", "query-oauth", "-u", p.fqu, "-s", "svc"}, 1,
			credHeader(p.fqu, "oauth"), notAllowed},
		{"§5.5 the pool password is not a STORE_CRED credential", []string{"condor_store_cred", "add", "-u", "condor_pool@e2e.local", "-p", "x"}, 1,
			credHeader("condor_pool@e2e.local", "password"), notAllowed},
		{"P6 nobody -c add: the master refuses", []string{"condor_store_cred", "-c", "add", "-p", "userpw"}, 1,
			credHeader("condor_pool@e2e.local", "password") + "Operation failed.\n    Make sure you have ALLOW_ADMINISTRATOR access to the target Master.\n" +
				"    If the Master is older than 23.2.0, ALLOW_CONFIG access is needed.\n", ""},
		{"nobody modern for root refused", []string{"condor-auth", "cred", "delete", "--type", "oauth", "--user", p.fqu}, 4, "",
			"condor-auth: " + strings.TrimSuffix(notAllowed, "\n") + ": only the user itself or a CRED_SUPER_USERS member may manage the credentials of " + p.fqu + "\n"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			if r := nobody(t, "", tc.args...); r != (result{tc.out, tc.err, tc.code}) {
				t.Fatalf("%+v\nwant %+v\nlog:\n%s", r, result{tc.out, tc.err, tc.code}, readFile(p.log))
			}
		})
	}
	t.Run("nobody stores its own", func(t *testing.T) {
		r := nobody(t, "", "condor_store_cred", "add-oauth", "-s", "mine", "-i", cred, "-P")
		use := filepath.Join(p.oauth, "nobody", "mine.use")
		want := credHeader("<current> (nobody)", "oauth") + credInfo("Operation succeeded. Credential was stored on "+credStamp(credMtime(t, use)),
			`fully_qualified_user = "nobody@e2e.local"`)
		if r != (result{want, "", 0}) {
			t.Fatalf("%+v", r)
		}
		credWant(t, use, "my-access-token-abc123")
	})
	if after, err := os.ReadFile(filepath.Join(p.local, "pool_password")); err != nil || string(after) != string(poolBefore) {
		t.Fatalf("the pool password changed: %v", err)
	}
	credGone(t, filepath.Join(p.userDir(), "svc.top"), filepath.Join(p.oauth, "alice"))

	// CRED_SUPER_USERS = nob*: nobody may act for alice; root may not.
	su := credServe(t, "CRED_SUPER_USERS = nob*\n", false)
	su.up(t)
	defer su.stop(t)
	nobody = credNobody(t, su)
	alice := filepath.Join(su.oauth, "alice")
	t.Run("CRED_SUPER_USERS allows another user", func(t *testing.T) {
		r := nobody(t, "", "condor_store_cred", "add-oauth", "-u", "alice@e2e.local", "-s", "svc", "-i", cred, "-P")
		fqu := `fully_qualified_user = "nobody@e2e.local"`
		want := credHeader("alice@e2e.local", "oauth") + credInfo("Operation succeeded. Credential was stored on "+
			credStamp(credMtime(t, filepath.Join(alice, "svc.use"))), fqu)
		if r != (result{want, "", 0}) {
			t.Fatalf("%+v\nwant %q", r, want)
		}
		credWant(t, filepath.Join(alice, "svc.use"), "my-access-token-abc123")
		r = nobody(t, "", "condor_store_cred", "query-oauth", "-u", "alice@e2e.local", "-s", "svc")
		want = credHeader("alice@e2e.local", "oauth") + credInfo("A credential was stored and is valid.", fqu,
			"svc = "+strconv.FormatInt(credMtime(t, filepath.Join(alice, "svc.use")), 10))
		if r != (result{want, "", 0}) {
			t.Fatalf("%+v", r)
		}
		r = nobody(t, "", "condor-auth", "cred", "delete", "--type", "oauth", "--user", "alice@e2e.local", "--service", "svc")
		if r != (result{"Deleted the OAuth credential of alice@e2e.local.\n  " + fqu + "\n", "", 0}) {
			t.Fatalf("%+v", r)
		}
		credGone(t, filepath.Join(alice, "svc.use"))
	})
	credRun(t, su, su.oauth, false, []credStep{
		{id: "CRED_SUPER_USERS does not name root", args: []string{"add-oauth", "-u", "alice@e2e.local", "-s", "svc2", "-i", cred, "-P"}, code: 1,
			out: credHeader("alice@e2e.local", "oauth"), err: notAllowed,
			check: func(t *testing.T) { credGone(t, filepath.Join(alice, "svc2.use")) }},
	})
}

// The daemon's replies through pkg/client, with options ads the htcondor
// CLI sends (no NeedRefresh): the .top/.use rules of credentials.md §6.2
// (IC-2: a service no credmon manages is stored as .use), and RB-32: every
// reply with a valid mode carries fully_qualified_user.
func TestCredWireReplies(t *testing.T) {
	t.Parallel()
	p := credServe(t, "TRUSTED_VAULT_HOSTS = trusted.org\n", false)
	p.up(t)
	defer p.stop(t)
	c := p.credClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	u := p.userDir()
	const stamp = -1 // the answer is the stored file's mtime
	for _, tc := range []struct {
		id   string
		req  client.StoreCredRequest
		code int64
		file string // the file the request stores, "" for none
	}{
		{"IC-2 no NeedRefresh and no credmon: plain.use",
			client.StoreCredRequest{Mode: 40, Cred: []byte("fake-user-token"), Ad: map[string]any{"service": "plain"}}, stamp, "plain.use"},
		{"§6.2 rule 3 the local issuer's service is a .top",
			client.StoreCredRequest{Mode: 40, Cred: []byte("fake-refresh-token"), Ad: map[string]any{"service": "scitokens"}}, 6, "scitokens.top"},
		{"§6.2 rule 2 a Vault token is a .top",
			client.StoreCredRequest{Mode: 40, Cred: []byte(`{"vault_token":"XXX","vault_url":"https://trusted.org"}`), Ad: map[string]any{"service": "vault"}}, 6, "vault.top"},
		{"§6.2 rule 1 NeedRefresh decides first",
			client.StoreCredRequest{Mode: 40, Cred: []byte("at"), Ad: map[string]any{"Service": "scitokens", "Handle": "h", "NeedRefresh": false}}, stamp, "scitokens_h.use"},
		{"§6.2 add without a service", client.StoreCredRequest{Mode: 40, Cred: []byte("x"), Ad: map[string]any{}}, 8, ""},
		{"RB-32 query of nothing", client.StoreCredRequest{Mode: 42, Ad: map[string]any{"service": "none"}}, 5, ""},
		{"RB-32 another user's", client.StoreCredRequest{User: "alice@e2e.local", Mode: 42, Ad: map[string]any{}}, 7, ""},
		{"RB-32 IC-2 query the .use", client.StoreCredRequest{Mode: 42, Ad: map[string]any{"service": "plain"}}, 1, ""},
	} {
		t.Run(tc.id, func(t *testing.T) {
			rep, err := c.StoreCred(ctx, client.Target{Timeout: 10 * time.Second}, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			want := tc.code
			if want == stamp {
				want = credMtime(t, filepath.Join(u, tc.file))
			}
			if rep.Code != want {
				t.Fatalf("answer %d, want %d", rep.Code, want)
			}
			if fqu, ok := rep.Ad.GetString("fully_qualified_user"); !ok || fqu != p.fqu {
				t.Fatalf("reply ad %v", rep.Ad)
			}
			if tc.file != "" {
				credWant(t, filepath.Join(u, tc.file), string(tc.req.Cred))
				other := strings.TrimSuffix(tc.file, ".use") + ".top"
				if strings.HasSuffix(tc.file, ".top") {
					other = strings.TrimSuffix(tc.file, ".top") + ".use"
				}
				credGone(t, filepath.Join(u, other))
			}
		})
	}
}
