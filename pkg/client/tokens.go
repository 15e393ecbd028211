package client

import (
	"context"
	"errors"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// Command numbers of the calls (condor_commands.h, tokens.md §1.1,
// credentials.md §5).
const (
	CmdGetSessionToken         = 60046 // DC_GET_SESSION_TOKEN
	CmdStartTokenRequest       = 60047 // DC_START_TOKEN_REQUEST
	CmdFinishTokenRequest      = 60048 // DC_FINISH_TOKEN_REQUEST
	CmdListTokenRequest        = 60049 // DC_LIST_TOKEN_REQUEST
	CmdApproveTokenRequest     = 60050 // DC_APPROVE_TOKEN_REQUEST
	CmdAutoApproveTokenRequest = 60051 // DC_AUTO_APPROVE_TOKEN_REQUEST
	CmdStoreCred               = 479   // STORE_CRED
	CmdStorePoolCred           = 497   // STORE_POOL_CRED
)

// Default daemon types (tokens.md §9; credentials.md §4.2).
const (
	defaultTokenType     = locate.TypeSchedd    // condor_token_fetch
	defaultRequestType   = locate.TypeCollector // request, list, approve, auto-approve
	defaultStoreCredType = locate.TypeCredd     // condor_store_cred
	defaultPingType      = locate.TypeSchedd    // condor_ping
)

// Attribute names of the request and reply ads (tokens.md §0.1).
const (
	attrErrorString        = "ErrorString"
	attrErrorCode          = "ErrorCode"
	attrLimitAuthorization = "LimitAuthorization"
	attrTokenLifetime      = "TokenLifetime"
	attrRequestedKey       = "RequestedKey"
	attrToken              = "Token"
	attrUser               = "User"
	attrClientID           = "ClientId"
	attrRequestID          = "RequestId"
	attrOwner              = "Owner"
	attrSubnet             = "Subnet"
	attrLifetime           = "Lifetime"
)

// Entries the C++ client pushes when a command fails to start or to send
// (daemon.cpp; spelling as there).
const (
	startFailTokenRequest        = "failed to start command for token request with remote daemon at '%s'."
	startFailListTokenRequests   = "Failed to start command for listing token requests with remote daemon at '%s'."
	startFailApproveTokenRequest = "command for approving token requests with remote daemon at '%s'." // (sic)
	sendFailClassAd              = "Failed to send ClassAd to remote daemon at '%s'"
)

// GetSessionToken asks the daemon for a token for the identity it
// authenticated us as (DC_GET_SESSION_TOKEN, tokens.md §3.1). The request
// ad carries LimitAuthorization (authz joined with ",") only when authz is
// non-empty, TokenLifetime only when lifetime > 0 and RequestedKey only
// when key is set. Default target: the schedd.
func (c *Client) GetSessionToken(ctx context.Context, t Target, authz []string, lifetime int64, key string) (string, error) {
	req := classad.NewAd()
	if s := strings.Join(authz, ","); s != "" {
		if err := req.SetString(attrLimitAuthorization, s); err != nil {
			return "", condorerr.New("DAEMON", 1, "Failed to create token request ClassAd").WithCause(err)
		}
	}
	if lifetime > 0 {
		_ = req.SetInt(attrTokenLifetime, lifetime)
	}
	if key != "" {
		if err := req.SetString(attrRequestedKey, key); err != nil {
			return "", condorerr.New("DAEMON", 1, "Failed to create token request ClassAd").WithCause(err)
		}
	}
	tx := replyTexts{send: sendFailClassAd,
		recv: "Failed to recieve response from remote daemon at at '%s'\n", // (sic)
		eom:  "Failed to read end-of-message from remote daemon at '%s'"}
	var tok string
	err := c.call(ctx, t, defaultTokenType, "getSessionToken", startSpec{cmd: CmdGetSessionToken},
		func(ctx context.Context, cn *conn) error {
			reply, err := exchangeAd(ctx, cn, req, tx)
			if err != nil {
				return err
			}
			if e, ok := errorStringReply(reply); ok {
				return e
			}
			v, ok := adString(reply, attrToken)
			if !ok {
				return condorerr.New("DAEMON", 1, "BUG!  Daemon::getSessionToken() received a malformed ad containing no resulting token and no error message, from remote daemon at '%s'\n", cn.addr)
			}
			tok = v
			return nil
		})
	return tok, err
}

// StartReply is the answer to a new token request: the token when the
// daemon issued it at once (an auto-approval rule matched), else the
// request id to poll with FinishTokenRequest.
type StartReply struct {
	RequestID, Token string
}

// StartTokenRequest queues a request for a token for identity
// (DC_START_TOKEN_REQUEST, tokens.md §3.2). identity is sent as User: as
// given if it holds '@', else with "@$(UID_DOMAIN)" appended, and
// "condor@$(UID_DOMAIN)" when empty. The ad carries LimitAuthorization only
// for a non-empty authz and TokenLifetime only when lifetime > 0; clientID
// is required. Default target: the collector.
func (c *Client) StartTokenRequest(ctx context.Context, t Target, identity string, authz []string, lifetime int64, clientID string) (StartReply, error) {
	req := classad.NewAd()
	if s := strings.Join(authz, ","); s != "" {
		if err := req.SetString(attrLimitAuthorization, s); err != nil {
			return StartReply{}, condorerr.New("DAEMON", 1, "Failed to create token request ClassAd").WithCause(err)
		}
	}
	if lifetime > 0 {
		_ = req.SetInt(attrTokenLifetime, lifetime)
	}
	user := identity
	if !strings.Contains(identity, "@") {
		dom, ok := c.cfg.Get("UID_DOMAIN")
		if !ok {
			return StartReply{}, condorerr.New("DAEMON", 1, "No UID_DOMAIN set!")
		}
		if identity == "" {
			user = "condor@" + dom
		} else {
			user = identity + "@" + dom
		}
	}
	if err := req.SetString(attrUser, user); err != nil {
		return StartReply{}, condorerr.New("DAEMON", 1, "Unable to set requested identity.").WithCause(err)
	}
	if clientID == "" || req.SetString(attrClientID, clientID) != nil {
		return StartReply{}, condorerr.New("DAEMON", 1, "Unable to set client ID.")
	}
	tx := replyTexts{send: sendFailClassAd,
		recv: "Failed to recieve response from remote daemon at at '%s'", // (sic)
		eom:  "Failed to read end-of-message from remote daemon at '%s'"}
	var out StartReply
	err := c.call(ctx, t, defaultRequestType, "startTokenRequest",
		startSpec{cmd: CmdStartTokenRequest, startFail: startFailTokenRequest},
		func(ctx context.Context, cn *conn) error {
			// The C++ client turns encryption on here (set_crypto_mode);
			// with an AES session key both directions already are
			// encrypted (pitfall 5), and without one the daemon refuses to
			// queue the request unless an auto-approval rule matches.
			reply, err := exchangeAd(ctx, cn, req, tx)
			if err != nil {
				return err
			}
			if e, ok := errorStringReply(reply); ok {
				return e
			}
			if tok, _ := adString(reply, attrToken); tok != "" {
				out.Token = tok
				out.RequestID, _ = adString(reply, attrRequestID)
				return nil
			}
			if id, _ := adString(reply, attrRequestID); id != "" {
				out.RequestID = id
				return nil
			}
			return condorerr.New("DAEMON", 1, "BUG!  Daemon::startTokenRequest() received a malformed ad, containing no resulting token and no error message, from remote daemon at '%s'", cn.addr)
		})
	if err != nil {
		return StartReply{}, err
	}
	return out, nil
}

// FinishTokenRequest polls a queued request (DC_FINISH_TOKEN_REQUEST,
// tokens.md §3.3): the token once approved, "" while it is pending.
// Default target: the collector.
func (c *Client) FinishTokenRequest(ctx context.Context, t Target, requestID, clientID string) (string, error) {
	if clientID == "" {
		return "", condorerr.New("DAEMON", 1, "Unable to set client ID.")
	}
	if requestID == "" {
		return "", condorerr.New("DAEMON", 1, "Unable to set request ID.")
	}
	req, err := newAd(attrClientID, clientID, attrRequestID, requestID)
	if err != nil {
		return "", condorerr.New("DAEMON", 1, "Unable to set request ID.").WithCause(err)
	}
	tx := replyTexts{send: sendFailClassAd,
		recv: "Failed to recieve response from remote daemon at '%s'", // (sic)
		eom:  "Failed to read end-of-message from remote daemon at '%s'\n"}
	var tok string
	err = c.call(ctx, t, defaultRequestType, "finishTokenRequest",
		startSpec{cmd: CmdFinishTokenRequest, startFail: startFailTokenRequest},
		func(ctx context.Context, cn *conn) error {
			reply, err := exchangeAd(ctx, cn, req, tx)
			if err != nil {
				return err
			}
			if e, ok := errorStringReply(reply); ok {
				return e
			}
			// An empty Token (without an error) means "still pending".
			v, ok := adString(reply, attrToken)
			if !ok {
				return condorerr.New("DAEMON", 1, "BUG!  Daemon::finishTokenRequest() received a malformed ad containing no resulting token and no error message, from remote daemon at '%s'", cn.addr)
			}
			tok = v
			return nil
		})
	return tok, err
}

// ListTokenRequests lists the pending requests the daemon shows us
// (DC_LIST_TOKEN_REQUEST, tokens.md §3.4): all of them for an
// administrator, else those for our own identity; requestID, if set,
// filters by id (compared as a string by the daemon). The reply is one ad
// per request, ended by an ad with the integer Owner = 0, whose non-zero
// ErrorCode with an ErrorString is the daemon's error. The ads come back
// in the daemon's order. Default target: the collector.
func (c *Client) ListTokenRequests(ctx context.Context, t Target, requestID string) ([]*classad.Ad, error) {
	req := classad.NewAd()
	if requestID != "" {
		if err := req.SetString(attrRequestID, requestID); err != nil {
			return nil, condorerr.New("DAEMON", 1, "Unable to set request ID.").WithCause(err)
		}
	}
	const recvFail = "Failed to receive response ClassAd from remote daemon at '%s'"
	var out []*classad.Ad
	err := c.call(ctx, t, defaultRequestType, "listTokenRequest",
		startSpec{cmd: CmdListTokenRequest, startFail: startFailListTokenRequests},
		func(ctx context.Context, cn *conn) error {
			if err := sendAd(ctx, cn, req, replyTexts{send: sendFailClassAd}); err != nil {
				return err
			}
			for {
				ad, err := getAd(cn.s)
				if err == nil {
					err = cn.s.EndOfMessage()
				}
				if err != nil {
					return condorerr.New("DAEMON", 2, recvFail, cn.addr).WithCause(ctxCause(ctx, err))
				}
				// Owner = 0 ends the list, as in the condor_q protocol.
				if owner, ok := adInt(ad, attrOwner); ok && owner == 0 {
					code, okc := adInt(ad, attrErrorCode)
					msg, oks := adString(ad, attrErrorString)
					if okc && code != 0 && oks {
						return condorerr.New("DAEMON", int(int32(code)), "%s", msg)
					}
					return nil
				}
				if len(out) >= MaxListedRequests {
					return condorerr.New("DAEMON", 2, recvFail, cn.addr).WithCause(
						errors.New("the daemon sent more request ads than any daemon stores"))
				}
				out = append(out, ad)
			}
		})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// ApproveTokenRequest approves a pending request (DC_APPROVE_TOKEN_REQUEST,
// tokens.md §3.5); clientID is the request's ClientId as listed. Default
// target: the collector.
func (c *Client) ApproveTokenRequest(ctx context.Context, t Target, requestID, clientID string) error {
	if requestID == "" {
		return condorerr.New("DAEMON", 1, "No request ID provided.")
	}
	if clientID == "" {
		return condorerr.New("DAEMON", 1, "No client ID provided.")
	}
	req, err := newAd(attrRequestID, requestID, attrClientID, clientID)
	if err != nil {
		return condorerr.New("DAEMON", 1, "Unable to set request ID.").WithCause(err)
	}
	tx := replyTexts{send: sendFailClassAd,
		recv: "Failed to recieve response from remote daemon at '%s'\n", // (sic)
		eom:  "Failed to read end-of-message from remote daemon at '%s'"}
	return c.call(ctx, t, defaultRequestType, "approveTokenRequest",
		startSpec{cmd: CmdApproveTokenRequest, startFail: startFailApproveTokenRequest},
		func(ctx context.Context, cn *conn) error {
			reply, err := exchangeAd(ctx, cn, req, tx)
			if err != nil {
				return err
			}
			return errorCodeReply(reply, cn.addr)
		})
}

// AutoApproveTokenRequests installs an auto-approval rule for netblock
// with lifetime seconds (DC_AUTO_APPROVE_TOKEN_REQUEST, tokens.md §3.6),
// after the C++ client's own checks: a netblock is required and must parse
// (condor_netaddr syntax), the lifetime must be positive. Default target:
// the collector.
func (c *Client) AutoApproveTokenRequests(ctx context.Context, t Target, netblock string, lifetime int64) error {
	if netblock == "" {
		return condorerr.New("DAEMON", 1, "No netblock provided.")
	}
	if !validNetblock(netblock) {
		return condorerr.New("DAEMON", 2, "Auto-approval rule netblock invalid.")
	}
	if lifetime <= 0 {
		return condorerr.New("DAEMON", 2, "Auto-approval rule lifetimes must be greater than zero.")
	}
	req, err := newAd(attrSubnet, netblock, attrLifetime, lifetime)
	if err != nil {
		return condorerr.New("DAEMON", 1, "Unable to set netblock.").WithCause(err)
	}
	tx := replyTexts{send: sendFailClassAd,
		recv: "Failed to recieve response from remote daemon at at '%s'\n", // (sic)
		eom:  "Failed to read end-of-message from remote daemon at '%s'\n"}
	return c.call(ctx, t, defaultRequestType, "autoApproveTokenRequest",
		startSpec{cmd: CmdAutoApproveTokenRequest},
		func(ctx context.Context, cn *conn) error {
			reply, err := exchangeAd(ctx, cn, req, tx)
			if err != nil {
				return err
			}
			return errorCodeReply(reply, cn.addr)
		})
}
