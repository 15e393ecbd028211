package token

import (
	"context"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// BenchmarkTokenAuth measures one complete TOKEN exchange, client and
// server in process over net.Pipe (key file read and token validation on
// the server included).
func BenchmarkTokenAuth(b *testing.B) {
	kc := poolKeys(b, keyA, nil)
	raw := mint(b, kc, idtoken.MintOptions{Subject: "alice@example.org", Authz: []string{"READ"}})
	cli := NewClient(ClientConfig{Tokens: []string{raw}, NoDirectory: true})
	srv := NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow }})
	peer := &auth.Peer{TrustDomain: "example.org", IssuerKeys: []string{"POOL"}}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		cs, ss := pipePair(b)
		done := make(chan error, 1)
		go func() {
			_, err := srv.Authenticate(ctx, ss, &auth.Peer{})
			done <- err
		}()
		if err := cli.Authenticate(ctx, cs, peer); err != nil {
			b.Fatal(err)
		}
		if err := <-done; err != nil {
			b.Fatal(err)
		}
		cs.Close()
		ss.Close()
	}
}
