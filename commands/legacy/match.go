package legacy

import "github.com/condor-auth/condor-auth/pkg/cnum"

// Option describes how one command-line option is recognised by HTCondor's
// prefix matcher (match_prefix.cpp, tokens.md §9.1, real-tools.md §12).
type Option struct {
	// Name is the option word without its dash, e.g. "lifetime".
	Name string
	// Min is the number of leading characters of Name a single-dash
	// abbreviation must have (at least one character always has to match).
	Min int
	// Exact marks an option compared byte for byte with "-"+Name (strcmp),
	// such as condor_token_request_list's -json: no abbreviation and no
	// double-dash form.
	Exact bool
	// Colon marks an option that may carry a ":FLAGS" suffix after the
	// (possibly abbreviated) name, such as -debug:D_SECURITY.
	Colon bool
}

// Match reports whether arg selects opt:
//   - "-x" matches when x is a prefix of Name at least Min characters long;
//   - "--x" matches only when x is the whole Name;
//   - matching is case-sensitive;
//   - with Colon, x may be followed by ":FLAGS";
//   - with Exact, only "-"+Name matches.
//
// The tools test their options in a fixed order and the first match wins,
// so "-t" can mean -type while "-to" means -token.
func Match(arg string, opt Option) bool {
	ok, _ := matchOption(arg, opt)
	return ok
}

// matchOption is Match that also returns, for a Colon option, the text after
// the colon ("" when there is none or it is empty, which the tools treat as
// "default flags").
func matchOption(arg string, opt Option) (bool, string) {
	if opt.Exact {
		return arg == "-"+opt.Name, ""
	}
	if len(arg) == 0 || arg[0] != '-' {
		return false, ""
	}
	p := arg[1:]
	min := opt.Min
	if len(p) > 0 && p[0] == '-' {
		// is_dash_arg_prefix: a double dash requires the complete word.
		p = p[1:]
		min = -1
	}
	if opt.Colon {
		return isArgColonPrefix(p, opt.Name, min)
	}
	return isArgPrefix(p, opt.Name, min), ""
}

// isArgPrefix mirrors is_arg_prefix: parg must be a prefix of pval that is
// at least min characters long (min < 0: all of pval), and never empty.
func isArgPrefix(parg, pval string, min int) bool {
	if pval == "" || parg == "" || parg[0] != pval[0] {
		return false
	}
	n := 0
	for n < len(parg) && n < len(pval) && parg[n] == pval[n] {
		n++
	}
	if n < len(parg) {
		return false
	}
	if min < 0 {
		return n == len(pval)
	}
	return n >= min
}

// isArgColonPrefix mirrors is_arg_colon_prefix: like isArgPrefix, but the
// matched prefix may be followed by ':' and arbitrary text.
func isArgColonPrefix(parg, pval string, min int) (bool, string) {
	if pval == "" || parg == "" || parg[0] != pval[0] {
		return false, ""
	}
	n := 0
	colon := -1
	for n < len(parg) && n < len(pval) && parg[n] == pval[n] {
		n++
		if n < len(parg) && parg[n] == ':' {
			colon = n
			break
		}
	}
	if n < len(parg) && parg[n] != ':' {
		return false, ""
	}
	if min < 0 {
		if n != len(pval) {
			return false, ""
		}
	} else if n < min {
		return false, ""
	}
	if colon >= 0 {
		return true, parg[colon+1:]
	}
	return true, ""
}

// parseLong mirrors std::stol(s) on LP64 Linux (strtol base 10): optional
// leading C-locale white space, an optional sign, then at least one digit;
// anything after the digits is ignored ("10s" → 10). It fails when there is
// no digit (std::invalid_argument) or the value does not fit in 64 bits
// (std::out_of_range) — both end in "Invalid argument for -lifetime"
// (real-tools.md F30, F31).
func parseLong(s string) (int64, bool) {
	v, end, inRange := cnum.Strtoll(s)
	if end == 0 || !inRange {
		return 0, false
	}
	return v, true
}

// daemonTypes is the table behind stringToDaemonType
// (htcondor/htcondor: src/condor_daemon_client/daemon_types.cpp), without
// "none", which maps to DT_NONE and is therefore rejected (tokens.md §9.1).
var daemonTypes = []string{
	"any", "master", "schedd", "startd", "collector", "negotiator", "kbdd",
	"dagman", "view_collector", "cluster_server", "shadow", "starter",
	"credd", "gridmanager", "placementd", "lease_manager", "had", "generic",
}

// DaemonTypes returns the daemon types -type accepts, in canonical
// lower-case spelling.
func DaemonTypes() []string {
	return append([]string(nil), daemonTypes...)
}

// CanonicalDaemonType matches s against DaemonTypes with ASCII-only case
// folding (strcasecmp in the C locale, so "COLLECTOR" is accepted but the
// Kelvin sign is not a 'k') and returns the canonical spelling.
func CanonicalDaemonType(s string) (string, bool) {
	for _, t := range daemonTypes {
		if asciiEqualFold(s, t) {
			return t, true
		}
	}
	return "", false
}

// asciiEqualFold is strcasecmp(a, b) == 0 in the C locale.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		if asciiLower(a[i]) != asciiLower(b[i]) {
			return false
		}
	}
	return true
}

func asciiLower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// asciiLowerString lower-cases ASCII letters only (HTCondor's lower_case).
func asciiLowerString(s string) string {
	b := []byte(s)
	for i := range b {
		b[i] = asciiLower(b[i])
	}
	return string(b)
}
