package classad

import (
	"time"
)

// Evaluation limits (the C++ EvalState defaults, exprTree.h).
const (
	// MaxEvalDepth bounds nested evaluation (operators, attribute
	// references); beyond it the whole evaluation yields ERROR.
	MaxEvalDepth = 400
	// MaxEvalSteps bounds the total number of node evaluations of one
	// top-level evaluation (it stops exponential re-evaluation such as
	// A = B + B; B = C + C; ...).
	MaxEvalSteps = 10_000_000
	// MaxStringLen bounds strings built during evaluation; longer results
	// are ERROR.
	MaxStringLen = 16 << 20
)

// nowFunc is the clock behind time() and CurrentTime (replaced in tests).
var nowFunc = time.Now

// scope is one ad in the chain of lexical scopes an expression is
// evaluated in.
type scope struct {
	ad     *Ad
	parent *scope
	// other is set on the two top-level ads of a match evaluation: it is
	// what TARGET means for MY and vice versa, and the "alternate scope"
	// that unscoped references fall back to (old ClassAd semantics).
	other *scope
}

type slotKey struct {
	ad  *Ad
	idx int
}

type evalState struct {
	root    *scope
	depth   int
	steps   int
	aborted bool
	stack   []slotKey // attributes being evaluated (circularity check)
	now     int64
	haveNow bool
}

func newEvalState() *evalState { return &evalState{} }

// finish turns an aborted evaluation (depth or step budget exceeded) into
// ERROR, as the C++ failure return does.
func (st *evalState) finish(v Value) Value {
	if st.aborted {
		return ErrorValue()
	}
	return v
}

func (st *evalState) time() int64 {
	if !st.haveNow {
		st.now, st.haveNow = nowFunc().Unix(), true
	}
	return st.now
}

// Eval evaluates e with ad as the scope for attribute references (a nil
// ad is an empty one). References to missing attributes are UNDEFINED;
// MY.x is x in ad, TARGET.x is UNDEFINED.
func (e Expr) Eval(ad *Ad) Value {
	if ad == nil {
		ad = NewAd()
	}
	st := newEvalState()
	st.root = &scope{ad: ad}
	return st.finish(st.eval(st.root, e.root()))
}

// EvalMatch evaluates e in my with target as the matched ad, as HTCondor
// evaluates e.g. a Requirements expression: TARGET.x refers to target, MY.x
// to my, and an unscoped name missing from my is looked up in target.
func (e Expr) EvalMatch(my, target *Ad) Value {
	if my == nil {
		my = NewAd()
	}
	if target == nil {
		return e.Eval(my)
	}
	st := newEvalState()
	ms := &scope{ad: my}
	ts := &scope{ad: target, other: ms}
	ms.other = ts
	st.root = ms
	return st.finish(st.eval(ms, e.root()))
}

// EvalBool evaluates e in ad and returns the result as a boolean; ok is
// false when the result is not boolean-equivalent (UNDEFINED, ERROR, a
// string, a list...). Numbers count: non-zero is true (IsBooleanValueEquiv).
//
// For SEC_TOKEN_REVOCATION_EXPR, HTCondor treats a token as revoked when
// the result is true or when ok is false (tokens.md §6.3):
//
//	revoked, ok := classad.EvalBool(expr, classad.AdFromClaims(claims))
//	revoked = revoked || !ok
func EvalBool(e Expr, ad *Ad) (val bool, ok bool) {
	return e.Eval(ad).BoolEquiv()
}

func (st *evalState) abort() Value {
	st.aborted = true
	return ErrorValue()
}

func (st *evalState) eval(sc *scope, n node) Value {
	if st.aborted {
		return ErrorValue()
	}
	st.steps++
	if st.steps > MaxEvalSteps || st.depth >= MaxEvalDepth {
		return st.abort()
	}
	st.depth++
	v := st.evalNode(sc, n)
	st.depth--
	return v
}

func (st *evalState) evalNode(sc *scope, n node) Value {
	switch n := n.(type) {
	case *litNode:
		return n.v
	case *attrNode:
		return st.evalRef(sc, n.lname, n.absolute, true)
	case *selectNode:
		return st.selectAttr(st.eval(sc, n.base), n.lname)
	case *opNode:
		return st.evalOp(sc, n)
	case *callNode:
		return st.call(sc, n)
	case *listNode:
		vs := make([]Value, len(n.elems))
		for i, e := range n.elems {
			vs[i] = st.eval(sc, e)
		}
		return Value{kind: ListKind, list: vs}
	case *adNode:
		return Value{kind: AdKind, ad: &scope{ad: n.ad, parent: sc}}
	}
	return ErrorValue()
}

// evalRef resolves an attribute reference (AttributeReference::FindExpr and
// ClassAd::LookupInScope): the name is looked up in the current ad, then in
// its lexical parents up to the root; the special names toplevel/root,
// self/my, parent and CurrentTime apply where the name is not an attribute.
//
// Only an unscoped reference (alt) evaluated directly in one of the two ads
// of a match falls back to the other ad ("alternate scope").
func (st *evalState) evalRef(sc *scope, lname string, absolute, alt bool) Value {
	start := sc
	if absolute {
		start = st.root
	}
	last := start
	for cur := start; cur != nil; cur = cur.parent {
		last = cur
		if i, ok := cur.ad.findLower(lname); ok {
			return st.evalAttrAt(cur, i)
		}
		switch lname {
		case "toplevel", "root":
			return Value{kind: AdKind, ad: st.root}
		case "self", "my":
			return Value{kind: AdKind, ad: cur}
		case "parent":
			if cur == st.root || cur.parent == nil {
				return Undefined()
			}
			return Value{kind: AdKind, ad: cur.parent}
		case "currenttime":
			return IntValue(st.time())
		}
		if cur == st.root {
			break
		}
	}
	if last != nil && last.other != nil && (lname == "target" || lname == "other") {
		return Value{kind: AdKind, ad: last.other}
	}
	if alt && !absolute && sc.other != nil {
		if i, ok := sc.other.ad.findLower(lname); ok {
			return st.evalAttrAt(sc.other, i)
		}
	}
	return Undefined()
}

// evalAttrAt evaluates attribute i of sc.ad in scope sc. An attribute that
// refers to itself, directly or not, is UNDEFINED (attrrefs.cpp).
func (st *evalState) evalAttrAt(sc *scope, i int) Value {
	key := slotKey{ad: sc.ad, idx: i}
	for _, k := range st.stack {
		if k == key {
			return Undefined()
		}
	}
	st.stack = append(st.stack, key)
	v := st.eval(sc, sc.ad.attrs[i].expr.root())
	st.stack = st.stack[:len(st.stack)-1]
	return v
}

// selectAttr evaluates "base.name": UNDEFINED and ERROR propagate, an ad is
// searched (with its lexical parents), a list maps the selection over its
// elements, anything else is ERROR.
func (st *evalState) selectAttr(base Value, lname string) Value {
	switch base.kind {
	case UndefinedKind, ErrorKind:
		return base
	case AdKind:
		if base.ad == nil {
			return Undefined()
		}
		return st.evalRef(base.ad, lname, false, false)
	case ListKind:
		vs := make([]Value, len(base.list))
		for i, e := range base.list {
			vs[i] = st.selectAttr(e, lname)
			if st.aborted {
				return ErrorValue()
			}
		}
		return Value{kind: ListKind, list: vs}
	}
	return ErrorValue()
}

func (st *evalState) evalOp(sc *scope, n *opNode) Value {
	switch n.op {
	case opParen:
		return st.eval(sc, n.a)
	case opAnd, opOr:
		a := st.eval(sc, n.a)
		// Operation::shortCircuit
		if b, ok := a.BoolEquiv(); ok && b == (n.op == opOr) {
			return BoolValue(b)
		}
		if a.kind == ErrorKind {
			return a
		}
		return logical(n.op, a, st.eval(sc, n.b))
	case opElvis:
		a := st.eval(sc, n.a)
		if a.kind != UndefinedKind {
			return a
		}
		return st.eval(sc, n.b)
	case opTernary:
		c := st.eval(sc, n.a)
		if b, ok := c.BoolEquiv(); ok {
			if b {
				return st.eval(sc, n.b)
			}
			return st.eval(sc, n.c)
		}
		if c.kind == UndefinedKind {
			return c
		}
		return ErrorValue()
	case opSubscript:
		return st.subscript(st.eval(sc, n.a), st.eval(sc, n.b))
	}
	if n.op.unary() {
		return unaryOp(n.op, st.eval(sc, n.a))
	}
	return binaryOp(n.op, st.eval(sc, n.a), st.eval(sc, n.b))
}

// subscript is list[int] or ad["name"] (strict in both operands).
func (st *evalState) subscript(a, i Value) Value {
	if v, ok := strict(a, i); ok {
		return v
	}
	switch {
	case a.kind == AdKind && i.kind == StringKind:
		if a.ad == nil {
			return Undefined()
		}
		idx, ok := a.ad.ad.find(i.s)
		if !ok {
			return Undefined()
		}
		return st.evalAttrAt(a.ad, idx)
	case a.kind == ListKind && i.kind == IntKind:
		// The C++ converts the index to int (32 bits) first.
		idx := int64(int32(i.i))
		if idx < 0 || idx >= int64(len(a.list)) {
			return ErrorValue()
		}
		return a.list[idx]
	}
	return ErrorValue()
}
