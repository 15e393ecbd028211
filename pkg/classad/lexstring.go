package classad

// String literal and quoted-name lexing, both syntaxes and JSON.

// quotedOld implements Lexer::tokenizeStringOld: a backslash is literal
// except before a quote that is followed by more text (other than a
// newline), which makes the quote part of the string. A string whose value
// ends with a backslash therefore only reads back at the end of the input
// (cedar.md §3.4).
func (l *lexer) quotedOld(delim byte) (string, bool) {
	s := l.src
	i := l.pos + 1
	var buf []byte
	prevBackslash := false
	for {
		for i < len(s) && s[i] != delim {
			if s[i] == 0 {
				return "", false
			}
			buf = append(buf, s[i])
			prevBackslash = s[i] == '\\'
			i++
		}
		if i >= len(s) {
			return "", false
		}
		if !prevBackslash {
			i++
			break
		}
		if i+1 < len(s) && s[i+1] != '\n' && s[i+1] != 0 {
			// Escaped quote: it replaces the backslash.
			buf[len(buf)-1] = delim
			i++
			prevBackslash = false
			continue
		}
		// The value ends with a backslash.
		i++
		if i < len(s) && s[i] == '\n' {
			i++
		}
		break
	}
	l.pos = i
	return string(buf), true
}

// quotedNew implements Lexer::tokenizeString for new syntax and JSON: the
// raw text up to an unescaped delimiter, adjacent literals separated only by
// white space are concatenated, then escapes are converted.
func (l *lexer) quotedNew(delim byte) (val string, rawExpr, ok bool, reason string) {
	s := l.src
	i := l.pos + 1
	var raw []byte
	for {
		odd := false
		for i < len(s) && (s[i] != delim || odd) {
			if s[i] == 0 {
				return "", false, false, "NUL byte in string"
			}
			odd = !odd && s[i] == '\\'
			raw = append(raw, s[i])
			i++
		}
		if i >= len(s) {
			return "", false, false, "unterminated string"
		}
		i++ // closing delimiter
		j := i
		for j < len(s) && isSpaceC(s[j]) {
			j++
		}
		if l.mode != lexJSON && j < len(s) && s[j] == delim {
			i = j + 1 // "a" "b" is "ab"
			continue
		}
		break
	}
	l.pos = i
	if l.mode == lexJSON {
		n := len(raw)
		rawExpr = n >= 4 && raw[0] == '\\' && raw[1] == '/' && raw[n-2] == '\\' && raw[n-1] == '/'
		v, okJ := convertEscapesJSON(raw)
		if !okJ {
			return "", false, false, "invalid escape in JSON string"
		}
		return v, rawExpr, true, ""
	}
	v, okC := convertEscapes(raw)
	if !okC {
		return "", false, false, `string contains an escaped NUL (\0)`
	}
	return v, false, true, ""
}

// convertEscapes converts new-syntax C escapes (util.cpp convert_escapes).
// Unknown escapes yield the escaped character; a trailing backslash is
// literal; octal escapes take up to three digits (the third only while the
// value is below 040). An escaped NUL makes the string invalid.
func convertEscapes(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '\\' && i < len(raw)-1 {
			i++
			c = raw[i]
			switch c {
			case 'a':
				c = '\a'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'v':
				c = '\v'
			default:
				if isODigit(c) {
					num := uint(c - '0')
					if i+1 < len(raw) && isODigit(raw[i+1]) {
						i++
						num = num<<3 + uint(raw[i]-'0')
						if num < 0x20 && i+1 < len(raw) && isODigit(raw[i+1]) {
							i++
							num = num<<3 + uint(raw[i]-'0')
						}
					}
					c = byte(num)
					if c == 0 {
						return "", false
					}
				}
			}
		}
		out = append(out, c)
	}
	return string(out), true
}

// convertEscapesJSON converts JSON escapes the way HTCondor's JSON lexer
// does (unknown escapes yield the escaped character; \u0000 is invalid),
// except that \u escapes, including surrogate pairs, become correct UTF-8
// (the C++ encoder is broken for code points >= 0x80).
func convertEscapesJSON(raw []byte) (string, bool) {
	out := make([]byte, 0, len(raw))
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' || i == len(raw)-1 {
			out = append(out, c)
			continue
		}
		i++
		switch c = raw[i]; c {
		case 'b':
			out = append(out, '\b')
		case 'f':
			out = append(out, '\f')
		case 'n':
			out = append(out, '\n')
		case 'r':
			out = append(out, '\r')
		case 't':
			out = append(out, '\t')
		case 'u':
			r, ok := hex4(raw, i+1)
			if !ok || r == 0 {
				return "", false
			}
			i += 4
			if r >= 0xD800 && r < 0xDC00 && i+2 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
				if r2, ok2 := hex4(raw, i+3); ok2 && r2 >= 0xDC00 && r2 < 0xE000 {
					r = 0x10000 + (r-0xD800)<<10 + (r2 - 0xDC00)
					i += 6
				}
			}
			out = appendRune(out, r)
		default:
			out = append(out, c)
		}
	}
	return string(out), true
}

func hex4(raw []byte, at int) (rune, bool) {
	if at+4 > len(raw) {
		return 0, false
	}
	var r rune
	for _, c := range raw[at : at+4] {
		var d byte
		switch {
		case isDigit(c):
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		r = r<<4 | rune(d)
	}
	return r, true
}

func appendRune(out []byte, r rune) []byte {
	// Lone surrogates are encoded as three bytes (like CESU/WTF-8) so that
	// no information is lost; everything else is standard UTF-8.
	switch {
	case r < 0x80:
		return append(out, byte(r))
	case r < 0x800:
		return append(out, 0xC0|byte(r>>6), 0x80|byte(r&0x3F))
	case r < 0x10000:
		return append(out, 0xE0|byte(r>>12), 0x80|byte(r>>6&0x3F), 0x80|byte(r&0x3F))
	}
	return append(out, 0xF0|byte(r>>18), 0x80|byte(r>>12&0x3F), 0x80|byte(r>>6&0x3F), 0x80|byte(r&0x3F))
}
