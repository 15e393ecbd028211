package tokenreq

import (
	"encoding/binary"
	"net"
	"testing"
	"time"
)

func TestRateLimitPerPeer(t *testing.T) {
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: 1, Burst: 3}})
	id := start(t, s, t0, requester, "a@x", nil, -1, "c") // takes one token
	poll := func(c Caller, now time.Time) error {
		_, err := s.Finish(now, c, id, "c")
		return err
	}
	// Two more from 127.0.0.1 fit in the burst, the next is refused.
	noErr(t, poll(requester, t0))
	noErr(t, poll(requester, t0))
	wantErr(t, poll(requester, t0), 5, "Request rate limit hit.")
	_, err := s.Start(t0, requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c"}, &fakeSigner{})
	wantErr(t, err, 5, "Request rate limit hit.")
	// Another peer has its own bucket.
	noErr(t, poll(from(requester, "127.0.0.2"), t0))
	// The bucket refills at the rate: one more after a second, not before.
	wantErr(t, poll(requester, t0.Add(999*time.Millisecond)), 5, "Request rate limit hit.")
	noErr(t, poll(requester, at(1)))
	wantErr(t, poll(requester, at(1)), 5, "Request rate limit hit.")
	// A full refill, but never beyond the burst.
	for range 3 {
		noErr(t, poll(requester, at(100)))
	}
	wantErr(t, poll(requester, at(100)), 5, "Request rate limit hit.")
	// A clock going backwards does not mint tokens.
	wantErr(t, poll(requester, at(50)), 5, "Request rate limit hit.")
	wantErr(t, poll(requester, at(50)), 5, "Request rate limit hit.")
	noErr(t, poll(requester, at(51)))
}

func TestRateLimitIPv6Prefix(t *testing.T) {
	l := newRateLimiter(1, 1)
	a, b, c := net.ParseIP("2001:db8:0:1::1"), net.ParseIP("2001:db8:0:1:ffff::2"), net.ParseIP("2001:db8:0:2::1")
	if !l.allow(a, t0) {
		t.Fatal("first request refused")
	}
	if l.allow(b, t0) {
		t.Fatal("another address of the same /64 has its own bucket")
	}
	if !l.allow(c, t0) {
		t.Fatal("another /64 shares the bucket")
	}
	// IPv4 in either form is the same peer; unknown peers share one bucket.
	if !l.allow(net.ParseIP("10.0.0.1"), t0) || l.allow(net.IP{10, 0, 0, 1}, t0) {
		t.Fatal("IPv4 forms are different peers")
	}
	if !l.allow(nil, t0) || l.allow(nil, t0) {
		t.Fatal("nil peers")
	}
}

func TestRateLimitDefaultsAndOff(t *testing.T) {
	l := newRateLimiter(0, 0)
	for i := range DefaultBurst {
		if !l.allow(localhost, t0) {
			t.Fatalf("request %d of the default burst refused", i+1)
		}
	}
	if l.allow(localhost, t0) {
		t.Fatal("default burst exceeded")
	}
	if !l.allow(localhost, t0.Add(time.Second/DefaultRatePerPeer)) {
		t.Fatal("default rate does not refill")
	}
	l = newRateLimiter(-1, 0)
	for range 10_000 {
		if !l.allow(localhost, t0) {
			t.Fatal("disabled limiter refused")
		}
	}
	if l.size() != 0 {
		t.Fatal("disabled limiter tracks peers")
	}
}

func TestRateLimitMemoryBound(t *testing.T) {
	l := newRateLimiter(1, 2)
	ip := func(i int) net.IP {
		b := make(net.IP, 4)
		binary.BigEndian.PutUint32(b, uint32(0x0a000000+i))
		return b
	}
	for i := range maxPeers {
		if !l.allow(ip(i), t0) {
			t.Fatalf("peer %d refused", i)
		}
	}
	if l.size() != maxPeers {
		t.Fatalf("tracking %d peers", l.size())
	}
	// Every tracked peer is active: a new one is refused rather than
	// growing the table...
	if l.allow(ip(maxPeers), t0) {
		t.Fatal("table grew beyond maxPeers")
	}
	// ...known peers still have their tokens...
	if !l.allow(ip(0), t0) {
		t.Fatal("known peer refused")
	}
	// ...and once the buckets have refilled they are dropped.
	if !l.allow(ip(maxPeers), at(2)) {
		t.Fatal("new peer refused after the buckets refilled")
	}
	if n := l.size(); n != 1 {
		t.Fatalf("%d peers tracked after the sweep, want 1", n)
	}
	// Cleanup sweeps too.
	s := openMem(t, Options{Knobs: Knobs{RatePerPeer: 1, Burst: 2}})
	for i := range 10 {
		s.rl.allow(ip(i), t0)
	}
	noErr(t, s.Cleanup(at(10)))
	if n := s.rl.size(); n != 0 {
		t.Fatalf("%d idle peers after Cleanup", n)
	}
}
