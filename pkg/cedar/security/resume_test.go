package security

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// serveLoop accepts connections until stop, running Accept and handler on
// each; every Accept result is sent to the returned channel.
func serveLoop(t *testing.T, srv *Server, handler func(*Accepted) error) (addr string, results <-chan outcome, stop func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan outcome, 16)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				s, _ := cedar.NewStream(conn, nil)
				acc, err := srv.Accept(context.Background(), s)
				if err == nil && handler != nil && !acc.Handled {
					err = handler(acc)
				}
				ch <- outcome{acc: acc, srvErr: err}
			}()
		}
	}()
	return l.Addr().String(), ch, func() { l.Close(); wg.Wait() }
}

func TestResumption(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	c := newTestClient(t, ck)
	c.Sessions = NewSessionCache(0)
	srv := newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_ENCRYPTION": "REQUIRED"})
	_, sf := payloadRoundTrip(t)
	addr, results, stop := serveLoop(t, srv, sf)
	defer stop()
	cf, _ := payloadRoundTrip(t)
	ctx := context.Background()

	first, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cf(first); err != nil {
		t.Fatal(err)
	}
	first.Stream.Close()
	if o := <-results; o.srvErr != nil || o.acc.Resumed {
		t.Fatalf("first: %+v", o)
	}
	if c.Sessions.Len() != 1 || srv.Sessions.Len() != 1 {
		t.Fatalf("cached sessions: client %d server %d", c.Sessions.Len(), srv.Sessions.Len())
	}

	// DC_NOP (READ) is among ValidCommands of the WRITE session: resumed.
	second, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdRead}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !second.Resumed || second.SessionID != first.SessionID || second.MyIdentity != "alice@example.net" || second.Method != "CLAIMTOBE" || !second.Encrypted {
		t.Fatalf("second result %+v", second)
	}
	if err := cf(second); err != nil {
		t.Fatal(err)
	}
	second.Stream.Close()
	o := <-results
	if o.srvErr != nil || !o.acc.Resumed || o.acc.Identity.FQU() != "alice@example.net" || o.acc.Command != cmdRead || !o.acc.Encrypted {
		t.Fatalf("second accepted %+v, %v", o.acc, o.srvErr)
	}

	// NewSession forbids resumption.
	third, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdRead, NewSession: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	third.Stream.Close()
	if third.Resumed {
		t.Fatal("NewSession resumed")
	}
	<-results

	// A command not in ValidCommands gets a new session.
	fourth, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdDaemon}, nil)
	if err != nil {
		t.Fatal(err)
	}
	fourth.Stream.Close()
	if fourth.Resumed {
		t.Fatal("DAEMON command resumed a WRITE session")
	}
	<-results
}

// TestSIDNotFound: a server that lost its sessions (restart) answers
// SID_NOT_FOUND; StartCommand drops the session and reports it, Dial
// retries once with a new session.
func TestSIDNotFound(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	c := newTestClient(t, ck)
	c.Sessions = NewSessionCache(0)
	srv := newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED"})
	addr, results, stop := serveLoop(t, srv, nil)
	defer stop()
	ctx := context.Background()
	r, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Stream.Close()
	<-results
	sid := r.SessionID

	srv.Sessions.Invalidate(sid) // the "restart"
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := cedar.NewStream(conn, nil)
	_, err = c.StartCommand(ctx, s, Request{Command: cmdWrite, Sinful: "<" + addr + ">"})
	conn.Close()
	if errText(err) != "SECMAN:2004:Server rejected our session id" || !errors.Is(err, ErrSessionNotFound) {
		t.Fatalf("error %q", errText(err))
	}
	if o := <-results; !errors.Is(o.srvErr, ErrSessionNotFound) || !errors.Is(o.srvErr, ErrRejected) {
		t.Fatalf("server error %v", o.srvErr)
	}
	if c.Sessions.Len() != 0 {
		t.Fatal("rejected session still cached")
	}

	// Cache it again, lose it again, and let Dial recover.
	r, err = c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r.Stream.Close()
	<-results
	srv.Sessions.Invalidate(r.SessionID)
	r2, err := c.Dial(ctx, "tcp", addr, Request{Command: cmdWrite}, nil)
	if err != nil {
		t.Fatalf("Dial after SID_NOT_FOUND: %v", err)
	}
	r2.Stream.Close()
	<-results
	<-results
	if r2.Resumed || r2.SessionID == r.SessionID || r2.MyIdentity != "alice@example.net" {
		t.Fatalf("retry result %+v", r2)
	}
}

// TestSessionExpiry: sessions end after SessionDuration on the client and
// after duration + 20 s slop on the server; leases end idle sessions.
func TestSessionExpiry(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	cache := NewSessionCache(0)
	cache.Add(&ClientSession{ID: "s1", Sinful: "<a>", ValidCommands: []int{1, 2}, Expires: now.Add(60 * time.Second), Lease: 30 * time.Second}, now)
	if _, ok := cache.Lookup("<a>", 1, now.Add(29*time.Second)); !ok {
		t.Fatal("session gone before its lease")
	}
	cache.renew("s1", now.Add(29*time.Second))
	if _, ok := cache.Lookup("<a>", 2, now.Add(58*time.Second)); !ok {
		t.Fatal("renewed session gone")
	}
	if _, ok := cache.Lookup("<a>", 2, now.Add(60*time.Second)); ok {
		t.Fatal("session alive at its expiry")
	}
	if cache.Len() != 0 {
		t.Fatal("expired session not dropped")
	}

	ss := NewServerSessions(2)
	ss.add(&serverSession{id: "a", expires: now.Add(80 * time.Second), lastUse: now}, now)
	ss.add(&serverSession{id: "b", lease: 10 * time.Second, lastUse: now}, now)
	if _, ok := ss.use("b", now.Add(11*time.Second)); ok {
		t.Fatal("leased session alive after its lease")
	}
	ss.add(&serverSession{id: "c", lastUse: now.Add(time.Second)}, now)
	ss.add(&serverSession{id: "d", lastUse: now.Add(2 * time.Second)}, now.Add(2*time.Second))
	if ss.Len() != 2 {
		t.Fatalf("cache holds %d sessions, bound 2", ss.Len())
	}
	if _, ok := ss.use("a", now.Add(3*time.Second)); ok {
		t.Fatal("least recently used session not evicted")
	}
	ss.Prune(now.Add(time.Hour))
	if ss.Len() != 2 {
		t.Fatal("sessions without expiry pruned")
	}
}

// TestRawCommand: negotiation NEVER sends the bare command int (§4.13);
// the server accepts it when its policy allows and the handler reads the
// payload from the same message.
func TestRawCommand(t *testing.T) {
	ck := knobs{"SEC_CLIENT_NEGOTIATION": "NEVER", "SEC_CLIENT_AUTHENTICATION": "NEVER", "SEC_CLIENT_ENCRYPTION": "NEVER", "SEC_CLIENT_INTEGRITY": "NEVER"}
	srv := newTestServer(t, knobs{"SEC_READ_AUTHENTICATION": "OPTIONAL", "SEC_WRITE_AUTHENTICATION": "REQUIRED"})
	var authz *AuthzRequest
	srv.Authorize = func(r *AuthzRequest) (bool, string) { authz = r; return true, "host-based" }
	clientFn := func(r *Result) error {
		if !r.Raw {
			return errors.New("not raw")
		}
		if err := r.Stream.PutString("payload"); err != nil {
			return err
		}
		return r.Stream.EndOfMessage()
	}
	serverFn := func(a *Accepted) error {
		s, _, err := a.Stream.GetString()
		if err != nil || s != "payload" {
			return errors.New("payload " + s)
		}
		return a.Stream.EndOfMessage()
	}
	out := loopback(t, newTestClient(t, ck), srv, Request{Command: cmdRead}, clientFn, serverFn)
	if out.err != nil || out.srvErr != nil {
		t.Fatalf("client %v / server %v", out.err, out.srvErr)
	}
	if !out.acc.Raw || out.acc.Authenticated || authz == nil || !authz.Raw || authz.Identity.FQU() != UnauthenticatedUser {
		t.Fatalf("accepted %+v authz %+v", out.acc, authz)
	}

	// WRITE requires authentication: refused without a reply.
	out = loopback(t, newTestClient(t, ck), srv, Request{Command: cmdWrite}, clientFn, nil)
	if !errors.Is(out.srvErr, ErrRejected) || !strings.Contains(out.srvErr.Error(), "requires negotiation") {
		t.Fatalf("server error %v", out.srvErr)
	}
}

// TestForceAuthentication: a force_authentication command needs a mapped
// identity; ANONYMOUS is not one, so the server closes without a post-auth
// ad (cedar.md §4.10), and ValidCommands leave such commands out for
// unmapped identities.
func TestForceAuthentication(t *testing.T) {
	ck := recommendedClient()
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "ANONYMOUS"
	srv := newTestServer(t, knobs{"SEC_DEFAULT_AUTHENTICATION": "OPTIONAL"})
	out := loopback(t, newTestClient(t, ck), srv, Request{Command: cmdForce}, nil, nil)
	if out.err == nil || !strings.HasPrefix(errText(out.err), "SECMAN:2007:Failed to received post-auth ClassAd") {
		t.Fatalf("client error %q", errText(out.err))
	}
	if !errors.Is(out.srvErr, ErrRejected) || !strings.Contains(out.srvErr.Error(), `requires a mapped identity, got "CONDOR_ANONYMOUS_USER"`) {
		t.Fatalf("server error %v", out.srvErr)
	}

	// With CLAIMTOBE (mapped) it works, and CLAIMTOBE limits the session to
	// the command's level and the levels it implies (§5.7).
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "CLAIMTOBE"
	var limit any
	srv.Authorize = func(r *AuthzRequest) (bool, string) {
		limit = r.Identity.Policy[AttrLimitAuthorization]
		return true, ""
	}
	out = loopback(t, newTestClient(t, ck), srv, Request{Command: cmdForce}, nil, nil)
	if out.err != nil || out.srvErr != nil {
		t.Fatalf("client %v / server %v", out.err, out.srvErr)
	}
	if limit != "DAEMON,WRITE,READ" {
		t.Fatalf("LimitAuthorization %v", limit)
	}
	vc, _ := out.res.PostAuth.GetString(AttrValidCommands)
	if !strings.Contains(vc, "60049") {
		t.Fatalf("ValidCommands %q lacks the force-authentication command", vc)
	}

	// ANONYMOUS on a plain DAEMON command: allowed, but ValidCommands
	// leave out the force-authentication command.
	ck["SEC_CLIENT_AUTHENTICATION_METHODS"] = "ANONYMOUS"
	srv.Authorize = AllowAll
	out = loopback(t, newTestClient(t, ck), srv, Request{Command: cmdDaemon}, nil, nil)
	if out.err != nil {
		t.Fatal(out.err)
	}
	vc, _ = out.res.PostAuth.GetString(AttrValidCommands)
	if strings.Contains(vc, "60049") || !strings.Contains(vc, "60046") {
		t.Fatalf("ValidCommands %q", vc)
	}
}
