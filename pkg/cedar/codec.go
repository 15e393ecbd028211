package cedar

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"strings"
)

// Primitive encodings, cedar.md §2.

const (
	// nullStringMarker is the byte C++ put_nullstr sends for a NULL char*:
	// octal "\255" = 0xAD, not 0xFF (README pitfall 2).
	nullStringMarker = 0xAD

	// fracConst scales the mantissa of a double (FRAC_CONST, stream.cpp).
	fracConst = 2147483647
)

// PutInt appends a CEDAR integer: 8 bytes, big-endian two's complement,
// whatever the C++ type (README pitfall 1).
func (s *Stream) PutInt(v int64) error {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	return s.appendOut(b[:])
}

// GetInt reads a CEDAR integer (8 bytes, big-endian).
func (s *Stream) GetInt() (int64, error) {
	b, err := s.take(8, "an int")
	if err != nil {
		return 0, err
	}
	return int64(binary.BigEndian.Uint64(b)), nil
}

// GetInt32 reads a CEDAR integer into a 32-bit target, failing like C++
// Stream::get(int&) when the high 4 bytes are not the sign extension of
// the low 4 (the value does not fit). The value is consumed either way.
func (s *Stream) GetInt32() (int32, error) {
	v, err := s.GetInt()
	if err != nil {
		return 0, err
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, fmt.Errorf("%w: int %d does not fit a 32-bit field", ErrMalformedValue, v)
	}
	return int32(v), nil
}

// PutChar appends one raw byte (C++ char).
func (s *Stream) PutChar(c byte) error {
	return s.appendOut([]byte{c})
}

// GetChar reads one raw byte.
func (s *Stream) GetChar() (byte, error) {
	b, err := s.take(1, "a char")
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

// PutBytes appends p raw: no length, no terminator (C++ put_bytes).
// Protocols send the length as a separate int first.
func (s *Stream) PutBytes(p []byte) error {
	return s.appendOut(p)
}

// GetBytes reads exactly n raw bytes into a new slice. n must not exceed
// what is left of the message.
func (s *Stream) GetBytes(n int) ([]byte, error) {
	if n < 0 {
		return nil, fmt.Errorf("%w: negative byte count %d", ErrMalformedValue, n)
	}
	b, err := s.take(n, fmt.Sprintf("%d raw bytes", n))
	if err != nil {
		return nil, err
	}
	return bytes.Clone(b), nil
}

// PutDouble appends a double as C++ does (cedar.md §2): two ints,
// frac = (int)(frexp(d, &exp) * 2147483647), then exp. The encoding keeps
// about 31 bits of mantissa. NaN and infinities have no defined encoding
// and are refused.
func (s *Stream) PutDouble(d float64) error {
	if err := s.beginPut(); err != nil {
		return err
	}
	if math.IsNaN(d) || math.IsInf(d, 0) {
		return s.poison(fmt.Errorf("%w: %v has no CEDAR double encoding", ErrInvalidValue, d))
	}
	frac, exp := math.Frexp(d)
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(int64(int32(frac*fracConst))))
	binary.BigEndian.PutUint64(b[8:], uint64(int64(exp)))
	return s.appendOut(b[:])
}

// GetDouble reads a double sent as frac and exp ints: ldexp(frac /
// 2147483647.0, exp). Both ints must fit 32 bits, as in C++.
func (s *Stream) GetDouble() (float64, error) {
	b, err := s.peek(16, "a double")
	if err != nil {
		return 0, err
	}
	frac := int64(binary.BigEndian.Uint64(b[:8]))
	exp := int64(binary.BigEndian.Uint64(b[8:]))
	if frac < math.MinInt32 || frac > math.MaxInt32 || exp < math.MinInt32 || exp > math.MaxInt32 {
		return 0, fmt.Errorf("%w: double with frac %d / exp %d outside 32 bits", ErrMalformedValue, frac, exp)
	}
	s.inPos += 16
	return math.Ldexp(float64(frac)/fracConst, int(exp)), nil
}

// checkString reports whether v can be sent as a CEDAR string.
func checkString(v string) error {
	if i := strings.IndexByte(v, 0); i >= 0 {
		// C++ put(std::string) would send it, but a plaintext reader stops
		// at the NUL and desynchronises (cedar.md §9 item 6).
		return fmt.Errorf("%w: string has a NUL byte at offset %d", ErrInvalidValue, i)
	}
	if len(v) > 0 && v[0] == nullStringMarker {
		return fmt.Errorf("%w: string starts with byte 0xAD, which receivers take for the NULL-string marker", ErrInvalidValue)
	}
	if len(v)+1 > MaxStringSize {
		return fmt.Errorf("%w: string of %d bytes exceeds the %d-byte C++ limit", ErrInvalidValue, len(v), MaxStringSize-1)
	}
	return nil
}

// PutString appends a string: its bytes and a NUL; once the stream is
// encrypted, preceded by an int holding the length including the NUL
// (cedar.md §2, README pitfall 2). Strings with a NUL byte or a leading
// 0xAD byte cannot be received intact and are refused.
func (s *Stream) PutString(v string) error {
	if err := s.beginPut(); err != nil {
		return err
	}
	if err := checkString(v); err != nil {
		return s.poison(err)
	}
	if s.Encrypted() {
		if err := s.PutInt(int64(len(v) + 1)); err != nil {
			return err
		}
	}
	// One append of bytes ‖ NUL; short strings avoid an allocation.
	var small [64]byte
	var buf []byte
	if len(v) < len(small) {
		buf = small[:0]
	}
	buf = append(buf, v...)
	buf = append(buf, 0)
	return s.appendOut(buf)
}

// PutNullString appends the legacy NULL-string marker (C++ put_nullstr
// with a NULL pointer): the byte 0xAD, preceded by int 1 when encrypted.
func (s *Stream) PutNullString() error {
	if s.Encrypted() {
		if err := s.PutInt(1); err != nil {
			return err
		}
	}
	return s.PutChar(nullStringMarker)
}

// GetString reads a string. isNull reports the NULL-string marker 0xAD (s
// is then ""); most callers treat it as the empty string, as C++ does.
//
// Plaintext: the bytes up to a NUL, or the single marker byte. Encrypted:
// an int L (1..MaxStringSize, including the NUL) and L bytes; the marker as
// first byte means NULL, otherwise the string ends at the first NUL.
func (s *Stream) GetString() (v string, isNull bool, err error) {
	if err := s.beginGet(); err != nil {
		return "", false, err
	}
	rest := s.in[s.inPos:]
	if !s.Encrypted() {
		if len(rest) == 0 {
			return "", false, fmt.Errorf("%w: reading a string, nothing left in the message", ErrShortMessage)
		}
		if rest[0] == nullStringMarker {
			s.inPos++
			return "", true, nil
		}
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			return "", false, fmt.Errorf("%w: string not NUL-terminated before the end of the message (%d bytes left)", ErrMalformedValue, len(rest))
		}
		s.inPos += i + 1
		return string(rest[:i]), false, nil
	}
	if len(rest) < 8 {
		return "", false, fmt.Errorf("%w: reading a string length needs 8 bytes, only %d left in the message", ErrShortMessage, len(rest))
	}
	l := int64(binary.BigEndian.Uint64(rest[:8]))
	if l < 1 || l > MaxStringSize {
		return "", false, fmt.Errorf("%w: string length prefix %d outside 1..%d", ErrMalformedValue, l, MaxStringSize)
	}
	if l > int64(len(rest)-8) {
		return "", false, fmt.Errorf("%w: string of %d bytes, only %d left in the message", ErrShortMessage, l, len(rest)-8)
	}
	body := rest[8 : 8+l]
	if body[0] == nullStringMarker {
		s.inPos += 8 + int(l)
		return "", true, nil
	}
	i := bytes.IndexByte(body, 0)
	if i < 0 {
		return "", false, fmt.Errorf("%w: length-prefixed string of %d bytes has no NUL terminator", ErrMalformedValue, l)
	}
	s.inPos += 8 + int(l)
	return string(body[:i]), false, nil
}
