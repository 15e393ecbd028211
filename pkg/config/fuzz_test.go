package config

import (
	"errors"
	"strings"
	"testing"
)

// parseForFuzz parses text as a configuration file without touching the
// file system or running programs.
func parseForFuzz(text string) (*Config, error) {
	c := &Config{subsys: "TOOL", env: map[string]string{"HOME": "/home/x"}, t: table{}}
	o := &Options{Hostname: "fuzz.example.org"}
	l := &loader{c: c, opts: o, id: Identity{UID: 1000, Name: "fuzz"},
		readFile: func(string) (string, error) { return "", errors.New("file access disabled while fuzzing") }}
	l.insertEarly()
	l.insertHostnames()
	err := (&parser{l: l, file: "fuzz.conf"}).run(text)
	c.cache = map[string]cached{}
	return c, err
}

var parseSeeds = []string{
	"A = 1\nB = $(A) $(C:dflt)\nC =\n",
	"use SECURITY : recommended\nSEC_CLIENT_AUTHENTICATION_METHODS = FS, IDTOKENS\n",
	"use security:recommended(svc, a@b)\nuse ROLE : Execute Submit\nuse POLICY : ALWAYS_RUN_JOBS\n",
	"X @=end\nline1\n# comment\nline2\n@end\nY = $(X)\n",
	"if defined A\nB = 1\nelif version >= 8.1\nB = 2\nelse\nB = 3\nendif\n",
	"if $(UNDEF)\nelif ! defined use SECURITY:strong\nendif\n",
	"A = x \\\n# c \\\n  y\\\n\n",
	"include ifexist : /nonexistent\ninclude : cmd |\ninclude command into /tmp/x : cmd\n",
	"A = $(A) $(A)\nA += z\nA +,= w\nTOOL.B = $(B) t\n",
	"D = $(DOLLAR)(X) $$(Y) $ENV(HOME) $ENV(NOPE:d) $RANDOM_CHOICE(a,b) $RANDOM_INTEGER(1,9,2)\n",
	"N = $($(M))\nM = A\nA = $(N)\n",
	"error : $(BOOM)\n",
	"warning : careful\n[section]\n:if true\n:K = v\n:endif\n",
	"A : colon\n@use SECURITY : strong\nJUNK WORDS = 1\n",
	"$(SUBSYSTEM).KNOB = x\n",
	"E = $INT(3) $Fp(/x)\n",
	"N = abcdef\nI = 1\nS = $SUBSTR(N, I, -2) $CHOICE(I, a, b) $CHOICE(0, L)\nL = x, y\n",
	"X = 2\nY = $(X) * 3\nR = $INT(Y,%04d) $REAL(Y,%.3e) $STRING(Y,[%-5s]) $EVAL(Y)\n",
	"P = \"/a/b/c.tar.gz\"\nF = $Fqdn(P) $BASENAME(P, .tar.gz) $DIRNAME(P) $Fwb(P) $Fxb(P)\n",
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		c, err := parseForFuzz(text)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is a %T, want *ParseError", err, err)
			}
			if pe.File != "fuzz.conf" || pe.Line < 0 || pe.Line > strings.Count(text, "\n")+1 {
				t.Fatalf("error at %s:%d for a %d-line text", pe.File, pe.Line, strings.Count(text, "\n")+1)
			}
			return
		}
		for _, n := range c.Names() {
			v, ok, err := c.Value(n)
			if ok && v == "" || err != nil && ok {
				t.Fatalf("Value(%q) = %q, %v, %v", n, v, ok, err)
			}
			if len(v) > maxExpandLen {
				t.Fatalf("Value(%q) is %d bytes", n, len(v))
			}
		}
		_ = c.validate()
	})
}

func FuzzExpand(f *testing.F) {
	for _, s := range [][2]string{
		{"$(B)", "plain"},
		{"$(B:$(C))x", "$(A"},
		{"$(A)", "$(B)"},
		{"$($(B))", "A"},
		{"$(DOLLAR)(B) $$(B) $(dollar)", ""},
		{"$ENV(E) $ENV(E:d)", "$ENV(E)"},
		{"$RANDOM_CHOICE(B)", "x y z"},
		{"$RANDOM_INTEGER(-5, 5, 2)", ""},
		{"$(B)$(B)$(B)$(B)", "$(C)$(C)"},
		{"$(B))", "$(B"},
		{"$INT(B) $F(x)", ""},
		{"$INT(B,%+08.3lld) $REAL(B,%#.0e%%) $INT(B,%c)", "3 * 7"},
		{"$SUBSTR(B, -3, C)", "abcdef"},
		{"$CHOICE(1, B) $CHOICE(C, a, b)", "x, $(DOLLAR)y"},
		{"$STRING(B, %.2s|%%) $EVAL(B)", `strcat("a", "b")`},
		{"$EVAL(B)", `{1, 2.5, "x", [a = 1]}`},
		{"$Fqa(B)$Fdddb(B)$FQDNXB(B)$BASENAME(B, .Z)", `"\\.\a/b\c.z"`},
		{"$Fn(B) $Fqd(B)", `""`},
		{"$SUBSTR(B,0)", "$(DOLLAR)SUBSTR(B,0)"},
		{"$INT(A) $EVAL(A)", "$INT(B)"},
		{"$(A:b, c\\d) $(B:(x))", ""},
	} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		tbl := table{}
		tbl.set("A", a, Source{File: "a"})
		tbl.set("B", b, Source{File: "b"})
		tbl.set("C", "$(B)$(B)", Source{File: "c"})
		c := &Config{subsys: "TOOL", env: map[string]string{"E": "$(B)"}, t: tbl, cache: map[string]cached{}}
		for _, n := range []string{"A", "B", "C"} {
			v, ok, err := c.Value(n)
			if err != nil {
				var ee *ExpandError
				if !errors.As(err, &ee) {
					t.Fatalf("Value(%s) error %T", n, err)
				}
				continue
			}
			if ok == (v == "") || len(v) > maxExpandLen {
				t.Fatalf("Value(%s) = %q (%d bytes), %v", n, v, len(v), ok)
			}
		}
		// Text without '$' is its own expansion.
		if !strings.Contains(a, "$") {
			if v, _, err := c.Value("A"); err != nil || v != a {
				t.Fatalf("Value(A) = %q, %v; want %q", v, err, a)
			}
		}
		_ = expandSelf(a, "A", []string{"", "TOOL"}, c.lookup)
		_, _ = c.Expand(b)
	})
}
