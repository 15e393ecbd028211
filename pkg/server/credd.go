package server

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// errNoReply marks a request the credd answers by closing the connection,
// as HTCondor does (credentials.md §5.3, §5.4).
var errNoReply = errors.New("closed without a reply")

// decodeStoreCred reads one STORE_CRED message (credentials.md §5.1,
// §5.2): string user, string password, int mode, and, unless the mode
// has the legacy bit 0x40, int credlen, credlen raw bytes and the options
// ad. A message whose first three fields cannot be read is refused (no
// reply); one that breaks off later is marked Incomplete, which the store
// answers with FAILURE_PROTOCOL_MISMATCH. The rest of such a message is
// discarded so that the reply can still be sent.
func decodeStoreCred(s *cedar.Stream) (credstore.Request, error) {
	var r credstore.Request
	user, _, err := s.GetString()
	if err != nil {
		return r, fmt.Errorf("reading the STORE_CRED user: %w", err)
	}
	pw, _, err := s.GetString()
	if err != nil {
		return r, fmt.Errorf("reading the STORE_CRED password field: %w", err)
	}
	mode, err := s.GetInt32()
	if err != nil {
		return r, fmt.Errorf("reading the STORE_CRED mode: %w", err)
	}
	r.User, r.Password, r.Mode = user, pw, int(mode)
	incomplete := func() (credstore.Request, error) {
		r.Incomplete = true
		clear(r.Cred)
		r.Cred, r.Ad = nil, nil
		s.DiscardMessage()
		return r, nil
	}
	if r.Mode&credstore.FlagLegacy == 0 {
		if err := decodeModernTail(s, &r); err != nil {
			return incomplete()
		}
	}
	if err := s.EndOfMessage(); err != nil {
		// Trailing bytes (or a broken stream): a protocol mismatch.
		return incomplete()
	}
	return r, nil
}

// decodeModernTail reads credlen, the credential and the options ad.
func decodeModernTail(s *cedar.Stream, r *credstore.Request) error {
	n, err := s.GetInt()
	if err != nil {
		return err
	}
	if n < 0 || n > credstore.MaxCredLen || int(n) > s.Remaining() {
		return fmt.Errorf("credential length %d out of range", n)
	}
	if n > 0 {
		if r.Cred, err = s.GetBytes(int(n)); err != nil {
			return err
		}
	}
	lines, _, _, err := s.GetAdLines()
	if err != nil {
		return err
	}
	if len(lines) > maxRequestAdLines {
		return fmt.Errorf("options ad has %d attributes", len(lines))
	}
	ad, err := classad.ParseLines(lines)
	if err != nil {
		return err
	}
	r.Ad = adValues(ad)
	return nil
}

// adValues converts an ad to the plain values the credential store reads:
// strings, booleans, integers and reals; anything else is left out.
func adValues(ad *classad.Ad) map[string]any {
	m := make(map[string]any, ad.Len())
	for _, name := range ad.Names() {
		v, ok := ad.EvaluateAttr(name)
		if !ok {
			continue
		}
		if s, ok := v.StringVal(); ok {
			m[name] = s
		} else if b, ok := v.BoolVal(); ok {
			m[name] = b
		} else if i, ok := v.IntVal(); ok {
			m[name] = i
		} else if f, ok := v.RealVal(); ok {
			m[name] = f
		}
	}
	return m
}

// mapAd builds a reply ad from plain values.
func mapAd(m map[string]any) *classad.Ad {
	ad := classad.NewAd()
	for name, v := range m {
		switch x := v.(type) {
		case string:
			_ = ad.SetString(name, cleanString(x))
		case bool:
			_ = ad.SetBool(name, x)
		case int64:
			_ = ad.SetInt(name, x)
		case int:
			_ = ad.SetInt(name, int64(x))
		case float64:
			_ = ad.SetReal(name, x)
		}
	}
	return ad
}

// handleStoreCred is STORE_CRED (479, credentials.md §5.1-§5.6): the
// reply is int answer · ad (modern) or int answer (legacy), one message.
func (g *generation) handleStoreCred(ctx context.Context, req *daemon.Request) error {
	r, err := decodeStoreCred(req.Stream)
	if err != nil {
		return err
	}
	defer clear(r.Cred)
	ps := sessionOf(req)
	r.Caller = ps.identity
	r.Authenticated = req.Authenticated && ps.mapped
	r.Encrypted = req.Encrypted
	rep := g.cred.HandleContext(ctx, r)
	if rep.NoReply {
		g.srv.outcome(req, "mode=%d refused: connection not authenticated", r.Mode)
		return errNoReply
	}
	if err := req.Stream.PutInt(rep.Code); err != nil {
		return err
	}
	if !rep.Legacy {
		if err := req.Stream.PutAdLines(mapAd(rep.Ad).AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
			return err
		}
	}
	g.srv.outcome(req, "mode=%d user=%q answer=%d", r.Mode, r.User, rep.Code)
	return req.Stream.EndOfMessage()
}

// handleStorePoolCred is STORE_POOL_CRED (497, credentials.md §5.3):
// string domain · string password ("" deletes) → int result. When this
// host is the CREDD_HOST the pool password may only be set from this
// host; a NULL domain is refused without a reply. condor-auth also
// refuses a password that would travel unencrypted (FAILURE_NOT_SECURE).
func (g *generation) handleStorePoolCred(_ context.Context, req *daemon.Request) error {
	ps := sessionOf(req)
	if g.onCreddHost() && !ps.ip.Equal(g.srv.ip) {
		g.srv.logf("ERROR: attempt to set pool password remotely from %s", req.Peer)
		g.srv.outcome(req, "refused: remote pool password change on the CREDD_HOST")
		return errNoReply
	}
	s := req.Stream
	domain, null, err := s.GetString()
	if err != nil {
		return fmt.Errorf("reading the STORE_POOL_CRED domain: %w", err)
	}
	pw, _, err := s.GetString()
	if err != nil {
		return fmt.Errorf("reading the STORE_POOL_CRED password: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return fmt.Errorf("reading STORE_POOL_CRED: %w", err)
	}
	if null {
		g.srv.outcome(req, "refused: NULL domain")
		return errNoReply
	}
	var code int64
	if pw != "" && !req.Encrypted {
		code = credstore.FailureNotSecure
	} else {
		code = g.cred.HandlePool(domain, pw).Code
	}
	g.srv.outcome(req, "domain=%q delete=%v answer=%d", domain, pw == "", code)
	if err := s.PutInt(code); err != nil {
		return err
	}
	return s.EndOfMessage()
}

// onCreddHost reports whether CREDD_HOST names this host
// (store_pool_cred_handler).
func (g *generation) onCreddHost() bool {
	h := g.st.creddHost
	if h == "" {
		return false
	}
	return strings.EqualFold(h, g.st.fullHostname) || strings.EqualFold(h, g.st.hostname) || h == g.srv.ip.String()
}

// handleCreddGetToken is CREDD_GET_TOKEN (81004, credentials.md §5.7):
// request ad {Service, Handle?} → {Token} or {ErrorString}.
func (g *generation) handleCreddGetToken(_ context.Context, req *daemon.Request) error {
	ad, err := readAd(req.Stream)
	if err != nil {
		return err
	}
	ps := sessionOf(req)
	peer := ""
	if req.Peer != nil {
		peer = "<" + req.Peer.String() + ">"
	}
	reply := g.cred.GetToken(credstore.TokenRequest{Caller: ps.identity, Authenticated: req.Authenticated && ps.mapped,
		Encrypted: req.Encrypted, Peer: peer, Ad: adValues(ad)})
	if msg, failed := reply[credstore.AttrErrorString].(string); failed {
		g.srv.outcome(req, "ErrorString=%q", msg)
	} else {
		g.srv.outcome(req, "token read for %q", ps.identity)
	}
	return writeAd(req.Stream, mapAd(reply))
}
