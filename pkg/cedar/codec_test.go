package cedar

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"strings"
	"testing"
)

func nanValue() float64 { return math.NaN() }

// pending returns the unsent plaintext of the current outgoing message.
func pending(s *Stream) []byte { return bytes.Clone(s.obuf[HeaderSize:]) }

// encLoop returns a loopback Stream with crypto on.
func encLoop(t testing.TB, cfg *Config) *Stream {
	t.Helper()
	s, _ := newLoop(t, cfg)
	if err := s.EnableCrypto(make([]byte, 32)); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWorkedExamples checks the byte examples of cedar.md §2 and §3.1.
func TestWorkedExamples(t *testing.T) {
	tests := []struct {
		name      string
		encrypted bool
		put       func(*Stream) error
		want      string
	}{
		{"int 60010", false, func(s *Stream) error { return s.PutInt(60010) }, "000000000000ea6a"},
		{"int -1", false, func(s *Stream) error { return s.PutInt(-1) }, "ffffffffffffffff"},
		{"string abc", false, func(s *Stream) error { return s.PutString("abc") }, "61626300"},
		{"string abc encrypted", true, func(s *Stream) error { return s.PutString("abc") }, "0000000000000004" + "61626300"},
		{"empty string", false, func(s *Stream) error { return s.PutString("") }, "00"},
		{"empty string encrypted", true, func(s *Stream) error { return s.PutString("") }, "000000000000000100"},
		{"null string", false, func(s *Stream) error { return s.PutNullString() }, "ad"},
		{"null string encrypted", true, func(s *Stream) error { return s.PutNullString() }, "0000000000000001ad"},
		{"double 1.5", false, func(s *Stream) error { return s.PutDouble(1.5) }, "000000005fffffff" + "0000000000000001"},
		{"double -1.5", false, func(s *Stream) error { return s.PutDouble(-1.5) }, "ffffffffa0000001" + "0000000000000001"},
		{"double 0", false, func(s *Stream) error { return s.PutDouble(0) }, "0000000000000000" + "0000000000000000"},
		{"char", false, func(s *Stream) error { return s.PutChar('Z') }, "5a"},
		{"ad of §3.1", false, func(s *Stream) error {
			return s.PutAdLines([]string{"Command = 60010", `AuthMethods = "TOKEN"`}, "", "")
		}, "0000000000000002" + hex.EncodeToString([]byte("Command = 60010\x00AuthMethods = \"TOKEN\"\x00\x00\x00"))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s *Stream
			if tc.encrypted {
				s = encLoop(t, nil)
			} else {
				s, _ = newLoop(t, nil)
			}
			if err := tc.put(s); err != nil {
				t.Fatal(err)
			}
			if got := hex.EncodeToString(pending(s)); got != tc.want {
				t.Errorf("bytes %s, want %s", got, tc.want)
			}
		})
	}
}

func TestPrimitivesRoundTrip(t *testing.T) {
	for _, encrypted := range []bool{false, true} {
		name := map[bool]string{false: "plaintext", true: "encrypted"}[encrypted]
		t.Run(name, func(t *testing.T) {
			var s *Stream
			if encrypted {
				s = encLoop(t, &Config{SendPacketSize: 13})
			} else {
				s, _ = newLoop(t, &Config{SendPacketSize: 13})
			}
			ints := []int64{0, 1, -1, math.MaxInt64, math.MinInt64, 60010}
			strs := []string{"", "abc", "C:\\new\n\"quoted\"", strings.Repeat("x", 5000), "\xff\xfe"}
			for _, v := range ints {
				must(t, s.PutInt(v))
			}
			for _, v := range strs {
				must(t, s.PutString(v))
			}
			must(t, s.PutNullString())
			must(t, s.PutChar(0xAD))
			must(t, s.PutBytes([]byte{0, 1, 2}))
			must(t, s.PutDouble(3.25))
			mustEOM(t, s)

			for _, want := range ints {
				if v, err := s.GetInt(); err != nil || v != want {
					t.Fatalf("GetInt = %d, %v; want %d", v, err, want)
				}
			}
			for _, want := range strs {
				if v, null, err := s.GetString(); err != nil || null || v != want {
					t.Fatalf("GetString = %q, %v, %v; want %q", v, null, err, want)
				}
			}
			if v, null, err := s.GetString(); err != nil || !null || v != "" {
				t.Fatalf("null GetString = %q, %v, %v", v, null, err)
			}
			if c, err := s.GetChar(); err != nil || c != 0xAD {
				t.Fatalf("GetChar = %x, %v", c, err)
			}
			if b, err := s.GetBytes(3); err != nil || !bytes.Equal(b, []byte{0, 1, 2}) {
				t.Fatalf("GetBytes = %x, %v", b, err)
			}
			// Lossy like C++: ldexp((int)(0.8125 * 2147483647) / 2147483647.0, 2).
			if d, err := s.GetDouble(); err != nil || d != 1744830463.0/2147483647.0*4 {
				t.Fatalf("GetDouble = %v, %v", d, err)
			}
			mustEOM(t, s)
		})
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func TestDoublePrecision(t *testing.T) {
	// About 31 bits of mantissa survive (cedar.md §2).
	for _, d := range []float64{math.Pi, -math.E, 1e300, -1e-300, 5e-324, math.MaxFloat64, 123456.789} {
		s, _ := newLoop(t, nil)
		must(t, s.PutDouble(d))
		mustEOM(t, s)
		got, err := s.GetDouble()
		if err != nil {
			t.Fatal(err)
		}
		if rel := math.Abs(got-d) / math.Abs(d); rel > 1e-9 {
			t.Errorf("%g came back as %g (relative error %g)", d, got, rel)
		}
		mustEOM(t, s)
	}
	for _, bad := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		s, _ := newLoop(t, nil)
		if err := s.PutDouble(bad); !errors.Is(err, ErrInvalidValue) {
			t.Errorf("PutDouble(%v) = %v", bad, err)
		}
	}
}

func TestGetInt32(t *testing.T) {
	tests := []struct {
		v       int64
		wantErr bool
	}{
		{0, false}, {-1, false}, {math.MaxInt32, false}, {math.MinInt32, false},
		{math.MaxInt32 + 1, true}, {math.MinInt32 - 1, true}, {1 << 40, true},
	}
	for _, tc := range tests {
		s, _ := newRaw(t, packet(1, be64(tc.v)), nil)
		got, err := s.GetInt32()
		if tc.wantErr {
			if !errors.Is(err, ErrMalformedValue) || !strings.Contains(err.Error(), "does not fit a 32-bit field") {
				t.Errorf("GetInt32(%d) = %d, %v; want an overflow error", tc.v, got, err)
			}
		} else if err != nil || int64(got) != tc.v {
			t.Errorf("GetInt32(%d) = %d, %v", tc.v, got, err)
		}
	}
}

func TestGetDoubleOutOfRange(t *testing.T) {
	s, _ := newRaw(t, packet(1, cat(be64(1<<40), be64(0))), nil)
	if _, err := s.GetDouble(); !errors.Is(err, ErrMalformedValue) {
		t.Fatalf("err = %v", err)
	}
	if s.Remaining() != 16 {
		t.Errorf("a refused double consumed bytes: %d left", s.Remaining())
	}
}

func TestPutStringRefused(t *testing.T) {
	tests := []struct {
		name, v, want string
	}{
		{"embedded NUL", "ab\x00c", "NUL byte at offset 2"},
		{"leading 0xAD", "\xadxyz", "NULL-string marker"},
		{"too long", strings.Repeat("a", MaxStringSize), "exceeds the 9999999-byte C++ limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newLoop(t, nil)
			err := s.PutString(tc.v)
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if len(pending(s)) != 0 {
				t.Error("a refused string left bytes in the message")
			}
		})
	}
}

func TestGetStringMalformed(t *testing.T) {
	tests := []struct {
		name      string
		encrypted bool
		msg       []byte
		wantErr   error
		want      string
	}{
		{"plaintext unterminated", false, []byte("abc"), ErrMalformedValue, "not NUL-terminated"},
		{"encrypted length 0", true, be64(0), ErrMalformedValue, "length prefix 0 outside 1..10000000"},
		{"encrypted length negative", true, be64(-5), ErrMalformedValue, "length prefix -5"},
		{"encrypted length huge", true, cat(be64(MaxStringSize+1), []byte("x")), ErrMalformedValue, "outside 1..10000000"},
		{"encrypted length past end", true, cat(be64(10), []byte("abc\x00")), ErrShortMessage, "string of 10 bytes, only 4 left"},
		{"encrypted no NUL", true, cat(be64(3), []byte("abc")), ErrMalformedValue, "has no NUL terminator"},
		{"encrypted short prefix", true, []byte{0, 0, 0}, ErrShortMessage, "needs 8 bytes, only 3 left"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var s *Stream
			if tc.encrypted {
				s = encLoop(t, nil)
			} else {
				s, _ = newLoop(t, nil)
			}
			must(t, s.PutBytes(tc.msg))
			mustEOM(t, s)
			_, _, err := s.GetString()
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v with %q", err, tc.wantErr, tc.want)
			}
			if s.Remaining() != len(tc.msg) {
				t.Errorf("failed GetString consumed bytes: %d of %d left", s.Remaining(), len(tc.msg))
			}
		})
	}
}

func TestGetStringEncryptedEdgeCases(t *testing.T) {
	// Bytes after the first NUL inside the length are skipped, as in C++;
	// 0xAD as first byte means NULL whatever follows.
	s := encLoop(t, nil)
	must(t, s.PutBytes(cat(be64(5), []byte("ab\x00cd"), be64(3), []byte{0xAD, 'x', 0})))
	mustEOM(t, s)
	if v, null, err := s.GetString(); err != nil || null || v != "ab" {
		t.Fatalf("GetString = %q, %v, %v", v, null, err)
	}
	if v, null, err := s.GetString(); err != nil || !null || v != "" {
		t.Fatalf("GetString = %q, %v, %v", v, null, err)
	}
	mustEOM(t, s)
}

func TestGetBytesNegative(t *testing.T) {
	s, _ := newRaw(t, packet(1, []byte{1}), nil)
	if _, err := s.GetBytes(-1); !errors.Is(err, ErrMalformedValue) {
		t.Fatalf("err = %v", err)
	}
}
