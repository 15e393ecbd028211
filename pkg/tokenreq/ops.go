package tokenreq

import (
	"crypto/subtle"
	"slices"
	"strings"
	"time"
)

// Start handles DC_START_TOKEN_REQUEST (tokens.md §3.2, §8.3). In order:
// the per-peer rate limit (5); attributes longer than condor-auth accepts
// (2, "Request attributes are too long."); the ad's checks — a missing ClientId or
// User (2) and SEC_TOKEN_REQUEST_LIMITS eliminating every requested
// authorization (3), the last failing check winning as in HTCondor; the
// request limit (3); a fresh 7-digit id (4); the signing key (its error);
// then an auto-approval rule that matches mints the token at once, without
// storing anything; otherwise the session must be encrypted (7) and
// authenticated (7) and the request is stored Pending.
//
// On error the result is empty. (HTCondor's error replies sometimes also
// carry the RequestId; clients ignore it when ErrorString is present.)
// Unlike HTCondor, a request refused because the signing key is missing or
// signing failed is not kept: the client was told it failed.
func (s *Store) Start(now time.Time, c Caller, req StartRequest, signer Signer) (StartResult, error) {
	if !s.rl.allow(c.Peer, now) {
		return StartResult{}, newErr(5, msgRateLimit)
	}
	if tooLong(req) {
		return StartResult{}, newErr(2, msgTooLong)
	}
	var res StartResult
	err := s.update(now, func(n *state, k knobs, sec int64) (bool, error) {
		var verr *Error
		if req.ClientID == "" {
			verr = newErr(2, msgNoClientID)
		}
		if req.RequestedIdentity == "" {
			verr = newErr(2, msgNoIdentity)
		}
		authz, lerr := k.bound(SplitAuthz(req.Authz...))
		if lerr != nil {
			verr = lerr
		}
		if verr != nil {
			return false, verr
		}
		if len(n.reqs) >= k.maxPending {
			return false, newErr(3, msgTooMany)
		}
		id, ierr := s.newID(n)
		if ierr != nil {
			return false, ierr
		}
		rec := record{
			id: id, clientID: req.ClientID, requester: c.fqu(), requested: req.RequestedIdentity,
			peer: peerString(c.Peer), authz: authz, lifetime: k.capLifetime(req.Lifetime),
			time: sec, state: Pending,
		}
		if err := signer.CheckKey(); err != nil {
			return false, signerError(err)
		}
		if r, ok := autoApproves(rec, n.rules, sec); ok {
			// Auto-approval is host-based trust: no encryption needed.
			tok, err := mint(signer, rec)
			if err != nil {
				return false, err
			}
			res = StartResult{RequestID: formatID(id), Token: tok, Rule: ruleText(r, sec)}
			return false, nil
		}
		if !c.Encrypted {
			return false, newErr(7, msgNotEncrypted)
		}
		if !c.Authenticated {
			return false, newErr(7, msgAnonymous)
		}
		n.reqs[id] = rec
		res = StartResult{RequestID: formatID(id)}
		return true, nil
	})
	if err != nil {
		return StartResult{}, err
	}
	return res, nil
}

// mint has signer make rec's token: sub = the requested identity, scope =
// the bounding set, the stored lifetime (tokens.md §3.2 step 2, §3.5). An
// empty token is "Internal state error." (6).
func mint(signer Signer, rec record) (string, *Error) {
	tok, err := signer.Sign(rec.requested, slices.Clone(rec.authz), rec.lifetime)
	if err != nil {
		return "", signerError(err)
	}
	if tok == "" {
		return "", newErr(6, msgInternal)
	}
	return tok, nil
}

// Size limits on what a client may store (condor-auth's; HTCondor has
// none): they bound the state file, whose size Open also limits.
const (
	maxFieldLen = 1024     // ClientId, User, each authorization name
	maxAuthzLen = 4 * 1024 // all authorization names together
)

func tooLong(req StartRequest) bool {
	if len(req.ClientID) > maxFieldLen || len(req.RequestedIdentity) > maxFieldLen {
		return true
	}
	total := 0
	for _, a := range req.Authz {
		total += len(a)
	}
	if total > maxAuthzLen {
		return true
	}
	for _, a := range SplitAuthz(req.Authz...) {
		if len(a) > maxFieldLen {
			return true
		}
	}
	return false
}

// clientIDMatches compares client ids in constant time: with the request
// id, the client id is what lets a poller collect the token.
func clientIDMatches(stored, given string) bool {
	return subtle.ConstantTimeCompare([]byte(stored), []byte(given)) == 1
}

// Finish handles DC_FINISH_TOKEN_REQUEST (tokens.md §3.3). It returns ""
// while the request is pending and the token once it was approved; the
// token, a failure (4) or an expiry (5) is reported once, after which the
// request is gone. Empty arguments stand for absent attributes. Errors, in
// order of precedence: the per-peer rate limit (5); the request id absent
// or not an integer (2); the client id absent (2); the id unknown (3); the
// client id wrong (3).
//
// (At the pinned HTCondor commit the lookup runs even after an argument
// error and overwrites it, so the 2s of tokens.md §3.3 reach a client as
// "Request ID is not known." or "Client ID is incorrect."; condor-auth
// sends the specific message.)
func (s *Store) Finish(now time.Time, c Caller, requestID, clientID string) (string, error) {
	if !s.rl.allow(c.Peer, now) {
		return "", newErr(5, msgRateLimit)
	}
	id, aerr := finishArgs(requestID, clientID)
	if aerr != nil {
		return "", aerr
	}
	// Polling a pending request changes nothing: answer from a snapshot.
	cur, k, err := s.view()
	if err != nil {
		return "", err
	}
	rec, ok := cur.lookup(id, now.Unix(), k.reqLifetime)
	if !ok {
		return "", newErr(3, msgIDNotKnown)
	}
	if !clientIDMatches(rec.clientID, clientID) {
		return "", newErr(3, msgClientIDWrong)
	}
	if rec.state == Pending {
		return "", nil
	}
	var token string
	err = s.update(now, func(n *state, _ knobs, _ int64) (bool, error) {
		rec, ok := n.reqs[id] // n is already cleaned up as of now
		switch {
		case !ok:
			return false, newErr(3, msgIDNotKnown)
		case !clientIDMatches(rec.clientID, clientID):
			return false, newErr(3, msgClientIDWrong)
		case rec.state == Pending:
			return false, nil
		}
		delete(n.reqs, id) // one-shot: nobody else may collect it
		switch rec.state {
		case Successful:
			if rec.token == "" {
				return true, newErr(6, msgInternal)
			}
			token = rec.token
			return true, nil
		case Failed:
			return true, newErr(4, msgFailed)
		default:
			return true, newErr(5, msgExpired)
		}
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func finishArgs(requestID, clientID string) (int, *Error) {
	if requestID == "" {
		return 0, newErr(2, msgNoRequestID)
	}
	id, ok := parseRequestID(requestID)
	if !ok {
		return 0, newErr(2, msgBadRequestID)
	}
	if clientID == "" {
		return 0, newErr(2, msgNoClientID)
	}
	return id, nil
}

// List handles DC_LIST_TOKEN_REQUEST (tokens.md §3.4, §8.2): the pending
// requests, oldest first, each reply ad being Request.AdAttrs. A non-empty
// requestID filter must be an integer (2, "Unable to convert request ID to
// integer.") and is compared as a string with the 7-digit id, so "123456"
// does not select "0123456" (tokens.md §11 item 4). A caller without
// IsAdmin sees only requests for its own identity.
func (s *Store) List(now time.Time, c Caller, requestID string) ([]Request, error) {
	if requestID != "" {
		if _, ok := parseRequestID(requestID); !ok {
			return nil, newErr(2, msgBadRequestID)
		}
	}
	cur, k, err := s.view()
	if err != nil {
		return nil, err
	}
	var out []Request
	for _, rec := range cur.live(now.Unix(), k.reqLifetime) {
		if rec.state != Pending || (requestID != "" && requestID != formatID(rec.id)) {
			continue
		}
		if !c.IsAdmin && rec.requested != c.fqu() {
			continue
		}
		out = append(out, rec.snapshot())
	}
	return out, nil
}

// Approve handles DC_APPROVE_TOKEN_REQUEST (tokens.md §3.5, §8.2), checking
// in HTCondor's order: request id absent (1) or not an integer (2);
// unknown (5); client id absent (1) or wrong (5, the same "Request
// unknown."); not pending (5); then, for a caller without IsAdmin: the
// request is for another identity (6); the caller's token is
// scope-limited and the request asks for no bound or for one outside the
// caller's bounds (7); the caller's token expires and the request has no
// lifetime or outlives it (8). Then the signing key and the signature:
// their errors are returned and a signing failure marks the request
// Failed. On success the request holds the token until Finish collects it.
func (s *Store) Approve(now time.Time, c Caller, requestID, clientID string, signer Signer) error {
	return s.update(now, func(n *state, _ knobs, sec int64) (bool, error) {
		if requestID == "" {
			return false, newErr(1, msgApproveNoRequestID)
		}
		id, ok := parseRequestID(requestID)
		if !ok {
			return false, newErr(2, msgBadRequestID)
		}
		rec, ok := n.reqs[id]
		if !ok {
			return false, newErr(5, msgApproveUnknown)
		}
		if clientID == "" {
			return false, newErr(1, msgApproveNoClientID)
		}
		if !clientIDMatches(rec.clientID, clientID) {
			return false, newErr(5, msgApproveUnknown)
		}
		if rec.state != Pending {
			return false, newErr(5, msgApproveState)
		}
		if !c.IsAdmin {
			if rec.requested != c.fqu() {
				return false, newErr(6, msgApprovePriv)
			}
			if b := newBoundingSet(c.Limit); b.bounded() {
				if len(rec.authz) == 0 {
					return false, newErr(7, msgApproveScope)
				}
				for _, a := range rec.authz {
					if !b.contains(a) {
						return false, newErr(7, msgApproveScope)
					}
				}
			}
			if !c.TokenExpiry.IsZero() {
				exp := c.TokenExpiry.Unix()
				if rec.lifetime < 0 || addSat(sec, rec.lifetime) > exp {
					return false, newErr(8, msgApproveLifetime)
				}
			}
		}
		if err := signer.CheckKey(); err != nil {
			return false, signerError(err)
		}
		tok, err := mint(signer, rec)
		if err != nil {
			rec.state = Failed
			n.reqs[id] = rec
			return true, err
		}
		rec.state, rec.token = Successful, tok
		n.reqs[id] = rec
		return true, nil
	})
}

// AutoApprove handles DC_AUTO_APPROVE_TOKEN_REQUEST (tokens.md §3.6, §8.3).
// The command is registered at ADMINISTRATOR, so DaemonCore refuses other
// callers before this is reached; as a second line of defence a caller
// without IsAdmin gets 6 "Insufficient privilege to create auto-approval
// rule." (condor-auth's). lifetime (seconds) is first capped at
// TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME, then must be > 0 (-1,
// "DAEMON:-1:Auto-approval rule lifetimes must be greater than zero."),
// and netblock must parse (-2, "DAEMON:-2:Auto-approval rule netblock
// invalid."). The rule {netblock, now, now+lifetime} is then added — it
// stays even if the signing key is missing (that error is returned) — and
// every stored request it (or another live rule) approves is minted and
// becomes Successful; the requester collects it on its next poll. The
// requests approved are returned (for the daemon's log). A signing failure
// marks that request Failed and stops.
func (s *Store) AutoApprove(now time.Time, c Caller, netblockText string, lifetime int64, signer Signer) ([]Request, error) {
	if !c.IsAdmin {
		return nil, newErr(6, msgRulePriv)
	}
	var approved []Request
	err := s.update(now, func(n *state, k knobs, sec int64) (bool, error) {
		if lifetime > k.maxAuto {
			lifetime = k.maxAuto
		}
		if lifetime <= 0 {
			return false, newErr(-1, msgRuleLifetime)
		}
		nb, ok := parseNetblock(netblockText)
		if !ok {
			return false, newErr(-2, msgRuleNetblock)
		}
		n.rules = append(n.rules, rule{netblock: netblockText, net: nb, issued: sec, expires: addSat(sec, lifetime)})
		if err := signer.CheckKey(); err != nil {
			return true, signerError(err)
		}
		for _, rec := range n.live(sec, k.reqLifetime) {
			if _, ok := autoApproves(rec, n.rules, sec); !ok {
				continue
			}
			tok, err := mint(signer, rec)
			if err != nil {
				rec.state = Failed
				n.reqs[rec.id] = rec
				return true, err
			}
			rec.state, rec.token = Successful, tok
			n.reqs[rec.id] = rec
			approved = append(approved, rec.snapshot())
		}
		return true, nil
	})
	if err != nil {
		approved = nil
	}
	return approved, err
}

// boundingSet is a session's authorization bounding set
// (Sock::computeAuthorizationBoundingSet, tokens.md §1.3): the literal
// names of its token's LimitAuthorization plus every permission they
// imply. ALLOW is always in it. (HTCondor also treats a literal
// "ALL_PERMISSIONS" in a token as "unbounded"; condor-auth does not.)
type boundingSet map[string]bool

// impliedNext is DCpermissionHierarchy::aImpliedNext (condor_perms.cpp):
// each permission's next implied one.
var impliedNext = map[string]string{
	"WRITE": "READ", "NEGOTIATOR": "READ", "ADMINISTRATOR": "WRITE", "CONFIG": "READ",
	"DAEMON": "WRITE", "ADVERTISE_STARTD": "READ", "ADVERTISE_SCHEDD": "READ",
	"ADVERTISE_MASTER": "READ",
}

var permNames = []string{"ALLOW", "READ", "WRITE", "NEGOTIATOR", "ADMINISTRATOR", "CONFIG",
	"DAEMON", "SOAP", "DEFAULT", "CLIENT", "ADVERTISE_STARTD", "ADVERTISE_SCHEDD", "ADVERTISE_MASTER"}

func newBoundingSet(limit []string) boundingSet {
	b := boundingSet{}
	for _, name := range SplitAuthz(limit...) {
		b[name] = true
		// getPermissionFromString matches case-insensitively; the implied
		// names are added in their canonical spelling.
		for _, p := range permNames {
			if strings.EqualFold(p, name) {
				for q := impliedNext[p]; q != ""; q = impliedNext[q] {
					b[q] = true
				}
			}
		}
	}
	return b
}

func (b boundingSet) bounded() bool { return len(b) > 0 }

func (b boundingSet) contains(authz string) bool { return authz == "ALLOW" || b[authz] }
