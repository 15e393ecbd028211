package authz

import "strings"

// Perm is an HTCondor permission level (DCpermission). The numeric order is
// HTCondor's; it decides the order in which implying levels are tried.
type Perm int

// The permission levels, in DCpermission order (condor_perms.h).
const (
	Allow Perm = iota
	Read
	Write
	Negotiator
	Administrator
	Config
	Daemon
	Soap
	Default
	Client
	AdvertiseStartd
	AdvertiseSchedd
	AdvertiseMaster

	numPerms
)

var permNames = [numPerms]string{
	"ALLOW", "READ", "WRITE", "NEGOTIATOR", "ADMINISTRATOR", "CONFIG", "DAEMON",
	"SOAP", "DEFAULT", "CLIENT", "ADVERTISE_STARTD", "ADVERTISE_SCHEDD", "ADVERTISE_MASTER",
}

// impliedNext is DCpermissionHierarchy::aImpliedNext: the level a level
// directly implies, or -1 (tokens.md §1.3).
var impliedNext = [numPerms]Perm{
	Allow:           -1,
	Read:            -1,
	Write:           Read,
	Negotiator:      Read,
	Administrator:   Write,
	Config:          Read,
	Daemon:          Write,
	Soap:            -1,
	Default:         -1,
	Client:          -1,
	AdvertiseStartd: Read,
	AdvertiseSchedd: Read,
	AdvertiseMaster: Read,
}

// Perms returns every permission level in DCpermission order.
func Perms() []Perm {
	out := make([]Perm, numPerms)
	for i := range out {
		out[i] = Perm(i)
	}
	return out
}

// ParsePerm returns the level named s, compared case-insensitively like
// getPermissionFromString; ok is false for an unknown name.
func ParsePerm(s string) (p Perm, ok bool) {
	for i, n := range permNames {
		if asciiEqualFold(n, s) {
			return Perm(i), true
		}
	}
	return -1, false
}

// Valid reports whether p is one of the defined levels.
func (p Perm) Valid() bool { return p >= 0 && p < numPerms }

// String returns the level's HTCondor name (PermString), e.g. "DAEMON".
func (p Perm) String() string {
	if !p.Valid() {
		return "NOT_A_PERM"
	}
	return permNames[p]
}

// Implies returns the levels p implies, nearest first and without p itself:
// DAEMON and ADMINISTRATOR imply WRITE and READ; WRITE, NEGOTIATOR, CONFIG
// and ADVERTISE_* imply READ; the others nothing.
func (p Perm) Implies() []Perm {
	var out []Perm
	for q := p; q.Valid(); {
		q = impliedNext[q]
		if q.Valid() {
			out = append(out, q)
		}
	}
	return out
}

// ImpliedBy returns the levels that directly imply p, in DCpermission order
// (DCpermissionHierarchy::DirectlyImpliedBy): READ ← WRITE, NEGOTIATOR,
// CONFIG, ADVERTISE_STARTD, ADVERTISE_SCHEDD, ADVERTISE_MASTER; WRITE ←
// ADMINISTRATOR, DAEMON.
func (p Perm) ImpliedBy() []Perm {
	var out []Perm
	for q := Perm(0); q < numPerms; q++ {
		if impliedNext[q] == p {
			out = append(out, q)
		}
	}
	return out
}

// configChain returns the levels whose ALLOW_/DENY_ knobs are consulted for
// p, in order (DCpermissionHierarchy::nextConfig), ending with DEFAULT.
func configChain(p Perm, legacy bool) []Perm {
	chain := []Perm{p}
	for q := p; q != Default; {
		switch {
		case q == AdvertiseStartd || q == AdvertiseSchedd || q == AdvertiseMaster:
			q = Daemon
		case q == Daemon && legacy:
			q = Write
		default:
			q = Default
		}
		chain = append(chain, q)
	}
	return chain
}

// BoundingSet expands a token's authorization limits the way
// VerifyCommand does: every recognised level (case-insensitive) plus the
// levels it implies. Unknown names are ignored. bounded is false when limit
// has no non-blank element, which means "no limit" (a token without scope).
func BoundingSet(limit []string) (set map[Perm]bool, bounded bool) {
	set = map[Perm]bool{}
	for _, item := range limit {
		for _, tok := range splitList(item) {
			bounded = true
			p, ok := ParsePerm(tok)
			if !ok {
				continue
			}
			set[p] = true
			for _, q := range p.Implies() {
				set[q] = true
			}
		}
	}
	return set, bounded
}

// LimitFromScopes turns a token's "scope" claim into the authorization
// limit list (LimitAuthorization, Condor_Auth_Passwd::analyze_token): the
// items starting with "condor:/", without that prefix, in order. Other
// scopes are dropped, so a token whose scopes are all foreign is not
// limited at all (nil).
func LimitFromScopes(scope string) []string {
	var out []string
	for _, s := range splitList(scope) {
		if strings.HasPrefix(s, "condor:/") {
			out = append(out, s[len("condor:/"):])
		}
	}
	return out
}

// splitList splits a configuration list the way StringTokenIterator does:
// on commas, spaces, tabs, CR and LF, dropping empty items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

// asciiEqualFold compares like strcasecmp in the C locale: only ASCII
// letters fold (strings.EqualFold would also fold e.g. the Kelvin sign).
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if lower(a[i]) != lower(b[i]) {
			return false
		}
	}
	return true
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
