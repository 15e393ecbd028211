// Package cedar implements HTCondor's CEDAR wire protocol over a TCP
// connection (cedar.md §1–§3, §4.8–§4.9): packet framing and
// end-of-message semantics, the primitive encodings (8-byte integers,
// NUL-terminated and length-prefixed strings, doubles, raw bytes), the
// ClassAd wire form as raw "Name = expr" lines, and the AES-256-GCM packet
// encryption keyed by an ECDH/HKDF session key.
//
// The layering follows golang.org/x/crypto/ssh's transport: a packet layer
// (header, payload limits, handshake digests, GCM sealing) below a message
// layer (assembling packets into messages, EndOfMessage) below the value
// codec (PutInt/GetInt, PutString/GetString, PutAdLines/GetAdLines, ...).
//
// A Stream is used like a C++ ReliSock: Put values, then EndOfMessage to
// send them; Get values, then EndOfMessage to check that the peer's message
// was consumed completely. A Stream is not safe for concurrent use, except
// that Close may be called from another goroutine to abort a blocked call.
package cedar

import (
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"io"
	"net"
	"time"
)

// Wire limits (cedar.md §1.1–§1.3, §2).
const (
	// HeaderSize is the size of a packet header: 1 end-flag byte and a
	// 4-byte big-endian payload length (NORMAL_HEADER_SIZE).
	HeaderSize = 5

	// MaxPacketSize is the largest payload length (IV and tag included)
	// that C++ receivers accept: 1 MiB.
	MaxPacketSize = 1 << 20

	// MaxSendPacketPayload is the largest plaintext chunk per sent packet
	// such that the first encrypted packet (16-byte IV + 16-byte tag) still
	// fits in MaxPacketSize. It is the default Config.SendPacketSize.
	MaxSendPacketPayload = MaxPacketSize - gcmIVSize - gcmTagSize

	// CxxSendPacketSize is the plaintext chunk C++ senders use
	// (CONDOR_IO_BUF_SIZE 4096 minus the 5-byte header, cedar.md §1.3).
	// Set Config.SendPacketSize to it to reproduce C++ traffic byte for
	// byte.
	CxxSendPacketSize = 4091

	// DefaultMaxMessageSize bounds the size of an assembled received
	// message unless Config.MaxMessageSize says otherwise.
	DefaultMaxMessageSize = 16 << 20

	// DefaultMaxAdAttributes is the C++ bound on a received ClassAd's
	// attribute count (cedar.md §3.3).
	DefaultMaxAdAttributes = 1_000_000

	// MaxStringSize is the largest length prefix (string bytes plus NUL)
	// that C++ accepts for a string on an encrypted stream (cedar.md §2).
	MaxStringSize = 10_000_000

	// maxEndFlag is the largest end-of-message flag a C++ receiver accepts
	// (reli_sock.cpp:907).
	maxEndFlag = 10
)

// Config tunes a Stream. The zero value (or a nil *Config) gives the
// defaults documented on each field.
type Config struct {
	// MaxMessageSize bounds the plaintext size of one received message.
	// Default DefaultMaxMessageSize (16 MiB).
	MaxMessageSize int

	// MaxPacketSize bounds the length field of a received packet. Default
	// and maximum MaxPacketSize (1 MiB), the C++ limit.
	MaxPacketSize int

	// SendPacketSize is the plaintext size at which an outgoing message is
	// split into packets. Default MaxSendPacketPayload; it may not exceed
	// it. CxxSendPacketSize reproduces C++ packetization.
	SendPacketSize int

	// MaxAdAttributes bounds the attribute count of a received ClassAd.
	// Default DefaultMaxAdAttributes.
	MaxAdAttributes int

	// ReadTimeout, if positive, limits the time to receive each packet.
	// WriteTimeout, if positive, limits the time to send each packet. Both
	// need a connection with SetReadDeadline/SetWriteDeadline (net.Conn).
	ReadTimeout  time.Duration
	WriteTimeout time.Duration

	// Rand supplies the 16-byte base IV of the sending direction when
	// crypto is turned on. Default crypto/rand.Reader. Tests set it to
	// reproduce recorded traffic.
	Rand io.Reader
}

// initialSendBuffer is the send buffer a stream starts with; it grows by
// append up to one packet. Token and credential commands send well under
// 4 KiB per packet, and a short-lived tool paid measurably (page faults)
// for a 64 KiB buffer it never filled.
const initialSendBuffer = 4 << 10

type readDeadliner interface{ SetReadDeadline(time.Time) error }
type writeDeadliner interface{ SetWriteDeadline(time.Time) error }

// Stream is one CEDAR connection. Create it with NewStream.
type Stream struct {
	rw  io.ReadWriter
	cfg Config

	// Deadlines (Config timeouts and SetDeadline).
	deadline  time.Time
	rdArmed   bool
	wrArmed   bool
	rdeadline readDeadliner
	wdeadline writeDeadliner

	// Receive side: the current assembled message.
	in       []byte
	inPos    int
	inActive bool
	pkt      []byte // scratch buffer for encrypted payloads

	// Send side: obuf[:HeaderSize] is reserved for the header, the rest is
	// the pending plaintext of the current packet.
	obuf      []byte
	wbuf      []byte // scratch buffer for sealed packets
	outActive bool
	outErr    error // sticky error poisoning the current outgoing message
	outSent   int   // packets of the current message already sent (end=0)

	// Handshake digests (cedar.md §1.6): nil = nothing hashed yet.
	sendHash, recvHash   hash.Hash
	plainSent, plainRecv int64
	dSend, dRecv         [sha256.Size]byte

	// Crypto state per direction; nil while the stream is plaintext.
	snd, rcv *gcmDir

	// broken is set after any error that desynchronises the stream (I/O,
	// framing, decryption); every later call returns it.
	broken error

	// trace, when set (tests only), observes every packet.
	trace func(packetEvent)
}

// NewStream wraps rw (normally a net.Conn) in a CEDAR stream. cfg may be
// nil. It fails if cfg is out of range, or if timeouts are requested on a
// connection without deadlines.
func NewStream(rw io.ReadWriter, cfg *Config) (*Stream, error) {
	if rw == nil {
		return nil, errors.New("cedar: NewStream needs a connection, got nil")
	}
	var c Config
	if cfg != nil {
		c = *cfg
	}
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxPacketSize == 0 {
		c.MaxPacketSize = MaxPacketSize
	}
	if c.SendPacketSize == 0 {
		c.SendPacketSize = MaxSendPacketPayload
	}
	if c.MaxAdAttributes == 0 {
		c.MaxAdAttributes = DefaultMaxAdAttributes
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	switch {
	case c.MaxMessageSize < 0:
		return nil, fmt.Errorf("cedar: Config.MaxMessageSize %d is negative", c.MaxMessageSize)
	case c.MaxPacketSize < 0 || c.MaxPacketSize > MaxPacketSize:
		return nil, fmt.Errorf("cedar: Config.MaxPacketSize %d is outside 1..%d", c.MaxPacketSize, MaxPacketSize)
	case c.SendPacketSize < 0 || c.SendPacketSize > MaxSendPacketPayload:
		return nil, fmt.Errorf("cedar: Config.SendPacketSize %d is outside 1..%d (a packet with IV and tag may not exceed 1 MiB)", c.SendPacketSize, MaxSendPacketPayload)
	case c.MaxAdAttributes < 0:
		return nil, fmt.Errorf("cedar: Config.MaxAdAttributes %d is negative", c.MaxAdAttributes)
	case c.ReadTimeout < 0 || c.WriteTimeout < 0:
		return nil, errors.New("cedar: Config timeouts must not be negative")
	}
	s := &Stream{rw: rw, cfg: c}
	s.rdeadline, _ = rw.(readDeadliner)
	s.wdeadline, _ = rw.(writeDeadliner)
	if c.ReadTimeout > 0 && s.rdeadline == nil {
		return nil, fmt.Errorf("cedar: Config.ReadTimeout set but %T has no SetReadDeadline", rw)
	}
	if c.WriteTimeout > 0 && s.wdeadline == nil {
		return nil, fmt.Errorf("cedar: Config.WriteTimeout set but %T has no SetWriteDeadline", rw)
	}
	s.obuf = make([]byte, HeaderSize, HeaderSize+min(c.SendPacketSize, initialSendBuffer))
	return s, nil
}

// SetDeadline sets an absolute deadline for all later reads and writes, in
// addition to the per-packet timeouts (the earlier of the two applies). The
// zero time removes it. It needs a connection with deadlines.
func (s *Stream) SetDeadline(t time.Time) error {
	if s.rdeadline == nil || s.wdeadline == nil {
		return fmt.Errorf("cedar: %T does not support deadlines", s.rw)
	}
	s.deadline = t
	return nil
}

// SetTimeouts replaces the per-packet read and write timeouts of
// Config.ReadTimeout / Config.WriteTimeout (0 = none).
func (s *Stream) SetTimeouts(read, write time.Duration) error {
	if read < 0 || write < 0 {
		return errors.New("cedar: timeouts must not be negative")
	}
	if (read > 0 && s.rdeadline == nil) || (write > 0 && s.wdeadline == nil) {
		return fmt.Errorf("cedar: %T does not support deadlines", s.rw)
	}
	s.cfg.ReadTimeout, s.cfg.WriteTimeout = read, write
	return nil
}

// effectiveDeadline combines the absolute deadline with a per-operation
// timeout.
func (s *Stream) effectiveDeadline(timeout time.Duration) time.Time {
	d := s.deadline
	if timeout > 0 {
		t := time.Now().Add(timeout)
		if d.IsZero() || t.Before(d) {
			d = t
		}
	}
	return d
}

func (s *Stream) armRead() error {
	d := s.effectiveDeadline(s.cfg.ReadTimeout)
	if d.IsZero() && !s.rdArmed {
		return nil
	}
	if err := s.rdeadline.SetReadDeadline(d); err != nil {
		return fmt.Errorf("cedar: setting read deadline: %w", err)
	}
	s.rdArmed = !d.IsZero()
	return nil
}

func (s *Stream) armWrite() error {
	d := s.effectiveDeadline(s.cfg.WriteTimeout)
	if d.IsZero() && !s.wrArmed {
		return nil
	}
	if err := s.wdeadline.SetWriteDeadline(d); err != nil {
		return fmt.Errorf("cedar: setting write deadline: %w", err)
	}
	s.wrArmed = !d.IsZero()
	return nil
}

// Close closes the underlying connection if it is an io.Closer. An unsent
// outgoing message is dropped. Close may be called concurrently with a
// blocked read or write to abort it.
func (s *Stream) Close() error {
	if c, ok := s.rw.(io.Closer); ok {
		return c.Close()
	}
	return nil
}

// RemoteAddr returns the peer address if the connection is a net.Conn,
// else nil.
func (s *Stream) RemoteAddr() net.Addr {
	if c, ok := s.rw.(net.Conn); ok {
		return c.RemoteAddr()
	}
	return nil
}

// LocalAddr returns the local address if the connection is a net.Conn,
// else nil.
func (s *Stream) LocalAddr() net.Addr {
	if c, ok := s.rw.(net.Conn); ok {
		return c.LocalAddr()
	}
	return nil
}

// Encrypted reports whether AES-GCM is on. From then on strings carry the
// 8-byte length prefix (cedar.md §2).
func (s *Stream) Encrypted() bool { return s.snd != nil }

// Err returns the error that broke the stream, or nil. After such an error
// (I/O failure, framing violation, failed decryption) the connection is out
// of sync and every call fails.
func (s *Stream) Err() error { return s.broken }

// fail records a fatal error and returns it.
func (s *Stream) fail(err error) error {
	if s.broken == nil {
		s.broken = err
	}
	return err
}
