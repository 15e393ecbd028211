package idtoken

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// This file holds a small JSON reader and writer that behave like the
// picojson library HTCondor uses for tokens (vendored with jwt-cpp,
// PICOJSON_USE_INT64), so that decoded claims and minted bytes agree with
// HTCondor (tokens.md §4.3):
//
//   - strings keep their raw bytes (no UTF-8 validation); bytes below 0x20
//     must be escaped; \uXXXX escapes become UTF-8, surrogate pairs must be
//     complete;
//   - integers that fit in int64 are int64, every other number is float64;
//   - objects keep the last value of a duplicated key;
//   - nesting deeper than maxJSONDepth is refused (picojson's
//     DEFAULT_MAX_DEPTHS).
//
// Values are nil, bool, int64, float64, string, []any and map[string]any.

// maxJSONDepth is picojson's DEFAULT_MAX_DEPTHS.
const maxJSONDepth = 100

// errJSONSyntax is the generic cause of a JSON decoding failure; the
// wrapping message says where.
var errJSONSyntax = errors.New("invalid JSON")

type jsonReader struct {
	s     string
	pos   int
	depth int
}

// parseJSONObject decodes s, which must hold exactly one JSON object
// (optionally surrounded by whitespace).
func parseJSONObject(s string) (map[string]any, error) {
	r := &jsonReader{s: s}
	r.skipWS()
	if r.pos >= len(r.s) || r.s[r.pos] != '{' {
		return nil, r.fail("expected a JSON object")
	}
	v, err := r.value()
	if err != nil {
		return nil, err
	}
	r.skipWS()
	if r.pos != len(r.s) {
		return nil, r.fail("unexpected data after the JSON object")
	}
	return v.(map[string]any), nil
}

func (r *jsonReader) fail(what string) error {
	return fmt.Errorf("%w: %s at offset %d", errJSONSyntax, what, r.pos)
}

func (r *jsonReader) skipWS() {
	for r.pos < len(r.s) {
		switch r.s[r.pos] {
		case ' ', '\t', '\n', '\r':
			r.pos++
		default:
			return
		}
	}
}

func (r *jsonReader) value() (any, error) {
	r.skipWS()
	if r.pos >= len(r.s) {
		return nil, r.fail("unexpected end of input")
	}
	switch c := r.s[r.pos]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		r.pos++
		return r.str()
	case c == 't':
		return r.literal("true", true)
	case c == 'f':
		return r.literal("false", false)
	case c == 'n':
		return r.literal("null", nil)
	case c == '-' || (c >= '0' && c <= '9'):
		return r.number()
	default:
		return nil, r.fail(fmt.Sprintf("unexpected byte 0x%02x", c))
	}
}

func (r *jsonReader) literal(word string, v any) (any, error) {
	if !strings.HasPrefix(r.s[r.pos:], word) {
		return nil, r.fail("invalid literal")
	}
	r.pos += len(word)
	return v, nil
}

func (r *jsonReader) enter() error {
	r.depth++
	if r.depth > maxJSONDepth {
		return r.fail("nesting too deep")
	}
	return nil
}

func (r *jsonReader) object() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.pos++ // '{'
	obj := map[string]any{}
	r.skipWS()
	if r.pos < len(r.s) && r.s[r.pos] == '}' {
		r.pos++
		return obj, nil
	}
	for {
		r.skipWS()
		if r.pos >= len(r.s) || r.s[r.pos] != '"' {
			return nil, r.fail("expected a string key")
		}
		r.pos++
		key, err := r.str()
		if err != nil {
			return nil, err
		}
		r.skipWS()
		if r.pos >= len(r.s) || r.s[r.pos] != ':' {
			return nil, r.fail("expected ':'")
		}
		r.pos++
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		obj[key] = v // last duplicate wins, as in picojson
		r.skipWS()
		if r.pos >= len(r.s) {
			return nil, r.fail("unterminated object")
		}
		switch r.s[r.pos] {
		case ',':
			r.pos++
		case '}':
			r.pos++
			return obj, nil
		default:
			return nil, r.fail("expected ',' or '}'")
		}
	}
}

func (r *jsonReader) array() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.pos++ // '['
	arr := []any{}
	r.skipWS()
	if r.pos < len(r.s) && r.s[r.pos] == ']' {
		r.pos++
		return arr, nil
	}
	for {
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
		r.skipWS()
		if r.pos >= len(r.s) {
			return nil, r.fail("unterminated array")
		}
		switch r.s[r.pos] {
		case ',':
			r.pos++
		case ']':
			r.pos++
			return arr, nil
		default:
			return nil, r.fail("expected ',' or ']'")
		}
	}
}

// str reads a string body; the opening quote has been consumed.
func (r *jsonReader) str() (string, error) {
	var b strings.Builder
	for {
		if r.pos >= len(r.s) {
			return "", r.fail("unterminated string")
		}
		c := r.s[r.pos]
		switch {
		case c == '"':
			r.pos++
			return b.String(), nil
		case c < 0x20:
			return "", r.fail("control byte in string")
		case c == '\\':
			r.pos++
			if r.pos >= len(r.s) {
				return "", r.fail("unterminated escape")
			}
			e := r.s[r.pos]
			r.pos++
			switch e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				if err := r.codepoint(&b); err != nil {
					return "", err
				}
			default:
				return "", r.fail("invalid escape")
			}
		default:
			b.WriteByte(c) // raw byte, no UTF-8 validation (picojson)
			r.pos++
		}
	}
}

func (r *jsonReader) quadhex() (rune, error) {
	if r.pos+4 > len(r.s) {
		return 0, r.fail("short \\u escape")
	}
	var v rune
	for _, c := range []byte(r.s[r.pos : r.pos+4]) {
		var d byte
		switch {
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, r.fail("invalid \\u escape")
		}
		v = v<<4 | rune(d)
	}
	r.pos += 4
	return v, nil
}

func (r *jsonReader) codepoint(b *strings.Builder) error {
	cp, err := r.quadhex()
	if err != nil {
		return err
	}
	if cp >= 0xd800 && cp <= 0xdfff {
		if cp >= 0xdc00 {
			return r.fail("lone low surrogate")
		}
		if !strings.HasPrefix(r.s[r.pos:], `\u`) {
			return r.fail("unpaired high surrogate")
		}
		r.pos += 2
		lo, err := r.quadhex()
		if err != nil {
			return err
		}
		if lo < 0xdc00 || lo > 0xdfff {
			return r.fail("invalid low surrogate")
		}
		cp = (((cp - 0xd800) << 10) | (lo - 0xdc00)) + 0x10000
	}
	b.WriteRune(cp)
	return nil
}

// number reads an RFC 8259 number. Integers that fit in int64 become int64
// (picojson with PICOJSON_USE_INT64), everything else float64.
func (r *jsonReader) number() (any, error) {
	start := r.pos
	isInt := true
	if r.s[r.pos] == '-' {
		r.pos++
	}
	switch {
	case r.pos < len(r.s) && r.s[r.pos] == '0':
		r.pos++
	case r.pos < len(r.s) && r.s[r.pos] >= '1' && r.s[r.pos] <= '9':
		r.digits()
	default:
		return nil, r.fail("invalid number")
	}
	if r.pos < len(r.s) && r.s[r.pos] == '.' {
		isInt = false
		r.pos++
		if r.digits() == 0 {
			return nil, r.fail("invalid number")
		}
	}
	if r.pos < len(r.s) && (r.s[r.pos] == 'e' || r.s[r.pos] == 'E') {
		isInt = false
		r.pos++
		if r.pos < len(r.s) && (r.s[r.pos] == '+' || r.s[r.pos] == '-') {
			r.pos++
		}
		if r.digits() == 0 {
			return nil, r.fail("invalid number")
		}
	}
	text := r.s[start:r.pos]
	if isInt {
		if i, err := strconv.ParseInt(text, 10, 64); err == nil {
			return i, nil
		}
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return nil, r.fail("number out of range")
	}
	return f, nil
}

func (r *jsonReader) digits() int {
	n := 0
	for r.pos < len(r.s) && r.s[r.pos] >= '0' && r.s[r.pos] <= '9' {
		r.pos++
		n++
	}
	return n
}

// appendJSONString appends s as a JSON string with picojson's escaping
// (tokens.md §4.3): `"` `\` `/` and \b \f \n \r \t get two-character
// escapes, other bytes below 0x20 and 0x7f become \u00xx (lowercase hex),
// every other byte is copied unchanged.
func appendJSONString(dst []byte, s string) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '"':
			dst = append(dst, '\\', '"')
		case '\\':
			dst = append(dst, '\\', '\\')
		case '/':
			dst = append(dst, '\\', '/')
		case '\b':
			dst = append(dst, '\\', 'b')
		case '\f':
			dst = append(dst, '\\', 'f')
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			if c < 0x20 || c == 0x7f {
				dst = append(dst, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			} else {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, '"')
}
