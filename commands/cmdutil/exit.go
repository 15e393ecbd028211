// Package cmdutil holds what every command shares: the Factory, exit codes,
// output formats and flag value types.
package cmdutil

import (
	"errors"
	"fmt"
)

// Exit codes of the modern CLI (`condor-auth …`). The legacy tool names keep
// the codes of the originals (real-tools.md §1); those are produced by the
// legacy layer and the verbs' legacy paths, not by this table. This table is
// documented in README.md ("Exit codes"); keep both in step.
const (
	// ExitOK means success.
	ExitOK = 0
	// ExitFailure is an operation that failed (daemon error, I/O error).
	ExitFailure = 1
	// ExitUsage is a bad command line.
	ExitUsage = 2
	// ExitConfig is a configuration that cannot be read or is invalid.
	ExitConfig = 3
	// ExitAuth is authentication or authorization refused.
	ExitAuth = 4
	// ExitKey is a signing key that cannot be read or used.
	ExitKey = 5
	// ExitMismatch is a stored credential whose scopes/audience differ.
	ExitMismatch = 6
	// ExitTimeout is a deadline that passed (e.g. `token request --timeout`).
	ExitTimeout = 7
	// ExitUnavailable is an operation this build cannot perform yet.
	ExitUnavailable = 69
)

// ExitError is an error that carries the process exit status. Commands
// return it; Execute prints Err (unless Silent) and exits with Code.
type ExitError struct {
	// Code is the exit status.
	Code int
	// Err is the message printed on stderr (prefixed "condor-auth: ").
	Err error
	// Silent means the command already printed everything.
	Silent bool
	// Bare prints Err without the program-name prefix.
	Bare bool
}

func (e *ExitError) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *ExitError) Unwrap() error { return e.Err }

// Errorf returns an ExitError with the given code and message.
func Errorf(code int, format string, args ...any) error {
	return &ExitError{Code: code, Err: fmt.Errorf(format, args...)}
}

// Silent returns an ExitError that prints nothing more.
func Silent(code int) error {
	return &ExitError{Code: code, Silent: true}
}

// ErrNotAvailable is the error of a command whose network part is not
// built yet. The text is asserted by tests: change both together.
func ErrNotAvailable(what string) error {
	return &ExitError{Code: ExitUnavailable, Err: fmt.Errorf("%s is not available yet in this build: it needs the CEDAR network client, which is not implemented yet", what)}
}

// CodeOf maps an error to an exit status: ExitError's code, otherwise
// ExitFailure (nil → ExitOK).
func CodeOf(err error) int {
	if err == nil {
		return ExitOK
	}
	var ee *ExitError
	if errors.As(err, &ee) {
		return ee.Code
	}
	return ExitFailure
}
