package locate

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/classad"
)

// Knobs gives configuration values; pkg/config's *Config satisfies it.
type Knobs interface {
	Get(name string) (string, bool)
}

// Querier sends a collector query over the network: connect to collector
// (shared port, security handshake for q.Command at READ level), WriteQuery
// the query ad, ReadQueryReply. The error text should be the CondorError
// chain the real tool would show.
type Querier interface {
	Query(ctx context.Context, collector Sinful, q Query) ([]*classad.Ad, error)
}

// Method says what a location is for (Daemon::LocateType).
type Method int

const (
	// LocateForLookup asks the collector for the address attributes only
	// (the token tools' choice).
	LocateForLookup Method = iota
	// LocateFull asks for the whole ad.
	LocateFull
	// LocateForAdmin also asks for private attributes.
	LocateForAdmin
)

// Source says where an address came from.
type Source string

// The sources of a Location.
const (
	FromAddress       Source = "address"        // an address given as the name or Request.Addr
	FromNameWithPort  Source = "name with port" // -name host:port
	FromDaemonAdFile  Source = "daemon ad file" // <SUBSYS>_DAEMON_AD_FILE
	FromAddressFile   Source = "address file"   // <SUBSYS>_ADDRESS_FILE (or _SUPER_)
	FromCollector     Source = "collector"      // a collector query
	FromCollectorHost Source = "collector host" // a collector named by pool/COLLECTOR_HOST
)

// Request says which daemon to locate.
type Request struct {
	Type DaemonType
	// Name is the -name value: a daemon name, host:port, or a sinful.
	Name string
	// Pool is the collector to ask (for TypeCollector: the collector
	// itself); empty means COLLECTOR_HOST. The token tools pass the
	// address of the collector they located first (see LocateForTool).
	Pool string
	// Subsystem names the daemon of a TypeGeneric request.
	Subsystem string
	// AddressFile, if set, is read before anything else.
	AddressFile string
	// Method is the purpose of the lookup; LocateForLookup by default.
	Method Method
}

// Location is a located daemon.
type Location struct {
	// Addr is the sinful string to connect to, with the alias added when
	// it was found by name (Daemon::Set_addr).
	Addr   string
	Sinful Sinful
	// Name is the daemon's name (from its ad, or the canonical name).
	Name string
	// FullHostname is the daemon's host (Machine), Alias the host name
	// used for SSL host checks.
	FullHostname, Alias string
	Version, Platform   string
	// IsLocal reports that the daemon was looked for on this machine.
	IsLocal bool
	Source  Source
	// Detail names the file or collector the address came from.
	Detail string
	// Ad is the daemon ad or address-file ad, if one was read.
	Ad *classad.Ad
}

// Error is a location failure. Msg is what HTCondor's Daemon::error()
// would hold ("unknown host foo", "Can't find address for schedd x", …);
// it may be empty where HTCondor sets no message.
type Error struct {
	Msg string
	Err error
}

// Error returns Msg, with the cause appended when there is one.
func (e *Error) Error() string {
	switch {
	case e.Msg != "" && e.Err != nil:
		return e.Msg + ": " + e.Err.Error()
	case e.Msg != "":
		return e.Msg
	case e.Err != nil:
		return e.Err.Error()
	}
	return "the daemon could not be located"
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

func locErr(format string, args ...any) *Error { return &Error{Msg: fmt.Sprintf(format, args...)} }

// Locator finds daemons the way HTCondor's Daemon::locate does (cedar.md
// §6.1–§6.4). It is safe for concurrent use if its fields are not changed.
type Locator struct {
	Knobs Knobs
	// Querier performs collector queries; nil makes them fail.
	Querier Querier
	// Resolver resolves host names; nil means NetResolver{}.
	Resolver Resolver
	// IsRoot is true for a tool running as root (leave it false in a
	// daemon): it then reads
	// <SUBSYS>_SUPER_ADDRESS_FILE (the daemon's super-user port) and
	// skips the daemon ad file, as USE_SUPER_PORT = true does (pitfall 15).
	IsRoot bool
	// LocalFQDN overrides FULL_HOSTNAME / the kernel host name.
	LocalFQDN string
	// Shuffle orders the collectors of a pool before querying them;
	// nil means random order (CollectorList::query), or the listed order
	// when HAD_USE_PRIMARY is true.
	Shuffle func(n int, swap func(i, j int))
}

func (l *Locator) knob(name string) string {
	if l.Knobs == nil {
		return ""
	}
	v, _ := l.Knobs.Get(name)
	return strings.TrimSpace(v)
}

func (l *Locator) knobBool(name string, def bool) bool {
	switch strings.ToLower(l.knob(name)) {
	case "true", "yes", "t", "y", "1":
		return true
	case "false", "no", "f", "n", "0":
		return false
	}
	return def
}

func (l *Locator) resolver() Resolver {
	if l.Resolver != nil {
		return l.Resolver
	}
	return NetResolver{}
}

// useSuperPort is Daemon::useSuperPort for a client tool.
func (l *Locator) useSuperPort() bool { return l.IsRoot || l.knobBool("USE_SUPER_PORT", false) }

// Locate finds the daemon described by req (Daemon::locate with
// getDaemonInfo or getCmInfo).
func (l *Locator) Locate(ctx context.Context, req Request) (*Location, error) {
	switch req.Type {
	case TypeCollector:
		return l.locateCM(ctx, req.Name, req.Pool)
	case TypeMaster, TypeSchedd, TypeStartd, TypeNegotiator, TypeCredd, TypePlacementd, TypeGeneric, TypeKbdd:
		return l.getDaemonInfo(ctx, req)
	}
	return nil, locErr("cannot locate a daemon of type %s", req.Type)
}

func (l *Locator) getDaemonInfo(ctx context.Context, req Request) (*Location, error) {
	subsys := req.Type.Subsystem()
	if req.Type == TypeKbdd {
		subsys = "KBDD"
	}
	if req.Type == TypeGeneric {
		subsys = strings.ToUpper(req.Subsystem)
		if subsys == "" {
			return nil, locErr("Unable to get daemon information because no subsystem specified")
		}
	}
	loc := &Location{}
	name := req.Name
	if IsValidSinful(name) {
		l.setAddr(loc, name)
		loc.Source, loc.Detail = FromAddress, name
		return loc, nil
	}
	if name == "" && req.Pool == "" {
		name = l.knob(subsys + "_HOST") // e.g. SCHEDD_HOST names the default
	}
	if name != "" {
		if port := portFromAddr(name); port >= 0 {
			if host := hostFromAddr(name); host != "" {
				return l.nameWithPort(ctx, loc, host, port)
			}
		}
	}
	switch {
	case name != "":
		canon := name
		if !strings.Contains(name, "@") {
			canon = l.fqdnFromHostname(ctx, name)
			if canon == "" {
				return nil, locErr("unknown host %s", hostPart(name))
			}
		}
		loc.Alias = hostPart(name)
		loc.Name = canon
		loc.FullHostname = hostPart(canon)
		switch {
		case req.AddressFile != "":
			loc.IsLocal = true
		case req.Pool != "":
		default:
			loc.IsLocal = canon == l.localName(ctx, req.Type)
		}
	case req.Type != TypeNegotiator:
		loc.IsLocal = true
		loc.Name = l.localName(ctx, req.Type)
		loc.FullHostname = l.localFQDN()
	}

	var localErrs []error
	if loc.IsLocal {
		found := false
		if req.AddressFile != "" || l.useSuperPort() {
			found, localErrs = l.readAddressFile(loc, subsys, req.AddressFile)
		} else {
			var err error
			if found, err = l.readDaemonAdFile(loc, subsys, req.Type); err != nil {
				localErrs = append(localErrs, err)
			}
			if !found {
				var errs []error
				found, errs = l.readAddressFile(loc, subsys, "")
				localErrs = append(localErrs, errs...)
			}
		}
		if found {
			return loc, nil
		}
	}
	loc.Addr = ""
	return l.queryCollectors(ctx, loc, req, subsys, errors.Join(localErrs...))
}

// nameWithPort handles a -name of the form host:port (§6.2 step 3).
func (l *Locator) nameWithPort(ctx context.Context, loc *Location, host string, port int) (*Location, error) {
	loc.Source, loc.Detail = FromNameWithPort, host+":"+strconv.Itoa(port)
	if ip, err := netip.ParseAddr(strings.Trim(host, "[]")); err == nil && ip.Zone() == "" {
		l.setAddr(loc, NewSinful(ip.String(), port).String())
		return loc, nil
	}
	fqdn, ip, ok := l.fqdnAndIP(ctx, host)
	if !ok {
		return nil, locErr("unknown host %s", host)
	}
	loc.FullHostname = fqdn
	loc.Alias = host
	l.setAddr(loc, NewSinful(ip.String(), port).String())
	return loc, nil
}

// readAddressFile is Daemon::readAddressFile for subsys.
func (l *Locator) readAddressFile(loc *Location, subsys, specified string) (bool, []error) {
	var path string
	if l.useSuperPort() {
		path = l.knob(subsys + "_SUPER_ADDRESS_FILE")
	}
	if specified != "" {
		path = specified
	}
	if path == "" {
		if path = l.knob(subsys + "_ADDRESS_FILE"); path == "" {
			return false, []error{fmt.Errorf("%s_ADDRESS_FILE is not set", subsys)}
		}
	}
	af, err := ReadAddressFile(path)
	if err != nil {
		return false, []error{err}
	}
	loc.Version, loc.Platform = af.Version, af.Platform
	if loc.Name == "" {
		loc.Name = af.Name
	}
	if af.Machine != "" {
		loc.FullHostname = af.Machine
	}
	loc.Ad = af.Ad
	loc.Source, loc.Detail = FromAddressFile, path
	l.setAddr(loc, af.Addr)
	return true, nil
}

// readDaemonAdFile is Daemon::readLocalClassAd.
func (l *Locator) readDaemonAdFile(loc *Location, subsys string, t DaemonType) (bool, error) {
	path := l.knob(subsys + "_DAEMON_AD_FILE")
	if path == "" {
		return false, nil
	}
	ad, err := ReadDaemonAdFile(path)
	if err != nil {
		return false, err
	}
	tmp := *loc
	if err := l.infoFromAd(&tmp, ad, subsys, t); err != nil {
		return false, fmt.Errorf("daemon ad file %s: %w", path, err)
	}
	*loc = tmp
	loc.Ad = ad
	loc.Source, loc.Detail = FromDaemonAdFile, path
	return true, nil
}

// infoFromAd is Daemon::getInfoFromAd: the address from <SUBSYS>IpAddr
// (case-insensitive, so CREDD finds CredDIpAddr) or MyAddress, and Name,
// CondorVersion, CondorPlatform and Machine. Missing address, version or
// machine fails, with HTCondor's message for the last thing missing.
func (l *Locator) infoFromAd(loc *Location, ad *classad.Ad, subsys string, t DaemonType) error {
	var lastMsg string
	str := func(attr string, dst *string) bool {
		v, ok := ad.GetString(attr)
		if !ok {
			lastMsg = fmt.Sprintf("Can't find %s in classad for %s %s", attr, t, loc.Name)
			return false
		}
		*dst = v
		return true
	}
	str("Name", &loc.Name)
	ok := true
	addr, found := "", false
	if subsys != "" {
		addr, found = ad.GetString(subsys + "IpAddr")
	}
	if !found {
		addr, found = ad.GetString("MyAddress")
	}
	if found {
		l.setAddr(loc, addr)
	} else {
		lastMsg = fmt.Sprintf("Can't find address in classad for %s %s", t, loc.Name)
		ok = false
	}
	if !str("CondorVersion", &loc.Version) {
		ok = false
	}
	str("CondorPlatform", &loc.Platform)
	if !str("Machine", &loc.FullHostname) {
		ok = false
	}
	if !ok {
		return &Error{Msg: lastMsg}
	}
	return nil
}

// setAddr is Daemon::Set_addr: remember the alias of the address, switch
// to the private address when PRIVATE_NETWORK_NAME matches PrivNet, and
// add the alias found by name to an address that has none.
func (l *Locator) setAddr(loc *Location, addr string) {
	loc.Addr = addr
	s, err := ParseSinful(addr)
	if err != nil {
		loc.Sinful = Sinful{}
		return
	}
	if a := s.Alias(); a != "" {
		loc.Alias = a
	}
	if pn := s.PrivateNetworkName(); pn != "" && l.knob("PRIVATE_NETWORK_NAME") == pn {
		if pa := s.PrivateAddr(); pa != "" {
			if !strings.HasPrefix(pa, "<") {
				pa = "<" + pa + ">"
			}
			if ps, err := ParseSinful(pa); err == nil {
				s, addr = ps, pa
			}
		} else {
			s = s.WithoutParam(ParamCCBID)
			addr = s.String()
		}
	}
	if s.Alias() == "" && loc.Alias != "" {
		s = s.WithAlias(loc.Alias)
		addr = s.String()
	}
	loc.Addr, loc.Sinful = addr, s
}
