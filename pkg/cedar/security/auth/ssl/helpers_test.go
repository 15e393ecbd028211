package ssl

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// testPKI is a throwaway pool CA with a host certificate, made by
// Bootstrap as the collector would.
type testPKI struct {
	dir                    string
	caFile, caKey          string
	hostCert, hostKey      string
	trustDomain, hostAlias string
	caCert                 *x509.Certificate
	hostLeaf               *x509.Certificate
	bootstrapCfg           BootstrapConfig
	bootstrapResult        BootstrapResult
}

func newPKI(t testing.TB, trustDomain, hostAlias string) *testPKI {
	t.Helper()
	dir := t.TempDir()
	cfg := DefaultBootstrapConfig(filepath.Join(dir, "etc"), trustDomain, hostAlias)
	res, err := Bootstrap(cfg)
	if err != nil {
		t.Fatalf("Bootstrap: %v", err)
	}
	p := &testPKI{
		dir: dir, caFile: cfg.CAFile, caKey: cfg.CAKeyFile, hostCert: cfg.CertFile, hostKey: cfg.KeyFile,
		trustDomain: trustDomain, hostAlias: hostAlias, bootstrapCfg: cfg, bootstrapResult: res,
	}
	p.caCert = readCerts(t, cfg.CAFile)[0]
	p.hostLeaf = readCerts(t, cfg.CertFile)[0]
	return p
}

func readCerts(t testing.TB, path string) []*x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	certs, err := parsePEMCerts(data)
	if err != nil || len(certs) == 0 {
		t.Fatalf("%s: %d certificates, %v", path, len(certs), err)
	}
	return certs
}

// clientCert issues a client certificate with the given raw subject,
// signed by the pool CA, and returns its cert and key files.
func (p *testPKI) clientCert(t testing.TB, name string, subject []byte) (string, string) {
	t.Helper()
	caKey, _, err := loadOrGenerateKey(p.caKey, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(p.dir, name+".key")
	key, _, err := loadOrGenerateKey(keyFile, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		RawSubject:   subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, key.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	certFile := filepath.Join(p.dir, name+".crt")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// rawName encodes a name with one attribute per RDN (oid, value) as
// UTF8String values.
func rawName(t testing.TB, attrs ...[2]string) []byte {
	t.Helper()
	b, err := utf8Name(attrs...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (p *testPKI) serverOpts() Options {
	return Options{ServerCertFile: p.hostCert, ServerKeyFile: p.hostKey, ServerCAFile: p.caFile, ServerSkipDefaultCAs: true}
}

func (p *testPKI) clientOpts() Options {
	return Options{ClientCAFile: p.caFile, ClientSkipDefaultCAs: true, HostAlias: p.hostAlias}
}

// teeConn records both directions of a connection.
type teeConn struct {
	net.Conn
	mu         sync.Mutex
	sent, recv bytes.Buffer
}

func (c *teeConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.mu.Lock()
	c.recv.Write(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *teeConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.sent.Write(p)
	c.mu.Unlock()
	return c.Conn.Write(p)
}

func (c *teeConn) snapshot() (sent, recv []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.sent.Bytes()), bytes.Clone(c.recv.Bytes())
}

// result of one in-process authentication.
type result struct {
	id             auth.Identity
	cliErr, srvErr error
	cs, sc         []byte // client→server and server→client bytes
	cliNotes       []string
}

// runAuth authenticates an in-process client and server over net.Pipe.
// After a clean outcome (success or auth.ErrFailed on both sides) it
// checks that both streams are still in step by exchanging one message
// each way.
func runAuth(t *testing.T, cliOpts, srvOpts Options) result {
	t.Helper()
	c1, c2 := net.Pipe()
	tee := &teeConn{Conn: c1}
	defer c1.Close()
	defer c2.Close()
	cs, err := cedar.NewStream(tee, nil)
	if err != nil {
		t.Fatal(err)
	}
	ss, err := cedar.NewStream(c2, nil)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	_ = cs.SetDeadline(deadline)
	_ = ss.SetDeadline(deadline)
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()

	var res result
	var mu sync.Mutex
	peer := &auth.Peer{Explain: func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		res.cliNotes = append(res.cliNotes, fmt.Sprintf(format, args...))
	}}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		res.id, res.srvErr = NewServer(srvOpts).Authenticate(ctx, ss, &auth.Peer{})
	}()
	res.cliErr = NewClient(cliOpts).Authenticate(ctx, cs, peer)
	wg.Wait()
	res.cs, res.sc = tee.snapshot()

	clean := func(err error) bool { return err == nil || errors.Is(err, auth.ErrFailed) }
	if clean(res.cliErr) && clean(res.srvErr) {
		checkInStep(t, cs, ss)
	}
	return res
}

// checkInStep proves both streams are at a message boundary.
func checkInStep(t *testing.T, cs, ss *cedar.Stream) {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		v, err := ss.GetInt()
		if err == nil {
			err = ss.EndOfMessage()
		}
		if err == nil && v != 4242 {
			err = errors.New("server read a different int")
		}
		if err == nil {
			if err = ss.PutInt(4343); err == nil {
				err = ss.EndOfMessage()
			}
		}
		errc <- err
	}()
	if err := cs.PutInt(4242); err != nil {
		t.Fatal(err)
	}
	if err := cs.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	v, err := cs.GetInt()
	if err == nil {
		err = cs.EndOfMessage()
	}
	if err != nil || v != 4343 {
		t.Fatalf("streams out of step after authentication: client read %d, %v", v, err)
	}
	if err := <-errc; err != nil {
		t.Fatalf("streams out of step after authentication: server: %v", err)
	}
}

// wireMsg is one decoded SSL-level message.
type wireMsg struct {
	status int32
	n      int
}

// decodeSSL decodes one direction of an SSL exchange: a status message,
// then data messages until the bytes end.
func decodeSSL(t *testing.T, b []byte) []wireMsg {
	t.Helper()
	s, err := cedar.NewStream(&rwBuf{r: bytes.NewReader(b)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	st, err := readStatus(s)
	if err != nil {
		t.Fatalf("decoding status message: %v", err)
	}
	out := []wireMsg{{status: st, n: -1}}
	for {
		st, data, err := readFrame(s)
		if errors.Is(err, cedar.ErrPeerClosed) {
			return out
		}
		if err != nil {
			t.Fatalf("decoding data message %d: %v", len(out), err)
		}
		out = append(out, wireMsg{status: st, n: len(data)})
	}
}

type rwBuf struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (b *rwBuf) Read(p []byte) (int, error)  { return b.r.Read(p) }
func (b *rwBuf) Write(p []byte) (int, error) { return b.w.Write(p) }
