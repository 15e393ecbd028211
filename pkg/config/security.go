package config

import (
	"fmt"
	"strings"
)

// permOrder lists HTCondor's permission levels in DCpermission order.
var permOrder = []string{"ALLOW", "READ", "WRITE", "NEGOTIATOR", "ADMINISTRATOR", "CONFIG",
	"DAEMON", "SOAP", "DEFAULT", "CLIENT", "ADVERTISE_STARTD", "ADVERTISE_SCHEDD", "ADVERTISE_MASTER"}

// nextConfigPerm is DCpermissionHierarchy::nextConfig (condor_perms.cpp):
// where a SEC_<PERM>_* setting falls back to. legacy is the order used with
// LEGACY_ALLOW_SEMANTICS (set by "use SECURITY : host_based").
func nextConfigPerm(perm string, legacy bool) string {
	switch perm {
	case "DEFAULT":
		return ""
	case "ADVERTISE_STARTD", "ADVERTISE_SCHEDD", "ADVERTISE_MASTER":
		return "DAEMON"
	case "DAEMON":
		if legacy {
			return "WRITE"
		}
	}
	return "DEFAULT"
}

// SecSetting looks up a per-permission security knob the way HTCondor's
// SecMan::getSecSetting does: format holds one %s for the permission
// ("SEC_%s_AUTHENTICATION"); the first defined knob along the chain
// CLIENT → DEFAULT, ADVERTISE_* → DAEMON → DEFAULT, READ/WRITE/... →
// DEFAULT wins (with LEGACY_ALLOW_SEMANTICS true, DAEMON → WRITE →
// DEFAULT). knob is the name that matched. ok is false when nothing along
// the chain is defined; the caller then applies SecCodeDefaults.
func (c *Config) SecSetting(format, perm string) (value, knob string, ok bool) {
	perm = upper(perm)
	known := false
	idx := 0
	for i, p := range permOrder {
		if p == perm {
			known, idx = true, i
		}
	}
	if !known || strings.Count(format, "%s") != 1 {
		return "", "", false
	}
	legacy := false
	if idx >= 6 { // DAEMON and later, as in getSecSetting
		legacy, _ = c.Bool("LEGACY_ALLOW_SEMANTICS", false)
	}
	for p := perm; p != ""; p = nextConfigPerm(p, legacy) {
		name := fmt.Sprintf(format, p)
		if v, ok := c.Get(name); ok {
			return v, name, true
		}
	}
	return "", "", false
}
