// Package ssl implements HTCondor's SSL authentication method, both sides:
// a TLS handshake whose records travel inside CEDAR messages, followed by
// 256 random bytes the server sends through the TLS channel (cedar.md
// §5.5, condor_auth_ssl.cpp).
//
// Wire layout (plaintext stream, every message ends with EOM):
//
//	S→C int status        (0 = ready, -1 = the server's SSL setup failed)
//	C→S int status
//	data messages: int status · int n (0 ≤ n ≤ 1 MiB) · n TLS bytes
//	  handshake phase, client first, then key phase, server first
//
// Each side runs crypto/tls on an in-memory connection (engine.go), the
// Go counterpart of HTCondor's OpenSSL memory BIOs, and ships whatever TLS
// produced in its next data message. The phase rules — who sends first,
// the end-of-phase test after every single message, the status reset
// between phases — are HTCondor's (runPhase); they make the server send
// two data messages in a row with TLS 1.3, as recorded in
// token_request_approve.json, connection 1. TLS 1.2 and 1.3 are offered
// (HTCondor disables only SSLv3, TLS 1.0 and 1.1).
//
// The server always asks for a client certificate but accepts a client
// without one unless RequireClientCertificate is set: such a client is
// identified as unauthenticated@unmapped, which still counts as an
// authenticated, encrypted connection for a token request (pitfall 16). A
// client with a certificate is ssl@unmapped with its subject in OpenSSL
// one-line form ("/O=…/CN=…") as the authenticated name, for
// CERTIFICATE_MAPFILE.
//
// The client verifies the server's chain against AUTH_SSL_CLIENT_CAFILE,
// AUTH_SSL_CLIENT_CADIR and the system CAs, then the host alias against the
// certificate's SAN DNS names or CN unless SSL_SKIP_HOST_CHECK. An
// untrusted CA is handled like HTCondor's trust-on-first-use: with a
// known_hosts file the certificate is recorded ("! SSL <base64 DER>" when
// not trusted), a trusted entry with the same certificate is accepted, and
// an interactive confirmation can be plugged in (Prompt). Bootstrap
// creates the pool CA and host certificate the way the collector does.
//
// Deliberate differences from HTCondor 25.14 (both interoperate with it):
//
//   - A server without a usable certificate/key pair reports status -1 in
//     the first message instead of failing inside the TLS handshake.
//   - The TLS cipher list is Go's default (AUTH_SSL_CIPHERLIST is OpenSSL
//     syntax); proxy certificates and VOMS attributes are not supported,
//     and AUTH_SSL_REQUIRE_CLIENT_MAPPING is left to the caller's mapfile.
//   - known_hosts is not created when it is only read.
package ssl

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"io"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Name is the canonical method name.
const Name = "SSL"

// Options configures both sides; each field names the HTCondor knob it
// stands for. The zero value is a client that trusts the system CAs,
// presents no certificate and checks the host alias, and a server with no
// certificate (unusable until ServerCertFile/ServerKeyFile are set).
// Files are read at every authentication, as HTCondor does, so rotated
// certificates take effect without a restart.
type Options struct {
	// ClientCAFile and ClientCADir are AUTH_SSL_CLIENT_CAFILE (a comma
	// list; the last file that can be opened is used) and
	// AUTH_SSL_CLIENT_CADIR: the CAs the client trusts for the server.
	ClientCAFile, ClientCADir string
	// ClientSkipDefaultCAs is AUTH_SSL_CLIENT_USE_DEFAULT_CAS = false.
	ClientSkipDefaultCAs bool
	// ClientCertFile and ClientKeyFile are AUTH_SSL_CLIENT_CERTFILE and
	// AUTH_SSL_CLIENT_KEYFILE (parallel comma lists; unreadable pairs are
	// skipped). Without them the client sends an empty Certificate.
	ClientCertFile, ClientKeyFile string

	// HostAlias is the name the client expects in the server certificate:
	// the alias= parameter of the daemon's sinful string (cedar.md §6.7,
	// pitfall 31). It is also the HOST of known_hosts entries. See
	// Client.WithHostAlias for per-connection values.
	HostAlias string
	// SkipHostCheck is SSL_SKIP_HOST_CHECK.
	SkipHostCheck bool
	// KnownHosts, when non-nil, enables HTCondor's trust-on-first-use for
	// a server whose CA is not trusted (real-tools.md §17).
	KnownHosts *KnownHosts
	// BootstrapTrust is BOOTSTRAP_SSL_SERVER_TRUST: trust an unknown
	// server certificate at first sight and record it.
	BootstrapTrust bool
	// ConfirmUntrusted, when non-nil and BootstrapTrust is false, is asked
	// whether to trust an unknown server certificate (HTCondor prompts on
	// a terminal, see Prompt). Nil means a non-interactive run: the
	// certificate is recorded as untrusted ("! SSL …") and refused.
	ConfirmUntrusted func(UntrustedCert) bool

	// ServerCertFile and ServerKeyFile are AUTH_SSL_SERVER_CERTFILE and
	// AUTH_SSL_SERVER_KEYFILE (parallel comma lists; unreadable pairs are
	// skipped, the last readable one is preferred).
	ServerCertFile, ServerKeyFile string
	// ServerCAFile and ServerCADir are AUTH_SSL_SERVER_CAFILE and
	// AUTH_SSL_SERVER_CADIR: the CAs the server trusts for client
	// certificates.
	ServerCAFile, ServerCADir string
	// ServerSkipDefaultCAs is AUTH_SSL_SERVER_USE_DEFAULT_CAS = false.
	ServerSkipDefaultCAs bool

	// RequireClientCertificate is AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE: the
	// server refuses a client without a certificate, and a client must
	// have ClientCertFile/ClientKeyFile configured.
	RequireClientCertificate bool

	// Rand is the randomness source for TLS and the 256-byte key (default
	// crypto/rand.Reader).
	Rand io.Reader
	// Now is the clock for certificate validity (default time.Now).
	Now func() time.Time

	// maxVersion, when set (tests), caps the TLS version.
	maxVersion uint16
	// sessionCache, when set (tests), makes the client offer TLS 1.3
	// session resumption (psk_dhe_ke) as OpenSSL clients do.
	sessionCache tls.ClientSessionCache
}

func (o *Options) rand() io.Reader {
	if o.Rand != nil {
		return o.Rand
	}
	return rand.Reader
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// baseTLS returns the settings both sides share.
func (o *Options) baseTLS() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12, // condor_auth_ssl.cpp:2016-2023
		MaxVersion: o.maxVersion,
		Rand:       o.Rand,
		Time:       o.Now,
	}
}

// Client is the client side of SSL. It is safe for concurrent use.
type Client struct {
	opts Options
}

// NewClient returns the client side with the given options.
func NewClient(opts Options) *Client { return &Client{opts: opts} }

// WithHostAlias returns a copy of c that expects host alias alias (the
// alias= of the daemon's address) instead of Options.HostAlias.
func (c *Client) WithHostAlias(alias string) *Client {
	cp := *c
	cp.opts.HostAlias = alias
	return &cp
}

// Name returns "SSL".
func (c *Client) Name() string { return Name }

// Bit returns the SSL negotiation bit (256).
func (c *Client) Bit() int { return auth.BitSSL }

// Usable reports whether SSL can be offered. Like HTCondor, a client can
// always offer SSL: missing CA or certificate files make the method fail
// at run time with a clear error, not disappear from the list.
func (c *Client) Usable(*auth.Peer) (bool, string) { return true, "" }

// Server is the server side of SSL. It is safe for concurrent use.
type Server struct {
	opts Options
}

// NewServer returns the server side with the given options.
func NewServer(opts Options) *Server { return &Server{opts: opts} }

// Name returns "SSL".
func (sv *Server) Name() string { return Name }

// Bit returns the SSL negotiation bit (256).
func (sv *Server) Bit() int { return auth.BitSSL }

// Usable reports whether the server has a certificate and key it can read,
// with HTCondor's reason otherwise (should_try_auth,
// condor_auth_ssl.cpp:2133-2175); a server should not offer SSL without.
func (sv *Server) Usable() (bool, string) {
	if sv.opts.ServerCertFile == "" {
		return false, "Not trying SSL auth because server certificate parameter (AUTH_SSL_SERVER_CERTFILE) is not set."
	}
	if sv.opts.ServerKeyFile == "" {
		return false, "Not trying SSL auth because server key parameter (AUTH_SSL_SERVER_KEYFILE) is not set."
	}
	certs, keys := splitList(sv.opts.ServerCertFile), splitList(sv.opts.ServerKeyFile)
	last := "Not trying SSL auth because no server certificate is configured."
	for i, cf := range certs {
		if i >= len(keys) {
			break
		}
		if err := openErr(cf); err != nil {
			last = "Not trying SSL auth because server certificate (" + cf + ") is not readable by HTCondor: " + err.Error() + "."
			continue
		}
		if err := openErr(keys[i]); err != nil {
			last = "Not trying SSL auth because server key (" + keys[i] + ") is not readable by HTCondor: " + err.Error() + "."
			continue
		}
		return true, ""
	}
	return false, last
}

var (
	_ auth.Client = (*Client)(nil)
	_ auth.Server = (*Server)(nil)
)

// exchangeStatus runs step 1 of cedar.md §5.5 for either side: the server
// sends first. It returns the peer's status.
func exchangeStatus(ctx context.Context, s *cedar.Stream, own int32, server bool) (int32, error) {
	if server {
		if err := writeStatus(s, own); err != nil {
			return 0, fatal(ctx, err)
		}
		peer, err := readStatus(s)
		if err != nil {
			return 0, fatal(ctx, err)
		}
		return peer, nil
	}
	peer, err := readStatus(s)
	if err != nil {
		return 0, fatal(ctx, err)
	}
	if err := writeStatus(s, own); err != nil {
		return 0, fatal(ctx, err)
	}
	return peer, nil
}
