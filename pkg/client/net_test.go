package client

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/testutil"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// Connection-level behaviour against the fake daemon: refused
// connections, DENIED, timeouts, session resumption and its recovery,
// shared port.

func TestConnectionRefused(t *testing.T) {
	cfg, _ := poolConfig(t)
	c, err := New(Options{Config: cfg, Sessions: security.NewSessionCache(0)})
	if err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	ctx := context.Background()
	tg := Target{Name: addr}
	want := "DAEMON:1:Failed to connect to remote daemon at '" + addr + "'"
	for name, err := range map[string]error{
		"fetch":   errOnly(c.GetSessionToken(ctx, tg, nil, 0, "")),
		"start":   errOnly(c.StartTokenRequest(ctx, tg, "a@b", nil, 0, "id")),
		"finish":  errOnly(c.FinishTokenRequest(ctx, tg, "1", "id")),
		"list":    errOnly(c.ListTokenRequests(ctx, tg, "")),
		"approve": c.ApproveTokenRequest(ctx, tg, "1", "id"),
		"auto":    c.AutoApproveTokenRequests(ctx, tg, "*", 60),
		"ping":    errOnly(c.Ping(ctx, tg, "READ")),
	} {
		if errText(err) != want {
			t.Errorf("%s: %q, want %q", name, errText(err), want)
		}
		var opErr *net.OpError
		if !errors.As(err, &opErr) {
			t.Errorf("%s: the dial error is not the cause of %v", name, err)
		}
	}
	if _, err := c.StoreCred(ctx, tg, StoreCredRequest{Mode: 42}); errText(err) != want {
		t.Errorf("store_cred: %q, want %q", errText(err), want)
	}
}

func TestLocateFailure(t *testing.T) {
	cfg, _ := poolConfig(t)
	c, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetSessionToken(context.Background(), Target{Name: "nosuchschedd", Pool: "127.0.0.1:1", Timeout: 5 * time.Second}, nil, 0, "")
	var te *locate.ToolError
	if !errors.As(err, &te) || te.Line != "ERROR: couldn't locate daemon nosuchschedd!" {
		t.Errorf("error %v (%T), want the locate.ToolError", err, err)
	}
	// The local schedd has no address file in this pool.
	_, err = c.GetSessionToken(context.Background(), Target{}, nil, 0, "")
	if !errors.As(err, &te) || te.Line != "ERROR: couldn't locate default daemon type." {
		t.Errorf("error %v (%T), want the locate.ToolError", err, err)
	}
}

func TestDenied(t *testing.T) {
	user := fsIdentity(t)
	var f *fakeServer
	f = startFake(t, fakeOptions{
		handlers: map[int]daemon.Handler{
			CmdGetSessionToken:   func(ctx context.Context, r *daemon.Request) error { return f.replyAds(`Token = "t"`)(ctx, r) },
			CmdStartTokenRequest: func(ctx context.Context, r *daemon.Request) error { return nil },
			CmdListTokenRequest:  func(ctx context.Context, r *daemon.Request) error { return nil },
			CmdApproveTokenRequest: func(ctx context.Context, r *daemon.Request) error {
				return nil
			},
			CmdAutoApproveTokenRequest: func(ctx context.Context, r *daemon.Request) error { return nil },
		},
		deny: []int{CmdGetSessionToken, CmdStartTokenRequest, CmdListTokenRequest, CmdApproveTokenRequest, CmdAutoApproveTokenRequest},
	})
	c := fakeClient(t, f)
	ctx := context.Background()
	tg := Target{Name: f.addr}
	denied := `SECMAN:2010:Received "DENIED" from server for user ` + user + ` using method FS.`
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"fetch", errOnly(c.GetSessionToken(ctx, tg, nil, 0, "")), denied},
		{"start", errOnly(c.StartTokenRequest(ctx, tg, "a@b", nil, 0, "id")),
			"DAEMON:1:failed to start command for token request with remote daemon at '" + f.addr + "'.|" + denied},
		{"list", errOnly(c.ListTokenRequests(ctx, tg, "")),
			"DAEMON:1:Failed to start command for listing token requests with remote daemon at '" + f.addr + "'.|" + denied},
		{"approve", c.ApproveTokenRequest(ctx, tg, "1", "id"),
			"DAEMON:1:command for approving token requests with remote daemon at '" + f.addr + "'.|" + denied},
		{"auto", c.AutoApproveTokenRequests(ctx, tg, "*", 60), denied},
	} {
		if errText(tc.err) != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, errText(tc.err), tc.want)
		}
		if !errors.Is(tc.err, security.ErrDenied) {
			t.Errorf("%s: %v does not wrap security.ErrDenied", tc.name, tc.err)
		}
	}
}

func TestTimeouts(t *testing.T) {
	t.Run("daemon never answers the request", func(t *testing.T) {
		release := make(chan struct{})
		defer close(release)
		f := startFake(t, fakeOptions{handlers: map[int]daemon.Handler{
			CmdGetSessionToken: func(ctx context.Context, r *daemon.Request) error {
				select {
				case <-release:
				case <-ctx.Done():
				}
				return nil
			},
		}})
		c := fakeClient(t, f)
		start := time.Now()
		_, err := c.GetSessionToken(context.Background(), Target{Name: f.addr, Timeout: 300 * time.Millisecond}, nil, 0, "")
		if want := "DAEMON:1:Failed to recieve response from remote daemon at at '" + f.addr + "'\n"; errText(err) != want {
			t.Errorf("error %q, want %q", errText(err), want)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v does not wrap context.DeadlineExceeded", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Errorf("took %v", d)
		}
	})
	t.Run("peer accepts but never talks", func(t *testing.T) {
		addr := "<" + testutil.SilentPeer(t) + ">"
		cfg, _ := poolConfig(t)
		c, err := New(Options{Config: cfg, Sessions: security.NewSessionCache(0)})
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.ListTokenRequests(context.Background(), Target{Name: addr, Timeout: 300 * time.Millisecond}, "")
		if !strings.HasPrefix(errText(err), "DAEMON:1:Failed to start command for listing token requests with remote daemon at '"+addr+"'.|SECMAN:") {
			t.Errorf("error %q", errText(err))
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%v does not wrap context.DeadlineExceeded", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		f := startFake(t, fakeOptions{handlers: map[int]daemon.Handler{
			CmdFinishTokenRequest: func(ctx context.Context, r *daemon.Request) error { <-ctx.Done(); return nil },
		}})
		c := fakeClient(t, f)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(200*time.Millisecond, cancel)
		_, err := c.FinishTokenRequest(ctx, Target{Name: f.addr}, "1", "id")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("%v does not wrap context.Canceled", err)
		}
	})
}

// Consecutive calls of one client resume the session the first created,
// as condor_token_request's polls do; a session the daemon forgot is
// replaced by a new one transparently.
func TestSessionResumption(t *testing.T) {
	var f *fakeServer
	f = startFake(t, fakeOptions{handlers: map[int]daemon.Handler{
		CmdStartTokenRequest:  func(ctx context.Context, r *daemon.Request) error { return f.replyAds(`RequestId = "0000042"`)(ctx, r) },
		CmdFinishTokenRequest: func(ctx context.Context, r *daemon.Request) error { return f.replyAds(`Token = ""`)(ctx, r) },
	}})
	c := fakeClient(t, f)
	ctx := context.Background()
	tg := Target{Name: f.addr}
	if _, err := c.StartTokenRequest(ctx, tg, "bob", nil, 0, "id"); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		if tok, err := c.FinishTokenRequest(ctx, tg, "0000042", "id"); err != nil || tok != "" {
			t.Fatalf("poll %d: %q, %v", i, tok, err)
		}
	}
	log := byTime(f.waitEntries(t, 3))
	if log[0].Resumed || !log[1].Resumed || !log[2].Resumed || log[1].Session != log[0].Session {
		t.Errorf("log %v", log)
	}

	// The daemon forgets the session: the next poll gets SID_NOT_FOUND and
	// retries once with a new session.
	f.srv.Sessions().Invalidate(log[0].Session)
	if tok, err := c.FinishTokenRequest(ctx, tg, "0000042", "id"); err != nil || tok != "" {
		t.Fatalf("poll after invalidation: %q, %v", tok, err)
	}
	log = byTime(f.waitEntries(t, 5))
	if failed := log[3]; failed.Session != log[0].Session || failed.Result != daemon.ResultRejected {
		t.Errorf("resume attempt %v", failed)
	}
	if last := log[4]; last.Resumed || last.Session == log[0].Session || last.Result != daemon.ResultAuthorized {
		t.Errorf("retry %v (log %v)", last, log)
	}
}

// byTime orders log entries by the time their connection was accepted.
func byTime(log []daemon.LogEntry) []daemon.LogEntry {
	sort.SliceStable(log, func(i, j int) bool { return log[i].Time.Before(log[j].Time) })
	return log
}

// A daemon behind shared port: the client sends SHARED_PORT_CONNECT for
// the sock= id first (cedar.md §6.8), then the normal handshake.
func TestSharedPort(t *testing.T) {
	var f *fakeServer
	f = startFake(t, fakeOptions{handlers: map[int]daemon.Handler{
		CmdGetSessionToken: func(ctx context.Context, r *daemon.Request) error {
			return f.replyAds(`Token = "via.shared.port"`)(ctx, r)
		},
	}})
	front, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer front.Close()
	got := make(chan locate.SharedPortRequest, 1)
	go func() {
		conn, err := front.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		req, err := readSharedPortRequest(conn)
		if err != nil {
			t.Errorf("shared-port request: %v", err)
			return
		}
		got <- req
		back, err := net.Dial("tcp", strings.Trim(f.addr, "<>"))
		if err != nil {
			t.Error(err)
			return
		}
		defer back.Close()
		go func() { _, _ = io.Copy(back, conn) }()
		_, _ = io.Copy(conn, back)
	}()
	// The proxy stands in for the descriptor passing of condor_shared_port,
	// so client and daemon see different ports: FS channel binding would
	// (rightly) fail.
	c := fakeClient(t, f, "SEC_FS_ENFORCE_CHANNEL_BINDING = false")
	addr := "<" + front.Addr().String() + "?sock=collector_1>"
	tok, err := c.GetSessionToken(context.Background(), Target{Name: addr, Timeout: 10 * time.Second}, nil, 0, "")
	if err != nil || tok != "via.shared.port" {
		t.Fatalf("GetSessionToken: %q, %v", tok, err)
	}
	if r := <-got; r.ID != "collector_1" || r.ClientName != "TOOL" || r.Deadline <= 0 || r.Deadline > 10 {
		t.Errorf("shared-port request %+v", r)
	}
}

// readSharedPortRequest reads exactly the one-packet SHARED_PORT_CONNECT
// message from conn, leaving the handshake that follows unread.
func readSharedPortRequest(conn net.Conn) (locate.SharedPortRequest, error) {
	var hdr [cedar.HeaderSize]byte
	if _, err := io.ReadFull(conn, hdr[:]); err != nil {
		return locate.SharedPortRequest{}, err
	}
	n := binary.BigEndian.Uint32(hdr[1:])
	if n > 4096 {
		return locate.SharedPortRequest{}, errors.New("shared-port message too long")
	}
	body := make([]byte, n)
	if _, err := io.ReadFull(conn, body); err != nil {
		return locate.SharedPortRequest{}, err
	}
	s, err := cedar.NewStream(&fakeConn{r: bytes.NewReader(append(hdr[:], body...))}, nil)
	if err != nil {
		return locate.SharedPortRequest{}, err
	}
	if cmd, err := s.GetInt(); err != nil || cmd != locate.SharedPortConnect {
		return locate.SharedPortRequest{}, errors.New("not SHARED_PORT_CONNECT")
	}
	return locate.ReadSharedPortConnect(s)
}

func TestPingFake(t *testing.T) {
	user := fsIdentity(t)
	f := startFake(t, fakeOptions{})
	var notes []string
	c := fakeClient(t, f)
	c.opts.Explain = func(format string, args ...any) { notes = append(notes, format) }
	var debug bytes.Buffer
	c.opts.Debug = &debug
	res, err := c.Ping(context.Background(), Target{Name: f.addr}, "read")
	if err != nil {
		t.Fatal(err)
	}
	if res.Command != security.DCNopRead || !res.Authorized || res.Identity != user || res.Method != "FS" ||
		!res.Authenticated || !res.Encrypted || res.ReturnCode != "AUTHORIZED" || res.Addr != f.addr || res.Sid == "" {
		t.Errorf("ping %+v", res)
	}
	if len(notes) == 0 || len(res.Notes) != len(notes) {
		t.Errorf("notes: %d explained, %d in the result", len(notes), len(res.Notes))
	}
	if !strings.Contains(debug.String(), "Daemon::ping() making connection to '"+f.addr+"'") {
		t.Errorf("debug output:\n%s", debug.String())
	}
	// ping always negotiates a new session.
	if _, err := c.Ping(context.Background(), Target{Name: f.addr}, "60020"); err != nil {
		t.Fatal(err)
	}
	if log := byTime(f.waitEntries(t, 2)); log[1].Resumed || log[0].Session == log[1].Session {
		t.Errorf("log %v", log)
	}
}

func TestPingCommand(t *testing.T) {
	for in, want := range map[string]int{"READ": 60020, "write": 60021, "ALLOW": 60011, "DAEMON": 60026,
		"ADMINISTRATOR": 60023, "dc_get_session_token": 60046, "STORE_CRED": 479, "60049": 60049} {
		if got, ok := PingCommand(in); !ok || got != want {
			t.Errorf("PingCommand(%q) = %d, %v; want %d", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "BOGUS", "-1", "1e3", "99999999999"} {
		if got, ok := PingCommand(in); ok {
			t.Errorf("PingCommand(%q) = %d, want failure", in, got)
		}
	}
}

// The connection uses the configured uid for FS: a sanity check that the
// test runs as the process it claims.
func TestFakeClientIdentity(t *testing.T) {
	if os.Getuid() != os.Geteuid() {
		t.Skip("setuid test process")
	}
	user := fsIdentity(t)
	f := startFake(t, fakeOptions{})
	res, err := fakeClient(t, f).Ping(context.Background(), Target{Name: f.addr}, "WRITE")
	if err != nil || res.Identity != user {
		t.Fatalf("ping: %+v, %v", res, err)
	}
}
