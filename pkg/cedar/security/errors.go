package security

import (
	"errors"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// Sentinel errors. Client errors are condorerr chains with HTCondor's text
// and codes whose cause wraps one of these, so both errors.Is(err,
// ErrDenied) and err.Error() == `SECMAN:2010:Received "DENIED" …` hold.
var (
	// ErrPolicy: our own security policy is invalid (SECMAN:2002).
	ErrPolicy = errors.New("invalid security policy")
	// ErrCommandRejected: the server closed the connection right after
	// message 1, which C++ attributes to an unknown command; irreconcilable
	// policies end the same way (SECMAN:2011).
	ErrCommandRejected = errors.New("connection closed during command authorization")
	// ErrAuthenticationFailed: no method succeeded although authentication
	// was required (AUTHENTICATE:1003).
	ErrAuthenticationFailed = errors.New("authentication failed")
	// ErrDenied: the server authenticated us but refused the command
	// (SECMAN:2010).
	ErrDenied = errors.New("authorization denied by the server")
	// ErrSessionNotFound: the server does not know the session we tried to
	// resume (SECMAN:2004); a new connection with a new session can work.
	ErrSessionNotFound = errors.New("server rejected our session id")
	// ErrProtocol: the peer broke the handshake protocol (bad or missing
	// attribute, unexpected value).
	ErrProtocol = errors.New("security handshake protocol error")
	// ErrNoKey: encryption or integrity was agreed but no session key could
	// be established (SECMAN:2006).
	ErrNoKey = errors.New("no session key")
	// ErrRejected: the server side refused the connection and closed it
	// without a reply, as C++ does (unknown command, irreconcilable
	// policies, unsupported client).
	ErrRejected = errors.New("connection rejected")
	// ErrNotAuthorized: the server side sent ReturnCode "DENIED" (or closed
	// a resumed or raw connection) because the authorization callback
	// refused the command.
	ErrNotAuthorized = errors.New("command not authorized")
)

// HTCondor error codes (condor_error_codes.h).
const (
	codeOutOfMethods        = 1003 // AUTHENTICATE_ERR_OUT_OF_METHODS
	codeMethodFailed        = 1004 // AUTHENTICATE_ERR_METHOD_FAILED
	codeKeyExchangeFailed   = 1005 // AUTHENTICATE_ERR_KEYEXCHANGE_FAILED
	codeInvalidPolicy       = 2002 // SECMAN_ERR_INVALID_POLICY
	codeConnectFailed       = 2003 // SECMAN_ERR_CONNECT_FAILED
	codeNoSession           = 2004 // SECMAN_ERR_NO_SESSION
	codeAttributeMissing    = 2005 // SECMAN_ERR_ATTRIBUTE_MISSING
	codeNoKey               = 2006 // SECMAN_ERR_NO_KEY
	codeCommunications      = 2007 // SECMAN_ERR_COMMUNICATIONS_ERROR
	codeAuthorizationFailed = 2010 // SECMAN_ERR_AUTHORIZATION_FAILED
	codeCommandNotFound     = 2011 // SECMAN_ERR_COMMAND_NOT_REGISTERED
)

// secmanErr builds a one-entry SECMAN chain whose cause wraps sentinel and
// the detail.
func secmanErr(code int, sentinel, detail error, format string, args ...any) *condorerr.Error {
	return chainErr("SECMAN", code, sentinel, detail, format, args...)
}

// chainErr builds a one-entry chain of subsystem subsys.
func chainErr(subsys string, code int, sentinel, detail error, format string, args ...any) *condorerr.Error {
	e := condorerr.New(subsys, code, format, args...)
	switch {
	case detail != nil && sentinel != nil:
		e.WithCause(fmt.Errorf("%w: %w", sentinel, detail))
	case sentinel != nil:
		e.WithCause(sentinel)
	case detail != nil:
		e.WithCause(detail)
	}
	return e
}

// commErr reports an I/O or framing failure during the handshake.
func commErr(what string, err error) *condorerr.Error {
	return secmanErr(codeCommunications, ErrProtocol, err, "%s", what)
}

// protoErr reports a peer that broke the protocol.
func protoErr(code int, format string, args ...any) *condorerr.Error {
	msg := fmt.Sprintf(format, args...)
	return secmanErr(code, ErrProtocol, errors.New(msg), "%s", msg)
}

// pushChain puts the entries of top in front of base, oldest first, so that
// base's entries come last in the text (CondorError::push of each entry).
func pushChain(base, top *condorerr.Error) *condorerr.Error {
	if top == nil {
		return base
	}
	var entries []*condorerr.Error
	for e := top; e != nil; e = e.Next {
		entries = append(entries, e)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		base = base.Wrap(e.Subsys, e.Code, "%s", e.Msg)
	}
	return base
}
