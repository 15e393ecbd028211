package classad

import (
	"math"
	"strings"
)

// The operator semantics below follow classad::Operation (operators.cpp).

// strict implements the strictness of most operators: ERROR in either
// operand gives ERROR (checked first), then UNDEFINED gives UNDEFINED.
func strict(vs ...Value) (Value, bool) {
	for _, v := range vs {
		if v.kind == ErrorKind {
			return v, true
		}
	}
	for _, v := range vs {
		if v.kind == UndefinedKind {
			return v, true
		}
	}
	return Value{}, false
}

func unaryOp(op opKind, a Value) Value {
	if op == opUPlus {
		// Unary plus passes numbers, UNDEFINED and ERROR through.
		switch a.kind {
		case IntKind, RealKind, UndefinedKind, ErrorKind:
			return a
		}
		return ErrorValue()
	}
	if v, ok := strict(a); ok {
		return v
	}
	switch op {
	case opUMinus:
		switch a.kind {
		case IntKind:
			return IntValue(-a.i)
		case RealKind:
			return RealValue(-a.r)
		}
		// Booleans included: the C++ falls through to ERROR.
		return ErrorValue()
	case opNot:
		if b, ok := a.BoolEquiv(); ok {
			return BoolValue(!b)
		}
		return ErrorValue()
	case opBitNot:
		if a.kind == IntKind {
			return IntValue(^a.i)
		}
	}
	return ErrorValue()
}

func binaryOp(op opKind, a, b Value) Value {
	if op == opMetaEQ || op == opMetaNE {
		return metaCompare(op, a, b)
	}
	if v, ok := strict(a, b); ok {
		return v
	}
	switch op {
	case opLT, opLE, opNE, opEQ, opGE, opGT:
		return compare(op, a, b)
	case opAdd, opSub, opMul, opDiv, opMod:
		return arith(op, a, b)
	case opBitAnd, opBitOr, opBitXor, opLShift, opRShift, opURShift:
		return bitwise(op, a, b)
	}
	return ErrorValue()
}

// coerceToNumber promotes operands for comparison and arithmetic: it
// reports the dominant kind (ad, list, string before numbers) and turns
// booleans into 0/1 and mixed int/real into reals.
func coerceToNumber(a, b Value) (Kind, Value, Value) {
	switch {
	case a.kind == AdKind || b.kind == AdKind:
		return AdKind, a, b
	case a.kind == ListKind || b.kind == ListKind:
		return ListKind, a, b
	case a.kind == StringKind || b.kind == StringKind:
		return StringKind, a, b
	case a.kind == UndefinedKind || b.kind == UndefinedKind:
		return UndefinedKind, a, b
	case a.kind == ErrorKind || b.kind == ErrorKind:
		return ErrorKind, a, b
	}
	a, b = boolToInt(a), boolToInt(b)
	if a.kind == IntKind && b.kind == IntKind {
		return IntKind, a, b
	}
	if a.kind == IntKind {
		a = RealValue(float64(a.i))
	}
	if b.kind == IntKind {
		b = RealValue(float64(b.i))
	}
	return RealKind, a, b
}

func boolToInt(v Value) Value {
	if v.kind == BoolKind {
		if v.b {
			return IntValue(1)
		}
		return IntValue(0)
	}
	return v
}

// cmpResult turns a three-way comparison into the operator's result.
func cmpResult(op opKind, c int) Value {
	switch op {
	case opLT:
		return BoolValue(c < 0)
	case opLE:
		return BoolValue(c <= 0)
	case opEQ, opMetaEQ:
		return BoolValue(c == 0)
	case opNE, opMetaNE:
		return BoolValue(c != 0)
	case opGE:
		return BoolValue(c >= 0)
	case opGT:
		return BoolValue(c > 0)
	}
	return ErrorValue()
}

// compare implements ==, !=, <, <=, >, >= on non-exceptional operands.
// Strings compare case-insensitively; a string against a non-string is
// ERROR; booleans compare as 0/1 (true == 1 is true); lists and ads are
// ERROR.
func compare(op opKind, a, b Value) Value {
	k, a, b := coerceToNumber(a, b)
	switch k {
	case StringKind:
		if a.kind != StringKind || b.kind != StringKind {
			return ErrorValue()
		}
		return cmpResult(op, strcasecmp(a.s, b.s))
	case IntKind:
		return cmpResult(op, cmpInt(a.i, b.i))
	case RealKind:
		return compareReals(op, a.r, b.r)
	}
	return ErrorValue()
}

func cmpInt(x, y int64) int {
	switch {
	case x < y:
		return -1
	case x > y:
		return 1
	}
	return 0
}

// compareReals uses IEEE comparisons, so every comparison with NaN is
// false except != (and =!=).
func compareReals(op opKind, x, y float64) Value {
	switch op {
	case opLT:
		return BoolValue(x < y)
	case opLE:
		return BoolValue(x <= y)
	case opEQ, opMetaEQ:
		return BoolValue(x == y)
	case opNE, opMetaNE:
		return BoolValue(x != y)
	case opGE:
		return BoolValue(x >= y)
	case opGT:
		return BoolValue(x > y)
	}
	return ErrorValue()
}

// metaCompare implements =?= (is) and =!= (isnt): never UNDEFINED, no type
// promotion, strings compared case-sensitively. Lists and ads give ERROR,
// as in the C++.
func metaCompare(op opKind, a, b Value) Value {
	if a.kind != b.kind {
		return BoolValue(op == opMetaNE)
	}
	switch a.kind {
	case UndefinedKind, ErrorKind:
		return BoolValue(op == opMetaEQ)
	case StringKind:
		return cmpResult(op, strings.Compare(a.s, b.s))
	case IntKind:
		return cmpResult(op, cmpInt(a.i, b.i))
	case RealKind:
		return compareReals(op, a.r, b.r)
	case BoolKind:
		return BoolValue((a.b == b.b) == (op == opMetaEQ))
	}
	return ErrorValue()
}

// arith implements + - * / % on non-exceptional operands: numbers and
// booleans only. Integer arithmetic wraps; division or modulus by zero is
// ERROR; MinInt64 / -1 is MaxInt64 and MinInt64 % -1 is 0 (the C++ guards).
// Real results equal to +Inf are ERROR and real modulus is ERROR.
func arith(op opKind, a, b Value) Value {
	if !a.IsNumber() || !b.IsNumber() {
		return ErrorValue()
	}
	k, a, b := coerceToNumber(a, b)
	if k == IntKind {
		x, y := a.i, b.i
		switch op {
		case opAdd:
			return IntValue(x + y)
		case opSub:
			return IntValue(x - y)
		case opMul:
			return IntValue(x * y)
		case opDiv:
			if x == math.MinInt64 && y == -1 {
				return IntValue(math.MaxInt64)
			}
			if y == 0 {
				return ErrorValue()
			}
			return IntValue(x / y)
		case opMod:
			if x == math.MinInt64 && y == -1 {
				return IntValue(0)
			}
			if y == 0 {
				return ErrorValue()
			}
			return IntValue(x % y)
		}
		return ErrorValue()
	}
	x, y := a.r, b.r
	var r float64
	switch op {
	case opAdd:
		r = x + y
	case opSub:
		r = x - y
	case opMul:
		r = x * y
	case opDiv:
		r = x / y
	default:
		return ErrorValue()
	}
	if math.IsInf(r, 1) {
		return ErrorValue()
	}
	return RealValue(r)
}

// bitwise implements & | ^ << >> >>> on integers. Shift counts outside
// 0..63 (undefined behaviour in C++) are reduced modulo 64 like x86-64.
func bitwise(op opKind, a, b Value) Value {
	if a.kind != IntKind || b.kind != IntKind {
		return ErrorValue()
	}
	x, y := a.i, b.i
	n := uint(y) & 63
	switch op {
	case opBitAnd:
		return IntValue(x & y)
	case opBitOr:
		return IntValue(x | y)
	case opBitXor:
		return IntValue(x ^ y)
	case opLShift:
		return IntValue(x << n)
	case opRShift:
		if x >= 0 || y <= 0 {
			if x >= 0 {
				return IntValue(x >> n)
			}
			return IntValue(x)
		}
		return IntValue(x >> min(uint64(y), 63))
	case opURShift:
		if x >= 0 {
			return IntValue(x >> n)
		}
		v := (x >> 1) & math.MaxInt64
		return IntValue(v >> (uint(y-1) & 63))
	}
	return ErrorValue()
}

// logical implements && and || once the left operand did not decide the
// result (Operation::doLogical): numbers count as booleans, other
// non-exceptional values are ERROR, and UNDEFINED && false is false,
// UNDEFINED || true is true.
func logical(op opKind, a, b Value) Value {
	if v, ok := a.BoolEquiv(); ok {
		a = BoolValue(v)
	}
	if v, ok := b.BoolEquiv(); ok {
		b = BoolValue(v)
	}
	if !(a.kind == BoolKind || a.IsExceptional()) || !(b.kind == BoolKind || b.IsExceptional()) {
		return ErrorValue()
	}
	if op == opOr {
		switch {
		case a.kind == BoolKind && a.b:
			return a
		case a.kind == ErrorKind:
			return a
		case a.kind == BoolKind:
			return b
		case b.kind != BoolKind:
			return b
		case b.b:
			return b
		}
		return Undefined()
	}
	switch {
	case a.kind == BoolKind && !a.b:
		return a
	case a.kind == ErrorKind:
		return a
	case a.kind == BoolKind:
		return b
	case b.kind != BoolKind:
		return b
	case !b.b:
		return b
	}
	return Undefined()
}
