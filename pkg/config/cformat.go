package config

import (
	"math"
	"strconv"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cnum"
)

// This file holds the C library behaviour the $INT(), $REAL() and
// $STRING() macro functions rely on: HTCondor validates the optional
// format with its validatePrintfFormat (printf_format.cpp) and then hands
// it to snprintf, and reads numbers with strtoll/strtod before falling
// back to a ClassAd expression (string_is_long_param,
// string_is_double_param in condor_config.cpp). Everything here follows
// glibc in the C locale.

// fmtClass is the kind of argument a printf conversion consumes
// (printf_fmt_t in printf_format.h).
type fmtClass int

const (
	fmtNone fmtClass = iota
	fmtInt
	fmtFloat
	fmtChar
	fmtString
	fmtPointer
	fmtOther  // %v %r %T %Y: HTCondor extensions, never valid here
	fmtUnsafe // %n
)

// cSpec is one parsed printf conversion.
type cSpec struct {
	start, end int    // the conversion is fmt[start:end], '%' included
	flags      string // any of "#0- +'"
	width      int    // -1 if absent
	prec       int    // -1 if absent; "%.d" has 0, as in C
	length     string // length modifier as written ("", "hh", "l", ...)
	verb       byte
	class      fmtClass
	bigNumber  bool // a width or precision of 10 digits or more
	oddPercent bool // a literal such as "%5%" came before it
}

func (s *cSpec) has(flag byte) bool { return strings.IndexByte(s.flags, flag) >= 0 }

// nextSpec finds the next conversion in f at or after i the way
// parsePrintfFormat does: flags, width, precision and length modifiers
// are read first, then a '%' letter makes the whole thing a literal and
// the search goes on. ok is false when there is no conversion or f ends
// inside one. An unknown letter, or '*' as width or precision (which
// parsePrintfFormat never steps over), gives class fmtNone.
func nextSpec(f string, i int) (s cSpec, ok bool) {
	odd := false
	for {
		p := strings.IndexByte(f[i:], '%')
		if p < 0 || i+p+1 >= len(f) {
			return cSpec{}, false
		}
		s = cSpec{start: i + p, width: -1, prec: -1}
		i += p + 1
		for i < len(f) && strings.IndexByte("#0- +'", f[i]) >= 0 {
			s.flags += f[i : i+1]
			i++
		}
		digits := func() int {
			j := i
			for i < len(f) && f[i] >= '0' && f[i] <= '9' {
				i++
			}
			if i-j >= 10 {
				s.bigNumber = true
				return math.MaxInt32
			}
			n, _ := strconv.Atoi(f[j:i])
			return n
		}
		if i < len(f) && f[i] == '*' {
			return s, true
		}
		if i < len(f) && f[i] >= '0' && f[i] <= '9' {
			s.width = digits()
		}
		if i < len(f) && f[i] == '.' {
			i++
			if i < len(f) && f[i] == '*' {
				return s, true
			}
			s.prec = digits()
		}
		j := i
		for i < len(f) && strings.IndexByte("hlLqjzt", f[i]) >= 0 {
			i++
		}
		s.length = f[j:i]
		if i >= len(f) {
			return cSpec{}, false
		}
		s.verb = f[i]
		s.end = i + 1
		i++
		if s.verb != '%' {
			break
		}
		// "%%" is a literal '%'; glibc's reading of "%5%" and the like is
		// not something to reproduce.
		odd = odd || s.end-s.start != 2
	}
	s.oddPercent = odd
	switch s.verb {
	case 'd', 'i', 'o', 'u', 'x', 'X':
		s.class = fmtInt
	case 'e', 'E', 'f', 'F', 'g', 'G', 'a', 'A':
		s.class = fmtFloat
	case 'c', 'C':
		s.class = fmtChar
	case 's', 'S':
		s.class = fmtString
	case 'p':
		s.class = fmtPointer
	case 'n':
		s.class = fmtUnsafe
	case 'v', 'V', 'r', 'R', 'T', 'Y':
		s.class = fmtOther
	}
	return s, true
}

// validFormat reports whether HTCondor's validatePrintfFormat accepts f for
// a value of class want: exactly one conversion of a matching type (%p
// always matches, %c matches an integer), no %n or '*', and no second
// conversion after it. It returns that conversion.
func validFormat(f string, want fmtClass) (cSpec, bool) {
	s, ok := nextSpec(f, 0)
	if !ok || s.class == fmtNone || s.class == fmtUnsafe {
		return s, false
	}
	if s.class != want && s.class != fmtPointer && !(want == fmtInt && s.class == fmtChar) {
		return s, false
	}
	if t, ok := nextSpec(f, s.end); ok && t.class != fmtNone {
		return s, false
	}
	return s, true
}

// exactFormat returns why condor-auth cannot reproduce what glibc's
// snprintf prints for a format validFormat accepted, or "" if it can.
func exactFormat(f string, s cSpec) string {
	if s.bigNumber {
		return "a width or precision of 10 digits or more"
	}
	if s.oddPercent {
		return "a '%' with flags before the conversion"
	}
	switch s.class {
	case fmtPointer:
		return "the %p conversion prints a memory address"
	case fmtFloat:
		if s.verb == 'a' || s.verb == 'A' {
			return "the %a conversion"
		}
		if s.length != "" && s.length != "l" {
			return "length modifier " + s.length + " on a floating point conversion"
		}
	case fmtInt, fmtChar:
		switch s.length {
		case "", "hh", "h", "l", "ll", "L", "q", "j", "z", "t":
		default:
			return "length modifier " + s.length
		}
		if s.verb == 'C' {
			return "the %C conversion"
		}
	case fmtString:
		if s.length != "" || s.verb == 'S' {
			return "a wide-character string conversion"
		}
	}
	// A '%' after the conversion that is not "%%" is something glibc
	// prints in its own way (validatePrintfFormat lets it through).
	rest := f[s.end:]
	for i := 0; i < len(rest); i++ {
		if rest[i] == '%' {
			if i+1 < len(rest) && rest[i+1] == '%' {
				i++
				continue
			}
			return "a stray '%' after the conversion"
		}
	}
	return ""
}

// literal returns f[a:b] with "%%" turned into "%".
func literal(f string, a, b int) string {
	return strings.ReplaceAll(f[a:b], "%%", "%")
}

// pad applies width and the '-' flag to a converted field.
func (s *cSpec) pad(body string) string {
	if s.width <= len(body) {
		return body
	}
	fill := strings.Repeat(" ", s.width-len(body))
	if s.has('-') {
		return body + fill
	}
	return fill + body
}

// padNumber applies width to a number made of sign/prefix and digits:
// with the '0' flag (and no '-') zeros go between them, as in C.
func (s *cSpec) padNumber(prefix, digits string, zeroOK bool) string {
	n := len(prefix) + len(digits)
	if s.width > n && zeroOK && s.has('0') && !s.has('-') {
		return prefix + strings.Repeat("0", s.width-n) + digits
	}
	return s.pad(prefix + digits)
}

// formatInt formats v with an integer or %c conversion the way glibc does
// when HTCondor passes a long long: without a length modifier only the low
// 32 bits are read (x86-64 calling convention), with h 16, with hh 8.
func formatInt(f string, s cSpec, v int64) string {
	var body string
	if s.class == fmtChar {
		body = s.pad(string([]byte{byte(v)}))
	} else {
		bits := 64
		switch s.length {
		case "":
			bits = 32
		case "h":
			bits = 16
		case "hh":
			bits = 8
		}
		u := uint64(v)
		if bits < 64 {
			u &= 1<<bits - 1
		}
		neg := false
		if s.verb == 'd' || s.verb == 'i' {
			sv := int64(u<<(64-bits)) >> (64 - bits) // sign-extend
			if sv < 0 {
				neg, u = true, uint64(-sv) // -MinInt64 wraps to its own magnitude
			}
		}
		base := 10
		switch s.verb {
		case 'o':
			base = 8
		case 'x', 'X':
			base = 16
		}
		digits := strconv.FormatUint(u, base)
		if s.verb == 'X' {
			digits = strings.ToUpper(digits)
		}
		if s.prec >= 0 {
			if s.prec == 0 && u == 0 {
				digits = ""
			}
			if len(digits) < s.prec {
				digits = strings.Repeat("0", s.prec-len(digits)) + digits
			}
		}
		prefix := ""
		switch {
		case neg:
			prefix = "-"
		case (s.verb == 'd' || s.verb == 'i') && s.has('+'):
			prefix = "+"
		case (s.verb == 'd' || s.verb == 'i') && s.has(' '):
			prefix = " "
		}
		if s.has('#') {
			switch {
			case s.verb == 'o' && !strings.HasPrefix(digits, "0"):
				digits = "0" + digits
			case (s.verb == 'x' || s.verb == 'X') && u != 0:
				prefix = "0" + string(s.verb)
			}
		}
		body = s.padNumber(prefix, digits, s.prec < 0)
	}
	out := literal(f, 0, s.start) + body + literal(f, s.end, len(f))
	if i := strings.IndexByte(out, 0); i >= 0 { // %c of 0 ends the C string
		out = out[:i]
	}
	return out
}

// formatFloat formats v with a floating point conversion as glibc does.
func formatFloat(f string, s cSpec, v float64) string {
	return literal(f, 0, s.start) + s.float(v) + literal(f, s.end, len(f))
}

func (s *cSpec) float(v float64) string {
	upper := s.verb >= 'A' && s.verb <= 'Z'
	prefix := ""
	switch {
	case math.Signbit(v):
		prefix = "-"
	case s.has('+'):
		prefix = "+"
	case s.has(' '):
		prefix = " "
	}
	if math.IsInf(v, 0) || math.IsNaN(v) {
		word := "inf"
		if math.IsNaN(v) {
			word = "nan"
		}
		if upper {
			word = strings.ToUpper(word)
		}
		return s.padNumber(prefix, word, false) // glibc never zero-pads these
	}
	v = math.Abs(v)
	prec := s.prec
	if prec < 0 {
		prec = 6
	}
	alt := s.has('#')
	var digits string
	switch s.verb | 0x20 {
	case 'f':
		digits = strconv.FormatFloat(v, 'f', prec, 64)
		if alt && prec == 0 {
			digits += "."
		}
	case 'e':
		digits = expDigits(v, prec, alt)
	case 'g':
		// C99 7.19.6.1: P significant digits; style e when the exponent
		// X < -4 or X >= P, else f with P-1-X decimals; without '#'
		// trailing zeros (and a bare '.') are removed.
		p := prec
		if p == 0 {
			p = 1
		}
		e := strconv.FormatFloat(v, 'e', p-1, 64)
		x, _ := strconv.Atoi(e[strings.IndexByte(e, 'e')+1:])
		if x < -4 || x >= p {
			digits = expDigits(v, p-1, alt)
		} else {
			digits = strconv.FormatFloat(v, 'f', p-1-x, 64)
			if alt && !strings.Contains(digits, ".") {
				digits += "."
			}
		}
		if !alt {
			digits = trimFraction(digits)
		}
	}
	if upper {
		digits = strings.ToUpper(digits)
	}
	return s.padNumber(prefix, digits, true)
}

// expDigits is the %e form: at least two exponent digits, as in C (and Go).
func expDigits(v float64, prec int, alt bool) string {
	d := strconv.FormatFloat(v, 'e', prec, 64)
	if alt && prec == 0 {
		i := strings.IndexByte(d, 'e')
		d = d[:i] + "." + d[i:]
	}
	return d
}

// trimFraction removes trailing zeros of the fraction (and the '.' left
// bare), keeping any exponent.
func trimFraction(d string) string {
	exp := ""
	if i := strings.IndexByte(d, 'e'); i >= 0 {
		d, exp = d[:i], d[i:]
	}
	if strings.Contains(d, ".") {
		d = strings.TrimRight(d, "0")
		d = strings.TrimSuffix(d, ".")
	}
	return d + exp
}

// formatString formats v with a %s conversion (precision truncates).
func formatString(f string, s cSpec, v string) string {
	if s.prec >= 0 && len(v) > s.prec {
		v = v[:s.prec]
	}
	return literal(f, 0, s.start) + s.pad(v) + literal(f, s.end, len(f))
}

// isCSpace is isspace() in the C locale.
func isCSpace(c byte) bool { return cnum.IsSpace(c) }

// cStrtoll reads a decimal integer prefix like strtoll(s, &end, 10):
// out-of-range values clamp to the int64 limits; end is 0 when there are no
// digits.
func cStrtoll(s string) (v int64, end int) {
	v, end, _ = cnum.Strtoll(s)
	return v, end
}

// cStrtod reads a floating point prefix like strtod(s, &end) in the C
// locale: decimal and hexadecimal forms, "inf", "infinity" and
// "nan[(chars)]" in any case. end is 0 when nothing was read.
func cStrtod(s string) (v float64, end int) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	sign := func(f float64) float64 {
		if neg {
			return math.Copysign(f, -1)
		}
		return f
	}
	rest := strings.ToLower(s[i:])
	switch {
	case strings.HasPrefix(rest, "infinity"):
		return sign(math.Inf(1)), i + 8
	case strings.HasPrefix(rest, "inf"):
		return sign(math.Inf(1)), i + 3
	case strings.HasPrefix(rest, "nan"):
		i += 3
		if i < len(s) && s[i] == '(' {
			k := i + 1
			for k < len(s) && (isAlnum(s[k]) || s[k] == '_') {
				k++
			}
			if k < len(s) && s[k] == ')' {
				i = k + 1
			}
		}
		return sign(math.NaN()), i
	}
	isDigit := func(c byte, hex bool) bool {
		return c >= '0' && c <= '9' || hex && (c|0x20 >= 'a' && c|0x20 <= 'f')
	}
	hex := strings.HasPrefix(rest, "0x") && i+2 < len(s) &&
		(isDigit(s[i+2], true) || s[i+2] == '.' && i+3 < len(s) && isDigit(s[i+3], true))
	numStart := i
	if hex {
		i += 2
	}
	nd := 0
	for i < len(s) && isDigit(s[i], hex) {
		i++
		nd++
	}
	if i < len(s) && s[i] == '.' {
		i++
		for i < len(s) && isDigit(s[i], hex) {
			i++
			nd++
		}
	}
	if nd == 0 {
		return 0, 0
	}
	mant := s[numStart:i]
	expMark := byte('e')
	if hex {
		expMark = 'p'
	}
	exp := ""
	if i < len(s) && s[i]|0x20 == expMark {
		k := i + 1
		if k < len(s) && (s[k] == '+' || s[k] == '-') {
			k++
		}
		if k < len(s) && s[k] >= '0' && s[k] <= '9' {
			for k < len(s) && s[k] >= '0' && s[k] <= '9' {
				k++
			}
			exp = s[i:k]
			i = k
		}
	}
	if hex && exp == "" {
		exp = "p0" // Go wants the binary exponent that C makes optional
	}
	f, err := strconv.ParseFloat(mant+exp, 64)
	if err != nil && !isRangeErr(err) {
		return 0, 0
	}
	return sign(f), i
}

func isRangeErr(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}
