package client

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/token"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// The authentication methods built from the configuration, and the TOKEN
// and SSL wiring (token directory, host alias, known_hosts) end to end.

func methodNames(c *Client) []string {
	var out []string
	for _, m := range c.methods {
		out = append(out, m.Name())
	}
	return out
}

func TestMethodsFromConfig(t *testing.T) {
	dir := t.TempDir()
	pool := filepath.Join(dir, "passwords.d", "POOL")
	if _, err := idtoken.CreatePoolKey(pool, nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		methods string
		want    []string
		keys    []string
	}{
		{"SSL, KERBEROS, IDTOKENS, FS, CLAIMTOBE, ANONYMOUS", []string{"SSL", "TOKEN", "FS", "CLAIMTOBE", "ANONYMOUS"}, []string{"POOL"}},
		{"FS", []string{"FS"}, nil},
		{"TOKEN,SCITOKENS", []string{"TOKEN"}, []string{"POOL"}},
	} {
		cfg := loadConfig(t, "TOOL", "SEC_CLIENT_AUTHENTICATION_METHODS = "+tc.methods,
			"SEC_PASSWORD_DIRECTORY = "+filepath.Dir(pool), "SEC_TOKEN_POOL_SIGNING_KEY_FILE = "+pool)
		c, err := New(Options{Config: cfg, Uid: os.Getuid(), Euid: os.Geteuid()})
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(tc.want, methodNames(c)); d != "" {
			t.Errorf("%s: methods (-want +got):\n%s", tc.methods, d)
		}
		if d := cmp.Diff(tc.keys, c.policy.IssuerKeys); d != "" {
			t.Errorf("%s: IssuerKeys (-want +got):\n%s", tc.methods, d)
		}
	}
}

func TestNewErrors(t *testing.T) {
	if _, err := New(Options{}); err == nil {
		t.Error("New without configuration succeeded")
	}
	cfg := loadConfig(t, "TOOL", "SEC_CLIENT_AUTHENTICATION = SOMETIMES")
	if _, err := New(Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "SEC_CLIENT_AUTHENTICATION") {
		t.Errorf("bad level: %v", err)
	}
	cfg = loadConfig(t, "TOOL", "SEC_CLIENT_AUTHENTICATION_METHODS = FS", "SEC_FS_ENFORCE_CHANNEL_BINDING = perhaps")
	if _, err := New(Options{Config: cfg}); err == nil || !strings.Contains(err.Error(), "SEC_FS_ENFORCE_CHANNEL_BINDING") {
		t.Errorf("bad boolean: %v", err)
	}
}

func TestKnownHostsPath(t *testing.T) {
	for _, tc := range []struct {
		name  string
		euid  int
		home  string
		extra string
		want  string
	}{
		{"root", 0, "/root", "", "/etc/condor/known_hosts"},
		{"user", 1000, "/home/u", "", "/home/u/.condor/known_hosts"},
		{"user without home", 1000, "", "", "/etc/condor/known_hosts"},
		{"configured", 1000, "/home/u", "SEC_KNOWN_HOSTS = /x/kh", "/x/kh"},
	} {
		cfg := loadConfig(t, "TOOL", "ETC = /etc/condor", "SEC_CLIENT_AUTHENTICATION_METHODS = FS", tc.extra)
		c, err := New(Options{Config: cfg, Euid: tc.euid, Home: tc.home})
		if err != nil {
			t.Fatal(err)
		}
		if got := knownHostsPath(c, tc.euid == 0); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestTokenAuthentication(t *testing.T) {
	dir := t.TempDir()
	keys := idtoken.KeyConfig{PoolKeyFile: filepath.Join(dir, "server", "POOL"), PasswordDir: filepath.Join(dir, "server"), Uid: os.Getuid()}
	if _, err := idtoken.CreatePoolKey(keys.PoolKeyFile, nil); err != nil {
		t.Fatal(err)
	}
	tok, err := keys.Create(idtoken.MintOptions{Issuer: fakeDomain, Subject: "alice@example.net", Authz: []string{"READ"}})
	if err != nil {
		t.Fatal(err)
	}
	tokens := filepath.Join(dir, "tokens.d")
	if err := os.Mkdir(tokens, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := idtoken.WriteTokenFile(filepath.Join(tokens, "alice"), tok); err != nil {
		t.Fatal(err)
	}
	f := startFake(t, fakeOptions{knobs: []string{"SEC_DEFAULT_AUTHENTICATION_METHODS = TOKEN"},
		methods: []auth.Server{token.NewServer(token.ServerConfig{Keys: keys})}})
	c := fakeClient(t, f, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", "SEC_TOKEN_DIRECTORY = "+tokens,
		"SEC_PASSWORD_DIRECTORY = "+filepath.Join(dir, "client"))
	res, err := c.Ping(context.Background(), Target{Name: f.addr}, "READ")
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != "IDTOKENS" || res.Identity != "alice@example.net" || !res.Authorized {
		t.Errorf("ping %+v", res)
	}
	if sub, _ := res.Answer.GetString("AuthTokenSubject"); sub != "alice@example.net" {
		t.Errorf("answer %v", res.Answer)
	}
	// The token is limited to READ: WRITE is refused after authentication.
	_, err = c.Ping(context.Background(), Target{Name: f.addr}, "WRITE")
	if want := `SECMAN:2010:Received "DENIED" from server for user alice@example.net using method IDTOKENS.`; errText(err) != want {
		t.Errorf("WRITE: %q, want %q", errText(err), want)
	}
}

func TestSSLAuthentication(t *testing.T) {
	const alias = "testd.example.net"
	dir := t.TempDir()
	bc := ssl.DefaultBootstrapConfig(filepath.Join(dir, "etc"), fakeDomain, alias)
	if _, err := ssl.Bootstrap(bc); err != nil {
		t.Fatal(err)
	}
	other := ssl.DefaultBootstrapConfig(filepath.Join(dir, "other"), "other.example.org", "other.example.org")
	if _, err := ssl.Bootstrap(other); err != nil {
		t.Fatal(err)
	}
	f := startFake(t, fakeOptions{knobs: []string{"SEC_DEFAULT_AUTHENTICATION_METHODS = SSL"},
		methods: []auth.Server{ssl.NewServer(ssl.Options{ServerCertFile: bc.CertFile, ServerKeyFile: bc.KeyFile,
			ServerCAFile: bc.CAFile, ServerSkipDefaultCAs: true})}})
	port := strings.TrimPrefix(strings.Trim(f.addr, "<>"), "127.0.0.1:")
	knownHosts := filepath.Join(dir, "known_hosts")
	client := func(ca string, extra ...string) *Client {
		extra = append([]string{"SEC_KNOWN_HOSTS = " + knownHosts}, extra...)
		return fakeClient(t, f, append([]string{"SEC_CLIENT_AUTHENTICATION_METHODS = SSL", "AUTH_SSL_CLIENT_CAFILE = " + ca,
			"AUTH_SSL_CLIENT_USE_DEFAULT_CAS = false"}, extra...)...)
	}
	ping := func(c *Client, addrAlias string) (*PingResult, error) {
		return c.Ping(context.Background(), Target{Name: "<127.0.0.1:" + port + "?alias=" + addrAlias + ">"}, "READ")
	}

	// The certificate names the alias of the address: accepted without a
	// client certificate, as unauthenticated@unmapped (pitfall 16).
	res, err := ping(client(bc.CAFile), alias)
	if err != nil {
		t.Fatal(err)
	}
	if res.Method != "SSL" || res.Identity != "unauthenticated@unmapped" || !res.Encrypted {
		t.Errorf("ping %+v", res)
	}

	// Another alias fails the host check.
	_, err = ping(client(bc.CAFile), "wrong.example.net")
	if !strings.HasPrefix(errText(err), "AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004:Failed to authenticate using SSL") {
		t.Errorf("wrong alias: %v", err)
	}

	// An untrusted CA without a prompt is refused and recorded as
	// untrusted for the alias (real-tools.md §17, R9).
	_, err = ping(client(other.CAFile), alias)
	if err == nil {
		t.Fatal("untrusted CA accepted")
	}
	data, _ := os.ReadFile(knownHosts)
	if !strings.Contains(string(data), "\n!"+alias+" SSL MII") {
		t.Errorf("known_hosts:\n%s", data)
	}

	// With a prompt (and no earlier decision in known_hosts) the user is
	// asked about that certificate.
	var asked []ssl.UntrustedCert
	c := client(other.CAFile, "SEC_KNOWN_HOSTS = "+filepath.Join(dir, "known_hosts.2"))
	c.opts.Prompt = func(u ssl.UntrustedCert) bool { asked = append(asked, u); return false }
	if err := c.buildPromptedMethods(t); err != nil {
		t.Fatal(err)
	}
	if _, err := ping(c, alias); err == nil {
		t.Fatal("refused certificate accepted")
	}
	if len(asked) != 1 || asked[0].Host != alias {
		t.Errorf("prompted %+v", asked)
	}
}

// buildPromptedMethods rebuilds the methods after Options.Prompt changed.
func (c *Client) buildPromptedMethods(t *testing.T) error {
	t.Helper()
	c.methods = nil
	return c.buildMethods()
}
