package ssl

import (
	"context"
	"errors"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Failure categories. Every clean SSL failure wraps auth.ErrFailed and
// exactly one of these, so callers can test with errors.Is.
var (
	// ErrSetup: this side could not set up TLS from its options (missing
	// or unreadable certificate, key or CA files). The peer is told with
	// status ERROR (-1) before any TLS byte is exchanged.
	ErrSetup = errors.New("local SSL setup failed")

	// ErrPeerSetup: the peer reported an SSL setup error (status -1) in the
	// initial status exchange (cedar.md §5.5 step 1).
	ErrPeerSetup = errors.New("peer reported an SSL setup error")

	// ErrUntrusted: the server's certificate chain does not verify against
	// the configured CAs and was not accepted through known_hosts
	// (real-tools.md §17).
	ErrUntrusted = errors.New("server certificate not trusted")

	// ErrHostMismatch: the server's certificate names neither in a SAN DNS
	// entry nor in its CN the host alias the client expected, or no host
	// alias is known (cedar.md §5.5 step 3, pitfall 31).
	ErrHostMismatch = errors.New("server certificate does not match the host")

	// ErrClientCertRequired: the server requires a client certificate
	// (AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE) and the client sent none.
	ErrClientCertRequired = errors.New("client certificate required")

	// ErrClientCertUntrusted: the client's certificate does not verify
	// against the server's CAs.
	ErrClientCertUntrusted = errors.New("client certificate not trusted")

	// ErrHandshake: the TLS handshake failed for another reason (no common
	// version or cipher, bad signature, TLS alert from the peer, ...).
	ErrHandshake = errors.New("TLS handshake failed")

	// ErrPeerQuit: the peer abandoned the exchange (status QUITTING or
	// ERROR in a data message); its reason is not sent on the wire.
	ErrPeerQuit = errors.New("peer abandoned SSL authentication")
)

// failure is a clean SSL failure: both peers saw a QUITTING/ERROR status
// (or the status exchange failed) and the stream is at a message boundary,
// so the handshake may try the next method.
type failure struct {
	kind  error
	msg   string
	cause error
}

func (f *failure) Error() string {
	s := "SSL authentication failed: " + f.msg
	if f.cause != nil {
		s += ": " + f.cause.Error()
	}
	return s
}

func (f *failure) Unwrap() []error {
	errs := []error{auth.ErrFailed, f.kind}
	if f.cause != nil {
		errs = append(errs, f.cause)
	}
	return errs
}

func failed(kind, cause error, format string, args ...any) error {
	return &failure{kind: kind, msg: fmt.Sprintf(format, args...), cause: cause}
}

// watch aborts blocked stream I/O when ctx ends, by closing the connection
// (an abandoned exchange leaves it unusable anyway). The returned function
// stops watching.
func watch(ctx context.Context, s *cedar.Stream) func() bool {
	return context.AfterFunc(ctx, func() { _ = s.Close() })
}

// fatal decorates a protocol or I/O error (the connection is unusable),
// naming the context's error when the context closed the connection.
func fatal(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (SSL exchange aborted: %w)", err, cerr)
	}
	return err
}
