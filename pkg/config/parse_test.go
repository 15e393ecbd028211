package config

import (
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLineReader(t *testing.T) {
	type logical struct {
		Text string
		Line int
	}
	tests := []struct {
		name string
		in   string
		want []logical
	}{
		{"trim", "  A = 1  \n\tB=2\t\r\n", []logical{{"A = 1", 1}, {"B=2", 2}}},
		{"no final newline", "A = 1\nB = 2", []logical{{"A = 1", 1}, {"B = 2", 2}}},
		{"continuation keeps blank before backslash", "A = a \\\n   b\n", []logical{{"A = a b", 2}}},
		{"continuation joins without blank", "A = a\\\nb\\\nc\nD = d\n", []logical{{"A = abc", 3}, {"D = d", 4}}},
		// Manual, "Comments and Line Continuations": a commented-out
		// continuation line that itself ends in '\' disappears.
		{"commented continuation", "A = $(B) \\\n# $(C) \\\n$(D)\n", []logical{{"A = $(B) $(D)", 3}}},
		// config.cpp keeps only the last character of a commented line that
		// does not end in '\' (and ends the statement there).
		{"commented line ends continuation", "A = x \\\n# c)\nB = y\n", []logical{{"A = x )", 2}, {"B = y", 3}}},
		{"comment line does not continue", "# note \\\nA = 1\n", []logical{{"# note ", 1}, {"A = 1", 2}}},
		{"blank line ends continuation", "A = 1 \\\n\nB = 2\n", []logical{{"A = 1 ", 2}, {"B = 2", 3}}},
		{"continuation at eof", "A = 1 \\", []logical{{"A = 1 ", 1}}},
		{"empty", "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newLineReader(tt.in)
			var got []logical
			for {
				s, n, ok := r.read()
				if !ok {
					break
				}
				got = append(got, logical{s, n})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("logical lines (-want +got):\n%s", diff)
			}
		})
	}
}

func TestAssignments(t *testing.T) {
	c := loadText(t, `
# comment
[HTCondor Settings]
plain = value with  inner  blanks   
lower_case = x
Lower_Case = y
EMPTY =
COLON_FORM : old style
JUNK WORDS = 7
a.b/c = dotted
`)
	for name, want := range map[string]string{
		"PLAIN":      "value with  inner  blanks",
		"LOWER_CASE": "y",
		"lower_case": "y",
		"COLON_FORM": "old style",
		"JUNK":       "7", // words before the operator are ignored, as in HTCondor
		"A.B/C":      "dotted",
	} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, ok := c.Get("EMPTY"); ok {
		t.Error("an empty value must read as undefined")
	}
	if raw, _, _, ok := c.Raw("EMPTY"); !ok || raw != "" {
		t.Errorf("Raw(EMPTY) = %q, %v; want \"\", true", raw, ok)
	}
	// The first spelling of a knob is kept.
	if e, _ := c.Describe("LOWER_CASE"); e.Name != "lower_case" {
		t.Errorf("spelling %q, want lower_case", e.Name)
	}
	if w := c.Warnings(); len(w) != 1 || !strings.Contains(w[0], "obsolete use of ':' for parameter assignment at COLON_FORM") {
		t.Errorf("warnings %q", w)
	}
}

func TestSelfReference(t *testing.T) {
	// Examples of the admin manual, "Configuration File Macros".
	c := loadText(t, `
A = xxx
B = $(A)
A = $(A)yyy
A = $(A)zzz
C = $(D)
D = first
D = second
LOG = $(LOG)/sub
LOCAL_DIR = /var
LIST = a
LIST = $(LIST:) b
NEW = $(NEW:start) more
`)
	for name, want := range map[string]string{
		"A":    "xxxyyyzzz",
		"B":    "xxxyyyzzz", // bound to $(A), not to its value at the time
		"C":    "second",
		"LOG":  "/var/log/sub", // the previous value was the default $(LOCAL_DIR)/log
		"LIST": "a b",
		"NEW":  "start more",
	} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if raw, _, _, _ := c.Raw("LOG"); raw != "$(LOCAL_DIR)/log/sub" {
		t.Errorf("raw LOG %q: the self reference must be resolved raw", raw)
	}
}

func TestPlusEquals(t *testing.T) {
	c := loadText(t, `
A = one
A += two
B += first
C = x
C +,= y
D = p
D +&&= q
E = p
E &&= q
`)
	for name, want := range map[string]string{"A": "one two", "B": "first", "C": "x,y", "D": "p && q", "E": "q"} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}

func TestMultiLineValue(t *testing.T) {
	c := loadText(t, `
JOB_ROUTER_DEFAULTS @=jrd
  [
    requirements = target.WantJobRouter is true;

    # comments and blank lines inside are dropped, as HTCondor does
    MaxIdleJobs = 10;
  ]
  @jrd
AFTER = 1
SELF = a
SELF @=end
$(SELF)
b
@end
`)
	want := "[\nrequirements = target.WantJobRouter is true;\nMaxIdleJobs = 10;\n]"
	if got := get(t, c, "JOB_ROUTER_DEFAULTS"); got != want {
		t.Errorf("value %q, want %q", got, want)
	}
	if _, _, line, _ := c.Raw("JOB_ROUTER_DEFAULTS"); line != 9 {
		t.Errorf("line %d, want 9 (the closing tag)", line)
	}
	if got := get(t, c, "AFTER"); got != "1" {
		t.Errorf("AFTER = %q", got)
	}
	if got := get(t, c, "SELF"); got != "a\nb" {
		t.Errorf("SELF = %q", got)
	}
}

func TestConditionals(t *testing.T) {
	c := loadText(t, `
DEFINED_KNOB = yes
EMPTY_KNOB =
if defined DEFINED_KNOB
  R1 = taken
else
  R1 = wrong
endif
if defined EMPTY_KNOB
  R2 = wrong
else
  R2 = taken
endif
if ! defined NO_SUCH_KNOB
  R3 = taken
endif
if defined SEC_TOKEN_ISSUER_KEY
  R4 = defaults count
endif
if version >= 8.1.6
  R5 = new
else
  R5 = old
endif
if version < 25.14
  R6 = wrong
elif version == 25.14
  R6 = equal
else
  R6 = wrong
endif
if version > 25.14.0
  R7 = wrong
elif false
  R7 = wrong
elif 1
  R7 = first true elif
elif true
  R7 = wrong
endif
if 0
  if true
    R8 = wrong
  else
    R8 = wrong
  endif
else
  R8 = outer else
endif
if $(UNDEFINED_KNOB)
  R9 = wrong
else
  R9 = empty is false
endif
BOOLEAN = True
if $(BOOLEAN)
  R10 = expanded
endif
if yes
  R11 = crufty bool
endif
if defined use SECURITY:recommended
  R12 = metaknob exists
endif
if defined use SECURITY:nosuch
  R13 = wrong
endif
:if no
:R14 = wrong
:else
:R14 = colon prefixed
:endif
`)
	for name, want := range map[string]string{
		"R1": "taken", "R2": "taken", "R3": "taken", "R4": "defaults count", "R5": "new",
		"R6": "equal", "R7": "first true elif", "R8": "outer else", "R9": "empty is false",
		"R10": "expanded", "R11": "crufty bool", "R12": "metaknob exists", "R14": "colon prefixed",
	} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, ok := c.Get("R13"); ok {
		t.Error("R13 must not be set")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		text string
		line int
		msg  string
	}{
		{"unterminated here", "A = 1\nB @=end\nx\ny\n", 4, "found end-of-file while scanning for '@end'"},
		{"missing operator", "A = 1\nJUSTAWORD\n", 2, `syntax error, expected "NAME = value": JUSTAWORD`},
		{"bad plus operator", "A +x= 1\n", 1, `missing "="`},
		{"illegal identifier", "A-B = 1\n", 1, "Illegal Identifier: <A-B>"},
		{"error statement", "X = boom\nerror : stop $(X)\n", 2, "Error: stop boom"},
		{"else without if", "else\n", 1, "else without matching if"},
		{"endif without if", "endif\n", 1, "endif without matching if"},
		{"elif after else", "if true\nelse\nelif true\nendif\n", 3, "elif is not allowed after else"},
		{"double else", "if true\nelse\nelse\nendif\n", 3, "else is not allowed after else"},
		{"missing endif", "if true\nA = 1\n", 2, "endif(s) not found before end-of-file"},
		{"complex condition", "if $(A) && $(B)\nendif\n", 1, "is not a valid if condition because complex conditionals are not supported"},
		{"identifier condition", "if SOMETHING\nendif\n", 1, "SOMETHING is not a valid if condition because expression is not a conditional"},
		{"bad version", "if version > 5.1\nendif\n", 1, "the version literal is invalid"},
		{"defined junk", "if defined a b\nendif\n", 1, "defined argument must be param name, boolean, or number"},
		{"use without category", "use : recommended\n", 1, "use needs a keyword before : recommended"},
		{"unknown category", "use NOSUCH : x\n", 1, "unknown metaknob category NOSUCH"},
		{"unknown template", "A = 1\nuse SECURITY : recommended, nosuch\n", 2, "use SECURITY: does not recognise nosuch"},
		{"unsupported template", "use FEATURE : HPC_ANNEX\n", 1, "use FEATURE:HPC_ANNEX is not supported by condor-auth"},
		{"bad include keyword", "include sometimes : /x\n", 1, "unexpected keyword(s) 'sometimes' after include"},
		{"missing include", "A = 1\n\ninclude : /nonexistent/condor-auth-test\n", 3, "include: can't open file /nonexistent/condor-auth-test: no such file or directory"},
		{"include command refused", "include : /bin/echo X=1 |\n", 1, "refusing to run \"/bin/echo X=1\""},
		{"include command keyword refused", "include command : /bin/echo X=1\n", 1, "running programs from the configuration is disabled"},
		{"pipe not at end", "include : a | b\n", 1, "not a valid command, | must be at the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path, err := loadErr(t, tt.text)
			wantParseError(t, err, path, tt.line, tt.msg)
		})
	}
}

func TestWarningStatement(t *testing.T) {
	c := loadText(t, "V = 3\nwarning : value is $(V)\nA = 1\n")
	w := c.Warnings()
	if len(w) != 1 || !strings.HasSuffix(w[0], "line 2: Warning: value is 3") {
		t.Errorf("warnings %q", w)
	}
}

func TestInclude(t *testing.T) {
	dir := t.TempDir()
	inc := writeFile(t, dir, "inc.conf", "FROM_INC = yes\nA = $(A) inc\n")
	writeFile(t, dir, "nested/a.conf", "include : "+dir+"/nested/b.conf\nNESTED = a\n")
	writeFile(t, dir, "nested/b.conf", "NESTED_B = b\n")
	global := writeFile(t, dir, "condor_config", `
A = global
INC = inc.conf
include : `+dir+`/$(INC)
@include : `+dir+`/nested/a.conf
include ifexist : `+dir+`/does-not-exist
include ifexists : `+dir+`/does-not-exist-either
AFTER = $(A)
`)
	c, err := Load(opts(t, global))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{"FROM_INC": "yes", "A": "global inc", "NESTED": "a", "NESTED_B": "b", "AFTER": "global inc"} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, file, line, _ := c.Raw("FROM_INC"); file != inc || line != 1 {
		t.Errorf("FROM_INC at %s:%d", file, line)
	}
	want := []string{global, inc, dir + "/nested/a.conf", dir + "/nested/b.conf"}
	if diff := cmp.Diff(want, c.Files()); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
}

func TestIncludeNestingLimit(t *testing.T) {
	dir := t.TempDir()
	loop := writeFile(t, dir, "loop.conf", "include : "+dir+"/loop.conf\n")
	_, err := Load(opts(t, loop))
	wantParseError(t, err, loop, 1, "includes nested too deep")
}

func TestIncludeCommand(t *testing.T) {
	dir := t.TempDir()
	var ran [][]string
	o := opts(t, writeFile(t, dir, "condor_config", `
include : /usr/bin/make-config --flag "x" |
include command : "/usr/bin/quoted 'a b' c"
include command into `+dir+`/cache.conf : /usr/bin/cached
include command into `+dir+`/cache.conf : /usr/bin/not-run-again
`))
	o.AllowCommands = true
	o.RunCommand = func(argv []string) ([]byte, error) {
		ran = append(ran, argv)
		name := strings.ReplaceAll(strings.TrimPrefix(argv[0], "/usr/bin/"), "-", "_")
		return []byte("FROM_" + strings.ToUpper(name) + " = 1\n"), nil
	}
	c, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	wantRuns := [][]string{
		{"/usr/bin/make-config", "--flag", `"x"`},
		{"/usr/bin/quoted", "a b", "c"},
		{"/usr/bin/cached"},
	}
	if diff := cmp.Diff(wantRuns, ran); diff != "" {
		t.Errorf("commands run (-want +got):\n%s", diff)
	}
	for _, n := range []string{"FROM_MAKE_CONFIG", "FROM_QUOTED", "FROM_CACHED"} {
		if got := get(t, c, n); got != "1" {
			t.Errorf("%s = %q", n, got)
		}
	}
	wantFiles := []string{o.Env[0][len("CONDOR_CONFIG="):], `/usr/bin/make-config --flag "x" |`,
		`"/usr/bin/quoted 'a b' c" |`, dir + "/cache.conf", dir + "/cache.conf"}
	if diff := cmp.Diff(wantFiles, c.Files()); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	if data, err := os.ReadFile(dir + "/cache.conf"); err != nil || string(data) != "FROM_CACHED = 1\n" {
		t.Errorf("cache file %q, %v", data, err)
	}
}
