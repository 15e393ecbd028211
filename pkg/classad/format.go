package classad

import (
	"math"
	"strconv"
	"strings"
)

// syntax selects between HTCondor's two ClassAd text forms.
type syntax uint8

const (
	// syntaxOld is the "old ClassAd" (long form) syntax used on the wire
	// and by the tools' -long output.
	syntaxOld syntax = iota
	// syntaxNew is the bracketed syntax; HTCondor also uses it inside the
	// JSON "\/Expr(...)\/" strings and when converting values to strings.
	syntaxNew
)

func writeInt(b *strings.Builder, i int64) {
	var buf [24]byte
	b.Write(strconv.AppendInt(buf[:0], i, 10))
}

// writeReal unparses a real like ClassAdUnParser::UnparseReal (sink.cpp):
// zero as "%.1f" (keeps the sign of -0.0), NaN/Inf as real("...") calls,
// otherwise "%.16G" plus ".0" when the text has no '.' or exponent in old
// syntax, "%1.15E" in new syntax.
func writeReal(b *strings.Builder, r float64, syn syntax) {
	switch {
	case r == 0:
		if math.Signbit(r) {
			b.WriteString("-0.0")
		} else {
			b.WriteString("0.0")
		}
	case math.IsNaN(r):
		b.WriteString(`real("NaN")`)
	case math.IsInf(r, -1):
		b.WriteString(`real("-INF")`)
	case math.IsInf(r, 1):
		b.WriteString(`real("INF")`)
	case syn == syntaxOld:
		b.WriteString(formatRealG16(r))
	default:
		var buf [32]byte
		b.Write(strconv.AppendFloat(buf[:0], r, 'E', 15, 64))
	}
}

// formatRealG16 is C's "%.16G" with ".0" appended when the result would
// read back as an integer. Go's 'G' format with a precision follows the same
// rules as C (exponent form when exp < -4 or exp >= precision, trailing zeros
// removed, at least two exponent digits).
func formatRealG16(r float64) string {
	s := strconv.FormatFloat(r, 'G', 16, 64)
	if !strings.ContainsAny(s, ".Ee") {
		s += ".0"
	}
	return s
}

// isPrintC is isprint() in the C locale.
func isPrintC(c byte) bool { return c >= 0x20 && c < 0x7f }

// writeQuoted writes s between delim characters with HTCondor's escaping
// (ClassAdUnParser::UnparseString). Old syntax escapes only the delimiter
// (cedar.md §3.4): newlines, control bytes and backslashes are written raw.
// New syntax also uses C escapes and octal for non-printable bytes.
func writeQuoted(b *strings.Builder, s string, delim byte, syn syntax) {
	b.WriteByte(delim)
	writeEscaped(b, s, delim, syn)
	b.WriteByte(delim)
}

func writeEscaped(b *strings.Builder, s string, delim byte, syn syntax) {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == delim {
			b.WriteByte('\\')
			b.WriteByte(c)
			continue
		}
		if syn == syntaxNew {
			switch c {
			case '\a':
				b.WriteString(`\a`)
				continue
			case '\b':
				b.WriteString(`\b`)
				continue
			case '\f':
				b.WriteString(`\f`)
				continue
			case '\n':
				b.WriteString(`\n`)
				continue
			case '\r':
				b.WriteString(`\r`)
				continue
			case '\t':
				b.WriteString(`\t`)
				continue
			case '\v':
				b.WriteString(`\v`)
				continue
			case '\\':
				b.WriteString(`\\`)
				continue
			}
			if !isPrintC(c) {
				b.WriteByte('\\')
				b.WriteByte('0' + c>>6)
				b.WriteByte('0' + (c>>3)&7)
				b.WriteByte('0' + c&7)
				continue
			}
		}
		b.WriteByte(c)
	}
}

// reservedWords must be quoted when used as attribute names (sink.cpp
// reserved_words, compared case-insensitively).
var reservedWords = map[string]bool{
	"error": true, "false": true, "is": true, "isnt": true,
	"parent": true, "true": true, "undefined": true,
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }

// isIdentifier reports whether s can be written as a bare attribute name:
// [A-Za-z_][A-Za-z0-9_]* and not a reserved word.
func isIdentifier(s string) bool {
	if s == "" || !(isAlpha(s[0]) || s[0] == '_') {
		return false
	}
	for i := 1; i < len(s); i++ {
		if !isAlnum(s[i]) && s[i] != '_' {
			return false
		}
	}
	return !reservedWords[asciiLower(s)]
}

// writeIdent writes an attribute name, single-quoted when it is not a plain
// identifier (ClassAdUnParser::UnparseAux for identifiers: the name is
// escaped with ' as delimiter first, then quoted if the escaped text is not
// an identifier).
func writeIdent(b *strings.Builder, name string, syn syntax) {
	var esc strings.Builder
	writeEscaped(&esc, name, '\'', syn)
	s := esc.String()
	if isIdentifier(s) {
		b.WriteString(s)
		return
	}
	b.WriteByte('\'')
	b.WriteString(s)
	b.WriteByte('\'')
}

// asciiLower lower-cases ASCII letters only, like tolower() in the C locale.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			buf := []byte(s)
			for j := i; j < len(buf); j++ {
				if buf[j] >= 'A' && buf[j] <= 'Z' {
					buf[j] += 'a' - 'A'
				}
			}
			return string(buf)
		}
	}
	return s
}

// strcasecmp compares like C strcasecmp in the C locale: bytes compared
// after ASCII lower-casing, as unsigned values.
func strcasecmp(a, b string) int {
	n := min(len(a), len(b))
	for i := 0; i < n; i++ {
		ca, cb := lowerByte(a[i]), lowerByte(b[i])
		if ca != cb {
			if ca < cb {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(a) < len(b):
		return -1
	case len(a) > len(b):
		return 1
	}
	return 0
}

func lowerByte(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// writeJSONEscaped escapes a string for HTCondor's JSON output
// (ClassAdJsonUnParser::UnparseAuxEscapeString): \" \\ \b \f \n \r \t, other
// control bytes as \u00XX with upper-case hex; '/' and bytes >= 0x80 raw.
func writeJSONEscaped(b *strings.Builder, s string) {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if c < 0x20 {
				b.WriteString(`\u00`)
				b.WriteByte(hex[c>>4])
				b.WriteByte(hex[c&15])
				continue
			}
			b.WriteByte(c)
		}
	}
}
