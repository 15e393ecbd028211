package token

import (
	"context"
	"errors"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// failure is a clean TOKEN failure: both peers exchanged all three
// messages and agree that the method failed, so the handshake may try the
// next method. errors.Is(err, auth.ErrFailed) holds, and the cause (e.g.
// an idtoken error such as idtoken.ErrExpired) stays reachable.
type failure struct {
	msg   string
	cause error
}

func (f *failure) Error() string {
	if f.cause != nil {
		return "TOKEN authentication failed: " + f.msg + ": " + f.cause.Error()
	}
	return "TOKEN authentication failed: " + f.msg
}

func (f *failure) Unwrap() []error {
	if f.cause != nil {
		return []error{auth.ErrFailed, f.cause}
	}
	return []error{auth.ErrFailed}
}

func failed(cause error, format string, args ...any) error {
	return &failure{msg: fmt.Sprintf(format, args...), cause: cause}
}

// watch aborts blocked stream I/O when ctx ends, by closing the connection
// (a cancelled exchange leaves the connection unusable anyway). The
// returned function stops watching.
func watch(ctx context.Context, s *cedar.Stream) func() bool {
	return context.AfterFunc(ctx, func() { _ = s.Close() })
}

// fatal decorates a protocol or I/O error, naming the context's error when
// the context closed the connection.
func fatal(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (TOKEN exchange aborted: %w)", err, cerr)
	}
	return err
}
