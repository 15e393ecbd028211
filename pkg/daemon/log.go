package daemon

import (
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
)

// Results of a connection, as logged.
const (
	// ResultAuthorized: the command ran (or the handshake answered it).
	ResultAuthorized = "AUTHORIZED"
	// ResultDenied: authorization refused the command.
	ResultDenied = "DENIED"
	// ResultRejected: closed without a reply (unknown command,
	// irreconcilable policies, failed required authentication, unknown
	// session).
	ResultRejected = "REJECTED"
	// ResultError: the connection failed (I/O, timeout, protocol).
	ResultError = "ERROR"
	// ResultHandlerError: the command's handler returned an error.
	ResultHandlerError = "HANDLER_ERROR"
)

// LogEntry describes one connection. It holds no secrets: identities,
// method names and error texts only.
type LogEntry struct {
	// Time is when the connection was accepted; Duration how long it
	// lasted.
	Time     time.Time
	Duration time.Duration
	// Peer is the client's address.
	Peer net.Addr
	// Command and Name identify the command (0 when unknown).
	Command int
	Name    string
	// Identity is the client (unauthenticated@unmapped when it did not
	// authenticate) and Method the authentication method used.
	Identity string
	Method   string
	// Session is the security session id; Resumed and Raw say how the
	// command arrived.
	Session string
	Resumed bool
	Raw     bool
	// Result is one of the Result* constants; Reason is the authorization
	// decision's explanation and Err the failure, if any.
	Result string
	Reason string
	Err    error
}

// fill copies what the handshake learned.
func (e *LogEntry) fill(acc *security.Accepted) {
	if acc == nil {
		return
	}
	e.Command, e.Name = acc.Command, acc.Info.Name
	e.Identity = security.UnauthenticatedUser
	if acc.Authenticated {
		if f := acc.Identity.FQU(); f != "" {
			e.Identity = f
		}
	}
	e.Method, e.Session, e.Resumed, e.Raw, e.Reason = acc.Method, acc.SessionID, acc.Resumed, acc.Raw, acc.Reason
}

// String renders the entry as one line of key=value pairs.
func (e LogEntry) String() string {
	var b strings.Builder
	peer := "-"
	if e.Peer != nil {
		peer = e.Peer.String()
	}
	fmt.Fprintf(&b, "peer=%s cmd=%d", peer, e.Command)
	if e.Name != "" {
		fmt.Fprintf(&b, "(%s)", e.Name)
	}
	if e.Identity != "" {
		fmt.Fprintf(&b, " user=%q", e.Identity)
	}
	if e.Method != "" {
		fmt.Fprintf(&b, " method=%s", e.Method)
	}
	if e.Session != "" {
		fmt.Fprintf(&b, " session=%s", e.Session)
	}
	if e.Resumed {
		b.WriteString(" resumed")
	}
	if e.Raw {
		b.WriteString(" raw")
	}
	fmt.Fprintf(&b, " result=%s", e.Result)
	if e.Reason != "" {
		fmt.Fprintf(&b, " reason=%q", e.Reason)
	}
	if e.Err != nil {
		fmt.Fprintf(&b, " err=%q", e.Err.Error())
	}
	fmt.Fprintf(&b, " dur=%s", e.Duration.Round(time.Microsecond))
	return b.String()
}
