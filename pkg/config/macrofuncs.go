package config

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/classad"
)

// The macro functions below follow the behaviour of HTCondor 25.x when it
// reads its configuration: param() expands a value with expand_macro and
// the evaluate_macro_func variant that takes the function name
// (config.cpp); the other variant (std::string, used by condor_submit)
// differs in details and is not what a daemon or tool sees. Facts only
// were taken from there; where HTCondor would abort the program with an
// error, the knob fails to expand instead, with HTCondor's message (minus
// its trailing '!'). Like every substitution in expand_macro, the text a
// function produces is scanned again for macros.

// maxMsgValue bounds how much of a value an error message quotes.
const maxMsgValue = 200

// clip shortens a value quoted in an error message.
func clip(s string) string {
	if len(s) > maxMsgValue {
		return s[:maxMsgValue] + "..."
	}
	return s
}

// unsupportedf refuses a use of a macro function that condor-auth cannot
// reproduce exactly.
func unsupportedf(fn, format string, args ...any) error {
	return &expandErr{msg: fmt.Sprintf("macro function %s() is not supported by condor-auth: ", fn) +
		fmt.Sprintf(format, args...), unsupported: true}
}

// trimC removes C isspace() characters from both ends.
func trimC(s string) string {
	i, j := 0, len(s)
	for i < j && isCSpace(s[i]) {
		i++
	}
	for j > i && isCSpace(s[j-1]) {
		j--
	}
	return s[i:j]
}

// resolveDollar turns every $(DOLLAR) of an expanded text into '$'.
func resolveDollar(v string) string {
	if !strings.Contains(v, "$") {
		return v
	}
	var b strings.Builder
	last := 0
	for pos := 0; ; {
		m, ok := scanMacro(v, pos, func(m *macroMatch) bool { return !isDollar(m) })
		if !ok {
			break
		}
		b.WriteString(v[last:m.start])
		b.WriteByte('$')
		last, pos = m.end, m.end
	}
	b.WriteString(v[last:])
	return b.String()
}

// arg is an argument of a macro function after lookup and expansion.
type arg struct {
	text string
	knob string // the knob it came from, "" for literal text
}

// note names the knob an argument came from, for error messages.
func (a arg) note() string {
	if a.knob == "" {
		return ""
	}
	return " (value of " + a.knob + ")"
}

// lookupArg looks name up as a knob and expands its value; a name that is
// not a knob stands for itself (HTCondor: lookup_macro, else the literal,
// then expand_macro when it holds a '$'). keepDollar leaves $(DOLLAR)
// alone, as the expand_macro variant $CHOICE() uses for its index does.
func (x *expander) lookupArg(name string, keepDollar bool) (arg, error) {
	a := arg{text: name}
	if r := x.lookup(name); r.found {
		v, err := x.knob(r)
		if err != nil {
			return arg{}, err
		}
		a = arg{text: v, knob: r.name}
	} else if strings.Contains(name, "$") {
		v, err := x.expand(name)
		if err != nil {
			return arg{}, err
		}
		a.text = v
	}
	if !keepDollar {
		a.text = resolveDollar(a.text)
	}
	return a, nil
}

// evaluateFunc computes $CHOICE, $SUBSTR, $INT, $REAL, $STRING, $EVAL and
// the file-name functions.
func (x *expander) evaluateFunc(m *macroMatch) (string, error) {
	switch m.kind {
	case kindChoice:
		return x.choice(m.body)
	case kindSubstr:
		return x.substr(m.body)
	case kindInt, kindReal:
		return x.number(m.kind, m.body)
	case kindString:
		return x.str(m.body)
	case kindEval:
		return x.eval(m.body)
	case kindBasename, kindDirname, kindFilename:
		return x.fileFunc(m)
	}
	return "", unsupportedf(m.fn, "unknown function")
}

// choice implements $CHOICE(index, item0, item1, ...) and
// $CHOICE(index, LIST): the index is trimmed, looked up as a knob and
// expanded (keeping $(DOLLAR)), and must be an integer in [0, INT_MAX);
// a single list argument names a knob whose expanded value is the list.
// Items are separated by commas only, empty items count, and the chosen
// one is trimmed (nth_list_item).
func (x *expander) choice(body string) (string, error) {
	items := strings.Split(body, ",")
	idx, err := x.lookupArg(trimC(items[0]), true)
	if err != nil {
		return "", err
	}
	n, ok, err := longParam("$CHOICE", idx.text)
	if err != nil {
		return "", err
	}
	if !ok || n < 0 || n >= math.MaxInt32 {
		return "", expandErrorf("$CHOICE() error: '%s' is invalid index%s", clip(idx.text), idx.note())
	}
	if len(items) < 2 {
		return "", expandErrorf("$CHOICE() error: no list")
	}
	list := items[1:]
	if len(items) == 2 {
		name := trimC(items[1])
		r := x.lookup(name)
		if !r.found {
			return "", expandErrorf("$CHOICE() macro: no list named %q", name)
		}
		v, err := x.knob(r)
		if err != nil {
			return "", err
		}
		list = strings.Split(resolveDollar(v), ",")
	}
	if n >= int64(len(list)) {
		return "", expandErrorf("$CHOICE() config macro: index %d is out of range", n)
	}
	return trimC(list[n]), nil
}

// substr implements $SUBSTR(name, start[, length]): start and length may
// be knob names or integers (expressions allowed); a negative start counts
// from the end, a negative length drops that many characters from the
// end, and both are clamped to the string, as HTCondor's $SUBSTR does.
// Arguments are not trimmed before the knob lookup ("$SUBSTR(N, S)" looks
// up " S"), and an undefined name gives the empty string.
func (x *expander) substr(body string) (string, error) {
	name, rest, ok := strings.Cut(body, ",")
	if !ok {
		return "", expandErrorf("$SUBSTR() macro: no length specified")
	}
	startArg, lenArg, hasLen := strings.Cut(rest, ",")
	a, err := x.lookupArg(startArg, false)
	if err != nil {
		return "", err
	}
	start, ok, err := longParam("$SUBSTR", a.text)
	if err != nil {
		return "", err
	}
	if !ok || start < math.MinInt32 || start >= math.MaxInt32 {
		return "", expandErrorf("$SUBSTR() macro: %s is invalid start index%s", clip(a.text), a.note())
	}
	length := int64(math.MaxInt32 / 2)
	if hasLen {
		a, err := x.lookupArg(lenArg, false)
		if err != nil {
			return "", err
		}
		n, ok, err := longParam("$SUBSTR", a.text)
		if err != nil {
			return "", err
		}
		if !ok || n < math.MinInt32 || n > math.MaxInt32 {
			return "", expandErrorf("$SUBSTR() macro: %s is invalid length%s", clip(a.text), a.note())
		}
		length = n
	}
	r := x.lookup(name)
	if !r.found {
		return "", nil
	}
	v, err := x.knob(r)
	if err != nil {
		return "", err
	}
	v = resolveDollar(v)
	size := int64(len(v))
	if start < 0 {
		start += size
	}
	start = min(max(start, 0), size)
	size -= start
	if length < 0 {
		length += size
	}
	length = min(max(length, 0), size)
	return v[start : start+length], nil
}

// snprintfMax is what HTCondor's 56-byte snprintf buffer keeps of a
// $INT() or $REAL() result.
const snprintfMax = 55

// maxFieldSize bounds the width and precision $INT() and $REAL() format
// with; see number.
const maxFieldSize = 4096

// number implements $INT(name[, format]) and $REAL(name[, format]): the
// format is everything after the first comma and must hold exactly one
// conversion of the right type (validatePrintfFormat); name is looked up
// as a knob (else used literally), expanded, and read as a number or
// evaluated as a ClassAd expression. Without a format $INT prints %lld and
// $REAL %.16G; with one, $REAL appends ".0" when the result has no '.'.
func (x *expander) number(kind macroKind, body string) (string, error) {
	fn, class := "$INT", fmtInt
	if kind == kindReal {
		fn, class = "$REAL", fmtFloat
	}
	name, f, hasFmt := strings.Cut(body, ",")
	var spec cSpec
	if hasFmt {
		var ok bool
		if spec, ok = validFormat(f, class); !ok {
			return "", expandErrorf("%s() macro: '%s' is not a valid format specifier", fn, clip(f))
		}
		if why := exactFormat(f, spec); why != "" {
			return "", unsupportedf(fn, "format '%s' (%s)", clip(f), why)
		}
		// Only the first snprintfMax bytes are kept, and they do not
		// change when a larger width or precision shrinks to this (a
		// double has at most 1074 decimals and 767 significant digits).
		spec.width, spec.prec = min(spec.width, maxFieldSize), min(spec.prec, maxFieldSize)
	}
	a, err := x.lookupArg(name, false)
	if err != nil {
		return "", err
	}
	var out string
	if kind == kindInt {
		n, ok, err := longParam(fn, a.text)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", expandErrorf("$INT() macro: %s does not evaluate to an integer%s", clip(a.text), a.note())
		}
		if !hasFmt {
			return strconv.FormatInt(n, 10), nil
		}
		out = formatInt(f, spec, n)
	} else {
		v, ok, err := doubleParam(fn, a.text)
		if err != nil {
			return "", err
		}
		if !ok {
			return "", expandErrorf("$REAL() macro: %s does not evaluate to an real%s", clip(a.text), a.note())
		}
		if !hasFmt {
			f = "%.16G"
			spec, _ = nextSpec(f, 0)
		}
		out = formatFloat(f, spec, v)
	}
	if len(out) > snprintfMax {
		out = out[:snprintfMax]
	}
	if kind == kindReal && hasFmt && !strings.Contains(out, ".") {
		out += ".0" // "force it to look like a real"
	}
	return out, nil
}

// str implements $STRING(name[, format]): name is looked up and expanded
// like $INT's; when the text parses as a ClassAd expression that evaluates
// to a string, that string is used, else the text itself.
func (x *expander) str(body string) (string, error) {
	name, f, hasFmt := strings.Cut(body, ",")
	var spec cSpec
	if hasFmt {
		var ok bool
		if spec, ok = validFormat(f, fmtString); !ok {
			return "", expandErrorf("$STRING macro: '%s' is not a valid format specifier", clip(f))
		}
		if why := exactFormat(f, spec); why != "" {
			return "", unsupportedf("$STRING", "format '%s' (%s)", clip(f), why)
		}
	}
	a, err := x.lookupArg(name, false)
	if err != nil {
		return "", err
	}
	v := a.text
	if val, ok, err := evalClassAd("$STRING", v, "CondorString"); err != nil {
		return "", err
	} else if s, isStr := val.StringVal(); ok && isStr {
		v = s
	}
	if !hasFmt {
		return v, nil
	}
	if spec.width > maxExpandLen {
		return "", structuralErrorf("expanded value is longer than %d bytes", maxExpandLen)
	}
	return formatString(f, spec, v), nil
}

// eval implements $EVAL(name): the whole body is looked up as a knob
// (else used literally) and expanded; a text that parses as a ClassAd
// expression gives its value, a string as is and anything else unparsed
// (ClassAdUnParser); a text that does not parse gives the expanded text
// if it held a '$', else nothing (HTCondor's config-reading variant).
func (x *expander) eval(body string) (string, error) {
	src := body
	if r := x.lookup(body); r.found {
		src = r.raw
	}
	a, err := x.lookupArg(body, false)
	if err != nil {
		return "", err
	}
	e, err := classad.ParseExpr(a.text)
	if err != nil {
		if strings.Contains(src, "$") {
			return a.text, nil
		}
		return "", nil
	}
	if name, bad := unsupportedCall(a.text); bad {
		return "", unsupportedf("$EVAL", "ClassAd function %s()", name)
	}
	v := e.Eval(classad.NewAd())
	if s, ok := v.StringVal(); ok {
		return s, nil
	}
	return v.UnparseNew(), nil
}

// longParam is HTCondor's string_is_long_param: a decimal integer with
// optional blanks around it (strtoll; out-of-range values clamp), else a
// ClassAd expression whose value is a number (reals truncate, booleans
// are 0 and 1).
func longParam(fn, s string) (int64, bool, error) {
	if n, end := cStrtoll(s); end > 0 && trimC(s[end:]) == "" {
		return n, true, nil
	}
	v, ok, err := evalClassAd(fn, s, "CondorLong")
	if err != nil || !ok {
		return 0, false, err
	}
	n, ok := v.NumberAsInt()
	return n, ok, nil
}

// doubleParam is HTCondor's string_is_double_param: strtod with blanks
// allowed after the number, else a ClassAd expression with a numeric value.
func doubleParam(fn, s string) (float64, bool, error) {
	if f, end := cStrtod(s); end > 0 && trimC(s[end:]) == "" {
		return f, true, nil
	}
	v, ok, err := evalClassAd(fn, s, "CondorDouble")
	if err != nil || !ok {
		return 0, false, err
	}
	f, ok := v.NumberAsReal()
	return f, ok, nil
}

// evalClassAd parses text as an old-syntax ClassAd expression, binds it
// to attr in an empty ad and evaluates it there (ClassAd::AssignExpr and
// EvaluateAttr). ok is false when the text does not parse.
func evalClassAd(fn, text, attr string) (classad.Value, bool, error) {
	e, err := classad.ParseExpr(text)
	if err != nil {
		return classad.Value{}, false, nil
	}
	if name, bad := unsupportedCall(text); bad {
		return classad.Value{}, false, unsupportedf(fn, "ClassAd function %s()", name)
	}
	ad := classad.NewAd()
	if err := ad.Set(attr, e); err != nil {
		return classad.Value{}, false, nil
	}
	v, ok := ad.EvaluateAttr(attr)
	return v, ok, nil
}

// classadFuncs are the ClassAd functions pkg/classad evaluates like
// HTCondor. A call to any other name (split, sum, absTime, ...) might
// mean something to HTCondor that condor-auth would get wrong, so an
// expression using one is refused.
var classadFuncs = map[string]bool{
	"isundefined": true, "iserror": true, "isstring": true, "isinteger": true,
	"isreal": true, "isboolean": true, "islist": true, "isclassad": true,
	"member": true, "identicalmember": true, "size": true, "time": true,
	"strcat": true, "join": true, "toupper": true, "tolower": true,
	"substr": true, "strcmp": true, "stricmp": true, "regexp": true,
	"int": true, "real": true, "string": true, "bool": true, "floor": true,
	"ceil": true, "ceiling": true, "round": true, "ifthenelse": true,
	"stringlistmember": true, "stringlistimember": true,
}

// unsupportedCall finds a function call in an old-syntax ClassAd
// expression (a name followed by '(' outside quotes) to a function not in
// classadFuncs. Quoted text is skipped by the old-syntax rule: a quote
// after a backslash is part of the text unless nothing but a newline
// follows it (tokenizeStringOld).
func unsupportedCall(s string) (string, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '"' || c == '\'':
			i++
			for i < len(s) {
				if s[i] == c && (s[i-1] != '\\' || i+1 >= len(s) || s[i+1] == '\n' || s[i+1] == 0) {
					break
				}
				i++
			}
			i++
		case c == '_' || c|0x20 >= 'a' && c|0x20 <= 'z':
			j := i
			for i < len(s) && (isAlnum(s[i]) || s[i] == '_') {
				i++
			}
			k := i
			for k < len(s) && isCSpace(s[k]) {
				k++
			}
			if k < len(s) && s[k] == '(' && !classadFuncs[strings.ToLower(s[j:i])] {
				return s[j:i], true
			}
		default:
			i++
		}
	}
	return "", false
}
