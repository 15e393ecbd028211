package client

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// Every typed call against the fake daemon: the request ad it sends
// (tokens.md §3.1–§3.6) and how it reads each kind of reply, with the
// exact CondorError texts of the C++ client (daemon.cpp, tokens.md §10).

// callCase runs one call against a daemon answering with replies.
type callCase struct {
	name    string
	replies []string
	call    func(c *Client, t Target) (string, error) // result rendered as text
	want    string                                    // rendered result
	wantErr string                                    // exact error text, with <addr> for the address
	wantReq string                                    // the request ad, old syntax in flat-map order
}

func runCallCases(t *testing.T, cmd int, cases []callCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var f *fakeServer
			f = startFake(t, fakeOptions{handlers: map[int]daemon.Handler{cmd: func(ctx context.Context, r *daemon.Request) error {
				return f.replyAds(tc.replies...)(ctx, r)
			}}})
			c := fakeClient(t, f)
			got, err := tc.call(c, Target{Name: f.addr})
			if tc.wantErr != "" {
				want := strings.ReplaceAll(tc.wantErr, "<addr>", f.addr)
				if err == nil || err.Error() != want {
					t.Fatalf("error %q, want %q", errText(err), want)
				}
				if _, ok := condorerr.As(err); !ok {
					t.Errorf("error %T is not a condorerr chain", err)
				}
			} else if err != nil {
				t.Fatalf("unexpected error: %v", err)
			} else if got != tc.want {
				t.Errorf("result %q, want %q", got, tc.want)
			}
			if tc.wantReq != "-" {
				reqs := f.requests()
				if len(reqs) != 1 {
					t.Fatalf("%d requests received, want 1", len(reqs))
				}
				if d := cmp.Diff(tc.wantReq, reqs[0].UnparseOld(classad.FlatMapOrder)); d != "" {
					t.Errorf("request ad (-want +got):\n%s", d)
				}
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

func TestGetSessionTokenCalls(t *testing.T) {
	fetch := func(authz []string, lifetime int64, key string) func(*Client, Target) (string, error) {
		return func(c *Client, t Target) (string, error) {
			return c.GetSessionToken(context.Background(), t, authz, lifetime, key)
		}
	}
	runCallCases(t, CmdGetSessionToken, []callCase{
		{name: "token", replies: []string{`Token = "a.b.c"`}, call: fetch([]string{"READ", "WRITE"}, 600, "AP"),
			want: "a.b.c", wantReq: "RequestedKey = \"AP\"\nTokenLifetime = 600\nLimitAuthorization = \"READ,WRITE\"\n"},
		{name: "no options: empty request ad", replies: []string{`Token = "t"`}, call: fetch(nil, 0, ""), want: "t", wantReq: ""},
		{name: "negative lifetime not sent", replies: []string{`Token = "t"`}, call: fetch(nil, -5, ""), want: "t", wantReq: ""},
		{name: "daemon error", replies: []string{"ErrorString = \"Server will not sign with requested key.\"\nErrorCode = 3"},
			call: fetch(nil, 0, "named"), wantErr: "DAEMON:3:Server will not sign with requested key.", wantReq: "RequestedKey = \"named\"\n"},
		{name: "nested daemon error", replies: []string{"ErrorString = \"TOKEN:1:Failed to read file /x/AP securely.\"\nErrorCode = 1"},
			call: fetch(nil, 0, ""), wantErr: "DAEMON:1:TOKEN:1:Failed to read file /x/AP securely.", wantReq: ""},
		{name: "error without code is -1", replies: []string{`ErrorString = "boom"`}, call: fetch(nil, 0, ""),
			wantErr: "DAEMON:-1:boom", wantReq: ""},
		{name: "error code 0 is -1", replies: []string{"ErrorString = \"boom\"\nErrorCode = 0"}, call: fetch(nil, 0, ""),
			wantErr: "DAEMON:-1:boom", wantReq: ""},
		{name: "string error code is -1", replies: []string{"ErrorString = \"boom\"\nErrorCode = \"7\""}, call: fetch(nil, 0, ""),
			wantErr: "DAEMON:-1:boom", wantReq: ""},
		{name: "malformed reply", replies: []string{`Other = 1`}, call: fetch(nil, 0, ""), wantReq: "",
			wantErr: "DAEMON:1:BUG!  Daemon::getSessionToken() received a malformed ad containing no resulting token and no error message, from remote daemon at '<addr>'\n"},
		{name: "no reply", replies: nil, call: fetch(nil, 0, ""), wantReq: "",
			wantErr: "DAEMON:1:Failed to recieve response from remote daemon at at '<addr>'\n"},
	})
}

func TestStartTokenRequestCalls(t *testing.T) {
	start := func(identity string, authz []string, lifetime int64) func(*Client, Target) (string, error) {
		return func(c *Client, t Target) (string, error) {
			r, err := c.StartTokenRequest(context.Background(), t, identity, authz, lifetime, "host-42")
			return r.RequestID + "|" + r.Token, err
		}
	}
	runCallCases(t, CmdStartTokenRequest, []callCase{
		{name: "pending", replies: []string{`RequestId = "0001234"`}, call: start("bob@example.net", []string{"READ"}, 300),
			want: "0001234|", wantReq: "User = \"bob@example.net\"\nClientId = \"host-42\"\nTokenLifetime = 300\nLimitAuthorization = \"READ\"\n"},
		{name: "identity without domain", replies: []string{`RequestId = "1"`}, call: start("frank", nil, 0),
			want: "1|", wantReq: "User = \"frank@example.net\"\nClientId = \"host-42\"\n"},
		{name: "default identity", replies: []string{`RequestId = "1"`}, call: start("", nil, -1),
			want: "1|", wantReq: "User = \"condor@example.net\"\nClientId = \"host-42\"\n"},
		{name: "auto-approved", replies: []string{"RequestId = \"0000007\"\nToken = \"x.y.z\""}, call: start("condor", []string{"ADVERTISE_STARTD"}, 0),
			want: "0000007|x.y.z", wantReq: "User = \"condor@example.net\"\nClientId = \"host-42\"\nLimitAuthorization = \"ADVERTISE_STARTD\"\n"},
		{name: "no signing key", replies: []string{"RequestId = \"0000001\"\nErrorString = \"TOKEN_UTILS:4:Server does not have a signing key configured.\"\nErrorCode = 4"},
			call: start("a@b", nil, 0), wantErr: "DAEMON:4:TOKEN_UTILS:4:Server does not have a signing key configured.",
			wantReq: "User = \"a@b\"\nClientId = \"host-42\"\n"},
		{name: "not encrypted", replies: []string{"ErrorString = \"Request to server was not encrypted.\"\nErrorCode = 7"},
			call: start("a@b", nil, 0), wantErr: "DAEMON:7:Request to server was not encrypted.", wantReq: "User = \"a@b\"\nClientId = \"host-42\"\n"},
		{name: "malformed", replies: []string{`Token = ""`}, call: start("a@b", nil, 0), wantReq: "User = \"a@b\"\nClientId = \"host-42\"\n",
			wantErr: "DAEMON:1:BUG!  Daemon::startTokenRequest() received a malformed ad, containing no resulting token and no error message, from remote daemon at '<addr>'"},
		{name: "no reply", call: start("a@b", nil, 0), wantReq: "User = \"a@b\"\nClientId = \"host-42\"\n",
			wantErr: "DAEMON:1:Failed to recieve response from remote daemon at at '<addr>'"},
	})
}

func TestFinishTokenRequestCalls(t *testing.T) {
	finish := func(c *Client, t Target) (string, error) {
		return c.FinishTokenRequest(context.Background(), t, "0001234", "host-42")
	}
	const req = "ClientId = \"host-42\"\nRequestId = \"0001234\"\n"
	runCallCases(t, CmdFinishTokenRequest, []callCase{
		{name: "token", replies: []string{`Token = "a.b.c"`}, call: finish, want: "a.b.c", wantReq: req},
		{name: "pending", replies: []string{`Token = ""`}, call: finish, want: "", wantReq: req},
		{name: "expired", replies: []string{"ErrorString = \"Request has expired.\"\nErrorCode = 5"}, call: finish,
			wantErr: "DAEMON:5:Request has expired.", wantReq: req},
		{name: "unknown", replies: []string{"ErrorString = \"Request ID is not known.\"\nErrorCode = 3"}, call: finish,
			wantErr: "DAEMON:3:Request ID is not known.", wantReq: req},
		{name: "failed", replies: []string{"ErrorCode = 4\nErrorString = \"Request failed.\""}, call: finish,
			wantErr: "DAEMON:4:Request failed.", wantReq: req},
		{name: "malformed", replies: []string{`RequestId = "1"`}, call: finish, wantReq: req,
			wantErr: "DAEMON:1:BUG!  Daemon::finishTokenRequest() received a malformed ad containing no resulting token and no error message, from remote daemon at '<addr>'"},
		{name: "no reply", replies: nil, call: finish, wantReq: req,
			wantErr: "DAEMON:1:Failed to recieve response from remote daemon at '<addr>'"},
		{name: "bytes after the reply ad", replies: []string{"Token = \"a\"\n---\nToken = \"b\""}, call: finish, wantReq: req,
			wantErr: "DAEMON:1:Failed to read end-of-message from remote daemon at '<addr>'\n"},
	})
}

func TestListTokenRequestsCalls(t *testing.T) {
	list := func(id string) func(*Client, Target) (string, error) {
		return func(c *Client, t Target) (string, error) {
			ads, err := c.ListTokenRequests(context.Background(), t, id)
			var parts []string
			for _, ad := range ads {
				parts = append(parts, strings.Join(ad.AssignmentLines(classad.InsertionOrder), ";"))
			}
			return strings.Join(parts, "|"), err
		}
	}
	req1 := "ClientId = \"vm-354\"\nRequestId = \"1479368\"\nPeerLocation = \"127.0.0.1\"\nTokenLifetime = 300\n" +
		"RequestedIdentity = \"bob@example.net\"\nLimitAuthorization = \"READ\"\nAuthenticatedIdentity = \"unauthenticated@unmapped\""
	runCallCases(t, CmdListTokenRequest, []callCase{
		{name: "one request", replies: []string{req1, "Owner = 0\nErrorCode = 0"}, call: list(""), wantReq: "",
			want: `ClientId = "vm-354";RequestId = "1479368";PeerLocation = "127.0.0.1";TokenLifetime = 300;` +
				`RequestedIdentity = "bob@example.net";LimitAuthorization = "READ";AuthenticatedIdentity = "unauthenticated@unmapped"`},
		{name: "filter", replies: []string{`RequestId = "2"`, `RequestId = "3"`, "Owner = 0\nErrorCode = 0"}, call: list("2"),
			want: `RequestId = "2"|RequestId = "3"`, wantReq: "RequestId = \"2\"\n"},
		{name: "none", replies: []string{"Owner = 0\nErrorCode = 0"}, call: list(""), want: "", wantReq: ""},
		{name: "terminator error", replies: []string{"Owner = 0\nErrorCode = 2\nErrorString = \"Unable to convert request ID to integer.\""},
			call: list("abc"), wantErr: "DAEMON:2:Unable to convert request ID to integer.", wantReq: "RequestId = \"abc\"\n"},
		{name: "terminator code without string", replies: []string{"Owner = 0\nErrorCode = 9"}, call: list(""), want: "", wantReq: ""},
		{name: "non-integer Owner is a request", replies: []string{`Owner = "0"`, "Owner = 0"}, call: list(""),
			want: `Owner = "0"`, wantReq: ""},
		// SEC_ENABLE_TOKEN_REQUEST = false: one error ad without the
		// sentinel, then the daemon closes (tokens.md §2).
		{name: "disabled", replies: []string{"ErrorString = \"Token request disabled.\"\nErrorCode = 44"}, call: list(""), wantReq: "",
			wantErr: "DAEMON:2:Failed to receive response ClassAd from remote daemon at '<addr>'"},
	})
}

func TestApproveTokenRequestCalls(t *testing.T) {
	approve := func(c *Client, t Target) (string, error) {
		return "ok", c.ApproveTokenRequest(context.Background(), t, "1479368", "vm-354")
	}
	const req = "ClientId = \"vm-354\"\nRequestId = \"1479368\"\n"
	runCallCases(t, CmdApproveTokenRequest, []callCase{
		{name: "approved", replies: []string{"ErrorCode = 0"}, call: approve, want: "ok", wantReq: req},
		{name: "no result", replies: []string{`ErrorString = "x"`}, call: approve, wantReq: req,
			wantErr: "DAEMON:1:Remote daemon at '<addr>' did not return a result."},
		{name: "refused", replies: []string{"ErrorCode = 5\nErrorString = \"Request unknown.\""}, call: approve, wantReq: req,
			wantErr: "DAEMON:5:Request unknown."},
		{name: "refused without text", replies: []string{"ErrorCode = 6"}, call: approve, wantReq: req,
			wantErr: "DAEMON:6:Unknown error."},
		{name: "no reply", call: approve, wantReq: req,
			wantErr: "DAEMON:1:Failed to recieve response from remote daemon at '<addr>'\n"},
	})
}

func TestAutoApproveCalls(t *testing.T) {
	auto := func(nb string, lifetime int64) func(*Client, Target) (string, error) {
		return func(c *Client, t Target) (string, error) {
			return "ok", c.AutoApproveTokenRequests(context.Background(), t, nb, lifetime)
		}
	}
	runCallCases(t, CmdAutoApproveTokenRequest, []callCase{
		{name: "installed", replies: []string{"ErrorCode = 0"}, call: auto("127.0.0.0/8", 3600), want: "ok",
			wantReq: "Subnet = \"127.0.0.0/8\"\nLifetime = 3600\n"},
		{name: "refused", replies: []string{"ErrorCode = -2\nErrorString = \"Auto-approval rule netblock invalid.\""},
			call: auto("10.*", 60), wantErr: "DAEMON:-2:Auto-approval rule netblock invalid.", wantReq: "Subnet = \"10.*\"\nLifetime = 60\n"},
		{name: "no result", replies: []string{`Other = 1`}, call: auto("*", 60),
			wantErr: "DAEMON:1:Remote daemon at '<addr>' did not return a result.", wantReq: "Subnet = \"*\"\nLifetime = 60\n"},
		{name: "no reply", call: auto("*", 60), wantReq: "Subnet = \"*\"\nLifetime = 60\n",
			wantErr: "DAEMON:1:Failed to recieve response from remote daemon at at '<addr>'\n"},
	})
}

// Checks the C++ client makes before connecting (daemon.cpp).
func TestClientSideChecks(t *testing.T) {
	cfg, _ := poolConfig(t)
	c, err := New(Options{Config: cfg, Sessions: nil})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	bad := Target{Name: "<127.0.0.1:1>"}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"finish without client id", errOnly(c.FinishTokenRequest(ctx, bad, "1", "")), "DAEMON:1:Unable to set client ID."},
		{"finish without request id", errOnly(c.FinishTokenRequest(ctx, bad, "", "x")), "DAEMON:1:Unable to set request ID."},
		{"start without client id", errOnly(c.StartTokenRequest(ctx, bad, "a@b", nil, 0, "")), "DAEMON:1:Unable to set client ID."},
		{"approve without request id", c.ApproveTokenRequest(ctx, bad, "", "x"), "DAEMON:1:No request ID provided."},
		{"approve without client id", c.ApproveTokenRequest(ctx, bad, "1", ""), "DAEMON:1:No client ID provided."},
		{"auto without netblock", c.AutoApproveTokenRequests(ctx, bad, "", 10), "DAEMON:1:No netblock provided."},
		{"auto bad netblock", c.AutoApproveTokenRequests(ctx, bad, "no.such/net", 10), "DAEMON:2:Auto-approval rule netblock invalid."},
		{"auto zero lifetime", c.AutoApproveTokenRequests(ctx, bad, "*", 0), "DAEMON:2:Auto-approval rule lifetimes must be greater than zero."},
		{"ping unknown level", errOnly(c.Ping(ctx, bad, "NOT_A_LEVEL")), `DAEMON:1:"NOT_A_LEVEL" is neither a permission level, a command name nor a command number`},
		{"bad type", errOnly(c.GetSessionToken(ctx, Target{Type: "bogus"}, nil, 0, "")), "ERROR: unrecognized daemon type: bogus"},
	} {
		if tc.err == nil || tc.err.Error() != tc.want {
			t.Errorf("%s: error %q, want %q", tc.name, errText(tc.err), tc.want)
		}
	}
}

func errOnly[T any](_ T, err error) error { return err }

func TestNetblocks(t *testing.T) {
	for _, nb := range []string{"*", "*/*", "127.0.0.0/8", "10.0.0.0/255.0.0.0", "192.168.*", "10.1", "10.1.2.3",
		"2001:db8::/32", "[2001:db8::1]", "2001:db8:*", "1.2.3.4/99"} {
		if !validNetblock(nb) {
			t.Errorf("%q refused", nb)
		}
	}
	for _, nb := range []string{"", "host.example.org", "10.0.0.0/", "10.0.0.0/255.0.255.0", "1.2.3.4.5", "300.1",
		"2001:db8::/255.0.0.0", "a/b", "::1%eth0", strings.Repeat("1", 200)} {
		if validNetblock(nb) {
			t.Errorf("%q accepted", nb)
		}
	}
}
