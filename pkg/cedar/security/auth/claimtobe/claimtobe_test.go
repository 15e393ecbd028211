package claimtobe

import (
	"context"
	"encoding/hex"
	"errors"
	"net"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/google/go-cmp/cmp"
)

// Wire bytes of cedar.md §5.7 (header, then 8-byte ints and NUL-terminated
// strings).
const (
	intOneMsg  = "0100000008" + "0000000000000001"
	intZeroMsg = "0100000008" + "0000000000000000"
	// int 1 · "alice@example.net"
	claimMsg = "010000001a" + "0000000000000001" + "616c696365406578616d706c652e6e657400"
)

func TestClientWire(t *testing.T) {
	c := transcript.NewConn(transcript.Unhex(t, intOneMsg))
	s, _ := cedar.NewStream(c, nil)
	cl := NewClient(ClientOptions{User: "alice", Domain: "example.net", IncludeDomain: true})
	if ok, why := cl.Usable(nil); !ok {
		t.Fatal(why)
	}
	if err := cl.Authenticate(context.Background(), s, nil); err != nil {
		t.Fatal(err)
	}
	if got := hex.EncodeToString(c.Written()); got != claimMsg {
		t.Errorf("client wrote %s, want %s", got, claimMsg)
	}

	// No name: int 0 and a clean failure, nothing read.
	c = transcript.NewConn(nil)
	s, _ = cedar.NewStream(c, nil)
	cl = NewClient(ClientOptions{Domain: "example.net", IncludeDomain: true})
	if ok, why := cl.Usable(nil); ok || why == "" {
		t.Error("client without user is usable")
	}
	if err := cl.Authenticate(context.Background(), s, nil); !errors.Is(err, auth.ErrFailed) {
		t.Errorf("error %v", err)
	}
	if got := hex.EncodeToString(c.Written()); got != intZeroMsg {
		t.Errorf("client wrote %s, want %s", got, intZeroMsg)
	}
	if ok, _ := NewClient(ClientOptions{User: "x", IncludeDomain: true}).Usable(nil); ok {
		t.Error("client without UID_DOMAIN is usable")
	}

	// The server answers 0: clean failure.
	c = transcript.NewConn(transcript.Unhex(t, intZeroMsg))
	s, _ = cedar.NewStream(c, nil)
	if err := NewClient(ClientOptions{User: "bob"}).Authenticate(context.Background(), s, nil); !errors.Is(err, auth.ErrFailed) {
		t.Errorf("error %v", err)
	}
}

func TestServer(t *testing.T) {
	cases := []struct {
		name    string
		in      string // client message hex
		include bool
		want    auth.Identity
		reply   string
		wantErr bool
	}{
		{"user@domain", claimMsg, true, auth.Identity{User: "alice", Domain: "example.net", Method: Name, AuthenticatedName: "alice@example.net"}, intOneMsg, false},
		{"domain lower-cased", msg(t, "Bob@EXAMPLE.Org"), true, auth.Identity{User: "Bob", Domain: "example.org", Method: Name, AuthenticatedName: "Bob@EXAMPLE.Org"}, intOneMsg, false},
		{"last @", msg(t, "a@b@c"), true, auth.Identity{User: "a@b", Domain: "c", Method: Name, AuthenticatedName: "a@b@c"}, intOneMsg, false},
		{"no domain → UID_DOMAIN", msg(t, "carol"), true, auth.Identity{User: "carol", Domain: "uid.example", Method: Name, AuthenticatedName: "carol@uid.example"}, intOneMsg, false},
		{"include domain off", msg(t, "dave@x"), false, auth.Identity{User: "dave@x", Method: Name, AuthenticatedName: "dave@x"}, intOneMsg, false},
		{"flag 0", intZeroMsg, true, auth.Identity{}, "", true},
		{"empty name", msg(t, ""), true, auth.Identity{}, intZeroMsg, true},
		// Found by FuzzServer: "@domain" split into an empty user.
		{"empty user part", msg(t, "@0000000000000000"), true, auth.Identity{}, intZeroMsg, true},
		{"only @", msg(t, "@"), true, auth.Identity{}, intZeroMsg, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := transcript.NewConn(transcript.Unhex(t, tc.in))
			s, _ := cedar.NewStream(c, nil)
			id, err := NewServer(ServerOptions{UIDDomain: "uid.example", IncludeDomain: tc.include}).Authenticate(context.Background(), s, nil)
			if tc.wantErr != (err != nil) || err != nil && !errors.Is(err, auth.ErrFailed) {
				t.Fatalf("error %v", err)
			}
			if d := cmp.Diff(tc.want, id); d != "" {
				t.Errorf("identity (-want +got):\n%s", d)
			}
			if got := hex.EncodeToString(c.Written()); got != tc.reply {
				t.Errorf("server wrote %s, want %s", got, tc.reply)
			}
		})
	}
}

// msg encodes the client's claim message for name.
func msg(t *testing.T, name string) string {
	t.Helper()
	c := transcript.NewConn(nil)
	s, _ := cedar.NewStream(c, nil)
	if err := s.PutInt(1); err != nil {
		t.Fatal(err)
	}
	if err := s.PutString(name); err != nil {
		t.Fatal(err)
	}
	if err := s.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(c.Written())
}

// TestRoundTrip runs both sides over a pipe.
func TestRoundTrip(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	cs, _ := cedar.NewStream(a, nil)
	ss, _ := cedar.NewStream(b, nil)
	errc := make(chan error, 1)
	go func() {
		errc <- NewClient(ClientOptions{User: "eve", Domain: "Example.NET", IncludeDomain: true}).Authenticate(context.Background(), cs, nil)
	}()
	id, err := NewServer(ServerOptions{IncludeDomain: true}).Authenticate(context.Background(), ss, nil)
	if err != nil || <-errc != nil {
		t.Fatalf("server %v", err)
	}
	if id.FQU() != "eve@example.net" || !id.Mapped() {
		t.Errorf("identity %+v", id)
	}
}

// FuzzServer feeds arbitrary client bytes to the server side.
func FuzzServer(f *testing.F) {
	f.Add([]byte{})
	f.Add(mustHex(claimMsg))
	f.Add(mustHex(intZeroMsg))
	f.Fuzz(func(t *testing.T, data []byte) {
		c := transcript.NewConn(data)
		s, _ := cedar.NewStream(c, &cedar.Config{MaxMessageSize: 1 << 16})
		id, err := NewServer(ServerOptions{UIDDomain: "d", IncludeDomain: true}).Authenticate(context.Background(), s, nil)
		if err == nil && (id.User == "" || len(id.FQU()) > maxNameLen+2) {
			t.Fatalf("accepted identity %+v", id)
		}
	})
}

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}
