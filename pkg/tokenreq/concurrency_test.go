package tokenreq

import (
	"fmt"
	"net"
	"sync"
	"testing"
	"time"
)

// TestConcurrentFlow runs requesters, pollers and approvers at once against
// a persistent store (run it with -race). Every request must end with
// exactly one token handed to its own requester, and the state file must
// end empty.
func TestConcurrentFlow(t *testing.T) {
	s, path := openFile(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	signer := &fakeSigner{}
	const requesters = 24
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		tokens = map[string]string{} // request id → token
	)
	done := make(chan struct{})
	for i := range requesters {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := from(requester, fmt.Sprintf("10.0.%d.1", i))
			client := fmt.Sprintf("vm-%d", i)
			res, err := s.Start(t0, c, StartRequest{RequestedIdentity: fmt.Sprintf("user%d@x", i), Authz: []string{"READ"}, Lifetime: 60, ClientID: client}, signer)
			if err != nil || res.RequestID == "" || res.Token != "" {
				t.Errorf("Start = %+v, %v", res, err)
				return
			}
			id := res.RequestID
			for {
				tok, err := s.Finish(t0, c, id, client)
				if err != nil {
					t.Errorf("Finish %s: %v", id, err)
					return
				}
				if tok != "" {
					mu.Lock()
					tokens[id] = tok
					mu.Unlock()
					return
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	// Approvers race each other: each request is approved exactly once.
	var approvals sync.Map
	var awg sync.WaitGroup
	for range 3 {
		awg.Add(1)
		go func() {
			defer awg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				reqs, err := s.List(t0, admin, "")
				if err != nil {
					t.Error(err)
					return
				}
				for _, r := range reqs {
					err := s.Approve(t0, admin, r.ID, r.ClientID, signer)
					if err == nil {
						if _, dup := approvals.LoadOrStore(r.ID, true); dup {
							t.Errorf("request %s approved twice", r.ID)
						}
						continue
					}
					if e, ok := AsError(err); !ok || e.Code != 5 {
						t.Errorf("Approve %s: %v", r.ID, err)
					}
				}
				time.Sleep(time.Millisecond)
			}
		}()
	}
	wg.Wait()
	close(done)
	awg.Wait()

	if len(tokens) != requesters {
		t.Fatalf("%d tokens for %d requests", len(tokens), requesters)
	}
	seen := map[string]bool{}
	for id, tok := range tokens {
		if seen[tok] {
			t.Fatalf("token of %s handed out twice", id)
		}
		seen[tok] = true
	}
	if st := mustLoad(t, path); len(st.reqs) != 0 {
		t.Fatalf("%d requests left in the state file", len(st.reqs))
	}
}

// TestConcurrentAutoApproveAndReconfig mixes rule changes, reconfigs,
// cleanups and rate-limited requests; it checks only for races and that
// every error is a well-formed reply.
func TestConcurrentAutoApproveAndReconfig(t *testing.T) {
	s, _ := openFile(t, Options{Knobs: Knobs{RatePerPeer: 50, Burst: 5}})
	signer := &fakeSigner{}
	var wg sync.WaitGroup
	check := func(err error) {
		if err == nil {
			return
		}
		if e, ok := AsError(err); !ok || e.Message == "" {
			t.Errorf("malformed error %v", err)
		}
	}
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := Caller{FQU: "condor@x", Peer: net.IPv4(192, 0, 2, byte(i)), Authenticated: true, Encrypted: true}
			for j := range 40 {
				now := at(int64(j))
				res, err := s.Start(now, c, daemonReq("ADVERTISE_STARTD"), signer)
				check(err)
				if res.RequestID != "" && res.Token == "" {
					_, err := s.Finish(now, c, res.RequestID, "STARTD-vm-123")
					check(err)
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for j := range 20 {
			_, err := s.AutoApprove(at(int64(j)), admin, "192.0.2.0/24", 30, signer)
			check(err)
			if j%5 == 4 {
				check(s.Reconfig(at(int64(j))))
			}
			check(s.Cleanup(at(int64(j))))
			s.SetKnobs(Knobs{RatePerPeer: 50, Burst: 5})
		}
	}()
	wg.Wait()
}
