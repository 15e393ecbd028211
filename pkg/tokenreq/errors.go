package tokenreq

import (
	"errors"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// Error is a failure the daemon reports to the client in its reply ad:
// Code goes to ErrorCode (int) and Message to ErrorString (string), both
// verbatim (tokens.md §0, §3.2–§3.6). Messages never contain secrets; a
// detailed Go cause for the daemon's own log is reachable with errors.Unwrap
// and is never meant for the wire.
type Error struct {
	// Code is the ErrorCode of the reply ad.
	Code int
	// Message is the ErrorString of the reply ad.
	Message string
	cause   error
}

// Error returns the ErrorString, followed by the detailed cause if there is
// one (for logs).
func (e *Error) Error() string {
	if e.cause != nil {
		return e.Message + ": " + e.cause.Error()
	}
	return e.Message
}

// Unwrap returns the detailed cause, if any.
func (e *Error) Unwrap() error { return e.cause }

// AsError returns the *Error inside err, if any.
func AsError(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

func newErr(code int, msg string) *Error { return &Error{Code: code, Message: msg} }

// Codes and texts the real daemon sends (tokens.md §3.2–§3.6), plus the
// ones condor-auth adds for the limits HTCondor lacks or gets wrong
// (documented in doc.go).
const (
	msgNoClientID       = "No client ID provided."
	msgNoIdentity       = "No identity request."
	msgLimitsEliminated = "All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting"
	msgTooMany          = "Too many requests in the system."
	msgNoNewID          = "Unable to generate new request ID"
	msgNotEncrypted     = "Request to server was not encrypted."
	msgAnonymous        = "Request to server was made using ANONYMOUS or no authentication."
	msgInternal         = "Internal state error."
	msgRateLimit        = "Request rate limit hit."
	msgTooLong          = "Request attributes are too long."

	msgNoRequestID   = "No request ID provided."
	msgBadRequestID  = "Unable to convert request ID to integer."
	msgIDNotKnown    = "Request ID is not known."
	msgClientIDWrong = "Client ID is incorrect."
	msgFailed        = "Request failed."
	msgExpired       = "Request has expired."

	msgApproveNoRequestID = "Request ID not provided."
	msgApproveUnknown     = "Request unknown."
	msgApproveNoClientID  = "Client ID not provided."
	msgApproveState       = "Request in incorrect state."
	msgApprovePriv        = "Insufficient privilege to approve request."
	msgApproveScope       = "Insufficient privilege to approve request (scope restricted)."
	msgApproveLifetime    = "Insufficient privilege to approve request (lifetime)."

	// addApprovalRule pushes these on a CondorError and the handler sends
	// its full text, so the ErrorString carries the "DAEMON:<code>:" prefix
	// (htcondor/htcondor: src/condor_daemon_core.V6/daemon_core_main.cpp:295-311, 2565-2569).
	msgRuleLifetime = "DAEMON:-1:Auto-approval rule lifetimes must be greater than zero."
	msgRuleNetblock = "DAEMON:-2:Auto-approval rule netblock invalid."
	msgRulePriv     = "Insufficient privilege to create auto-approval rule."

	msgNotSaved = "Server could not save the token request state."
	msgClosed   = "Token request service is shut down."
)

// CodeNotSaved is the ErrorCode condor-auth sends when a change could not
// be written to the state file (the change is then not made); HTCondor has
// no state file and so no such code. The ErrorString is "Server could not
// save the token request state."; the cause (path, errno) is only in the
// Go error chain, for the daemon's log.
const CodeNotSaved = 45

// signerError converts a Signer failure into the reply fields the real
// daemon would send: a CondorError chain becomes its full text and its
// head's code (e.g. "TOKEN_UTILS:4:Server does not have a signing key
// configured.", 4; tokens.md §3.2 step 1); any other error its text with
// code 1.
func signerError(err error) *Error {
	if e, ok := AsError(err); ok {
		return e
	}
	if ce, ok := condorerr.As(err); ok {
		code := ce.Code
		if code == 0 {
			code = 1 // a zero code would read as success to APPROVE clients
		}
		return &Error{Code: code, Message: ce.Error(), cause: err}
	}
	return &Error{Code: 1, Message: err.Error(), cause: err}
}

func notSaved(path string, err error) *Error {
	return &Error{Code: CodeNotSaved, Message: msgNotSaved, cause: fmt.Errorf("token request state file %s: %w", path, err)}
}
