package locate

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
)

// DefaultCollectorPort is COLLECTOR_PORT's default (cedar.md §6.1).
const DefaultCollectorPort = 9618

// errNoCollector is the cause when no collector is configured.
var errNoCollector = errors.New("no collector is configured (COLLECTOR_HOST is not set)")

// collectorHosts is getCmHostFromConfig("COLLECTOR"): COLLECTOR_HOST, else
// COLLECTOR_IP_ADDR, else CM_IP_ADDR.
func (l *Locator) collectorHosts() string {
	for _, k := range []string{"COLLECTOR_HOST", "COLLECTOR_IP_ADDR", "CM_IP_ADDR"} {
		if v := l.knob(k); v != "" {
			return v
		}
	}
	return ""
}

// LocateCollector finds a collector: pool (the -pool value, a host,
// host:port or sinful) if given, else the entries of COLLECTOR_HOST tried
// in order (Daemon::getCmInfo, findCmDaemon). A missing port means
// COLLECTOR_PORT (default 9618); port 0 means the local
// COLLECTOR_ADDRESS_FILE; a host name is resolved and kept as the alias.
func (l *Locator) LocateCollector(ctx context.Context, pool string) (*Location, error) {
	return l.locateCM(ctx, "", pool)
}

func (l *Locator) locateCM(ctx context.Context, name, pool string) (*Location, error) {
	switch {
	case name != "" && pool == "":
		pool = name
	case name != "" && pool != "" && name != pool:
		return nil, locErr("pool (%s) and name (%s) conflict for COLLECTOR", pool, name)
	}
	if pool != "" {
		if IsValidSinful(pool) {
			if s, err := ParseSinful(pool); err == nil {
				if p, ok := s.Port(); ok && p > 0 {
					loc := &Location{Name: pool}
					l.setAddr(loc, pool)
					loc.Source, loc.Detail = FromAddress, pool
					return loc, nil
				}
			}
		}
		return l.findCM(ctx, pool, false)
	}
	hosts := l.collectorHosts()
	if hosts == "" {
		return nil, &Error{Msg: "COLLECTOR address or hostname not specified in config file", Err: errNoCollector}
	}
	list := splitList(hosts)
	if len(list) == 0 {
		loc := &Location{IsLocal: true}
		if ok, errs := l.readAddressFile(loc, "COLLECTOR", ""); ok {
			loc.Name, loc.FullHostname = l.localFQDN(), l.localFQDN()
			return loc, nil
		} else {
			return nil, &Error{Msg: "COLLECTOR address or hostname not specified in config file", Err: errors.Join(errs...)}
		}
	}
	var last error
	for _, h := range list { // Daemon::nextValidCm
		loc, err := l.findCM(ctx, h, true)
		if err == nil {
			return loc, nil
		}
		last = err
	}
	return nil, last
}

// findCM is Daemon::findCmDaemon.
func (l *Locator) findCM(ctx context.Context, cm string, local bool) (*Location, error) {
	s, err := ParseSinful(cm)
	if err != nil || s.Host() == "" {
		return nil, &Error{Msg: "COLLECTOR address or hostname not specified in config file", Err: err}
	}
	loc := &Location{IsLocal: local, Name: cm}
	if s.port == "" {
		port := DefaultCollectorPort
		if v := l.knob("COLLECTOR_PORT"); v != "" {
			if n, err := strconv.Atoi(v); err == nil {
				port = n
			}
		}
		s = s.WithPort(port)
	}
	if p, ok := s.Port(); ok && p == 0 {
		if found, _ := l.readAddressFile(loc, "COLLECTOR", ""); found {
			loc.Name, loc.FullHostname = l.localFQDN(), l.localFQDN()
			return loc, nil
		}
	}
	if ip, err := netip.ParseAddr(s.Host()); err == nil && ip.Zone() == "" {
		l.setAddr(loc, s.String())
		loc.Source, loc.Detail = FromCollectorHost, cm
		return loc, nil
	}
	host := s.Host()
	fqdn, ip, ok := l.fqdnAndIP(ctx, host)
	if !ok {
		return nil, locErr("unknown host %s", host)
	}
	alias := host
	if !l.knobBool("USE_COLLECTOR_HOST_CNAME", true) {
		alias = fqdn
	}
	s = s.WithHost(ip.String()).WithAlias(alias)
	loc.FullHostname, loc.Alias = fqdn, host
	l.setAddr(loc, s.String())
	loc.Source, loc.Detail = FromCollectorHost, cm
	return loc, nil
}

// queryCollectors is the collector step of getDaemonInfo (§6.2 step 7):
// query the pool's collectors until one answers; the first ad wins.
func (l *Locator) queryCollectors(ctx context.Context, loc *Location, req Request, subsys string, localErr error) (*Location, error) {
	if req.Type == TypeKbdd {
		return nil, &Error{Msg: fmt.Sprintf("Can't find address for %s %s", req.Type, loc.Name), Err: localErr}
	}
	if loc.Name == "" && req.Type != TypeNegotiator {
		// HTCondor gives up here without a message.
		return nil, &Error{Err: errors.Join(errors.New("no daemon name to ask the collector for"), localErr)}
	}
	var q Query
	if loc.Name == "" {
		q = Query{Command: QueryNegotiatorAds, TargetType: TypeNegotiator.AdType()}
	} else {
		var err error
		q, err = LocationQuery(req.Type, subsys, loc.Name, loc.FullHostname, req.Method == LocateForLookup)
		if err != nil {
			return nil, &Error{Err: err}
		}
	}
	if req.Method == LocateForAdmin {
		q.PrivateAttrs = true
	}
	pool := req.Pool
	if pool == "" {
		pool = l.collectorHosts()
	}
	names := splitList(pool)
	if len(names) == 0 {
		return nil, &Error{Err: errors.Join(errNoCollector, localErr)}
	}
	if len(names) > 1 && !l.knobBool("HAD_USE_PRIMARY", false) {
		shuffle := l.Shuffle
		if shuffle == nil {
			shuffle = rand.Shuffle
		}
		shuffle(len(names), func(i, j int) { names[i], names[j] = names[j], names[i] })
	}
	if l.Querier == nil {
		return nil, &Error{Err: errors.New("no collector querier is configured")}
	}
	var queryErr, resolveErr error
	for _, n := range names {
		col, err := l.locateCM(ctx, "", n)
		if err != nil {
			resolveErr = err // "Can't resolve collector …; skipping"
			continue
		}
		ads, err := l.Querier.Query(ctx, col.Sinful, q)
		if err != nil {
			queryErr = err
			continue
		}
		if len(ads) == 0 {
			return nil, &Error{Msg: fmt.Sprintf("Can't find address for %s %s", req.Type, loc.Name), Err: localErr}
		}
		loc.IsLocal = false
		if err := l.infoFromAd(loc, ads[0], subsys, req.Type); err != nil {
			return nil, err
		}
		loc.Ad = ads[0]
		loc.Source, loc.Detail = FromCollector, col.Addr
		return loc, nil
	}
	if queryErr != nil {
		return nil, &Error{Msg: queryErr.Error(), Err: queryErr}
	}
	// CollectorList::query pushes this only when no query ran at all.
	return nil, &Error{Msg: fmt.Sprintf("CONDOR_STATUS:1:Unable to resolve COLLECTOR_HOST (%s).", l.collectorHostsOrNull()), Err: resolveErr}
}

func (l *Locator) collectorHostsOrNull() string {
	if h := l.collectorHosts(); h != "" {
		return h
	}
	return "(null)"
}

// ToolError is a location failure worded as the token tools print it
// (tokens.md §9.1, §10; real-tools.md F16–F19, F45), exit status 1.
type ToolError struct {
	// Line is the whole message without newline, e.g.
	// "ERROR: couldn't locate daemon nosuch!".
	Line string
	Err  error
}

// Error returns the line the tool prints.
func (e *ToolError) Error() string { return e.Line }

// Unwrap returns the location error behind the message.
func (e *ToolError) Unwrap() error { return e.Err }

// LocateForTool locates a daemon the way the token tools do
// (generate_remote_token): with a pool, the collector is located first
// ("ERROR: <reason>" if that fails, e.g. "ERROR: unknown host X") and its
// address is the pool for the daemon; then the daemon is located for
// lookup ("ERROR: couldn't locate daemon NAME!" or "ERROR: couldn't locate
// default daemon type.").
func (l *Locator) LocateForTool(ctx context.Context, t DaemonType, name, pool string) (*Location, error) {
	req := Request{Type: t, Name: name, Method: LocateForLookup}
	if pool != "" {
		col, err := l.LocateCollector(ctx, pool)
		if err != nil {
			msg := err.Error()
			var le *Error
			if errors.As(err, &le) && le.Msg != "" {
				msg = le.Msg
			}
			return nil, &ToolError{Line: "ERROR: " + msg, Err: err}
		}
		req.Pool = col.Addr
	}
	loc, err := l.Locate(ctx, req)
	if err != nil {
		if name != "" {
			return nil, &ToolError{Line: fmt.Sprintf("ERROR: couldn't locate daemon %s!", name), Err: err}
		}
		return nil, &ToolError{Line: "ERROR: couldn't locate default daemon type.", Err: err}
	}
	return loc, nil
}
