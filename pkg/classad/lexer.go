package classad

import (
	"strconv"
	"strings"
)

// tokKind is a lexical token type (Lexer::TokenType).
type tokKind uint8

const (
	tEOF tokKind = iota
	tBad         // lexical error; token.text holds the reason
	tInt
	tReal
	tBool
	tString
	tUndef
	tErrorLit
	tIdent
	tSelect // .
	tMul
	tDiv
	tMod
	tPlus
	tMinus
	tBitAnd
	tBitOr
	tBitNot
	tBitXor
	tLShift
	tRShift
	tURShift
	tAnd
	tOr
	tNot
	tLT
	tLE
	tGT
	tGE
	tEQ
	tNE
	tMetaEQ
	tMetaNE
	tAssign
	tQMark
	tElvis
	tColon
	tSemi
	tComma
	tLBox
	tRBox
	tLParen
	tRParen
	tLBrace
	tRBrace
)

var tokNames = [...]string{
	tEOF: "end of input", tBad: "invalid token", tInt: "integer", tReal: "real",
	tBool: "boolean", tString: "string", tUndef: "undefined", tErrorLit: "error",
	tIdent: "identifier", tSelect: "'.'", tMul: "'*'", tDiv: "'/'", tMod: "'%'",
	tPlus: "'+'", tMinus: "'-'", tBitAnd: "'&'", tBitOr: "'|'", tBitNot: "'~'",
	tBitXor: "'^'", tLShift: "'<<'", tRShift: "'>>'", tURShift: "'>>>'",
	tAnd: "'&&'", tOr: "'||'", tNot: "'!'", tLT: "'<'", tLE: "'<='", tGT: "'>'",
	tGE: "'>='", tEQ: "'=='", tNE: "'!='", tMetaEQ: "'=?='", tMetaNE: "'=!='",
	tAssign: "'='", tQMark: "'?'", tElvis: "'?:'", tColon: "':'", tSemi: "';'",
	tComma: "','", tLBox: "'['", tRBox: "']'", tLParen: "'('", tRParen: "')'",
	tLBrace: "'{'", tRBrace: "'}'",
}

// String names the token kind for error messages.
func (k tokKind) String() string {
	if int(k) < len(tokNames) {
		return tokNames[k]
	}
	return "token"
}

// isLiteral reports whether a token is a complete literal value
// (Literal::IsLiteralToken, used by the strict security-ad reader).
func (k tokKind) isLiteral() bool {
	switch k {
	case tInt, tReal, tBool, tString, tUndef, tErrorLit:
		return true
	}
	return false
}

type token struct {
	kind tokKind
	pos  int
	i    int64
	r    float64
	b    bool
	text string // string value, identifier name, or error reason
	// rawExpr is set for JSON strings whose raw text starts and ends with
	// `\/` (the "\/Expr(...)\/" convention, util.cpp convert_escapes_json).
	rawExpr bool
}

type lexMode uint8

const (
	lexOld  lexMode = iota // old ClassAd syntax
	lexNew                 // new ClassAd syntax
	lexJSON                // JSON, as HTCondor's lexer reads it
)

// lexer tokenizes ClassAd text the way htcondor's classad::Lexer does.
type lexer struct {
	src    string
	pos    int
	mode   lexMode
	last   tokKind // kind of the previous token (decides what '-' means)
	peeked bool
	tok    token
}

func newLexer(src string, mode lexMode) *lexer {
	return &lexer{src: src, mode: mode, last: tEOF}
}

func (l *lexer) peek() token {
	if !l.peeked {
		l.tok = l.scan()
		l.last = l.tok.kind
		l.peeked = true
	}
	return l.tok
}

func (l *lexer) next() token {
	t := l.peek()
	l.peeked = false
	return t
}

func isSpaceC(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

func (l *lexer) bad(pos int, reason string) token {
	l.pos = len(l.src)
	return token{kind: tBad, pos: pos, text: reason}
}

func (l *lexer) scan() token {
	s := l.src
	// Skip white space and comments.
	for l.pos < len(s) {
		c := s[l.pos]
		if isSpaceC(c) {
			l.pos++
			continue
		}
		if c == '/' && l.pos+1 < len(s) && s[l.pos+1] == '/' {
			for l.pos < len(s) && s[l.pos] != '\n' {
				l.pos++
			}
			continue
		}
		if c == '/' && l.pos+1 < len(s) && s[l.pos+1] == '*' {
			start := l.pos
			end := strings.Index(s[l.pos+2:], "*/")
			if end < 0 {
				return l.bad(start, "unterminated /* comment")
			}
			l.pos += 2 + end + 2
			continue
		}
		break
	}
	if l.pos >= len(s) {
		return token{kind: tEOF, pos: l.pos}
	}
	c := s[l.pos]
	switch {
	case c == 0:
		return l.bad(l.pos, "NUL byte in input")
	case c == '-':
		switch l.last {
		case tInt, tReal, tBool, tString, tUndef, tErrorLit, tIdent, tSelect,
			tRBox, tRParen, tRBrace:
			l.pos++
			return token{kind: tMinus, pos: l.pos - 1}
		}
		return l.number()
	case isDigit(c) || c == '.':
		return l.number()
	case isAlpha(c) || c == '_':
		return l.word()
	case c == '"':
		return l.quoted('"')
	case c == '\'' && l.mode != lexJSON:
		return l.quoted('\'')
	}
	return l.punct()
}

func isODigit(c byte) bool { return c >= '0' && c <= '7' }

// number scans an integer or real literal, a lone '-' or a '.' selection,
// following Lexer::tokenizeNumber.
func (l *lexer) number() token {
	s, start := l.src, l.pos
	n := len(s)
	p := start
	first := s[p]
	p++
	if first == '-' {
		switch {
		case p < n && isDigit(s[p]):
			first = s[p]
			p++
		case p+1 < n && s[p] == '.' && isDigit(s[p+1]):
			// "-.5": a negative real; keep first as '-'.
		default:
			l.pos = p
			return token{kind: tMinus, pos: start}
		}
	}
	const (
		none = iota
		integer
		real
	)
	typ := none
	switch {
	case first == '0':
		if p < n && (s[p] == 'x' || s[p] == 'X') {
			// Old ClassAd semantics (on in HTCondor) refuse integers
			// with a leading 0, hexadecimal included.
			return l.bad(start, "hexadecimal integer literals are not accepted")
		}
		typ = integer
		for p < n && isDigit(s[p]) {
			if !isODigit(s[p]) {
				typ = real
			}
			p++
		}
		if p < n && (s[p] == '.' || s[p] == 'e' || s[p] == 'E') {
			typ = real
		} else if typ == real {
			return l.bad(start, "invalid octal digit in integer literal")
		}
	case isDigit(first):
		for p < n && isDigit(s[p]) {
			p++
		}
		typ = integer
		if p < n && (s[p] == '.' || s[p] == 'e' || s[p] == 'E') {
			typ = real
		}
	}
	if first == '.' || first == '-' || p < n && s[p] == '.' {
		if first != '.' && p < n && s[p] == '.' {
			p++
		}
		if p < n && isDigit(s[p]) {
			typ = real
			for p < n && isDigit(s[p]) {
				p++
			}
		} else {
			if typ != none {
				return l.bad(start, "missing digits after '.' in number")
			}
			l.pos = p
			return token{kind: tSelect, pos: start}
		}
	}
	if typ == real && p < n && (s[p] == 'e' || s[p] == 'E') {
		p++
		if p < n && (s[p] == '+' || s[p] == '-') {
			p++
		}
		if !(p < n && isDigit(s[p])) {
			return l.bad(start, "missing exponent digits in real literal")
		}
		for p < n && isDigit(s[p]) {
			p++
		}
	}
	text := s[start:p]
	l.pos = p
	if typ == integer {
		// Old ClassAd and JSON semantics refuse a leading 0 ("010");
		// a leading '-' escapes that check in the C++ ("-010" is -10).
		if text[0] == '0' && len(text) > 1 {
			return l.bad(start, "integer literal with a leading 0 (octal is not accepted)")
		}
		v, err := strconv.ParseInt(text, 10, 64)
		if err != nil {
			return l.bad(start, "integer literal out of range")
		}
		return token{kind: tInt, pos: start, i: v}
	}
	// strtod semantics: out-of-range values become ±Inf or 0.
	v, _ := strconv.ParseFloat(text, 64)
	return token{kind: tReal, pos: start, r: v}
}

// word scans an identifier or keyword (Lexer::tokenizeAlphaHead). Keywords
// are case-insensitive.
func (l *lexer) word() token {
	s, start := l.src, l.pos
	p := start
	for p < len(s) && isAlpha(s[p]) {
		p++
	}
	if p < len(s) && (isDigit(s[p]) || s[p] == '_') {
		for p < len(s) && (isAlnum(s[p]) || s[p] == '_') {
			p++
		}
		l.pos = p
		return token{kind: tIdent, pos: start, text: s[start:p]}
	}
	l.pos = p
	w := s[start:p]
	switch asciiLower(w) {
	case "is":
		return token{kind: tMetaEQ, pos: start}
	case "isnt":
		return token{kind: tMetaNE, pos: start}
	case "true":
		return token{kind: tBool, pos: start, b: true}
	case "false":
		return token{kind: tBool, pos: start}
	case "error":
		return token{kind: tErrorLit, pos: start}
	case "undefined":
		if l.mode != lexJSON {
			return token{kind: tUndef, pos: start}
		}
	case "null":
		if l.mode == lexJSON {
			return token{kind: tUndef, pos: start}
		}
	}
	return token{kind: tIdent, pos: start, text: w}
}

// quoted scans a string literal (delim '"') or a quoted attribute name
// (delim '\”).
func (l *lexer) quoted(delim byte) token {
	start := l.pos
	var (
		val     string
		rawExpr bool
		ok      bool
		reason  string
	)
	switch l.mode {
	case lexOld:
		val, ok = l.quotedOld(delim)
		reason = "unterminated string"
	default:
		val, rawExpr, ok, reason = l.quotedNew(delim)
	}
	if !ok {
		return l.bad(start, reason)
	}
	if delim == '\'' {
		return token{kind: tIdent, pos: start, text: val}
	}
	return token{kind: tString, pos: start, text: val, rawExpr: rawExpr}
}

// punct scans operators and punctuation (Lexer::tokenizePunctOperator).
func (l *lexer) punct() token {
	s, start := l.src, l.pos
	at := func(k int) byte {
		if start+k < len(s) {
			return s[start+k]
		}
		return 0
	}
	one := func(k tokKind, n int) token {
		l.pos = start + n
		return token{kind: k, pos: start}
	}
	switch s[start] {
	case '*':
		return one(tMul, 1)
	case '/':
		return one(tDiv, 1)
	case '%':
		return one(tMod, 1)
	case '+':
		return one(tPlus, 1)
	case '-':
		return one(tMinus, 1)
	case '~':
		return one(tBitNot, 1)
	case '^':
		return one(tBitXor, 1)
	case ':':
		return one(tColon, 1)
	case ';':
		return one(tSemi, 1)
	case ',':
		return one(tComma, 1)
	case '[':
		return one(tLBox, 1)
	case ']':
		return one(tRBox, 1)
	case '(':
		return one(tLParen, 1)
	case ')':
		return one(tRParen, 1)
	case '{':
		return one(tLBrace, 1)
	case '}':
		return one(tRBrace, 1)
	case '?':
		// "?" followed by optional white space and ":" is the Elvis operator.
		p := start + 1
		for p < len(s) && isSpaceC(s[p]) {
			p++
		}
		if p < len(s) && s[p] == ':' {
			l.pos = p + 1
			return token{kind: tElvis, pos: start}
		}
		return one(tQMark, 1)
	case '&':
		if at(1) == '&' {
			return one(tAnd, 2)
		}
		return one(tBitAnd, 1)
	case '|':
		if at(1) == '|' {
			return one(tOr, 2)
		}
		return one(tBitOr, 1)
	case '<':
		switch at(1) {
		case '=':
			return one(tLE, 2)
		case '<':
			return one(tLShift, 2)
		}
		return one(tLT, 1)
	case '>':
		switch at(1) {
		case '=':
			return one(tGE, 2)
		case '>':
			if at(2) == '>' {
				return one(tURShift, 3)
			}
			return one(tRShift, 2)
		}
		return one(tGT, 1)
	case '=':
		switch at(1) {
		case '=':
			return one(tEQ, 2)
		case '?':
			if at(2) == '=' {
				return one(tMetaEQ, 3)
			}
			return l.bad(start, "incomplete '=?=' operator")
		case '!':
			if at(2) == '=' {
				return one(tMetaNE, 3)
			}
		}
		return one(tAssign, 1)
	case '!':
		if at(1) == '=' {
			return one(tNE, 2)
		}
		return one(tNot, 1)
	}
	return l.bad(start, "unexpected character "+strconv.QuoteRuneToASCII(rune(s[start])))
}
