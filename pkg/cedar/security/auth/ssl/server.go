package ssl

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Identity names from authenticate_finish (condor_auth_ssl.cpp:1189-1212).
const (
	// UnmappedDomain is the domain of every SSL identity.
	UnmappedDomain = "unmapped"
	// UnauthenticatedUser is the user (and authenticated name) of a client
	// without a certificate.
	UnauthenticatedUser = "unauthenticated"
	// CertUser is the user of a client with a certificate; its subject is
	// the authenticated name.
	CertUser = "ssl"
)

// serverRun is the state of one server authentication.
type serverRun struct {
	opts  *Options
	peer  *auth.Peer
	roots *x509.CertPool

	// Written by verifyClient in the TLS goroutine.
	verifyErr error
}

// Authenticate runs the server side of SSL on the plaintext stream s and
// returns the client's identity: ssl@unmapped with the certificate subject
// as authenticated name, or unauthenticated@unmapped for a client without
// a certificate (allowed unless RequireClientCertificate).
func (sv *Server) Authenticate(ctx context.Context, s *cedar.Stream, peer *auth.Peer) (auth.Identity, error) {
	defer watch(ctx, s)()
	r := &serverRun{opts: &sv.opts, peer: peer}
	cfg, setupErr := r.setup()
	own := int32(StatusOK)
	if setupErr != nil {
		own = StatusError
	}
	cl, err := exchangeStatus(ctx, s, own, true)
	if err != nil {
		return auth.Identity{}, err
	}
	if setupErr != nil {
		return auth.Identity{}, failed(ErrSetup, setupErr, "server setup")
	}
	if cl != StatusOK {
		return auth.Identity{}, failed(ErrPeerSetup, nil, "the client reported status %d (%s) instead of 0: its SSL setup failed (CA, certificate or key file problem)", cl, statusName(cl))
	}

	mc := newMemConn()
	e := newEngine(mc, tls.Server(mc, cfg))
	defer e.close()

	// Handshake phase: the client sends first; statuses start at A_OK.
	e.start(func(tc *tls.Conn) (int, error) { return 0, tc.Handshake() })
	res, err := runPhase(s, e, false, StatusOK, StatusOK)
	if err != nil {
		return auth.Identity{}, fatal(ctx, err)
	}
	if !res.ok() {
		return auth.Identity{}, r.handshakeFailure(e, res)
	}
	cs := e.tc.ConnectionState()

	// Post-connection check; on failure tell the client
	// (condor_auth_ssl.cpp:873-887).
	if len(cs.PeerCertificates) == 0 && sv.opts.RequireClientCertificate {
		if err := writeFrame(s, StatusQuitting, nil); err != nil {
			return auth.Identity{}, fatal(ctx, err)
		}
		return auth.Identity{}, failed(ErrClientCertRequired, nil, "the client sent no certificate and AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE is true")
	}

	key := make([]byte, SessionKeyLen)
	if _, err := io.ReadFull(sv.opts.rand(), key); err != nil {
		if werr := writeFrame(s, StatusQuitting, nil); werr != nil {
			return auth.Identity{}, fatal(ctx, werr)
		}
		return auth.Identity{}, failed(ErrSetup, err, "generating the session key")
	}

	// Key phase: both statuses reset to RECEIVING, server first: the 256
	// random bytes go through TLS.
	e.start(func(tc *tls.Conn) (int, error) { return tc.Write(key) })
	res, err = runPhase(s, e, true, StatusReceiving, StatusReceiving)
	clear(key) // used only by the legacy exchangeKey wrap, which we never do
	if err != nil {
		return auth.Identity{}, fatal(ctx, err)
	}
	if !res.ok() {
		if res.own == StatusQuitting {
			return auth.Identity{}, failed(ErrHandshake, res.engineErr, "sending the key through TLS")
		}
		return auth.Identity{}, failed(ErrPeerQuit, nil, "the client quit after the TLS handshake (status %s); it probably rejected this server's certificate or host name", statusName(res.peer))
	}

	id := auth.Identity{Method: Name, Domain: UnmappedDomain}
	if len(cs.PeerCertificates) == 0 {
		id.User, id.AuthenticatedName, id.Unauthenticated = UnauthenticatedUser, UnauthenticatedUser, true
		peer.Note("SSL: client sent no certificate: %s@%s", UnauthenticatedUser, UnmappedDomain)
	} else {
		id.User, id.AuthenticatedName = CertUser, subjectOneline(cs.PeerCertificates[0])
		peer.Note("SSL: client certificate subject %s", id.AuthenticatedName)
	}
	return id, nil
}

// setup loads the server's certificates and client CAs (setup_ssl_ctx
// for the server).
func (r *serverRun) setup() (*tls.Config, error) {
	o := r.opts
	if o.ServerCertFile == "" || o.ServerKeyFile == "" {
		return nil, fmt.Errorf("%w: AUTH_SSL_SERVER_CERTFILE and AUTH_SSL_SERVER_KEYFILE must both be set", ErrSetup)
	}
	pairs, _, err := keyPairs(o.ServerCertFile, o.ServerKeyFile, "AUTH_SSL_SERVER_CERTFILE", "AUTH_SSL_SERVER_KEYFILE")
	if err != nil {
		return nil, err
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%w: no readable certificate/key pair among AUTH_SSL_SERVER_CERTFILE = %s and AUTH_SSL_SERVER_KEYFILE = %s", ErrSetup, o.ServerCertFile, o.ServerKeyFile)
	}
	roots, _, err := caPool(o.ServerCAFile, o.ServerCADir, o.ServerSkipDefaultCAs, "AUTH_SSL_SERVER_CAFILE", "AUTH_SSL_SERVER_CADIR")
	if err != nil {
		return nil, err
	}
	r.roots = roots
	cfg := o.baseTLS()
	cfg.Certificates = pairs
	// SSL_VERIFY_PEER without FAIL_IF_NO_PEER_CERT: always send a
	// CertificateRequest (without CA names, like OpenSSL without a client
	// CA list), verify a certificate if one comes.
	cfg.ClientAuth = tls.RequestClientCert
	cfg.VerifyConnection = r.verifyClient
	return cfg, nil
}

// verifyClient verifies a client certificate, if any, during the
// handshake. There is no known_hosts fallback on the server side.
func (r *serverRun) verifyClient(cs tls.ConnectionState) error {
	chain := cs.PeerCertificates
	if len(chain) == 0 {
		return nil
	}
	inter := x509.NewCertPool()
	for _, c := range chain[1:] {
		inter.AddCert(c)
	}
	_, err := chain[0].Verify(x509.VerifyOptions{
		Roots:         r.roots,
		Intermediates: inter,
		CurrentTime:   r.opts.now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
	if err != nil {
		r.verifyErr = failed(ErrClientCertUntrusted, err, "client certificate %s does not verify against AUTH_SSL_SERVER_CAFILE/AUTH_SSL_SERVER_CADIR or the system CAs", subjectOneline(chain[0]))
		return r.verifyErr
	}
	return nil
}

// handshakeFailure explains a handshake phase that ended with QUITTING.
func (r *serverRun) handshakeFailure(e *engine, res phaseResult) error {
	if res.own == StatusQuitting {
		if r.verifyErr != nil {
			return r.verifyErr
		}
		return failed(ErrHandshake, res.engineErr, "TLS handshake with the client")
	}
	// The client's last message usually carries its TLS alert; the
	// engine's error then names it ("remote error: tls: bad certificate").
	cause := peerTLSError(e)
	return failed(ErrPeerQuit, cause, "the client abandoned the TLS handshake (status %s); it probably does not trust this server's certificate", statusName(res.peer))
}
