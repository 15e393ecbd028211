package ssl

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// statuses extracts the status sequence of decoded messages.
func statuses(msgs []wireMsg) []int32 {
	var out []int32
	for _, m := range msgs {
		out = append(out, m.status)
	}
	return out
}

func TestNoClientCertIsUnauthenticated(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	res := runAuth(t, p.clientOpts(), p.serverOpts())
	if res.cliErr != nil || res.srvErr != nil {
		t.Fatalf("client %v, server %v", res.cliErr, res.srvErr)
	}
	want := auth.Identity{User: "unauthenticated", Domain: "unmapped", Method: "SSL", AuthenticatedName: "unauthenticated", Unauthenticated: true}
	if d := cmp.Diff(want, res.id); d != "" {
		t.Errorf("identity (-want +got):\n%s", d)
	}
	if got := res.id.FQU(); got != "unauthenticated@unmapped" {
		t.Errorf("FQU = %q, want unauthenticated@unmapped (pitfall 16)", got)
	}
}

// TestTLS13MessageSequence checks the CEDAR-level sequence against
// token_request_approve.json connection 1 (cedar.md §5.5 table): the
// statuses of every message in each direction, which data messages carry
// TLS bytes, and the 278-byte record holding the 256 key bytes.
func TestTLS13MessageSequence(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	res := runAuth(t, p.clientOpts(), p.serverOpts())
	if res.cliErr != nil || res.srvErr != nil {
		t.Fatalf("client %v, server %v", res.cliErr, res.srvErr)
	}
	cs, sc := decodeSSL(t, res.cs), decodeSSL(t, res.sc)
	// Recorded: C→S 0 | 2 (291) · 4 (110) | 4 (0); S→C 0 | 2 (852) · 4 (510) | 4 (278).
	if d := cmp.Diff([]int32{0, 2, 4, 4}, statuses(cs)); d != "" {
		t.Errorf("client statuses (-recorded +ours):\n%s", d)
	}
	if d := cmp.Diff([]int32{0, 2, 4, 4}, statuses(sc)); d != "" {
		t.Errorf("server statuses (-recorded +ours):\n%s", d)
	}
	if len(cs) == 4 && (cs[1].n == 0 || cs[2].n == 0 || cs[3].n != 0) {
		t.Errorf("client TLS byte counts %v: want ClientHello>0, Finished>0, last 0", cs)
	}
	if len(sc) == 4 {
		// Row 6 carried OpenSSL's two NewSessionTickets; Go's server
		// sends tickets only to a client that offers psk_dhe_ke, which
		// Go's client without a session cache does not, so here the row
		// is a HOLDING message with 0 bytes: the message itself must
		// still be there (the server sends two in a row).
		if sc[1].n == 0 || sc[2].n != 0 {
			t.Errorf("server TLS byte counts %v: want flight>0, then 0 (no tickets)", sc)
		}
		// One TLS 1.3 application-data record: 5 header + 256 + 1 inner
		// type + 16 tag, as recorded.
		if sc[3].n != 278 {
			t.Errorf("key message carries %d TLS bytes, recorded 278", sc[3].n)
		}
	}
}

// TestTLS13WithTickets: a client that offers session resumption, as
// OpenSSL does, gets NewSessionTicket records in the server's second data
// message, like row 6 of the recorded exchange.
func TestTLS13WithTickets(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	co := p.clientOpts()
	co.sessionCache = tls.NewLRUClientSessionCache(1)
	res := runAuth(t, co, p.serverOpts())
	if res.cliErr != nil || res.srvErr != nil {
		t.Fatalf("client %v, server %v", res.cliErr, res.srvErr)
	}
	cs, sc := decodeSSL(t, res.cs), decodeSSL(t, res.sc)
	if d := cmp.Diff([]int32{0, 2, 4, 4}, statuses(cs)); d != "" {
		t.Errorf("client statuses (-recorded +ours):\n%s", d)
	}
	if d := cmp.Diff([]int32{0, 2, 4, 4}, statuses(sc)); d != "" {
		t.Fatalf("server statuses (-recorded +ours):\n%s", d)
	}
	if sc[1].n == 0 || sc[2].n == 0 || sc[3].n != 278 || cs[3].n != 0 {
		t.Errorf("TLS byte counts C→S %v, S→C %v; recorded 291·110·0 and 852·510·278", cs, sc)
	}
}

// TestTLS12MessageSequence: with TLS 1.2 the server finishes first, so
// the handshake phase ends on the client's fifth message (HOLDING, 0
// bytes), an odd count (cedar.md §5.5, [inferred] there).
func TestTLS12MessageSequence(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	co, so := p.clientOpts(), p.serverOpts()
	co.maxVersion = tls.VersionTLS12
	res := runAuth(t, co, so)
	if res.cliErr != nil || res.srvErr != nil {
		t.Fatalf("client %v, server %v", res.cliErr, res.srvErr)
	}
	cs, sc := decodeSSL(t, res.cs), decodeSSL(t, res.sc)
	if d := cmp.Diff([]int32{0, 2, 2, 4, 4}, statuses(cs)); d != "" {
		t.Errorf("client statuses (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int32{0, 2, 4, 4}, statuses(sc)); d != "" {
		t.Errorf("server statuses (-want +got):\n%s", d)
	}
	if len(cs) == 5 && (cs[3].n != 0 || cs[4].n != 0) {
		t.Errorf("client's last two messages carry %d and %d bytes, want 0 and 0", cs[3].n, cs[4].n)
	}
	if !strings.Contains(strings.Join(res.cliNotes, "\n"), "TLS 1.2") {
		t.Errorf("notes do not mention TLS 1.2: %q", res.cliNotes)
	}
}

func TestClientCertMapsSubject(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	subject := rawName(t, [2]string{"2.5.4.6", "US"}, [2]string{"2.5.4.10", "Example"}, [2]string{"2.5.4.11", "Grid"}, [2]string{"2.5.4.3", "alice"})
	certFile, keyFile := p.clientCert(t, "alice", subject)
	co := p.clientOpts()
	co.ClientCertFile, co.ClientKeyFile = certFile, keyFile
	so := p.serverOpts()
	so.RequireClientCertificate = true
	res := runAuth(t, co, so)
	if res.cliErr != nil || res.srvErr != nil {
		t.Fatalf("client %v, server %v", res.cliErr, res.srvErr)
	}
	want := auth.Identity{User: "ssl", Domain: "unmapped", Method: "SSL", AuthenticatedName: "/C=US/O=Example/OU=Grid/CN=alice"}
	if d := cmp.Diff(want, res.id); d != "" {
		t.Errorf("identity (-want +got):\n%s", d)
	}
}

func TestClientCertFromUnknownCA(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	other := newPKI(t, "other.org", "x")
	certFile, keyFile := other.clientCert(t, "mallory", rawName(t, [2]string{"2.5.4.3", "mallory"}))
	co := p.clientOpts()
	co.ClientCertFile, co.ClientKeyFile = certFile, keyFile
	res := runAuth(t, co, p.serverOpts())
	if !errors.Is(res.srvErr, ErrClientCertUntrusted) || !errors.Is(res.srvErr, auth.ErrFailed) {
		t.Errorf("server error = %v, want ErrClientCertUntrusted", res.srvErr)
	}
	if !errors.Is(res.cliErr, ErrPeerQuit) || !errors.Is(res.cliErr, auth.ErrFailed) {
		t.Errorf("client error = %v, want ErrPeerQuit", res.cliErr)
	}
	if res.srvErr != nil && !strings.Contains(res.srvErr.Error(), "/CN=mallory") {
		t.Errorf("server error does not name the certificate: %v", res.srvErr)
	}
}

func TestRequireClientCertificate(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	so := p.serverOpts()
	so.RequireClientCertificate = true
	res := runAuth(t, p.clientOpts(), so)
	if !errors.Is(res.srvErr, ErrClientCertRequired) || !errors.Is(res.srvErr, auth.ErrFailed) {
		t.Errorf("server error = %v, want ErrClientCertRequired", res.srvErr)
	}
	if !errors.Is(res.cliErr, ErrPeerQuit) {
		t.Errorf("client error = %v, want ErrPeerQuit", res.cliErr)
	}
	// The server tells the client with a QUITTING data message of 0 bytes
	// right after the handshake phase (condor_auth_ssl.cpp:873-887).
	sc := decodeSSL(t, res.sc)
	if last := sc[len(sc)-1]; last != (wireMsg{status: StatusQuitting, n: 0}) {
		t.Errorf("server's last message %+v, want QUITTING with 0 bytes", last)
	}

	// A client that requires a certificate but has none configured fails
	// its setup and says so with status -1.
	co := p.clientOpts()
	co.RequireClientCertificate = true
	res = runAuth(t, co, p.serverOpts())
	if !errors.Is(res.cliErr, ErrSetup) || !strings.Contains(res.cliErr.Error(), "AUTH_SSL_CLIENT_CERTFILE") {
		t.Errorf("client error = %v, want ErrSetup naming AUTH_SSL_CLIENT_CERTFILE", res.cliErr)
	}
	if !errors.Is(res.srvErr, ErrPeerSetup) {
		t.Errorf("server error = %v, want ErrPeerSetup", res.srvErr)
	}
}

func TestUntrustedServerCA(t *testing.T) {
	p := newPKI(t, "htc.local", "vm")
	co := Options{ClientSkipDefaultCAs: true, HostAlias: "vm", ClientCAFile: newPKI(t, "other", "x").caFile}
	res := runAuth(t, co, p.serverOpts())
	if !errors.Is(res.cliErr, ErrUntrusted) || !errors.Is(res.cliErr, auth.ErrFailed) {
		t.Fatalf("client error = %v, want ErrUntrusted + auth.ErrFailed", res.cliErr)
	}
	msg := res.cliErr.Error()
	for _, want := range []string{"CA certificate /O=condor/CN=htc.local", "SHA-256 " + Fingerprint(p.caCert.Raw), "AUTH_SSL_CLIENT_CAFILE", "not trusted"} {
		if !strings.Contains(msg, want) {
			t.Errorf("client error %q does not mention %q", msg, want)
		}
	}
	if !errors.Is(res.srvErr, ErrPeerQuit) || !strings.Contains(res.srvErr.Error(), "bad certificate") {
		t.Errorf("server error = %v, want ErrPeerQuit with the TLS alert", res.srvErr)
	}
	// The client quits in the handshake phase, on its send turn, with its
	// TLS alert: C→S 0 | 2 · 3.
	if d := cmp.Diff([]int32{0, 2, 3}, statuses(decodeSSL(t, res.cs))); d != "" {
		t.Errorf("client statuses (-want +got):\n%s", d)
	}
}

func TestSelfSignedServerCert(t *testing.T) {
	// A server certificate that is its own CA (transcript pool: openssl
	// self-signed server.crt) is presented as a non-CA certificate.
	p := newPKI(t, "example.net", "vm")
	res := runAuth(t, Options{ClientSkipDefaultCAs: true, HostAlias: "vm"}, Options{ServerCertFile: p.caFile, ServerKeyFile: p.caKey})
	if !errors.Is(res.cliErr, ErrUntrusted) || !strings.Contains(res.cliErr.Error(), "self-signed server certificate /O=condor/CN=example.net") {
		t.Errorf("client error = %v", res.cliErr)
	}
}

func TestHostCheck(t *testing.T) {
	p := newPKI(t, "example.net", "vm.example.net")
	tests := []struct {
		name  string
		alias string
		skip  bool
		want  error
	}{
		{"san match", "vm.example.net", false, nil},
		{"case-insensitive", "VM.Example.NET", false, nil},
		{"mismatch", "other.example.net", false, ErrHostMismatch},
		{"mismatch skipped", "other.example.net", true, nil},
		{"no alias", "", false, ErrHostMismatch},
		{"no alias skipped", "", true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			co := p.clientOpts()
			co.HostAlias, co.SkipHostCheck = tc.alias, tc.skip
			res := runAuth(t, co, p.serverOpts())
			if tc.want == nil {
				if res.cliErr != nil || res.srvErr != nil {
					t.Fatalf("client %v, server %v", res.cliErr, res.srvErr)
				}
				return
			}
			if !errors.Is(res.cliErr, tc.want) || !errors.Is(res.cliErr, auth.ErrFailed) {
				t.Fatalf("client error = %v, want %v", res.cliErr, tc.want)
			}
			if tc.alias != "" && !strings.Contains(res.cliErr.Error(), "SSL_SKIP_HOST_CHECK") {
				t.Errorf("error does not point at SSL_SKIP_HOST_CHECK: %v", res.cliErr)
			}
			if !errors.Is(res.srvErr, ErrPeerQuit) {
				t.Errorf("server error = %v, want ErrPeerQuit", res.srvErr)
			}
			// The client reads the server's key message and answers
			// QUITTING with 0 bytes (condor_auth_ssl.cpp:563-585).
			cs := decodeSSL(t, res.cs)
			if d := cmp.Diff([]int32{0, 2, 4, 3}, statuses(cs)); d != "" {
				t.Errorf("client statuses (-want +got):\n%s", d)
			}
		})
	}
}

func TestServerWithoutCertificate(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	for _, so := range []Options{
		{},
		{ServerCertFile: filepath.Join(p.dir, "missing.pem"), ServerKeyFile: filepath.Join(p.dir, "missing.key")},
	} {
		ok, why := NewServer(so).Usable()
		if ok || !strings.HasPrefix(why, "Not trying SSL auth because server") {
			t.Errorf("Usable() = %v, %q", ok, why)
		}
		res := runAuth(t, p.clientOpts(), so)
		if !errors.Is(res.srvErr, ErrSetup) || !errors.Is(res.cliErr, ErrPeerSetup) {
			t.Errorf("server %v, client %v: want ErrSetup / ErrPeerSetup", res.srvErr, res.cliErr)
		}
		sc := decodeSSL(t, res.sc)
		if d := cmp.Diff([]wireMsg{{status: -1, n: -1}}, sc, cmp.AllowUnexported(wireMsg{})); d != "" {
			t.Errorf("server messages (-want +got):\n%s", d)
		}
	}
	if ok, why := NewServer(p.serverOpts()).Usable(); !ok {
		t.Errorf("Usable() with the host certificate = false, %q", why)
	}
}

func TestClientBadCAFile(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	bad := filepath.Join(p.dir, "bad-ca.pem")
	if err := os.WriteFile(bad, []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	co := p.clientOpts()
	co.ClientCAFile = filepath.Join(p.dir, "missing.pem") + "," + bad // the last readable one is used
	res := runAuth(t, co, p.serverOpts())
	if !errors.Is(res.cliErr, ErrSetup) || !strings.Contains(res.cliErr.Error(), bad) {
		t.Errorf("client error = %v, want ErrSetup naming %s", res.cliErr, bad)
	}
	if !errors.Is(res.srvErr, ErrPeerSetup) {
		t.Errorf("server error = %v, want ErrPeerSetup", res.srvErr)
	}
	if d := cmp.Diff([]int32{-1}, statuses(decodeSSL(t, res.cs))); d != "" {
		t.Errorf("client messages (-want +got):\n%s", d)
	}
}

func TestCAFileListAndDir(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	// The last readable file of the list wins; a missing one is skipped.
	co := p.clientOpts()
	co.ClientCAFile = p.caFile + ", " + filepath.Join(p.dir, "missing.pem")
	if res := runAuth(t, co, p.serverOpts()); res.cliErr != nil {
		t.Errorf("CA file list: %v", res.cliErr)
	}
	// A CA directory.
	dir := filepath.Join(p.dir, "cadir")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(p.caFile)
	if err := os.WriteFile(filepath.Join(dir, "0a1b2c3d.0"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README"), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	co = Options{ClientCADir: dir, ClientSkipDefaultCAs: true, HostAlias: "vm"}
	if res := runAuth(t, co, p.serverOpts()); res.cliErr != nil {
		t.Errorf("CA dir: %v", res.cliErr)
	}
}

// TestKnownHostsNonInteractive: an untrusted CA in a non-interactive run
// records "! SSL <base64 DER of the CA>" (empty host: the daemon was
// addressed by IP), once, and fails each time (real-tools.md §17, R9).
func TestKnownHostsNonInteractive(t *testing.T) {
	p := newPKI(t, "htc.local", "vm")
	khPath := filepath.Join(t.TempDir(), "home", ".condor", "known_hosts")
	kh := NewKnownHosts(khPath)
	co := Options{ClientSkipDefaultCAs: true, SkipHostCheck: true, KnownHosts: kh}
	wantLine := "! SSL " + base64.StdEncoding.EncodeToString(p.caCert.Raw) + "\n"
	for run := range 2 {
		res := runAuth(t, co, p.serverOpts())
		if !errors.Is(res.cliErr, ErrUntrusted) {
			t.Fatalf("run %d: client error = %v, want ErrUntrusted", run, res.cliErr)
		}
		data, err := os.ReadFile(khPath)
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != wantLine {
			t.Errorf("run %d: known_hosts = %q, want %q", run, data, wantLine)
		}
		if !strings.Contains(res.cliErr.Error(), khPath) {
			t.Errorf("run %d: error does not name the known_hosts file: %v", run, res.cliErr)
		}
	}
	st, err := os.Stat(khPath)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("known_hosts mode %o, want 644", st.Mode().Perm())
	}
	if dst, _ := os.Stat(filepath.Dir(khPath)); dst.Mode().Perm() != 0o755 {
		t.Errorf(".condor mode %o, want 755", dst.Mode().Perm())
	}
}

// TestKnownHostsPrompt: trust on first use through the confirmation
// callback. With a host alias the trusted entry lets later runs in
// without asking; with an empty host the entry can never match and the
// run fails even after "yes" (R10).
func TestKnownHostsPrompt(t *testing.T) {
	p := newPKI(t, "htc.local", "vm")
	b64 := base64.StdEncoding.EncodeToString(p.caCert.Raw)

	t.Run("host alias", func(t *testing.T) {
		kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
		var asked []UntrustedCert
		co := Options{ClientSkipDefaultCAs: true, HostAlias: "vm", KnownHosts: kh,
			ConfirmUntrusted: func(c UntrustedCert) bool { asked = append(asked, c); return true }}
		for run := range 2 {
			if res := runAuth(t, co, p.serverOpts()); res.cliErr != nil || res.srvErr != nil {
				t.Fatalf("run %d: client %v, server %v", run, res.cliErr, res.srvErr)
			}
		}
		if len(asked) != 1 {
			t.Fatalf("asked %d times, want once", len(asked))
		}
		want := UntrustedCert{Host: "vm", Fingerprint: Fingerprint(p.caCert.Raw), Subject: "/O=condor/CN=htc.local", IsCA: true, DER: p.caCert.Raw}
		if d := cmp.Diff(want, asked[0]); d != "" {
			t.Errorf("prompt data (-want +got):\n%s", d)
		}
		entries, err := kh.Entries()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]KnownHostEntry{{Host: "vm", Permitted: true, Method: "SSL", Info: b64}}, entries); d != "" {
			t.Errorf("entries (-want +got):\n%s", d)
		}
	})

	t.Run("empty host", func(t *testing.T) {
		kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
		co := Options{ClientSkipDefaultCAs: true, SkipHostCheck: true, KnownHosts: kh,
			ConfirmUntrusted: func(UntrustedCert) bool { return true }}
		res := runAuth(t, co, p.serverOpts())
		if !errors.Is(res.cliErr, ErrUntrusted) || !strings.Contains(res.cliErr.Error(), "empty host name") {
			t.Fatalf("client error = %v", res.cliErr)
		}
		data, _ := os.ReadFile(kh.Path())
		if string(data) != " SSL "+b64+"\n" {
			t.Errorf("known_hosts = %q", data)
		}
	})

	t.Run("declined", func(t *testing.T) {
		kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
		co := Options{ClientSkipDefaultCAs: true, HostAlias: "vm", KnownHosts: kh,
			ConfirmUntrusted: func(UntrustedCert) bool { return false }}
		res := runAuth(t, co, p.serverOpts())
		if !errors.Is(res.cliErr, ErrUntrusted) || !strings.Contains(res.cliErr.Error(), "remove the leading '!'") {
			t.Fatalf("client error = %v", res.cliErr)
		}
		data, _ := os.ReadFile(kh.Path())
		if string(data) != "!vm SSL "+b64+"\n" {
			t.Errorf("known_hosts = %q", data)
		}
	})

	t.Run("bootstrap trust and changed certificate", func(t *testing.T) {
		kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
		co := Options{ClientSkipDefaultCAs: true, HostAlias: "vm", KnownHosts: kh, BootstrapTrust: true,
			ConfirmUntrusted: func(UntrustedCert) bool { t.Error("prompted despite BOOTSTRAP_SSL_SERVER_TRUST"); return false }}
		if res := runAuth(t, co, p.serverOpts()); res.cliErr != nil {
			t.Fatalf("client %v", res.cliErr)
		}
		// Another pool answers as "vm": refused, and its CA recorded as
		// untrusted after the trusted entry.
		q := newPKI(t, "evil", "vm")
		res := runAuth(t, co, q.serverOpts())
		if !errors.Is(res.cliErr, ErrUntrusted) || !strings.Contains(res.cliErr.Error(), "trusts a different certificate") {
			t.Fatalf("client error = %v", res.cliErr)
		}
		data, _ := os.ReadFile(kh.Path())
		want := "vm SSL " + b64 + "\n!vm SSL " + base64.StdEncoding.EncodeToString(q.caCert.Raw) + "\n"
		if string(data) != want {
			t.Errorf("known_hosts = %q, want %q", data, want)
		}
	})
}

// TestKnownHostsTrustedRecord: a server verified through the CAs is
// recorded as "HOST SSL @trusted" once.
func TestKnownHostsTrustedRecord(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	kh := NewKnownHosts(filepath.Join(t.TempDir(), "known_hosts"))
	co := p.clientOpts()
	co.KnownHosts = kh
	for range 2 {
		if res := runAuth(t, co, p.serverOpts()); res.cliErr != nil {
			t.Fatal(res.cliErr)
		}
	}
	data, _ := os.ReadFile(kh.Path())
	if string(data) != "vm SSL @trusted\n" {
		t.Errorf("known_hosts = %q", data)
	}
}

func TestMethodBasics(t *testing.T) {
	c := NewClient(Options{HostAlias: "a"})
	c2 := c.WithHostAlias("b")
	if c.opts.HostAlias != "a" || c2.opts.HostAlias != "b" {
		t.Errorf("WithHostAlias changed the original or did not apply: %q %q", c.opts.HostAlias, c2.opts.HostAlias)
	}
	sv := NewServer(Options{})
	if c.Name() != "SSL" || sv.Name() != "SSL" || c.Bit() != auth.BitSSL || sv.Bit() != 256 {
		t.Errorf("Name/Bit: %s %d %s %d", c.Name(), c.Bit(), sv.Name(), sv.Bit())
	}
	if ok, why := c.Usable(nil); !ok || why != "" {
		t.Errorf("client Usable = %v, %q", ok, why)
	}
	dir := t.TempDir()
	cert := filepath.Join(dir, "c.pem")
	if err := os.WriteFile(cert, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		opts Options
		want string
	}{
		{Options{}, "Not trying SSL auth because server certificate parameter (AUTH_SSL_SERVER_CERTFILE) is not set."},
		{Options{ServerCertFile: cert}, "Not trying SSL auth because server key parameter (AUTH_SSL_SERVER_KEYFILE) is not set."},
		{Options{ServerCertFile: filepath.Join(dir, "nope"), ServerKeyFile: cert}, "Not trying SSL auth because server certificate (" + filepath.Join(dir, "nope") + ") is not readable by HTCondor: No such file or directory."},
		{Options{ServerCertFile: cert, ServerKeyFile: filepath.Join(dir, "k")}, "Not trying SSL auth because server key (" + filepath.Join(dir, "k") + ") is not readable by HTCondor: No such file or directory."},
	}
	for _, tc := range tests {
		if ok, why := NewServer(tc.opts).Usable(); ok || why != tc.want {
			t.Errorf("Usable(%+v) = %v, %q; want %q", tc.opts, ok, why, tc.want)
		}
	}
	if ok, _ := NewServer(Options{ServerCertFile: filepath.Join(dir, "nope") + "," + cert, ServerKeyFile: "x," + cert}).Usable(); !ok {
		t.Error("Usable with a readable second pair = false")
	}
}

// TestLoopbackTCP runs one authentication over a real 127.0.0.1
// connection with CEDAR timeouts.
func TestLoopbackTCP(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := &cedar.Config{ReadTimeout: 10 * time.Second, WriteTimeout: 10 * time.Second}
	type srvRes struct {
		id  auth.Identity
		err error
	}
	done := make(chan srvRes, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- srvRes{err: err}
			return
		}
		defer conn.Close()
		s, _ := cedar.NewStream(conn, cfg)
		id, err := NewServer(p.serverOpts()).Authenticate(context.Background(), s, &auth.Peer{})
		done <- srvRes{id, err}
	}()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	s, _ := cedar.NewStream(conn, cfg)
	var notes []string
	peer := &auth.Peer{Explain: func(f string, a ...any) { notes = append(notes, fmt.Sprintf(f, a...)) }}
	if err := NewClient(p.clientOpts()).Authenticate(context.Background(), s, peer); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.id.FQU() != "unauthenticated@unmapped" {
		t.Fatalf("server: %+v, %v", r.id, r.err)
	}
	joined := strings.Join(notes, "\n")
	for _, want := range []string{"TLS 1.3", "server certificate subject /CN=vm", `matches host "vm"`, "unauthenticated@unmapped"} {
		if !strings.Contains(joined, want) {
			t.Errorf("explain notes lack %q:\n%s", want, joined)
		}
	}
}
