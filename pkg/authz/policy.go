package authz

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/netaddr"
)

// Knobs gives configuration values; pkg/config's *Config satisfies it. A
// name that is unset returns ok == false. If the value also has a
// Subsystem() string method, that subsystem's ALLOW_<PERM>_<SUBSYS> knobs
// are consulted (see Options.Subsystem).
type Knobs interface {
	Get(name string) (string, bool)
}

// Resolver does the DNS lookups that host-name entries need; *net.Resolver
// satisfies it.
type Resolver interface {
	LookupHost(ctx context.Context, host string) ([]string, error)
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Options tunes NewWithOptions. The zero value gives HTCondor's behaviour
// with the system resolver.
type Options struct {
	// Subsystem is the daemon's subsystem name (e.g. "SCHEDD"); when set,
	// ALLOW_<PERM>_<SUBSYS> is looked up before ALLOW_<PERM>. Default: the
	// knobs' Subsystem() if they have that method.
	Subsystem string
	// Resolver resolves host names written in the lists (when the policy is
	// built) and the peer's address to names (when a list has host-name
	// entries). Default net.DefaultResolver.
	Resolver Resolver
	// LocalIPs returns the addresses matched by "{:local_ips:}". Default:
	// the addresses of the local interfaces.
	LocalIPs func() ([]netip.Addr, error)
	// LookupTimeout bounds each DNS lookup. Default 5 s.
	LookupTimeout time.Duration
	// NameCacheTTL is how long the names found for a peer address are
	// reused. Default 5 min; HTCondor keeps them until reconfiguration.
	NameCacheTTL time.Duration
}

type behavior int

const (
	useTable   behavior = iota // match the lists
	allowAll                   // everyone
	denyAll                    // nobody
	onlyDenies                 // everyone not in the DENY list
)

// entry is one ALLOW or DENY list item after splitting and expansion.
type entry struct {
	raw   string   // as written
	knob  string   // the knob it came from
	users []string // user patterns (with the condor/condor_pool twin)
	hosts []hostKey
}

type hostKey struct {
	text     string // the host as written or an address it resolved to
	net      netaddr.Net
	isNet    bool
	localIPs bool
}

type level struct {
	behavior    behavior
	allowKnob   string
	denyKnob    string
	allow, deny []entry
	needsNames  bool // some host key can only match a host name
	allowValue  string
	denyValue   string
}

// Policy is a compiled ALLOW/DENY configuration. It is safe for concurrent
// use; build a new one after reconfiguration.
type Policy struct {
	levels   [numPerms]level
	opts     Options
	names    *nameCache
	warnings []string
}

// New builds a Policy from the ALLOW_*/DENY_* knobs with default Options.
func New(k Knobs) (*Policy, error) { return NewWithOptions(k, Options{}) }

// NewWithOptions builds a Policy from the ALLOW_*/DENY_* knobs. It fails
// only for a malformed LEGACY_ALLOW_SEMANTICS or USE_POOL_USERNAME_EQUIVALENT
// value; entries it cannot use (netgroups, sinful strings, host names that
// do not resolve) are reported by Warnings.
func NewWithOptions(k Knobs, opts Options) (*Policy, error) {
	if k == nil {
		k = emptyKnobs{}
	}
	if opts.Subsystem == "" {
		if s, ok := k.(interface{ Subsystem() string }); ok {
			opts.Subsystem = s.Subsystem()
		}
	}
	if opts.Resolver == nil {
		opts.Resolver = net.DefaultResolver
	}
	if opts.LocalIPs == nil {
		opts.LocalIPs = interfaceAddrs
	}
	if opts.LookupTimeout <= 0 {
		opts.LookupTimeout = 5 * time.Second
	}
	if opts.NameCacheTTL <= 0 {
		opts.NameCacheTTL = 5 * time.Minute
	}
	legacy, err := knobBool(k, "LEGACY_ALLOW_SEMANTICS", false)
	if err != nil {
		return nil, err
	}
	poolEquiv, err := knobBool(k, "USE_POOL_USERNAME_EQUIVALENT", true)
	if err != nil {
		return nil, err
	}
	p := &Policy{opts: opts, names: newNameCache(opts.NameCacheTTL)}
	for perm := Perm(0); perm < numPerms; perm++ {
		lv := &p.levels[perm]
		allowVal, allowKnob := p.lookupList(k, "ALLOW_", perm, legacy && perm >= Daemon)
		denyVal, denyKnob := p.lookupList(k, "DENY_", perm, legacy && perm >= Daemon)
		lv.allowKnob, lv.denyKnob = allowKnob, denyKnob
		lv.allowValue, lv.denyValue = allowVal, denyVal
		isAll := func(v string) bool { return v == "*" || v == "*/*" }
		switch {
		case perm == Allow:
			lv.behavior = allowAll
		case isAll(denyVal) || (allowKnob == "" && perm != Read && perm != Write):
			// READ and WRITE may still be granted through the levels
			// that imply them, so they keep a (possibly empty) table.
			lv.behavior = denyAll
		case isAll(allowVal) && denyKnob == "":
			lv.behavior = allowAll
		case isAll(allowVal):
			lv.behavior = onlyDenies
			lv.deny = p.fillTable(denyVal, denyKnob, poolEquiv)
		default:
			lv.behavior = useTable
			lv.allow = p.fillTable(allowVal, allowKnob, poolEquiv)
			lv.deny = p.fillTable(denyVal, denyKnob, poolEquiv)
		}
		for _, list := range [][]entry{lv.allow, lv.deny} {
			for _, e := range list {
				for _, h := range e.hosts {
					if !h.isNet && !h.localIPs {
						lv.needsNames = true
					}
				}
			}
		}
	}
	return p, nil
}

// lookupList finds the value of <prefix><PERM> along the configuration
// chain, trying <prefix><PERM>_<SUBSYS> first at each step
// (SecMan::getSecSetting). Empty values count as unset (param()).
func (p *Policy) lookupList(k Knobs, prefix string, perm Perm, legacy bool) (value, knob string) {
	for _, q := range configChain(perm, legacy) {
		names := []string{prefix + q.String()}
		if s := p.opts.Subsystem; s != "" {
			names = []string{prefix + q.String() + "_" + strings.ToUpper(s), names[0]}
		}
		for _, n := range names {
			if v, ok := k.Get(n); ok && strings.TrimSpace(v) != "" {
				return strings.TrimSpace(v), n
			}
		}
	}
	if prefix == "ALLOW_" && perm == Client {
		return "*", "ALLOW_CLIENT" // param table default
	}
	return "", ""
}

// fillTable compiles a list value (IpVerify::fill_table).
func (p *Policy) fillTable(list, knob string, poolEquiv bool) []entry {
	var out []entry
	for _, raw := range splitList(list) {
		if strings.HasPrefix(raw, "+") {
			p.warnf("%s: netgroup entry %q is not supported and never matches", knob, raw)
			continue
		}
		user, host := splitEntry(raw)
		e := entry{raw: raw, knob: knob, users: []string{user}}
		if poolEquiv {
			if alt, ok := poolTwin(user); ok {
				e.users = append(e.users, alt)
			}
		}
		e.hosts = p.expandHost(host, knob, raw)
		out = append(out, e)
	}
	return out
}

// poolTwin returns the condor_pool@X twin of condor@X and vice versa
// (USE_POOL_USERNAME_EQUIVALENT).
func poolTwin(user string) (string, bool) {
	const c, cp = "condor@", "condor_pool@"
	switch {
	case len(user) >= len(c) && asciiEqualFold(user[:len(c)], c):
		return cp + user[len(c):], true
	case len(user) >= len(cp) && asciiEqualFold(user[:len(cp)], cp):
		return c + user[len(cp):], true
	}
	return "", false
}

// expandHost turns a host part into match keys (ExpandHostAddresses): the
// host itself, plus, for a plain host name, the addresses it resolves to.
func (p *Policy) expandHost(host, knob, raw string) []hostKey {
	if asciiEqualFold(host, localIPsKey) {
		return []hostKey{{text: host, localIPs: true}}
	}
	k := hostKey{text: host}
	if n, ok := netaddr.Parse(host); ok {
		k.net, k.isNet = n, true
	}
	keys := []hostKey{k}
	if k.isNet || strings.ContainsAny(host, "*/") {
		return keys
	}
	if looksLikeSinful(host) {
		p.warnf("%s: entry %q looks like a sinful string; use a host name or an IP address", knob, raw)
		return keys
	}
	ctx, cancel := context.WithTimeout(context.Background(), p.opts.LookupTimeout)
	defer cancel()
	addrs, err := p.opts.Resolver.LookupHost(ctx, host)
	if err != nil || len(addrs) == 0 {
		p.warnf("%s: host %q in entry %q does not resolve; it matches only by reverse DNS", knob, host, raw)
	}
	for _, a := range addrs {
		if ip, ok := netaddr.ParseIP(a); ok {
			keys = append(keys, hostKey{text: ip.String(), net: netaddr.Net{Prefix: netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())}, isNet: true})
		}
	}
	return keys
}

func (p *Policy) warnf(format string, args ...any) {
	p.warnings = append(p.warnings, fmt.Sprintf(format, args...))
}

// Warnings returns notes about entries the policy cannot use as written.
func (p *Policy) Warnings() []string { return append([]string(nil), p.warnings...) }

// Source returns the knobs that define level perm's lists ("" if unset).
func (p *Policy) Source(perm Perm) (allowKnob, denyKnob string) {
	if !perm.Valid() {
		return "", ""
	}
	return p.levels[perm].allowKnob, p.levels[perm].denyKnob
}

type emptyKnobs struct{}

// Get reports every knob as unset.
func (emptyKnobs) Get(string) (string, bool) { return "", false }

// knobBool reads an HTCondor boolean knob (true/false/yes/no/t/f/1/0,
// case-insensitive).
func knobBool(k Knobs, name string, def bool) (bool, error) {
	v, ok := k.Get(name)
	v = strings.TrimSpace(v)
	if !ok || v == "" {
		return def, nil
	}
	switch strings.ToLower(v) {
	case "true", "yes", "t", "y", "1":
		return true, nil
	case "false", "no", "f", "n", "0":
		return false, nil
	}
	return def, fmt.Errorf("authz: configuration knob %s has value %q, which is not a boolean (use true or false)", name, v)
}

func interfaceAddrs() ([]netip.Addr, error) {
	as, err := net.InterfaceAddrs()
	if err != nil {
		return nil, err
	}
	var out []netip.Addr
	for _, a := range as {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out, nil
}
