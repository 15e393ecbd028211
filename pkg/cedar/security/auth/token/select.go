package token

import (
	"fmt"
	"slices"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// choice is the token a client authenticates with.
type choice struct {
	// hp is "header.payload", the only part of the token that travels.
	hp string
	// sig is the decoded signature: the AKEP2 shared secret.
	sig []byte
	// name is A: the token's "sub" (or "jti" when it has no "sub").
	name string
	// kid, iss describe the token for messages.
	kid, iss string
	// source says where the token came from, for messages and notes.
	source string
	// exp is the token's "exp" when hasExp.
	exp    int64
	hasExp bool
}

// describe renders the token for error messages: never the signature.
func (c *choice) describe() string {
	return fmt.Sprintf("%s (kid %q, iss %q, sub %q)", c.source, c.kid, c.iss, c.name)
}

// choose selects the token as HTCondor's fetchLogin does (cedar.md §5.2,
// tokens.md §7): the API tokens, then the token directory, each filtered
// by the server's TrustDomain and IssuerKeys; failing that, a 60-second
// token minted with a local signing key the server also has. Every skipped
// candidate is noted on peer. It returns nil and the reason when nothing
// is usable.
func (c *Client) choose(peer *auth.Peer) (*choice, string) {
	td, keys := peer.TrustDomain, peer.IssuerKeys
	peer.Note("TOKEN: looking for a token for trust domain %q and signing keys [%s]", td, strings.Join(keys, ", "))

	for i, raw := range c.cfg.Tokens {
		where := fmt.Sprintf("token #%d given directly", i+1)
		tok, reason := idtoken.CheckToken(strings.TrimSpace(raw), td, keys)
		if reason == "" {
			ch, why := fromToken(tok, where)
			if ch != nil {
				return c.chosen(peer, ch), ""
			}
			reason = why
		}
		peer.Note("TOKEN: skipped %s: %s", where, reason)
	}

	dir := c.cfg.Dirs.Dir()
	if c.cfg.NoDirectory {
		peer.Note("TOKEN: not searching a token directory")
	} else {
		dirs := c.cfg.Dirs
		if dirs.Now.IsZero() {
			dirs.Now = c.now()
		}
		best, considered := idtoken.FindTokens(dirs, c.cfg.Subsys, c.cfg.Uid, td, keys)
		for i := range considered {
			cand := &considered[i]
			where := candidateName(cand)
			if cand == best {
				ch, why := fromToken(cand.Token, where)
				if ch == nil {
					peer.Note("TOKEN: skipped %s: %s", where, why)
					continue
				}
				if cand.Expired {
					peer.Note("TOKEN: %s expired at %s; it is the only match, so it is tried (the server will refuse it)",
						where, fmtUnix(cand.Token.Claims.Exp))
				}
				return c.chosen(peer, ch), ""
			}
			if cand.Reason != "" {
				peer.Note("TOKEN: skipped %s: %s", where, cand.Reason)
			}
		}
	}

	ch, mintWhy := c.mint(peer)
	if ch != nil {
		return ch, ""
	}
	reason := fmt.Sprintf("no token for trust domain %q with one of the signing keys [%s]", td, strings.Join(keys, ", "))
	if !c.cfg.NoDirectory && dir != "" {
		reason += " in " + dir
	}
	if mintWhy != "" {
		reason += "; " + mintWhy
	}
	peer.Note("TOKEN: %s", reason)
	return nil, reason
}

// chosen notes the selected token.
func (c *Client) chosen(peer *auth.Peer, ch *choice) *choice {
	peer.Note("TOKEN: using %s", ch.describe())
	return ch
}

// fromToken turns a token that passed idtoken.CheckToken into a choice.
// It additionally refuses what cannot work at all: no signature (nothing to
// prove) and an empty name (HTCondor would send it and fail).
func fromToken(tok *idtoken.Token, where string) (*choice, string) {
	if tok == nil {
		return nil, "undecodable"
	}
	if len(tok.Signature) == 0 {
		return nil, "the token has no signature"
	}
	name := tok.Claims.Sub
	if !tok.Claims.HasSub {
		name = tok.Claims.Jti
	}
	switch {
	case name == "":
		return nil, `the token's "sub" is empty, so it names nobody`
	case len(name) > maxNameLen:
		return nil, fmt.Sprintf(`the token's "sub" is %d bytes, more than the %d HTCondor accepts`, len(name), maxNameLen)
	case strings.IndexByte(name, 0) >= 0 || strings.IndexByte(tok.SigningInput, 0) >= 0:
		return nil, "the token contains a NUL byte"
	}
	return &choice{
		hp:     tok.SigningInput,
		sig:    tok.Signature,
		name:   name,
		kid:    tok.Kid,
		iss:    tok.Claims.Iss,
		source: where,
		exp:    tok.Claims.Exp,
		hasExp: tok.Claims.HasExp,
	}, ""
}

func candidateName(c *idtoken.Candidate) string {
	switch {
	case c.Path == "":
		return "token directory"
	case c.Line > 0:
		return fmt.Sprintf("token in %s line %d", c.Path, c.Line)
	}
	return c.Path
}

// mint is the last resort of fetchLogin (cedar.md §5.2): when the client's
// own TRUST_DOMAIN (cut at the first comma, space or tab) equals the
// server's and the client can read a signing key the server lists in
// IssuerKeys (the first in sorted order), it signs a 60-second token for
// condor@password. It returns the reason when it cannot.
func (c *Client) mint(peer *auth.Peer) (*choice, string) {
	if c.cfg.Keys == nil {
		return nil, "no local signing keys are configured, so no token can be minted"
	}
	own := c.cfg.TrustDomain
	if i := strings.IndexAny(own, ", \t"); i >= 0 {
		own = own[:i]
	}
	switch {
	case own == "":
		return nil, "TRUST_DOMAIN is not set here, so no token can be minted"
	case own != peer.TrustDomain:
		return nil, fmt.Sprintf("no token can be minted: TRUST_DOMAIN here is %q, the server's is %q", own, peer.TrustDomain)
	case len(peer.IssuerKeys) == 0:
		return nil, "no token can be minted: the server lists no signing keys"
	}
	local := c.cfg.Keys.IssuerKeys()
	server := slices.Clone(peer.IssuerKeys)
	slices.Sort(server) // the C++ keeps the server's keys in a std::set
	match := ""
	for _, k := range server {
		if slices.Contains(local, k) {
			match = k
			break
		}
	}
	if match == "" {
		return nil, fmt.Sprintf("no token can be minted: none of the server's signing keys [%s] is readable here (local keys: [%s])",
			strings.Join(server, ", "), strings.Join(local, ", "))
	}
	raw, err := c.cfg.Keys.Create(idtoken.MintOptions{
		Issuer:   own,
		Subject:  MintedSubject,
		KeyID:    match,
		Lifetime: MintedLifetime,
		Now:      c.now(),
	})
	if err != nil {
		return nil, fmt.Sprintf("minting a token with signing key %q failed: %v", match, err)
	}
	tok, err := idtoken.Parse(raw)
	if err != nil {
		return nil, fmt.Sprintf("the minted token does not decode: %v", err)
	}
	ch, why := fromToken(tok, fmt.Sprintf("%d-second token minted with local signing key %q", MintedLifetime, match))
	if ch == nil {
		return nil, "the minted token is unusable: " + why
	}
	peer.Note("TOKEN: no token found; using a %s", ch.describe())
	return ch, ""
}
