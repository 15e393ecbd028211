// Package anonymous implements HTCondor's ANONYMOUS authentication method
// (cedar.md §5.8; condor_auth_anonymous.cpp): the server declares the
// client to be CONDOR_ANONYMOUS_USER (no domain, so not a mapped
// identity) and tells it so with one int.
//
// Wire form (plaintext, before crypto):
//
//	S→C  int 1 · EOM
package anonymous

import (
	"context"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Name is the canonical method name.
const Name = "ANONYMOUS"

// Client is the client side; the zero value is ready to use.
type Client struct{}

// Name returns "ANONYMOUS".
func (Client) Name() string { return Name }

// Bit returns the negotiation bit (128).
func (Client) Bit() int { return auth.BitAnonymous }

// Usable is always true: there is nothing to prove.
func (Client) Usable(*auth.Peer) (bool, string) { return true, "" }

// Authenticate reads the server's int; any non-zero value is success, as
// in C++.
func (Client) Authenticate(_ context.Context, s *cedar.Stream, peer *auth.Peer) error {
	v, err := s.GetInt()
	if err != nil {
		return err
	}
	if err := s.EndOfMessage(); err != nil {
		return err
	}
	if v == 0 {
		return fmt.Errorf("%w: ANONYMOUS: the server answered 0", auth.ErrFailed)
	}
	peer.Note("ANONYMOUS: the server accepted us as %s", auth.AnonymousUser)
	return nil
}

// Server is the server side; the zero value is ready to use.
type Server struct{}

// Name returns "ANONYMOUS".
func (Server) Name() string { return Name }

// Bit returns the negotiation bit (128).
func (Server) Bit() int { return auth.BitAnonymous }

// Authenticate sends int 1 and returns the anonymous identity.
func (Server) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) (auth.Identity, error) {
	if err := s.PutInt(1); err != nil {
		return auth.Identity{}, err
	}
	if err := s.EndOfMessage(); err != nil {
		return auth.Identity{}, err
	}
	return auth.Identity{User: auth.AnonymousUser, Method: Name, AuthenticatedName: auth.AnonymousUser}, nil
}
