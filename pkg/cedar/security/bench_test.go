package security

import (
	"context"
	"net"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// benchServer accepts connections on l and runs Accept on each.
func benchServer(b *testing.B, srv *Server) (addr string, stop func()) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer conn.Close()
				s, _ := cedar.NewStream(conn, nil)
				if _, err := srv.Accept(context.Background(), s); err != nil {
					b.Error(err)
				}
			}()
		}
	}()
	return l.Addr().String(), func() { l.Close() }
}

// BenchmarkNewSessionClaimToBe measures a full new-session handshake over
// loopback: TCP connect, policy ads, CLAIMTOBE, hasKey, ECDH on both
// sides, AES, post-auth ad.
func BenchmarkNewSessionClaimToBe(b *testing.B) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	c := newTestClient(b, ck)
	addr, stop := benchServer(b, newTestServer(b, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_ENCRYPTION": "REQUIRED"}))
	defer stop()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
		if err != nil {
			b.Fatal(err)
		}
		r.Stream.Close()
	}
}

// BenchmarkResumedSession measures a resumed session over loopback.
func BenchmarkResumedSession(b *testing.B) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	c := newTestClient(b, ck)
	c.Sessions = NewSessionCache(0)
	addr, stop := benchServer(b, newTestServer(b, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED"}))
	defer stop()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		r, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
		if err != nil {
			b.Fatal(err)
		}
		r.Stream.Close()
	}
}
