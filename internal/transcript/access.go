package transcript

import (
	"bytes"
	"encoding/hex"
	"io"
	"strings"
	"testing"
)

// Unhex decodes hex text from a transcript (or a test table), failing the
// test on bad input. The error shows only the start of the text.
func Unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %.20q: %v", s, err)
	}
	return b
}

// Connection returns connection n (numbered from 1).
func (tr *Transcript) Connection(t testing.TB, n int) *Connection {
	t.Helper()
	if n < 1 || n > len(tr.Connections) {
		t.Fatalf("%s: no connection %d (have %d)", tr.Name, n, len(tr.Connections))
	}
	return &tr.Connections[n-1]
}

// Decoding returns the decoding of connection n (numbered from 1).
func (tr *Transcript) Decoding(t testing.TB, n int) *Decoded {
	t.Helper()
	if n < 1 || n > len(tr.Decoded) {
		t.Fatalf("%s: no connection %d (have %d)", tr.Name, n, len(tr.Decoded))
	}
	return &tr.Decoded[n-1]
}

// DirBytes returns the exact byte stream of direction dir of connection n:
// its turns concatenated (README "JSON format", connections[].turns).
func (tr *Transcript) DirBytes(t testing.TB, n int, dir string) []byte {
	t.Helper()
	var b []byte
	for _, turn := range tr.Connection(t, n).Turns {
		if turn.Dir == dir {
			b = append(b, Unhex(t, turn.Hex)...)
		}
	}
	return b
}

// SessionKey returns the AES-256-GCM key of connection n.
func (tr *Transcript) SessionKey(t testing.TB, n int) []byte {
	t.Helper()
	return Unhex(t, tr.Decoding(t, n).SessionKeyHex)
}

// ClientPrivateKey returns the client's recorded ECDH private key of
// connection n, a new session.
func (tr *Transcript) ClientPrivateKey(t testing.TB, n int) []byte {
	t.Helper()
	for _, sk := range tr.Keys.SessionKeys {
		if sk.Connection == n && sk.ECDH != nil {
			return Unhex(t, sk.ECDH.ClientPrivateKeyHex)
		}
	}
	t.Fatalf("%s: no ECDH key for connection %d (a resumed session?)", tr.Name, n)
	return nil
}

// Message returns the first message of connection n whose role (What)
// starts with prefix.
func (tr *Transcript) Message(t testing.TB, n int, prefix string) *Message {
	t.Helper()
	d := tr.Decoding(t, n)
	for i := range d.Messages {
		if strings.HasPrefix(d.Messages[i].What, prefix) {
			return &d.Messages[i]
		}
	}
	t.Fatalf("%s: no message %q on connection %d", tr.Name, prefix, n)
	return nil
}

// MessageWire returns the exact bytes (packet headers and payloads) of the
// first message of connection n whose role starts with prefix. The
// message must be plaintext.
func (tr *Transcript) MessageWire(t testing.TB, n int, prefix string) []byte {
	t.Helper()
	return tr.Decoding(t, n).Wire(t, tr.Message(t, n, prefix))
}

// AdLines returns the lines of the first ClassAd of message i (counted
// from 0) of connection n.
func (tr *Transcript) AdLines(t testing.TB, n, i int) []string {
	t.Helper()
	d := tr.Decoding(t, n)
	if i < 0 || i >= len(d.Messages) {
		t.Fatalf("%s: connection %d has no message %d", tr.Name, n, i)
	}
	lines := d.Messages[i].Ad()
	if lines == nil {
		t.Fatalf("%s: connection %d message %d (%s) holds no ad", tr.Name, n, i, d.Messages[i].What)
	}
	return lines
}

// Wire returns the exact bytes (packet headers and payloads) of m, a
// plaintext message of d.
func (d *Decoded) Wire(t testing.TB, m *Message) []byte {
	t.Helper()
	var b []byte
	for _, i := range m.Packets {
		p := d.Packets[m.Dir][i]
		if p.Encrypted {
			t.Fatalf("connection %d: message %q is encrypted: its wire bytes are not its plaintext", d.Connection, m.What)
		}
		b = append(b, Unhex(t, p.HeaderHex)...)
		b = append(b, Unhex(t, p.PlaintextHex)...)
	}
	return b
}

// BaseIV returns the recorded base IV of direction dir (on its first
// encrypted packet), or nil when that direction sent nothing encrypted.
func (d *Decoded) BaseIV(t testing.TB, dir string) []byte {
	t.Helper()
	for _, p := range d.Packets[dir] {
		if p.GCM != nil && p.GCM.BaseIVHex != "" {
			return Unhex(t, p.GCM.BaseIVHex)
		}
	}
	return nil
}

// IVSource returns a reader for cedar.Config.Rand that makes a Stream
// sending direction dir pick the recorded base IV; a direction that sent
// nothing encrypted gets zeros.
func (d *Decoded) IVSource(t testing.TB, dir string) io.Reader {
	t.Helper()
	if iv := d.BaseIV(t, dir); iv != nil {
		return bytes.NewReader(iv)
	}
	return ZeroReader{}
}

// MethodMessages returns the authentication method bit the server chose on
// a new session and that method's messages: those between "server chose
// method" and the "key-exchange flag" (cedar.md §4.2, §4.6, §4.7). It
// returns 0 and nil when no method was chosen.
func (d *Decoded) MethodMessages() (int64, []Message) {
	ms := d.Messages
	for i, m := range ms {
		if !strings.HasPrefix(m.What, "server chose method") || len(m.Values) == 0 || m.Values[0].Int == nil {
			continue
		}
		j := i + 1
		for j < len(ms) && !strings.HasPrefix(ms[j].What, "key-exchange flag") {
			j++
		}
		return *m.Values[0].Int, ms[i+1 : j]
	}
	return 0, nil
}

// Ad returns the lines of the first ClassAd of m, nil when it has none.
func (m *Message) Ad() []string {
	for _, v := range m.Values {
		if v.ClassAd != nil {
			return *v.ClassAd
		}
	}
	return nil
}

// BytesValue returns the k-th (from 0) raw-bytes value of m.
func (m *Message) BytesValue(t testing.TB, k int) []byte {
	t.Helper()
	for _, v := range m.Values {
		if v.BytesHex == nil {
			continue
		}
		if k == 0 {
			return Unhex(t, *v.BytesHex)
		}
		k--
	}
	t.Fatalf("message %q has too few bytes values", m.What)
	return nil
}
