package config

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
)

// Limits that keep hostile or broken configurations from hanging the
// process or exhausting memory (HTCondor itself loops forever on A=$(B),
// B=$(A)).
const (
	maxExpandSteps = 100000  // macro substitutions per expansion
	maxExpandLen   = 1 << 20 // bytes of an expanded value
	maxExpandDepth = 200     // nested knob references
	maxExpandWork  = 1 << 28 // bytes copied while expanding one value
)

type macroKind int

const (
	kindNormal        macroKind = iota + 1 // $(NAME) or $(NAME:default)
	kindEnv                                // $ENV(NAME) or $ENV(NAME:default)
	kindRandomChoice                       // $RANDOM_CHOICE(a,b,c)
	kindRandomInteger                      // $RANDOM_INTEGER(min,max[,step])
	kindChoice                             // $CHOICE(index,list...)
	kindSubstr                             // $SUBSTR(name,start[,length])
	kindInt                                // $INT(name[,format])
	kindReal                               // $REAL(name[,format])
	kindString                             // $STRING(name[,format])
	kindEval                               // $EVAL(name)
	kindBasename                           // $BASENAME(path[,suffix])
	kindDirname                            // $DIRNAME(path)
	kindFilename                           // $F[pdnxqabfwu...](path)
)

// macroMatch locates one macro in a string: s[start:end] is the whole
// "$FUNC(body)"; colon is the index in body of the default separator or -1.
type macroMatch struct {
	start, end int
	kind       macroKind
	fn         string
	body       string
	colon      int
}

// nameAndDefault splits a $(NAME:default) body.
func (m *macroMatch) nameAndDefault() (name, def string, hasDef bool) {
	if m.colon < 0 {
		return m.body, "", false
	}
	return m.body[:m.colon], m.body[m.colon+1:], true
}

// isIDChar reports whether c may appear in a knob name: letters, digits,
// '_', '.' and '/' (condor_isidchar, config.cpp).
func isIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == '.' || c == '/'
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// classify maps the text between '$' and '(' to a macro kind; the bool
// says whether the body is restricted to identifier characters (with a
// ":default" part) rather than "anything up to the first ')'".
func classify(prefix string) (macroKind, bool) {
	switch prefix {
	case "$":
		return kindNormal, true
	case "$ENV":
		return kindEnv, true
	case "$RANDOM_CHOICE":
		return kindRandomChoice, false
	case "$RANDOM_INTEGER":
		return kindRandomInteger, false
	case "$CHOICE":
		return kindChoice, false
	case "$SUBSTR":
		return kindSubstr, false
	case "$INT":
		return kindInt, false
	case "$REAL":
		return kindReal, false
	case "$STRING":
		return kindString, false
	case "$EVAL":
		return kindEval, false
	case "$BASENAME":
		return kindBasename, false
	case "$DIRNAME":
		return kindDirname, false
	}
	// $F followed by any of the letters pnxdqabfwu, in either case, is a
	// file-name function ("$F(" too), is_special_config_macro.
	if len(prefix) >= 2 && prefix[1] == 'F' {
		for i := 2; i < len(prefix); i++ {
			if !strings.ContainsRune("pnxdqabfwu", rune(prefix[i]|0x20)) {
				return 0, false
			}
		}
		return kindFilename, false
	}
	return 0, false
}

// scanBody finds the closing ')' of a macro whose body starts at b.
func scanBody(s string, b int, idOnly bool) (end, colon int, ok bool) {
	colon = -1
	if !idOnly {
		r := strings.IndexByte(s[b:], ')')
		if r < 0 {
			return 0, 0, false
		}
		return b + r + 1, -1, true
	}
	k := b
	for k < len(s) && s[k] != ')' {
		c := s[k]
		k++
		if c == ':' && colon < 0 {
			colon = k - 1 - b
			continue
		}
		if colon >= 0 {
			if c == '(' {
				if r := strings.IndexByte(s[k:], ')'); r >= 0 {
					k += r + 1
					continue
				}
			} else if strings.IndexByte("$ ,\\:", c) >= 0 {
				continue
			}
		}
		if !isIDChar(c) {
			return 0, 0, false
		}
	}
	if k >= len(s) {
		return 0, 0, false
	}
	return k + 1, colon, true
}

// scanMacro finds the first macro in s at or after from, following the
// scanning rules of HTCondor's next_config_macro: "$$(...)" is never a
// config macro, a body with a character not allowed in a knob name is not
// a macro (so the scan continues inside it and "$(A$(B))" expands $(B)
// first), and skip lets the caller pass over matches such as $(DOLLAR).
func scanMacro(s string, from int, skip func(*macroMatch) bool) (macroMatch, bool) {
	i := from
	for i < len(s) {
		j := strings.IndexByte(s[i:], '$')
		if j < 0 {
			break
		}
		d := i + j
		p := d + 1
		if p < len(s) && s[p] == '$' {
			p++
		}
		q := p
		for q < len(s) && (isAlnum(s[q]) || s[q] == '_') {
			q++
		}
		i = q
		if q >= len(s) || s[q] != '(' {
			continue
		}
		kind, idOnly := classify(s[d:q])
		if kind == 0 {
			continue
		}
		end, colon, ok := scanBody(s, q+1, idOnly)
		if !ok {
			i = q + 1
			continue
		}
		m := macroMatch{start: d, end: end, kind: kind, fn: s[d:q], body: s[q+1 : end-1], colon: colon}
		if skip != nil && skip(&m) {
			i = end - 1
			continue
		}
		return m, true
	}
	return macroMatch{}, false
}

// isDollar matches the special $(DOLLAR) macro.
func isDollar(m *macroMatch) bool {
	return m.kind == kindNormal && strings.EqualFold(m.body, "DOLLAR")
}

// expandErr is an expansion failure; the caller attaches the knob and its
// source to make an ExpandError.
type expandErr struct {
	msg         string
	unsupported bool    // a macro function use condor-auth cannot reproduce
	structural  bool    // a recursive or runaway definition: always fatal at Load
	knob        string  // for a recursive definition: the knob to blame
	src         *Source // and where it is defined
}

// structuralErrorf reports a recursive or runaway definition.
func structuralErrorf(format string, args ...any) error {
	return &expandErr{msg: fmt.Sprintf(format, args...), structural: true}
}

func (e *expandErr) Error() string { return e.msg }

func expandErrorf(format string, args ...any) error {
	return &expandErr{msg: fmt.Sprintf(format, args...)}
}

// expander performs HTCondor macro expansion against one lookup function.
type expander struct {
	lookup func(name string) resolved
	getenv func(name string) (string, bool)
	memo   map[string]string
	stack  []resolved
	steps  int
	work   int
}

func newExpander(lookup func(string) resolved, getenv func(string) (string, bool)) *expander {
	return &expander{lookup: lookup, getenv: getenv, memo: map[string]string{}}
}

// full expands every macro in s, then turns $(DOLLAR) into "$" (which is
// never expanded further). "$$(...)" is left alone.
func (x *expander) full(s string) (string, error) {
	v, err := x.expand(s)
	if err != nil {
		return "", err
	}
	return resolveDollar(v), nil
}

// expand substitutes macros until none is left (except $(DOLLAR) and
// unknown "$word(" sequences). Knob values are expanded recursively and
// memoized; default texts, $ENV values, $RANDOM_CHOICE picks and the
// results of the other macro functions are substituted raw and rescanned,
// as HTCondor does.
func (x *expander) expand(s string) (string, error) {
	pos := 0
	for {
		m, ok := scanMacro(s, pos, isDollar)
		if !ok {
			return s, nil
		}
		x.steps++
		if x.steps > maxExpandSteps {
			return "", structuralErrorf("expansion does not terminate (more than %d substitutions)", maxExpandSteps)
		}
		repl, err := x.evaluate(&m)
		if err != nil {
			return "", err
		}
		if len(s)-(m.end-m.start)+len(repl) > maxExpandLen {
			return "", structuralErrorf("expanded value is longer than %d bytes", maxExpandLen)
		}
		s = s[:m.start] + repl + s[m.end:]
		x.work += len(s)
		if x.work > maxExpandWork {
			return "", structuralErrorf("expansion does not terminate (more than %d bytes of work)", maxExpandWork)
		}
		// HTCondor rescans from the start, but the text left of the
		// substitute held no macro: only an unfinished one there can
		// combine with the substitute into a new one ("$(A" + "B)").
		pos = m.start
		if d := strings.LastIndexByte(s[:m.start], '$'); d >= 0 && strings.IndexByte(s[d:m.start], ')') < 0 {
			pos = d
		}
	}
}

// evaluate returns the text replacing one macro.
func (x *expander) evaluate(m *macroMatch) (string, error) {
	switch m.kind {
	case kindNormal:
		name, def, _ := m.nameAndDefault()
		r := x.lookup(name)
		if !r.found || r.raw == "" {
			// The default applies only when the raw value is missing or
			// empty, not when it expands to nothing (config.cpp).
			return def, nil
		}
		return x.knob(r)
	case kindEnv:
		name, def, hasDef := m.nameAndDefault()
		if v, ok := x.getenv(name); ok {
			return v, nil
		}
		if hasDef {
			return def, nil
		}
		return "UNDEFINED", nil
	case kindRandomChoice:
		return x.randomChoice(m.body)
	case kindRandomInteger:
		return randomInteger(m.body)
	}
	return x.evaluateFunc(m)
}

// knob returns the expanded value of a resolved knob (still holding any
// $(DOLLAR)), detecting definition cycles.
func (x *expander) knob(r resolved) (string, error) {
	if v, ok := x.memo[r.key]; ok {
		return v, nil
	}
	for i, s := range x.stack {
		if s.key == r.key {
			// Blame the first member of the cycle set in a configuration
			// source (a cycle always has one: defaults do not loop).
			cycle := append(append([]resolved(nil), x.stack[i:]...), r)
			blame := r
			for _, c := range cycle {
				if c.src.File != SourceDefault {
					blame = c
					break
				}
			}
			names := make([]string, len(cycle))
			for j, c := range cycle {
				names[j] = c.name
			}
			return "", &expandErr{msg: "recursive definition " + strings.Join(names, " -> "),
				structural: true, knob: blame.name, src: &blame.src}
		}
	}
	if len(x.stack) >= maxExpandDepth {
		return "", structuralErrorf("knob references nested deeper than %d", maxExpandDepth)
	}
	x.stack = append(x.stack, r)
	v, err := x.expand(r.raw)
	x.stack = x.stack[:len(x.stack)-1]
	if err != nil {
		return "", err
	}
	x.memo[r.key] = v
	return v, nil
}

// randomChoice implements $RANDOM_CHOICE(a,b,c) and $RANDOM_CHOICE(LIST),
// where LIST is a knob holding a comma/space separated list.
func (x *expander) randomChoice(body string) (string, error) {
	items := splitList(body, ",")
	if len(items) == 1 {
		if r := x.lookup(items[0]); r.found {
			v, err := x.knob(r)
			if err != nil {
				return "", err
			}
			items = splitList(v, ", \t\r\n")
		}
	}
	if len(items) == 0 {
		return "", expandErrorf("$RANDOM_CHOICE() macro is empty")
	}
	return items[rand.IntN(len(items))], nil
}

// randomInteger implements $RANDOM_INTEGER(min, max[, step]).
func randomInteger(body string) (string, error) {
	items := strings.Split(body, ",")
	arg := func(i int) (int64, bool) {
		if i >= len(items) {
			return 0, false
		}
		v, err := strconv.ParseInt(strings.TrimSpace(items[i]), 10, 64)
		return v, err == nil
	}
	lo, ok := arg(0)
	if !ok {
		return "", expandErrorf("$RANDOM_INTEGER() config macro: invalid min")
	}
	hi, ok := arg(1)
	if !ok {
		return "", expandErrorf("$RANDOM_INTEGER() config macro: invalid max")
	}
	step := int64(1)
	if len(items) > 2 {
		if step, ok = arg(2); !ok || step < 1 {
			return "", expandErrorf("$RANDOM_INTEGER() config macro: invalid step")
		}
	}
	if lo > hi {
		return "", expandErrorf("$RANDOM_INTEGER() config macro: min > max")
	}
	n := (hi-lo)/step + 1
	if n <= 0 { // overflow of the range
		return "", expandErrorf("$RANDOM_INTEGER() config macro: range too large")
	}
	return strconv.FormatInt(lo+rand.Int64N(n)*step, 10), nil
}

// splitList splits on any of seps, trims blanks and drops empty items.
func splitList(s, seps string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return strings.ContainsRune(seps, r) })
	out := f[:0]
	for _, it := range f {
		if it = strings.TrimSpace(it); it != "" {
			out = append(out, it)
		}
	}
	return out
}

// expandSelf resolves only the references a knob makes to itself, at the
// moment it is defined ("X = $(X) more" appends to the previous value, the
// configured one or the default). When self carries the subsystem or local
// name prefix ("TOOL.X"), references to the bare name are self references
// too (expand_self_macro, config.cpp). The previous value is substituted
// raw: the rest is expanded lazily when the knob is read.
func expandSelf(value, self string, prefixes []string, lookup func(string) resolved) string {
	if !strings.Contains(value, "$") {
		return value
	}
	self2 := ""
	for _, p := range prefixes {
		if p != "" && len(self) > len(p)+1 && strings.EqualFold(self[:len(p)], p) && self[len(p)] == '.' {
			self2 = self[len(p)+1:]
			break
		}
	}
	isSelf := func(name string) bool {
		return strings.EqualFold(name, self) || (self2 != "" && strings.EqualFold(name, self2))
	}
	var b strings.Builder
	last := 0
	for pos := 0; ; {
		m, ok := scanMacro(value, pos, func(m *macroMatch) bool {
			if m.kind != kindNormal {
				return true
			}
			name, _, _ := m.nameAndDefault()
			return !isSelf(name)
		})
		if !ok {
			break
		}
		name, def, hasDef := m.nameAndDefault()
		b.WriteString(value[last:m.start])
		if r := lookup(name); r.found && r.raw != "" {
			b.WriteString(r.raw)
		} else if hasDef {
			b.WriteString(def)
		}
		last, pos = m.end, m.end
	}
	b.WriteString(value[last:])
	return b.String()
}
