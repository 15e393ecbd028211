package client

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// encode returns the bytes put writes on a plaintext stream.
func encode(put func(s *cedar.Stream) error) ([]byte, bool) {
	fc := &fakeConn{r: bytes.NewReader(nil)}
	s, err := cedar.NewStream(fc, nil)
	if err != nil {
		return nil, false
	}
	if err := put(s); err != nil {
		return nil, false
	}
	return fc.written(), true
}

// FuzzReplyAd feeds arbitrary daemon replies to every typed call: the ad
// text (one "Name = expr" per line) as the one-ad reply, as every entry
// of a request list (then the Owner = 0 terminator), behind the STORE_CRED
// result int, and the raw bytes alone as the whole reply. No input may make
// a call panic or hang.
func FuzzReplyAd(f *testing.F) {
	for _, seed := range []string{
		`Token = "a.b.c"`,
		"ErrorString = \"Request has expired.\"\nErrorCode = 5",
		"ErrorString = \"x\"\nErrorCode = 99999999999",
		`RequestId = "0001234"`,
		"RequestId = \"1\"\nToken = \"t\"",
		"Owner = 0\nErrorCode = 2\nErrorString = \"Unable to convert request ID to integer.\"",
		"Owner = 0\nErrorCode = \"2\"",
		"ErrorCode = 0",
		"ErrorCode = 1.5",
		`Token = strcat("a", "b")`,
		"ErrorCode = 1/0\nErrorString = undefined",
		`fully_qualified_user = "condor@example.net"`,
		"Token = ErrorString\nErrorString = Token",
		"Owner = Owner",
	} {
		f.Add(seed, int64(1), []byte(nil))
	}
	reply, _ := encode(func(s *cedar.Stream) error {
		if err := s.PutAdLines([]string{`Token = "x"`}, "", ""); err != nil {
			return err
		}
		return s.EndOfMessage()
	})
	f.Add("", int64(0), reply)
	f.Add("ErrorCode = 0", int64(-1), []byte{1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1})

	cfg, _ := poolConfig(f)
	c, err := New(Options{Config: cfg, Sessions: security.NewSessionCache(0)})
	if err != nil {
		f.Fatal(err)
	}
	var current []byte
	c.h.open = func(context.Context, startSpec) (*conn, error) {
		fc := &fakeConn{r: bytes.NewReader(current)}
		s, err := cedar.NewStream(fc, &cedar.Config{MaxMessageSize: 1 << 20, MaxAdAttributes: 1000})
		if err != nil {
			return nil, err
		}
		return &conn{s: s, addr: "<127.0.0.1:9618>",
			res: &security.Result{Encrypted: true, TriedAuthentication: true, Method: "FS"}}, nil
	}

	f.Fuzz(func(t *testing.T, text string, code int64, raw []byte) {
		lines := strings.Split(text, "\n")
		putAd := func(s *cedar.Stream, ls []string) error { return s.PutAdLines(ls, "", "") }
		var streams [][]byte
		if b, ok := encode(func(s *cedar.Stream) error {
			for i := 0; i < 2; i++ {
				if err := putAd(s, lines); err != nil {
					return err
				}
				if err := s.EndOfMessage(); err != nil {
					return err
				}
			}
			if err := putAd(s, []string{"Owner = 0"}); err != nil {
				return err
			}
			return s.EndOfMessage()
		}); ok {
			streams = append(streams, append(b, raw...))
		}
		if b, ok := encode(func(s *cedar.Stream) error {
			if err := s.PutInt(code); err != nil {
				return err
			}
			if err := putAd(s, lines); err != nil {
				return err
			}
			return s.EndOfMessage()
		}); ok {
			streams = append(streams, append(b, raw...))
		}
		streams = append(streams, raw)

		ctx := context.Background()
		tg := Target{Name: "<127.0.0.1:9618>"}
		for _, st := range streams {
			current = st
			_, _ = c.GetSessionToken(ctx, tg, []string{"READ"}, 60, "")
			_, _ = c.StartTokenRequest(ctx, tg, "a@b", nil, 0, "id")
			_, _ = c.FinishTokenRequest(ctx, tg, "1", "id")
			_, _ = c.ListTokenRequests(ctx, tg, "")
			_ = c.ApproveTokenRequest(ctx, tg, "1", "id")
			_ = c.AutoApproveTokenRequests(ctx, tg, "*", 60)
			_, _ = c.StoreCred(ctx, tg, StoreCredRequest{Mode: 42, Ad: map[string]any{"service": "s"}})
			_, _ = c.StoreCred(ctx, tg, StoreCredRequest{User: "a@b", Password: "p", Mode: 100})
			_, _ = c.StoreCred(ctx, tg, StoreCredRequest{User: "condor_pool@b", Password: "p", Mode: 100, PoolCred: true})
		}
	})
}

// BenchmarkGetSessionToken measures condor_token_fetch against the fake
// daemon over loopback: with the session resumed (the steady state of one
// process) and with a new session (FS authentication, ECDH) every time.
func BenchmarkGetSessionToken(b *testing.B) {
	var f *fakeServer
	f = startFake(b, fakeOptions{handlers: map[int]daemon.Handler{
		CmdGetSessionToken: func(ctx context.Context, r *daemon.Request) error {
			return f.replyAds(`Token = "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.e30.sig"`)(ctx, r)
		},
	}})
	ctx := context.Background()
	tg := Target{Name: f.addr}
	for _, resumed := range []bool{true, false} {
		name := "new-session"
		if resumed {
			name = "resumed"
		}
		b.Run(name, func(b *testing.B) {
			c := fakeClient(b, f)
			if _, err := c.GetSessionToken(ctx, tg, nil, 0, ""); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if !resumed {
					c.sessions = security.NewSessionCache(0)
				}
				if _, err := c.GetSessionToken(ctx, tg, []string{"READ"}, 600, ""); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
