package replay_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// methodWire returns the recorded method messages of a connection and the
// wire bytes of each direction among them.
func methodWire(t *testing.T, file string, n int) (bit int64, msgs []transcript.Message, cs, sc []byte) {
	t.Helper()
	d := transcript.Load(t, file).Decoding(t, n)
	bit, msgs = d.MethodMessages()
	for i := range msgs {
		if msgs[i].Dir == transcript.DirCS {
			cs = append(cs, d.Wire(t, &msgs[i])...)
		} else {
			sc = append(sc, d.Wire(t, &msgs[i])...)
		}
	}
	return bit, msgs, cs, sc
}

// TestChosen replays each recorded method (FS, TOKEN, SSL) against the
// recorded server bytes: it must write exactly the recorded client bytes.
func TestChosen(t *testing.T) {
	for _, c := range []struct {
		file, method string
		conn, msgs   int
	}{{"token_fetch_fs", "FS", 1, 3}, {"ping_idtoken", "TOKEN", 1, 3}, {"token_request_approve", "SSL", 1, 8}} {
		t.Run(c.method, func(t *testing.T) {
			bit, msgs, cs, sc := methodWire(t, c.file, c.conn)
			m := replay.Chosen(t, c.method, msgs)
			if len(msgs) != c.msgs || int64(m.Bit()) != bit || m.Name() != c.method {
				t.Fatalf("%d messages, bit %d (recorded %d), name %q", len(msgs), m.Bit(), bit, m.Name())
			}
			if ok, why := m.Usable(nil); !ok {
				t.Errorf("Usable = false, %q", why)
			}
			conn := transcript.NewConn(sc)
			if err := m.Authenticate(context.Background(), replay.NewStream(t, conn), nil); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(conn.Written(), cs) || conn.Unread() != 0 {
				t.Errorf("wrote %d bytes, recorded %d (first difference at %d); %d unread",
					len(conn.Written()), len(cs), transcript.FirstDiff(conn.Written(), cs), conn.Unread())
			}
		})
	}
}

// TestChosenMismatch: a server message that differs from the record ends
// the method with an error naming the message.
func TestChosenMismatch(t *testing.T) {
	_, msgs, _, sc := methodWire(t, "ping_idtoken", 1)
	sc[len(sc)-1] ^= 1 // last byte of hkt in TOKEN msg2
	err := replay.Chosen(t, "TOKEN", msgs).Authenticate(context.Background(), replay.NewStream(t, transcript.NewConn(sc)), nil)
	if err == nil || !strings.HasPrefix(err.Error(), "TOKEN msg2") || !strings.Contains(err.Error(), "value 10: bytes") {
		t.Errorf("error %v", err)
	}
	// A chosen method without messages succeeds without touching the stream.
	conn := transcript.NewConn(nil)
	if err := replay.Chosen(t, "FS", nil).Authenticate(context.Background(), replay.NewStream(t, conn), nil); err != nil || len(conn.Written()) != 0 {
		t.Errorf("empty method: %v, wrote %x", err, conn.Written())
	}
}

// errRecorder keeps Errorf calls instead of failing the test.
type errRecorder struct {
	testing.TB
	errs []string
}

func (r *errRecorder) Errorf(format string, args ...any) {
	r.errs = append(r.errs, fmt.Sprintf(format, args...))
}

// TestOffered: a method the server did not choose fails the test and
// cleanly (auth.ErrFailed) if the handshake runs it anyway.
func TestOffered(t *testing.T) {
	r := &errRecorder{TB: t}
	m := replay.Offered(r, "SSL")
	if m.Name() != "SSL" || m.Bit() != 256 {
		t.Errorf("name %q bit %d", m.Name(), m.Bit())
	}
	err := m.Authenticate(context.Background(), replay.NewStream(t, transcript.NewConn(nil)), nil)
	if !errors.Is(err, auth.ErrFailed) || !strings.Contains(err.Error(), "method SSL was not chosen in the recording") {
		t.Errorf("error %v", err)
	}
	if len(r.errs) != 1 || r.errs[0] != "method SSL ran but the server did not choose it" {
		t.Errorf("test errors %q", r.errs)
	}
}

// TestSide plays both sides of the three collector_query connections
// (plaintext handshake, AES-GCM payload, a two-packet reply): each side
// must write exactly its recorded bytes, ciphertext included.
func TestSide(t *testing.T) {
	tr := transcript.Load(t, "collector_query")
	for n := 1; n <= len(tr.Decoded); n++ {
		for _, mine := range []string{transcript.DirCS, transcript.DirSC} {
			s, conn := replay.Side(t, tr, n, mine)
			for i := range tr.Decoded[n-1].Messages {
				m := &tr.Decoded[n-1].Messages[i]
				if m.Encrypted && !s.Encrypted() {
					if err := s.EnableCrypto(tr.SessionKey(t, n)); err != nil {
						t.Fatal(err)
					}
				}
				if err := transcript.Exchange(s, m, mine); err != nil {
					t.Fatalf("conn %d as %s: %v", n, mine, err)
				}
			}
			if want := tr.DirBytes(t, n, mine); !bytes.Equal(conn.Written(), want) || conn.Unread() != 0 {
				t.Errorf("conn %d as %s: wrote %d bytes, recorded %d (first difference at %d); %d unread",
					n, mine, len(conn.Written()), len(want), transcript.FirstDiff(conn.Written(), want), conn.Unread())
			}
		}
	}
}
