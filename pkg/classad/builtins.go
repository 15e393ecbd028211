package classad

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// builtin is a ClassAd function. It receives its unevaluated arguments so
// that functions such as ifThenElse evaluate only what they need.
type builtin func(st *evalState, sc *scope, name string, args []node) Value

// builtins maps lower-cased function names to implementations (function
// names are case-insensitive; fnCall.cpp, and compat_classad.cpp for the
// stringList functions). Unknown functions evaluate to ERROR.
var builtins map[string]builtin

func init() {
	builtins = map[string]builtin{
		"isundefined":       fnIsType,
		"iserror":           fnIsType,
		"isstring":          fnIsType,
		"isinteger":         fnIsType,
		"isreal":            fnIsType,
		"isboolean":         fnIsType,
		"islist":            fnIsType,
		"isclassad":         fnIsType,
		"member":            fnMember,
		"identicalmember":   fnMember,
		"size":              fnSize,
		"time":              fnTime,
		"strcat":            fnStrcat,
		"join":              fnStrcat,
		"toupper":           fnChangeCase,
		"tolower":           fnChangeCase,
		"substr":            fnSubstr,
		"strcmp":            fnStrcmp,
		"stricmp":           fnStrcmp,
		"regexp":            fnRegexp,
		"int":               fnInt,
		"real":              fnReal,
		"string":            fnString,
		"bool":              fnBool,
		"floor":             fnRound,
		"ceil":              fnRound,
		"ceiling":           fnRound,
		"round":             fnRound,
		"ifthenelse":        fnIfThenElse,
		"stringlistmember":  fnStringListMember,
		"stringlistimember": fnStringListMember,
	}
}

func (st *evalState) call(sc *scope, n *callNode) Value {
	f, ok := builtins[asciiLower(n.name)]
	if !ok {
		return ErrorValue()
	}
	return f(st, sc, asciiLower(n.name), n.args)
}

func (st *evalState) evalArgs(sc *scope, args []node) []Value {
	vs := make([]Value, len(args))
	for i, a := range args {
		vs[i] = st.eval(sc, a)
	}
	return vs
}

func fnIsType(st *evalState, sc *scope, name string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	return BoolValue(st.eval(sc, args[0]).kind == isTypeKinds[name])
}

var isTypeKinds = map[string]Kind{
	"isundefined": UndefinedKind, "iserror": ErrorKind, "isstring": StringKind,
	"isinteger": IntKind, "isreal": RealKind, "isboolean": BoolKind,
	"islist": ListKind, "isclassad": AdKind,
}

// fnMember is member(x, list) (== comparison) and identicalMember(x, list)
// (=?= comparison).
func fnMember(st *evalState, sc *scope, name string, args []node) Value {
	if len(args) != 2 {
		return ErrorValue()
	}
	vs := st.evalArgs(sc, args)
	x, l := vs[0], vs[1]
	useIs := name == "identicalmember"
	if l.kind == UndefinedKind || !useIs && x.kind == UndefinedKind {
		return Undefined()
	}
	if l.kind != ListKind || x.kind == ListKind || x.kind == AdKind {
		return ErrorValue()
	}
	if !useIs && x.kind == ErrorKind {
		return ErrorValue()
	}
	op := opEQ
	if useIs {
		op = opMetaEQ
	}
	for _, e := range l.list {
		if r := binaryOp(op, e, x); r.kind == BoolKind && r.b {
			return r
		}
	}
	return BoolValue(false)
}

func fnSize(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	v := st.eval(sc, args[0])
	switch v.kind {
	case UndefinedKind:
		return v
	case ListKind:
		return IntValue(int64(len(v.list)))
	case AdKind:
		if v.ad == nil {
			return IntValue(0)
		}
		return IntValue(int64(v.ad.ad.Len()))
	case StringKind:
		return IntValue(int64(len(v.s)))
	}
	return ErrorValue()
}

func fnTime(st *evalState, _ *scope, _ string, args []node) Value {
	if len(args) != 0 {
		return ErrorValue()
	}
	return IntValue(st.time())
}

// toStringValue is convertValueToStringValue: strings as they are, other
// values unparsed in new syntax; UNDEFINED and ERROR stay as they are.
func toStringValue(v Value) Value {
	switch v.kind {
	case StringKind, UndefinedKind, ErrorKind:
		return v
	}
	return StringValue(v.UnparseNew())
}

// fnStrcat concatenates its arguments converted to strings; any UNDEFINED
// argument makes strcat UNDEFINED. join(sep, a, b...) puts sep between the
// items and skips UNDEFINED ones; join(sep, list) and join(list) join a
// list's elements.
func fnStrcat(st *evalState, sc *scope, name string, args []node) Value {
	vs := st.evalArgs(sc, args)
	isJoin := name == "join"
	if isJoin && len(vs) > 0 && len(vs) <= 2 && vs[len(vs)-1].kind == ListKind {
		items := []Value{StringValue("")}
		if len(vs) == 2 {
			items[0] = vs[0]
		}
		vs = append(items, vs[len(vs)-1].list...)
	}
	var (
		b          strings.Builder
		sep        string
		undef, def bool
	)
	for i, v := range vs {
		sv := toStringValue(v)
		switch sv.kind {
		case UndefinedKind:
			undef = true
			if isJoin {
				continue
			}
			return Undefined()
		case ErrorKind:
			return ErrorValue()
		}
		if isJoin {
			if i == 0 {
				sep = sv.s
				continue
			}
			if b.Len() > 0 {
				b.WriteString(sep)
			}
		}
		def = true
		b.WriteString(sv.s)
		if b.Len() > MaxStringLen {
			return ErrorValue()
		}
		st.steps += len(sv.s) / 16 // charge large copies to the budget
	}
	if undef && !def {
		return Undefined()
	}
	return StringValue(b.String())
}

func fnChangeCase(st *evalState, sc *scope, name string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	sv := toStringValue(st.eval(sc, args[0]))
	if sv.kind != StringKind {
		return sv
	}
	if name == "tolower" {
		return StringValue(asciiLower(sv.s))
	}
	return StringValue(asciiUpper(sv.s))
}

func asciiUpper(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - ('a' - 'A')
		}
	}
	return string(b)
}

// fnSubstr is substr(s, offset [, length]) with Perl-like negative offsets
// and lengths (fnCall.cpp subString; offsets are C ints).
func fnSubstr(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) < 2 || len(args) > 3 {
		return ErrorValue()
	}
	vs := st.evalArgs(sc, args)
	for _, v := range vs {
		if v.kind == UndefinedKind {
			return v
		}
	}
	if vs[0].kind != StringKind || vs[1].kind != IntKind || len(vs) == 3 && vs[2].kind != IntKind {
		return ErrorValue()
	}
	s := vs[0].s
	alen := len(s)
	offset := int(int32(vs[1].i))
	length := 0
	if len(vs) == 3 {
		length = int(int32(vs[2].i))
	}
	if offset < 0 {
		offset = max(alen+offset, 0)
	} else if offset >= alen {
		offset = alen
	}
	if length <= 0 {
		length = max(alen-offset+length, 0)
	} else if length > alen-offset {
		length = alen - offset
	}
	if len(vs) == 3 && int32(vs[2].i) == 0 {
		length = 0
	}
	return StringValue(s[offset : offset+length])
}

func fnStrcmp(st *evalState, sc *scope, name string, args []node) Value {
	if len(args) != 2 {
		return ErrorValue()
	}
	vs := st.evalArgs(sc, args)
	if vs[0].kind == UndefinedKind || vs[1].kind == UndefinedKind {
		return Undefined()
	}
	a, b := toStringValue(vs[0]), toStringValue(vs[1])
	if a.kind != StringKind || b.kind != StringKind {
		return ErrorValue()
	}
	if name == "strcmp" {
		return IntValue(int64(strings.Compare(a.s, b.s)))
	}
	return IntValue(int64(strcasecmp(a.s, b.s)))
}

// fnRegexp is regexp(pattern, target [, options]). HTCondor uses PCRE2; this
// uses Go's RE2 syntax, so PCRE-only constructs (back-references,
// look-around) are ERROR. Options: i (caseless), m (multi-line), s (dot
// matches newline); x (extended) is not supported and gives ERROR.
func fnRegexp(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 2 && len(args) != 3 {
		return ErrorValue()
	}
	vs := st.evalArgs(sc, args)
	if v, ok := strict(vs...); ok {
		return v
	}
	opts := ""
	if len(vs) == 3 {
		if vs[2].kind != StringKind {
			return ErrorValue()
		}
		opts = vs[2].s
	}
	if vs[0].kind != StringKind || vs[1].kind != StringKind {
		return ErrorValue()
	}
	flags := ""
	for _, f := range "ims" {
		if strings.ContainsRune(opts, f) {
			flags += string(f)
		}
	}
	if strings.ContainsRune(opts, 'x') {
		return ErrorValue()
	}
	pattern := vs[0].s
	if flags != "" {
		pattern = "(?" + flags + ")" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return ErrorValue()
	}
	st.steps += (len(vs[0].s) + len(vs[1].s)) / 256
	return BoolValue(re.MatchString(vs[1].s))
}

// strtodPrefix parses the longest decimal floating-point prefix of s like
// C strtod (after leading white space; "inf", "infinity" and "nan" too).
// ok is false if no conversion could be performed.
func strtodPrefix(s string) (float64, bool) {
	i := 0
	for i < len(s) && isSpaceC(s[i]) {
		i++
	}
	start := i
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	rest := asciiLower(s[i:])
	for _, w := range []string{"infinity", "inf", "nan"} {
		if strings.HasPrefix(rest, w) {
			v, err := strconv.ParseFloat(s[start:i+len(w)], 64)
			return v, err == nil
		}
	}
	digits := 0
	for i < len(s) && isDigit(s[i]) {
		i++
		digits++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i]) {
			i++
			digits++
		}
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) {
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			i = j
		}
	}
	v, _ := strconv.ParseFloat(s[start:i], 64)
	return v, true
}

// fnInt converts to an integer: reals truncate, booleans give 0/1, strings
// are read with strtod and truncated ("3.7" is 3, "x" is ERROR).
func fnInt(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	v := st.eval(sc, args[0])
	switch v.kind {
	case UndefinedKind:
		return v
	case StringKind:
		r, ok := strtodPrefix(v.s)
		if !ok {
			return ErrorValue()
		}
		return IntValue(realToInt(r))
	}
	if i, ok := v.NumberAsInt(); ok {
		return IntValue(i)
	}
	return ErrorValue()
}

// toReal is convertValueToRealValue.
func toReal(v Value) Value {
	switch v.kind {
	case UndefinedKind:
		return v
	case StringKind:
		r, ok := strtodPrefix(v.s)
		if !ok {
			return ErrorValue()
		}
		return RealValue(r)
	}
	if r, ok := v.NumberAsReal(); ok {
		return RealValue(r)
	}
	return ErrorValue()
}

func fnReal(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	return toReal(st.eval(sc, args[0]))
}

func fnString(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	return toStringValue(st.eval(sc, args[0]))
}

func fnBool(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	v := st.eval(sc, args[0])
	switch v.kind {
	case UndefinedKind:
		return v
	case StringKind:
		switch asciiLower(v.s) {
		case "true":
			return BoolValue(true)
		case "false":
			return BoolValue(false)
		}
		return Undefined()
	}
	if b, ok := v.BoolEquiv(); ok {
		return BoolValue(b)
	}
	return ErrorValue()
}

// fnRound is floor/ceil/ceiling/round; round rounds half to even (rint).
func fnRound(st *evalState, sc *scope, name string, args []node) Value {
	if len(args) != 1 {
		return ErrorValue()
	}
	v := st.eval(sc, args[0])
	if v.kind == IntKind {
		return v
	}
	r := toReal(v)
	if r.kind != RealKind {
		return ErrorValue()
	}
	switch name {
	case "floor":
		return IntValue(realToInt(math.Floor(r.r)))
	case "round":
		return IntValue(realToInt(math.RoundToEven(r.r)))
	}
	return IntValue(realToInt(math.Ceil(r.r)))
}

// fnIfThenElse evaluates only the branch selected by a boolean-equivalent
// condition; UNDEFINED gives UNDEFINED, anything else ERROR.
func fnIfThenElse(st *evalState, sc *scope, _ string, args []node) Value {
	if len(args) != 3 {
		return ErrorValue()
	}
	c := st.eval(sc, args[0])
	if c.kind == UndefinedKind {
		return c
	}
	b, ok := c.BoolEquiv()
	if !ok {
		return ErrorValue()
	}
	if b {
		return st.eval(sc, args[1])
	}
	return st.eval(sc, args[2])
}

// fnStringListMember is stringListMember(item, list [, delimiters]) and
// the case-insensitive stringListIMember: list is split at any delimiter
// character (default ", \t\r\n"), items trimmed, empty items dropped.
// UNDEFINED arguments act as "" unless both item and list are UNDEFINED.
func fnStringListMember(st *evalState, sc *scope, name string, args []node) Value {
	if len(args) < 2 || len(args) > 3 {
		return ErrorValue()
	}
	vs := st.evalArgs(sc, args)
	delims := ", \t\r\n"
	for i, v := range vs {
		if v.kind != UndefinedKind && v.kind != StringKind {
			return ErrorValue()
		}
		if i == 2 && v.kind == StringKind {
			delims = v.s
		}
	}
	if vs[0].kind == UndefinedKind && vs[1].kind == UndefinedKind {
		return Undefined()
	}
	item := vs[0].s
	for _, tok := range splitStringList(vs[1].s, delims) {
		if tok == item || name == "stringlistimember" && strcasecmp(tok, item) == 0 {
			return BoolValue(true)
		}
	}
	return BoolValue(false)
}

// splitStringList is StringTokenIterator with trimming: split at any
// delimiter byte, trim C white space, drop empty items.
func splitStringList(s, delims string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool {
		return r < 0x80 && strings.IndexByte(delims, byte(r)) >= 0
	}) {
		f = strings.TrimFunc(f, func(r rune) bool { return r < 0x80 && isSpaceC(byte(r)) })
		if f != "" {
			out = append(out, f)
		}
	}
	return out
}
