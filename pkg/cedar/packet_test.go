package cedar

import (
	"bytes"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func TestReceiveHeaderLimits(t *testing.T) {
	big := make([]byte, 5)
	big[1], big[2], big[3], big[4] = 0x00, 0x10, 0x00, 0x01 // 1 MiB + 1
	tests := []struct {
		name    string
		cfg     *Config
		data    []byte
		wantErr error
		wantMsg string
	}{
		{"end flag 11", nil, []byte{11, 0, 0, 0, 1, 'x'}, ErrMalformedPacket, "end-of-message flag 11"},
		{"end flag 255", nil, []byte{255, 0, 0, 0, 1, 'x'}, ErrMalformedPacket, "C++ accepts 0..10"},
		{"zero length", nil, []byte{1, 0, 0, 0, 0}, ErrMalformedPacket, "zero-length packet"},
		{"over 1 MiB", nil, big, ErrMalformedPacket, "packet length 1048577 exceeds the 1048576-byte limit"},
		{"over configured", &Config{MaxPacketSize: 4}, packet(1, []byte("hello")), ErrMalformedPacket, "packet length 5 exceeds the 4-byte limit"},
		{"message too large", &Config{MaxMessageSize: 8}, cat(packet(0, []byte("12345")), packet(1, []byte("6789"))), ErrMessageTooLarge, "more than 8 bytes"},
		{"eof at start", nil, nil, ErrPeerClosed, "connection closed by peer while waiting"},
		{"eof in header", nil, []byte{1, 0, 0}, io.ErrUnexpectedEOF, "in the middle of a packet header"},
		{"eof in payload", nil, []byte{1, 0, 0, 0, 9, 'a'}, io.ErrUnexpectedEOF, "reading 9-byte packet payload"},
		{"eof between packets", nil, packet(0, []byte("abc")), io.ErrUnexpectedEOF, "in the middle of a message"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newRaw(t, tc.data, tc.cfg)
			_, err := s.GetChar()
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.wantMsg) {
				t.Fatalf("err = %v, want %v containing %q", err, tc.wantErr, tc.wantMsg)
			}
			// Framing errors are fatal: the stream stays broken.
			if _, err2 := s.GetChar(); err2 != err || s.Err() != err {
				t.Errorf("second call: %v, Err() = %v; want the first error again", err2, s.Err())
			}
		})
	}
}

func TestPeerClosedIsEOF(t *testing.T) {
	s, _ := newRaw(t, nil, nil)
	_, err := s.GetInt()
	if !errors.Is(err, io.EOF) || !errors.Is(err, ErrPeerClosed) {
		t.Fatalf("err = %v, want both io.EOF and ErrPeerClosed", err)
	}
}

func TestEndFlagsAccepted(t *testing.T) {
	// Any end flag 1..10 ends the message; 0 continues it (cedar.md §1.1).
	for end := byte(1); end <= 10; end++ {
		s, _ := newRaw(t, cat(packet(0, []byte{1}), packet(end, []byte{2})), nil)
		b, err := s.GetBytes(2)
		if err != nil || !bytes.Equal(b, []byte{1, 2}) {
			t.Fatalf("end=%d: %x, %v", end, b, err)
		}
		mustEOM(t, s)
	}
}

func TestSendPacketization(t *testing.T) {
	tests := []struct {
		name string
		size int
		want []byte
	}{
		{"one packet", 25, packet(1, []byte("0123456789abcdefghijKLMNO"))},
		{"split 10", 10, cat(packet(0, []byte("0123456789")), packet(0, []byte("abcdefghij")), packet(1, []byte("KLMNO")))},
		{"exact multiple", 5, cat(packet(0, []byte("01234")), packet(0, []byte("56789")), packet(0, []byte("abcde")), packet(0, []byte("fghij")), packet(1, []byte("KLMNO")))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, c := newRaw(t, nil, &Config{SendPacketSize: tc.size})
			if err := s.PutBytes([]byte("0123456789abcdefghij")); err != nil {
				t.Fatal(err)
			}
			if err := s.PutBytes([]byte("KLMNO")); err != nil {
				t.Fatal(err)
			}
			mustEOM(t, s)
			if !bytes.Equal(c.Written(), tc.want) {
				t.Errorf("wire\n got %q\nwant %q", c.Written(), tc.want)
			}
		})
	}
}

func TestExactFullPacketEndsMessage(t *testing.T) {
	// A message of exactly SendPacketSize bytes is one packet with end=1:
	// a full buffer is flushed only when more data follows, so EOM never
	// has to send an empty packet.
	s, c := newRaw(t, nil, &Config{SendPacketSize: 8})
	if err := s.PutInt(7); err != nil {
		t.Fatal(err)
	}
	mustEOM(t, s)
	if want := packet(1, be64(7)); !bytes.Equal(c.Written(), want) {
		t.Errorf("wire %x, want %x", c.Written(), want)
	}
}

func TestEmptyMessageSendsNothing(t *testing.T) {
	s, c := newRaw(t, nil, nil)
	mustEOM(t, s) // nothing pending at all
	if err := s.PutBytes(nil); err != nil {
		t.Fatal(err)
	}
	mustEOM(t, s) // a message with no data
	if len(c.Written()) != 0 {
		t.Errorf("sent %x, want nothing (CEDAR forbids empty packets)", c.Written())
	}
}

func TestMultiPacketRoundTrip(t *testing.T) {
	s, _ := newLoop(t, &Config{SendPacketSize: 7})
	if err := s.PutString("a string longer than one packet"); err != nil {
		t.Fatal(err)
	}
	if err := s.PutInt(-1); err != nil {
		t.Fatal(err)
	}
	mustEOM(t, s)
	str, _, err := s.GetString()
	if err != nil || str != "a string longer than one packet" {
		t.Fatalf("GetString = %q, %v", str, err)
	}
	if v, err := s.GetInt(); err != nil || v != -1 {
		t.Fatalf("GetInt = %d, %v", v, err)
	}
	mustEOM(t, s)
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"packet over 1 MiB", Config{MaxPacketSize: MaxPacketSize + 1}, "MaxPacketSize 1048577 is outside"},
		{"send packet too big", Config{SendPacketSize: MaxSendPacketPayload + 1}, "SendPacketSize 1048545 is outside"},
		{"negative message", Config{MaxMessageSize: -1}, "MaxMessageSize -1 is negative"},
		{"negative ad", Config{MaxAdAttributes: -1}, "MaxAdAttributes -1 is negative"},
		{"negative timeout", Config{ReadTimeout: -time.Second}, "timeouts must not be negative"},
		{"timeout without deadlines", Config{ReadTimeout: time.Second}, "has no SetReadDeadline"},
		{"write timeout without deadlines", Config{WriteTimeout: time.Second}, "has no SetWriteDeadline"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewStream(&loopConn{}, &tc.cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	if _, err := NewStream(nil, nil); err == nil {
		t.Error("NewStream(nil) succeeded")
	}
}

func TestDeadlinesUnsupported(t *testing.T) {
	s, _ := newLoop(t, nil)
	if err := s.SetDeadline(time.Now()); err == nil || !strings.Contains(err.Error(), "does not support deadlines") {
		t.Errorf("SetDeadline: %v", err)
	}
	if err := s.SetTimeouts(time.Second, 0); err == nil {
		t.Error("SetTimeouts on a buffer succeeded")
	}
	if s.RemoteAddr() != nil || s.LocalAddr() != nil {
		t.Error("addresses of a non-net.Conn are not nil")
	}
}

func TestReadTimeout(t *testing.T) {
	a, _ := newPipe(t, &Config{ReadTimeout: 30 * time.Millisecond})
	start := time.Now()
	_, err := a.GetInt()
	if !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Error("timeout took far too long")
	}
	if a.RemoteAddr() == nil {
		t.Error("RemoteAddr of a net.Pipe stream is nil")
	}
}

func TestWriteTimeoutAndDeadline(t *testing.T) {
	a, _ := newPipe(t, nil)
	// Nobody reads the other end of the pipe, so the write blocks.
	if err := a.SetDeadline(time.Now().Add(30 * time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	if err := a.PutInt(1); err != nil {
		t.Fatal(err)
	}
	if err := a.EndOfMessage(); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if !errors.Is(a.Err(), os.ErrDeadlineExceeded) {
		t.Errorf("a failed write must break the stream, Err() = %v", a.Err())
	}
}

func TestTimeoutsResetBetweenOperations(t *testing.T) {
	a, b := newPipe(t, nil)
	if err := a.SetTimeouts(20*time.Millisecond, 0); err != nil {
		t.Fatal(err)
	}
	if err := a.SetTimeouts(0, 0); err != nil {
		t.Fatal(err)
	}
	// No timeout is armed any more: a read waits for a late sender.
	done := asyncErr(func() error {
		time.Sleep(60 * time.Millisecond)
		if err := b.PutInt(5); err != nil {
			return err
		}
		return b.EndOfMessage()
	})
	if v, err := a.GetInt(); err != nil || v != 5 {
		t.Fatalf("GetInt = %d, %v", v, err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestCloseAbortsRead(t *testing.T) {
	a, _ := newPipe(t, nil)
	ch := asyncErr(func() error { _, err := a.GetInt(); return err })
	time.Sleep(10 * time.Millisecond)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-ch:
		if err == nil {
			t.Error("read on a closed stream succeeded")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not abort the blocked read")
	}
}
