package tokenreq

import (
	"fmt"
	"path/filepath"
	"runtime"
	"testing"
)

// BenchmarkStartApproveFinish measures one whole request: queue, approve,
// collect (three state-file writes with a file), with an empty queue and
// with 1000 requests already pending.
func BenchmarkStartApproveFinish(b *testing.B) {
	for _, file := range []bool{false, true} {
		for _, backlog := range []int{0, 999} {
			b.Run(fmt.Sprintf("file=%v/pending=%d", file, backlog), func(b *testing.B) {
				opts := Options{Knobs: Knobs{RatePerPeer: -1, MaxPending: backlog + 1}}
				if file {
					opts.Path = filepath.Join(b.TempDir(), "state.json")
				}
				s := openMem(b, opts)
				signer := &fakeSigner{}
				for range backlog {
					start(b, s, t0, requester, "someone@x", []string{"READ"}, 600, "vm-1")
				}
				b.ResetTimer()
				for range b.N {
					res, err := s.Start(t0, requester, StartRequest{RequestedIdentity: "alice@x", Authz: []string{"READ"}, Lifetime: 600, ClientID: "vm-2"}, signer)
					if err != nil {
						b.Fatal(err)
					}
					if err := s.Approve(t0, admin, res.RequestID, "vm-2", signer); err != nil {
						b.Fatal(err)
					}
					if tok, err := s.Finish(t0, requester, res.RequestID, "vm-2"); err != nil || tok == "" {
						b.Fatal(tok, err)
					}
				}
			})
		}
	}
}

// BenchmarkPoll measures a FINISH on a pending request (the 5-second poll),
// which never waits for a write.
func BenchmarkPoll(b *testing.B) {
	s, _ := openFile(b, Options{Knobs: Knobs{RatePerPeer: -1}})
	id := start(b, s, t0, requester, "alice@x", nil, -1, "vm-1")
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if tok, err := s.Finish(t0, requester, id, "vm-1"); err != nil || tok != "" {
				b.Fatal(tok, err)
			}
		}
	})
}

// BenchmarkPendingMemory reports the heap held by 1000 pending requests
// (the default MaxPending) with typical attribute sizes, averaged over b.N
// stores kept alive together, and the size of their state file.
func BenchmarkPendingMemory(b *testing.B) {
	stores := make([]*Store, 0, b.N)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range b.N {
		s, err := Open(Options{Knobs: Knobs{RatePerPeer: -1}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range DefaultMaxPending {
			_, err := s.Start(t0, requester, StartRequest{
				RequestedIdentity: fmt.Sprintf("user%04d@htc.local", i), Authz: []string{"READ", "WRITE"},
				Lifetime: 3600, ClientID: fmt.Sprintf("submit.htc.local-%d", i%1000)}, &fakeSigner{})
			if err != nil {
				b.Fatal(err)
			}
		}
		stores = append(stores, s)
	}
	b.StopTimer()
	runtime.GC()
	runtime.ReadMemStats(&after)
	perStore := float64(after.HeapAlloc-before.HeapAlloc) / float64(b.N)
	b.ReportMetric(perStore, "heap-B/1000req")
	b.ReportMetric(perStore/DefaultMaxPending, "heap-B/req")
	data, _ := encodeState(stores[0].st)
	b.ReportMetric(float64(len(data)), "file-B/1000req")
	runtime.KeepAlive(stores)
}
