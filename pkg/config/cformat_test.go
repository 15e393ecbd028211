package config

import (
	"bufio"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestPrintfMatchesGlibc compares the formatter with glibc snprintf output
// recorded in testdata/printf_glibc.tsv (integer conversions receive a
// long long, as HTCondor's $INT passes one).
func TestPrintfMatchesGlibc(t *testing.T) {
	f, err := os.Open("testdata/printf_glibc.tsv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") {
			continue
		}
		col := strings.Split(line, "\t")
		if len(col) != 4 {
			t.Fatalf("bad line %q", line)
		}
		kind, format, val, want := col[0], col[1], col[2], col[3]
		class := map[string]fmtClass{"I": fmtInt, "D": fmtFloat, "S": fmtString}[kind]
		spec, ok := validFormat(format, class)
		if !ok {
			t.Errorf("validFormat(%q) refused", format)
			continue
		}
		if why := exactFormat(format, spec); why != "" {
			t.Errorf("exactFormat(%q) = %q", format, why)
			continue
		}
		var got string
		switch kind {
		case "I":
			v, err := strconv.ParseInt(val, 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			got = formatInt(format, spec, v)
		case "D":
			v, err := strconv.ParseFloat(val, 64)
			if err != nil {
				t.Fatal(err)
			}
			got = formatFloat(format, spec, v)
		case "S":
			got = formatString(format, spec, val)
		}
		if got != want {
			t.Errorf("%s %q of %s = %q, glibc %q", kind, format, val, got, want)
		}
		n++
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 700 {
		t.Fatalf("only %d reference lines", n)
	}
}

func TestValidFormat(t *testing.T) {
	for _, tt := range []struct {
		format string
		class  fmtClass
		valid  bool
		exact  string // substring of exactFormat's complaint, "" if exact
	}{
		{"%d", fmtInt, true, ""},
		{"Area=%d", fmtInt, true, ""},
		{"%x%%", fmtInt, true, ""},
		{"%%%d%%", fmtInt, true, ""},
		{"%c", fmtInt, true, ""},
		{"%p", fmtInt, true, "%p"},
		{"%lld", fmtInt, true, ""},
		{"%hld", fmtInt, true, "length modifier"},
		{"%f", fmtInt, false, ""},
		{"%s", fmtInt, false, ""},
		{"no conversion", fmtInt, false, ""},
		{"%%", fmtInt, false, ""},
		{"%", fmtInt, false, ""},
		{"%5", fmtInt, false, ""},
		{"%d %d", fmtInt, false, ""},
		{"%d %y", fmtInt, true, "stray"},  // validatePrintfFormat ignores an unknown second one
		{"%d %*d", fmtInt, true, "stray"}, // and one with '*'
		{"%*d", fmtInt, false, ""},
		{"%.*d", fmtInt, false, ""},
		{"%n", fmtInt, false, ""},
		{"%y", fmtInt, false, ""},
		{"%5%%d", fmtInt, true, "flags before"},
		{"%9999999999d", fmtInt, true, "10 digits"},
		{"%g", fmtFloat, true, ""},
		{"%.16G", fmtFloat, true, ""},
		{"%a", fmtFloat, true, "%a"},
		{"%Lf", fmtFloat, true, "length modifier"},
		{"%d", fmtFloat, false, ""},
		{"%c", fmtFloat, false, ""},
		{"%s", fmtString, true, ""},
		{"Name: %s", fmtString, true, ""},
		{"%ls", fmtString, true, "wide"},
		{"%S", fmtString, true, "wide"},
		{"%d", fmtString, false, ""},
		{"%v", fmtString, false, ""},
	} {
		spec, ok := validFormat(tt.format, tt.class)
		if ok != tt.valid {
			t.Errorf("validFormat(%q, %d) = %v, want %v", tt.format, tt.class, ok, tt.valid)
			continue
		}
		if !ok {
			continue
		}
		why := exactFormat(tt.format, spec)
		if tt.exact == "" && why != "" || tt.exact != "" && !strings.Contains(why, tt.exact) {
			t.Errorf("exactFormat(%q) = %q, want %q", tt.format, why, tt.exact)
		}
	}
}

func TestCStrtoll(t *testing.T) {
	for _, tt := range []struct {
		in  string
		v   int64
		end int
	}{
		{"12", 12, 2},
		{"  -7 ", -7, 4},
		{"+3x", 3, 2},
		{"0x10", 0, 1},
		{"", 0, 0},
		{"-", 0, 0},
		{"abc", 0, 0},
		{"99999999999999999999", math.MaxInt64, 20},
		{"-99999999999999999999", math.MinInt64, 21},
		{"-9223372036854775808", math.MinInt64, 20},
		{"9223372036854775808", math.MaxInt64, 19},
	} {
		v, end := cStrtoll(tt.in)
		if v != tt.v || end != tt.end {
			t.Errorf("cStrtoll(%q) = %d, %d; want %d, %d", tt.in, v, end, tt.v, tt.end)
		}
	}
}

func TestCStrtod(t *testing.T) {
	for _, tt := range []struct {
		in  string
		v   float64
		end int
	}{
		{"1.5", 1.5, 3},
		{" -2e3 ", -2000, 5},
		{"1e", 1, 1},
		{"1e+", 1, 1},
		{".5", 0.5, 2},
		{"5.", 5, 2},
		{".", 0, 0},
		{"0x1p4", 16, 5},
		{"0x10", 16, 4},
		{"0x1.8", 1.5, 5},
		{"0xg", 0, 1},
		{"inf", math.Inf(1), 3},
		{"-Infinity", math.Inf(-1), 9},
		{"infinit", math.Inf(1), 3},
		{"1e400", math.Inf(1), 5},
		{"abc", 0, 0},
	} {
		v, end := cStrtod(tt.in)
		if v != tt.v || end != tt.end {
			t.Errorf("cStrtod(%q) = %g, %d; want %g, %d", tt.in, v, end, tt.v, tt.end)
		}
	}
	for _, in := range []string{"nan", "-NaN", "nan(123)"} {
		v, end := cStrtod(in)
		if !math.IsNaN(v) || end != len(in) || math.Signbit(v) != strings.HasPrefix(in, "-") {
			t.Errorf("cStrtod(%q) = %g, %d", in, v, end)
		}
	}
	if v, end := cStrtod("nan(x"); !math.IsNaN(v) || end != 3 {
		t.Errorf("cStrtod(nan(x) = %g, %d", v, end)
	}
	if v, _ := cStrtod("-0"); !math.Signbit(v) {
		t.Errorf("cStrtod(-0) lost the sign")
	}
}
