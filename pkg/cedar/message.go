package cedar

import (
	"fmt"
)

// retainLimit is the buffer capacity kept between messages; larger buffers
// (from an occasional big message) are released.
const retainLimit = 1 << 20

// EndOfMessage ends the current message, like C++ end_of_message()
// (cedar.md §1.4):
//
//   - Sending (values were Put since the last EndOfMessage): the buffered
//     data goes out as the final packet, end flag 1. A message with no data
//     sends nothing, since CEDAR forbids empty packets. If a Put failed,
//     nothing more is sent and that error is returned.
//   - Receiving (a message was read with Get calls): succeeds only if every
//     byte was consumed; otherwise the rest is discarded and the returned
//     error wraps ErrUnreadBytes, as the C++ reader fails (pitfall 3).
//   - Neither: nothing to do, returns nil.
func (s *Stream) EndOfMessage() error {
	if s.broken != nil {
		return s.broken
	}
	switch {
	case s.outErr != nil:
		err := s.outErr
		sent := s.outSent
		s.resetOut()
		if sent > 0 {
			// The peer already has part of the message and waits for the
			// rest: the stream cannot recover.
			return s.fail(fmt.Errorf("cedar: message abandoned after %d packets were sent: %w", sent, err))
		}
		return fmt.Errorf("cedar: message not sent: %w", err)
	case s.outActive:
		var err error
		if len(s.obuf) > HeaderSize {
			err = s.writePacket(1)
		}
		s.resetOut()
		return err
	case s.inActive:
		rem, total := len(s.in)-s.inPos, len(s.in)
		s.resetIn()
		if rem > 0 {
			return fmt.Errorf("%w: %d of %d bytes left (the peer sent fields this side did not read)", ErrUnreadBytes, rem, total)
		}
	}
	return nil
}

// DiscardMessage drops the rest of the current received message without
// error, for a caller that deliberately ignores trailing fields. It is a
// no-op when no received message is open.
func (s *Stream) DiscardMessage() {
	if s.inActive {
		s.resetIn()
	}
}

// Remaining returns the number of unread bytes in the current received
// message, 0 when none is open.
func (s *Stream) Remaining() int {
	if !s.inActive {
		return 0
	}
	return len(s.in) - s.inPos
}

// MessageConsumed reports whether the current received message has no
// unread bytes left (C++ peek_end_of_message, used for optional trailing
// fields such as FS authentication's extension string, cedar.md §5.6). It
// is true when no message is open.
func (s *Stream) MessageConsumed() bool { return s.Remaining() == 0 }

func (s *Stream) resetOut() {
	s.obuf = s.obuf[:HeaderSize]
	if cap(s.obuf) > retainLimit {
		s.obuf = make([]byte, HeaderSize, HeaderSize+initialSendBuffer)
	}
	if cap(s.wbuf) > retainLimit {
		s.wbuf = nil
	}
	s.outActive, s.outErr, s.outSent = false, nil, 0
}

func (s *Stream) resetIn() {
	s.in, s.inPos, s.inActive = s.in[:0], 0, false
	if cap(s.in) > retainLimit {
		s.in = nil
	}
	if cap(s.pkt) > retainLimit {
		s.pkt = nil
	}
}

// beginPut checks that a value may be appended to the outgoing message.
func (s *Stream) beginPut() error {
	if s.broken != nil {
		return s.broken
	}
	if s.outErr != nil {
		return s.outErr
	}
	if s.inActive {
		return fmt.Errorf("%w: a received message is still open; call EndOfMessage (or DiscardMessage) before sending", ErrState)
	}
	return nil
}

// poison records err as the sticky error of the outgoing message, so
// EndOfMessage refuses to send a message with a missing field.
func (s *Stream) poison(err error) error {
	if s.outErr == nil {
		s.outErr = err
	}
	return err
}

// appendOut appends encoded bytes to the outgoing message, sending full
// packets with end flag 0. A packet is sent only when more data follows, so
// EndOfMessage always has data for the final packet.
func (s *Stream) appendOut(p []byte) error {
	if err := s.beginPut(); err != nil {
		return err
	}
	s.outActive = true
	for len(p) > 0 {
		used := len(s.obuf) - HeaderSize
		if used == s.cfg.SendPacketSize {
			if err := s.writePacket(0); err != nil {
				return err
			}
			s.outSent++
			used = 0
		}
		k := min(s.cfg.SendPacketSize-used, len(p))
		s.obuf = append(s.obuf, p[:k]...)
		p = p[k:]
	}
	return nil
}

// beginGet makes sure a received message is open, reading the next one if
// needed.
func (s *Stream) beginGet() error {
	if s.broken != nil {
		return s.broken
	}
	if s.outActive || s.outErr != nil {
		return fmt.Errorf("%w: an outgoing message is unsent; call EndOfMessage before reading (or the peer waits forever)", ErrState)
	}
	if s.inActive {
		return nil
	}
	return s.readMessage()
}

// readMessage assembles the next message: packets up to the first with a
// non-zero end flag (cedar.md §1.4).
func (s *Stream) readMessage() error {
	s.in, s.inPos = s.in[:0], 0
	for first := true; ; first = false {
		end, buf, err := s.readPacket(s.in, s.cfg.MaxMessageSize-len(s.in), first)
		s.in = buf
		if err != nil {
			s.in = s.in[:0]
			return s.fail(err)
		}
		if end != 0 {
			break
		}
	}
	s.inActive = true
	return nil
}

// peek returns the next n unread bytes of the current message without
// consuming them, reading a message first if none is open.
func (s *Stream) peek(n int, what string) ([]byte, error) {
	if err := s.beginGet(); err != nil {
		return nil, err
	}
	if rem := len(s.in) - s.inPos; n > rem {
		return nil, fmt.Errorf("%w: reading %s needs %d bytes, only %d left in the message", ErrShortMessage, what, n, rem)
	}
	return s.in[s.inPos : s.inPos+n], nil
}

// take consumes the next n bytes of the current message.
func (s *Stream) take(n int, what string) ([]byte, error) {
	b, err := s.peek(n, what)
	if err == nil {
		s.inPos += n
	}
	return b, err
}
