package fs

import (
	"context"
	"net"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// BenchmarkFSAuth measures one complete FS exchange, client and server in
// process over net.Pipe, with real directories in a temporary FS_LOCAL_DIR
// (the peers' TCP addresses are supplied through auth.Peer).
func BenchmarkFSAuth(b *testing.B) {
	srvAddr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 9618}
	cli := NewClient(ClientConfig{ServiceAccount: sameAccount})
	srv := NewServer(ServerConfig{Dir: b.TempDir(), UIDDomain: "example.org",
		LookupUser: func(int) (string, error) { return "u", nil }})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		a, c := net.Pipe()
		cs, ss := replay.NewStream(b, a), replay.NewStream(b, c)
		done := make(chan error, 1)
		go func() {
			_, err := srv.Authenticate(ctx, ss, &auth.Peer{Local: srvAddr})
			done <- err
		}()
		if err := cli.Authenticate(ctx, cs, &auth.Peer{Remote: srvAddr}); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		a.Close()
		c.Close()
	}
}
