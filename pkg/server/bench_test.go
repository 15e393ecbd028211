package server

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
)

// BenchmarkFetch measures complete new-session DC_GET_SESSION_TOKEN
// commands (TCP connect, ECDH, TOKEN authentication, AES, one token
// minted) from 32 concurrent clients, and reports fetches per second.
func BenchmarkFetch(b *testing.B) {
	f := newFixture(b, "")
	b.SetParallelism(max(1, 32/runtime.GOMAXPROCS(0)))
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		c := f.tokenClient(b, alice, nil, -1)
		for pb.Next() {
			rep, err := f.call(b, c, cmdGetSessionToken, ad(b))
			if err != nil {
				b.Error(err)
				return
			}
			if !rep.Has(attrToken) {
				b.Errorf("no token: %s", rep)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "fetches/s")
}

// TestMemoryWithPendingRequests reports the daemon's resident set size
// and Go heap after 1,000 pending token requests (run with -v to see it).
func TestMemoryWithPendingRequests(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("1,000 requests; memory figures are meaningless under -race")
	}
	f := newFixture(t, "")
	// One client with a session cache: the requests resume one session,
	// as the real request tool's polls do.
	c := f.tokenClient(t, alice, nil, -1)
	c.Sessions = security.NewSessionCache(0)
	before := memory()
	const n = 1000
	for i := 0; i < n; i++ {
		f.startRequest(t, c, fmt.Sprintf("user%d@example.net", i), fmt.Sprintf("client-%d", i), "READ", 600)
	}
	after := memory()
	ads, _, err := f.list(t, f.tokenClient(t, admin, nil, -1), "")
	if err != nil || len(ads) != n {
		t.Fatalf("LIST: %d ads, %v", len(ads), err)
	}
	t.Logf("with %d pending requests: RSS %s (was %s), heap in use %s (was %s)", n,
		mib(after.rss), mib(before.rss), mib(after.heap), mib(before.heap))
}

type memStats struct{ rss, heap uint64 }

// memory returns the process's resident set size (from /proc, 0 where
// unavailable) and the Go heap in use after a collection.
func memory() memStats {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := memStats{heap: ms.HeapInuse}
	if data, err := os.ReadFile("/proc/self/status"); err == nil {
		for _, l := range strings.Split(string(data), "\n") {
			if rest, ok := strings.CutPrefix(l, "VmRSS:"); ok {
				if kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64); err == nil {
					m.rss = kb * 1024
				}
			}
		}
	}
	return m
}

func mib(b uint64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
