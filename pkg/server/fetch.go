package server

import (
	"context"
	"slices"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/tokenreq"
)

// Reply texts of DC_GET_SESSION_TOKEN (tokens.md §3.1, §10).
const (
	msgFetchDisabled   = "Token fetch disabled."
	msgAuthzNotAllowed = "Session doesn't allow requested authorization levels."
	msgKeyRefused      = "Server will not sign with requested key."
	msgSessionExpired  = "Cannot create new session as original one expired."
	msgNotAuthenticted = "Server did not successfully authenticate session."
	msgNoKey           = "Server does not have access to configured key."
	codeDisabled       = 44
)

// handleGetSessionToken is DC_GET_SESSION_TOKEN (60046, condor_token_fetch;
// tokens.md §3.1): it issues a token for the session's own mapped
// identity, checking in HTCondor's order the requested authorizations
// against the session's bounds, the lifetime against
// SEC_ISSUED_TOKEN_EXPIRATION and the expiry of the token the session
// authenticated with, and the requested key against
// SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS.
func (g *generation) handleGetSessionToken(_ context.Context, req *daemon.Request) error {
	ad, err := readAd(req.Stream)
	if err != nil {
		return err
	}
	st := g.st
	if !st.enableFetch {
		return g.replyError(req, codeDisabled, msgFetchDisabled)
	}
	ps := sessionOf(req)
	now := g.srv.now()

	// 1. Authorizations: a bounded session narrows the request, or lends
	// its own bounds when the request names none.
	var authzList []string
	if v, ok := adString(ad, attrLimitAuthorization); ok {
		authzList = tokenreq.SplitAuthz(v)
	}
	if ps.bounded {
		if len(authzList) > 0 {
			bound := ps.boundingSet()
			authzList = slices.DeleteFunc(authzList, func(a string) bool { return !bound[a] })
			if len(authzList) == 0 {
				return g.replyError(req, 4, msgAuthzNotAllowed)
			}
		} else {
			authzList = slices.Clone(ps.limit)
		}
	}

	// 2. Lifetime: only a requested one is capped; none means no exp.
	lifetime := int64(-1)
	if v, ok := adInt(ad, attrTokenLifetime); ok {
		lifetime = v
		if ceiling := st.issuedExpiration; ceiling > 0 && (lifetime > ceiling || lifetime < 0) {
			lifetime = ceiling
		}
	}

	// 3. Key: the default key if this daemon has it; a requested key if
	// the configuration allows it, even when its file is missing (the
	// signing step then reports that).
	finalKey := ""
	if slices.Contains(st.keys.IssuerKeys(), st.issuerKey) {
		finalKey = st.issuerKey
	}
	if rk, ok := adString(ad, attrRequestedKey); ok {
		if !slices.ContainsFunc(st.allowedKeys, func(p string) bool { return credstore.MatchWildcard(p, rk) }) {
			return g.replyError(req, 3, msgKeyRefused)
		}
		finalKey = rk
	}

	// 4. A session made with an expiring token cannot outlive it.
	if !ps.expiry.IsZero() {
		remaining := ps.expiry.Unix() - now.Unix()
		if remaining < 0 {
			return g.replyError(req, 3, msgSessionExpired)
		}
		if lifetime > remaining || lifetime < 0 {
			lifetime = remaining
		}
	}

	// 5-7. A mapped identity, a key, and the signature.
	if !ps.mapped {
		return g.replyError(req, 2, msgNotAuthenticted)
	}
	if finalKey == "" {
		return g.replyError(req, 1, msgNoKey)
	}
	tok, err := st.keys.Create(idtoken.MintOptions{Issuer: st.trustDomain, Subject: ps.identity, KeyID: finalKey,
		Authz: authzList, Lifetime: lifetime, Now: now, Rand: g.srv.rand})
	if err != nil {
		code, msg := chainReply(err)
		g.srv.logf("token fetch for %s with key %s failed: %v", ps.identity, finalKey, detail(err))
		return g.replyError(req, code, msg)
	}
	reply := classad.NewAd()
	_ = reply.SetString(attrToken, tok)
	g.srv.outcome(req, "issued token sub=%q kid=%s authz=%v lifetime=%d", ps.identity, finalKey, authzList, lifetime)
	return writeAd(req.Stream, reply)
}

// replyError sends {ErrorString, ErrorCode} and records it for the log.
func (g *generation) replyError(req *daemon.Request, code int, msg string) error {
	g.srv.outcome(req, "ErrorCode=%d ErrorString=%q", code, msg)
	return writeAd(req.Stream, errorAd(code, msg))
}

// chainReply turns a CondorError into the reply fields the real daemon
// sends: its full text and its head's code (tokens.md §3.1 step 7).
func chainReply(err error) (int, string) {
	if ce, ok := condorerr.As(err); ok {
		code := ce.Code
		if code == 0 {
			code = 1
		}
		return code, ce.Error()
	}
	return 1, err.Error()
}

// detail returns the most precise description of err for the daemon's
// own log (never sent to a client).
func detail(err error) string {
	if ce, ok := condorerr.As(err); ok {
		return ce.Detail()
	}
	return err.Error()
}
