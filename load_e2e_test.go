package main

import (
	"context"
	"crypto/rand"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
)

// TestLoad10000Fetches is issue #4's load test: 10,000 complete
// new-session fetches (a fresh client, so a full handshake each) from 32
// concurrent clients against `serve` on loopback must all succeed, within a
// bound (≈2 s here, ≈10 s under the race detector).
func TestLoad10000Fetches(t *testing.T) {
	n, conc := 10000, 32
	d := servePoolWith(t, "CONDOR_AUTH_TOKEN_REQUEST_RATE = -1\n")
	d.start(t)
	defer d.stop(t)
	cfg, err := config.Load(config.Options{Subsystem: "TOOL", ConfigFile: d.cfgPath(), Env: []string{}})
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	var next, errs atomic.Int64
	var firstErr sync.Once
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) && ctx.Err() == nil {
				c, err := client.New(client.Options{Config: cfg, Uid: os.Getuid(), Euid: os.Geteuid(), Home: home, Now: time.Now, Rand: rand.Reader})
				if err == nil {
					_, err = c.GetSessionToken(ctx, client.Target{Timeout: 30 * time.Second}, nil, 0, "")
				}
				if err != nil {
					errs.Add(1)
					firstErr.Do(func() { t.Errorf("first failure: %v", err) })
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if ctx.Err() != nil {
		t.Fatalf("did not finish %d fetches within the bound", n)
	}
	if e := errs.Load(); e != 0 {
		t.Fatalf("%d of %d fetches failed", e, n)
	}
	t.Logf("%d new-session fetches, %d concurrent: %v, %.0f/s", n, conc, elapsed.Round(time.Millisecond), float64(n)/elapsed.Seconds())
}
