package transcript

import (
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/google/go-cmp/cmp"
)

// Encoder is the sending half of *cedar.Stream that PutValues needs.
type Encoder interface {
	PutInt(v int64) error
	PutString(v string) error
	PutNullString() error
	PutBytes(p []byte) error
	PutAdLines(lines []string, myType, targetType string) error
}

// Decoder is the receiving half of *cedar.Stream that GetValues needs.
type Decoder interface {
	GetInt() (int64, error)
	GetString() (v string, isNull bool, err error)
	GetBytes(n int) ([]byte, error)
	GetAdLines() (lines []string, myType, targetType string, err error)
}

// Stream is what Exchange needs: both halves and the end of a message.
type Stream interface {
	Encoder
	Decoder
	EndOfMessage() error
}

// PutValues encodes the recorded values of m, in order, without ending the
// message. Errors name the message and the value.
func PutValues(s Encoder, m *Message) error {
	for j, v := range m.Values {
		if err := putValue(s, &v); err != nil {
			return fmt.Errorf("%s value %d: %w", m.What, j, err)
		}
	}
	return nil
}

func putValue(s Encoder, v *Value) error {
	switch v.kind() {
	case kindAd:
		if len(v.TypeStrings) != 2 {
			return fmt.Errorf("%d type strings", len(v.TypeStrings))
		}
		return s.PutAdLines(*v.ClassAd, v.TypeStrings[0], v.TypeStrings[1])
	case kindIntBytes:
		b, err := hex.DecodeString(*v.ThenBytesHex)
		if err != nil {
			return err
		}
		if err := s.PutInt(*v.Int); err != nil {
			return err
		}
		return s.PutBytes(b)
	case kindInt:
		return s.PutInt(*v.Int)
	case kindString:
		return s.PutString(*v.String)
	case kindNull:
		return s.PutNullString()
	case kindBytes:
		b, err := hex.DecodeString(*v.BytesHex)
		if err != nil {
			return err
		}
		return s.PutBytes(b)
	}
	return fmt.Errorf("unknown value kind %+v", *v)
}

// GetValues decodes one value per recorded value of m and compares each
// with the record (ClassAd lines and type strings, ints, strings and the
// NULL marker, raw bytes), without ending the message. The first
// difference is returned as an error naming the message and the value.
func GetValues(s Decoder, m *Message) error {
	for j, v := range m.Values {
		if err := getValue(s, &v); err != nil {
			return fmt.Errorf("%s value %d: %w", m.What, j, err)
		}
	}
	return nil
}

func getValue(s Decoder, v *Value) error {
	switch v.kind() {
	case kindAd:
		lines, my, target, err := s.GetAdLines()
		if err != nil {
			return err
		}
		if d := cmp.Diff(*v.ClassAd, lines); d != "" {
			return fmt.Errorf("ad lines (-want +got):\n%s", d)
		}
		if got := []string{my, target}; !slices.Equal(got, v.TypeStrings) {
			return fmt.Errorf("type strings %q, want %q", got, v.TypeStrings)
		}
	case kindIntBytes:
		n, err := s.GetInt()
		if err != nil || n != *v.Int {
			return fmt.Errorf("int %d (%v), want %d", n, err, *v.Int)
		}
		b, err := s.GetBytes(int(n))
		if err != nil || hex.EncodeToString(b) != *v.ThenBytesHex {
			return fmt.Errorf("bytes %x (%v), want %s", b, err, *v.ThenBytesHex)
		}
	case kindInt:
		n, err := s.GetInt()
		if err != nil || n != *v.Int {
			return fmt.Errorf("int %d (%v), want %d", n, err, *v.Int)
		}
	case kindString:
		str, null, err := s.GetString()
		if err != nil || null || str != *v.String {
			return fmt.Errorf("string %q null=%v (%v), want %q", str, null, err, *v.String)
		}
	case kindNull:
		_, null, err := s.GetString()
		if err != nil || !null {
			return fmt.Errorf("string null=%v (%v), want the NULL marker", null, err)
		}
	case kindBytes:
		b, err := s.GetBytes(*v.Length)
		if err != nil || hex.EncodeToString(b) != *v.BytesHex {
			return fmt.Errorf("bytes %x (%v), want %s", b, err, *v.BytesHex)
		}
	default:
		return fmt.Errorf("unknown value kind %+v", *v)
	}
	return nil
}

// Exchange plays m from the side that sends direction mine: it puts m's
// values when m.Dir is mine and gets and checks them otherwise, then ends
// the message.
func Exchange(s Stream, m *Message, mine string) error {
	var err error
	if m.Dir == mine {
		err = PutValues(s, m)
	} else {
		err = GetValues(s, m)
	}
	if err != nil {
		return err
	}
	if err := s.EndOfMessage(); err != nil {
		return fmt.Errorf("%s: end of message: %w", m.What, err)
	}
	return nil
}
