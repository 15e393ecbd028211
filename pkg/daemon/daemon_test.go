package daemon

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/google/go-cmp/cmp"
)

func TestServeEcho(t *testing.T) {
	f := start(t, nil)
	got, err := call(t, client(t, "CLAIMTOBE"), f.addr, cmdEcho, "hi")
	if err != nil || got != "hi@alice@example.net" {
		t.Fatalf("echo %q, %v", got, err)
	}
	e := f.waitLog(t, 1)[0]
	if e.Result != ResultAuthorized || e.Identity != "alice@example.net" || e.Method != "CLAIMTOBE" || e.Command != cmdEcho || e.Name != "DC_GET_SESSION_TOKEN" {
		t.Fatalf("log entry %+v", e)
	}
	line := e.String()
	for _, want := range []string{"cmd=60046(DC_GET_SESSION_TOKEN)", `user="alice@example.net"`, "method=CLAIMTOBE", "result=AUTHORIZED", `reason="DAEMON granted: ALLOW_DAEMON = *"`} {
		if !strings.Contains(line, want) {
			t.Errorf("log line %q lacks %q", line, want)
		}
	}
}

// TestAuthorization covers primary and alternate levels, DENY, and token
// scope bounding (tokens.md §1.3, §4.5).
func TestAuthorization(t *testing.T) {
	cases := []struct {
		name    string
		allowed []string
		limit   string
		cmd     int
		wantErr string
		reason  string
	}{
		{"primary", []string{"DAEMON"}, "", cmdEcho, "", "DAEMON granted"},
		{"alternate ALLOW", nil, "", cmdEcho, "", "the ALLOW level always passes"},
		{"denied", []string{"READ"}, "", cmdWrite, `SECMAN:2010:Received "DENIED" from server for user tok@example.net using method IDTOKENS.`, "WRITE denied: not in ALLOW_WRITE"},
		{"scope READ blocks WRITE", []string{"WRITE"}, "READ", cmdWrite, `SECMAN:2010:Received "DENIED" from server for user tok@example.net using method IDTOKENS.`, "limited to READ"},
		{"scope WRITE implies READ", []string{"READ"}, "condor:/bogus, WRITE", cmdRead, "", "READ granted"},
		{"scope ADMINISTRATOR implies WRITE", []string{"WRITE"}, "administrator", cmdWrite, "", "WRITE granted"},
		{"scope never blocks ALLOW alternates", nil, "READ", cmdEcho, "", "the ALLOW level always passes"},
		{"scope READ blocks ADMINISTRATOR", []string{"ADMINISTRATOR"}, "READ", cmdAdmin, `SECMAN:2010:Received "DENIED" from server for user tok@example.net using method IDTOKENS.`, "does not include ADMINISTRATOR"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := start(t, func(c *Config) {
				c.Authorizer = allowFrom(tc.allowed...)
				c.Security.Methods = []auth.Server{scopedServer{limit: tc.limit}}
			})
			_, err := call(t, client(t, "TOKEN", scopedClient{}), f.addr, tc.cmd, "x")
			if got := fmt.Sprint(err); tc.wantErr != "" && got != tc.wantErr || tc.wantErr == "" && err != nil {
				t.Fatalf("error %v, want %q", err, tc.wantErr)
			}
			e := f.waitLog(t, 1)[0]
			if !strings.Contains(e.Reason, tc.reason) {
				t.Errorf("reason %q lacks %q", e.Reason, tc.reason)
			}
			if tc.wantErr != "" && e.Result != ResultDenied {
				t.Errorf("result %s", e.Result)
			}
		})
	}
}

// TestStalledPeers: a client that connects and sends nothing, or stops in
// the middle of a packet, or never sends the payload, is cut off at the
// deadline; no goroutine is left behind.
func TestStalledPeers(t *testing.T) {
	before := runtime.NumGoroutine()
	f := start(t, func(c *Config) {
		c.HandshakeTimeout = 150 * time.Millisecond
		c.HandlerTimeout = 150 * time.Millisecond
	})
	dial := func() net.Conn {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	silent := dial()
	defer silent.Close()
	half := dial()
	defer half.Close()
	_, _ = half.Write([]byte{1, 0, 0, 0, 100, 0, 0}) // header of 100 bytes, 2 of them
	entries := f.waitLog(t, 2)
	for _, e := range entries {
		if e.Result != ResultError || e.Err == nil || !strings.Contains(e.Err.Error(), "timeout") {
			t.Errorf("stalled connection logged %+v", e)
		}
	}
	// The server closed both connections.
	for _, c := range []net.Conn{silent, half} {
		_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
		if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Errorf("stalled connection not closed: %v", err)
		}
	}

	// A handler waiting for a payload that never comes.
	ctx := context.Background()
	r, err := client(t, "CLAIMTOBE").Dial(ctx, "tcp", f.addr, security.Request{Command: cmdReadIn}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stream.Close()
	e := f.waitLog(t, 3)[2]
	if e.Result != ResultHandlerError || !strings.Contains(e.Err.Error(), "timeout") {
		t.Errorf("stalled handler logged %+v", e)
	}
	silent.Close()
	half.Close()
	r.Stream.Close()
	_ = f.srv.Close()
	settleGoroutines(t, before+1)
}

// TestBadPackets: oversize and truncated packets end the connection with
// a logged error, and the daemon keeps serving.
func TestBadPackets(t *testing.T) {
	f := start(t, func(c *Config) { c.Stream.MaxMessageSize = 4096 })
	send := func(b []byte) {
		c, err := net.Dial("tcp", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.Write(b)
		_ = c.(*net.TCPConn).CloseWrite()
		_, _ = io.Copy(io.Discard, c)
		c.Close()
	}
	hdr := func(end byte, n uint32) []byte {
		b := []byte{end, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], n)
		return b
	}
	send(append(hdr(1, 8192), make([]byte, 8192)...)) // over MaxMessageSize
	send(hdr(1, 2<<20))                               // over the 1 MiB CEDAR limit
	send(append(hdr(1, 100), 1, 2, 3))                // truncated
	send(hdr(0x42, 8))                                // bad end flag
	entries := f.waitLog(t, 4)
	for _, e := range entries {
		if e.Result != ResultError || e.Err == nil {
			t.Errorf("bad packet logged %+v", e)
		}
	}
	if got, err := call(t, client(t, "CLAIMTOBE"), f.addr, cmdEcho, "still"); err != nil || got != "still@alice@example.net" {
		t.Fatalf("after bad packets: %q, %v", got, err)
	}
}

// TestConcurrentHandshakes runs 200 handshakes at once against a server
// that handles at most 32 connections at a time.
func TestConcurrentHandshakes(t *testing.T) {
	f := start(t, func(c *Config) { c.MaxConnections = 32 })
	c := client(t, "CLAIMTOBE")
	const n = 200
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			msg := fmt.Sprint(i)
			got, err := call(t, c, f.addr, cmdEcho, msg)
			if err == nil && got != msg+"@alice@example.net" {
				err = fmt.Errorf("reply %q", got)
			}
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := len(f.waitLog(t, n)); got != n {
		t.Fatalf("%d log entries", got)
	}
}

// TestGracefulShutdown: Shutdown waits for a running handler; with an
// expired context it cancels the handler and returns the context error.
func TestGracefulShutdown(t *testing.T) {
	f := start(t, nil)
	ctx := context.Background()
	r, err := client(t, "CLAIMTOBE").Dial(ctx, "tcp", f.addr, security.Request{Command: cmdBlock}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stream.Close()
	done := make(chan error, 1)
	go func() { done <- f.srv.Shutdown(context.Background()) }()
	select {
	case err := <-done:
		t.Fatalf("Shutdown returned %v before the handler finished", err)
	case <-time.After(100 * time.Millisecond):
	}
	if _, err := net.DialTimeout("tcp", f.addr, time.Second); err == nil {
		t.Error("listener still accepting after Shutdown began")
	}
	close(f.release)
	if err := <-done; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if e := f.waitLog(t, 1)[0]; e.Result != ResultAuthorized || e.Command != cmdBlock {
		t.Errorf("log %+v", e)
	}

	// Forced: the context ends first.
	g := start(t, nil)
	r2, err := client(t, "CLAIMTOBE").Dial(ctx, "tcp", g.addr, security.Request{Command: cmdBlock}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Stream.Close()
	sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := g.srv.Shutdown(sctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("forced Shutdown: %v", err)
	}
	if e := g.waitLog(t, 1)[0]; e.Result != ResultHandlerError || !errors.Is(e.Err, context.Canceled) {
		t.Errorf("forced log %+v", e)
	}
}

func TestHandlerPanic(t *testing.T) {
	f := start(t, nil)
	r, err := client(t, "CLAIMTOBE").Dial(context.Background(), "tcp", f.addr, security.Request{Command: cmdPanic}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Stream.Close()
	if e := f.waitLog(t, 1)[0]; e.Result != ResultHandlerError || !strings.Contains(e.Err.Error(), "handler panic: boom") {
		t.Errorf("log %+v", e)
	}
	if _, err := call(t, client(t, "CLAIMTOBE"), f.addr, cmdEcho, "x"); err != nil {
		t.Fatal(err)
	}
}

// TestRejectedAndResumed: an unknown command is logged REJECTED; a second
// command resumes the session and is logged as resumed.
func TestRejectedAndResumed(t *testing.T) {
	f := start(t, nil)
	c := client(t, "CLAIMTOBE")
	if _, err := call(t, c, f.addr, 4711, "x"); !errors.Is(err, security.ErrCommandRejected) {
		t.Fatalf("unknown command: %v", err)
	}
	if e := f.waitLog(t, 1)[0]; e.Result != ResultRejected || e.Command != 4711 || !strings.Contains(e.Err.Error(), "command 4711 is not registered") {
		t.Errorf("log %+v", e)
	}
	c.Sessions = security.NewSessionCache(0)
	if _, err := call(t, c, f.addr, cmdEcho, "a"); err != nil {
		t.Fatal(err)
	}
	f.waitLog(t, 2) // entries are logged when the server side finishes
	if got, err := call(t, c, f.addr, cmdRead, "b"); err != nil || got != "b@alice@example.net" {
		t.Fatalf("resumed call %q %v", got, err)
	}
	e := f.waitLog(t, 3)[2]
	if !e.Resumed || e.Identity != "alice@example.net" || e.Session == "" {
		t.Errorf("resumed log %+v", e)
	}
	if f.srv.Sessions().Len() != 1 {
		t.Errorf("%d server sessions", f.srv.Sessions().Len())
	}
}

func TestTable(t *testing.T) {
	tab := NewTable()
	for _, c := range []Command{
		{Num: 1, Perm: "read", Handler: noop},
		{Num: 2, Perm: "WRITE", Handler: noop},
		{Num: 3, Perm: "DAEMON", AltPerms: []string{"allow"}, Handler: noop},
		{Num: 4, Perm: "DAEMON", ForceAuthentication: true, Handler: noop},
		{Num: 5, Perm: "ADMINISTRATOR", Handler: noop},
		{Num: 6, Perm: "ALLOW", Handler: noop},
	} {
		if err := tab.Register(c); err != nil {
			t.Fatal(err)
		}
	}
	for _, bad := range []Command{
		{Num: 1, Perm: "READ", Handler: noop},
		{Num: 9, Perm: "OWNERS", Handler: noop},
		{Num: 9, Perm: "READ", AltPerms: []string{"x"}, Handler: noop},
		{Num: 9, Perm: "READ"},
		{Num: security.DCSecQuery, Perm: "READ", Handler: noop},
	} {
		if err := tab.Register(bad); err == nil {
			t.Errorf("Register(%+v) accepted", bad)
		}
	}
	if d := cmp.Diff([]int{3, 4, 2, 1}, tab.ValidCommands("DAEMON", true)); d != "" {
		t.Errorf("ValidCommands(DAEMON, mapped) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{3, 2, 1}, tab.ValidCommands("DAEMON", false)); d != "" {
		t.Errorf("ValidCommands(DAEMON, unmapped) (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int{3, 6}, tab.ValidCommands("ALLOW", false)); d != "" {
		t.Errorf("ValidCommands(ALLOW) (-want +got):\n%s", d)
	}
	info, ok := tab.Lookup(3)
	if !ok || info.Perm != "DAEMON" || !cmp.Equal(info.AltPerms, []string{"ALLOW"}) {
		t.Errorf("Lookup(3) = %+v", info)
	}
}

func TestNewValidates(t *testing.T) {
	if _, err := New(Config{}); err == nil {
		t.Error("empty config accepted")
	}
	_, err := New(Config{Commands: NewTable(), Security: &security.Server{}, Authorizer: allowFrom(), Stream: cedar.Config{SendPacketSize: -1}})
	if err == nil || !strings.Contains(err.Error(), "Config.Stream") {
		t.Errorf("bad stream config: %v", err)
	}
}

func TestPeerIP(t *testing.T) {
	cases := []struct {
		in   net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("10.1.2.3"), Port: 9618}, "10.1.2.3"},
		{&net.UDPAddr{IP: net.ParseIP("::1"), Port: 1}, "::1"},
		{&net.IPAddr{IP: net.ParseIP("192.0.2.1")}, "192.0.2.1"},
		{nil, "<nil>"},
	}
	for _, tc := range cases {
		if got := PeerIP(tc.in).String(); got != tc.want {
			t.Errorf("PeerIP(%v) = %s, want %s", tc.in, got, tc.want)
		}
	}
}
