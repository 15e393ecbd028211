package token

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

const blockA1 = `Request contents:
ClientId = "host-755"
RequestId = "0642594"
PeerLocation = "127.0.0.1"
TokenLifetime = 3600
RequestedIdentity = "alice@htc.local"
LimitAuthorization = "READ,WRITE"
AuthenticatedIdentity = "condor@htc.local"

To approve, please type 'yes'
`

const blockA2 = `Request contents:
ClientId = "host-184"
RequestId = "3369998"
PeerLocation = "127.0.0.1"
TokenLifetime = 600
RequestedIdentity = "bob@htc.local"
AuthenticatedIdentity = "condor@htc.local"

To approve, please type 'yes'
`

func listing(ads []*classad.Ad, err error) *fakeClient {
	return &fakeClient{
		list:    func(string) ([]*classad.Ad, error) { return ads, err },
		approve: func(string, string) error { return nil },
	}
}

// condor_token_request_approve, real-tools.md §7.2 and §19.
func TestLegacyApprove(t *testing.T) {
	for _, tc := range []struct {
		name           string
		reqID          string
		ads            func(t *testing.T) []*classad.Ad
		listErr        error
		approveErr     error
		stdin          string
		code           int
		stdout, stderr string
		calls          []string
	}{
		{name: "A1 approved", reqID: "0642594", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adR1(t)} },
			stdin: "yes\n", stdout: blockA1 + "Request 0642594 approved successfully.\n",
			calls: []string{`list collector "0642594"`, "approve 0642594 host-755"}},
		{name: "A2 no", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adA2(t)} },
			stdin: "no\n", code: 1, stdout: blockA2, stderr: "Request was NOT approved.\n", calls: []string{`list collector ""`}},
		{name: "A3 EOF", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adA2(t)} },
			stdin: "", code: 1, stdout: blockA2, stderr: "Request was NOT approved.\n", calls: []string{`list collector ""`}},
		{name: "A4 YES is not yes", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adA2(t)} },
			stdin: "YES\n", code: 1, stdout: blockA2, stderr: "Request was NOT approved.\n", calls: []string{`list collector ""`}},
		{name: "no trimming", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adA2(t)} },
			stdin: "yes \n", code: 1, stdout: blockA2, stderr: "Request was NOT approved.\n", calls: []string{`list collector ""`}},
		{name: "A5 yes without newline at EOF", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adA2(t)} },
			stdin: "yes", stdout: blockA2 + "Request 3369998 approved successfully.\n",
			calls: []string{`list collector ""`, "approve 3369998 host-184"}},
		{name: "all, the second refused", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adR1(t), adA2(t)} },
			stdin: "yes\nno\n", code: 1, stdout: blockA1 + "Request 0642594 approved successfully.\n" + blockA2,
			stderr: "Request was NOT approved.\n", calls: []string{`list collector ""`, "approve 0642594 host-755"}},
		{name: "with -reqid only the first", reqID: "0642594", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adR1(t), adA2(t)} },
			stdin: "yes\nyes\n", stdout: blockA1 + "Request 0642594 approved successfully.\n",
			calls: []string{`list collector "0642594"`, "approve 0642594 host-755"}},
		{name: "A6 nothing pending", ads: func(*testing.T) []*classad.Ad { return nil }, stdin: "yes\n",
			code: 1, stderr: "Remote daemon has no request to approve.\n", calls: []string{`list collector ""`}},
		{name: "A7 unknown id", reqID: "1234567", ads: func(*testing.T) []*classad.Ad { return nil }, stdin: "yes\n",
			code: 1, stderr: "Remote daemon did not provide information for request ID 1234567.\n", calls: []string{`list collector "1234567"`}},
		{name: "A8 bad id", reqID: "abc", listErr: daemonErr("DAEMON", 2, "Unable to convert request ID to integer."), stdin: "yes\n",
			code: 1, stderr: "Failed to locate request corresponding to ID abc: DAEMON:2:Unable to convert request ID to integer.\n",
			calls: []string{`list collector "abc"`}},
		{name: "list fails without id", listErr: daemonErr("DAEMON", 1, "Failed to connect to remote daemon at '<127.0.0.1:1>'"),
			code: 1, stderr: "Failed to locate request corresponding to ID : DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:1>'\n",
			calls: []string{`list collector ""`}},
		{name: "not located", listErr: locateErr("ERROR: couldn't locate default daemon type."),
			code: 1, stderr: "ERROR: couldn't locate default daemon type.\n", calls: []string{`list collector ""`}},
		{name: "no client id", ads: func(t *testing.T) []*classad.Ad {
			return []*classad.Ad{requestAd(t, "RequestId", "1", "RequestedIdentity", "a@b")}
		}, stdin: "yes\n", code: 1, stderr: "Remote host did not provide a client ID.\n", calls: []string{`list collector ""`}},
		{name: "no request id", ads: func(t *testing.T) []*classad.Ad {
			return []*classad.Ad{requestAd(t, "ClientId", "h-1")}
		}, stdin: "yes\n", code: 1, stdout: "Request contents:\nClientId = \"h-1\"\n\nTo approve, please type 'yes'\n",
			stderr: "Remote host did not provide a request ID.\n", calls: []string{`list collector ""`}},
		{name: "approve refused", reqID: "0642594", ads: func(t *testing.T) []*classad.Ad { return []*classad.Ad{adR1(t)} },
			approveErr: daemonErr("DAEMON", 5, "Request unknown."), stdin: "yes\n", code: 1, stdout: blockA1,
			stderr: "Failed to approve token request: DAEMON:5:Request unknown.\n",
			calls:  []string{`list collector "0642594"`, "approve 0642594 host-755"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ads []*classad.Ad
			if tc.ads != nil {
				ads = tc.ads(t)
			}
			fc := listing(ads, tc.listErr)
			fc.approve = func(string, string) error { return tc.approveErr }
			e := newEnv(t, "").withClient(fc)
			e.stdin.WriteString(tc.stdin)
			err := ApproveRun(&ApproveOptions{F: e.f, Legacy: true, ReqID: tc.reqID, All: tc.reqID == ""})
			if got := cmdutil.CodeOf(err); got != tc.code {
				t.Fatalf("exit %d (%v), want %d", got, err, tc.code)
			}
			if e.stdout.String() != tc.stdout || e.stderr.String() != tc.stderr {
				t.Fatalf("stdout %q\nstderr %q\nwant   %q\n       %q", e.stdout, e.stderr, tc.stdout, tc.stderr)
			}
			if diff := cmp.Diff(tc.calls, fc.callList()); diff != "" {
				t.Fatalf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

func TestModernApproveRefusesToPromptWithoutTerminal(t *testing.T) {
	fc := listing(nil, nil)
	e := newEnv(t, "").withClient(fc)
	err := execute(NewCmdApprove(e.f, nil), "--all")
	if cmdutil.CodeOf(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "--yes") || len(fc.callList()) != 0 {
		t.Fatalf("err %v calls %v", err, fc.callList())
	}
}

func TestModernApprove(t *testing.T) {
	// --all --yes approves everything without reading stdin.
	fc := listing([]*classad.Ad{adR1(t), adA2(t)}, nil)
	e := newEnv(t, "").withClient(fc)
	if err := execute(NewCmdApprove(e.f, nil), "--all", "--yes"); err != nil {
		t.Fatal(err)
	}
	if e.stdout.String() != "Request 0642594 approved.\nRequest 3369998 approved.\n" {
		t.Fatalf("stdout %q", e.stdout)
	}
	if diff := cmp.Diff([]string{`list collector ""`, "approve 0642594 host-755", "approve 3369998 host-184"}, fc.callList()); diff != "" {
		t.Fatal(diff)
	}

	// On a terminal each request is shown and confirmed; "no" skips it.
	fc = listing([]*classad.Ad{adR1(t), adA2(t)}, nil)
	e = newEnv(t, "").withClient(fc)
	e.f.IOStreams.SetStdinTTY(true)
	e.stdin.WriteString("no\nyes\n")
	if err := execute(NewCmdApprove(e.f, nil), "--all", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`list collector ""`, "approve 3369998 host-184"}, fc.callList()); diff != "" {
		t.Fatal(diff)
	}
	for _, want := range []string{"Request 0642594\n", "requested identity:  alice@htc.local", "authorizations:      READ,WRITE", "token lifetime:      1h0m0s", "Approve request 3369998?"} {
		if !strings.Contains(e.stderr.String(), want) {
			t.Errorf("prompt lacks %q:\n%s", want, e.stderr)
		}
	}
	var res []map[string]any
	if err := json.Unmarshal(e.stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, e.stdout)
	}
	if len(res) != 2 || res[0]["approved"] != false || res[1]["approved"] != true || res[1]["RequestedIdentity"] != "bob@htc.local" || res[1]["TokenLifetime"] != float64(600) {
		t.Fatalf("json %v", res)
	}

	// An id nobody lists is an error; a daemon refusal carries its text.
	e = newEnv(t, "").withClient(listing(nil, nil))
	err := execute(NewCmdApprove(e.f, nil), "--reqid", "1234567", "--yes")
	if cmdutil.CodeOf(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "no pending request 1234567") {
		t.Fatalf("err %v", err)
	}
	fc = listing([]*classad.Ad{adR1(t)}, nil)
	fc.approve = func(string, string) error {
		return daemonErr("DAEMON", 6, "Insufficient privilege to approve request.")
	}
	e = newEnv(t, "").withClient(fc)
	err = execute(NewCmdApprove(e.f, nil), "--reqid", "0642594", "--yes")
	if cmdutil.CodeOf(err) != cmdutil.ExitFailure || !strings.Contains(err.Error(), "DAEMON:6:Insufficient privilege") {
		t.Fatalf("err %v", err)
	}
	// Nothing pending with --all is not an error.
	e = newEnv(t, "").withClient(listing(nil, nil))
	if err := execute(NewCmdApprove(e.f, nil), "--all", "--yes"); err != nil || e.stderr.String() != "No pending token requests.\n" {
		t.Fatalf("err %v stderr %q", err, e.stderr)
	}
}
