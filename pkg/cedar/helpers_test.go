package cedar

import (
	"bytes"
	"encoding/binary"
	"net"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
)

// loopConn is an in-memory connection that reads back what was written.
type loopConn struct{ bytes.Buffer }

// newLoop returns a Stream that reads its own writes. With no plaintext
// traffic both handshake digests are zero, so after EnableCrypto it also
// decrypts its own packets: a one-stream encrypted loopback.
func newLoop(t testing.TB, cfg *Config) (*Stream, *loopConn) {
	t.Helper()
	c := &loopConn{}
	s, err := NewStream(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// newRaw returns a Stream reading data and writing to a buffer.
func newRaw(t testing.TB, data []byte, cfg *Config) (*Stream, *transcript.Conn) {
	t.Helper()
	c := transcript.NewConn(data)
	s, err := NewStream(c, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// newPipe returns two Streams joined by net.Pipe.
func newPipe(t testing.TB, cfg *Config) (a, b *Stream) {
	t.Helper()
	ca, cb := net.Pipe()
	t.Cleanup(func() { ca.Close(); cb.Close() })
	var err error
	if a, err = NewStream(ca, cfg); err != nil {
		t.Fatal(err)
	}
	if b, err = NewStream(cb, cfg); err != nil {
		t.Fatal(err)
	}
	return a, b
}

// packet builds a raw plaintext packet.
func packet(end byte, payload []byte) []byte {
	b := make([]byte, HeaderSize, HeaderSize+len(payload))
	b[0] = end
	binary.BigEndian.PutUint32(b[1:], uint32(len(payload)))
	return append(b, payload...)
}

func be64(v int64) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(v))
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

// mustEOM fails the test if EndOfMessage fails.
func mustEOM(t testing.TB, s *Stream) {
	t.Helper()
	if err := s.EndOfMessage(); err != nil {
		t.Fatalf("EndOfMessage: %v", err)
	}
}

// asyncErr runs f in a goroutine and returns a channel with its error.
func asyncErr(f func() error) <-chan error {
	ch := make(chan error, 1)
	go func() { ch <- f() }()
	return ch
}
