package config

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	c := loadText(t, `
A = alpha
B = $(A)-beta
NESTED = [$(B)]
WITH_DEFAULT = $(UNDEFINED_KNOB:fallback)
DEFAULT_MACRO = $(UNDEFINED_KNOB:$(A))
DEFAULT_LIST = $(UNDEFINED_KNOB:a, b\c)
EMPTY =
EMPTY_DEFAULT = $(EMPTY:used)
EXPANDS_EMPTY = $(EMPTY)
NOT_RAW_EMPTY = $(EXPANDS_EMPTY:unused)
UNDEFINED_REF = x$(UNDEFINED_KNOB)y
ENV_SET = $ENV(MY_VAR)
ENV_EMPTY = [$ENV(EMPTY_VAR:dflt)]
ENV_DEFAULT = $ENV(UNSET_VAR:dflt)
ENV_UNDEFINED = $ENV(UNSET_VAR)
ENV_MACRO = $ENV(MACRO_VAR)
DOLLAR_LITERAL = cost: $(DOLLAR)5 $(DOLLAR)(A)
DOUBLE_DOLLAR = $$(A) $$([1+2]) $$(A:x)
NAME_PART = A
INDIRECT = $($(NAME_PART))
UNKNOWN_FUNC = $FOO(A) $ env
CASE = $(a) $(nested)
FROM_DEFAULT = $(SEC_PASSWORD_FILE)
ETC = /etc/condor
`, "MY_VAR=from env", "EMPTY_VAR=", "MACRO_VAR=$(A)!")
	tests := map[string]string{
		"B":              "alpha-beta",
		"NESTED":         "[alpha-beta]",
		"WITH_DEFAULT":   "fallback",
		"DEFAULT_MACRO":  "alpha",
		"DEFAULT_LIST":   `a, b\c`,
		"EMPTY_DEFAULT":  "used",
		"UNDEFINED_REF":  "xy",
		"ENV_SET":        "from env",
		"ENV_EMPTY":      "[]",
		"ENV_DEFAULT":    "dflt",
		"ENV_UNDEFINED":  "UNDEFINED",
		"ENV_MACRO":      "alpha!",
		"DOLLAR_LITERAL": "cost: $5 $(A)",
		"DOUBLE_DOLLAR":  "$$(A) $$([1+2]) $$(A:x)",
		"INDIRECT":       "alpha",
		"UNKNOWN_FUNC":   "$FOO(A) $ env",
		"CASE":           "alpha [alpha-beta]",
		"FROM_DEFAULT":   "/etc/condor/passwords.d/POOL",
	}
	for name, want := range tests {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	// The default applies only to a missing or empty raw value, not to a
	// value that expands to nothing (config.cpp evaluate_macro_func).
	if v, ok := c.Get("NOT_RAW_EMPTY"); ok {
		t.Errorf("NOT_RAW_EMPTY = %q, want undefined", v)
	}
	if v, ok := c.Get("EXPANDS_EMPTY"); ok {
		t.Errorf("EXPANDS_EMPTY = %q, want undefined", v)
	}
}

func TestExpandSubsystem(t *testing.T) {
	// Admin manual: with FILESPEC = A and MASTER.FILESPEC = B,
	// USEFILE = mydir/$(FILESPEC) is mydir/B for the master only.
	text := "FILESPEC = A\nTOOL.FILESPEC = B\nUSEFILE = mydir/$(FILESPEC)\n" +
		"SCHEDD.KNOB = schedd\nKNOB = plain\nXYZ.KNOB = local\n"
	dir := t.TempDir()
	global := writeFile(t, dir, "condor_config", text)
	for _, tt := range []struct {
		subsys, local, usefile, knob string
	}{
		{"", "", "mydir/B", "plain"}, // the default subsystem is TOOL
		{"TOOL", "", "mydir/B", "plain"},
		{"SCHEDD", "", "mydir/A", "schedd"},
		{"schedd", "xyz", "mydir/A", "local"},
	} {
		o := opts(t, global)
		o.Subsystem, o.LocalName = tt.subsys, tt.local
		c, err := Load(o)
		if err != nil {
			t.Fatal(err)
		}
		if got := get(t, c, "USEFILE"); got != tt.usefile {
			t.Errorf("%s/%s: USEFILE = %q, want %q", tt.subsys, tt.local, got, tt.usefile)
		}
		if got := get(t, c, "knob"); got != tt.knob {
			t.Errorf("%s/%s: KNOB = %q, want %q", tt.subsys, tt.local, got, tt.knob)
		}
	}
}

func TestRecursionIsRefused(t *testing.T) {
	for _, tt := range []struct {
		name, text, msg string
		line            int
		env             []string
	}{
		{"two knobs", "X = 1\nA = $(B)\nB = $(A)\n", "recursive definition A -> B -> A", 2, nil},
		{"three knobs", "A = $(B)\nB = x$(C)\nC = $(A)y\n", "recursive definition A -> B -> C -> A", 1, nil},
		{"through a default", "ETC = $(SEC_PASSWORD_DIRECTORY)\n", "recursive definition ETC -> SEC_PASSWORD_DIRECTORY -> ETC", 1, nil},
		{"through a macro default", "A = $(NOPE:$(B))\nB = $(A)\n", "recursive definition A -> B -> A", 1, nil},
		// An environment value is substituted raw and rescanned (HTCondor
		// loops forever here).
		{"runaway environment", "X = 1\nA = $ENV(LOOP)\n", "does not terminate", 2, []string{"LOOP=$ENV(LOOP)"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path, err := loadErr(t, tt.text, tt.env...)
			var ee *ExpandError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v (%T), want *ExpandError", err, err)
			}
			if ee.Source.File != path || ee.Source.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q at %s:%d, want line %d containing %q", err, ee.Source.File, ee.Source.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestUnsupportedFunctions(t *testing.T) {
	// Uses of macro functions condor-auth cannot reproduce exactly are
	// refused: harmless in a knob condor-auth does not read...
	c := loadText(t, "NUM = $INT(4,%p)\nBASE = $Fn(/a/b.c)\n")
	_, _, err := c.Value("NUM")
	var ee *ExpandError
	if !errors.As(err, &ee) || !ee.Unsupported || !strings.Contains(err.Error(), "macro NUM: macro function $INT() is not supported by condor-auth") {
		t.Errorf("Value(NUM) error %v", err)
	}
	if v, ok := c.Get("NUM"); ok {
		t.Errorf("Get(NUM) = %q, want undefined", v)
	}
	if v := get(t, c, "BASE"); v != "b" {
		t.Errorf("BASE = %q", v)
	}
	// ...but fatal in one it does.
	path, err := loadErr(t, "A = 1\nSEC_TOKEN_ISSUER_KEY = $REAL(A,%a)\n")
	if !errors.As(err, &ee) || ee.Source.File != path || ee.Source.Line != 2 || !ee.Unsupported {
		t.Fatalf("error %v", err)
	}
	if _, err := loadErr(t, "L = sum({1})\nTOOL.ALLOW_READ = $EVAL(L)\n"); !errors.As(err, &ee) || !ee.Unsupported {
		t.Fatalf("error %v", err)
	}
}

func TestRandomMacros(t *testing.T) {
	c := loadText(t, "R = $RANDOM_INTEGER(10, 20, 5)\nC = $RANDOM_CHOICE(a, b, c)\nLIST = x y z\nL = $RANDOM_CHOICE(LIST)\nNEG = $RANDOM_INTEGER(-3,-3)\n")
	n, err := strconv.Atoi(get(t, c, "R"))
	if err != nil || (n != 10 && n != 15 && n != 20) {
		t.Errorf("R = %d, %v", n, err)
	}
	if v := get(t, c, "C"); v != "a" && v != "b" && v != "c" {
		t.Errorf("C = %q", v)
	}
	if v := get(t, c, "L"); v != "x" && v != "y" && v != "z" {
		t.Errorf("L = %q", v)
	}
	if v := get(t, c, "NEG"); v != "-3" {
		t.Errorf("NEG = %q", v)
	}
	// The value is fixed once read.
	if a, b := get(t, c, "R"), get(t, c, "R"); a != b {
		t.Errorf("R changed: %s then %s", a, b)
	}
	for body, msg := range map[string]string{
		"$RANDOM_INTEGER(x,2)":   "invalid min",
		"$RANDOM_INTEGER(1)":     "invalid max",
		"$RANDOM_INTEGER(1,2,0)": "invalid step",
		"$RANDOM_INTEGER(5,2)":   "min > max",
		"$RANDOM_CHOICE()":       "is empty",
	} {
		c := loadText(t, "UNRELATED = "+body+"\n")
		if _, _, err := c.Value("UNRELATED"); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("%s: error %v, want %q", body, err, msg)
		}
	}
}

func TestExpansionLimits(t *testing.T) {
	// 2^40 bytes if expanded naively: must fail fast, not hang.
	var b strings.Builder
	b.WriteString("K0 = xxxxxxxxxxxxxxxx\n")
	for i := 1; i <= 40; i++ {
		b.WriteString("K" + strconv.Itoa(i) + " = $(K" + strconv.Itoa(i-1) + ")$(K" + strconv.Itoa(i-1) + ")\n")
	}
	_, err := loadErr(t, b.String())
	if !strings.Contains(err.Error(), "longer than") {
		t.Errorf("error %v", err)
	}
	// Self-appending doubles the stored value at each line.
	b.Reset()
	b.WriteString("D = 0123456789abcdef\n")
	for i := 0; i < 40; i++ {
		b.WriteString("D = $(D)$(D)\n")
	}
	if _, err := loadErr(t, b.String()); !strings.Contains(err.Error(), "value of D is longer than") {
		t.Errorf("error %v", err)
	}
	// A long chain of references is bounded too.
	b.Reset()
	for i := 0; i < 1000; i++ {
		b.WriteString("C" + strconv.Itoa(i) + " = $(C" + strconv.Itoa(i+1) + ")\n")
	}
	if _, err := loadErr(t, b.String()); !strings.Contains(err.Error(), "nested deeper than") {
		t.Errorf("error %v", err)
	}
}

func TestExpandSelfUnit(t *testing.T) {
	tbl := table{}
	tbl.set("X", "old", Source{})
	tbl.set("TOOL.Y", "tooly", Source{})
	lookup := func(n string) resolved { return lookupIn(tbl, "TOOL", "", n) }
	for _, tt := range []struct{ self, in, want string }{
		{"X", "$(X) new", "old new"},
		{"X", "$(x) $(X:dflt) $(OTHER) $$(X) $(DOLLAR)", "old old $(OTHER) $$(X) $(DOLLAR)"},
		{"Z", "$(Z:start) more", "start more"},
		{"Z", "$(Z) more", " more"},
		{"TOOL.Y", "$(Y)+", "tooly+"},        // the bare name is a self reference of TOOL.Y
		{"SCHEDD.Y", "$(Y)+", "$(Y)+"},       // not for another subsystem
		{"TOOL.X", "$(X)+$(TOOL.X)", "old+"}, // TOOL.X is undefined: $(X) resolves to X
	} {
		if got := expandSelf(tt.in, tt.self, []string{"", "TOOL"}, lookup); got != tt.want {
			t.Errorf("expandSelf(%q, %s) = %q, want %q", tt.in, tt.self, got, tt.want)
		}
	}
}

func TestScanMacro(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want string // body of the first macro, "" if none
	}{
		{"$(A)", "A"},
		{"x $(A:b c) y", "A:b c"},
		{"$(A B)", ""},
		{"$(A$(B))", "B"},
		{"$$(A) $(B)", "B"},
		{"$$$(A)", "A"},
		{"$ENV(HOME:/x)", "HOME:/x"},
		{"$env(HOME)", ""},
		{"$(A:$(B))", "A:$(B)"},
		{"$(A", ""},
		{"$(DOLLAR)", ""},
		{"$(dollar) $(X)", "X"},
	} {
		m, ok := scanMacro(tt.in, 0, isDollar)
		got := ""
		if ok {
			got = m.body
		}
		if got != tt.want {
			t.Errorf("scanMacro(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
