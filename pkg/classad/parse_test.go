package classad

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// TestUnparseOldCanonical: old-syntax parse then unparse gives HTCondor's
// canonical text (sink.cpp spacing; parentheses only where written).
func TestUnparseOldCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		// Forms seen on the wire (collector_query.json).
		{`((Name == "schedd@vm"))`, `((Name == "schedd@vm"))`},
		{`(RecentDaemonCoreDutyCycle > 0.98) || (TransferQueueNumWaitingToUpload > TransferQueueMaxUploading)`,
			`(RecentDaemonCoreDutyCycle > 0.98) || (TransferQueueNumWaitingToUpload > TransferQueueMaxUploading)`},
		{`strcat("Owner_",Owner)`, `strcat("Owner_",Owner)`},
		{`TotalLocalJobsRunning < 200`, `TotalLocalJobsRunning < 200`},
		{`-1.0`, `-1.0`},
		{`-1`, `-1`},
		{`0.0`, `0.0`},
		// Spacing.
		{`a==b`, `a == b`},
		{`a&&b||c`, `a && b || c`},
		{`1 +   2*3`, `1 + 2 * 3`},
		{`a<=b`, `a <= b`},
		{`a!=b`, `a != b`},
		{`a%b`, `a % b`},
		{`a<<2>>>1`, `a << 2 >>> 1`},
		{`a&b|c^d`, `a & b | c ^ d`},
		// Unary operators carry a leading space.
		{`!a`, ` !a`},
		{`~a`, ` ~a`},
		{`+a`, ` +a`},
		{`-a`, ` -a`},
		{`- 5`, ` -5`},
		{`!(a && b)`, ` !(a && b)`},
		// '-' before a digit: literal unless after a value/identifier/closer.
		{`a-1`, `a - 1`},
		{`a -1`, `a - 1`},
		{`5 - -3`, `5 - -3`},
		{`(a)-1`, `(a) - 1`},
		{`{1}-1`, `{ 1 } - 1`},
		{`-.5`, `-0.5`},
		// Meta operators.
		{`a =?= b`, `a =?= b`},
		{`a=!=b`, `a =!= b`},
		{`a is b`, `a =?= b`},
		{`a ISNT b`, `a =!= b`},
		// Conditional, Elvis, subscript, selection.
		{`x?y:z`, `x ? y : z`},
		{`x ? : y`, `x ?: y`},
		{`x?:y`, `x ?: y`},
		{`a[0]`, `a[0]`},
		{`a . b`, `a.b`},
		{`MY.Foo =?= TARGET.Bar`, `MY.Foo =?= TARGET.Bar`},
		{`.foo`, `.foo`},
		{`x.'a b'`, `x.'a b'`},
		// Literals.
		{`TRUE`, `true`},
		{`False`, `false`},
		{`UNDEFINED`, `undefined`},
		{`Error`, `error`},
		{`1.5e3`, `1500.0`},
		{`1e10`, `10000000000.0`},
		{`1E16`, `1E+16`},
		{`.5`, `0.5`},
		{`1e-5`, `1E-05`},
		{`08.5`, `8.5`},
		{`-012`, `-12`},
		{`9223372036854775807`, `9223372036854775807`},
		{`-9223372036854775808`, `-9223372036854775808`},
		{`1e400`, `real("INF")`},
		{`real("NaN")`, `real("NaN")`},
		// Lists and ads.
		{`{1, 2,3}`, `{ 1,2,3 }`},
		{`{}`, `{  }`},
		{`[a=1;b="x";]`, `[ a = 1; b = "x" ]`},
		{`[ b = 1; a = 2 ]`, `[ a = 2; b = 1 ]`},
		{`[ ;; a = 1 ;; ]`, `[ a = 1 ]`},
		{`[]`, `[  ]`},
		{`[ bb = 1; a = 2 ]`, `[ a = 2; bb = 1 ]`},
		// Functions: name kept as written, ';' accepted between arguments.
		{`StrCat( "a" , b )`, `StrCat("a",b)`},
		{`f(a;b)`, `f(a,b)`},
		{`time()`, `time()`},
		{`'a b'(1)`, `'a b'(1)`},
		{`''()`, `''()`},
		{`'strcat'("x")`, `strcat("x")`},
		// Quoted attribute names.
		{`'my attr'`, `'my attr'`},
		{`'foo'`, `foo`},
		{`'parent'`, `'parent'`},
		{`'TRUE'`, `'TRUE'`},
		{`'a\'b'`, `'a\'b'`},
		// Comments and white space.
		{"/* c */ 1 // x", `1`},
		{" \t\n1\n", `1`},
		// Old-syntax strings: backslashes are literal, only \" escapes.
		{`"C:\new"`, `"C:\new"`},
		{`"a\"b"`, `"a\"b"`},
		{`"a\""`, `"a\""`},
		{`"a\"`, `"a\"`},
	}
	for _, tc := range tests {
		e, err := ParseExpr(tc.in)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", tc.in, err)
			continue
		}
		if got := e.UnparseOld(); got != tc.want {
			t.Errorf("ParseExpr(%q).UnparseOld() = %q, want %q", tc.in, got, tc.want)
		}
		if got := e.String(); got != tc.want {
			t.Errorf("String() = %q, want %q", got, tc.want)
		}
	}
}

func TestUnparseNew(t *testing.T) {
	tests := []struct{ in, want string }{
		{`a =?= b`, `a is b`},
		{`a =!= b`, `a isnt b`},
		{`1.5`, `1.500000000000000E+00`},
		{`-0.0`, `-0.0`},
		{`{1.0, "x"}`, `{ 1.000000000000000E+00,"x" }`},
		{`[a = 2.5]`, `[ a = 2.500000000000000E+00 ]`},
		{`"a\nb\t\\"`, `"a\nb\t\\"`},
		{`"\101\0101"`, `"A\b1"`},
		{`"\x"`, `"x"`},
		{`"a" "b"`, `"ab"`},
		{`"\303\251"`, `"\303\251"`},
		{`"it's"`, `"it's"`},
		{`"\a\v\f\r"`, `"\a\v\f\r"`},
		{`"\001\177"`, `"\001\177"`},
		{`'a\nb'`, `'a\nb'`},
	}
	for _, tc := range tests {
		e, err := ParseExprNew(tc.in)
		if err != nil {
			t.Errorf("ParseExprNew(%q): %v", tc.in, err)
			continue
		}
		if got := e.UnparseNew(); got != tc.want {
			t.Errorf("ParseExprNew(%q).UnparseNew() = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestStringLiteralValues pins the string lexing rules of both syntaxes.
func TestStringLiteralValues(t *testing.T) {
	tests := []struct {
		in   string
		old  bool
		want string
	}{
		{`"C:\new"`, true, `C:\new`},
		{`"a\"b"`, true, `a"b`},
		{`"a\""`, true, `a"`},
		{`"a\"`, true, `a\`},
		{`"a\\"`, true, `a\\`},
		{"\"a\\\"\n", true, `a\`},
		{`"\n\t"`, true, `\n\t`},
		{"\"line1\nline2\"", true, "line1\nline2"},
		{`"é"`, true, "é"},
		{`"\n\t\\"`, false, "\n\t\\"},
		{`"\101"`, false, "A"},
		{`"\400"`, false, " 0"},
		{`"\q"`, false, "q"},
		{`"a\"b"`, false, `a"b`},
		{`"end\\"`, false, `end\`},
		{`"x" "y" "z"`, false, "xyz"},
	}
	for _, tc := range tests {
		parse := ParseExprNew
		if tc.old {
			parse = ParseExpr
		}
		e, err := parse(tc.in)
		if err != nil {
			t.Errorf("parse(%q, old=%v): %v", tc.in, tc.old, err)
			continue
		}
		v, ok := e.Literal()
		if s, isStr := v.StringVal(); !ok || !isStr || s != tc.want {
			t.Errorf("parse(%q, old=%v) = %v, want string %q", tc.in, tc.old, v, tc.want)
		}
	}
}

// TestUnparseValues pins literal unparsing: reals (sink.cpp UnparseReal)
// and old/new string escaping.
func TestUnparseValues(t *testing.T) {
	tests := []struct {
		v        Value
		old, new string
	}{
		{RealValue(1), `1.0`, `1.000000000000000E+00`},
		{RealValue(1e10), `10000000000.0`, `1.000000000000000E+10`},
		{RealValue(1e15), `1000000000000000.0`, `1.000000000000000E+15`},
		{RealValue(1e16), `1E+16`, `1.000000000000000E+16`},
		{RealValue(0.1 + 0.2), `0.3`, `3.000000000000000E-01`},
		{RealValue(1.0 / 3), `0.3333333333333333`, `3.333333333333333E-01`},
		{RealValue(123456789012345678), `1.234567890123457E+17`, `1.234567890123457E+17`},
		{RealValue(1e-5), `1E-05`, `1.000000000000000E-05`},
		{RealValue(-2.5), `-2.5`, `-2.500000000000000E+00`},
		{RealValue(0), `0.0`, `0.0`},
		{RealValue(math.Copysign(0, -1)), `-0.0`, `-0.0`},
		{RealValue(math.NaN()), `real("NaN")`, `real("NaN")`},
		{RealValue(math.Inf(1)), `real("INF")`, `real("INF")`},
		{RealValue(math.Inf(-1)), `real("-INF")`, `real("-INF")`},
		{IntValue(-42), `-42`, `-42`},
		{BoolValue(true), `true`, `true`},
		{Undefined(), `undefined`, `undefined`},
		{ErrorValue(), `error`, `error`},
		{StringValue(`a"b`), `"a\"b"`, `"a\"b"`},
		{StringValue("a\nb"), "\"a\nb\"", `"a\nb"`},
		{StringValue(`back\slash`), `"back\slash"`, `"back\\slash"`},
		{StringValue("é"), `"é"`, `"\303\251"`},
		{StringValue("it's"), `"it's"`, `"it's"`},
		{StringValue("\x01"), "\"\x01\"", `"\001"`},
		{ListValue(IntValue(1), StringValue("x")), `{ 1,"x" }`, `{ 1,"x" }`},
		{ListValue(), `{  }`, `{  }`},
	}
	for _, tc := range tests {
		if got := tc.v.String(); got != tc.old {
			t.Errorf("%#v.String() = %q, want %q", tc.v, got, tc.old)
		}
		if got := tc.v.UnparseNew(); got != tc.new {
			t.Errorf("%#v.UnparseNew() = %q, want %q", tc.v, got, tc.new)
		}
		if got := Lit(tc.v).UnparseOld(); got != tc.old {
			t.Errorf("Lit(%#v).UnparseOld() = %q, want %q", tc.v, got, tc.old)
		}
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{``, "unexpected end of input"},
		{`010`, "leading 0"},
		{`00`, "leading 0"},
		{`0x10`, "hexadecimal"},
		{`08`, "octal digit"},
		{`1.`, "missing digits"},
		{`1e`, "exponent"},
		{`1.5e+`, "exponent"},
		{`99999999999999999999`, "out of range"},
		{`"abc`, "unterminated string"},
		{`/* x`, "unterminated /* comment"},
		{`a ==`, "unexpected end of input"},
		{`(a`, "expected ')'"},
		{`{1,}`, "unexpected '}'"},
		{`{1 2}`, "expected ',' or '}'"},
		{`f(a,)`, "unexpected ')'"},
		{`f(a b)`, "expected ',' or ')'"},
		{`a =? b`, "incomplete '=?='"},
		{`[a]`, "expected '='"},
		{`[1 = 2]`, "expected attribute name"},
		{`[a = 1 b = 2]`, "expected ';' or ']'"},
		{`[ ; ]`, "expected attribute name"},
		{`['' = 1]`, "invalid attribute name"},
		{`a b`, "expected end of input"},
		{`"a" "b"`, "expected end of input"},
		{`@`, "unexpected character"},
		{"a\x00", "NUL"},
		{`a.1`, "expected end of input, found real"},
		{`a.(b)`, "attribute name after '.'"},
		{`x ? y`, "expected ':'"},
		{`a[1`, "expected ']'"},
		{`Ä`, "unexpected character"},
	}
	for _, tc := range tests {
		_, err := ParseExpr(tc.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseExpr(%q) error = %v, want a *SyntaxError", tc.in, err)
			continue
		}
		if !strings.Contains(err.Error(), tc.msg) {
			t.Errorf("ParseExpr(%q) error = %q, want it to mention %q", tc.in, err, tc.msg)
		}
	}
	// New-syntax only errors.
	if _, err := ParseExprNew(`"a\0b"`); err == nil || !strings.Contains(err.Error(), "NUL") {
		t.Errorf(`ParseExprNew("a\0b") error = %v`, err)
	}
}

func TestParseLimits(t *testing.T) {
	ok := strings.Repeat("(", 150) + "1" + strings.Repeat(")", 150)
	if _, err := ParseExpr(ok); err != nil {
		t.Errorf("150 nested parentheses: %v", err)
	}
	deep := strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200)
	if _, err := ParseExpr(deep); err == nil || !strings.Contains(err.Error(), "nested more than 500") {
		t.Errorf("200 nested parentheses: error = %v", err)
	}
	if _, err := ParseExpr(strings.Repeat("!", 1000) + "a"); err == nil {
		t.Error("1000 chained '!' parsed")
	}
	if _, err := ParseExpr(strings.Repeat("{", 1000)); err == nil {
		t.Error("1000 open braces parsed")
	}
	long := strings.Repeat("a + ", 5000) + "a"
	if _, err := ParseExpr(long); err != nil {
		t.Errorf("5000-term sum: %v", err)
	}
	tooTall := strings.Repeat("a + ", MaxTreeHeight) + "a"
	if _, err := ParseExpr(tooTall); err == nil || !strings.Contains(err.Error(), "higher than") {
		t.Errorf("%d-term sum: error = %v", MaxTreeHeight+1, err)
	}
	huge := `"` + strings.Repeat("x", MaxInputSize) + `"`
	if _, err := ParseExpr(huge); err == nil || !strings.Contains(err.Error(), "limit") {
		t.Errorf("oversized input: error = %v", err)
	}
}

func TestSyntaxErrorDoesNotLeakInput(t *testing.T) {
	const secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.c2ln"
	_, _, err := ParseAssignment(`Token = "` + secret)
	if err == nil {
		t.Fatal("unterminated string parsed")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), "c2Vj") {
		t.Errorf("error %q quotes the value", err)
	}
	if !strings.Contains(err.Error(), "attribute Token") {
		t.Errorf("error %q does not name the attribute", err)
	}
}

func TestExprHelpers(t *testing.T) {
	var zero Expr
	if !zero.IsZero() || zero.String() != "undefined" || !zero.Eval(nil).IsUndefined() {
		t.Errorf("zero Expr: IsZero=%v String=%q", zero.IsZero(), zero.String())
	}
	e := MustParseExpr("Foo")
	if n, ok := e.AttrRef(); !ok || n != "Foo" {
		t.Errorf("AttrRef = %q, %v", n, ok)
	}
	if _, ok := MustParseExpr(".Foo").AttrRef(); ok {
		t.Error("absolute reference reported as plain")
	}
	if _, ok := MustParseExpr("(1)").Literal(); ok {
		t.Error("(1) reported as a literal")
	}
	defer func() {
		if recover() == nil {
			t.Error("MustParseExpr did not panic on bad input")
		}
	}()
	MustParseExpr("(")
}
