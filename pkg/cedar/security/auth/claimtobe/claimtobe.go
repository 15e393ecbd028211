// Package claimtobe implements HTCondor's CLAIMTOBE authentication method
// (cedar.md §5.7; condor_auth_claim.cpp): the client simply states a name
// and the server believes it. It proves nothing; HTCondor limits such a
// session to the command's permission level and the levels it implies
// (the handshake does that, pkg/cedar/security).
//
// Wire form (plaintext, before crypto):
//
//	C→S  int 1 · string "user@domain" · EOM     (int 0 · EOM when the client has no name)
//	S→C  int 1 · EOM
package claimtobe

import (
	"context"
	"fmt"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// Name is the canonical method name.
const Name = "CLAIMTOBE"

// maxNameLen bounds the claimed name a server accepts.
const maxNameLen = 1024

// Client is the client side. Build it with NewClient.
type Client struct {
	user, domain  string
	includeDomain bool
}

// ClientOptions configure a client.
type ClientOptions struct {
	// User is the name to claim: SEC_CLAIMTOBE_USER, else the process
	// owner (DefaultUser).
	User string
	// Domain is UID_DOMAIN, appended as "@domain" when IncludeDomain.
	Domain string
	// IncludeDomain is SEC_CLAIMTOBE_INCLUDE_DOMAIN (HTCondor's default:
	// true).
	IncludeDomain bool
}

// NewClient returns a CLAIMTOBE client.
func NewClient(o ClientOptions) *Client {
	return &Client{user: o.User, domain: o.Domain, includeDomain: o.IncludeDomain}
}

// DefaultUser returns the login name of the process owner, the name C++
// claims when SEC_CLAIMTOBE_USER is unset ("" if it cannot be found).
func DefaultUser() string {
	u, err := osuser.Current()
	if err != nil {
		return ""
	}
	return u.Name
}

// Name returns "CLAIMTOBE".
func (c *Client) Name() string { return Name }

// Bit returns the negotiation bit (2).
func (c *Client) Bit() int { return auth.BitClaimToBe }

// claim is the name sent, or "" when there is none to send.
func (c *Client) claim() string {
	if c.user == "" {
		return ""
	}
	if !c.includeDomain {
		return c.user
	}
	if c.domain == "" {
		return ""
	}
	return c.user + "@" + c.domain
}

// Usable reports whether a name can be claimed.
func (c *Client) Usable(*auth.Peer) (bool, string) {
	switch {
	case c.user == "":
		return false, "no user name to claim (SEC_CLAIMTOBE_USER unset and the process owner is unknown)"
	case c.includeDomain && c.domain == "":
		return false, "no UID_DOMAIN to append to the claimed name"
	}
	return true, ""
}

// Authenticate runs the client side. Without a name to claim it sends the
// int 0 that makes both sides fail cleanly, and returns auth.ErrFailed.
func (c *Client) Authenticate(_ context.Context, s *cedar.Stream, peer *auth.Peer) error {
	name := c.claim()
	if name == "" {
		if err := s.PutInt(0); err != nil {
			return err
		}
		if err := s.EndOfMessage(); err != nil {
			return err
		}
		return fmt.Errorf("%w: CLAIMTOBE: no name to claim", auth.ErrFailed)
	}
	peer.Note("CLAIMTOBE: claiming to be %q", name)
	if err := s.PutInt(1); err != nil {
		return err
	}
	if err := s.PutString(name); err != nil {
		return err
	}
	if err := s.EndOfMessage(); err != nil {
		return err
	}
	ok, err := s.GetInt()
	if err != nil {
		return err
	}
	if err := s.EndOfMessage(); err != nil {
		return err
	}
	if ok == 0 {
		return fmt.Errorf("%w: CLAIMTOBE: the server refused the claim", auth.ErrFailed)
	}
	return nil
}

// Server is the server side.
type Server struct {
	uidDomain     string
	includeDomain bool
}

// ServerOptions configure a server.
type ServerOptions struct {
	// UIDDomain is the domain given to a claim without '@'.
	UIDDomain string
	// IncludeDomain is SEC_CLAIMTOBE_INCLUDE_DOMAIN (default true): split
	// the claim at its last '@'. When false the whole claim is the user
	// name and the identity has no domain.
	IncludeDomain bool
}

// NewServer returns a CLAIMTOBE server.
func NewServer(o ServerOptions) *Server {
	return &Server{uidDomain: o.UIDDomain, includeDomain: o.IncludeDomain}
}

// Name returns "CLAIMTOBE".
func (s *Server) Name() string { return Name }

// Bit returns the negotiation bit (2).
func (s *Server) Bit() int { return auth.BitClaimToBe }

// Authenticate reads the claim and returns it as the identity: user and
// domain split at the last '@', the domain lower-cased (setRemoteDomain),
// UID_DOMAIN when the claim has none.
func (s *Server) Authenticate(_ context.Context, st *cedar.Stream, peer *auth.Peer) (auth.Identity, error) {
	flag, err := st.GetInt()
	if err != nil {
		return auth.Identity{}, err
	}
	if flag != 1 {
		// The client had no name: the message ends here and both fail.
		if err := st.EndOfMessage(); err != nil {
			return auth.Identity{}, err
		}
		return auth.Identity{}, fmt.Errorf("%w: CLAIMTOBE: the client sent no name (flag %d)", auth.ErrFailed, flag)
	}
	name, _, err := st.GetString()
	if err != nil {
		return auth.Identity{}, err
	}
	if err := st.EndOfMessage(); err != nil {
		return auth.Identity{}, err
	}
	id := auth.Identity{User: name, Method: Name, AuthenticatedName: name}
	if s.includeDomain {
		user, domain := name, ""
		if i := strings.LastIndexByte(name, '@'); i >= 0 {
			user, domain = name[:i], name[i+1:]
		}
		if domain == "" {
			domain = s.uidDomain
		}
		id.User, id.Domain = user, strings.ToLower(domain)
		id.AuthenticatedName = user + "@" + domain
	}
	// An empty user part ("" or "@domain") names nobody: refuse it like an
	// over-long or control-character claim.
	if id.User == "" || len(name) > maxNameLen || strings.ContainsAny(name, "\x00\n") {
		// The exchange is complete on the client's side; answer 0 so it
		// fails in step with us.
		if err := st.PutInt(0); err != nil {
			return auth.Identity{}, err
		}
		if err := st.EndOfMessage(); err != nil {
			return auth.Identity{}, err
		}
		return auth.Identity{}, fmt.Errorf("%w: CLAIMTOBE: claimed name of %d bytes with an empty or invalid user part refused", auth.ErrFailed, len(name))
	}
	peer.Note("CLAIMTOBE: the client claims to be %q", id.FQU())
	if err := st.PutInt(1); err != nil {
		return auth.Identity{}, err
	}
	if err := st.EndOfMessage(); err != nil {
		return auth.Identity{}, err
	}
	return id, nil
}
