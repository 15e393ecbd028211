package classad

import (
	"errors"
	"fmt"
	"strings"
)

const (
	// MaxWireAttributes is the largest attribute count getClassAd accepts
	// (cedar.md §3.3).
	MaxWireAttributes = 1_000_000
	// MaxLiteralAttributes is the largest attribute count of a security
	// negotiation ad (getPODClassAd, cedar.md §3.3, pitfall 6).
	MaxLiteralAttributes = 100
)

// splitAssignment splits "Name = expr" at the first '=' like
// SplitLongFormAttrValue (compat_classad.cpp): leading white space and the
// spaces before '=' are dropped from the name, the spaces after '=' from
// the value. rhsAt is the offset of the value in line.
func splitAssignment(line string) (name, rhs string, rhsAt int, err error) {
	i := 0
	for i < len(line) && isSpaceC(line[i]) {
		i++
	}
	eq := strings.IndexByte(line[i:], '=')
	if eq < 0 {
		return "", "", 0, errors.New(`classad: attribute line has no "=" (expected "Name = value")`)
	}
	eq += i
	end := eq
	for end > i && line[end-1] == ' ' {
		end--
	}
	name = line[i:end]
	if err := checkName(name); err != nil {
		return "", "", 0, fmt.Errorf("classad: attribute line: %w", err)
	}
	rhsAt = eq + 1
	for rhsAt < len(line) && line[rhsAt] == ' ' {
		rhsAt++
	}
	return name, line[rhsAt:], rhsAt, nil
}

// ParseAssignment parses one wire line "Name = expr", the value in old
// syntax (cedar.md §3.3). Unlike the C++ reader, text after a complete
// expression is an error rather than silently ignored.
func ParseAssignment(line string) (name string, e Expr, err error) {
	name, rhs, at, err := splitAssignment(line)
	if err != nil {
		return "", Expr{}, err
	}
	n, err := parseText(rhs, lexOld)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) {
			se.Attr = name
			se.Offset += at
		}
		return "", Expr{}, err
	}
	return name, Expr{n}, nil
}

// UnparseAssignment returns the wire line "Name = expr" for e: exactly one
// space on each side of '=', the expression in old syntax (cedar.md §3.1).
func UnparseAssignment(name string, e Expr) string {
	return name + " = " + e.UnparseOld()
}

// ParseLiteralAssignment parses one line of a security-negotiation ad: the
// value must be a single literal token (integer, real, boolean, string,
// undefined or error) with nothing after it (getPODClassAd, cedar.md §3.3).
// "-5" is one literal; "- 5", "1 + 2", lists, ads, references and calls are
// refused.
func ParseLiteralAssignment(line string) (name string, v Value, err error) {
	name, rhs, at, err := splitAssignment(line)
	if err != nil {
		return "", Value{}, err
	}
	if err := checkInput(rhs); err != nil {
		se := err.(*SyntaxError)
		se.Attr, se.Offset = name, se.Offset+at
		return "", Value{}, se
	}
	lx := newLexer(rhs, lexOld)
	t := lx.next()
	if t.kind == tBad {
		return "", Value{}, &SyntaxError{Attr: name, Offset: at + t.pos, Msg: t.text}
	}
	if !t.kind.isLiteral() {
		return "", Value{}, &SyntaxError{Attr: name, Offset: at + t.pos,
			Msg: fmt.Sprintf("value must be a literal in a security negotiation ad, found %s", t.kind)}
	}
	if t2 := lx.next(); t2.kind != tEOF {
		return "", Value{}, &SyntaxError{Attr: name, Offset: at + t2.pos,
			Msg: fmt.Sprintf("value must be a single literal in a security negotiation ad, found %s after it", t2.kind)}
	}
	switch t.kind {
	case tInt:
		v = IntValue(t.i)
	case tReal:
		v = RealValue(t.r)
	case tBool:
		v = BoolValue(t.b)
	case tString:
		v = StringValue(t.text)
	case tErrorLit:
		v = ErrorValue()
	}
	return name, v, nil
}

// ParseLines builds an ad from wire lines (one "Name = expr" per attribute,
// cedar.md §3.3). A later line replaces an earlier one of the same name.
func ParseLines(lines []string) (*Ad, error) {
	if len(lines) > MaxWireAttributes {
		return nil, fmt.Errorf("classad: ad has %d attributes, more than the limit of %d", len(lines), MaxWireAttributes)
	}
	ad := NewAd()
	for _, l := range lines {
		name, e, err := ParseAssignment(l)
		if err != nil {
			return nil, err
		}
		_ = ad.Set(name, e) // the name was checked by ParseAssignment
	}
	return ad, nil
}

// ParseLiteralAd builds a security-negotiation ad from wire lines with the
// strict reader: at most MaxLiteralAttributes lines, each a literal
// (getPODClassAd, cedar.md §3.3, pitfall 6).
func ParseLiteralAd(lines []string) (*Ad, error) {
	if len(lines) > MaxLiteralAttributes {
		return nil, fmt.Errorf("classad: security negotiation ad has %d attributes, more than the limit of %d", len(lines), MaxLiteralAttributes)
	}
	ad := NewAd()
	for _, l := range lines {
		name, v, err := ParseLiteralAssignment(l)
		if err != nil {
			return nil, err
		}
		_ = ad.Set(name, Lit(v))
	}
	return ad, nil
}

// AssignmentLines returns the ad as wire lines in the given order
// (FlatMapOrder is what putClassAd sends, cedar.md §3.1).
func (a *Ad) AssignmentLines(order Order) []string {
	idx := a.order(order)
	lines := make([]string, len(idx))
	for i, j := range idx {
		lines[i] = UnparseAssignment(a.attrs[j].name, a.attrs[j].expr)
	}
	return lines
}

// ParseOld parses an ad in old ("long form") syntax: one "Name = expr"
// per line. Empty lines and lines starting with '#' are skipped; a later
// line replaces an earlier one of the same name.
func ParseOld(text string) (*Ad, error) {
	if err := checkInput(text); err != nil {
		return nil, err
	}
	ad := NewAd()
	for i, line := range strings.Split(text, "\n") {
		t := strings.TrimLeft(line, " \t\v\f\r")
		if t == "" || t[0] == '#' {
			continue
		}
		name, e, err := ParseAssignment(line)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				se.Line = i + 1
				return nil, err
			}
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		if ad.Len() >= MaxWireAttributes && !ad.Has(name) {
			return nil, fmt.Errorf("classad: more than %d attributes", MaxWireAttributes)
		}
		_ = ad.Set(name, e)
	}
	return ad, nil
}

// UnparseOld returns the ad in old syntax: "Name = value\n" per attribute
// in the given order, as condor_token_request_approve prints a request
// (FlatMapOrder, tokens.md §9.5) or condor_status -long an ad
// (AlphabeticalOrder). Private attributes are included.
func (a *Ad) UnparseOld(order Order) string {
	var b strings.Builder
	for _, j := range a.order(order) {
		b.WriteString(a.attrs[j].name)
		b.WriteString(" = ")
		writeNode(&b, a.attrs[j].expr.root(), syntaxOld)
		b.WriteByte('\n')
	}
	return b.String()
}

// ParseNew parses an ad in new syntax, "[ a = 1; b = 2 ]". Attribute names
// may be single-quoted; values use new-syntax string escapes.
func ParseNew(text string) (*Ad, error) {
	if err := checkInput(text); err != nil {
		return nil, err
	}
	p := &parser{lx: newLexer(text, lexNew)}
	t := p.lx.next()
	if t.kind != tLBox {
		return nil, p.unexpected(t, "'['")
	}
	r, err := p.adLiteral(t)
	if err != nil {
		return nil, err
	}
	if t := p.lx.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "end of input")
	}
	return r.n.(*adNode).ad, nil
}

// UnparseNew returns the ad in new syntax, "[ a = 1; b = 2 ]", attributes in
// flat-map order as the C++ stores them.
func (a *Ad) UnparseNew() string {
	var b strings.Builder
	writeNestedAd(&b, a, syntaxNew)
	return b.String()
}

// LongFormat returns ads the way condor_token_request_list prints them by
// default (tokens.md §9.6, real-tools.md §20): for each non-empty ad, its
// non-private attributes sorted case-insensitively as "Name = value" lines,
// then an empty line.
func LongFormat(ads ...*Ad) string {
	var b strings.Builder
	for _, ad := range ads {
		if ad.Len() == 0 {
			continue
		}
		n := b.Len()
		for _, j := range ad.order(AlphabeticalOrder) {
			e := ad.attrs[j]
			if IsPrivateAttr(e.name) {
				continue
			}
			b.WriteString(e.name)
			b.WriteString(" = ")
			writeNode(&b, e.expr.root(), syntaxOld)
			b.WriteByte('\n')
		}
		if b.Len() > n {
			b.WriteByte('\n')
		}
	}
	return b.String()
}
