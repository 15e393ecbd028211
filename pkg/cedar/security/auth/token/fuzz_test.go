package token

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// payloadOf encodes a message with put and strips the packet header.
func payloadOf(t testing.TB, put func(*transcript.Conn) error) []byte {
	rc := &transcript.Conn{}
	if err := put(rc); err != nil {
		t.Fatal(err)
	}
	return rc.Written()[5:]
}

// FuzzServerMessage1 feeds arbitrary message-1 payloads to the server,
// followed by a well-formed error message 3. It must never panic, and a
// clean outcome must come with exactly the server's message 2 written.
func FuzzServerMessage1(f *testing.F) {
	kc := poolKeys(f, keyA, nil)
	tr := transcript.Load(f, "ping_idtoken")
	f.Add(tr.MessageWire(f, 1, "TOKEN msg1")[5:])
	tok, err := idtoken.Parse(mint(f, kc, idtoken.MintOptions{Subject: "alice@example.org", Jti: "aa"}))
	if err != nil {
		f.Fatal(err)
	}
	good := message1{ALen: 17, A: "alice@example.org", HP: tok.SigningInput, RaLen: NonceLen, Ra: make([]byte, NonceLen)}
	f.Add(payloadOf(f, func(rc *transcript.Conn) error { return good.put(replay.NewStream(f, rc)) }))
	f.Add(payloadOf(f, func(rc *transcript.Conn) error { m := errorMessage1(""); return m.put(replay.NewStream(f, rc)) }))
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Add([]byte{})
	m3 := transcript.Frame(payloadOf(f, func(rc *transcript.Conn) error { m := errorMessage3(); return m.put(replay.NewStream(f, rc)) }))
	srv := NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow }, Rand: transcript.ZeroReader{}})

	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 || len(payload) > 1<<16 {
			return // CEDAR never carries empty packets; keep inputs small
		}
		conn := transcript.NewConn(append(transcript.Frame(payload), m3...))
		id, err := srv.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{})
		switch {
		case err == nil:
			t.Fatalf("authenticated %+v with a forged message 3", id)
		case errors.Is(err, auth.ErrFailed):
			if len(conn.Written()) == 0 || conn.Unread() != 0 {
				t.Fatalf("clean failure but wrote %d bytes and left %d unread", len(conn.Written()), conn.Unread())
			}
		}
	})
}

// FuzzClientMessage2 feeds arbitrary message-2 payloads to the client. It
// must never panic or succeed, and a clean failure must come with both of
// the client's messages written.
func FuzzClientMessage2(f *testing.F) {
	kc := poolKeys(f, keyA, nil)
	raw := mint(f, kc, idtoken.MintOptions{Subject: "alice@example.org"})
	tr := transcript.Load(f, "ping_idtoken")
	f.Add(tr.MessageWire(f, 1, "TOKEN msg2")[5:])
	f.Add(payloadOf(f, func(rc *transcript.Conn) error { m := errorMessage2(); return m.put(replay.NewStream(f, rc)) }))
	ok := message2{ALen: 17, A: "alice@example.org", BLen: 1, B: "b", RaLen: NonceLen, Ra: make([]byte, NonceLen),
		RbLen: NonceLen, Rb: make([]byte, NonceLen), HKTLen: macLen, HKT: make([]byte, macLen)}
	f.Add(payloadOf(f, func(rc *transcript.Conn) error { return ok.put(replay.NewStream(f, rc)) }))
	cli := NewClient(ClientConfig{Tokens: []string{raw}, NoDirectory: true, Rand: transcript.ZeroReader{}})

	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 || len(payload) > 1<<16 {
			return
		}
		conn := transcript.NewConn(transcript.Frame(payload))
		err := cli.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{})
		switch {
		case err == nil:
			t.Fatal("authenticated against a forged message 2")
		case errors.Is(err, auth.ErrFailed):
			if len(conn.Written()) < 2*5 {
				t.Fatalf("clean failure but wrote only %d bytes", len(conn.Written()))
			}
		}
	})
}
