package fs

import (
	"context"
	"errors"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// Error codes HTCondor pushes for FS (condor_auth_fs.cpp); the channel
// binding codes are condor-auth's own.
const (
	codeMkdir       = 1000 // client: mkdir(D, 0700) failed
	codeServerError = 1001 // client: the server sent an empty name
	codeMkstemp     = 1002 // server: could not pick a name
	codeLstat       = 1004 // server: lstat failed
	codeBadAttrs    = 1005 // server: not a 0700 directory with 1–2 links
	codeLookupUID   = 1006 // server: owner uid not in the password file
	codeClientFail  = 1007 // server: the client could not create the dir
	codeBinding     = 1008 // either: channel binding refused (condor-auth)
	codeOwner       = 1009 // client: could not give the dir to the service account (condor-auth)
	codeRefused     = 1010 // client: the server refused the directory (condor-auth)
)

// failure is a clean FS failure: the three messages were exchanged and
// both peers know the method failed. errors.Is(err, auth.ErrFailed) holds;
// condorerr.As finds the HTCondor-style entry ("FS:1005:Bad attributes on
// (…)"); the detail says exactly what was wrong.
type failure struct {
	ce     *condorerr.Error
	detail string
}

func (f *failure) Error() string {
	if f.detail != "" {
		return "FS authentication failed: " + f.ce.Msg + ": " + f.detail
	}
	return "FS authentication failed: " + f.ce.Msg
}

func (f *failure) Unwrap() []error { return []error{auth.ErrFailed, f.ce} }

// newFailure builds the failure with entry FS:code:msg and a detail.
func newFailure(code int, detail string, format string, args ...any) *failure {
	return &failure{ce: condorerr.New("FS", code, format, args...), detail: detail}
}

// watch aborts blocked stream I/O when ctx ends, by closing the connection.
func watch(ctx context.Context, s *cedar.Stream) func() bool {
	return context.AfterFunc(ctx, func() { _ = s.Close() })
}

// fatal decorates a protocol or I/O error with the context's error when
// the context closed the connection.
func fatal(ctx context.Context, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w (FS exchange aborted: %w)", err, cerr)
	}
	return err
}
