package token

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
)

// fastPolls shortens the poll interval and fixes the host name.
func fastPolls(t *testing.T) {
	t.Helper()
	oldPoll, oldHost := PollInterval, hostname
	PollInterval = time.Millisecond
	hostname = func() (string, error) { return "testhost", nil }
	t.Cleanup(func() { PollInterval, hostname = oldPoll, oldHost })
}

// pendingThen answers START with a request id and FINISH with "" n times,
// then with tok (or err).
func pendingThen(reqID string, n int, tok string, err error) *fakeClient {
	var polls atomic.Int32
	return &fakeClient{
		start: func(client.Target, string, []string, int64, string) (client.StartReply, error) {
			return client.StartReply{RequestID: reqID}, nil
		},
		finish: func(string, string) (string, error) {
			if int(polls.Add(1)) <= n {
				return "", nil
			}
			return tok, err
		},
	}
}

const uidDomain = "UID_DOMAIN = htc.local\n"

func TestLegacyRequestWaitsForApproval(t *testing.T) {
	fastPolls(t)
	fc := pendingThen("5272083", 2, vector1, nil)
	e := newEnv(t, uidDomain).withClient(fc)
	err := RequestRun(&RequestOptions{F: e.f, Legacy: true, Identity: "dave@htc.local", Lifetime: -1})
	if err != nil {
		t.Fatal(err)
	}
	// R3: the enqueued line (two spaces) then the token, both on stdout.
	want := "Token request enqueued.  Ask an administrator to please approve request 5272083.\n" + vector1 + "\n"
	if e.stdout.String() != want || e.stderr.Len() != 0 {
		t.Fatalf("stdout %q\nstderr %q", e.stdout, e.stderr)
	}
	calls := fc.callList()
	// START to the collector with a client id <hostname>-<0..999>, then
	// three polls with the same ids.
	if len(calls) != 4 || !regexp.MustCompile(`^start collector dave@htc\.local \[\] -1 testhost-\d{1,3}$`).MatchString(calls[0]) {
		t.Fatalf("calls %q", calls)
	}
	clientID := calls[0][strings.LastIndexByte(calls[0], ' ')+1:]
	for _, c := range calls[1:] {
		if c != "finish 5272083 "+clientID {
			t.Fatalf("poll %q", c)
		}
	}
}

func TestLegacyRequestIdentityDefaults(t *testing.T) {
	fastPolls(t)
	for _, tc := range []struct{ given, sent string }{
		{"", "condor@htc.local"},           // R4
		{"frank", "frank@htc.local"},       // R5
		{"bob@other.org", "bob@other.org"}, // as given
	} {
		fc := &fakeClient{start: func(client.Target, string, []string, int64, string) (client.StartReply, error) {
			return client.StartReply{Token: vector1}, nil
		}}
		e := newEnv(t, uidDomain).withClient(fc)
		if err := RequestRun(&RequestOptions{F: e.f, Legacy: true, Identity: tc.given, Lifetime: 100,
			Authz: []string{"ADVERTISE_STARTD"}, TokenName: "req"}); err != nil {
			t.Fatal(err)
		}
		calls := fc.callList()
		if len(calls) != 1 || !strings.HasPrefix(calls[0], "start collector "+tc.sent+" [ADVERTISE_STARTD] 100 testhost-") {
			t.Fatalf("%q: calls %q", tc.given, calls)
		}
		// R12: auto-approved, no enqueued line, token written at once.
		if e.stdout.Len()+e.stderr.Len() != 0 {
			t.Fatalf("output %q %q", e.stdout, e.stderr)
		}
		if data, err := os.ReadFile(filepath.Join(e.tokensDir, "req")); err != nil || string(data) != vector1+"\n" {
			t.Fatalf("token file %q %v", data, err)
		}
	}
}

func TestLegacyRequestFailures(t *testing.T) {
	fastPolls(t)
	r9 := "DAEMON:1:failed to start command for token request with remote daemon at '<127.0.0.1:29618>'.|AUTHENTICATE:1003:Failed to authenticate with any method|AUTHENTICATE:1004:Failed to authenticate using SSL"
	for _, tc := range []struct {
		name           string
		fc             *fakeClient
		stdout, stderr string
	}{
		{"R18 not located", &fakeClient{start: func(client.Target, string, []string, int64, string) (client.StartReply, error) {
			return client.StartReply{}, locateErr("ERROR: couldn't locate daemon nosuch!")
		}}, "", "ERROR: couldn't locate daemon nosuch!\n"},
		{"R9 authentication failed", &fakeClient{start: func(client.Target, string, []string, int64, string) (client.StartReply, error) {
			return client.StartReply{}, daemonErr("DAEMON", 1, r9[len("DAEMON:1:"):])
		}}, "", "Failed to request a new token: " + r9 + "\n"},
		{"no key", &fakeClient{start: func(client.Target, string, []string, int64, string) (client.StartReply, error) {
			return client.StartReply{}, daemonErr("DAEMON", 4, "TOKEN_UTILS:4:Server does not have a signing key configured.")
		}}, "", "Failed to request a new token: DAEMON:4:TOKEN_UTILS:4:Server does not have a signing key configured.\n"},
		{"neither token nor id", &fakeClient{start: func(client.Target, string, []string, int64, string) (client.StartReply, error) {
			return client.StartReply{}, nil
		}}, "", "Remote daemon did not provide a valid request ID.\n"},
		{"expired while polling", pendingThen("0642594", 1, "", daemonErr("DAEMON", 5, "Request has expired.")),
			"Token request enqueued.  Ask an administrator to please approve request 0642594.\n",
			"Failed to get a status update for token request: DAEMON:5:Request has expired.\n"},
		{"unknown while polling", pendingThen("0642594", 0, "", daemonErr("DAEMON", 3, "Request ID is not known.")),
			"Token request enqueued.  Ask an administrator to please approve request 0642594.\n",
			"Failed to get a status update for token request: DAEMON:3:Request ID is not known.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, uidDomain).withClient(tc.fc)
			err := RequestRun(&RequestOptions{F: e.f, Legacy: true, Identity: "x@htc.local", Lifetime: -1})
			if cmdutil.CodeOf(err) != 1 || e.stdout.String() != tc.stdout || e.stderr.String() != tc.stderr {
				t.Fatalf("exit %d\nstdout %q\nstderr %q", cmdutil.CodeOf(err), e.stdout, e.stderr)
			}
		})
	}
	// No host name: nothing is sent.
	fc := pendingThen("1", 0, vector1, nil)
	e := newEnv(t, uidDomain).withClient(fc)
	hostname = func() (string, error) { return "", errors.New("uname failed") }
	err := RequestRun(&RequestOptions{F: e.f, Legacy: true})
	if cmdutil.CodeOf(err) != 1 || e.stderr.String() != "ERROR: Unable to determine hostname.\n" || len(fc.callList()) != 0 {
		t.Fatalf("exit %d stderr %q calls %v", cmdutil.CodeOf(err), e.stderr, fc.callList())
	}
}

func TestModernRequestNoWaitAndFinish(t *testing.T) {
	fastPolls(t)
	fc := pendingThen("0642594", 1, vector1, nil)
	e := newEnv(t, uidDomain).withClient(fc)
	if err := execute(NewCmdRequest(e.f, nil), "--no-wait", "--identity", "alice", "--authz", "READ", "--lifetime", "1h"); err != nil {
		t.Fatal(err)
	}
	if e.stdout.String() != "0642594\n" || !strings.Contains(e.stderr.String(), "condor-auth token request finish 0642594") {
		t.Fatalf("stdout %q stderr %q", e.stdout, e.stderr)
	}
	wantID := ModernClientID("testhost", e.f.Uid)
	if calls := fc.callList(); len(calls) != 1 || calls[0] != "start collector alice@htc.local [READ] 3600 "+wantID {
		t.Fatalf("calls %q", calls)
	}

	// finish: first still pending (exit 1), then the token.
	e.stdout.Reset()
	err := execute(NewCmdRequest(e.f, nil), "finish", "0642594")
	if cmdutil.CodeOf(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "still waiting") {
		t.Fatalf("pending finish: %v", err)
	}
	if err := execute(NewCmdRequest(e.f, nil), "finish", "0642594", "--token", "alice"); err != nil {
		t.Fatal(err)
	}
	calls := fc.callList()
	if calls[len(calls)-1] != "finish 0642594 "+wantID {
		t.Fatalf("calls %q", calls)
	}
	if data, err := os.ReadFile(filepath.Join(e.tokensDir, "alice")); err != nil || string(data) != vector1+"\n" {
		t.Fatalf("token %q %v", data, err)
	}
	// A request made by condor_token_request (random client id) can be
	// collected with --client-id.
	if err := execute(NewCmdRequest(e.f, nil), "finish", "7", "--client-id", "host-12"); err != nil {
		t.Fatal(err)
	}
	if calls := fc.callList(); calls[len(calls)-1] != "finish 7 host-12" {
		t.Fatalf("calls %q", calls)
	}

	// JSON form of --no-wait.
	e = newEnv(t, uidDomain).withClient(pendingThen("0000001", 0, "", nil))
	if err := execute(NewCmdRequest(e.f, nil), "--no-wait", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(e.stdout.String(), `"request_id": "0000001"`) || !strings.Contains(e.stdout.String(), `"status": "pending"`) {
		t.Fatalf("json %q", e.stdout)
	}
}

func TestModernRequestWaitAndTimeout(t *testing.T) {
	fastPolls(t)
	e := newEnv(t, uidDomain).withClient(pendingThen("0642594", 3, vector1, nil))
	if err := execute(NewCmdRequest(e.f, nil)); err != nil {
		t.Fatal(err)
	}
	if e.stdout.String() != vector1+"\n" || !strings.Contains(e.stderr.String(), "Token request 0642594 enqueued") {
		t.Fatalf("stdout %q stderr %q", e.stdout, e.stderr)
	}

	// Never approved: --timeout ends the wait with ExitTimeout and says
	// how to continue.
	PollInterval = 5 * time.Millisecond
	e = newEnv(t, uidDomain).withClient(pendingThen("0642594", 1<<30, "", nil))
	start := time.Now()
	err := execute(NewCmdRequest(e.f, nil), "--timeout", "60ms")
	if cmdutil.CodeOf(err) != cmdutil.ExitTimeout || !strings.Contains(err.Error(), "token request finish 0642594") {
		t.Fatalf("err %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timeout took %v", d)
	}
	// A refusal while polling is reported with the daemon's text.
	e = newEnv(t, uidDomain).withClient(pendingThen("0642594", 0, "", daemonErr("DAEMON", 4, "Request failed.")))
	err = execute(NewCmdRequest(e.f, nil))
	if cmdutil.CodeOf(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "DAEMON:4:Request failed.") {
		t.Fatalf("err %v", err)
	}
}

func TestPollIntervalIsFiveSeconds(t *testing.T) {
	if PollInterval != 5*time.Second {
		t.Fatalf("PollInterval = %v, the original sleeps 5 s (tokens.md §9.4)", PollInterval)
	}
}
