package classad

import (
	"strings"
)

// opKind mirrors classad::Operation::OpKind.
type opKind uint8

const (
	opNone opKind = iota
	opLT
	opLE
	opNE
	opEQ
	opGE
	opGT
	opMetaEQ // =?= / is
	opMetaNE // =!= / isnt
	opUPlus
	opUMinus
	opAdd
	opSub
	opMul
	opDiv
	opMod
	opNot
	opOr
	opAnd
	opBitNot
	opBitOr
	opBitXor
	opBitAnd
	opLShift
	opRShift
	opURShift
	opParen
	opSubscript
	opElvis
	opTernary
)

// opText is ClassAdUnParser::opString: the spacing HTCondor prints.
// Unary operators carry a leading space (" -x"), binary ones a space on
// each side.
var opText = [...]string{
	opNone: "", opLT: " < ", opLE: " <= ", opNE: " != ", opEQ: " == ",
	opGE: " >= ", opGT: " > ", opMetaEQ: " is ", opMetaNE: " isnt ",
	opUPlus: " +", opUMinus: " -", opAdd: " + ", opSub: " - ", opMul: " * ",
	opDiv: " / ", opMod: " % ", opNot: " !", opOr: " || ", opAnd: " && ",
	opBitNot: " ~", opBitOr: " | ", opBitXor: " ^ ", opBitAnd: " & ",
	opLShift: " << ", opRShift: " >> ", opURShift: " >>> ",
	opParen: " () ", opSubscript: " [] ", opElvis: " ?: ", opTernary: " ?: ",
}

func (op opKind) unary() bool {
	return op == opUPlus || op == opUMinus || op == opNot || op == opBitNot
}

// node is one expression tree node. All node types are pointers so that
// nodes have identity; trees are never modified after parsing.
type node interface{ isNode() }

// litNode is a scalar literal (undefined, error, bool, int, real, string).
type litNode struct{ v Value }

// attrNode is an attribute reference "name" or, if absolute, ".name".
type attrNode struct {
	name     string
	lname    string // asciiLower(name), for lookups
	absolute bool
}

// selectNode is "base.name".
type selectNode struct {
	base  node
	name  string
	lname string
}

// opNode is an operation; a is the only operand of unary operators and
// parentheses, c is used by the ternary operator only.
type opNode struct {
	op      opKind
	a, b, c node
}

// callNode is a function call; the name keeps its spelling.
type callNode struct {
	name string
	args []node
}

// listNode is a list literal "{ a, b }".
type listNode struct{ elems []node }

// adNode is a nested ClassAd literal "[ a = 1; b = 2 ]".
type adNode struct{ ad *Ad }

func (*litNode) isNode()    {}
func (*attrNode) isNode()   {}
func (*selectNode) isNode() {}
func (*opNode) isNode()     {}
func (*callNode) isNode()   {}
func (*listNode) isNode()   {}
func (*adNode) isNode()     {}

// Expr is a parsed ClassAd expression. Exprs are immutable and safe for
// concurrent use. The zero Expr behaves as the literal UNDEFINED.
type Expr struct{ n node }

// IsZero reports whether e is the zero Expr.
func (e Expr) IsZero() bool { return e.n == nil }

func (e Expr) root() node {
	if e.n == nil {
		return &litNode{}
	}
	return e.n
}

// Lit returns a literal expression for v. Lists and nested ads become list
// and ad literals.
func Lit(v Value) Expr { return Expr{valueNode(v)} }

func valueNode(v Value) node {
	switch v.kind {
	case ListKind:
		elems := make([]node, len(v.list))
		for i, e := range v.list {
			elems[i] = valueNode(e)
		}
		return &listNode{elems: elems}
	case AdKind:
		var ad *Ad
		if v.ad != nil {
			ad = v.ad.ad
		}
		return &adNode{ad: ad.Clone()}
	}
	return &litNode{v: v}
}

// Literal returns the value of a scalar literal expression (a number,
// string, boolean, undefined or error); ok is false for anything else,
// including a parenthesised literal.
func (e Expr) Literal() (Value, bool) {
	if l, ok := e.root().(*litNode); ok {
		return l.v, true
	}
	return Value{}, false
}

// AttrRef returns the attribute name if e is a plain attribute reference
// (not absolute, not scoped).
func (e Expr) AttrRef() (string, bool) {
	if a, ok := e.n.(*attrNode); ok && !a.absolute {
		return a.name, true
	}
	return "", false
}

// String returns e in old ClassAd syntax (the form sent on the wire).
func (e Expr) String() string { return e.UnparseOld() }

// UnparseOld returns e in old ClassAd syntax exactly as HTCondor's
// unparser writes it (ClassAdUnParser with SetOldClassAd(true, true)).
func (e Expr) UnparseOld() string {
	var b strings.Builder
	writeNode(&b, e.root(), syntaxOld)
	return b.String()
}

// UnparseNew returns e in new ClassAd syntax (HTCondor's default
// unparser, as used inside JSON "\/Expr(...)\/" strings).
func (e Expr) UnparseNew() string {
	var b strings.Builder
	writeNode(&b, e.root(), syntaxNew)
	return b.String()
}

func writeNode(b *strings.Builder, n node, syn syntax) {
	switch n := n.(type) {
	case *litNode:
		writeValue(b, n.v, syn)
	case *attrNode:
		if n.absolute {
			b.WriteByte('.')
		}
		writeIdent(b, n.name, syn)
	case *selectNode:
		writeNode(b, n.base, syn)
		if l, ok := n.base.(*litNode); ok && l.v.kind == IntKind {
			// "1.b" would lex as a malformed real; the C++ writes it anyway.
			b.WriteByte(' ')
		}
		b.WriteByte('.')
		// The C++ writes this name raw; quoting it when needed keeps
		// names like 'a b' readable and is identical for identifiers.
		writeIdent(b, n.name, syn)
	case *opNode:
		writeOp(b, n, syn)
	case *callNode:
		// A name that came from a quoted identifier ('a b'(x)) is written
		// quoted so that it parses back; the C++ writes it raw.
		writeIdent(b, n.name, syn)
		b.WriteByte('(')
		for i, a := range n.args {
			if i > 0 {
				b.WriteByte(',')
			}
			writeNode(b, a, syn)
		}
		b.WriteByte(')')
	case *listNode:
		b.WriteString("{ ")
		for i, e := range n.elems {
			if i > 0 {
				b.WriteByte(',')
			}
			writeNode(b, e, syn)
		}
		b.WriteString(" }")
	case *adNode:
		writeNestedAd(b, n.ad, syn)
	}
}

func writeOp(b *strings.Builder, n *opNode, syn syntax) {
	switch {
	case n.op == opParen:
		b.WriteByte('(')
		writeNode(b, n.a, syn)
		b.WriteByte(')')
	case n.op.unary():
		b.WriteString(opText[n.op])
		writeNode(b, n.a, syn)
	case n.op == opTernary:
		writeNode(b, n.a, syn)
		b.WriteString(" ? ")
		writeNode(b, n.b, syn)
		b.WriteString(" : ")
		writeNode(b, n.c, syn)
	case n.op == opSubscript:
		writeNode(b, n.a, syn)
		b.WriteByte('[')
		writeNode(b, n.b, syn)
		b.WriteByte(']')
	default:
		writeNode(b, n.a, syn)
		switch {
		case syn == syntaxOld && n.op == opMetaEQ:
			b.WriteString(" =?= ")
		case syn == syntaxOld && n.op == opMetaNE:
			b.WriteString(" =!= ")
		default:
			b.WriteString(opText[n.op])
		}
		writeNode(b, n.b, syn)
	}
}

// writeNestedAd writes "[ a = 1; b = 2 ]" in the ad's flat-map order (a
// nested C++ ClassAd is stored in that order); values stay in the given
// syntax. An empty ad is "[  ]".
func writeNestedAd(b *strings.Builder, ad *Ad, syn syntax) {
	b.WriteString("[ ")
	if ad != nil {
		for i, idx := range ad.order(FlatMapOrder) {
			if i > 0 {
				b.WriteString("; ")
			}
			a := ad.attrs[idx]
			writeIdent(b, a.name, syn)
			b.WriteString(" = ")
			writeNode(b, a.expr.root(), syn)
		}
	}
	b.WriteString(" ]")
}
