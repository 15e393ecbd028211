package cedar

import (
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"slices"
)

// readChunk bounds how much buffer is grown ahead of data actually
// arriving, so a header that merely claims 1 MiB costs little memory.
const readChunk = 64 << 10

// packetEvent describes one packet for the test trace hook.
type packetEvent struct {
	send      bool
	header    [HeaderSize]byte
	plaintext []byte
	encrypted bool
	counter   uint32
	nonce     []byte
	aad       []byte
	baseIV    []byte // only on the first encrypted packet of a direction
}

// putHeader writes a packet header (cedar.md §1.1): end flag, then the
// big-endian payload length (which, when encrypted, counts IV and tag).
func putHeader(dst []byte, end byte, n int) {
	dst[0] = end
	binary.BigEndian.PutUint32(dst[1:HeaderSize], uint32(n))
}

// checkHeader validates a received header against cedar.md §1.2 and the
// configured limit and returns the end flag and payload length.
func (s *Stream) checkHeader(h []byte) (end byte, n int, err error) {
	end = h[0]
	n64 := binary.BigEndian.Uint32(h[1:HeaderSize])
	if end > maxEndFlag {
		return 0, 0, fmt.Errorf("%w: end-of-message flag %d (C++ accepts 0..%d; the peer may not speak CEDAR)", ErrMalformedPacket, end, maxEndFlag)
	}
	if n64 == 0 {
		return 0, 0, fmt.Errorf("%w: zero-length packet (forbidden by CEDAR)", ErrMalformedPacket)
	}
	if n64 > uint32(s.cfg.MaxPacketSize) {
		return 0, 0, fmt.Errorf("%w: packet length %d exceeds the %d-byte limit", ErrMalformedPacket, n64, s.cfg.MaxPacketSize)
	}
	return end, int(n64), nil
}

// readFullGrow appends exactly n bytes from r to dst, growing dst in
// bounded steps as the data arrives.
func readFullGrow(r io.Reader, dst []byte, n int) ([]byte, error) {
	want := len(dst) + n
	for len(dst) < want {
		k := min(want-len(dst), readChunk)
		dst = slices.Grow(dst, k)
		m, err := io.ReadFull(r, dst[len(dst):len(dst)+k])
		dst = dst[:len(dst)+m]
		if err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return dst, err
		}
	}
	return dst, nil
}

// readPacket reads one packet, decrypting it if crypto is on, and appends
// its plaintext to dst. room is how many plaintext bytes dst may still
// take (message size bound). first says whether this is the first packet of
// a message, so a clean EOF there is reported as ErrPeerClosed. Any error
// is fatal to the stream.
func (s *Stream) readPacket(dst []byte, room int, first bool) (end byte, out []byte, err error) {
	if err := s.armRead(); err != nil {
		return 0, dst, err
	}
	var h [HeaderSize]byte
	if _, err := io.ReadFull(s.rw, h[:]); err != nil {
		switch {
		case first && errors.Is(err, io.EOF):
			return 0, dst, fmt.Errorf("%w while waiting for the next message: %w", ErrPeerClosed, io.EOF)
		case errors.Is(err, io.EOF):
			return 0, dst, fmt.Errorf("cedar: connection closed by peer in the middle of a message: %w", io.ErrUnexpectedEOF)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return 0, dst, fmt.Errorf("cedar: connection closed by peer in the middle of a packet header: %w", err)
		}
		return 0, dst, fmt.Errorf("cedar: reading packet header: %w", err)
	}
	end, n, err := s.checkHeader(h[:])
	if err != nil {
		return 0, dst, err
	}
	if s.rcv == nil {
		return s.readPlainPayload(h, end, n, dst, room)
	}
	return s.readSealedPayload(h, end, n, dst, room)
}

func (s *Stream) readPlainPayload(h [HeaderSize]byte, end byte, n int, dst []byte, room int) (byte, []byte, error) {
	if n > room {
		return 0, dst, fmt.Errorf("%w: more than %d bytes (Config.MaxMessageSize)", ErrMessageTooLarge, s.cfg.MaxMessageSize)
	}
	start := len(dst)
	dst, err := readFullGrow(s.rw, dst, n)
	if err != nil {
		return 0, dst, fmt.Errorf("cedar: reading %d-byte packet payload: %w", n, err)
	}
	payload := dst[start:]
	// Handshake digest over header + payload of every plaintext packet
	// (cedar.md §1.6). Past 1 MiB EnableCrypto refuses anyway, so a
	// long-lived plaintext connection stops paying for the hash.
	if s.plainRecv < maxHashedPlaintext {
		if s.recvHash == nil {
			s.recvHash = sha256.New()
		}
		s.recvHash.Write(h[:])
		s.recvHash.Write(payload)
	}
	s.plainRecv += int64(n)
	if s.trace != nil {
		s.trace(packetEvent{header: h, plaintext: slices.Clone(payload)})
	}
	return end, dst, nil
}

func (s *Stream) readSealedPayload(h [HeaderSize]byte, end byte, n int, dst []byte, room int) (byte, []byte, error) {
	g := s.rcv
	overhead := gcmTagSize
	if !g.started {
		overhead += gcmIVSize
	}
	// C++ never sends an empty packet, so the ciphertext holds >= 1 byte.
	if n <= overhead {
		return 0, dst, fmt.Errorf("%w: encrypted packet of %d bytes cannot hold IV, data and tag (%d bytes of overhead)", ErrMalformedPacket, n, overhead)
	}
	if n-overhead > room {
		return 0, dst, fmt.Errorf("%w: more than %d bytes (Config.MaxMessageSize)", ErrMessageTooLarge, s.cfg.MaxMessageSize)
	}
	var err error
	s.pkt, err = readFullGrow(s.rw, s.pkt[:0], n)
	if err != nil {
		return 0, dst, fmt.Errorf("cedar: reading %d-byte encrypted packet: %w", n, err)
	}
	start := len(dst)
	dst, ev, err := s.open(h, s.pkt, dst)
	if err != nil {
		return 0, dst, err
	}
	if s.trace != nil {
		ev.plaintext = slices.Clone(dst[start:])
		s.trace(ev)
	}
	return end, dst, nil
}

// writePacket sends the pending plaintext in s.obuf[HeaderSize:] as one
// packet with the given end flag. Any error is fatal to the stream.
func (s *Stream) writePacket(end byte) error {
	if err := s.armWrite(); err != nil {
		return s.fail(err)
	}
	plain := s.obuf[HeaderSize:]
	var wire []byte
	if s.snd == nil {
		putHeader(s.obuf, end, len(plain))
		if s.plainSent < maxHashedPlaintext {
			if s.sendHash == nil {
				s.sendHash = sha256.New()
			}
			s.sendHash.Write(s.obuf)
		}
		s.plainSent += int64(len(plain))
		wire = s.obuf
		if s.trace != nil {
			var ev packetEvent
			ev.send = true
			copy(ev.header[:], s.obuf)
			ev.plaintext = slices.Clone(plain)
			s.trace(ev)
		}
	} else {
		var err error
		var ev packetEvent
		s.wbuf, ev, err = s.seal(end, plain, s.wbuf[:0])
		if err != nil {
			return s.fail(err)
		}
		wire = s.wbuf
		if s.trace != nil {
			ev.plaintext = slices.Clone(plain)
			s.trace(ev)
		}
	}
	if _, err := s.rw.Write(wire); err != nil {
		return s.fail(fmt.Errorf("cedar: sending %d-byte packet: %w", len(wire), err))
	}
	s.obuf = s.obuf[:HeaderSize]
	return nil
}
