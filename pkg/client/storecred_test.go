package client

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// STORE_CRED and STORE_POOL_CRED against the fake daemon (credentials.md
// §5.1–§5.4).

// credRequest is what a credential handler received.
type credRequest struct {
	cmd        int
	user, pw   string
	mode, clen int64
	cred       string
	ad         string
}

// credDaemon answers STORE_CRED and STORE_POOL_CRED with code and, for the
// modern form, the ad text reply ("" sends none).
type credDaemon struct {
	mu    sync.Mutex
	got   []credRequest
	code  int64
	reply string
}

func (d *credDaemon) handler(cmd int) daemon.Handler {
	return func(_ context.Context, r *daemon.Request) error {
		s := r.Stream
		var req credRequest
		req.cmd = cmd
		var err error
		if req.user, _, err = s.GetString(); err != nil {
			return err
		}
		if req.pw, _, err = s.GetString(); err != nil {
			return err
		}
		modern := false
		if cmd == CmdStoreCred {
			if req.mode, err = s.GetInt(); err != nil {
				return err
			}
			if req.mode&flagLegacy == 0 {
				modern = true
				if req.clen, err = s.GetInt(); err != nil {
					return err
				}
				if req.clen > 0 {
					b, err := s.GetBytes(int(req.clen))
					if err != nil {
						return err
					}
					req.cred = string(b)
				}
				ad, err := getAd(s)
				if err != nil {
					return err
				}
				req.ad = ad.UnparseOld(classad.FlatMapOrder)
			}
		}
		if err := s.EndOfMessage(); err != nil {
			return err
		}
		d.mu.Lock()
		d.got = append(d.got, req)
		d.mu.Unlock()
		if err := s.PutInt(d.code); err != nil {
			return err
		}
		if modern && d.reply != "-" {
			ad, err := classad.ParseOld(d.reply)
			if err != nil {
				return err
			}
			if err := s.PutAdLines(ad.AssignmentLines(classad.InsertionOrder), "", ""); err != nil {
				return err
			}
		}
		return s.EndOfMessage()
	}
}

func (d *credDaemon) requests() []credRequest {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]credRequest(nil), d.got...)
}

func startCredDaemon(t *testing.T, code int64, reply string, knobs ...string) (*fakeServer, *credDaemon) {
	d := &credDaemon{code: code, reply: reply}
	f := startFake(t, fakeOptions{knobs: knobs, handlers: map[int]daemon.Handler{
		CmdStoreCred: d.handler(CmdStoreCred), CmdStorePoolCred: d.handler(CmdStorePoolCred)}})
	return f, d
}

func TestStoreCred(t *testing.T) {
	const fqu = `fully_qualified_user = "root@example.net"`
	for _, tc := range []struct {
		name     string
		req      StoreCredRequest
		code     int64
		reply    string
		want     StoreCredReply // Ad compared as text
		wantAd   string
		wantSent []credRequest
	}{
		{name: "modern add", code: 1795640672, reply: fqu,
			req:  StoreCredRequest{Mode: 40, Cred: []byte("secret\x00bytes"), Ad: map[string]any{"service": "svc", "NeedRefresh": false, "handle": "h1"}},
			want: StoreCredReply{Code: 1795640672}, wantAd: fqu + "\n",
			wantSent: []credRequest{{cmd: 479, mode: 40, clen: 12, cred: "secret\x00bytes", ad: "handle = \"h1\"\nservice = \"svc\"\nNeedRefresh = false\n"}}},
		{name: "modern query, no options", code: 5, reply: fqu,
			req: StoreCredRequest{User: "alice@example.net", Mode: 38}, want: StoreCredReply{Code: 5}, wantAd: fqu + "\n",
			wantSent: []credRequest{{cmd: 479, user: "alice@example.net", mode: 38}}},
		{name: "legacy password add", code: 1,
			req:      StoreCredRequest{User: "alice@example.net", Password: "pw", Mode: 100},
			want:     StoreCredReply{Code: 1},
			wantSent: []credRequest{{cmd: 479, user: "alice@example.net", pw: "pw", mode: 100}}},
		{name: "pool password to the master", code: 1,
			req:      StoreCredRequest{User: "condor_pool@example.net", Password: "poolpw", Mode: 100, PoolCred: true},
			want:     StoreCredReply{Code: 1},
			wantSent: []credRequest{{cmd: 497, user: "example.net", pw: "poolpw"}}},
		{name: "pool password delete", code: 5,
			req:      StoreCredRequest{User: "condor_pool@example.net", Mode: 101, PoolCred: true},
			want:     StoreCredReply{Code: 5},
			wantSent: []credRequest{{cmd: 497, user: "example.net"}}},
		{name: "reply without ad", code: 1, reply: "-",
			req: StoreCredRequest{Mode: 42, Ad: map[string]any{"service": "svc"}}, want: StoreCredReply{Code: 9},
			wantSent: []credRequest{{cmd: 479, mode: 42, ad: "service = \"svc\"\n"}}},
		{name: "add without credential", req: StoreCredRequest{Mode: 40}, want: StoreCredReply{Code: 0}},
		{name: "user without domain", req: StoreCredRequest{User: "alice", Mode: 42}, want: StoreCredReply{Code: 0}},
		{name: "legacy with options", req: StoreCredRequest{Mode: 100, Ad: map[string]any{"x": "y"}}, want: StoreCredReply{Code: 8}},
		{name: "pool krb", req: StoreCredRequest{User: "condor_pool@x", Mode: 32, PoolCred: true}, want: StoreCredReply{Code: 8}},
		{name: "pool without domain", req: StoreCredRequest{User: "condor_pool", Mode: 100, PoolCred: true}, want: StoreCredReply{Code: 8}},
		{name: "bad option type", req: StoreCredRequest{Mode: 42, Ad: map[string]any{"x": []int{1}}}, want: StoreCredReply{Code: 8}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f, d := startCredDaemon(t, tc.code, tc.reply)
			c := fakeClient(t, f)
			got, err := c.StoreCred(context.Background(), Target{Name: f.addr}, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			gotAd := ""
			if got.Ad != nil {
				gotAd = got.Ad.String()
			}
			if got.Code != tc.want.Code || gotAd != tc.wantAd {
				t.Errorf("reply %d %q, want %d %q", got.Code, gotAd, tc.want.Code, tc.wantAd)
			}
			if d := cmp.Diff(tc.wantSent, d.requests(), cmp.AllowUnexported(credRequest{})); d != "" {
				t.Errorf("received (-want +got):\n%s", d)
			}
		})
	}
}

// Without an authenticated, encrypted channel nothing is sent:
// FAILURE_NOT_SECURE (credentials.md §5.4). Every authenticated session
// of this implementation is encrypted, so the insecure channel here is a
// raw command (SEC_CLIENT_NEGOTIATION = NEVER, cedar.md §4.13).
func TestStoreCredNotSecure(t *testing.T) {
	f, d := startCredDaemon(t, 1, "")
	c := fakeClient(t, f, "SEC_CLIENT_NEGOTIATION = NEVER", "SEC_DEFAULT_ENCRYPTION = OPTIONAL",
		"SEC_DEFAULT_INTEGRITY = OPTIONAL", "SEC_CLIENT_AUTHENTICATION = OPTIONAL")
	for _, req := range []StoreCredRequest{{Mode: 40, Cred: []byte("secret")}, {User: "condor_pool@x", Password: "pw", Mode: 100, PoolCred: true}} {
		got, err := c.StoreCred(context.Background(), Target{Name: f.addr}, req)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code != resultNotSecure || got.Ad != nil {
			t.Errorf("reply %+v, want code 4", got)
		}
	}
	if n := len(d.requests()); n != 0 {
		t.Errorf("the daemon received %d requests", n)
	}
}

func TestOptionsAd(t *testing.T) {
	ad, err := optionsAd(map[string]any{"service": "s", "NeedRefresh": true, "n": 3, "m": int64(-4), "r": 0.5})
	if err != nil {
		t.Fatal(err)
	}
	want := "m = -4\nn = 3\nr = 0.5\nservice = \"s\"\nNeedRefresh = true\n"
	if got := ad.UnparseOld(classad.FlatMapOrder); got != want {
		t.Errorf("%q, want %q", got, want)
	}
	if _, err := optionsAd(map[string]any{"bad=name": "x"}); err == nil {
		t.Error("an invalid attribute name was accepted")
	}
	if _, err := optionsAd(map[string]any{"x": struct{}{}}); err == nil {
		t.Error(fmt.Sprintf("%T accepted", struct{}{}))
	}
}
