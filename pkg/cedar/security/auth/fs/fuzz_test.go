package fs

import (
	"context"
	"errors"
	iofs "io/fs"
	"net"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// FuzzServerReply feeds arbitrary client replies (result int and optional
// extension) to the server. It must never panic; it may only authenticate
// when the reply names the bound directory of this connection, which
// exists (in the fake filesystem) as a proper 0700 directory.
func FuzzServerReply(f *testing.F) {
	for _, ex := range fsExchanges(f) {
		f.Add(ex.replyWire[5:])
	}
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Add(append(make([]byte, 8), []byte("127.0.0.1:9618?sock=x\x00")...))
	f.Add(append(make([]byte, 8), []byte("[::1]:9618\x00")...))
	f.Add(append(make([]byte, 8), 0xad))
	const name = "/d/FS_127.0.0.1_9618_XXXabcdef_"
	local := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9618}

	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 || len(payload) > 1<<12 {
			return
		}
		sys := &fakeSys{stats: map[string]fakeInfo{
			name + "127.0.0.1:9618": {mode: iofs.ModeDir | 0o700, uid: 7, nlink: 2},
			name:                    {mode: iofs.ModeDir | 0o755, uid: 7, nlink: 2},
		}}
		srv := NewServer(ServerConfig{Dir: "/d", Rand: charsRand("abcdef"), sys: sys.ops(),
			LookupUser: func(int) (string, error) { return "u", nil }})
		conn := transcript.NewConn(transcript.Frame(payload))
		id, err := srv.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{Local: local})
		switch {
		case err == nil:
			if id.User != "u" || len(sys.rmdirs) != 1 || sys.rmdirs[0] != name+"127.0.0.1:9618" {
				t.Fatalf("authenticated %+v, removed %q", id, sys.rmdirs)
			}
		case errors.Is(err, auth.ErrFailed):
			if len(sys.rmdirs) != 0 {
				t.Fatalf("refused but removed %q", sys.rmdirs)
			}
		}
	})
}

// FuzzClientName feeds arbitrary directory-name messages to the client.
// It must never panic, and it may only create absolute FS_ names without
// "/../".
func FuzzClientName(f *testing.F) {
	for _, ex := range fsExchanges(f) {
		f.Add(ex.nameWire[5:])
	}
	f.Add([]byte("/tmp/FS_XXXabcdef\x00"))
	f.Add([]byte("/tmp/FS_127.0.0.1_9618_XXXabcdef\x00"))
	f.Add([]byte("/tmp/../etc/FS_x_\x00"))
	f.Add([]byte("\x00"))
	remote := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9618}
	verdict := transcript.Frame(make([]byte, 8))

	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 || len(payload) > 1<<12 {
			return
		}
		sys := &fakeSys{euid: 1000}
		cli := NewClient(ClientConfig{sys: sys.ops()})
		conn := transcript.NewConn(append(transcript.Frame(payload), verdict...))
		_ = cli.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{Remote: remote})
		for _, p := range sys.mkdirs {
			if !strings.HasPrefix(p, "/") || strings.Contains(p, "/../") {
				t.Fatalf("created %q", p)
			}
		}
		if len(sys.rmdirs) != len(sys.mkdirs) {
			t.Fatalf("created %q, removed %q", sys.mkdirs, sys.rmdirs)
		}
	})
}
