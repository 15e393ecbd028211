package tokenreq

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// t0 is the clock of the token_request_approve.json capture.
var t0 = time.Unix(1795640663, 0)

func at(sec int64) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

// fakeSigner mints predictable tokens and records its calls.
type fakeSigner struct {
	mu      sync.Mutex
	keyErr  error
	signErr error
	empty   bool
	n       int
	calls   []signCall
}

type signCall struct {
	Identity string
	Authz    []string
	Lifetime int64
}

func (f *fakeSigner) CheckKey() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.keyErr
}

func (f *fakeSigner) Sign(identity string, authz []string, lifetime int64) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.signErr != nil {
		return "", f.signErr
	}
	f.calls = append(f.calls, signCall{identity, append([]string(nil), authz...), lifetime})
	if f.empty {
		return "", nil
	}
	f.n++
	return fmt.Sprintf("tok%d.%s.%s.%d", f.n, identity, strings.Join(authz, ","), lifetime), nil
}

func (f *fakeSigner) lastCall() signCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.calls) == 0 {
		return signCall{}
	}
	return f.calls[len(f.calls)-1]
}

// idReader yields the given values as 8-byte big-endian draws, then fails.
type idReader struct {
	mu   sync.Mutex
	vals []uint64
}

func ids(v ...uint64) *idReader { return &idReader{vals: v} }

func (r *idReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.vals) == 0 {
		return 0, io.ErrUnexpectedEOF
	}
	if len(p) < 8 {
		return 0, errors.New("short read buffer")
	}
	binary.BigEndian.PutUint64(p, r.vals[0])
	r.vals = r.vals[1:]
	return 8, nil
}

// Callers.
var (
	localhost = net.ParseIP("127.0.0.1")
	// requester is a tool authenticated over an encrypted session.
	requester = Caller{FQU: "condor@example.net", Peer: localhost, Authenticated: true, Encrypted: true}
	admin     = Caller{FQU: "condor@example.net", IsAdmin: true, Peer: localhost, Authenticated: true, Encrypted: true}
)

func user(fqu string) Caller {
	return Caller{FQU: fqu, Peer: localhost, Authenticated: true, Encrypted: true}
}

func from(c Caller, ip string) Caller {
	c.Peer = net.ParseIP(ip)
	return c
}

func openMem(t testing.TB, o Options) *Store {
	t.Helper()
	s, err := Open(o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func openFile(t testing.TB, o Options) (*Store, string) {
	t.Helper()
	if o.Path == "" {
		o.Path = filepath.Join(t.TempDir(), "state", "token_requests.json")
	}
	return openMem(t, o), o.Path
}

// wantErr checks that err is an *Error with the given ErrorCode and
// ErrorString.
func wantErr(t testing.TB, err error, code int, msg string) {
	t.Helper()
	e, ok := AsError(err)
	if !ok {
		t.Fatalf("error = %v (%T), want *Error %d %q", err, err, code, msg)
	}
	if e.Code != code || e.Message != msg {
		t.Fatalf("error = (%d, %q), want (%d, %q)", e.Code, e.Message, code, msg)
	}
}

func noErr(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// start queues a request for identity with the given authz and lifetime.
func start(t testing.TB, s *Store, now time.Time, c Caller, identity string, authz []string, lifetime int64, clientID string) string {
	t.Helper()
	res, err := s.Start(now, c, StartRequest{RequestedIdentity: identity, Authz: authz, Lifetime: lifetime, ClientID: clientID}, &fakeSigner{})
	noErr(t, err)
	if res.Token != "" || len(res.RequestID) != 7 {
		t.Fatalf("Start = %+v, want a pending request", res)
	}
	return res.RequestID
}

// render prints attributes the way the transcripts' decoder shows a ClassAd.
func render(attrs []Attr) []string {
	out := make([]string, len(attrs))
	for i, a := range attrs {
		switch v := a.Value.(type) {
		case string:
			out[i] = fmt.Sprintf("%s = \"%s\"", a.Name, v)
		case int64:
			out[i] = fmt.Sprintf("%s = %d", a.Name, v)
		default:
			out[i] = fmt.Sprintf("%s = <%T>", a.Name, v)
		}
	}
	return out
}

func listIDs(t testing.TB, s *Store, now time.Time, c Caller, filter string) []string {
	t.Helper()
	reqs, err := s.List(now, c, filter)
	noErr(t, err)
	out := []string{}
	for _, r := range reqs {
		out = append(out, r.ID)
	}
	return out
}
