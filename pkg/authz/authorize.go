package authz

import (
	"fmt"
	"net"
	"net/netip"
	"strings"
)

// UnauthenticatedFQU is the identity of a peer that did not authenticate
// (cedar.md §4.10); it is not a mapped identity.
const UnauthenticatedFQU = "unauthenticated@unmapped"

// IsMapped reports whether fqu is a mapped identity (Sock::isMappedFQU):
// it has a domain part and that domain is not "unmapped". Commands
// registered with force_authentication require one (tokens.md §1.3).
func IsMapped(fqu string) bool {
	at := strings.LastIndexByte(fqu, '@')
	return at >= 0 && fqu[at+1:] != "unmapped"
}

// Authorize reports whether the peer with identity fqu at address ip may
// use the permission level perm (a name such as "READ", case-insensitive).
// limit is the session's authorization limit (LimitAuthorization: level
// names such as "READ", see LimitFromScopes); nil or empty means unlimited. reason says which rule decided, in the
// words of HTCondor's "PERMISSION GRANTED/DENIED … reason: …" log line,
// with the entry and knob that matched. An empty fqu is the wildcard user
// (host-based authorization of raw commands).
func (p *Policy) Authorize(perm string, fqu string, ip net.IP, limit []string) (ok bool, reason string) {
	lvl, known := ParsePerm(perm)
	if !known {
		return false, fmt.Sprintf("unknown permission level %q", perm)
	}
	if set, bounded := BoundingSet(limit); bounded && lvl != Allow && !set[lvl] {
		return false, limitReason(lvl.String(), limit)
	}
	return p.Verify(lvl, fqu, ip)
}

// AuthorizeCommand applies DaemonCore's rule for a command registered with
// a primary permission and alternates (VerifyCommand, tokens.md §1.3): with
// a token limit the command is attempted only if perm or an alternate is in
// the expanded limit set, or one of them is ALLOW; then perm is verified
// and, if it is denied, each alternate in turn. granted names the level that
// allowed the command.
func (p *Policy) AuthorizeCommand(perm string, alternates []string, fqu string, ip net.IP, limit []string) (granted string, ok bool, reason string) {
	levels := make([]Perm, 0, 1+len(alternates))
	for _, name := range append([]string{perm}, alternates...) {
		lvl, known := ParsePerm(name)
		if !known {
			return "", false, fmt.Sprintf("unknown permission level %q", name)
		}
		levels = append(levels, lvl)
	}
	if set, bounded := BoundingSet(limit); bounded {
		attempt := false
		for _, lvl := range levels {
			if lvl == Allow || set[lvl] {
				attempt = true
			}
		}
		if !attempt {
			return "", false, limitReason(strings.ToUpper(perm), limit)
		}
	}
	var first string
	for i, lvl := range levels {
		ok, r := p.Verify(lvl, fqu, ip)
		if ok {
			if i > 0 {
				r = fmt.Sprintf("%s denied (%s); alternate %s: %s", levels[0], first, lvl, r)
			}
			return lvl.String(), true, r
		}
		if i == 0 {
			first = r
		}
	}
	return "", false, first
}

func limitReason(perm string, limit []string) string {
	return fmt.Sprintf("the session's authorization is limited to %s (token scope), which does not include %s",
		strings.Join(limit, ","), perm)
}

// Verify is IpVerify::Verify: the ALLOW/DENY decision for one level,
// without token limits. ALLOW always succeeds.
func (p *Policy) Verify(perm Perm, fqu string, ip net.IP) (bool, string) {
	if !perm.Valid() {
		return false, fmt.Sprintf("unknown permission level %d", int(perm))
	}
	if perm == Allow {
		return true, "ALLOW level commands are open to everyone"
	}
	who := fqu
	if who == "" {
		who = "*" // TotallyWild
	}
	addr, _ := netip.AddrFromSlice(ip)
	return p.verify(perm, addr.Unmap(), who)
}

// hit is a matching list entry and what it matched.
type hit struct {
	e   *entry
	how string // "IP address 1.2.3.4" or "hostname h"
}

func (h hit) detail() string {
	return fmt.Sprintf(" (entry %q in %s)", h.e.raw, h.e.knob)
}

func (p *Policy) verify(perm Perm, ip netip.Addr, who string) (bool, string) {
	lv := &p.levels[perm]
	switch lv.behavior {
	case allowAll:
		return true, fmt.Sprintf("%s authorization policy allows access by anyone%s", perm, knobNote(lv.allowKnob, lv.allowValue))
	case denyAll:
		if lv.allowKnob == "" && lv.denyValue != "*" && lv.denyValue != "*/*" {
			return false, fmt.Sprintf("%s authorization policy denies all access (no ALLOW_%s is configured)", perm, perm)
		}
		return false, fmt.Sprintf("%s authorization policy denies all access%s", perm, knobNote(lv.denyKnob, lv.denyValue))
	}

	var deny, allow *hit
	desc := ""
	if ip.IsValid() {
		desc = ip.String()
		how := "IP address " + ip.String()
		deny = p.lookupIP(lv.deny, who, ip, how)
		if deny == nil {
			allow = p.lookupIP(lv.allow, who, ip, how)
		}
	}
	var names []string
	if deny == nil && lv.needsNames && ip.IsValid() {
		names = p.hostNames(ip)
	}
	for _, name := range names {
		desc += "," + name
		how := "hostname " + name
		if deny == nil {
			deny = lookupName(lv.deny, who, name, how)
		}
		if deny == nil && allow == nil {
			allow = lookupName(lv.allow, who, name, how)
		}
	}
	switch {
	case deny != nil: // DENY wins
		return false, fmt.Sprintf("%s authorization policy denies %s%s", perm, deny.how, deny.detail())
	case allow != nil:
		return true, fmt.Sprintf("%s authorization policy allows %s%s", perm, allow.how, allow.detail())
	case lv.behavior == onlyDenies:
		return true, fmt.Sprintf("%s authorization policy does not deny, so allowing%s", perm, knobNote(lv.allowKnob, lv.allowValue))
	}
	for _, parent := range perm.ImpliedBy() {
		if ok, r := p.verify(parent, ip, who); ok {
			return true, fmt.Sprintf("%s is implied by %s; %s", perm, parent, r)
		}
	}
	if desc == "" {
		desc = "(unknown)"
	}
	return false, fmt.Sprintf("%s authorization policy contains no matching ALLOW entry for this request"+
		"; identifiers used for this host: %s, hostname size = %d, original ip address = %s",
		perm, desc, len(names), ipOrUnknown(ip))
}

func ipOrUnknown(ip netip.Addr) string {
	if !ip.IsValid() {
		return "(unknown)"
	}
	return ip.String()
}

func knobNote(knob, value string) string {
	if knob == "" {
		return ""
	}
	return fmt.Sprintf(" (%s = %s)", knob, value)
}

func userMatches(e *entry, who string) bool {
	for _, u := range e.users {
		if matchWildcard(u, who) {
			return true
		}
	}
	return false
}

func (p *Policy) lookupIP(list []entry, who string, ip netip.Addr, how string) *hit {
	var local []netip.Addr
	localDone := false
	for i := range list {
		e := &list[i]
		if !userMatches(e, who) {
			continue
		}
		for _, h := range e.hosts {
			matched := false
			switch {
			case h.localIPs:
				if !localDone {
					local, _ = p.opts.LocalIPs()
					localDone = true
				}
				for _, a := range local {
					if a.Unmap() == ip {
						matched = true
					}
				}
			case h.isNet:
				matched = h.net.All || h.net.Contains(ip)
			}
			if matched {
				return &hit{e: e, how: how}
			}
		}
	}
	return nil
}

func lookupName(list []entry, who, name, how string) *hit {
	for i := range list {
		e := &list[i]
		if !userMatches(e, who) {
			continue
		}
		for _, h := range e.hosts {
			if !h.localIPs && matchWildcard(h.text, name) {
				return &hit{e: e, how: how}
			}
		}
	}
	return nil
}
