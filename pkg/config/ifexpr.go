package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// HTCondorVersion is the version "if version >= x.y" compares against: the
// HTCondor release whose behaviour condor-auth reproduces (spec README).
var HTCondorVersion = [3]int{25, 14, 0}

// maxIfDepth is HTCondor's if-nesting limit (a 64-bit state mask).
const maxIfDepth = 63

// ifLevel is one open if/elif/else block.
type ifLevel struct {
	active  bool // the current branch is taken (ignoring outer levels)
	anyTrue bool // some branch of this if was taken
	inElse  bool // an else was seen
}

// ifStack tracks nested conditionals (ConfigIfStack, config.cpp).
type ifStack []ifLevel

func (s ifStack) enabled() bool {
	for _, l := range s {
		if !l.active {
			return false
		}
	}
	return true
}

// condEnv is what condition evaluation needs from the parser.
type condEnv interface {
	expandNow(s string) (string, error)
	lookup(name string) resolved
}

// keyword reports whether line starts with kw (case-insensitive) followed
// by a blank or the end of the line, and returns the rest.
func keyword(line, kw string) (string, bool) {
	if len(line) < len(kw) || !strings.EqualFold(line[:len(kw)], kw) {
		return "", false
	}
	if len(line) > len(kw) && !isSpace(line[len(kw)]) {
		return "", false
	}
	return strings.TrimLeft(line[len(kw):], " \t\r\n\v\f"), true
}

// handle processes if/elif/else/endif lines. It reports whether line was
// one of them; err carries HTCondor's message for a bad conditional.
func (s *ifStack) handle(line string, env condEnv) (bool, error) {
	if expr, ok := keyword(line, "if"); ok {
		take := false
		if s.enabled() {
			v, err := testCondition(expr, env)
			if err != nil {
				return true, fmt.Errorf("%s is not a valid if condition because %v", expr, err)
			}
			take = v
		}
		if len(*s) >= maxIfDepth {
			return true, fmt.Errorf("if nesting too deep!")
		}
		*s = append(*s, ifLevel{active: take, anyTrue: take})
		return true, nil
	}
	if expr, ok := keyword(line, "elif"); ok {
		if len(*s) == 0 {
			return true, fmt.Errorf("elif without matching if")
		}
		top := &(*s)[len(*s)-1]
		if top.inElse {
			return true, fmt.Errorf("elif is not allowed after else")
		}
		take := false
		if !top.anyTrue && (*s)[:len(*s)-1].enabled() {
			v, err := testCondition(expr, env)
			if err != nil {
				return true, fmt.Errorf("%s is not a valid elif condition because %v", expr, err)
			}
			take = v
		}
		top.active = take
		top.anyTrue = top.anyTrue || take
		return true, nil
	}
	if _, ok := keyword(line, "else"); ok {
		if len(*s) == 0 {
			return true, fmt.Errorf("else without matching if")
		}
		top := &(*s)[len(*s)-1]
		if top.inElse {
			return true, fmt.Errorf("else is not allowed after else")
		}
		top.inElse = true
		top.active = !top.anyTrue
		return true, nil
	}
	if _, ok := keyword(line, "endif"); ok {
		if len(*s) == 0 {
			return true, fmt.Errorf("endif without matching if")
		}
		*s = (*s)[:len(*s)-1]
		return true, nil
	}
	return false, nil
}

// The if/elif regular expressions are compiled on first use: most
// configurations have no conditionals, and compiling them at start-up was a
// measurable part of a short-lived tool's run time.
var (
	reNumber  = lazyRegexp(`^-?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?$`)
	reIdent   = lazyRegexp(`^[A-Za-z0-9_./]+$`)
	reVersion = lazyRegexp(`^[vV]?([0-9]+)\.([0-9]+)(?:\.([0-9]+))?`)
)

func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// testCondition evaluates the simple conditions HTCondor accepts after if
// and elif (Test_config_if_expression): an optional "!", then a number,
// true/false, yes/no/t/f, "version <op> x.y[.z]", "defined NAME",
// "defined use CATEGORY[:template]", or $(...) expanding to one of those
// (empty means false). Anything else is an error.
func testCondition(expr string, env condEnv) (bool, error) {
	expanded := false
	if strings.Contains(expr, "$") {
		v, err := env.expandNow(expr)
		if err != nil {
			return false, err
		}
		expr, expanded = strings.TrimRight(v, " \t\r\n\v\f"), true
	}
	expr = strings.TrimLeft(expr, " \t\r\n\v\f")
	invert := false
	if strings.HasPrefix(expr, "!") {
		invert = true
		expr = strings.TrimLeft(expr[1:], " \t\r\n\v\f")
	}
	var v bool
	var err error
	if expanded && expr == "" {
		v = false
	} else {
		v, err = evalCondition(strings.TrimRight(expr, " \t\r\n\v\f"), env)
	}
	return v != invert, err
}

// literalBool recognizes the boolean and numeric literals of a condition.
func literalBool(s string) (value, ok bool) {
	switch strings.ToLower(s) {
	case "true", "yes", "t":
		return true, true
	case "false", "no", "f":
		return false, true
	}
	if reNumber().MatchString(s) {
		f, err := strconv.ParseFloat(s, 64)
		return err == nil && f != 0, true
	}
	return false, false
}

func evalCondition(expr string, env condEnv) (bool, error) {
	if v, ok := literalBool(expr); ok {
		return v, nil
	}
	if rest, ok := keyword(expr, "version"); ok {
		return evalVersion(rest)
	}
	if len(expr) > 7 && strings.EqualFold(expr[:7], "version") && strings.ContainsRune("<=>!", rune(expr[7])) {
		return evalVersion(expr[7:])
	}
	if rest, ok := keyword(expr, "defined"); ok {
		return evalDefined(rest, env)
	}
	if reIdent().MatchString(expr) {
		return false, fmt.Errorf("expression is not a conditional")
	}
	return false, fmt.Errorf("complex conditionals are not supported")
}

// evalVersion compares HTCondorVersion with the literal after "version":
// ==, !=, <, <=, >, >=, and a bare "=" meaning equality. A missing
// sub-minor number takes the current one, so 25.14 == 25.14.0.
func evalVersion(rest string) (bool, error) {
	p := strings.TrimLeft(rest, " \t")
	negate := false
	if strings.HasPrefix(p, "!") {
		negate, p = true, p[1:]
	}
	op := 0
	if p != "" && p[0] >= '<' && p[0] <= '>' {
		op = int(p[0]) - '='
		p = p[1:]
	}
	orEqual := false
	if strings.HasPrefix(p, "=") {
		orEqual, p = true, p[1:]
	}
	p = strings.TrimSpace(p)
	m := reVersion().FindStringSubmatch(p)
	if m == nil {
		return false, fmt.Errorf("the version literal is invalid")
	}
	var want [3]int
	for i := 0; i < 3; i++ {
		if m[i+1] == "" {
			want[i] = HTCondorVersion[i]
			continue
		}
		n, err := strconv.Atoi(m[i+1])
		if err != nil {
			return false, fmt.Errorf("the version literal is invalid")
		}
		want[i] = n
	}
	if want[0] < 6 {
		return false, fmt.Errorf("the version literal is invalid")
	}
	diff := 0
	for i := 0; i < 3 && diff == 0; i++ {
		switch {
		case HTCondorVersion[i] < want[i]:
			diff = -1
		case HTCondorVersion[i] > want[i]:
			diff = 1
		}
	}
	res := diff == op || (orEqual && diff == 0)
	return res != negate, nil
}

// evalDefined implements "defined NAME" (a non-empty raw value, defaults
// included), "defined <number|bool>" (true) and "defined use CAT[:tmpl]".
func evalDefined(rest string, env condEnv) (bool, error) {
	if rest == "" {
		return false, nil
	}
	if u, ok := keyword(rest, "use"); ok {
		if strings.ContainsAny(u, " \t\r") {
			return false, fmt.Errorf("defined use meta argument with internal spaces will never match")
		}
		cat, tmpl, hasTmpl := strings.Cut(u, ":")
		if !metaCategoryKnown(cat) {
			return false, nil
		}
		if !hasTmpl || tmpl == "" {
			return true, nil
		}
		_, _, known := metaLookup(cat, tmpl)
		return known, nil
	}
	if isPlainLiteral(rest) {
		return true, nil
	}
	if reIdent().MatchString(rest) {
		if r := env.lookup(rest); r.found {
			return r.raw != "", nil
		}
		// yes/no/t/f look like names; when no such knob exists they count
		// as literals, hence as defined.
		_, crufty := literalBool(rest)
		return crufty, nil
	}
	return false, fmt.Errorf("defined argument must be param name, boolean, or number")
}

// isPlainLiteral is true for numbers and true/false, which are "defined"
// without a lookup.
func isPlainLiteral(s string) bool {
	switch strings.ToLower(s) {
	case "true", "false":
		return true
	}
	return reNumber().MatchString(s)
}
