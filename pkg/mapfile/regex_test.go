package mapfile

import (
	"strings"
	"testing"
)

// PCRE2 without PCRE2_UTF works on bytes; these cases check that the
// translation gives RE2 the same meaning.
func TestRegexByteSemantics(t *testing.T) {
	for _, tc := range []struct {
		name, line, input, want string
	}{
		{"dot is one byte", `FS ^(.)(.*)$ [\1][\2]`, "é", "[\xc3][\xa9]"},
		{"two dots match 2-byte char", `FS ^..$ y`, "é", "y"},
		{"quantifier on last byte", `FS ^ü+$ y`, "ü\xbc\xbc", "y"},
		{"quantifier not on whole char", `FS ^ü+$ y`, "üü", ""},
		{"non-ASCII literal", `FS ^jürgen@(.*)$ j@\1`, "jürgen@örg", "j@örg"},
		{"invalid UTF-8 kept", `FS ^(.*)$ \1`, "a\xff\xfeb", "a\xff\xfeb"},
		{"class of bytes", `FS ^[\x80-\xff]+$ hi`, "é\xff", "hi"},
		{`\s matches VT`, `FS ^a\sb$ y`, "a\vb", "y"},
		{`\s in class matches VT`, `FS ^a[\s]b$ y`, "a\vb", "y"},
		{`\S`, `FS ^\S+$ y`, "a\vb", ""},
		{`\S plain`, `FS ^\S+$ y`, "ab", "y"},
		{`caseless ASCII`, `FS /^kim$/i y`, "KIM", "y"},
		{`no Unicode folding`, `FS /^kim$/i y`, "\u212aim", ""},     // KELVIN SIGN
		{`no Unicode folding inline`, `FS (?i)^s$ y`, "\u017f", ""}, // LONG S
		{`\Q quoting`, `FS ^\Qa.b\E$ y`, "a.b", "y"},
		{`\Q quoting no dot`, `FS ^\Qa.b\E$ y`, "axb", ""},
		{`\Q without \E`, `FS ^\Qa.ü y`, "a.ü", "y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, tc.line, Options{AssumeHashKeys: strings.Contains(tc.line, "/i")})
			got, ok := m.Map("FS", tc.input)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Map(%q) = %q, %v; want %q", tc.input, got, ok, tc.want)
			}
		})
	}
}

func TestRegexRefusedCaseless(t *testing.T) {
	for _, line := range []string{
		`FS /jürgen/i y`,
		`FS /\xe9/i y`,
		`FS /\x{41}/i y`,
		`FS /\pL/i y`,
		`FS /\0101/i y`,
		`FS /(?i)ö/ y`,
		`FS /(?s-i)ö/ y`, // conservative: any inline flag group with i
		`FS /\Qö\E/i y`,
		`FS /[\S]/ y`,
	} {
		_, err := ParseWith("m", strings.NewReader(line), Options{AssumeHashKeys: true})
		if err == nil || !strings.HasPrefix(err.Error(), "mapfile: m:1: regular expression ") {
			t.Errorf("%s: got %v", line, err)
		}
	}
}

func TestTranslate(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`a\sb`, `a[\t-\r ]b`},
		{`[^\s]`, `[^\t-\r ]`},
		{`\S`, `[^\t-\r ]`},
		{"é", "\u00c3\u00a9"},
		{`[]a]`, `[]a]`},
		{`[^]a]`, `[^]a]`},
		{`[[:alpha:]\s]`, `[[:alpha:]\t-\r ]`},
		{`\\s`, `\\s`},
		{`x{,}`, `x{,}`},
		{`x{,a}`, `x{,a}`},
		{`\`, `\`},
	} {
		got, err := translate(tc.in, false)
		if err != nil || got != tc.want {
			t.Errorf("translate(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	if got := fromLatin1(toLatin1("a\xc3\xa9\xff")); got != "a\xc3\xa9\xff" {
		t.Errorf("Latin-1 round trip: %q", got)
	}
}
