package security

import "strings"

// Level is a security requirement: NEVER, OPTIONAL, PREFERRED or REQUIRED
// (cedar.md §4.5). The order matters: a higher level is stronger, as in
// C++ sec_req.
type Level int8

// The four levels. The zero Level is invalid; ParseLevel never returns it
// with ok = true.
const (
	LevelInvalid Level = iota
	Never
	Optional
	Preferred
	Required
)

// ParseLevel reads a level the way SecMan::sec_alpha_to_sec_req does: only
// the first letter counts, case-insensitively: R, Y, T → REQUIRED; P →
// PREFERRED; O → OPTIONAL; N, F → NEVER.
func ParseLevel(s string) (Level, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return LevelInvalid, false
	}
	switch s[0] | 0x20 {
	case 'r', 'y', 't':
		return Required, true
	case 'p':
		return Preferred, true
	case 'o':
		return Optional, true
	case 'n', 'f':
		return Never, true
	}
	return LevelInvalid, false
}

// String returns the level as C++ sends it ("NEVER", "OPTIONAL",
// "PREFERRED", "REQUIRED").
func (l Level) String() string {
	switch l {
	case Never:
		return "NEVER"
	case Optional:
		return "OPTIONAL"
	case Preferred:
		return "PREFERRED"
	case Required:
		return "REQUIRED"
	}
	return "INVALID"
}

// valid reports whether l is one of the four levels.
func (l Level) valid() bool { return l >= Never && l <= Required }

// Decision is the outcome of reconciling a client and a server level.
type Decision int8

// The decisions of the reconcile table (cedar.md §4.5).
const (
	// Fail means the two sides cannot agree; the server closes the
	// connection without a reply.
	Fail Decision = iota
	// No: the feature is off.
	No
	// Yes: the feature is on.
	Yes
)

// String returns "YES", "NO" or "FAIL".
func (d Decision) String() string {
	switch d {
	case Yes:
		return "YES"
	case No:
		return "NO"
	}
	return "FAIL"
}

// Reconcile applies SecMan::ReconcileSecurityAttribute's table: REQUIRED
// on one side and NEVER on the other fails; OPTIONAL with OPTIONAL or
// anything with NEVER is NO; otherwise YES. The table is symmetric. An
// invalid client level fails, as in C++.
func Reconcile(client, server Level) Decision {
	switch client {
	case Required:
		if server == Never {
			return Fail
		}
		return Yes
	case Preferred:
		if server == Never {
			return No
		}
		return Yes
	case Optional:
		if server == Required || server == Preferred {
			return Yes
		}
		return No
	case Never:
		if server == Required {
			return Fail
		}
		return No
	}
	return Fail
}

// parseDecision reads a YES/NO/FAIL attribute of a response ad by its
// first letter (sec_alpha_to_sec_feat_act). ok is false for anything else.
func parseDecision(s string) (Decision, bool) {
	if s == "" {
		return Fail, false
	}
	switch s[0] | 0x20 {
	case 'y':
		return Yes, true
	case 'n':
		return No, true
	case 'f':
		return Fail, true
	}
	return Fail, false
}

// dependency is SecMan::ReconcileSecurityDependency: a NEVER a makes a
// REQUIRED b impossible and any other b NEVER; then a is raised to at
// least b.
func dependency(a, b *Level) bool {
	if *a == Never {
		if *b == Required {
			return false
		}
		*b = Never
	}
	if *b > *a {
		*a = *b
	}
	return true
}
