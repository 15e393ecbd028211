package tokenreq

import (
	"net"
	"sync"
	"time"
)

// Rate-limit defaults. HTCondor meant to allow 10 FINISH requests per
// second in total (g_request_limit(10)) but its limiter never fires
// (tokens.md §11 item 2); condor-auth limits each peer instead.
const (
	// DefaultRatePerPeer is the sustained START+FINISH rate per peer, per
	// second (HTCondor's intended 10).
	DefaultRatePerPeer = 10.0
	// DefaultBurst is how many requests a peer may send at once; a tool
	// polls every 5 s, a daemon queues one request per missing permission.
	DefaultBurst = 50
	// maxPeers bounds the limiter's memory. When this many peers are
	// active at once (none has a full bucket), new peers are refused until
	// some bucket refills.
	maxPeers = 1 << 16
)

// rateLimiter is a token bucket per peer: each START or FINISH takes one
// token; a bucket holds at most burst tokens and refills at rate per
// second. IPv4 peers are keyed by address, IPv6 peers by their /64 (one
// host usually owns a whole /64, so per-address buckets would be free to
// multiply). A bucket that has refilled completely is indistinguishable
// from a new one and is dropped, which keeps the map small.
type rateLimiter struct {
	mu      sync.Mutex
	rate    float64 // tokens per second; ≤ 0: unlimited
	burst   float64
	buckets map[string]*bucket
	// sweepAt is the map size at which idle buckets are next swept;
	// lastSweep limits full-table sweeps to one a second once the table
	// is at maxPeers.
	sweepAt   int
	lastSweep time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(rate float64, burst int) *rateLimiter {
	l := &rateLimiter{buckets: map[string]*bucket{}}
	l.configure(rate, burst)
	return l
}

// configure sets the rate and burst (see Knobs) and forgets all buckets.
func (l *rateLimiter) configure(rate float64, burst int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch {
	case rate == 0:
		rate = DefaultRatePerPeer
	case rate < 0:
		rate = 0
	}
	if burst <= 0 {
		burst = DefaultBurst
	}
	l.rate, l.burst = rate, float64(burst)
	l.buckets = map[string]*bucket{}
	l.sweepAt = 1024
}

func peerKey(ip net.IP) string {
	if ip == nil {
		return ""
	}
	if v4 := ip.To4(); v4 != nil {
		return string(v4)
	}
	if v6 := ip.To16(); v6 != nil {
		return string(v6[:8])
	}
	return string(ip)
}

// allow takes one token from peer's bucket at now and reports whether
// there was one.
func (l *rateLimiter) allow(peer net.IP, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return true
	}
	key := peerKey(peer)
	b := l.buckets[key]
	if b == nil {
		if n := len(l.buckets); n >= l.sweepAt && (n < maxPeers || now.Sub(l.lastSweep) >= time.Second) {
			l.sweep(now)
		}
		if len(l.buckets) >= maxPeers {
			return false
		}
		b = &bucket{tokens: l.burst, last: now}
		l.buckets[key] = b
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *rateLimiter) refill(b *bucket, now time.Time) {
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.rate)
		b.last = now
	} else if el < 0 {
		b.last = now // the clock went back: restart the interval
	}
}

// sweep drops every bucket that has refilled completely. The next sweep
// happens when the map has doubled (at most maxPeers), so sweeping costs
// O(1) amortised.
func (l *rateLimiter) sweep(now time.Time) {
	for k, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, k)
		}
	}
	l.sweepAt = min(max(1024, 2*len(l.buckets)), maxPeers)
	l.lastSweep = now
}

// size returns the number of tracked peers (for tests).
func (l *rateLimiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}
