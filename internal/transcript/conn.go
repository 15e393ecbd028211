package transcript

import (
	"bytes"
	"encoding/binary"
)

// Conn is an in-memory connection for replays: reads come from a recorded
// byte stream, writes are kept for comparison with the record. The zero
// Conn reads nothing (io.EOF). It is not safe for concurrent use.
type Conn struct {
	r bytes.Reader
	w bytes.Buffer
}

// NewConn returns a Conn that reads in.
func NewConn(in []byte) *Conn {
	c := &Conn{}
	c.r.Reset(in)
	return c
}

// Read reads the recorded bytes.
func (c *Conn) Read(p []byte) (int, error) { return c.r.Read(p) }

// Write records p.
func (c *Conn) Write(p []byte) (int, error) { return c.w.Write(p) }

// Written returns everything written so far (not a copy).
func (c *Conn) Written() []byte { return c.w.Bytes() }

// Unread returns how many recorded bytes have not been read.
func (c *Conn) Unread() int { return c.r.Len() }

// ZeroReader reads zeros without end: a base IV source (cedar.Config.Rand)
// for a direction that sends nothing encrypted in a transcript.
type ZeroReader struct{}

// Read fills p with zeros.
func (ZeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// Frame wraps payload in one plaintext CEDAR packet with the end flag set:
// 1-byte end flag, 4-byte big-endian length, payload (cedar.md §1.1).
func Frame(payload []byte) []byte {
	h := make([]byte, 5, 5+len(payload))
	h[0] = 1
	binary.BigEndian.PutUint32(h[1:], uint32(len(payload)))
	return append(h, payload...)
}

// FirstDiff returns the index of the first byte where a and b differ, or
// the length of the shorter one when one is a prefix of the other.
func FirstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}
