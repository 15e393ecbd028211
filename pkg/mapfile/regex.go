package mapfile

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
)

// errPCRE explains why a pattern that compiles in PCRE2 may be refused here.
var errPCRE = errors.New("HTCondor compiles map-file patterns with PCRE2; this implementation uses Go's RE2 " +
	"and refuses PCRE-only features (backreferences, lookahead/lookbehind, atomic groups, possessive quantifiers, " +
	`\K, \R, \h, \e, \c, \Z, (?#...) comments, the x flag) and constructs RE2 reads differently`)

// inlineCaseless spots an inline flag group that may turn on caseless
// matching, e.g. (?i) or (?si:...). False positives only make the caseless
// restrictions of translate apply.
var inlineCaseless = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\(\?[a-zA-Z-]*i`) })

// compilePCRE compiles a map-file principal regex. flags holds the letters
// that followed the closing '/': i = PCRE2_CASELESS, U = PCRE2_UNGREEDY
// (MapFile::ParseField). The pattern is searched for, unanchored, like
// pcre2_match with no options.
//
// HTCondor compiles without PCRE2_UTF, so PCRE2 works on bytes. To get the
// same meaning from RE2, which works on UTF-8 runes, every byte >= 0x80 of
// the pattern and of the name is carried as the rune of the same value
// (Latin-1): "." then matches exactly one byte, and a quantifier after a
// multi-byte character applies to its last byte, as in PCRE2.
func compilePCRE(pattern, flags string) (*regexp.Regexp, error) {
	caseless := strings.Contains(flags, "i") || inlineCaseless().MatchString(pattern)
	tr, err := translate(pattern, caseless)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", err, errPCRE)
	}
	prefix := ""
	for _, f := range flags {
		switch f {
		case 'i':
			prefix += "i"
		case 'U':
			prefix += "U"
		}
	}
	if prefix != "" {
		tr = "(?" + prefix + ")" + tr
	}
	re, err := regexp.Compile(tr)
	if err != nil {
		return nil, fmt.Errorf("%w (%v)", err, errPCRE)
	}
	return re, nil
}

var errCaseless = errors.New(`caseless matching of non-ASCII text (non-ASCII bytes, \x, octal, \p or \P escapes) ` +
	"differs between PCRE2 (ASCII-only case folding) and RE2 (Unicode case folding)")

// translate rewrites a PCRE2 pattern into an RE2 pattern with the same
// meaning, or explains why it cannot:
//   - bytes >= 0x80 become Latin-1 runes (see compilePCRE);
//   - \s, which in PCRE2 also matches the vertical tab, becomes [\t-\r ];
//     \S becomes [^\t-\r ] (refused inside a bracket expression);
//   - backreferences and lookaround are named in the error;
//   - \v (PCRE2 "any vertical whitespace", RE2 "vertical tab") and {,n}
//     (PCRE2 10.43+ a {0,n} quantifier, RE2 literal text) are refused;
//   - under caseless matching anything that can denote a non-ASCII
//     character is refused, since RE2 folds Unicode case and PCRE2's default
//     tables fold ASCII only.
//
// Everything else is copied and left to regexp.Compile, which rejects the
// remaining PCRE-only syntax.
func translate(p string, caseless bool) (string, error) {
	var b strings.Builder
	inClass := false
	emit := func(c byte) error {
		if c >= utf8.RuneSelf {
			if caseless {
				return errCaseless
			}
			b.WriteRune(rune(c))
			return nil
		}
		b.WriteByte(c)
		return nil
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case c == '\\':
			if i+1 >= len(p) {
				b.WriteByte(c) // RE2 reports the trailing backslash
				continue
			}
			d := p[i+1]
			i++
			switch {
			case d >= utf8.RuneSelf:
				// An escaped non-alphanumeric byte is that byte in PCRE2.
				if err := emit(d); err != nil {
					return "", err
				}
				continue
			case d == 'v':
				return "", errors.New(`\v means "any vertical whitespace" in PCRE2 but "vertical tab" in RE2; write [\n\x0b\f\r] or \x0b explicitly`)
			case (d >= '1' && d <= '9' || d == 'g' || d == 'k') && !inClass:
				return "", fmt.Errorf(`backreference \%c... is not supported by RE2`, d)
			case d == 's':
				if inClass {
					b.WriteString(`\t-\r `)
				} else {
					b.WriteString(`[\t-\r ]`)
				}
				continue
			case d == 'S':
				if inClass {
					return "", errors.New(`\S inside a bracket expression cannot be expressed in RE2 with PCRE2's meaning (it includes the vertical tab)`)
				}
				b.WriteString(`[^\t-\r ]`)
				continue
			case caseless && (d == 'x' || d == '0' || d == 'p' || d == 'P'):
				return "", errCaseless
			case d == 'Q':
				// \Q...\E quotes literally in both engines.
				end := strings.Index(p[i+1:], `\E`)
				if end < 0 {
					end = len(p) - (i + 1)
				}
				b.WriteString(`\Q`)
				for _, q := range []byte(p[i+1 : i+1+end]) {
					if err := emit(q); err != nil {
						return "", err
					}
				}
				i += end
				if i+1 < len(p) {
					b.WriteString(`\E`)
					i += 2
				}
				continue
			}
			b.WriteByte(c)
			b.WriteByte(d)
		case c >= utf8.RuneSelf:
			if err := emit(c); err != nil {
				return "", err
			}
		case inClass:
			if c == '[' && i+1 < len(p) && p[i+1] == ':' {
				// POSIX class such as [:alpha:] inside a bracket expression.
				if end := strings.Index(p[i+2:], ":]"); end >= 0 {
					b.WriteString(p[i : i+2+end+2])
					i += 2 + end + 1
					continue
				}
			} else if c == ']' {
				inClass = false
			}
			b.WriteByte(c)
		case strings.HasPrefix(p[i:], "(?=") || strings.HasPrefix(p[i:], "(?!"):
			return "", fmt.Errorf("lookaround %s is not supported by RE2", p[i:i+3])
		case strings.HasPrefix(p[i:], "(?<=") || strings.HasPrefix(p[i:], "(?<!"):
			return "", fmt.Errorf("lookaround %s is not supported by RE2", p[i:i+4])
		case c == '[':
			inClass = true
			b.WriteByte(c)
			// A ']' right after '[' or '[^' is literal in both engines.
			if i+1 < len(p) && p[i+1] == '^' {
				i++
				b.WriteByte('^')
			}
			if i+1 < len(p) && p[i+1] == ']' {
				i++
				b.WriteByte(']')
			}
		case c == '{' && i+1 < len(p) && p[i+1] == ',':
			j := i + 2
			for j < len(p) && p[j] >= '0' && p[j] <= '9' {
				j++
			}
			if j > i+2 && j < len(p) && p[j] == '}' {
				return "", fmt.Errorf("%q is a {0,n} quantifier in PCRE2 10.43+ but literal text in RE2; write {0,n}", p[i:j+1])
			}
			b.WriteByte(c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// toLatin1 carries each byte >= 0x80 of s as the rune of the same value, so
// that RE2 sees the bytes PCRE2 (without PCRE2_UTF) would see.
func toLatin1(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		b.WriteRune(rune(s[i]))
	}
	return b.String()
}

// fromLatin1 undoes toLatin1 on a substring of its result.
func fromLatin1(s string) string {
	i := 0
	for i < len(s) && s[i] < utf8.RuneSelf {
		i++
	}
	if i == len(s) {
		return s
	}
	b := []byte(s[:i])
	for _, r := range s[i:] {
		b = append(b, byte(r))
	}
	return string(b)
}
