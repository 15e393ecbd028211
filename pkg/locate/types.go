package locate

import "strings"

// DaemonType is an HTCondor daemon type (daemon_t), as given to the tools'
// -type option.
type DaemonType int

// The daemon types, in daemon_t order (daemon_types.cpp).
const (
	TypeNone DaemonType = iota
	TypeAny
	TypeMaster
	TypeSchedd
	TypeStartd
	TypeCollector
	TypeNegotiator
	TypeKbdd
	TypeDagman
	TypeViewCollector
	TypeClusterServer
	TypeShadow
	TypeStarter
	TypeCredd
	TypeGridmanager
	TypePlacementd
	TypeLeaseManager
	TypeHAD
	TypeGeneric
	numTypes
)

// daemonNames is daemon_names[]: the -type spellings and the names used in
// messages ("Can't find address for schedd …").
var daemonNames = [numTypes]string{
	"none", "any", "master", "schedd", "startd", "collector", "negotiator", "kbdd",
	"dagman", "view_collector", "cluster_server", "shadow", "starter", "credd",
	"gridmanager", "placementd", "lease_manager", "had", "generic",
}

// Query command numbers (cedar.md §4.1).
const (
	QueryStartdAds     = 5
	QueryScheddAds     = 6
	QueryMasterAds     = 7
	QueryCollectorAds  = 20
	QueryAnyAds        = 48
	QueryNegotiatorAds = 50
	QueryMultipleAds   = 53
	QueryGenericAds    = 74
)

// typeInfo is what locating a type needs: its configuration subsystem,
// the collector's ad type (TargetType) and the query command.
type typeInfo struct {
	subsys  string
	adType  string
	command int
}

var typeInfos = map[DaemonType]typeInfo{
	TypeMaster:     {"MASTER", "DaemonMaster", QueryMasterAds},
	TypeSchedd:     {"SCHEDD", "Scheduler", QueryScheddAds},
	TypeStartd:     {"STARTD", "Machine", QueryStartdAds},
	TypeCollector:  {"COLLECTOR", "Collector", QueryCollectorAds},
	TypeNegotiator: {"NEGOTIATOR", "Negotiator", QueryNegotiatorAds},
	TypeCredd:      {"CREDD", "CredD", QueryGenericAds},
	TypePlacementd: {"PLACEMENTD", "PlacementD", QueryGenericAds},
	TypeGeneric:    {"", "Generic", QueryGenericAds},
}

// ParseDaemonType returns the type named s, compared case-insensitively
// like stringToDaemonType; ok is false for an unknown name (the tools then
// print "ERROR: unrecognized daemon type: s").
func ParseDaemonType(s string) (t DaemonType, ok bool) {
	for i := TypeAny; i < numTypes; i++ {
		if strings.EqualFold(daemonNames[i], s) && isASCII(s) {
			return i, true
		}
	}
	return TypeNone, false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// String returns the type's name as daemonString prints it ("schedd").
func (t DaemonType) String() string {
	if t < 0 || t >= numTypes {
		return "Unknown"
	}
	return daemonNames[t]
}

// Subsystem returns the configuration subsystem of t ("SCHEDD"), "" if t
// cannot be located (and for TypeGeneric, whose subsystem the caller names).
func (t DaemonType) Subsystem() string { return typeInfos[t].subsys }

// AdType returns the collector ad type of t, sent as TargetType ("Scheduler").
func (t DaemonType) AdType() string { return typeInfos[t].adType }

// QueryCommand returns the collector command that lists t's ads, 0 if none.
func (t DaemonType) QueryCommand() int { return typeInfos[t].command }

// genericAdType canonicalises a generic query type name
// (CondorQuery::setGenericQueryType): known names get their usual spelling.
func genericAdType(subsys string) string {
	for _, n := range []string{"CredD", "Database", "Defrag", "TTProcess"} {
		if strings.EqualFold(n, subsys) {
			return n
		}
	}
	return subsys
}
