package cedar

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestEndOfMessageUnreadBytes(t *testing.T) {
	// int 7 + string "abc": reading only the int leaves 4 bytes.
	s, _ := newRaw(t, cat(packet(1, cat(be64(7), []byte("abc\x00"))), packet(1, be64(8))), nil)
	if v, err := s.GetInt(); err != nil || v != 7 {
		t.Fatalf("GetInt = %d, %v", v, err)
	}
	if s.MessageConsumed() || s.Remaining() != 4 {
		t.Fatalf("Remaining = %d, want 4", s.Remaining())
	}
	err := s.EndOfMessage()
	if !errors.Is(err, ErrUnreadBytes) || !strings.Contains(err.Error(), "4 of 12 bytes left") {
		t.Fatalf("EndOfMessage = %v, want ErrUnreadBytes with 4 of 12", err)
	}
	// As in C++ the rest was discarded: the next message reads normally.
	if v, err := s.GetInt(); err != nil || v != 8 {
		t.Fatalf("next message GetInt = %d, %v", v, err)
	}
	if !s.MessageConsumed() {
		t.Error("message not consumed after reading everything")
	}
	mustEOM(t, s)
	if s.Remaining() != 0 || !s.MessageConsumed() {
		t.Error("no open message should report 0 remaining")
	}
}

func TestDiscardMessage(t *testing.T) {
	s, _ := newRaw(t, cat(packet(1, cat(be64(1), be64(2))), packet(1, be64(3))), nil)
	s.DiscardMessage() // no open message: no-op, reads nothing
	if _, err := s.GetInt(); err != nil {
		t.Fatal(err)
	}
	s.DiscardMessage()
	mustEOM(t, s) // nothing open any more
	if v, err := s.GetInt(); err != nil || v != 3 {
		t.Fatalf("GetInt after discard = %d, %v", v, err)
	}
}

func TestReadPastEndOfMessage(t *testing.T) {
	s, _ := newRaw(t, packet(1, []byte{1, 2, 3}), nil)
	_, err := s.GetInt()
	if !errors.Is(err, ErrShortMessage) || !strings.Contains(err.Error(), "reading an int needs 8 bytes, only 3 left") {
		t.Fatalf("err = %v", err)
	}
	// A failed read consumes nothing and does not break the stream.
	if s.Err() != nil || s.Remaining() != 3 {
		t.Fatalf("Err = %v, Remaining = %d", s.Err(), s.Remaining())
	}
	if b, err := s.GetBytes(3); err != nil || !bytes.Equal(b, []byte{1, 2, 3}) {
		t.Fatalf("GetBytes = %x, %v", b, err)
	}
	// A read past the end does not silently start the next message.
	if _, err := s.GetChar(); !errors.Is(err, ErrShortMessage) {
		t.Fatalf("read past end: %v", err)
	}
	mustEOM(t, s)
}

func TestOrderingErrors(t *testing.T) {
	t.Run("get while sending", func(t *testing.T) {
		s, _ := newLoop(t, nil)
		if err := s.PutInt(1); err != nil {
			t.Fatal(err)
		}
		_, err := s.GetInt()
		if !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "call EndOfMessage before reading") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("put while receiving", func(t *testing.T) {
		s, _ := newRaw(t, packet(1, be64(1)), nil)
		if _, err := s.GetInt(); err != nil {
			t.Fatal(err)
		}
		err := s.PutInt(2)
		if !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "received message is still open") {
			t.Fatalf("err = %v", err)
		}
		mustEOM(t, s)
		if err := s.PutInt(2); err != nil {
			t.Fatalf("PutInt after EndOfMessage: %v", err)
		}
	})
}

func TestPoisonedMessageIsNotSent(t *testing.T) {
	s, c := newRaw(t, nil, nil)
	if err := s.PutInt(1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutString("a\x00b"); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("PutString with NUL: %v", err)
	}
	// Later puts report the same error; EndOfMessage refuses to send.
	if err := s.PutInt(2); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("PutInt after failure: %v", err)
	}
	err := s.EndOfMessage()
	if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "message not sent") {
		t.Fatalf("EndOfMessage = %v", err)
	}
	if len(c.Written()) != 0 {
		t.Fatalf("a poisoned message leaked %x", c.Written())
	}
	// The stream is still usable.
	if err := s.PutInt(3); err != nil {
		t.Fatal(err)
	}
	mustEOM(t, s)
	if want := packet(1, be64(3)); !bytes.Equal(c.Written(), want) {
		t.Errorf("wire %x, want %x", c.Written(), want)
	}
}

func TestPoisonAfterPartialSendBreaksStream(t *testing.T) {
	s, c := newRaw(t, nil, &Config{SendPacketSize: 8})
	if err := s.PutBytes(make([]byte, 12)); err != nil { // one packet goes out
		t.Fatal(err)
	}
	if err := s.PutDouble(nanValue()); !errors.Is(err, ErrInvalidValue) {
		t.Fatalf("PutDouble(NaN): %v", err)
	}
	err := s.EndOfMessage()
	if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), "abandoned after 1 packets") {
		t.Fatalf("EndOfMessage = %v", err)
	}
	if s.Err() == nil {
		t.Error("stream should be broken: the peer holds half a message")
	}
	if !bytes.Equal(c.Written(), packet(0, make([]byte, 8))) {
		t.Errorf("wire %x", c.Written())
	}
}

func TestLargeMessageBuffersReleased(t *testing.T) {
	s, _ := newLoop(t, &Config{SendPacketSize: MaxSendPacketPayload})
	big := bytes.Repeat([]byte{0x5a}, 3<<20)
	if err := s.PutBytes(big); err != nil {
		t.Fatal(err)
	}
	mustEOM(t, s)
	got, err := s.GetBytes(len(big))
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("GetBytes: %v", err)
	}
	mustEOM(t, s)
	if cap(s.in) > retainLimit || cap(s.obuf) > retainLimit+HeaderSize {
		t.Errorf("buffers kept: in %d, out %d", cap(s.in), cap(s.obuf))
	}
}
