package security

import "strings"

// Permission levels of DaemonCore commands (condor_perms.cpp), in
// DCpermission order.
const (
	PermAllow           = "ALLOW"
	PermRead            = "READ"
	PermWrite           = "WRITE"
	PermNegotiator      = "NEGOTIATOR"
	PermAdministrator   = "ADMINISTRATOR"
	PermConfig          = "CONFIG"
	PermDaemon          = "DAEMON"
	PermSOAP            = "SOAP"
	PermDefault         = "DEFAULT"
	PermClient          = "CLIENT"
	PermAdvertiseStartd = "ADVERTISE_STARTD"
	PermAdvertiseSchedd = "ADVERTISE_SCHEDD"
	PermAdvertiseMaster = "ADVERTISE_MASTER"
)

// Permissions lists every permission level in DCpermission order.
var Permissions = []string{PermAllow, PermRead, PermWrite, PermNegotiator, PermAdministrator,
	PermConfig, PermDaemon, PermSOAP, PermDefault, PermClient,
	PermAdvertiseStartd, PermAdvertiseSchedd, PermAdvertiseMaster}

// CanonicalPerm returns the canonical (upper-case) spelling of a
// permission name, matched case-insensitively like getPermissionFromString;
// ok is false for an unknown name.
func CanonicalPerm(name string) (string, bool) {
	for _, p := range Permissions {
		if strings.EqualFold(p, strings.TrimSpace(name)) {
			return p, true
		}
	}
	return "", false
}

// impliedNext is DCpermissionHierarchy::aImpliedNext: the permission a
// level directly implies ("" = none). Token scope bounding and
// ValidCommands follow it (tokens.md §1.3).
var impliedNext = map[string]string{
	PermWrite: PermRead, PermNegotiator: PermRead, PermAdministrator: PermWrite,
	PermConfig: PermRead, PermDaemon: PermWrite,
	PermAdvertiseStartd: PermRead, PermAdvertiseSchedd: PermRead, PermAdvertiseMaster: PermRead,
}

// ImpliedPerms returns perm followed by every level it implies, e.g.
// DAEMON → [DAEMON WRITE READ]; an unknown perm yields nil.
func ImpliedPerms(perm string) []string {
	p, ok := CanonicalPerm(perm)
	if !ok {
		return nil
	}
	var out []string
	for ; p != ""; p = impliedNext[p] {
		out = append(out, p)
	}
	return out
}

// configChain is DCpermissionHierarchy::nextConfig: the levels whose
// SEC_<PERM>_* knobs are consulted, in order, ending with DEFAULT. With
// LEGACY_ALLOW_SEMANTICS (set by "use SECURITY : host_based") DAEMON falls
// back to WRITE first.
func configChain(perm string, legacy bool) []string {
	var out []string
	for p := perm; p != ""; {
		out = append(out, p)
		switch p {
		case PermDefault:
			p = ""
		case PermAdvertiseStartd, PermAdvertiseSchedd, PermAdvertiseMaster:
			p = PermDaemon
		case PermDaemon:
			if legacy {
				p = PermWrite
			} else {
				p = PermDefault
			}
		default:
			p = PermDefault
		}
	}
	return out
}

// legacyApplies reports whether LEGACY_ALLOW_SEMANTICS is consulted for
// perm: only for DAEMON and the levels after it in DCpermission order
// (getSecSetting's perm >= DAEMON).
func legacyApplies(perm string) bool {
	for i, p := range Permissions {
		if p == perm {
			return i >= 6
		}
	}
	return false
}
