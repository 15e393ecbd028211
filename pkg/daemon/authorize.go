package daemon

import (
	"fmt"
	"net"
	"slices"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Authorizer decides whether an identity coming from peer holds a
// permission level (the ALLOW_<PERM>/DENY_<PERM> lists, pkg/authz). The
// reason explains the decision for the log.
type Authorizer interface {
	Authorize(perm string, id auth.Identity, peer net.Addr) (ok bool, reason string)
}

// AuthorizerFunc adapts a function to Authorizer.
type AuthorizerFunc func(perm string, id auth.Identity, peer net.Addr) (bool, string)

// Authorize calls f.
func (f AuthorizerFunc) Authorize(perm string, id auth.Identity, peer net.Addr) (bool, string) {
	return f(perm, id, peer)
}

// PeerIP returns the IP address of a peer address (for Authorizer
// implementations that match host patterns), nil when it has none.
func PeerIP(a net.Addr) net.IP {
	switch x := a.(type) {
	case *net.TCPAddr:
		return x.IP
	case *net.UDPAddr:
		return x.IP
	case nil:
		return nil
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		host = a.String()
	}
	return net.ParseIP(host)
}

// authorize is the authorization step of DaemonCommandProtocol::
// VerifyCommand, minus the force_authentication rule the security layer
// applies:
//
//  1. Token scope bounding (tokens.md §1.3, §4.5): when the session carries
//     LimitAuthorization (TOKEN scopes, CLAIMTOBE), the command is allowed
//     only if its level or an alternate level is in the limit set expanded
//     with the implied levels — or if the level or an alternate is ALLOW.
//  2. The Authorizer for the primary level, then for each alternate level
//     in turn; the ALLOW level always passes, as in HTCondor.
func authorize(a Authorizer, r *security.AuthzRequest) (bool, string) {
	perms := append([]string{r.Info.Perm}, r.Info.AltPerms...)
	if limit := limitSet(r.Identity.Policy); limit != nil {
		inScope := slices.ContainsFunc(perms, func(p string) bool { return p == security.PermAllow || limit[p] })
		if !inScope {
			return false, fmt.Sprintf("the session is limited to %s (token scope or CLAIMTOBE), which does not include %s",
				limitText(r.Identity.Policy), strings.Join(perms, " or "))
		}
	}
	var reasons []string
	for _, p := range perms {
		if p == security.PermAllow {
			return true, "the ALLOW level always passes"
		}
		ok, why := a.Authorize(p, r.Identity, r.Peer)
		if ok {
			return true, fmt.Sprintf("%s granted: %s", p, why)
		}
		reasons = append(reasons, fmt.Sprintf("%s denied: %s", p, why))
	}
	return false, strings.Join(reasons, "; ")
}

// limitText returns the raw limit attribute for messages.
func limitText(policy map[string]any) string {
	for _, name := range []string{"TokenCapabilities", security.AttrLimitAuthorization} {
		if s, ok := policy[name].(string); ok && s != "" {
			return s
		}
	}
	return ""
}

// limitSet reads LimitAuthorization (or TokenCapabilities, which HTCondor
// uses instead for capability tokens) and expands it with the implied
// levels; nil means unbounded. Entries are split on commas and white space
// and matched case-insensitively; unknown names are ignored.
func limitSet(policy map[string]any) map[string]bool {
	text := limitText(policy)
	if text == "" {
		return nil
	}
	set := map[string]bool{}
	for _, f := range strings.FieldsFunc(text, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' }) {
		for _, p := range security.ImpliedPerms(f) {
			set[p] = true
		}
	}
	return set
}
