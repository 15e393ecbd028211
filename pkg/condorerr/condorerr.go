// Package condorerr models HTCondor's CondorError: a stack of
// (subsystem, code, message) entries that the real tools print joined with
// "|" as "SUBSYS:CODE:message" (real-tools.md §1, "Daemon errors").
//
// The newest entry is first, as CondorError::push puts it in front, so a
// failure reported by a daemon and then wrapped by the client reads
// "DAEMON:1:TOKEN:1:Failed to read file …".
package condorerr

import (
	"errors"
	"fmt"
	"strings"
)

// Error is one CondorError chain. The zero value is not useful; build one
// with New.
type Error struct {
	// Subsys is the subsystem tag, e.g. "DAEMON", "TOKEN", "SECMAN".
	Subsys string
	// Code is the numeric error code of this entry; the head's Code is what
	// CondorError::code() returns.
	Code int
	// Msg is the human-readable text of this entry.
	Msg string
	// Next is the older entry this one was pushed on top of, or nil.
	Next *Error
	// cause is an optional detailed Go error (for modern diagnostics); it is
	// never part of the legacy text.
	cause error
}

// New returns a chain holding one entry.
func New(subsys string, code int, format string, args ...any) *Error {
	return &Error{Subsys: subsys, Code: code, Msg: sprintf(format, args...)}
}

// Wrap pushes a new entry in front of e (like CondorError::push) and returns
// the new head. A nil e yields a single-entry chain.
func (e *Error) Wrap(subsys string, code int, format string, args ...any) *Error {
	return &Error{Subsys: subsys, Code: code, Msg: sprintf(format, args...), Next: e}
}

// WithCause attaches a detailed Go error explaining the failure (for modern
// output such as `--explain` or `-o json`). It returns e.
func (e *Error) WithCause(err error) *Error {
	e.cause = err
	return e
}

// Error renders the chain exactly as HTCondor's CondorError::getFullText:
// entries newest first, each "SUBSYS:CODE:msg", joined with "|".
func (e *Error) Error() string {
	if e == nil {
		return ""
	}
	var b strings.Builder
	for cur := e; cur != nil; cur = cur.Next {
		if cur != e {
			b.WriteByte('|')
		}
		fmt.Fprintf(&b, "%s:%d:%s", cur.Subsys, cur.Code, cur.Msg)
	}
	return b.String()
}

// Unwrap exposes the detailed cause attached to any entry, so errors.Is and
// errors.As can reach it.
func (e *Error) Unwrap() error {
	for cur := e; cur != nil; cur = cur.Next {
		if cur.cause != nil {
			return cur.cause
		}
	}
	return nil
}

// Detail returns the detailed cause of the chain if one was attached,
// otherwise the legacy text.
func (e *Error) Detail() string {
	if c := e.Unwrap(); c != nil {
		return c.Error()
	}
	return e.Error()
}

// As returns the *Error inside err, if any.
func As(err error) (*Error, bool) {
	var ce *Error
	if errors.As(err, &ce) {
		return ce, true
	}
	return nil, false
}

func sprintf(format string, args ...any) string {
	if len(args) == 0 {
		return format
	}
	return fmt.Sprintf(format, args...)
}
