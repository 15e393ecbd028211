package mapfile

import (
	"errors"
	"fmt"
	"regexp/syntax"
	"strings"
	"testing"
)

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		file string
		hash bool
		want string // exact error text
	}{
		{"missing principal", "# c\nFS\n", false,
			"mapfile: test.map:2: missing principal (expected METHOD PRINCIPAL CANONICAL)"},
		{"missing canonical", "FS (.*)\n", false,
			"mapfile: test.map:1: missing canonical name (expected METHOD PRINCIPAL CANONICAL)"},
		{"empty quoted principal", `FS "" x`, false,
			"mapfile: test.map:1: missing principal (expected METHOD PRINCIPAL CANONICAL)"},
		{"empty regex", `FS // x`, true,
			"mapfile: test.map:1: missing principal (expected METHOD PRINCIPAL CANONICAL)"},
		{"unterminated quote", `SSL "CN=a b x`, false,
			`mapfile: test.map:1: principal field: unterminated quoted string (no closing '"')`},
		{"unterminated quoted canonical", `SSL a "b`, false,
			`mapfile: test.map:1: canonical field: unterminated quoted string (no closing '"')`},
		{"unterminated regex", `SSL /CN=a x`, true,
			"mapfile: test.map:1: principal field: regular expression starting with '/' has no closing '/'"},
		{"backslash at EOL", `SSL "a\`, false,
			"mapfile: test.map:1: principal field: backslash at end of line inside a quoted string or regular expression"},
		{"unknown regex flag", `SSL /a/x b`, true,
			`mapfile: test.map:1: principal field: unexpected 'x' after the closing '/' (HTCondor accepts only the flags i and U there, followed by a space)`},
		{"glued after quote", `SSL "a"b c`, true,
			`mapfile: test.map:1: principal field: unexpected 'b' after the closing '"' (a space must follow)`},
		{"star method", `* (.*) x`, false,
			`mapfile: test.map:1: method "*" is not a wildcard in HTCondor map files; write one line per authentication method`},
		{"CR", "FS (.*) x\r\n", false,
			"mapfile: test.map:1: carriage return inside the canonical name (DOS line endings?); HTCondor would keep it as part of the name"},
		{"NUL", "FS a\x00 x", false, "mapfile: test.map:1: NUL byte in line"},
		{"lone backslash canonical", `FS (.*) x\`, false,
			`mapfile: test.map:1: canonical name "x\\" ends with a lone backslash`},
		{"include disabled", "FS a b\n@include /etc\n", false, "mapfile: test.map:2: @include is disabled"},
		{"include empty", "@include\n", false, "mapfile: test.map:1: @include is disabled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseWith("test.map", strings.NewReader(tc.file), Options{AssumeHashKeys: tc.hash, NoInclude: true})
			if err == nil {
				t.Fatalf("no error; want %q", tc.want)
			}
			if err.Error() != tc.want {
				t.Errorf("error\n got %q\nwant %q", err.Error(), tc.want)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.File != "test.map" || pe.Line == 0 {
				t.Errorf("error %#v does not carry file and line", err)
			}
		})
	}
}

// PCRE-only constructs must fail loudly, naming file and line.
func TestParsePCREFeaturesRefused(t *testing.T) {
	for _, tc := range []struct {
		pattern string
		want    string // substring of the error
	}{
		{`^(a)\1$`, `backreference \1`},
		{`(a)\g1`, `backreference \g`},
		{`(?<n>a)\k<n>`, `backreference \k`},
		{`^(?=a)`, "lookaround (?= is not supported"},
		{`^(?!a)`, "lookaround (?! is not supported"},
		{`(?<=a)b`, "lookaround (?<= is not supported"},
		{`(?<!a)b`, "lookaround (?<! is not supported"},
		{`[(]\\\\(?=a)`, "lookaround (?= is not supported"},
		{`(?>a)`, "invalid or unsupported Perl syntax: `(?>`"},
		{`a++`, "invalid nested repetition operator"},
		{`a\Z`, "invalid escape sequence: `\\Z`"},
		{`a\Kb`, "invalid escape sequence: `\\K`"},
		{`(?#note)a`, "invalid or unsupported Perl syntax: `(?#`"},
		{`(?x) a`, "invalid or unsupported Perl syntax: `(?x`"},
		{`a\vb`, `\v means "any vertical whitespace" in PCRE2`},
		{`[\v]`, `\v means "any vertical whitespace" in PCRE2`},
		{`a{,3}`, `"{,3}" is a {0,n} quantifier in PCRE2 10.43+`},
		{`(unclosed`, "missing closing )"},
	} {
		t.Run(tc.pattern, func(t *testing.T) {
			file := "FS a b\nFS \"" + tc.pattern + "\" x\n"
			_, err := Parse("/etc/condor/map", strings.NewReader(file))
			if err == nil {
				t.Fatalf("pattern %q accepted", tc.pattern)
			}
			msg := err.Error()
			prefix := "mapfile: /etc/condor/map:2: regular expression "
			if !strings.HasPrefix(msg, prefix) || !strings.Contains(msg, tc.want) || !strings.Contains(msg, "PCRE2") {
				t.Errorf("error %q: want prefix %q, containing %q and PCRE2", msg, prefix, tc.want)
			}
		})
	}
	// Constructs whose meaning is the same in both engines are accepted.
	for _, p := range []string{`\Qa{,3}\v\E`, `[[:alpha:]]+`, `[]v]`, `[^]{]{,x}`, `a{2,}`, `\x{41}`, `(?P<n>a)`, `(?i)a`, `\\\\v`, `a\\\\1`} {
		if _, err := Parse("m", strings.NewReader("FS \""+p+"\" x\n")); err != nil {
			t.Errorf("pattern %q refused: %v", p, err)
		}
	}
	// The regexp cause stays reachable.
	_, err := Parse("m", strings.NewReader("FS \"(\" x\n"))
	var se *syntax.Error
	if !errors.As(err, &se) {
		t.Errorf("error %v does not wrap *syntax.Error", err)
	}
}

func TestParseAccepts(t *testing.T) {
	// Comment and blank-line forms that HTCondor ignores.
	text := "# comment\n   # indented comment\n\t\n\n#FS (.*) x\n\"#q\" a b\n\"\" a b\nFS a b # trailing\nFS a b\nlast /(.*)/ y"
	m, err := ParseWith("m", strings.NewReader(text), Options{AssumeHashKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("FS", "a"); got != "b" {
		t.Errorf("FS a -> %q", got)
	}
	if got, _ := m.Map("LAST", "z"); got != "y" {
		t.Errorf("line without final newline: got %q", got)
	}
	if _, ok := m.Map("#q", "a"); ok {
		t.Errorf("quoted # method should be a comment")
	}
	// CR on a comment line is harmless.
	if _, err := Parse("m", strings.NewReader("# dos comment\r\nFS (.*) x\n")); err != nil {
		t.Errorf("CR in comment: %v", err)
	}
}

func TestParseBounds(t *testing.T) {
	long := "FS a " + strings.Repeat("x", MaxLineLength) + "\n"
	_, err := Parse("m", strings.NewReader(long))
	if err == nil || err.Error() != "mapfile: m:1: line longer than 65536 bytes" {
		t.Errorf("long line: %v", err)
	}
	big := strings.Repeat("# filler filler filler filler filler filler filler\n", MaxFileSize/50+10)
	_, err = Parse("m", strings.NewReader(big))
	if err == nil || err.Error() != "mapfile: m: map file is larger than the 4194304 byte limit" {
		t.Errorf("big file: %v", err)
	}
}

func TestParseRegexLimit(t *testing.T) {
	var b strings.Builder
	for range MaxRegexEntries {
		b.WriteString("FS ^a$ b\n")
	}
	if _, err := Parse("m", strings.NewReader(b.String())); err != nil {
		t.Fatalf("at the limit: %v", err)
	}
	b.WriteString("FS ^a$ b\n")
	_, err := Parse("m", strings.NewReader(b.String()))
	if err == nil || err.Error() != "mapfile: m:10001: more than 10000 regular-expression lines" {
		t.Errorf("over the limit: %v", err)
	}
	// Literal lines are not limited by it.
	b.Reset()
	for i := range MaxRegexEntries + 1 {
		fmt.Fprintf(&b, "FS u%d c%d\n", i, i)
	}
	m, err := ParseWith("m", strings.NewReader(b.String()), Options{AssumeHashKeys: true})
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := m.Map("FS", "u10000"); got != "c10000" {
		t.Errorf("literal lookup: %q", got)
	}
}
