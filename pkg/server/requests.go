package server

import (
	"context"
	"errors"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/tokenreq"
)

// Reply texts of the token-request commands the handlers produce
// themselves; the store produces the others (tokens.md §2, §3.8).
const (
	msgRequestDisabled  = "Token request disabled."
	msgSciTokenDisabled = "SciToken exchange disabled."
	msgNoSciToken       = "SciToken not provided by the client"
	msgNoSciTokens      = "Server not built with SciTokens support"
	msgInternal         = "Internal state error."
)

// storeError sends the reply of a failed store operation: the
// tokenreq.Error's code and text, verbatim.
func (g *generation) storeError(req *daemon.Request, err error) error {
	if e, ok := tokenreq.AsError(err); ok {
		if errors.Unwrap(e) != nil {
			g.srv.logf("%s from %s: %v", req.Info.Name, req.Peer, err)
		}
		return g.replyError(req, e.Code, e.Message)
	}
	g.srv.logf("%s from %s: %v", req.Info.Name, req.Peer, err)
	return g.replyError(req, 6, msgInternal)
}

// signerFor returns the signer for a command arriving now.
func (g *generation) signerFor() signer {
	return signer{st: g.st, now: g.srv.now(), rand: g.srv.rand}
}

// handleStartTokenRequest is DC_START_TOKEN_REQUEST (60047, tokens.md
// §3.2): the request is queued (or auto-approved at once) and its id
// returned.
func (g *generation) handleStartTokenRequest(_ context.Context, req *daemon.Request) error {
	ad, err := g.requestAd(req)
	if ad == nil {
		return err
	}
	sr := tokenreq.StartRequest{Lifetime: -1}
	sr.RequestedIdentity, _ = adString(ad, attrUser)
	sr.ClientID, _ = adString(ad, attrClientID)
	if v, ok := adString(ad, attrLimitAuthorization); ok {
		sr.Authz = tokenreq.SplitAuthz(v)
	}
	if v, ok := adInt(ad, attrTokenLifetime); ok {
		sr.Lifetime = v
	}
	ps := sessionOf(req)
	sg := g.signerFor()
	res, err := g.srv.requests.Start(sg.now, g.caller(req, ps), sr, sg)
	if err != nil {
		return g.storeError(req, err)
	}
	reply := classad.NewAd()
	_ = reply.SetString(attrRequestID, res.RequestID)
	if res.Token != "" {
		_ = reply.SetString(attrToken, res.Token)
		// HTCondor's log line for an auto-approval (tokens.md §8.3).
		g.srv.outcome(req, "Token request %s approved via auto-approval rule %s.", res.RequestID, res.Rule)
	} else {
		g.srv.outcome(req, "request %s queued for %q by %q", res.RequestID, sr.RequestedIdentity, ps.identity)
	}
	return writeAd(req.Stream, reply)
}

// handleFinishTokenRequest is DC_FINISH_TOKEN_REQUEST (60048, tokens.md
// §3.3): the requester's poll; Token = "" while pending.
func (g *generation) handleFinishTokenRequest(_ context.Context, req *daemon.Request) error {
	ad, err := g.requestAd(req)
	if ad == nil {
		return err
	}
	reqID, _ := adString(ad, attrRequestID)
	clientID, _ := adString(ad, attrClientID)
	tok, err := g.srv.requests.Finish(g.srv.now(), g.caller(req, sessionOf(req)), reqID, clientID)
	if err != nil {
		return g.storeError(req, err)
	}
	if tok == "" {
		g.srv.outcome(req, "request %s pending", reqID)
	} else {
		g.srv.outcome(req, "request %s collected", reqID)
	}
	reply := classad.NewAd()
	_ = reply.SetString(attrToken, tok)
	return writeAd(req.Stream, reply)
}

// listTerminator is the ad that ends a DC_LIST_TOKEN_REQUEST reply:
// Owner = 0 and ErrorCode, plus ErrorString on failure (tokens.md §3.4).
func listTerminator(code int, msg string) *classad.Ad {
	ad := classad.NewAd()
	_ = ad.SetInt(attrOwner, 0)
	_ = ad.SetInt(attrErrorCode, int64(code))
	if code != 0 {
		_ = ad.SetString(attrErrorString, cleanString(msg))
	}
	return ad
}

// handleListTokenRequest is DC_LIST_TOKEN_REQUEST (60049, tokens.md §3.4):
// one ad per pending request the caller may see, each its own message,
// then the terminator.
//
// With SEC_ENABLE_TOKEN_REQUEST = false HTCondor sends the error in an ad
// without Owner = 0, which its own client misreads (tokens.md §2, §11
// item 9); condor-auth sends it in a proper terminator instead.
func (g *generation) handleListTokenRequest(_ context.Context, req *daemon.Request) error {
	ad, err := readAd(req.Stream)
	if err != nil {
		return err
	}
	if !g.st.enableRequest {
		g.srv.outcome(req, "ErrorCode=%d ErrorString=%q", codeDisabled, msgRequestDisabled)
		return writeAd(req.Stream, listTerminator(codeDisabled, msgRequestDisabled))
	}
	filter, _ := adString(ad, attrRequestID)
	reqs, err := g.srv.requests.List(g.srv.now(), g.caller(req, sessionOf(req)), filter)
	if err != nil {
		e, ok := tokenreq.AsError(err)
		if !ok {
			e = &tokenreq.Error{Code: 6, Message: msgInternal}
			g.srv.logf("DC_LIST_TOKEN_REQUEST from %s: %v", req.Peer, err)
		}
		g.srv.outcome(req, "ErrorCode=%d ErrorString=%q", e.Code, e.Message)
		return writeAd(req.Stream, listTerminator(e.Code, e.Message))
	}
	for _, r := range reqs {
		a := classad.NewAd()
		for _, at := range r.AdAttrs() {
			switch v := at.Value.(type) {
			case string:
				_ = a.SetString(at.Name, cleanString(v))
			case int64:
				_ = a.SetInt(at.Name, v)
			}
		}
		if err := writeAd(req.Stream, a); err != nil {
			return err
		}
	}
	g.srv.outcome(req, "listed %d requests", len(reqs))
	return writeAd(req.Stream, listTerminator(0, ""))
}

// handleApproveTokenRequest is DC_APPROVE_TOKEN_REQUEST (60050, tokens.md
// §3.5, §8.2).
func (g *generation) handleApproveTokenRequest(_ context.Context, req *daemon.Request) error {
	ad, err := g.requestAd(req)
	if ad == nil {
		return err
	}
	reqID, _ := adString(ad, attrRequestID)
	clientID, _ := adString(ad, attrClientID)
	sg := g.signerFor()
	ps := sessionOf(req)
	if err := g.srv.requests.Approve(sg.now, g.caller(req, ps), reqID, clientID, sg); err != nil {
		return g.storeError(req, err)
	}
	g.srv.outcome(req, "request %s approved by %q", reqID, ps.identity)
	reply := classad.NewAd()
	_ = reply.SetInt(attrErrorCode, 0)
	return writeAd(req.Stream, reply)
}

// handleAutoApproveTokenRequest is DC_AUTO_APPROVE_TOKEN_REQUEST (60051,
// tokens.md §3.6, §8.3): a rule for a netblock; matching pending requests
// are approved at once.
func (g *generation) handleAutoApproveTokenRequest(_ context.Context, req *daemon.Request) error {
	ad, err := g.requestAd(req)
	if ad == nil {
		return err
	}
	netblock, _ := adString(ad, attrSubnet)
	lifetime, _ := adInt(ad, attrLifetime)
	sg := g.signerFor()
	ps := sessionOf(req)
	approved, err := g.srv.requests.AutoApprove(sg.now, g.caller(req, ps), netblock, lifetime, sg)
	for _, r := range approved {
		g.srv.logf("Token request %s approved via auto-approval rule [netblock = %s].", r.ID, netblock)
	}
	if err != nil {
		return g.storeError(req, err)
	}
	g.srv.outcome(req, "auto-approval rule for %q (%d s) installed by %q, %d requests approved", netblock, lifetime, ps.identity, len(approved))
	reply := classad.NewAd()
	_ = reply.SetInt(attrErrorCode, 0)
	return writeAd(req.Stream, reply)
}

// handleExchangeSciToken is DC_EXCHANGE_SCITOKEN (60052, tokens.md §3.8)
// for a daemon built without SciTokens support.
func (g *generation) handleExchangeSciToken(_ context.Context, req *daemon.Request) error {
	ad, err := readAd(req.Stream)
	if err != nil {
		return err
	}
	switch tok, _ := adString(ad, attrToken); {
	case !g.st.enableSciToken:
		return g.replyError(req, codeDisabled, msgSciTokenDisabled)
	case tok == "":
		return g.replyError(req, 1, msgNoSciToken)
	}
	return g.replyError(req, 2, msgNoSciTokens)
}

// requestAd reads the request ad of a token-request command. When
// SEC_ENABLE_TOKEN_REQUEST is false it answers the refusal instead
// (tokens.md §2) and returns a nil ad with the reply's error.
func (g *generation) requestAd(req *daemon.Request) (*classad.Ad, error) {
	ad, err := readAd(req.Stream)
	if err != nil {
		return nil, err
	}
	if !g.st.enableRequest {
		return nil, g.replyError(req, codeDisabled, msgRequestDisabled)
	}
	return ad, nil
}
