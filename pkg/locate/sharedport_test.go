package locate

import (
	"bytes"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
)

func TestSendSharedPortConnectBytes(t *testing.T) {
	var buf bytes.Buffer
	s, _ := cedar.NewStream(&buf, nil)
	if err := SendSharedPortConnect(s, "schedd_1234_a1b2", "TOOL", time.Time{}); err != nil {
		t.Fatal(err)
	}
	// One packet: end flag 1, length, int 75, two NUL-terminated strings,
	// int -1 (no deadline), int 0 (no more arguments).
	payload := "000000000000004b" + hex.EncodeToString([]byte("schedd_1234_a1b2\x00TOOL\x00")) +
		"ffffffffffffffff" + "0000000000000000"
	want := "01" + "0000002e" + payload // 8+17+5+8+8 = 46 bytes
	if got := hex.EncodeToString(buf.Bytes()); got != want {
		t.Errorf("wire =\n%s\nwant\n%s", got, want)
	}

	buf.Reset()
	s, _ = cedar.NewStream(&buf, nil)
	if err := SendSharedPortConnect(s, "collector", "TOOL", time.Now().Add(90*time.Second+500*time.Millisecond)); err != nil {
		t.Fatal(err)
	}
	r := readSP(t, buf.Bytes())
	if r.ID != "collector" || r.ClientName != "TOOL" || r.Deadline != 90 {
		t.Errorf("read back %+v", r)
	}
	buf.Reset()
	s, _ = cedar.NewStream(&buf, nil)
	_ = SendSharedPortConnect(s, "x", "", time.Now().Add(-time.Minute))
	if r := readSP(t, buf.Bytes()); r.Deadline != 0 {
		t.Errorf("past deadline sent as %d, want 0", r.Deadline)
	}
	for _, bad := range []string{"", "../etc", "a b", "x/y", strings.Repeat("a", 1024)} {
		if err := SendSharedPortConnect(s, bad, "TOOL", time.Time{}); !errors.Is(err, ErrSharedPort) {
			t.Errorf("id %.20q: err = %v", bad, err)
		}
	}
}

func readSP(t *testing.T, wire []byte) SharedPortRequest {
	t.Helper()
	rs, _ := cedar.NewStream(transcript.NewConn(wire), nil)
	cmd, err := rs.GetInt()
	if err != nil || cmd != SharedPortConnect {
		t.Fatalf("command %d, %v", cmd, err)
	}
	r, err := ReadSharedPortConnect(rs)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// After SHARED_PORT_CONNECT the client restarts its handshake digests: the
// target daemon never sees that message, so the first encrypted packet's
// AAD must not cover it (cedar.md §1.6, §6.8). With id "self" the
// shared-port daemon itself is the peer and the digests continue.
func TestSharedPortDigestReset(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	for _, c := range []struct {
		id            string
		peerSeesSPMsg bool
	}{{"schedd_1", false}, {"self", true}} {
		var wire bytes.Buffer
		client, _ := cedar.NewStream(&wire, nil)
		if err := SendSharedPortConnect(client, c.id, "TOOL", time.Time{}); err != nil {
			t.Fatal(err)
		}
		spLen := wire.Len()
		_ = client.PutInt(60010)
		_ = client.EndOfMessage()
		if err := client.EnableCrypto(key); err != nil {
			t.Fatal(err)
		}
		_ = client.PutString("hello")
		_ = client.EndOfMessage()

		in := wire.Bytes()
		if !c.peerSeesSPMsg {
			in = in[spLen:] // condor_shared_port consumed the request
		}
		server, _ := cedar.NewStream(transcript.NewConn(in), nil)
		if c.peerSeesSPMsg {
			if cmd, _ := server.GetInt(); cmd != SharedPortConnect {
				t.Fatal("no SHARED_PORT_CONNECT")
			}
			if _, err := ReadSharedPortConnect(server); err != nil {
				t.Fatal(err)
			}
		}
		if cmd, err := server.GetInt(); err != nil || cmd != 60010 {
			t.Fatalf("%s: command %d, %v", c.id, cmd, err)
		}
		_ = server.EndOfMessage()
		_ = server.EnableCrypto(key)
		if got, _, err := server.GetString(); err != nil || got != "hello" {
			t.Errorf("%s: decrypt: %q, %v", c.id, got, err)
		}
	}
}

func TestReadSharedPortConnectErrors(t *testing.T) {
	build := func(f func(s *cedar.Stream)) []byte {
		var buf bytes.Buffer
		s, _ := cedar.NewStream(&buf, nil)
		f(s)
		_ = s.EndOfMessage()
		return buf.Bytes()
	}
	cases := map[string][]byte{
		"bad id": build(func(s *cedar.Stream) {
			_ = s.PutString("../x")
			_ = s.PutString("n")
			_ = s.PutInt(-1)
			_ = s.PutInt(0)
		}),
		"long name": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
			_ = s.PutString(strings.Repeat("n", 1024))
			_ = s.PutInt(-1)
			_ = s.PutInt(0)
		}),
		"too many args": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
			_ = s.PutString("n")
			_ = s.PutInt(-1)
			_ = s.PutInt(101)
		}),
		"negative args": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
			_ = s.PutString("n")
			_ = s.PutInt(-1)
			_ = s.PutInt(-1)
		}),
		"missing args": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
			_ = s.PutString("n")
			_ = s.PutInt(-1)
			_ = s.PutInt(2)
			_ = s.PutString("only one")
		}),
		"deadline beyond int": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
			_ = s.PutString("n")
			_ = s.PutInt(1 << 40)
			_ = s.PutInt(0)
		}),
		"trailing data": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
			_ = s.PutString("n")
			_ = s.PutInt(-1)
			_ = s.PutInt(0)
			_ = s.PutInt(9)
		}),
		"truncated": build(func(s *cedar.Stream) {
			_ = s.PutString("id")
		}),
	}
	for name, wire := range cases {
		rs, _ := cedar.NewStream(transcript.NewConn(wire), nil)
		if _, err := ReadSharedPortConnect(rs); !errors.Is(err, ErrSharedPort) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	ok := build(func(s *cedar.Stream) {
		_ = s.PutString("id.1-x_y")
		_ = s.PutString("SCHEDD <1.2.3.4:5>")
		_ = s.PutInt(20)
		_ = s.PutInt(2)
		_ = s.PutString("a")
		_ = s.PutString("b")
	})
	rs, _ := cedar.NewStream(transcript.NewConn(ok), nil)
	if r, err := ReadSharedPortConnect(rs); err != nil || r.ID != "id.1-x_y" || r.Deadline != 20 {
		t.Errorf("%+v, %v", r, err)
	}
}
