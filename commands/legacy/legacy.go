// Package legacy is the single translation layer between HTCondor's
// command-line syntax and condor-auth's typed options for the eight legacy
// tools (condor_token_fetch, condor_token_create, condor_token_list,
// condor_token_request, condor_token_request_approve,
// condor_token_request_list, condor_token_request_auto_approve and
// condor_store_cred).
//
// It only parses: it reads no configuration, touches no file and opens no
// connection. Every condition under which the original program ends during
// argument parsing (usage, -help, unknown option, missing value, bad -type,
// bad -lifetime, ...) is returned as an *Exit that carries the exact bytes the
// original writes to stdout and stderr and its exit status
// (real-tools.md §2–§9, §11, §12; tokens.md §9–§10; credentials.md §1).
//
// The option tables are data (see DescribeFlags) and drive both the parsers
// and any generated help, so there is a single source of truth.
package legacy

import (
	"fmt"
	"slices"
	"strings"
)

// Names of the eight legacy tools, as argv[0] basenames.
const (
	ToolTokenFetch              = "condor_token_fetch"
	ToolTokenCreate             = "condor_token_create"
	ToolTokenList               = "condor_token_list"
	ToolTokenRequest            = "condor_token_request"
	ToolTokenRequestApprove     = "condor_token_request_approve"
	ToolTokenRequestList        = "condor_token_request_list"
	ToolTokenRequestAutoApprove = "condor_token_request_auto_approve"
	ToolStoreCred               = "condor_store_cred"
)

// Names returns the names of the eight legacy tools, sorted.
func Names() []string {
	n := []string{
		ToolTokenFetch, ToolTokenCreate, ToolTokenList, ToolTokenRequest,
		ToolTokenRequestApprove, ToolTokenRequestList,
		ToolTokenRequestAutoApprove, ToolStoreCred,
	}
	slices.Sort(n)
	return n
}

// Lookup chooses the tool personality from argv[0]: the part after the last
// '/' must be one of Names. Messages must still echo argv[0] unmodified
// (real-tools.md §11); only condor_store_cred prints its basename.
func Lookup(argv0 string) (tool string, ok bool) {
	b := basename(argv0)
	if slices.Contains(Names(), b) {
		return b, true
	}
	return "", false
}

// DefaultType returns the lower-case daemon type a tool contacts when no
// -type is given ("schedd" for condor_token_fetch and condor_token_list's
// -capability, "collector" for the request tools), or "" for tools that do
// not contact a daemon by type (tokens.md §9.2–§9.8).
func DefaultType(tool string) string {
	switch tool {
	case ToolTokenFetch, ToolTokenList:
		return "schedd"
	case ToolTokenRequest, ToolTokenRequestApprove, ToolTokenRequestList, ToolTokenRequestAutoApprove:
		return "collector"
	}
	return ""
}

// Exit is returned by the parsers when argument parsing ends the program.
// Stdout and Stderr hold the exact bytes the original tool writes to each
// stream (either may be empty) and Code is its exit status. The caller
// writes Stdout, then Stderr, and exits with Code.
type Exit struct {
	// Code is the process exit status.
	Code int
	// Stdout is written to standard output.
	Stdout string
	// Stderr is written to standard error.
	Stderr string
}

// Error returns the first line written (stderr first) and the exit status.
// It is for logs; the user-visible bytes are Stdout and Stderr.
func (e *Exit) Error() string {
	text := e.Stderr
	if text == "" {
		text = e.Stdout
	}
	if i := strings.IndexByte(text, '\n'); i >= 0 {
		text = text[:i]
	}
	if text == "" {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return fmt.Sprintf("%s (exit status %d)", text, e.Code)
}

// Common holds the daemon-targeting options shared by the token tools.
type Common struct {
	// Pool is the -pool collector, "" when not given.
	Pool string
	// Name is the -name daemon name, "" when not given.
	Name string
	// Type is the canonical lower-case daemon type given with -type
	// (matched case-insensitively, tokens.md §9.1); "" means the tool's
	// default (see DefaultType).
	Type string
	// Debug reports -debug (or a prefix of it, optionally with :FLAGS).
	Debug bool
	// DebugFlags is the text after the colon of -debug:FLAGS, "" for the
	// default flags. The last -debug wins.
	DebugFlags string
}

// Parse dispatches to the parser of tool (one of Names) and returns its
// typed result: *FetchArgs, *CreateArgs, *TokenListArgs, *RequestArgs,
// *ApproveArgs, *RequestListArgs, *AutoApproveArgs or *StoreCredArgs. args
// excludes argv[0]. A terminating condition is returned as *Exit; an
// unknown tool name gives an ordinary error.
func Parse(tool, argv0 string, args []string) (any, error) {
	switch tool {
	case ToolTokenFetch:
		return result(ParseFetch(argv0, args))
	case ToolTokenCreate:
		return result(ParseCreate(argv0, args))
	case ToolTokenList:
		return result(ParseTokenList(argv0, args))
	case ToolTokenRequest:
		return result(ParseRequest(argv0, args))
	case ToolTokenRequestApprove:
		return result(ParseApprove(argv0, args))
	case ToolTokenRequestList:
		return result(ParseRequestList(argv0, args))
	case ToolTokenRequestAutoApprove:
		return result(ParseAutoApprove(argv0, args))
	case ToolStoreCred:
		return result(ParseStoreCred(argv0, args))
	}
	return nil, fmt.Errorf("legacy: unknown tool %q (want one of %s)", tool, strings.Join(Names(), ", "))
}

// result converts a typed parser result to Parse's, so that an error never
// comes with a non-nil interface holding a nil pointer.
func result[T any](v *T, err error) (any, error) {
	if err != nil {
		return nil, err
	}
	return v, nil
}

// basename is condor_basename on Unix: everything after the last '/', so a
// trailing slash gives "" (unlike path.Base).
func basename(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}
