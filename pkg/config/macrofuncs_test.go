package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// macroConfig is the configuration the macro function tests read; the
// first knobs exercise what the admin manual's "Function Macros in
// Configuration" section documents.
const macroConfig = `
Name = abcdef
X = 2
Y = 6
XYArea = $(X) * $(Y)
slist = "a,B,c"
lcslist = tolower($(slist))
clist = size({1,2,3}) * 10
semilist = strcat("a", ";", "b")
HOST = host.DOMAIN
LCHost = toLower("$(HOST)")
LST = red, green , blue
LIST2 = $(LST), $(DOLLAR)x
IDX = 1
NEGIDX = -1
BIG = 1.0e300
SUMX = $(X) + 0.5
P = /tmp/dir/simulate.exe
QP = "/tmp/dir/sub/file.tar.gz"
DOT = .bashrc
WIN = c:\dir\file.txt
DOLLARV = $(DOLLAR)(X)
EMPTYQ = ""
NOTEXPR = hello world
SPLIT = size(split("1 2"))
SUM = sum({1,2})
ABSTIME = absTime(0)
`

func TestMacroFunctions(t *testing.T) {
	tests := []struct {
		expr, want string
	}{
		// $SUBSTR: documented behaviour, then knob arguments and clamping.
		{"$SUBSTR(Name, 2)", "cdef"},
		{"$SUBSTR(Name, 0, -2)", "abcd"},
		{"$SUBSTR(Name, 1, 3)", "bcd"},
		{"$SUBSTR(Name, -1)", "f"},
		{"[$SUBSTR(Name, 4, -3)]", "[]"},
		{"$SUBSTR(Name,IDX)", "bcdef"},
		{"$SUBSTR(Name,-100,2)", "ab"},
		{"[$SUBSTR(Name,100)]", "[]"},
		{"$SUBSTR(Name, 1+1, 2*1)", "cd"},
		{"[$SUBSTR(UNDEFINED_KNOB, 0)]", "[]"},
		{"$SUBSTR(Name, 3, 1000000)", "def"},
		// $(DOLLAR) in the argument becomes '$' and the result is rescanned.
		{"$SUBSTR(DOLLARV,0)", "2"},
		// $INT and $REAL: documented behaviour, formats, expressions.
		{"$INT(XYArea)", "12"},
		{"$INT(XYArea,%04d)", "0012"},
		{"$INT(XYArea,Area=%d)", "Area=12"},
		{"$INT(XYArea, %x%%)", " c%"},
		{"$INT(3.7)", "3"},
		{"$INT(-3.7)", "-3"},
		{"$INT( 42 )", "42"},
		{"$INT(true)", "1"},
		{"$INT(99999999999999999999)", "9223372036854775807"},
		{"$INT(65,%c)", "A"},
		{"$INT(4294967301,%d)", "5"},
		{"$INT(4294967301,%lld)", "4294967301"},
		{"$INT(7,%060d)", strings.Repeat("0", 55)}, // HTCondor's buffer keeps 55 bytes
		{"$INT(7,%999999999d)", strings.Repeat(" ", 55)},
		{"$INT(-7,%-.999999999d)", "-" + strings.Repeat("0", 54)},
		{"$REAL(1,%.999999999f)", "1." + strings.Repeat("0", 53)},
		{"$REAL(1e300,%.999999999g)", "1000000000000000052504760255204420248704468581108159154.0"},
		{"$REAL(XYArea)", "12"},
		{"$REAL(SUMX)", "2.5"},
		{"$REAL(0.1)", "0.1"},
		{"$REAL(1.5,%g)", "1.5"},
		{"$REAL(2,%g)", "2.0"},
		{"$REAL(2,%.3f)", "2.000"},
		{"$REAL(1e20,%g)", "1e+20.0"},
		{"$REAL(BIG)", "1E+300"},
		{"$REAL(inf)", "INF"},
		{"$REAL(1/3)", "0"}, // ClassAd integer division
		{"$REAL(1.0/3)", "0.3333333333333333"},
		// $STRING: documented behaviour; text that is no string expression is kept.
		{"$STRING(LCHost)", "host.domain"},
		{"$STRING(LCHost,Name: %s)", "Name: host.domain"},
		{"$STRING(LCHost,[%-12s])", "[host.domain ]"},
		{"$STRING(LCHost,%.4s)", "host"},
		{"$STRING(NOTEXPR)", "hello world"},
		{"$STRING(XYArea)", "2 * 6"},
		{"$STRING(slist)", "a,B,c"},
		// $EVAL: documented behaviour, values of other types unparsed.
		{"$EVAL(slist)", "a,B,c"},
		{"$EVAL(lcslist)", "a,b,c"},
		{"$EVAL(clist)", "30"},
		{"$EVAL(semilist)", "a;b"},
		{"$EVAL(XYArea)", "12"},
		{"$EVAL(1 > 2)", "false"},
		{"$EVAL(UNDEFINED_ATTR)", "undefined"},
		{"$EVAL({1, \"a\"})", `{ 1,"a" }`},
		{"[$EVAL(NOTEXPR)]", "[]"},
		{"[$EVAL(not an expression)]", "[]"},
		// $CHOICE: inline items, a list knob, knob index, empty items.
		{"$CHOICE(1, a, b, c)", "b"},
		{"$CHOICE(IDX, LST)", "green"},
		{"$CHOICE(2,LST)", "blue"},
		{"$CHOICE(3,LIST2)", "$x"},
		{"[$CHOICE(1,a,,c)]", "[]"},
		{"$CHOICE( 1 ,a, b )", "b"},
		{"$CHOICE(1+1,a,b,c)", "c"},
		// File names.
		{"$Fp(P)", "/tmp/dir/"},
		{"$Fpb(P)", "/tmp/dir"},
		{"$Fd(P)", "dir/"},
		{"$Fdb(P)", "dir"},
		{"$Fdd(P)", "tmp/dir/"},
		{"$Fddn(P)", "tmp/dir/simulate"},
		{"$Fdnx(P)", "dir/simulate.exe"},
		{"$Fn(P)", "simulate"},
		{"$Fx(P)", ".exe"},
		{"$Fxb(P)", "exe"},
		{"$Fnx(P)", "simulate.exe"},
		{"$Fpn(P)", "/tmp/dir/simulate"},
		{"$F(P)", "/tmp/dir/simulate.exe"},
		{"$Ff(P)", "/tmp/dir/simulate.exe"}, // no working directory in config
		{"$FPN(P)", "/tmp/dir/simulate"},    // letters in either case
		{"$Fq(P)", `"/tmp/dir/simulate.exe"`},
		{"$Fqa(P)", "'/tmp/dir/simulate.exe'"},
		{"$Fqn(P)", `"simulate"`},
		{"$Fw(P)", `\tmp\dir\simulate.exe`},
		{"$Fu(WIN)", "c:/dir/file.txt"},
		{"$Fn(WIN)", `c:\dir\file`}, // only '/' separates on Unix
		{"$Fn(/a/b.c)", "b"},        // a literal path
		{"$Fnx(QP)", "file.tar.gz"}, // surrounding quotes go
		{"$Fq(QP)", `"/tmp/dir/sub/file.tar.gz"`},
		{"$Fqd(QP)", `"sub/"`},
		{"$Fx(QP)", ".gz"},
		{"$BASENAME(QP)", "file.tar.gz"},
		{"$BASENAME(QP, .TAR.GZ)", "file"},
		{"$BASENAME(QP,.zip)", "file.tar.gz"},
		{"$DIRNAME(QP)", "/tmp/dir/sub/"},
		{"[$DIRNAME(file)]", "[]"},
		{"$Fn(DOT)", ".bashrc"},
		{"[$Fx(DOT)]", "[]"},
		{"[$Fd(DOT)]", "[]"},
		{"$Fqx(DOT)", `".bashrc"`}, // HTCondor finds the '.' after the opening quote
		{"$Fqd(DOT)", `""`},
	}
	var b strings.Builder
	b.WriteString(macroConfig)
	for i, tt := range tests {
		b.WriteString("T" + strconv.Itoa(i) + " = " + tt.expr + "\n")
	}
	c := loadText(t, b.String())
	for i, tt := range tests {
		if got := get(t, c, "T"+strconv.Itoa(i)); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.expr, got, tt.want)
		}
	}
}

func TestMacroFunctionErrors(t *testing.T) {
	for _, tt := range []struct {
		expr, msg   string
		unsupported bool
	}{
		{"$SUBSTR(Name)", "$SUBSTR() macro: no length specified", false},
		// " x" is not the knob X: arguments are looked up untrimmed.
		{"$SUBSTR(Name, x)", "$SUBSTR() macro:  x is invalid start index", false},
		{"$SUBSTR(Name,NOTEXPR)", "$SUBSTR() macro: hello world is invalid start index (value of NOTEXPR)", false},
		{"$SUBSTR(Name, 2147483647)", "is invalid start index", false},
		{"$SUBSTR(Name, 1, y)", "$SUBSTR() macro:  y is invalid length", false},
		{"$SUBSTR(Name, 1, 2, 3)", "2, 3 is invalid length", false},
		{"$SUBSTR(Name, 1, 2147483648)", "is invalid length", false},
		{"$INT(NOTEXPR)", "$INT() macro: hello world does not evaluate to an integer (value of NOTEXPR)", false},
		{"$INT(\"12\")", `$INT() macro: "12" does not evaluate to an integer`, false},
		{"$INT(X,%f)", "$INT() macro: '%f' is not a valid format specifier", false},
		{"$INT(X,%d%d)", "'%d%d' is not a valid format specifier", false},
		{"$INT(X,none)", "'none' is not a valid format specifier", false},
		{"$INT(X,%n)", "is not a valid format specifier", false},
		{"$REAL(NOTEXPR)", "$REAL() macro: hello world does not evaluate to an real", false},
		{"$REAL(X,%d)", "$REAL() macro: '%d' is not a valid format specifier", false},
		{"$STRING(X,%d)", "$STRING macro: '%d' is not a valid format specifier", false},
		{"$CHOICE(zz,a,b)", "$CHOICE() error: 'zz' is invalid index", false},
		{"$CHOICE(0,a)", `$CHOICE() macro: no list named "a"`, false}, // one item names a list
		{"$CHOICE(NEGIDX,a,b)", "$CHOICE() error: '-1' is invalid index (value of NEGIDX)", false},
		{"$CHOICE(,a,b)", "$CHOICE() error: '' is invalid index", false},
		{"$CHOICE(1)", "$CHOICE() error: no list", false},
		{"$CHOICE(1,NOLIST)", `$CHOICE() macro: no list named "NOLIST"`, false},
		{"$CHOICE(3,a,b,c)", "$CHOICE() config macro: index 3 is out of range", false},
		{"$CHOICE(3,LST)", "index 3 is out of range", false},
		// What condor-auth cannot reproduce is refused.
		{"$INT(X,%p)", "macro function $INT() is not supported by condor-auth: format '%p'", true},
		{"$REAL(X,%a)", "macro function $REAL() is not supported by condor-auth: format '%a'", true},
		{"$REAL(X,%Lf)", "length modifier L", true},
		{"$STRING(X,%ls)", "macro function $STRING() is not supported by condor-auth", true},
		{"$INT(X,%d %y)", "stray", true},
		{"$INT(SPLIT)", "macro function $INT() is not supported by condor-auth: ClassAd function split()", true},
		{"$INT(split(\"1 2\"))", `$INT() macro: split("1 2" does not evaluate to an integer`, false}, // the body ends at the first ')'
		{"$EVAL(SUM)", "macro function $EVAL() is not supported by condor-auth: ClassAd function sum()", true},
		{"$STRING(ABSTIME)", "ClassAd function absTime()", true},
		{"$Fdddd(P)", "macro function $Fdddd() is not supported by condor-auth", true},
		{"$Fn(EMPTYQ)", "macro function $Fn() is not supported by condor-auth", true},
	} {
		t.Run(tt.expr, func(t *testing.T) {
			c := loadText(t, macroConfig+"UNRELATED = "+tt.expr+"\n")
			_, _, err := c.Value("UNRELATED")
			var ee *ExpandError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v (%T), want *ExpandError", err, err)
			}
			if !strings.Contains(err.Error(), "macro UNRELATED: ") || !strings.Contains(err.Error(), tt.msg) || ee.Unsupported != tt.unsupported {
				t.Errorf("error %q (unsupported %v), want %q (unsupported %v)", err, ee.Unsupported, tt.msg, tt.unsupported)
			}
		})
	}
}

func TestMacroFunctionRecursion(t *testing.T) {
	// HTCondor recurses without end here; condor-auth reports the cycle.
	for _, text := range []string{
		"A = $INT(A)\n",
		"A = $SUBSTR(B, 0)\nB = $(A)\n",
		"A = $Fn(A)\n",
		"A = $CHOICE(0, A)\n",
	} {
		_, err := loadErr(t, "SEC_X = $(A)\n"+text)
		if err == nil || !strings.Contains(err.Error(), "recursive definition") {
			t.Errorf("%q: error %v", text, err)
		}
	}
	// A function whose result rebuilds the macro is stopped too.
	_, err := loadErr(t, "Y = $(DOLLAR)SUBSTR(Y,0)\nA = $SUBSTR(Y, 0)\n")
	if err == nil || !strings.Contains(err.Error(), "does not terminate") {
		t.Errorf("error %v", err)
	}
}

func TestMacroFunctionFatalWhereRead(t *testing.T) {
	// A failing function in a knob condor-auth reads fails Load, with the
	// knob's file and line.
	path, err := loadErr(t, "A = 1\nSEC_TOKEN_ISSUER_KEY = $INT(nope)\n")
	var ee *ExpandError
	if !errors.As(err, &ee) || ee.Source.File != path || ee.Source.Line != 2 || ee.Knob != "SEC_TOKEN_ISSUER_KEY" ||
		!strings.Contains(err.Error(), "$INT() macro: nope does not evaluate to an integer") {
		t.Fatalf("error %v", err)
	}
	// A working one is just a value.
	c := loadText(t, "KEYS = a, b, c\nSEC_TOKEN_ISSUER_KEY = $CHOICE(2, KEYS)\n")
	if got := get(t, c, "SEC_TOKEN_ISSUER_KEY"); got != "c" {
		t.Errorf("SEC_TOKEN_ISSUER_KEY = %q", got)
	}
}

func TestUnsupportedCall(t *testing.T) {
	for _, tt := range []struct {
		in   string
		name string
	}{
		{"1 + 2", ""},
		{"strcat(\"a\", toLower(X))", ""},
		{"split(X)", "split"},
		{"size( split (X))", "split"},
		{`"split(x)"`, ""},
		{`'odd(name'`, ""},
		{`"a\"split(x)"`, ""},
		{`"a\" + split(x)`, ""}, // never closed: all text
		{`"a\\" + split(x)`, ""},
		{`"a\"`, ""},
		{`strcat("a\", sum(1))`, ""},
		{`"x" + ifThenElse(a, b, c) + Foo ( )`, "Foo"},
	} {
		name, bad := unsupportedCall(tt.in)
		if name != tt.name || bad != (tt.name != "") {
			t.Errorf("unsupportedCall(%q) = %q, %v; want %q", tt.in, name, bad, tt.name)
		}
	}
}
