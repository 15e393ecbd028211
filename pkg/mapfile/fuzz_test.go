package mapfile

import (
	"errors"
	"strings"
	"testing"
)

func FuzzParse(f *testing.F) {
	seeds := []string{
		regexModeFile,
		hashModeFile,
		"FS (.*) \\1\nSSL (.*) certuser@pool.example\nKERBEROS ^([^/@]+)(/[^@]*)?@(.*)$ \\1@\\3\n",
		"# c\n\n\"FS\" \"a b\" \"c\\\"d\"\n",
		"SSL /^CN=(.*)$/iU \\1\nSSL \"lit\\\\x\" y\n",
		"FS \"unterminated\n",
		"FS /a/x b\n",
		"@include x\n",
		"FS \"a\\",
		"FS (a)\\1 x\nFS a{,3} y\nFS \\v z\n",
		"FS a b\r\n",
		"* x y\n",
		"FS ^(.)ü+\\s[\\s]\\Qx\\E$ \\1\nFS /(?i)k/ y\n",
	}
	for _, s := range seeds {
		f.Add(s, false, "name")
		f.Add(s, true, "CN=Bob")
	}
	f.Fuzz(func(t *testing.T, text string, hash bool, name string) {
		m, err := ParseWith("fuzz.map", strings.NewReader(text), Options{AssumeHashKeys: hash, NoInclude: true})
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.File != "fuzz.map" || pe.Line < 1 {
				t.Fatalf("error without file and line: %v", err)
			}
			if m != nil {
				t.Fatalf("non-nil MapFile with error")
			}
			return
		}
		for _, method := range []string{"FS", "SSL", "CLAIMTOBE", "fs"} {
			c, ok := m.Map(method, name)
			if !ok && c != "" {
				t.Fatalf("no match but canonical %q", c)
			}
		}
	})
}
