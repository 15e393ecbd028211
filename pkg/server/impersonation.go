package server

import (
	"context"
	"fmt"
	"slices"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/tokenreq"
)

// condor_token_fetch -remote (tokens.md §3.7). In HTCondor the tool asks the
// collector (IMPERSONATION_TOKEN_REQUEST), which forwards the request over a
// capability session to the named schedd (COLLECTOR_TOKEN_REQUEST); the
// schedd signs a token for the requester's identity. serve plays both roles,
// so the forwarding hop happens in process: the collector's checks, then
// the schedd's, with the schedd's errors relayed the way the collector
// relays them ("SCHEDD:<code>:<text>" as the ErrorString).
const (
	msgMissingRequester = "Missing requester identity."
	msgNotEncrypted     = "Request to server was not encrypted."
	msgNoScheddTarget   = "No schedd target specified."
	msgScheddUnknownFmt = "Schedd %s is not known to the collector."
	msgLimitsEliminated = "All requested authorizations were eliminated by the SEC_IMPERSONATION_TOKEN_LIMITS setting"
	attrName            = "Name"
)

func (g *generation) handleImpersonationToken(_ context.Context, req *daemon.Request) error {
	ad, err := readAd(req.Stream)
	if err != nil {
		return err
	}
	st := g.st
	ps := sessionOf(req)

	// The collector's checks, in its order: a later failure overwrites an
	// earlier one (collector.cpp schedd_token_request).
	code, msg := 0, ""
	if ps.identity == "" {
		code, msg = 1, msgMissingRequester
	}
	var authzList []string
	if v, ok := adString(ad, attrLimitAuthorization); ok {
		authzList = tokenreq.SplitAuthz(v)
	}
	lifetime := int64(-1)
	if v, ok := adInt(ad, attrTokenLifetime); ok {
		lifetime = v
	}
	if !req.Encrypted {
		code, msg = 3, msgNotEncrypted
	}
	name, ok := adString(ad, attrName)
	if !ok {
		code, msg = 4, msgNoScheddTarget
	}
	// The collector knows a schedd for this purpose only when the schedd
	// published a Capability, which it does only with
	// SEC_ENABLE_IMPERSONATION_TOKENS (schedd.cpp).
	if code == 0 && (name != st.scheddName || !st.enableImpersonation) {
		code, msg = 5, fmt.Sprintf(msgScheddUnknownFmt, name)
	}
	if code != 0 {
		return g.replyError(req, code, msg)
	}
	if !ps.mapped {
		// Forced authentication makes this unreachable in practice; an
		// unmapped peer gets no token in any case.
		return g.replyError(req, 1, msgMissingRequester)
	}

	// Stricter than HTCondor, whose collector forwards the requested list
	// unchecked: a session that is itself bounded (an IDTOKEN with scopes)
	// cannot obtain more than its bounds, as with DC_GET_SESSION_TOKEN.
	if ps.bounded {
		bound := ps.boundingSet()
		if len(authzList) > 0 {
			authzList = slices.DeleteFunc(authzList, func(a string) bool { return !bound[a] })
			if len(authzList) == 0 {
				return g.replyError(req, 4, msgAuthzNotAllowed)
			}
		} else {
			authzList = slices.Clone(ps.limit)
		}
	}

	// The schedd's part (schedd.cpp handle_collector_token_request).
	authzList, code, msg = boundImpersonation(authzList, st.impersonationLimits)
	if code != 0 {
		return g.replyError(req, code, scheddError(code, msg))
	}
	if ceiling := st.issuedExpiration; ceiling > 0 && (lifetime > ceiling || lifetime < 0) {
		lifetime = ceiling
	}
	if !ps.expiry.IsZero() {
		remaining := ps.expiry.Unix() - g.srv.now().Unix()
		if remaining < 0 {
			return g.replyError(req, 3, msgSessionExpired)
		}
		if lifetime > remaining || lifetime < 0 {
			lifetime = remaining
		}
	}
	sg := signer{st: st, now: g.srv.now(), rand: g.srv.rand}
	if err := sg.CheckKey(); err != nil {
		c, m := chainReply(err)
		return g.replyError(req, c, scheddError(c, m))
	}
	tok, err := sg.Sign(ps.identity, authzList, lifetime)
	if err != nil {
		c, m := chainReply(err)
		g.srv.logf("remote token fetch for %s failed: %v", ps.identity, detail(err))
		return g.replyError(req, c, scheddError(c, m))
	}
	reply := classad.NewAd()
	_ = reply.SetString(attrToken, tok)
	g.srv.outcome(req, "issued impersonation token sub=%q schedd=%q authz=%v lifetime=%d", ps.identity, name, authzList, lifetime)
	return writeAd(req.Stream, reply)
}

// boundImpersonation applies SEC_IMPERSONATION_TOKEN_LIMITS to the
// requested authorizations: with limits, only listed ones survive (error 2
// if none does), and no request means the limits themselves.
func boundImpersonation(requested, limits []string) ([]string, int, string) {
	if len(limits) == 0 {
		return requested, 0, ""
	}
	if len(requested) == 0 {
		out := slices.Clone(limits)
		slices.Sort(out) // the schedd iterates a std::set
		return slices.Compact(out), 0, ""
	}
	out := slices.DeleteFunc(slices.Clone(requested), func(a string) bool { return !slices.Contains(limits, a) })
	if len(out) == 0 {
		return nil, 2, msgLimitsEliminated
	}
	return out, 0, ""
}

// scheddError is how the collector relays a schedd's error: the schedd's
// reply is pushed as "SCHEDD:<code>:<text>" and the full text becomes the
// ErrorString (dc_schedd.cpp ImpersonationTokenContinuation::finish).
func scheddError(code int, msg string) string {
	return fmt.Sprintf("SCHEDD:%d:%s", code, msg)
}
