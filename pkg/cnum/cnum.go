// Package cnum reads numbers the way the C library does in the C locale,
// for the places where HTCondor's behaviour depends on it: std::stol on a
// command-line lifetime, strtoll in configuration macros.
package cnum

import "math"

// IsSpace is isspace() in the C locale.
func IsSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// Strtoll reads a decimal integer prefix like strtoll(s, &end, 10): leading
// white space, an optional sign, digits. end is the index after the last
// digit (0 when there is none); inRange is false when the value does not fit
// in 64 bits, in which case v is clamped to the int64 limit of its sign, as
// strtoll returns it (std::stol throws out_of_range instead).
func Strtoll(s string) (v int64, end int, inRange bool) {
	i := 0
	for i < len(s) && IsSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	start := i
	var mag uint64
	overflow := false
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		d := uint64(s[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			overflow = true
		} else {
			mag = mag*10 + d
		}
		i++
	}
	if i == start {
		return 0, 0, true
	}
	switch {
	case neg && (overflow || mag > 1<<63):
		return math.MinInt64, i, false
	case neg:
		return -int64(mag), i, true // mag == 1<<63 wraps to MinInt64
	case overflow || mag > math.MaxInt64:
		return math.MaxInt64, i, false
	}
	return int64(mag), i, true
}
