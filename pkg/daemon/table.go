package daemon

import (
	"context"
	"fmt"
	"net"
	"slices"
	"sync"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Handler runs one command after the security handshake. The stream is
// positioned at the command's payload (encrypted when req.Encrypted; for
// a raw command the payload continues the message that carried the
// command int). ctx ends at the handler deadline or at a forced shutdown.
// The returned error is logged; the connection is closed afterwards
// either way.
type Handler func(ctx context.Context, req *Request) error

// Request is what a handler gets.
type Request struct {
	// Stream is the connection.
	Stream *cedar.Stream
	// Command is the command number and Info its registration.
	Command int
	Info    security.CommandInfo
	// Identity is the client, unauthenticated@unmapped when it did not
	// authenticate; Identity.Policy carries the token attributes
	// (LimitAuthorization, AuthTokenSubject, …).
	Identity auth.Identity
	// Authenticated is set when an authentication method established
	// Identity; Method names it as HTCondor does ("FS", "IDTOKENS", …).
	Authenticated bool
	Method        string
	// Peer is the client's address.
	Peer net.Addr
	// SessionID is the security session ("" for raw commands).
	SessionID string
	// Resumed, Raw and Encrypted describe the connection.
	Resumed, Raw, Encrypted bool
	// ClientVersion is the client's RemoteVersion.
	ClientVersion string
}

// Command is one entry of the command table (DaemonCore
// Register_Command).
type Command struct {
	// Num is the command number.
	Num int
	// Name describes the command in logs, e.g. "DC_GET_SESSION_TOKEN".
	Name string
	// Perm is the permission level (READ, WRITE, DAEMON, ADMINISTRATOR,
	// ALLOW, …); AltPerms are alternate levels tried when Perm is denied.
	Perm     string
	AltPerms []string
	// ForceAuthentication requires a mapped identity (cedar.md §4.10).
	ForceAuthentication bool
	// Handler runs the command.
	Handler Handler
}

// Table is the command table. It implements security.CommandTable and is
// safe for concurrent use.
type Table struct {
	mu    sync.RWMutex
	order []int
	cmds  map[int]Command
}

// NewTable returns an empty table.
func NewTable() *Table { return &Table{cmds: map[int]Command{}} }

// Register adds a command. The permission names are checked and
// canonicalised; a number may be registered once, and DC_AUTHENTICATE
// and DC_SEC_QUERY are answered by the handshake itself.
func (t *Table) Register(c Command) error {
	if c.Num == security.DCAuthenticate || c.Num == security.DCSecQuery {
		return fmt.Errorf("daemon: command %d is handled by the security layer and cannot be registered", c.Num)
	}
	if c.Handler == nil {
		return fmt.Errorf("daemon: command %d (%s) has no handler", c.Num, c.Name)
	}
	p, ok := security.CanonicalPerm(c.Perm)
	if !ok {
		return fmt.Errorf("daemon: command %d (%s): unknown permission level %q", c.Num, c.Name, c.Perm)
	}
	c.Perm = p
	alts := make([]string, 0, len(c.AltPerms))
	for _, a := range c.AltPerms {
		ap, ok := security.CanonicalPerm(a)
		if !ok {
			return fmt.Errorf("daemon: command %d (%s): unknown alternate permission level %q", c.Num, c.Name, a)
		}
		alts = append(alts, ap)
	}
	c.AltPerms = alts
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, dup := t.cmds[c.Num]; dup {
		return fmt.Errorf("daemon: command %d registered twice", c.Num)
	}
	t.cmds[c.Num] = c
	t.order = append(t.order, c.Num)
	return nil
}

// Get returns a registered command.
func (t *Table) Get(num int) (Command, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	c, ok := t.cmds[num]
	return c, ok
}

// Lookup implements security.CommandTable.
func (t *Table) Lookup(num int) (security.CommandInfo, bool) {
	c, ok := t.Get(num)
	if !ok {
		return security.CommandInfo{}, false
	}
	return security.CommandInfo{Name: c.Name, Perm: c.Perm, AltPerms: slices.Clone(c.AltPerms), ForceAuthentication: c.ForceAuthentication}, true
}

// ValidCommands implements security.CommandTable like
// DaemonCore::GetCommandsInAuthLevel: for perm and every level it implies,
// in that order, the commands registered at that level or with it as an
// alternate, in registration order, leaving out force_authentication
// commands unless mapped.
func (t *Table) ValidCommands(perm string, mapped bool) []int {
	t.mu.RLock()
	defer t.mu.RUnlock()
	var out []int
	for _, p := range security.ImpliedPerms(perm) {
		for _, num := range t.order {
			c := t.cmds[num]
			if (c.Perm == p || slices.Contains(c.AltPerms, p)) && (!c.ForceAuthentication || mapped) {
				out = append(out, num)
			}
		}
	}
	return out
}
