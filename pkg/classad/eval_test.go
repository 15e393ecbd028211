package classad

import (
	"fmt"
	"math"
	"strings"
	"testing"
	"time"
)

var (
	vT = BoolValue(true)
	vF = BoolValue(false)
	vU = Undefined()
	vE = ErrorValue()
)

func evalString(t *testing.T, src string, ad *Ad) Value {
	t.Helper()
	e, err := ParseExpr(src)
	if err != nil {
		t.Fatalf("ParseExpr(%q): %v", src, err)
	}
	return e.Eval(ad)
}

func checkEval(t *testing.T, ad *Ad, tests []evalCase) {
	t.Helper()
	for _, tc := range tests {
		if got := evalString(t, tc.src, ad); !got.Equal(tc.want) {
			t.Errorf("%s = %v (%v), want %v (%v)", tc.src, got, got.Kind(), tc.want, tc.want.Kind())
		}
	}
}

type evalCase struct {
	src  string
	want Value
}

// TestThreeValuedLogic is the full truth table of &&, || and ! over
// true, false, undefined and error (operators.cpp doLogical/shortCircuit).
func TestThreeValuedLogic(t *testing.T) {
	lit := map[string]Value{"true": vT, "false": vF, "undefined": vU, "error": vE}
	and := map[[2]string]Value{
		{"true", "true"}: vT, {"true", "false"}: vF, {"true", "undefined"}: vU, {"true", "error"}: vE,
		{"false", "true"}: vF, {"false", "false"}: vF, {"false", "undefined"}: vF, {"false", "error"}: vF,
		{"undefined", "true"}: vU, {"undefined", "false"}: vF, {"undefined", "undefined"}: vU, {"undefined", "error"}: vE,
		{"error", "true"}: vE, {"error", "false"}: vE, {"error", "undefined"}: vE, {"error", "error"}: vE,
	}
	or := map[[2]string]Value{
		{"true", "true"}: vT, {"true", "false"}: vT, {"true", "undefined"}: vT, {"true", "error"}: vT,
		{"false", "true"}: vT, {"false", "false"}: vF, {"false", "undefined"}: vU, {"false", "error"}: vE,
		{"undefined", "true"}: vT, {"undefined", "false"}: vU, {"undefined", "undefined"}: vU, {"undefined", "error"}: vE,
		{"error", "true"}: vE, {"error", "false"}: vE, {"error", "undefined"}: vE, {"error", "error"}: vE,
	}
	var cases []evalCase
	for k, want := range and {
		cases = append(cases, evalCase{k[0] + " && " + k[1], want})
	}
	for k, want := range or {
		cases = append(cases, evalCase{k[0] + " || " + k[1], want})
	}
	not := map[string]Value{"true": vF, "false": vT, "undefined": vU, "error": vE}
	for k, want := range not {
		cases = append(cases, evalCase{"!" + k, want})
	}
	if len(lit) != 4 || len(cases) != 36 {
		t.Fatalf("table has %d cases", len(cases))
	}
	checkEval(t, nil, cases)
	// Numbers count as booleans; other values are ERROR.
	checkEval(t, nil, []evalCase{
		{"1 && 2.5", vT}, {"0 || 0.0", vF}, {"false || 5", vT}, {"true && 0", vF},
		{`"x" && true`, vE}, {`true && "x"`, vE}, {`false || "x"`, vE},
		{`true || "x"`, vT}, {`false && "x"`, vF}, {`undefined && "x"`, vE},
		{"!5", vF}, {"!0", vT}, {`!"a"`, vE}, {"!{}", vE},
		{"true && 1/0", vE}, {"false && 1/0", vF},
	})
}

func TestComparisons(t *testing.T) {
	checkEval(t, nil, []evalCase{
		{"undefined == 1", vU}, {"1 != undefined", vU}, {"error == 1", vE},
		{"undefined == error", vE}, {"undefined < 1", vU},
		{"undefined =?= undefined", vT}, {"undefined =?= 1", vF}, {"error =?= error", vT},
		{"error =!= undefined", vT}, {"undefined =!= undefined", vF},
		{"1 == 1.0", vT}, {"1 =?= 1.0", vF}, {"1 =!= 1.0", vT}, {"2 > 1.5", vT},
		{`"abc" == "ABC"`, vT}, {`"abc" != "ABC"`, vF},
		{`"abc" =?= "ABC"`, vF}, {`"abc" =!= "ABC"`, vT}, {`"abc" =?= "abc"`, vT},
		{`"a" < "B"`, vT}, {`"B" <= "a"`, vF}, {`"b" > "A"`, vT},
		{`"a" == 1`, vE}, {`1 =?= "1"`, vF}, {`"1" =!= 1`, vT},
		{"true == 1", vT}, {"true =?= 1", vF}, {"true == true", vT}, {"false < true", vT},
		{"true < 2", vT}, {"true =?= true", vT}, {"true =!= false", vT},
		{"{1} == {1}", vE}, {"{1} =?= {1}", vE}, {"[a=1] == [a=1]", vE},
		{`real("NaN") == real("NaN")`, vF}, {`real("NaN") != real("NaN")`, vT},
		{`real("NaN") =?= real("NaN")`, vF}, {"-0.0 == 0.0", vT},
		{"a is undefined", vT}, {"1 isnt 2", vT},
	})
}

func TestArithmetic(t *testing.T) {
	checkEval(t, nil, []evalCase{
		{"7 / 2", IntValue(3)}, {"-7 / 2", IntValue(-3)}, {"-7 % 3", IntValue(-1)},
		{"7 / 0", vE}, {"7 % 0", vE}, {"7.0 / 0", vE}, {"-7.0 / 0", RealValue(math.Inf(-1))},
		{"0.0 / 0", RealValue(math.NaN())}, {"5 % 2.0", vE}, {"5.5 % 2", vE},
		{"1 + 2.5", RealValue(3.5)}, {"true + 1", IntValue(2)}, {"true * 2.5", RealValue(2.5)},
		{`"a" + 1`, vE}, {"undefined + 1", vU}, {"error + undefined", vE}, {"undefined - error", vE},
		{"{1} + 1", vE}, {"1e308 * 10", vE}, {"-1e308 * 10", RealValue(math.Inf(-1))},
		{"9223372036854775807 + 1", IntValue(math.MinInt64)},
		{"-9223372036854775808 / -1", IntValue(math.MaxInt64)},
		{"-9223372036854775808 % -1", IntValue(0)},
		{"-(-9223372036854775808)", IntValue(math.MinInt64)},
		{"- 3", IntValue(-3)}, {"-2.5", RealValue(-2.5)}, {"- 2.5", RealValue(-2.5)},
		{"-true", vE}, {`-"a"`, vE}, {"-undefined", vU}, {"-error", vE},
		{"+3", IntValue(3)}, {"+true", vE}, {`+"a"`, vE}, {"+undefined", vU}, {"+{}", vE},
		{"~5", IntValue(-6)}, {"~true", vE}, {"5 & 3", IntValue(1)}, {"5 | 3", IntValue(7)},
		{"5 ^ 3", IntValue(6)}, {"1 << 3", IntValue(8)}, {"-16 >> 2", IntValue(-4)},
		{"16 >> 2", IntValue(4)}, {"-1 >>> 60", IntValue(15)}, {"1 << 64", IntValue(1)},
		{"1 << -1", IntValue(math.MinInt64)}, {"-8 >> -1", IntValue(-8)}, {"5 & 1.0", vE},
		{"1 + 2 * 3", IntValue(7)}, {"(1 + 2) * 3", IntValue(9)}, {"10 - 2 - 3", IntValue(5)},
	})
}

func TestConditionals(t *testing.T) {
	checkEval(t, nil, []evalCase{
		{"true ? 1 : 2", IntValue(1)}, {"0 ? 1 : 2", IntValue(2)}, {"0.5 ? 1 : 2", IntValue(1)},
		{"undefined ? 1 : 2", vU}, {"error ? 1 : 2", vE}, {`"x" ? 1 : 2`, vE},
		{"false ? 1/0 : 3", IntValue(3)}, {"true ? 1 : 2 ? 3 : 4", IntValue(1)},
		{"undefined ?: 5", IntValue(5)}, {"error ?: 5", vE}, {"3 ?: 5", IntValue(3)},
		{`missing ?: "d"`, StringValue("d")}, {"missing ?: other ?: 7", IntValue(7)},
	})
}

func TestAttributeReferences(t *testing.T) {
	ad, err := ParseOld(strings.Join([]string{
		"A = 1",
		"B = A + 1",
		"C = MY.B",
		"D = TARGET.A",
		"E = E + 1",
		"F = G",
		"G = F",
		"N = [ x = 1; y = x + A; 'odd name' = 3 ]",
		"L = { [ x = 1 ], [ x = 2 ], 3 }",
		"S = \"str\"",
		"Me = my",
		"Self = [ q = self.x; x = 4 ]",
	}, "\n"))
	if err != nil {
		t.Fatal(err)
	}
	defer func(f func() time.Time) { nowFunc = f }(nowFunc)
	nowFunc = func() time.Time { return time.Unix(1795640000, 0) }
	checkEval(t, ad, []evalCase{
		{"A", IntValue(1)}, {"a", IntValue(1)}, {"B", IntValue(2)}, {"C", IntValue(2)},
		{"my.b", IntValue(2)}, {"MY.B", IntValue(2)}, {"D", vU}, {"TARGET.A", vU},
		{"E", vU}, {"F", vU}, {"Missing", vU}, {".A", IntValue(1)},
		{"N.y", IntValue(2)}, {"N.x", IntValue(1)}, {"N.A", IntValue(1)}, {"N.zz", vU},
		{`N["x"]`, IntValue(1)}, {`N["X"]`, IntValue(1)}, {`N["zz"]`, vU}, {"N['odd name']", vU},
		{"N.'odd name'", IntValue(3)}, {"size(N)", IntValue(3)}, {"N[0]", vE},
		{"L.x", ListValue(IntValue(1), IntValue(2), vE)}, {"L[1].x", IntValue(2)},
		{"L[3]", vE}, {"L[-1]", vE}, {`L["x"]`, vE}, {"S.x", vE}, {"Missing.x", vU},
		{"error.x", vE}, {"Self.q", IntValue(4)}, {"isClassAd(Me)", vT}, {"Me.A", IntValue(1)},
		{"CurrentTime", IntValue(1795640000)}, {"time()", IntValue(1795640000)},
		{"[a = b; b = 5].a", IntValue(5)}, {"[b = A].b", IntValue(1)}, {"[a = A].a", vU},
		{"[x = parent.A].x", IntValue(1)}, {"parent", vU},
	})
	if v, ok := ad.EvaluateAttr("b"); !ok || !v.Equal(IntValue(2)) {
		t.Errorf("EvaluateAttr(b) = %v, %v", v, ok)
	}
	if _, ok := ad.EvaluateAttr("nope"); ok {
		t.Error("EvaluateAttr of a missing attribute reported ok")
	}
}

func TestEvalMatch(t *testing.T) {
	my, _ := ParseOld("A = 1\nR = TARGET.X > A\nZ = X\nT = TARGET.Y\nO = other.X")
	target, _ := ParseOld("X = 5\nY = MY.X + TARGET.A\nA = 100")
	tests := []evalCase{
		{"R", vT}, {"Z", IntValue(5)}, {"T", IntValue(6)}, {"O", IntValue(5)},
		{"A", IntValue(1)}, {"TARGET.A", IntValue(100)}, {"MY.X", vU}, {"X", IntValue(5)},
	}
	for _, tc := range tests {
		if got := MustParseExpr(tc.src).EvalMatch(my, target); !got.Equal(tc.want) {
			t.Errorf("EvalMatch(%s) = %v, want %v", tc.src, got, tc.want)
		}
	}
	if got := MustParseExpr("X").EvalMatch(my, nil); !got.IsUndefined() {
		t.Errorf("EvalMatch without target = %v", got)
	}
}

func TestBuiltins(t *testing.T) {
	defer func(f func() time.Time) { nowFunc = f }(nowFunc)
	nowFunc = func() time.Time { return time.Unix(42, 0) }
	checkEval(t, nil, []evalCase{
		{`strcat("a", 1, 1.5, true, {1,2})`, StringValue("a11.500000000000000E+00true{ 1,2 }")},
		{`strcat("a", undefined, "b")`, vU}, {`strcat("a", error)`, vE}, {"strcat()", StringValue("")},
		{`STRCAT("a","b")`, StringValue("ab")},
		{`join(",", "a", "b")`, StringValue("a,b")}, {`join(",", {"a","b"})`, StringValue("a,b")},
		{`join({"a","b"})`, StringValue("ab")}, {`join(",", "a", undefined, "b")`, StringValue("a,b")},
		{`join(",", undefined)`, vU}, {"join()", StringValue("")},
		{`toUpper("abcÄ")`, StringValue("ABCÄ")}, {`toLower("ÄB")`, StringValue("Äb")},
		{"toUpper(undefined)", vU}, {"toLower(5)", StringValue("5")}, {"toLower(error)", vE},
		{`size("abc")`, IntValue(3)}, {"size({1,2})", IntValue(2)}, {"size(undefined)", vU},
		{"size(5)", vE}, {"size()", vE},
		{"member(2, {1,2,3})", vT}, {`member("A", {"a"})`, vT}, {`identicalMember("A", {"a"})`, vF},
		{`identicalMember("a", {"a"})`, vT}, {"member(4, {1,2})", vF}, {"member(undefined, {1})", vU},
		{"identicalMember(undefined, {undefined})", vT}, {"member(1, undefined)", vU},
		{"member(1, 2)", vE}, {"member({1}, {1})", vE}, {"member(error, {1})", vE},
		{`member("1", {1, "1"})`, vT},
		{`regexp("^a.c$", "abc")`, vT}, {`regexp("A", "abc", "i")`, vT}, {`regexp("A", "abc")`, vF},
		{"regexp(\"^b\", \"a\nb\", \"m\")", vT}, {"regexp(\"a.b\", \"a\nb\", \"s\")", vT},
		{"regexp(\"a.b\", \"a\nb\")", vF}, {`regexp("^b", "a\nb", "m")`, vF},
		{`regexp("(", "x")`, vE}, {`regexp("a", undefined)`, vU}, {`regexp("a", 1)`, vE},
		{`regexp("a", "a", "x")`, vE}, {`regexp("a", "a", 1)`, vE}, {`regexp("a")`, vE},
		{`stringListMember("b", "a, b,c")`, vT}, {`stringListMember("B", "a,b")`, vF},
		{`stringListIMember("B", "a,b")`, vT}, {`stringListMember("b", "a;b", ";")`, vT},
		{`stringListMember("a b", " a b , c", ",")`, vT}, {`stringListMember("a b", "a b")`, vF}, {`stringListMember(1, "a")`, vE},
		{"stringListMember(undefined, undefined)", vU}, {`stringListMember(undefined, "a")`, vF},
		{`stringListMember("", "a,,b")`, vF}, {`stringListMember("a")`, vE},
		{"isUndefined(x)", vT}, {"isUndefined(1)", vF}, {"isError(error)", vT}, {`isString("")`, vT},
		{"isInteger(1)", vT}, {"isInteger(1.0)", vF}, {"isReal(1.0)", vT}, {"isBoolean(true)", vT},
		{"isList({})", vT}, {"isClassAd([a=1])", vT}, {"isUndefined()", vE},
		{"ifThenElse(true, 1, 2)", IntValue(1)}, {"ifThenElse(0, 1/0, 2)", IntValue(2)},
		{"ifThenElse(undefined, 1, 2)", vU}, {`ifThenElse("x", 1, 2)`, vE}, {"ifThenElse(1, 2)", vE},
		{"time()", IntValue(42)}, {"time(1)", vE},
		{`int("3.7")`, IntValue(3)}, {"int(3.9)", IntValue(3)}, {"int(-3.9)", IntValue(-3)},
		{"int(true)", IntValue(1)}, {`int("x")`, vE}, {`int(" 12abc")`, IntValue(12)},
		{"int(undefined)", vU}, {"int({})", vE}, {`int(real("NaN"))`, IntValue(math.MinInt64)},
		{`real("1e3")`, RealValue(1000)}, {`real("INF")`, RealValue(math.Inf(1))},
		{`real("-inf")`, RealValue(math.Inf(-1))}, {"real(2)", RealValue(2)}, {`real("")`, vE},
		{"string(1.5)", StringValue("1.500000000000000E+00")}, {"string({1,2})", StringValue("{ 1,2 }")},
		{`string("s")`, StringValue("s")}, {"string(undefined)", vU}, {"string(true)", StringValue("true")},
		{`bool("TRUE")`, vT}, {`bool("false")`, vF}, {`bool("yes")`, vU}, {"bool(2)", vT}, {"bool({})", vE},
		{"floor(1.5)", IntValue(1)}, {"floor(-1.5)", IntValue(-2)}, {"ceiling(1.2)", IntValue(2)},
		{"ceil(7)", IntValue(7)}, {"round(2.5)", IntValue(2)}, {"round(3.5)", IntValue(4)},
		{`round("2.6")`, IntValue(3)}, {"round(undefined)", vE},
		{`substr("abcdef", 2)`, StringValue("cdef")}, {`substr("abcdef", -2)`, StringValue("ef")},
		{`substr("abcdef", 1, 2)`, StringValue("bc")}, {`substr("abcdef", 1, -1)`, StringValue("bcde")},
		{`substr("abc", 5)`, StringValue("")}, {`substr("abc", 1, 0)`, StringValue("")},
		{`substr("abc", -10, 2)`, StringValue("ab")}, {`substr("abc", undefined)`, vU},
		{`substr(1, 1)`, vE}, {`substr("abc", 4294967297)`, StringValue("bc")},
		{`strcmp("a", "b")`, IntValue(-1)}, {`strcmp("b", "a")`, IntValue(1)},
		{`stricmp("A", "a")`, IntValue(0)}, {`strcmp("A", "a")`, IntValue(-1)},
		{`strcmp(1, "1")`, IntValue(0)}, {`strcmp(undefined, "a")`, vU}, {`strcmp(error, "a")`, vE},
		{"noSuchFunction(1)", vE},
	})
}

// TestEvalLimits: budgets and depth turn runaway evaluations into ERROR.
func TestEvalLimits(t *testing.T) {
	// A0 = 1; Ak = A(k-1) + A(k-1): 2^40 evaluations without the budget.
	var b strings.Builder
	b.WriteString("A0 = 1\n")
	for i := 1; i <= 40; i++ {
		fmt.Fprintf(&b, "A%d = A%d + A%d\n", i, i-1, i-1)
	}
	ad, err := ParseOld(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := ad.EvaluateAttr("A10"); !v.Equal(IntValue(1024)) {
		t.Errorf("A10 = %v", v)
	}
	if v, _ := ad.EvaluateAttr("A40"); !v.IsError() {
		t.Errorf("A40 = %v, want error (step budget)", v)
	}
	// A reference chain deeper than MaxEvalDepth.
	b.Reset()
	for i := 0; i < 500; i++ {
		fmt.Fprintf(&b, "R%d = R%d\n", i, i+1)
	}
	b.WriteString("R500 = 7\n")
	chain, err := ParseOld(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := chain.EvaluateAttr("R490"); !v.Equal(IntValue(7)) {
		t.Errorf("R490 = %v", v)
	}
	if v, _ := chain.EvaluateAttr("R0"); !v.IsError() {
		t.Errorf("R0 = %v, want error (depth)", v)
	}
	// String doubling is cut off by MaxStringLen.
	b.Reset()
	b.WriteString(`S0 = "` + strings.Repeat("x", 1<<16) + "\"\n")
	for i := 1; i <= 20; i++ {
		fmt.Fprintf(&b, "S%d = strcat(S%d, S%d)\n", i, i-1, i-1)
	}
	strs, err := ParseOld(b.String())
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := strs.EvaluateAttr("S20"); !v.IsError() {
		t.Errorf("S20 = %d-byte value, want error", len(v.s))
	}
	if n, _ := strs.EvaluateAttr("S4"); len(n.s) != 1<<20 {
		t.Errorf("S4 has %d bytes", len(n.s))
	}
}

func TestEvalBool(t *testing.T) {
	tests := []struct {
		src     string
		val, ok bool
	}{
		{"true", true, true}, {"false", false, true}, {"5", true, true}, {"0.0", false, true},
		{"undefined", false, false}, {"error", false, false}, {`"true"`, false, false},
		{"{}", false, false},
	}
	for _, tc := range tests {
		val, ok := EvalBool(MustParseExpr(tc.src), nil)
		if val != tc.val || ok != tc.ok {
			t.Errorf("EvalBool(%s) = %v, %v; want %v, %v", tc.src, val, ok, tc.val, tc.ok)
		}
	}
}
