package ssl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// clientRun is the state of one client authentication.
type clientRun struct {
	opts      *Options
	peer      *auth.Peer
	roots     *x509.CertPool
	caSources []string
	cert      *tls.Certificate

	// Written by verifyServer in the TLS goroutine, read by the driver
	// after the handshake operation completed.
	verifyErr     error
	usedKnownHost bool
}

// Authenticate runs the client side of SSL on the plaintext stream s.
func (c *Client) Authenticate(ctx context.Context, s *cedar.Stream, peer *auth.Peer) error {
	defer watch(ctx, s)()
	r := &clientRun{opts: &c.opts, peer: peer}
	cfg, setupErr := r.setup()
	own := int32(StatusOK)
	if setupErr != nil {
		own = StatusError
		peer.Note("SSL: client setup failed, sending status -1: %v", setupErr)
	}
	srv, err := exchangeStatus(ctx, s, own, false)
	if err != nil {
		return err
	}
	if setupErr != nil {
		return failed(ErrSetup, setupErr, "client setup")
	}
	if srv != StatusOK {
		return failed(ErrPeerSetup, nil, "the server reported status %d (%s) instead of 0: its SSL setup failed (certificate or key missing or unreadable?)", srv, statusName(srv))
	}

	mc := newMemConn()
	e := newEngine(mc, tls.Client(mc, cfg))
	defer e.close()

	// Handshake phase: client sends first; statuses start at A_OK.
	e.start(func(tc *tls.Conn) (int, error) { return 0, tc.Handshake() })
	res, err := runPhase(s, e, true, StatusOK, StatusOK)
	if err != nil {
		return fatal(ctx, err)
	}
	if !res.ok() {
		return r.handshakeFailure(e, res)
	}
	cs := e.tc.ConnectionState()
	peer.Note("SSL: TLS %s with %s", tls.VersionName(cs.Version), tls.CipherSuiteName(cs.CipherSuite))

	// Post-connection check; on failure read the server's first key
	// message and tell it we quit unless it already did
	// (condor_auth_ssl.cpp:563-585).
	if cerr := r.postCheck(cs); cerr != nil {
		st, _, err := readFrame(s)
		if err != nil {
			return fatal(ctx, err)
		}
		if st != StatusQuitting {
			if err := writeFrame(s, StatusQuitting, nil); err != nil {
				return fatal(ctx, err)
			}
		}
		return cerr
	}

	// Key phase: both statuses reset to RECEIVING, server first; the
	// client reads the 256 random bytes through TLS.
	key := make([]byte, SessionKeyLen)
	e.start(func(tc *tls.Conn) (int, error) { return readSome(tc, key) })
	res, err = runPhase(s, e, false, StatusReceiving, StatusReceiving)
	if res.ok() {
		// The key would only serve the legacy exchangeKey wrap (cedar.md
		// §4.7), which an ECDH session never uses. The read goroutine has
		// finished, so clearing cannot race with it.
		clear(key)
	}
	if err != nil {
		return fatal(ctx, err)
	}
	if !res.ok() {
		if res.own == StatusQuitting {
			return failed(ErrHandshake, res.engineErr, "reading the server's key through TLS")
		}
		return failed(ErrPeerQuit, nil, "the server quit after the TLS handshake (status %s); it probably refused this client (AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE without a client certificate?)", statusName(res.peer))
	}
	peer.Note("SSL: authenticated the server; received the %d-byte key", SessionKeyLen)
	return nil
}

// readSome is SSL_read: it returns as soon as some application data
// arrived.
func readSome(tc *tls.Conn, buf []byte) (int, error) {
	for {
		n, err := tc.Read(buf)
		if n > 0 || err != nil {
			return n, err
		}
	}
}

// setup loads CAs and the client certificate (setup_ssl_ctx for the
// client) and returns the TLS configuration.
func (r *clientRun) setup() (*tls.Config, error) {
	o := r.opts
	if o.RequireClientCertificate && (o.ClientCertFile == "" || o.ClientKeyFile == "") {
		return nil, fmt.Errorf("%w: AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE is true but AUTH_SSL_CLIENT_CERTFILE and AUTH_SSL_CLIENT_KEYFILE are not both set", ErrSetup)
	}
	roots, sources, err := caPool(o.ClientCAFile, o.ClientCADir, o.ClientSkipDefaultCAs, "AUTH_SSL_CLIENT_CAFILE", "AUTH_SSL_CLIENT_CADIR")
	if err != nil {
		return nil, err
	}
	r.roots, r.caSources = roots, sources
	pairs, used, err := keyPairs(o.ClientCertFile, o.ClientKeyFile, "AUTH_SSL_CLIENT_CERTFILE", "AUTH_SSL_CLIENT_KEYFILE")
	if err != nil {
		return nil, err
	}
	if len(pairs) > 0 {
		r.cert = &pairs[0]
		r.peer.Note("SSL: presenting client certificate %s", used[len(used)-1])
	} else {
		r.peer.Note("SSL: no client certificate (AUTH_SSL_CLIENT_CERTFILE/KEYFILE); the server will see unauthenticated@unmapped")
	}
	r.peer.Note("SSL: trusting server certificates from %s", orNone(sources))
	cfg := o.baseTLS()
	// HTCondor checks the chain in its OpenSSL verify callback (with the
	// known_hosts fallback) and the host name after the handshake; Go's
	// built-in verification is replaced by verifyServer, which runs at
	// the same point of the handshake. SNI is not sent, as HTCondor does
	// not send it.
	cfg.InsecureSkipVerify = true //nolint:gosec // verification is done in VerifyConnection
	cfg.VerifyConnection = r.verifyServer
	cfg.ClientSessionCache = o.sessionCache
	cfg.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		if r.cert != nil {
			return r.cert, nil
		}
		return &tls.Certificate{}, nil
	}
	return cfg, nil
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "no CA at all (AUTH_SSL_CLIENT_CAFILE, AUTH_SSL_CLIENT_CADIR unset and default CAs disabled)"
	}
	return strings.Join(list, ", ")
}

// handshakeFailure explains a handshake phase that ended with QUITTING.
func (r *clientRun) handshakeFailure(e *engine, res phaseResult) error {
	if res.own == StatusQuitting {
		if r.verifyErr != nil {
			return r.verifyErr
		}
		return failed(ErrHandshake, res.engineErr, "TLS handshake with the server")
	}
	cause := peerTLSError(e)
	return failed(ErrPeerQuit, cause, "the server abandoned the TLS handshake (status %s); it may not trust this client's certificate", statusName(res.peer))
}

// verifyServer checks the server's chain during the handshake, like
// HTCondor's OpenSSL verify_callback (condor_auth_ssl.cpp:1409-1498).
func (r *clientRun) verifyServer(cs tls.ConnectionState) error {
	chain := cs.PeerCertificates
	if len(chain) == 0 {
		r.verifyErr = failed(ErrUntrusted, nil, "the server sent no certificate")
		return r.verifyErr
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	vo := x509.VerifyOptions{
		Roots:         r.roots,
		Intermediates: inter,
		CurrentTime:   r.opts.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	leafName := subjectOneline(chain[0])
	r.peer.Note("SSL: server certificate subject %s", leafName)
	_, err := chain[0].Verify(vo)
	if err == nil {
		return nil
	}
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		r.verifyErr = failed(ErrUntrusted, err, "server certificate %s is not acceptable", leafName)
		return r.verifyErr
	}
	anchor, isCA := untrustedAnchor(chain)
	accepted, why := r.trustOnFirstUse(anchor, isCA)
	if !accepted {
		r.verifyErr = failed(ErrUntrusted, nil, "%s", why)
		return r.verifyErr
	}
	roots := r.roots.Clone()
	roots.AddCert(anchor)
	vo.Roots = roots
	if _, err := chain[0].Verify(vo); err != nil {
		r.verifyErr = failed(ErrUntrusted, err, "server certificate %s is not acceptable even though known_hosts trusts %s", leafName, subjectOneline(anchor))
		return r.verifyErr
	}
	r.usedKnownHost = true
	r.peer.Note("SSL: server certificate accepted through known_hosts file %s", r.opts.KnownHosts.Path())
	return nil
}

// untrustedAnchor returns the certificate OpenSSL reports when a chain
// cannot be verified (X509_STORE_CTX_get_current_cert): the self-signed
// server certificate (isCA false, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT),
// or the top of the presented chain (isCA true: a self-signed CA in the
// chain, or a certificate whose issuer is missing).
func untrustedAnchor(chain []*x509.Certificate) (*x509.Certificate, bool) {
	cur := chain[0]
	used := map[*x509.Certificate]bool{cur: true}
	for depth := 0; depth < len(chain); depth++ {
		if selfSigned(cur) {
			return cur, depth > 0
		}
		var next *x509.Certificate
		for _, c := range chain[1:] {
			if !used[c] && string(c.RawSubject) == string(cur.RawIssuer) &&
				c.CheckSignature(cur.SignatureAlgorithm, cur.RawTBSCertificate, cur.Signature) == nil {
				next = c
				break
			}
		}
		if next == nil {
			return cur, true
		}
		used[next] = true
		cur = next
	}
	return cur, true
}

func selfSigned(c *x509.Certificate) bool {
	return string(c.RawSubject) == string(c.RawIssuer) &&
		c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}

// postCheck is post_connection_check for the client
// (condor_auth_ssl.cpp:1698-1885): the host alias must match a SAN DNS
// name or the CN unless SSL_SKIP_HOST_CHECK; a server verified through the
// CAs is then recorded as "HOST SSL @trusted" in known_hosts.
func (r *clientRun) postCheck(cs tls.ConnectionState) error {
	if len(cs.PeerCertificates) == 0 {
		return failed(ErrUntrusted, nil, "the server presented no certificate")
	}
	leaf := cs.PeerCertificates[0]
	host := r.opts.HostAlias
	if r.opts.SkipHostCheck {
		r.peer.Note("SSL: host check skipped (SSL_SKIP_HOST_CHECK)")
	} else if err := checkHost(leaf, host); err != nil {
		return err
	} else {
		r.peer.Note("SSL: server certificate matches host %q", host)
	}
	if !r.usedKnownHost && host != "" && r.opts.KnownHosts != nil {
		if err := r.opts.KnownHosts.Add(host, true, "SSL", "@trusted"); err != nil {
			r.peer.Note("SSL: could not record the trusted host: %v", err)
		}
	}
	return nil
}

// checkHost matches the host alias against the certificate's SAN DNS
// names (hostnameMatch), then, if none matches, its first CN
// (case-insensitive, no wildcard).
func checkHost(leaf *x509.Certificate, host string) error {
	if host == "" {
		return failed(ErrHostMismatch, nil, "no host name is known for the server (its address has no alias=, e.g. it was given as an IP address), so its certificate cannot be checked; set SSL_SKIP_HOST_CHECK = true or address the daemon by host name")
	}
	for _, san := range leaf.DNSNames {
		if strings.IndexByte(san, 0) < 0 && hostnameMatch(san, host) {
			return nil
		}
	}
	cn, ok := firstCommonName(leaf)
	if i := strings.IndexByte(cn, 0); i >= 0 {
		cn = cn[:i]
	}
	if ok && asciiLower(cn) == asciiLower(host) {
		return nil
	}
	return failed(ErrHostMismatch, nil, "server certificate %s (DNS names %q) does not match host %q; set SSL_SKIP_HOST_CHECK = true to skip this check", subjectOneline(leaf), leaf.DNSNames, host)
}
