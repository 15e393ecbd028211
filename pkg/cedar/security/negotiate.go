package security

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// maxMethodRounds bounds the server's negotiation loop: every round needs
// a failed method, and there are fewer than 16 method bits.
const maxMethodRounds = 16

// mask ORs the negotiation bits of methods.
func mask(methods []auth.Client) int64 {
	var m int64
	for _, x := range methods {
		m |= int64(x.Bit())
	}
	return m
}

// negotiateClient is the client side of the method negotiation
// (Authentication::handshake and authenticate_continue, cedar.md §4.6):
// send the bitmask of the methods still to try, read the server's choice,
// run that method; on a clean failure drop it and repeat. The list always
// ends with the exchange of a 0 choice, even after an empty bitmask, as in
// C++. It returns the method that succeeded, or nil and the chain of
// failures (AUTHENTICATE:1003 on top of one AUTHENTICATE:1004 per failed
// method); fatal is set when the connection cannot be used any more.
func negotiateClient(ctx context.Context, s *cedar.Stream, methods []auth.Client, peer *auth.Peer) (used auth.Client, failures *condorerr.Error, fatal error) {
	remaining := slices.Clone(methods)
	for round := 0; ; round++ {
		m := mask(remaining)
		peer.Note("sending the method bitmask %d (%s) to the server", m, methodNames(remaining))
		if err := s.PutInt(m); err != nil {
			return nil, nil, commErr("Failed to send the authentication method bitmask.", err)
		}
		if err := s.EndOfMessage(); err != nil {
			return nil, nil, commErr("Failed to send the authentication method bitmask.", err)
		}
		chosen, err := s.GetInt()
		if err == nil {
			err = s.EndOfMessage()
		}
		if err != nil {
			// C++ presumes a hang-up here means no common method.
			peer.Note("the server hung up instead of choosing a method: %v", err)
			return nil, failures.Wrap("AUTHENTICATE", codeOutOfMethods, "Failed to authenticate with any method"), err
		}
		if chosen == 0 {
			peer.Note("the server chose no method: out of methods")
			return nil, failures.Wrap("AUTHENTICATE", codeOutOfMethods, "Failed to authenticate with any method"), nil
		}
		i := slices.IndexFunc(remaining, func(x auth.Client) bool { return int64(x.Bit()) == chosen })
		if i < 0 {
			e := protoErr(codeMethodFailed, "server chose authentication method %d, which we did not offer", chosen)
			return nil, nil, e
		}
		method := remaining[i]
		peer.Note("the server chose %s (bit %d); running it", method.Name(), chosen)
		err = method.Authenticate(ctx, s, peer)
		if err == nil {
			return method, nil, nil
		}
		if !errors.Is(err, auth.ErrFailed) || s.Err() != nil {
			peer.Note("%s failed and broke the connection: %v", method.Name(), err)
			e := chainErr("AUTHENTICATE", codeMethodFailed, ErrAuthenticationFailed, err,
				"Failed to authenticate using %s", auth.UsedName(method.Name()))
			return nil, nil, e
		}
		peer.Note("%s failed: %v; trying the remaining methods", method.Name(), err)
		if ce, ok := condorerr.As(err); ok {
			failures = pushChain(failures, ce)
		}
		failures = failures.Wrap("AUTHENTICATE", codeMethodFailed, "Failed to authenticate using %s", auth.UsedName(method.Name()))
		remaining = slices.Delete(remaining, i, i+1)
		if round > maxMethodRounds {
			return nil, failures, protoErr(codeMethodFailed, "too many authentication rounds")
		}
	}
}

// methodNames lists the names of methods for notes.
func methodNames[T interface{ Name() string }](ms []T) string {
	if len(ms) == 0 {
		return "none"
	}
	s := ""
	for i, m := range ms {
		if i > 0 {
			s += ","
		}
		s += m.Name()
	}
	return s
}

// negotiateServer is the server side (handshake_continue,
// selectAuthenticationType): read the client's bitmask, pick the first
// method of order (the reconciled AuthMethodsList, in the server's
// preference) whose bit is set and that we implement, send the choice
// (0 = none), run it; on a clean failure wait for the next bitmask. ok is
// false when the exchange ended without success; err is set when the
// connection cannot be used any more.
//
// When no method succeeds, failed joins why each tried method failed (nil
// when none was tried), so the daemon can log the cause as C++ logs its
// error stack.
func negotiateServer(ctx context.Context, s *cedar.Stream, order []string, methods []auth.Server, peer *auth.Peer) (id auth.Identity, used auth.Server, failed, err error) {
	var failures []error
	for round := 0; round < maxMethodRounds; round++ {
		clientMask, err := s.GetInt()
		if err == nil {
			err = s.EndOfMessage()
		}
		if err != nil {
			return auth.Identity{}, nil, nil, fmt.Errorf("reading the client's method bitmask: %w", err)
		}
		var pick auth.Server
		for _, name := range order {
			bit, ok := auth.Bit(name)
			if !ok || clientMask&int64(bit) == 0 {
				continue
			}
			if i := slices.IndexFunc(methods, func(m auth.Server) bool { return m.Bit() == bit }); i >= 0 {
				pick = methods[i]
				break
			}
		}
		var choice int64
		if pick != nil {
			choice = int64(pick.Bit())
		}
		peer.Note("client offered method bitmask %d; choosing %d", clientMask, choice)
		if err := s.PutInt(choice); err != nil {
			return auth.Identity{}, nil, nil, err
		}
		if err := s.EndOfMessage(); err != nil {
			return auth.Identity{}, nil, nil, err
		}
		if pick == nil {
			return auth.Identity{}, nil, errors.Join(failures...), nil
		}
		id, err := pick.Authenticate(ctx, s, peer)
		if err == nil {
			if id.Method == "" {
				id.Method = pick.Name()
			}
			return id, pick, nil, nil
		}
		if !errors.Is(err, auth.ErrFailed) || s.Err() != nil {
			return auth.Identity{}, nil, nil, fmt.Errorf("%s authentication: %w", pick.Name(), err)
		}
		peer.Note("%s authentication failed: %v", pick.Name(), err)
		failures = append(failures, fmt.Errorf("%s: %w", auth.UsedName(pick.Name()), err))
	}
	return auth.Identity{}, nil, nil, fmt.Errorf("%w: more than %d authentication rounds", ErrProtocol, maxMethodRounds)
}
