package integration

import (
	"context"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// benchCommand runs one WRITE command and reads the handler's answer.
func benchCommand(b *testing.B, c *security.Client, addr string, wantResumed bool) {
	r, err := c.Dial(context.Background(), "tcp", addr, security.Request{Command: cmdWrite}, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer r.Stream.Close()
	if r.Resumed != wantResumed {
		b.Fatalf("resumed = %v", r.Resumed)
	}
	if _, _, err := r.Stream.GetString(); err != nil {
		b.Fatal(err)
	}
}

// benchHandshakes measures full commands over loopback against the
// daemon, one at a time ("seq") and from GOMAXPROCS goroutines ("par"),
// and reports handshakes per second.
func benchHandshakes(b *testing.B, offer string, sessions bool) {
	p := newPool(b)
	srv := p.startServer(b, "SEC_DEFAULT_AUTHENTICATION = REQUIRED\nSEC_DEFAULT_ENCRYPTION = REQUIRED",
		func(c *daemon.Config) { c.Log = nil })
	c := p.client(b, "SEC_CLIENT_AUTHENTICATION_METHODS = "+offer, clientOpts{})
	if sessions {
		c.Sessions = security.NewSessionCache(0)
		benchCommand(b, c, srv.addr, false) // negotiate the session once
	}
	b.Run("seq", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		for b.Loop() {
			benchCommand(b, c, srv.addr, sessions)
		}
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "handshakes/s")
	})
	b.Run("par", func(b *testing.B) {
		b.ReportAllocs()
		start := time.Now()
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				benchCommand(b, c, srv.addr, sessions)
			}
		})
		b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "handshakes/s")
	})
}

// BenchmarkNewSessionFS: TCP connect, policy ads, FS (mkdir, lstat,
// rmdir), hasKey, ECDH on both sides, AES, post-auth ad, one encrypted
// answer.
func BenchmarkNewSessionFS(b *testing.B) { benchHandshakes(b, "FS", false) }

// BenchmarkNewSessionTOKEN: the same with TOKEN (token file discovery,
// AKEP2 with HMAC-SHA256 and the server's signature check).
func BenchmarkNewSessionTOKEN(b *testing.B) { benchHandshakes(b, "IDTOKENS", false) }

// BenchmarkResumed: a command on a cached session (cedar.md §4.12): the
// resume ad, the server's reply, AES with the cached key, one answer.
func BenchmarkResumed(b *testing.B) { benchHandshakes(b, "IDTOKENS", true) }
