package tokenreq

import (
	"net"
	"strconv"
	"strings"
	"time"
)

// UnauthenticatedUser is the identity HTCondor gives a peer that did not
// authenticate (or used SSL without a client certificate); it is recorded
// as the requester when Caller.FQU is empty (tokens.md §3.2, cedar.md §4.10).
const UnauthenticatedUser = "unauthenticated@unmapped"

// State is the state of a stored token request (tokens.md §8.1).
type State int

// The states of a request: Pending until approved (Successful), refused by
// a signing failure or a reconfig (Failed), or too old (Expired).
const (
	Pending State = iota
	Successful
	Failed
	Expired
)

var stateNames = [...]string{"pending", "successful", "failed", "expired"}

// String returns the lower-case state name used in the state file.
func (s State) String() string {
	if s >= 0 && int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "State(" + strconv.Itoa(int(s)) + ")"
}

// Caller describes the authenticated session a command arrived on. The
// daemon fills it from the CEDAR session.
type Caller struct {
	// FQU is the mapped identity of the session (Sock::getFullyQualifiedUser).
	// Empty is recorded as UnauthenticatedUser.
	FQU string
	// IsAdmin is HTCondor's has_admin: the session's bounding set includes
	// ADMINISTRATOR and the ADMINISTRATOR ALLOW/DENY check passes for FQU
	// from Peer (tokens.md §3.4, §8.2).
	IsAdmin bool
	// Peer is the peer's IP address; its text is the request's PeerLocation
	// and the key of the per-peer rate limit.
	Peer net.IP
	// Authenticated is false when no authentication method ran or the
	// method was ANONYMOUS. SSL without a client certificate
	// ("unauthenticated@unmapped") counts as authenticated (tokens.md §3.2
	// step 4).
	Authenticated bool
	// Encrypted reports whether the session encrypts (tokens.md §3.2 step 3).
	Encrypted bool
	// Limit is the LimitAuthorization list of the token the session
	// authenticated with; empty means the session is not token-bounded.
	Limit []string
	// TokenExpiry is the exp of the token the session authenticated with
	// (the policy ad's TokenExpirationTime); zero means none.
	TokenExpiry time.Time
}

func (c Caller) fqu() string {
	if c.FQU == "" {
		return UnauthenticatedUser
	}
	return c.FQU
}

// peerString is the PeerLocation text: the bare IP (peer_ip_str), IPv4 in
// dotted form even when the socket reports it IPv4-mapped.
func peerString(ip net.IP) string {
	if ip == nil {
		return ""
	}
	return ip.String()
}

// StartRequest is the client's DC_START_TOKEN_REQUEST ad (tokens.md §3.2).
// Empty strings stand for absent attributes.
type StartRequest struct {
	// RequestedIdentity is the ad's User.
	RequestedIdentity string
	// Authz is LimitAuthorization, split (elements may themselves hold
	// comma/space separated lists, see SplitAuthz); empty means absent.
	Authz []string
	// Lifetime is TokenLifetime in seconds; any negative value means absent.
	Lifetime int64
	// ClientID is the ad's ClientId.
	ClientID string
}

// StartResult is what a successful Start puts in the reply ad: RequestId
// (always first, tokens.md §3.2) and, when an auto-approval rule matched,
// Token.
type StartResult struct {
	// RequestID is the 7-digit request id.
	RequestID string
	// Token is the minted token when an auto-approval rule matched; the
	// request is then not stored and the client will not poll.
	Token string
	// Rule describes the rule that auto-approved the request, for the log
	// ("[netblock = N; lifetime_left = S]"); empty otherwise.
	Rule string
}

// Signer mints tokens for approved requests with the daemon's default
// signing key (SEC_TOKEN_ISSUER_KEY). Errors are sent to the client (see
// Error), so they must not contain key material.
type Signer interface {
	// CheckKey reports whether the default signing key is usable
	// (htcondor::get_token_signing_key). START refuses every request, even
	// one that would only be queued, while it fails (acceptance RB-45).
	CheckKey() error
	// Sign returns a token for identity with the authorization list authz
	// (empty: no scope) valid for lifetime seconds (-1: no exp).
	Sign(identity string, authz []string, lifetime int64) (string, error)
}

// Request is a snapshot of a stored token request.
type Request struct {
	// ID is the 7-digit request id, e.g. "0642594".
	ID string
	// ClientID is the client's ClientId.
	ClientID string
	// RequesterIdentity is the FQU of the session that made the request
	// (AuthenticatedIdentity).
	RequesterIdentity string
	// RequestedIdentity is the identity the token is for (the token's sub).
	RequestedIdentity string
	// PeerLocation is the requester's IP address.
	PeerLocation string
	// Authz is the authorization bounding set after SEC_TOKEN_REQUEST_LIMITS.
	Authz []string
	// Lifetime is the token lifetime in seconds after the
	// SEC_ISSUED_TOKEN_EXPIRATION cap; -1 means none.
	Lifetime int64
	// Time is when the request was made (whole seconds).
	Time time.Time
	// State is the request's state at the time of the snapshot.
	State State
}

// Attr is one attribute of a reply ad.
type Attr struct {
	// Name is the attribute name, e.g. "RequestId".
	Name string
	// Value is a string or an int64.
	Value any
}

// AdAttrs returns the attributes of the DC_LIST_TOKEN_REQUEST reply ad for
// r, with the names, types and order the real daemon sends
// [observed: token_request_approve.json]: ClientId, RequestId,
// PeerLocation, TokenLifetime (only if ≥ 0), RequestedIdentity,
// LimitAuthorization (comma-joined, only if non-empty),
// AuthenticatedIdentity. (tokens.md §3.4 lists them in insertion order;
// the wire carries the ClassAd's internal order, which is what the approve
// tool prints, real-tools.md §19.)
func (r Request) AdAttrs() []Attr {
	attrs := make([]Attr, 0, 7)
	attrs = append(attrs,
		Attr{"ClientId", r.ClientID},
		Attr{"RequestId", r.ID},
		Attr{"PeerLocation", r.PeerLocation})
	if r.Lifetime >= 0 {
		attrs = append(attrs, Attr{"TokenLifetime", r.Lifetime})
	}
	attrs = append(attrs, Attr{"RequestedIdentity", r.RequestedIdentity})
	if len(r.Authz) > 0 {
		attrs = append(attrs, Attr{"LimitAuthorization", strings.Join(r.Authz, ",")})
	}
	return append(attrs, Attr{"AuthenticatedIdentity", r.RequesterIdentity})
}

// PublicString is the request's description in HTCondor's log lines
// (TokenRequest::getPublicString, tokens.md §8.1).
func (r Request) PublicString() string {
	bounds := "<none>"
	if len(r.Authz) > 0 {
		bounds = strings.Join(r.Authz, ",")
	}
	return "[requested_id = " + r.RequestedIdentity + "; requester_id = " + r.RequesterIdentity +
		"; peer_location = " + r.PeerLocation + "; m_authz_bounding_set = " + bounds + "]"
}

// SplitAuthz splits authorization lists the way HTCondor's
// StringTokenIterator does: on commas and white space, dropping empty
// items. Each element of lists is split; the order is kept.
func SplitAuthz(lists ...string) []string {
	var out []string
	for _, l := range lists {
		out = append(out, strings.FieldsFunc(l, isListSep)...)
	}
	return out
}

func isListSep(r rune) bool {
	return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
}

// formatID renders a numeric request id the way the daemon does ("%07d").
func formatID(id int) string {
	s := strconv.Itoa(id)
	if len(s) < 7 {
		s = strings.Repeat("0", 7-len(s)) + s
	}
	return s
}

// parseRequestID parses a request id like YourStringDeserializer::
// deserialize_int followed by at_end (tokens.md §3.3): strtoll base 10 —
// optional leading white space, an optional sign, at least one digit — the
// whole string consumed and the value within a C int.
func parseRequestID(s string) (int, bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	t := s[i:]
	if t == "" {
		return 0, false
	}
	digits := t
	if t[0] == '+' || t[0] == '-' {
		digits = t[1:]
	}
	if digits == "" {
		return 0, false
	}
	for j := 0; j < len(digits); j++ {
		if digits[j] < '0' || digits[j] > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseInt(t, 10, 32)
	if err != nil {
		return 0, false
	}
	return int(v), true
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}
