package tokenreq

import (
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// FuzzLoadState feeds arbitrary bytes to the state-file decoder: it must
// return an error or a state that is valid, and a valid state must survive
// an encode/decode round trip unchanged.
func FuzzLoadState(f *testing.F) {
	f.Add([]byte(validFile))
	f.Add([]byte(`{"format":"condor-auth token requests","version":1,"requests":[],"rules":[]}`))
	f.Add([]byte(`{"format":"condor-auth token requests","version":1,"requests":null,"rules":null}`))
	f.Add([]byte(`{"format":"condor-auth token requests","version":1,"requests":[{"id":"0642594","client_id":"vm-755","requester":"condor@htc.local","requested":"alice@htc.local","peer":"127.0.0.1","authz":["READ","WRITE"],"lifetime":3600,"time":1795639340,"state":"pending"}],"rules":[{"netblock":"192.168.*","issued":1795640000,"expires":1795640600}]}`))
	f.Add([]byte(`{"format":"condor-auth token requests","version":1,"requests":[{"id":"0000001","client_id":{"base64":"AP8="},"requester":"r","requested":"q","peer":"","lifetime":-1,"time":9223372036854775807,"state":"successful","token":"\u00ff"}]}`))
	f.Add([]byte(`{"format":"condor-auth token requests","version":2}`))
	f.Add([]byte(validFile[:100]))
	f.Add([]byte("null"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		st, err := decodeState(data)
		if err != nil {
			if st != nil {
				t.Fatal("state returned with an error")
			}
			return
		}
		for id, rec := range st.reqs {
			if id < 0 || id >= maxID || rec.id != id || rec.clientID == "" || rec.requested == "" ||
				rec.requester == "" || rec.lifetime < -1 || rec.time < 0 ||
				(rec.state == Successful) != (rec.token != "") || rec.state < Pending || rec.state > Expired {
				t.Fatalf("invalid record accepted: %+v", rec)
			}
		}
		for _, r := range st.rules {
			if r.expires < r.issued {
				t.Fatalf("invalid rule accepted: %+v", r)
			}
		}
		enc, err := encodeState(st)
		if err != nil {
			t.Fatalf("encode: %v", err)
		}
		back, err := decodeState(enc)
		if err != nil {
			t.Fatalf("re-decode of %s: %v", enc, err)
		}
		if diff := cmp.Diff(st, back, cmp.AllowUnexported(state{}, record{}, rule{}, netblock{}),
			cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		// Every operation must cope with whatever was loaded.
		s := &Store{st: st, k: Knobs{}.normalize(), rand: ids(1, 2, 3), rl: newRateLimiter(-1, 0)}
		for _, now := range []int64{0, 1795640663, 1 << 62} {
			reqs, _ := s.List(unix(now), admin, "")
			for _, r := range reqs {
				_ = r.AdAttrs()
				_, _ = s.Finish(unix(now), requester, r.ID, r.ClientID)
			}
			_, _ = s.AutoApprove(unix(now), admin, "*", 60, &fakeSigner{})
			_ = s.Cleanup(unix(now))
		}
	})
}

// FuzzNetblock parses client-supplied netblocks: no panics, and valid
// ones match consistently with their prefix.
func FuzzNetblock(f *testing.F) {
	for _, s := range []string{"*", "*/*", "127.0.0.1/32", "10.0.0.0/255.0.0.0", "192.168.*", "192.168.", "10",
		"::1", "[::1]/128", "2001:db8:*", "2001:db8::/9999", "1.2.3.4/", "fe80::1%lo", "1..", ".*", "0.0.0.0/0"} {
		f.Add(s, "127.0.0.1")
		f.Add(s, "2001:db8::1")
	}
	f.Fuzz(func(t *testing.T, nb, peer string) {
		n, ok := parseNetblock(nb)
		if !ok {
			if n != (netblock{}) {
				t.Fatal("netblock returned with failure")
			}
			return
		}
		got := n.match(peer)
		a, ok := parseIP(peer)
		if want := ok && (n.all || n.prefix.Contains(a.Unmap())); got != want {
			t.Fatalf("%q match %q = %v, want %v", nb, peer, got, want)
		}
		if !n.all && n.prefix.Bits() > n.prefix.Addr().BitLen() {
			t.Fatalf("%q: prefix %v", nb, n.prefix)
		}
	})
}

// FuzzRequestID compares parseRequestID with a straightforward reading of
// strtoll + at_end + the C int range.
func FuzzRequestID(f *testing.F) {
	for _, s := range []string{"0642594", "642594", " +1", "-0", "1 ", "", " ", "+", "2147483647", "2147483648", "-2147483648", "0x10", "1e3", "\v\f\r9", "١٢"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseRequestID(s)
		// C isspace, then one optional sign and decimal digits only.
		v, err := strconv.ParseInt(strings.TrimLeft(s, " \t\n\v\f\r"), 10, 32)
		want := err == nil
		if ok != want || (ok && int64(got) != v) {
			t.Fatalf("parseRequestID(%q) = %d, %v; want %d, %v", s, got, ok, v, want)
		}
	})
}

func unix(sec int64) time.Time { return time.Unix(sec, 0) }
