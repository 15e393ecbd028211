package classad

import (
	"math"
	"strings"
)

// Kind is the type of a ClassAd Value.
type Kind uint8

// The kinds of values the ClassAd language knows about (absolute and
// relative time values are not supported by this package).
const (
	// UndefinedKind is the UNDEFINED value, e.g. a reference to a missing
	// attribute. The zero Value is UNDEFINED.
	UndefinedKind Kind = iota
	// ErrorKind is the ERROR value, e.g. the result of comparing a string
	// with an integer.
	ErrorKind
	// BoolKind is a boolean.
	BoolKind
	// IntKind is a 64-bit signed integer.
	IntKind
	// RealKind is a 64-bit IEEE floating point number.
	RealKind
	// StringKind is a string of bytes (not necessarily UTF-8).
	StringKind
	// ListKind is a list of values.
	ListKind
	// AdKind is a nested ClassAd (a record).
	AdKind
)

// String returns the name of the kind as HTCondor's documentation spells it.
func (k Kind) String() string {
	switch k {
	case UndefinedKind:
		return "undefined"
	case ErrorKind:
		return "error"
	case BoolKind:
		return "boolean"
	case IntKind:
		return "integer"
	case RealKind:
		return "real"
	case StringKind:
		return "string"
	case ListKind:
		return "list"
	case AdKind:
		return "classad"
	}
	return "unknown"
}

// Value is the result of evaluating a ClassAd expression. Values are
// immutable; the zero Value is UNDEFINED.
type Value struct {
	kind Kind
	b    bool
	i    int64
	r    float64
	s    string
	list []Value
	// ad is the scope of a nested ad value: the ad itself plus the lexical
	// parent its attribute expressions are evaluated in.
	ad *scope
}

// Undefined returns the UNDEFINED value.
func Undefined() Value { return Value{} }

// ErrorValue returns the ERROR value.
func ErrorValue() Value { return Value{kind: ErrorKind} }

// BoolValue returns a boolean value.
func BoolValue(b bool) Value { return Value{kind: BoolKind, b: b} }

// IntValue returns an integer value.
func IntValue(i int64) Value { return Value{kind: IntKind, i: i} }

// RealValue returns a real value.
func RealValue(r float64) Value { return Value{kind: RealKind, r: r} }

// StringValue returns a string value.
func StringValue(s string) Value { return Value{kind: StringKind, s: s} }

// ListValue returns a list value holding a copy of vs.
func ListValue(vs ...Value) Value {
	return Value{kind: ListKind, list: append([]Value(nil), vs...)}
}

// AdValue returns a nested-ad value holding a copy of ad (a nil ad gives an
// empty one).
func AdValue(ad *Ad) Value {
	return Value{kind: AdKind, ad: &scope{ad: ad.Clone()}}
}

// Kind returns the type of v.
func (v Value) Kind() Kind { return v.kind }

// IsUndefined reports whether v is UNDEFINED.
func (v Value) IsUndefined() bool { return v.kind == UndefinedKind }

// IsError reports whether v is ERROR.
func (v Value) IsError() bool { return v.kind == ErrorKind }

// IsExceptional reports whether v is UNDEFINED or ERROR.
func (v Value) IsExceptional() bool { return v.kind == UndefinedKind || v.kind == ErrorKind }

// IsNumber reports whether v is an integer, a real or a boolean (booleans
// take part in ClassAd arithmetic as 0 and 1).
func (v Value) IsNumber() bool {
	return v.kind == IntKind || v.kind == RealKind || v.kind == BoolKind
}

// BoolVal returns the boolean held by v; ok is false if v is not a boolean.
func (v Value) BoolVal() (b, ok bool) { return v.b, v.kind == BoolKind }

// IntVal returns the integer held by v; ok is false if v is not an integer.
func (v Value) IntVal() (int64, bool) { return v.i, v.kind == IntKind }

// RealVal returns the real held by v; ok is false if v is not a real.
func (v Value) RealVal() (float64, bool) { return v.r, v.kind == RealKind }

// StringVal returns the string held by v; ok is false if v is not a string.
func (v Value) StringVal() (string, bool) { return v.s, v.kind == StringKind }

// ListVal returns a copy of the elements of a list value; ok is false if v
// is not a list.
func (v Value) ListVal() ([]Value, bool) {
	if v.kind != ListKind {
		return nil, false
	}
	return append([]Value(nil), v.list...), true
}

// AdVal returns a copy of the nested ad held by v; ok is false if v is not
// an ad.
func (v Value) AdVal() (*Ad, bool) {
	if v.kind != AdKind || v.ad == nil {
		return nil, false
	}
	return v.ad.ad.Clone(), true
}

// BoolEquiv returns v as a boolean under the ClassAd rules for conditions
// (Value::IsBooleanValueEquiv): booleans as they are, integers and reals
// true when non-zero (a NaN is non-zero). ok is false for every other kind,
// including UNDEFINED and ERROR.
func (v Value) BoolEquiv() (b, ok bool) {
	switch v.kind {
	case BoolKind:
		return v.b, true
	case IntKind:
		return v.i != 0, true
	case RealKind:
		return v.r != 0, true
	}
	return false, false
}

// NumberAsInt returns a number as an integer the way ClassAd lookups do
// (Value::IsNumber(long long&)): reals are truncated toward zero, booleans
// are 0 or 1. ok is false for non-numbers.
func (v Value) NumberAsInt() (int64, bool) {
	switch v.kind {
	case IntKind:
		return v.i, true
	case BoolKind:
		if v.b {
			return 1, true
		}
		return 0, true
	case RealKind:
		return realToInt(v.r), true
	}
	return 0, false
}

// NumberAsReal returns a number as a real (integers converted, booleans 0.0
// or 1.0); ok is false for non-numbers.
func (v Value) NumberAsReal() (float64, bool) {
	switch v.kind {
	case IntKind:
		return float64(v.i), true
	case BoolKind:
		if v.b {
			return 1, true
		}
		return 0, true
	case RealKind:
		return v.r, true
	}
	return 0, false
}

// realToInt converts like a C cast on x86-64: truncation toward zero, and
// the "integer indefinite" value math.MinInt64 for NaN and out-of-range
// inputs (where C++ has undefined behaviour).
func realToInt(r float64) int64 {
	if math.IsNaN(r) || r >= 9223372036854775808.0 || r < -9223372036854775808.0 {
		return math.MinInt64
	}
	return int64(r)
}

// Equal reports whether v and w are the same value: same kind and same
// content. Unlike the =?= operator, two NaNs are equal here, and lists and
// ads are compared element by element (ads by their old-syntax text).
func (v Value) Equal(w Value) bool {
	if v.kind != w.kind {
		return false
	}
	switch v.kind {
	case UndefinedKind, ErrorKind:
		return true
	case BoolKind:
		return v.b == w.b
	case IntKind:
		return v.i == w.i
	case RealKind:
		return v.r == w.r && math.Signbit(v.r) == math.Signbit(w.r) ||
			math.IsNaN(v.r) && math.IsNaN(w.r)
	case StringKind:
		return v.s == w.s
	case ListKind:
		if len(v.list) != len(w.list) {
			return false
		}
		for i := range v.list {
			if !v.list[i].Equal(w.list[i]) {
				return false
			}
		}
		return true
	case AdKind:
		return v.String() == w.String()
	}
	return false
}

// String returns v in old ClassAd syntax, as HTCondor prints values
// (e.g. `"a\"b"`, `1.5`, `{ 1,2 }`, `[ a = 1; b = 2 ]`).
func (v Value) String() string {
	var b strings.Builder
	writeValue(&b, v, syntaxOld)
	return b.String()
}

// UnparseNew returns v in new ClassAd syntax (C escapes in strings, reals
// as %1.15E). HTCondor uses this form when it converts values to strings,
// e.g. in strcat() and string().
func (v Value) UnparseNew() string {
	var b strings.Builder
	writeValue(&b, v, syntaxNew)
	return b.String()
}

// writeValue unparses a value (ClassAdUnParser::Unparse(buffer, Value)).
func writeValue(b *strings.Builder, v Value, syn syntax) {
	switch v.kind {
	case UndefinedKind:
		b.WriteString("undefined")
	case ErrorKind:
		b.WriteString("error")
	case BoolKind:
		if v.b {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case IntKind:
		writeInt(b, v.i)
	case RealKind:
		writeReal(b, v.r, syn)
	case StringKind:
		writeQuoted(b, v.s, '"', syn)
	case ListKind:
		b.WriteString("{ ")
		for i, e := range v.list {
			if i > 0 {
				b.WriteByte(',')
			}
			writeValue(b, e, syn)
		}
		b.WriteString(" }")
	case AdKind:
		var ad *Ad
		if v.ad != nil {
			ad = v.ad.ad
		}
		writeNestedAd(b, ad, syn)
	}
}
