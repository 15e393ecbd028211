// Package replay is the part of the transcript test support that needs
// pkg/cedar and the authentication interfaces: a Stream constructor that
// fails the test, and an auth.Client that replays a recorded method.
// pkg/cedar's own tests cannot import it (import cycle); they use package
// transcript alone. Only tests may import this package.
package replay

import (
	"context"
	"fmt"
	"io"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// NewStream returns a Stream with the default configuration over rw,
// failing the test if it cannot be made.
func NewStream(t testing.TB, rw io.ReadWriter) *cedar.Stream {
	t.Helper()
	s, err := cedar.NewStream(rw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// Side returns a Stream that plays the side of connection n of tr that
// sends direction mine: it reads the peer's recorded bytes, cuts packets
// like the C++ sender (cedar.CxxSendPacketSize) and takes the recorded
// base IV of its direction, so that what it writes, ciphertext included,
// can equal the recorded bytes. The Conn holds what it wrote.
func Side(t testing.TB, tr *transcript.Transcript, n int, mine string) (*cedar.Stream, *transcript.Conn) {
	t.Helper()
	conn := transcript.NewConn(tr.DirBytes(t, n, transcript.OtherDir(mine)))
	s, err := cedar.NewStream(conn, &cedar.Config{SendPacketSize: cedar.CxxSendPacketSize,
		Rand: tr.Decoding(t, n).IVSource(t, mine)})
	if err != nil {
		t.Fatal(err)
	}
	return s, conn
}

// Method is an auth.Client standing in for a real method: the one the
// server chose (Chosen) plays the recorded method messages from the
// client's side, sending the C→S ones and checking the S→C ones; one it
// did not choose (Offered) fails the test if the handshake runs it.
type Method struct {
	t      testing.TB
	name   string
	chosen bool
	msgs   []transcript.Message
}

// Offered returns a Method the server did not choose: it is listed and
// offered but must never run.
func Offered(t testing.TB, name string) *Method {
	return &Method{t: t, name: name}
}

// Chosen returns a Method that replays msgs (possibly none) when run.
func Chosen(t testing.TB, name string, msgs []transcript.Message) *Method {
	return &Method{t: t, name: name, chosen: true, msgs: msgs}
}

var _ auth.Client = (*Method)(nil)

// Name returns the method name it was made with.
func (m *Method) Name() string { return m.name }

// Bit returns the negotiation bit of the method name (0 if unknown).
func (m *Method) Bit() int {
	b, _ := auth.Bit(m.name)
	return b
}

// Usable always reports true: the recorded tool offered the method.
func (m *Method) Usable(*auth.Peer) (bool, string) { return true, "" }

// Authenticate replays the recorded messages; see Method.
func (m *Method) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) error {
	if !m.chosen {
		m.t.Errorf("method %s ran but the server did not choose it", m.name)
		return fmt.Errorf("%w: method %s was not chosen in the recording", auth.ErrFailed, m.name)
	}
	for i := range m.msgs {
		if err := transcript.Exchange(s, &m.msgs[i], transcript.DirCS); err != nil {
			return err
		}
	}
	return nil
}
