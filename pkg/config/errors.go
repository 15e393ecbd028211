package config

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// ErrNoConfig is matched (errors.Is) by every error that means "the global
// configuration could not be located": no file in the default locations, or
// a CONDOR_CONFIG value naming a directory or a missing file. HTCondor tools
// print the message and exit 1 in all these cases.
var ErrNoConfig = errors.New("no HTCondor configuration found")

// LocateKind says why the global configuration could not be located.
type LocateKind int

const (
	// NoneFound: CONDOR_CONFIG is unset and none of the default locations
	// holds a readable condor_config.
	NoneFound LocateKind = iota
	// IsDirectory: CONDOR_CONFIG names a directory.
	IsDirectory
	// DoesNotExist: CONDOR_CONFIG names a file that does not exist.
	DoesNotExist
	// StatFailed: CONDOR_CONFIG names a path that cannot be examined.
	StatFailed
)

// LocateError reports that the global configuration source could not be
// found. Its texts are those of condor_config.cpp (find_file, real_config).
type LocateError struct {
	Kind LocateKind
	// Var is the environment variable consulted ("CONDOR_CONFIG").
	Var string
	// Path is the value of Var (empty for NoneFound).
	Path string
	// Tried lists the default locations that were tried (NoneFound only).
	Tried []string
	// Err is the underlying stat error for StatFailed.
	Err error
}

// Error returns HTCondor's message without its trailing "Exiting." line.
func (e *LocateError) Error() string {
	switch e.Kind {
	case IsDirectory:
		return fmt.Sprintf("File specified in %s environment variable:\n\"%s\" is a directory.  Please specify a file.", e.Var, e.Path)
	case DoesNotExist:
		return fmt.Sprintf("File specified in %s environment variable:\n\"%s\" does not exist.", e.Var, e.Path)
	case StatFailed:
		return fmt.Sprintf("Cannot stat file specified in %s environment variable:\n\"%s\", errno: %d", e.Var, e.Path, errnoOf(e.Err))
	}
	return "Neither the environment variable CONDOR_CONFIG,\n" +
		"/etc/condor/, /usr/local/etc/, nor ~condor/ contain a condor_config source.\n" +
		"Either set CONDOR_CONFIG to point to a valid config source,\n" +
		"or put a \"condor_config\" file in /etc/condor/ /usr/local/etc/ or ~condor/"
}

// Stderr returns the exact bytes a real HTCondor tool writes to stderr
// before exiting with status 1 (condor_config.cpp real_config/find_file).
func (e *LocateError) Stderr() string {
	if e.Kind == NoneFound {
		return "\n" + e.Error() + "\nExiting.\n\n"
	}
	return e.Error() + "\n"
}

// Unwrap makes errors.Is(err, ErrNoConfig) true and exposes a stat error.
func (e *LocateError) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrNoConfig, e.Err}
	}
	return []error{ErrNoConfig}
}

// ParseError is a configuration error tied to a place in a configuration
// source. Line is 0 when the error concerns a whole file.
type ParseError struct {
	File string
	Line int
	Msg  string
	// Err is an optional underlying error (I/O, regexp compile, ...).
	Err error
}

// Error renders "config file <file> line <n>: <msg>".
func (e *ParseError) Error() string {
	if strings.HasPrefix(e.File, "<") { // <environment>, <default>, ...
		return e.File + ": " + e.Msg
	}
	if e.Line > 0 {
		return fmt.Sprintf("config file %s line %d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("config file %s: %s", e.File, e.Msg)
}

// Unwrap returns the underlying error, if any.
func (e *ParseError) Unwrap() error { return e.Err }

// ExpandError reports that a knob's value could not be macro-expanded:
// a recursive definition, a macro function error (HTCondor's message) or
// an unsupported use of one, or runaway expansion. Source tells where the knob was defined.
type ExpandError struct {
	Knob   string
	Source Source
	Msg    string
	// Unsupported is true when the value uses an HTCondor macro function
	// in a way condor-auth cannot reproduce exactly (a ClassAd function
	// pkg/classad lacks, a %p or %a format, ...).
	Unsupported bool
	// structural marks recursive and runaway definitions.
	structural bool
}

// Error names the knob, where it was defined and what went wrong.
func (e *ExpandError) Error() string {
	return fmt.Sprintf("%s: macro %s: %s", e.Source.describe(), e.Knob, e.Msg)
}

// ValueError reports a knob whose value is not of the expected type.
type ValueError struct {
	Knob   string
	Value  string
	Want   string // "boolean" or "integer"
	Source Source
	Err    error // optional detail (integer overflow, division by zero)
}

// Error names the knob, the offending value and where it was set.
func (e *ValueError) Error() string {
	msg := fmt.Sprintf("%s = %q (%s) is not a valid %s", e.Knob, e.Value, e.Source.describe(), e.Want)
	switch e.Want {
	case "boolean":
		msg += "; use true or false"
	case "integer":
		msg += "; use an integer or an integer expression"
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the detail error, if any.
func (e *ValueError) Unwrap() error { return e.Err }

// errnoOf extracts a numeric errno from a stat error (0 if none).
func errnoOf(err error) int {
	var n syscall.Errno
	if errors.As(err, &n) {
		return int(n)
	}
	return 0
}
