package classad

import (
	"fmt"
	"strings"
)

// Parser and evaluator limits.
const (
	// MaxInputSize is the largest text (expression, ad or JSON document)
	// the parsers accept, in bytes.
	MaxInputSize = 16 << 20
	// MaxParseDepth bounds the parser's recursion (nested parentheses,
	// lists, ads, chained unary operators), like the C++ MAX_PARSER_DEPTH.
	MaxParseDepth = 500
	// MaxTreeHeight bounds the height of a parsed expression tree (long
	// left-associative chains such as a+b+c+... grow it without recursion).
	MaxTreeHeight = 10000
)

// SyntaxError describes why ClassAd text could not be parsed. It never
// quotes the input, which may hold secrets such as tokens.
type SyntaxError struct {
	// Attr names the attribute whose value failed to parse, if known.
	Attr string
	// Line is the 1-based line of a multi-line text, or 0.
	Line int
	// Offset is the byte offset of the problem within the parsed text
	// (within the line for line-based input).
	Offset int
	// Msg says what was wrong.
	Msg string
}

// Error implements error.
func (e *SyntaxError) Error() string {
	var b strings.Builder
	b.WriteString("classad: ")
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Attr != "" {
		fmt.Fprintf(&b, "attribute %s: ", e.Attr)
	}
	fmt.Fprintf(&b, "syntax error at offset %d: %s", e.Offset, e.Msg)
	return b.String()
}

type parser struct {
	lx    *lexer
	depth int
}

type parseResult struct {
	n node
	h int // height of the tree
}

func (p *parser) errAt(t token, format string, args ...any) error {
	return &SyntaxError{Offset: t.pos, Msg: fmt.Sprintf(format, args...)}
}

// unexpected reports an unexpected token without quoting its text.
func (p *parser) unexpected(t token, want string) error {
	if t.kind == tBad {
		return p.errAt(t, "%s", t.text)
	}
	if want == "" {
		return p.errAt(t, "unexpected %s", t.kind)
	}
	return p.errAt(t, "expected %s, found %s", want, t.kind)
}

func (p *parser) enter(t token) error {
	p.depth++
	if p.depth > MaxParseDepth {
		return p.errAt(t, "expression nested more than %d levels deep", MaxParseDepth)
	}
	return nil
}

func (p *parser) grow(t token, hs ...int) (int, error) {
	h := 0
	for _, x := range hs {
		h = max(h, x)
	}
	h++
	if h > MaxTreeHeight {
		return 0, p.errAt(t, "expression tree higher than %d levels", MaxTreeHeight)
	}
	return h, nil
}

// checkInput refuses oversized input and NUL bytes (a NUL ends a C
// string, so the C++ would silently ignore everything after it).
func checkInput(s string) error {
	if len(s) > MaxInputSize {
		return &SyntaxError{Msg: fmt.Sprintf("input of %d bytes exceeds the %d-byte limit", len(s), MaxInputSize)}
	}
	if i := strings.IndexByte(s, 0); i >= 0 {
		return &SyntaxError{Offset: i, Msg: "NUL byte in input"}
	}
	return nil
}

// parseText parses a whole text as one expression in the given mode.
func parseText(s string, mode lexMode) (node, error) {
	if err := checkInput(s); err != nil {
		return nil, err
	}
	p := &parser{lx: newLexer(s, mode)}
	r, err := p.expr()
	if err != nil {
		return nil, err
	}
	if t := p.lx.peek(); t.kind != tEOF {
		return nil, p.unexpected(t, "end of input")
	}
	return r.n, nil
}

// ParseExpr parses an expression in old ClassAd syntax, the syntax of the
// wire and of configuration knobs such as SEC_TOKEN_REVOCATION_EXPR
// (ParseClassAdRvalExpr). The whole text must be one expression.
func ParseExpr(s string) (Expr, error) {
	n, err := parseText(s, lexOld)
	if err != nil {
		return Expr{}, err
	}
	return Expr{n}, nil
}

// ParseExprNew parses an expression in new ClassAd syntax (C escapes in
// strings).
func ParseExprNew(s string) (Expr, error) {
	n, err := parseText(s, lexNew)
	if err != nil {
		return Expr{}, err
	}
	return Expr{n}, nil
}

// MustParseExpr is like ParseExpr but panics on error; it is meant for
// expressions that are constants of the program.
func MustParseExpr(s string) Expr {
	e, err := ParseExpr(s)
	if err != nil {
		panic(err)
	}
	return e
}

// expr := or [ '?' expr ':' expr ]
func (p *parser) expr() (parseResult, error) {
	if err := p.enter(p.lx.peek()); err != nil {
		return parseResult{}, err
	}
	defer func() { p.depth-- }()
	c, err := p.binary(0)
	if err != nil {
		return c, err
	}
	if t := p.lx.peek(); t.kind == tQMark {
		p.lx.next()
		yes, err := p.expr()
		if err != nil {
			return yes, err
		}
		if t2 := p.lx.next(); t2.kind != tColon {
			return parseResult{}, p.unexpected(t2, "':'")
		}
		no, err := p.expr()
		if err != nil {
			return no, err
		}
		h, err := p.grow(t, c.h, yes.h, no.h)
		if err != nil {
			return parseResult{}, err
		}
		return parseResult{&opNode{op: opTernary, a: c.n, b: yes.n, c: no.n}, h}, nil
	}
	return c, nil
}

// binaryLevels lists the left-associative binary operators from the lowest
// precedence to the highest (source.cpp parseLogicalORExpression ...
// parseMultiplicativeExpression).
var binaryLevels = [...]map[tokKind]opKind{
	{tOr: opOr},
	{tAnd: opAnd},
	{tBitOr: opBitOr},
	{tBitXor: opBitXor},
	{tBitAnd: opBitAnd},
	{tEQ: opEQ, tNE: opNE, tMetaEQ: opMetaEQ, tMetaNE: opMetaNE},
	{tLT: opLT, tLE: opLE, tGT: opGT, tGE: opGE},
	{tLShift: opLShift, tRShift: opRShift, tURShift: opURShift},
	{tPlus: opAdd, tMinus: opSub},
	{tMul: opMul, tDiv: opDiv, tMod: opMod},
}

func (p *parser) binary(level int) (parseResult, error) {
	if level == len(binaryLevels) {
		return p.unary()
	}
	left, err := p.binary(level + 1)
	if err != nil {
		return left, err
	}
	for {
		t := p.lx.peek()
		op, ok := binaryLevels[level][t.kind]
		if !ok {
			return left, nil
		}
		p.lx.next()
		right, err := p.binary(level + 1)
		if err != nil {
			return right, err
		}
		h, err := p.grow(t, left.h, right.h)
		if err != nil {
			return parseResult{}, err
		}
		left = parseResult{&opNode{op: op, a: left.n, b: right.n}, h}
	}
}

var unaryOps = map[tokKind]opKind{tMinus: opUMinus, tPlus: opUPlus, tBitNot: opBitNot, tNot: opNot}

func (p *parser) unary() (parseResult, error) {
	t := p.lx.peek()
	if err := p.enter(t); err != nil {
		return parseResult{}, err
	}
	defer func() { p.depth-- }()
	op, ok := unaryOps[t.kind]
	if !ok {
		return p.postfix()
	}
	p.lx.next()
	x, err := p.unary()
	if err != nil {
		return x, err
	}
	h, err := p.grow(t, x.h)
	if err != nil {
		return parseResult{}, err
	}
	return parseResult{&opNode{op: op, a: x.n}, h}, nil
}

// postfix := primary { '[' expr ']' | '.' ident | '?:' postfix }
func (p *parser) postfix() (parseResult, error) {
	if err := p.enter(p.lx.peek()); err != nil {
		return parseResult{}, err
	}
	defer func() { p.depth-- }()
	x, err := p.primary()
	if err != nil {
		return x, err
	}
	for {
		t := p.lx.peek()
		var (
			n  node
			hs []int
		)
		switch t.kind {
		case tLBox:
			p.lx.next()
			idx, err := p.expr()
			if err != nil {
				return idx, err
			}
			if t2 := p.lx.next(); t2.kind != tRBox {
				return parseResult{}, p.unexpected(t2, "']'")
			}
			n, hs = &opNode{op: opSubscript, a: x.n, b: idx.n}, []int{x.h, idx.h}
		case tSelect:
			p.lx.next()
			id := p.lx.next()
			if id.kind != tIdent {
				return parseResult{}, p.unexpected(id, "attribute name after '.'")
			}
			n, hs = &selectNode{base: x.n, name: id.text, lname: asciiLower(id.text)}, []int{x.h}
		case tElvis:
			p.lx.next()
			y, err := p.postfix()
			if err != nil {
				return y, err
			}
			n, hs = &opNode{op: opElvis, a: x.n, b: y.n}, []int{x.h, y.h}
		default:
			return x, nil
		}
		h, err := p.grow(t, hs...)
		if err != nil {
			return parseResult{}, err
		}
		x = parseResult{n, h}
	}
}

func (p *parser) primary() (parseResult, error) {
	t := p.lx.next()
	switch t.kind {
	case tIdent:
		if p.lx.peek().kind == tLParen {
			return p.call(t)
		}
		return parseResult{&attrNode{name: t.text, lname: asciiLower(t.text)}, 1}, nil
	case tSelect:
		id := p.lx.next()
		if id.kind != tIdent {
			return parseResult{}, p.unexpected(id, "attribute name after '.'")
		}
		return parseResult{&attrNode{name: id.text, lname: asciiLower(id.text), absolute: true}, 1}, nil
	case tLParen:
		x, err := p.expr()
		if err != nil {
			return x, err
		}
		if t2 := p.lx.next(); t2.kind != tRParen {
			return parseResult{}, p.unexpected(t2, "')'")
		}
		h, err := p.grow(t, x.h)
		if err != nil {
			return parseResult{}, err
		}
		return parseResult{&opNode{op: opParen, a: x.n}, h}, nil
	case tLBox:
		return p.adLiteral(t)
	case tLBrace:
		return p.listLiteral(t)
	case tUndef:
		return parseResult{&litNode{v: Undefined()}, 1}, nil
	case tErrorLit:
		return parseResult{&litNode{v: ErrorValue()}, 1}, nil
	case tBool:
		return parseResult{&litNode{v: BoolValue(t.b)}, 1}, nil
	case tInt:
		return parseResult{&litNode{v: IntValue(t.i)}, 1}, nil
	case tReal:
		return parseResult{&litNode{v: RealValue(t.r)}, 1}, nil
	case tString:
		return parseResult{&litNode{v: StringValue(t.text)}, 1}, nil
	}
	return parseResult{}, p.unexpected(t, "")
}

// call parses an argument list. Old ClassAd semantics (on in HTCondor)
// also accept ';' between arguments.
func (p *parser) call(name token) (parseResult, error) {
	p.lx.next() // '('
	var (
		args []node
		hs   []int
	)
	if p.lx.peek().kind != tRParen {
		for {
			a, err := p.expr()
			if err != nil {
				return a, err
			}
			args, hs = append(args, a.n), append(hs, a.h)
			t := p.lx.peek()
			if t.kind == tComma || t.kind == tSemi {
				p.lx.next()
				continue
			}
			if t.kind != tRParen {
				return parseResult{}, p.unexpected(t, "',' or ')'")
			}
			break
		}
	}
	p.lx.next() // ')'
	h, err := p.grow(name, hs...)
	if err != nil {
		return parseResult{}, err
	}
	return parseResult{&callNode{name: name.text, args: args}, h}, nil
}

// listLiteral parses "{ a, b }" after the '{'. A trailing comma is an error.
func (p *parser) listLiteral(open token) (parseResult, error) {
	var (
		elems []node
		hs    []int
	)
	tt := p.lx.peek().kind
	for tt != tRBrace {
		e, err := p.expr()
		if err != nil {
			return e, err
		}
		elems, hs = append(elems, e.n), append(hs, e.h)
		t := p.lx.peek()
		tt = t.kind
		if tt == tComma {
			p.lx.next()
		} else if tt != tRBrace {
			return parseResult{}, p.unexpected(t, "',' or '}'")
		}
	}
	p.lx.next() // '}'
	h, err := p.grow(open, hs...)
	if err != nil {
		return parseResult{}, err
	}
	return parseResult{&listNode{elems: elems}, h}, nil
}

// adLiteral parses "[ a = 1; b = 2 ]" after the '['. Extra semicolons are
// tolerated, as in source.cpp parseClassAd.
func (p *parser) adLiteral(open token) (parseResult, error) {
	ad := NewAd()
	var hs []int
	tt := p.lx.peek().kind
	for tt != tRBox {
		t := p.lx.next()
		if t.kind == tSemi {
			tt = tSemi
			continue
		}
		if t.kind != tIdent {
			return parseResult{}, p.unexpected(t, "attribute name")
		}
		if eq := p.lx.next(); eq.kind != tAssign {
			return parseResult{}, p.unexpected(eq, "'='")
		}
		e, err := p.expr()
		if err != nil {
			return e, err
		}
		if err := ad.Set(t.text, Expr{e.n}); err != nil {
			return parseResult{}, p.errAt(t, "%v", err)
		}
		hs = append(hs, e.h)
		nt := p.lx.peek()
		tt = nt.kind
		if tt != tSemi && tt != tRBox {
			return parseResult{}, p.unexpected(nt, "';' or ']'")
		}
		for tt == tSemi {
			p.lx.next()
			tt = p.lx.peek().kind
		}
	}
	p.lx.next() // ']'
	h, err := p.grow(open, hs...)
	if err != nil {
		return parseResult{}, err
	}
	return parseResult{&adNode{ad: ad}, h}, nil
}
