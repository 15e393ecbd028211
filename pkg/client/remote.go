package client

import (
	"context"
	"errors"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// CmdImpersonationToken is IMPERSONATION_TOKEN_REQUEST, the command of
// condor_token_fetch -remote (tokens.md §1, §3.7).
const CmdImpersonationToken = 81

// attrName is the schedd name in the -remote request ad.
const attrName = "Name"

// DefaultScheddName returns the name of the local default schedd, which
// condor_token_fetch -remote names when -name is not given (DCSchedd::name()
// locates the local schedd; tokens.md §3.7). ok is false when the schedd
// cannot be located.
func (c *Client) DefaultScheddName(ctx context.Context) (name string, ok bool) {
	loc, err := c.locator.LocateForTool(ctx, locate.TypeSchedd, "", "")
	if err != nil || loc.Name == "" {
		c.debugf("Unable to locate the local schedd: %v", err)
		return "", false
	}
	return loc.Name, true
}

// RemoteToken asks the collector of t.Pool (IMPERSONATION_TOKEN_REQUEST) to
// have the schedd named schedd sign a token for the caller's identity at
// the collector (tokens.md §3.7). authz bounds the token; lifetime is sent
// when it is >= 0 (−1: the schedd's default). Errors are CondorError chains
// whose head code is the exit status of the original tool
// (DCCollector::requestScheddToken): DCCollector:2 when the collector cannot
// be reached, DAEMON:1 when the command cannot start, DAEMON:<ErrorCode>
// for the collector's (or relayed schedd's) refusal.
func (c *Client) RemoteToken(ctx context.Context, t Target, schedd string, authz []string, lifetime int64) (string, error) {
	req := classad.NewAd()
	if s := strings.Join(authz, ","); s != "" {
		if err := req.SetString(attrLimitAuthorization, s); err != nil {
			return "", condorerr.New("DCCollector", 1, "Failed to insert authorization bound.").WithCause(err)
		}
	}
	if lifetime >= 0 {
		_ = req.SetInt(attrTokenLifetime, lifetime)
	}
	if err := req.SetString(attrName, schedd); err != nil {
		return "", condorerr.New("DCCollector", 1, "Failed to insert schedd name.").WithCause(err)
	}

	ctx, cancel := callContext(ctx, t)
	defer cancel()
	collector := t
	collector.Type, collector.Name = "", ""
	loc, err := c.locateTarget(ctx, collector, locate.TypeCollector)
	if err != nil {
		// DCCollector has no address: its connect fails on "".
		return "", condorerr.New("DCCollector", 2, "Failed to connect to remote daemon at '%s'", "").WithCause(err)
	}
	c.debugf("DCCollector::requestScheddToken() making connection to '%s'", loc.Addr)
	cn, err := c.open(ctx, loc, startSpec{cmd: CmdImpersonationToken,
		startFail: "failed to start command for token request with remote collector at '%s'."})
	if err != nil {
		var ce *connectError
		if errors.As(err, &ce) {
			return "", condorerr.New("DCCollector", 2, "Failed to connect to remote daemon at '%s'", loc.Addr).WithCause(ctxCause(ctx, ce.err))
		}
		return "", err
	}
	defer cn.close()
	reply, err := exchangeAd(ctx, cn, req, replyTexts{
		send: "Failed to send request to remote collector at '%s'",
		recv: "Failed to recieve response from remote collector at '%s'", // (sic)
		eom:  "Failed to recieve response from remote collector at '%s'",
	})
	if err != nil {
		return "", err
	}
	if e, ok := errorStringReply(reply); ok {
		return "", e
	}
	tok, _ := adString(reply, attrToken)
	if tok == "" {
		return "", condorerr.New("DAEMON", 1, "BUG! DCCollector::requestScheddToken() received a malformed ad, containing no resulting token and no error message, from remote collector at '%s'", cn.addr)
	}
	return tok, nil
}
