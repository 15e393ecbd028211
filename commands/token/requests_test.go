package token

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// Block RL1 of real-tools.md §6.2 (attributes sorted case-insensitively).
const blockRL1 = `AuthenticatedIdentity = "condor@htc.local"
ClientId = "host-755"
LimitAuthorization = "READ,WRITE"
PeerLocation = "127.0.0.1"
RequestedIdentity = "alice@htc.local"
RequestId = "0642594"
TokenLifetime = 3600

`

// Block RL4 (-json).
const blockRL4 = `[
{
  "AuthenticatedIdentity": "condor@htc.local",
  "ClientId": "host-755",
  "LimitAuthorization": "READ,WRITE",
  "PeerLocation": "127.0.0.1",
  "RequestedIdentity": "alice@htc.local",
  "RequestId": "0642594",
  "TokenLifetime": 3600
}
]
`

// condor_token_request_list, real-tools.md §6 and §20.
func TestLegacyRequestList(t *testing.T) {
	two := func(t *testing.T) []*classad.Ad { return []*classad.Ad{adR1(t), adA2(t)} }
	one := func(t *testing.T) []*classad.Ad { return []*classad.Ad{adR1(t)} }
	none := func(*testing.T) []*classad.Ad { return nil }
	for _, tc := range []struct {
		name           string
		reqID          string
		json           bool
		ads            func(t *testing.T) []*classad.Ad
		err            error
		code           int
		stdout, stderr string
	}{
		{name: "RL1 long", ads: one, stdout: blockRL1},
		{name: "RL3 by id", reqID: "0642594", ads: one, stdout: blockRL1},
		{name: "RL4 json", json: true, ads: one, stdout: blockRL4},
		{name: "two ads, json", json: true, ads: two, stdout: strings.TrimSuffix(blockRL4, "]\n") + ",\n" + `{
  "AuthenticatedIdentity": "condor@htc.local",
  "ClientId": "host-184",
  "PeerLocation": "127.0.0.1",
  "RequestedIdentity": "bob@htc.local",
  "RequestId": "3369998",
  "TokenLifetime": 600
}
]
`},
		{name: "two ads, long", ads: two, stdout: blockRL1 + `AuthenticatedIdentity = "condor@htc.local"
ClientId = "host-184"
PeerLocation = "127.0.0.1"
RequestedIdentity = "bob@htc.local"
RequestId = "3369998"
TokenLifetime = 600

`},
		{name: "RL5 nothing pending", ads: none, stderr: "Remote daemon reports no requests pending.\n"},
		{name: "nothing pending, json", json: true, ads: none, stderr: "Remote daemon reports no requests pending.\n"},
		{name: "RL6 unknown id", reqID: "1234567", ads: none, code: 1, stderr: "Remote daemon did not provide information for request ID 1234567.\n"},
		{name: "id but two answers", reqID: "0642594", ads: two, code: 1, stderr: "Remote daemon did not provide information for request ID 0642594.\n"},
		{name: "list fails", err: daemonErr("DAEMON", 1, "Failed to start command for listing token requests with remote daemon at '<127.0.0.1:9618>'."),
			code: 1, stderr: "Failed to list token requests: DAEMON:1:Failed to start command for listing token requests with remote daemon at '<127.0.0.1:9618>'.\n"},
		{name: "id lookup fails", reqID: "abc", err: daemonErr("DAEMON", 2, "Unable to convert request ID to integer."),
			code: 1, stderr: "Failed to locate request corresponding to ID abc: DAEMON:2:Unable to convert request ID to integer.\n"},
		{name: "not located", err: locateErr("ERROR: couldn't locate daemon coll!"), code: 1, stderr: "ERROR: couldn't locate daemon coll!\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ads []*classad.Ad
			if tc.ads != nil {
				ads = tc.ads(t)
			}
			fc := listing(ads, tc.err)
			e := newEnv(t, "").withClient(fc)
			err := RequestsRun(&RequestsOptions{F: e.f, Legacy: true, ReqID: tc.reqID, JSON: tc.json})
			if got := cmdutil.CodeOf(err); got != tc.code {
				t.Fatalf("exit %d (%v), want %d", got, err, tc.code)
			}
			if diff := cmp.Diff(tc.stdout, e.stdout.String()); diff != "" || e.stderr.String() != tc.stderr {
				t.Fatalf("stdout (-want +got):\n%s\nstderr %q, want %q", diff, e.stderr, tc.stderr)
			}
			if diff := cmp.Diff([]string{"list collector \"" + tc.reqID + "\""}, fc.callList()); diff != "" {
				t.Fatal(diff)
			}
		})
	}
}

func TestModernRequests(t *testing.T) {
	e := newEnv(t, "").withClient(listing([]*classad.Ad{adR1(t), adA2(t)}, nil))
	if err := execute(NewCmdRequests(e.f, nil), "--type", "schedd"); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(e.stdout.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "REQUEST ID") ||
		strings.Join(strings.Fields(lines[1]), " ") != "0642594 alice@htc.local condor@htc.local 127.0.0.1 READ,WRITE 1h0m0s host-755" ||
		strings.Join(strings.Fields(lines[2]), " ") != "3369998 bob@htc.local condor@htc.local 127.0.0.1 (all) 10m0s host-184" {
		t.Fatalf("table:\n%s", e.stdout)
	}

	fc := listing([]*classad.Ad{adR1(t)}, nil)
	e = newEnv(t, "").withClient(fc)
	if err := execute(NewCmdRequests(e.f, nil), "-o", "json", "--type", "schedd"); err != nil {
		t.Fatal(err)
	}
	if got := fc.callList(); got[0] != `list schedd ""` {
		t.Fatalf("calls %v", got)
	}
	var res []map[string]any
	if err := json.Unmarshal(e.stdout.Bytes(), &res); err != nil {
		t.Fatalf("%v: %s", err, e.stdout)
	}
	want := []map[string]any{{"AuthenticatedIdentity": "condor@htc.local", "ClientId": "host-755", "LimitAuthorization": "READ,WRITE",
		"PeerLocation": "127.0.0.1", "RequestedIdentity": "alice@htc.local", "RequestId": "0642594", "TokenLifetime": float64(3600)}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Fatal(diff)
	}

	// Empty: exit 0, a note on stderr; JSON gives [].
	e = newEnv(t, "").withClient(listing(nil, nil))
	if err := execute(NewCmdRequests(e.f, nil)); err != nil || e.stderr.String() != "No pending token requests.\n" {
		t.Fatalf("err %v stderr %q", err, e.stderr)
	}
	e = newEnv(t, "").withClient(listing(nil, nil))
	if err := execute(NewCmdRequests(e.f, nil), "-o", "json"); err != nil || e.stdout.String() != "[]\n" {
		t.Fatalf("err %v stdout %q", err, e.stdout)
	}
	e = newEnv(t, "").withClient(listing(nil, nil))
	if err := execute(NewCmdRequests(e.f, nil), "--reqid", "7"); cmdutil.CodeOf(err) != cmdutil.ExitFailure {
		t.Fatalf("unknown id: %v", err)
	}
	e = newEnv(t, "").withClient(listing(nil, daemonErr("SECMAN", 2010, `Received "DENIED" from server for user u@d using method FS.`)))
	if err := execute(NewCmdRequests(e.f, nil)); cmdutil.CodeOf(err) != cmdutil.ExitAuth {
		t.Fatalf("denied: %v", err)
	}
}

const blockAA5 = `Successfully installed auto-approval rule for netblock 10.0.0.0/8 with lifetime of 1.00 hours
The following requests remain after auto-approval rule was installed:
==================================================
ClientId = "host-387"
RequestId = "1103993"
PeerLocation = "127.0.0.1"
RequestedIdentity = "gina@htc.local"
AuthenticatedIdentity = "condor@htc.local"

==================================================
To approve these requests, please run condor_token_request_approve manually.
`

// condor_token_request_auto_approve, real-tools.md §8 and §21.
func TestLegacyAutoApprove(t *testing.T) {
	gina := func(t *testing.T) []*classad.Ad {
		return []*classad.Ad{requestAd(t, "AuthenticatedIdentity", "condor@htc.local", "RequestedIdentity", "gina@htc.local",
			"PeerLocation", "127.0.0.1", "RequestId", "1103993", "ClientId", "host-387")}
	}
	for _, tc := range []struct {
		name           string
		netblock       string
		lifetime       int64
		autoErr        error
		ads            func(t *testing.T) []*classad.Ad
		listErr        error
		code           int
		stdout, stderr string
	}{
		{name: "AA5 remaining", netblock: "10.0.0.0/8", lifetime: 3600, ads: gina, stdout: blockAA5},
		{name: "AA8 none remaining", netblock: "127.0.0.0/8", lifetime: 600,
			stdout: "Successfully installed auto-approval rule for netblock 127.0.0.0/8 with lifetime of 0.17 hours\n",
			stderr: "Remote daemon reports no un-approved requests pending.\n"},
		{name: "listing fails, still exit 0", netblock: "127.0.0.1/32", lifetime: 90, listErr: daemonErr("DAEMON", 1, "boom"),
			stdout: "Successfully installed auto-approval rule for netblock 127.0.0.1/32 with lifetime of 0.03 hours\n",
			stderr: "Failed to list remaining token requests: DAEMON:1:boom\n"},
		{name: "AA3 bad netblock", netblock: "bogus", lifetime: 60, autoErr: daemonErr("DAEMON", 2, "Auto-approval rule netblock invalid."),
			code: 1, stderr: "Failed to create new auto-approval rule: DAEMON:2:Auto-approval rule netblock invalid.\n"},
		{name: "AA4 zero lifetime", netblock: "127.0.0.1/32", lifetime: 0, autoErr: daemonErr("DAEMON", 2, "Auto-approval rule lifetimes must be greater than zero."),
			code: 1, stderr: "Failed to create new auto-approval rule: DAEMON:2:Auto-approval rule lifetimes must be greater than zero.\n"},
		{name: "AA6 denied", netblock: "127.0.0.1/32", lifetime: 60,
			autoErr: daemonErr("SECMAN", 2010, `Received "DENIED" from server for user htcuser@htc.local using method FS.`),
			code:    1, stderr: "Failed to create new auto-approval rule: SECMAN:2010:Received \"DENIED\" from server for user htcuser@htc.local using method FS.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ads []*classad.Ad
			if tc.ads != nil {
				ads = tc.ads(t)
			}
			fc := listing(ads, tc.listErr)
			fc.auto = func(string, int64) error { return tc.autoErr }
			e := newEnv(t, "").withClient(fc)
			err := AutoApproveRun(&AutoApproveOptions{F: e.f, Legacy: true, Netblock: tc.netblock, Lifetime: tc.lifetime})
			if got := cmdutil.CodeOf(err); got != tc.code {
				t.Fatalf("exit %d (%v), want %d", got, err, tc.code)
			}
			if diff := cmp.Diff(tc.stdout, e.stdout.String()); diff != "" || e.stderr.String() != tc.stderr {
				t.Fatalf("stdout (-want +got):\n%s\nstderr %q, want %q", diff, e.stderr, tc.stderr)
			}
			if calls := fc.callList(); calls[0] != "auto collector "+tc.netblock+" "+itoa(tc.lifetime) {
				t.Fatalf("calls %v", calls)
			}
		})
	}
}

func TestModernAutoApprove(t *testing.T) {
	fc := listing([]*classad.Ad{adA2(t)}, nil)
	fc.auto = func(string, int64) error { return nil }
	e := newEnv(t, "").withClient(fc)
	if err := execute(NewCmdAutoApprove(e.f, nil), "--netblock", "10.0.0.0/8", "--lifetime", "10m"); err != nil {
		t.Fatal(err)
	}
	if got := fc.callList(); got[0] != "auto collector 10.0.0.0/8 600" {
		t.Fatalf("calls %v", got)
	}
	out := e.stdout.String()
	if !strings.Contains(out, "from 10.0.0.0/8 are approved for the next 10m0s") || !strings.Contains(out, "3369998") {
		t.Fatalf("stdout %q", out)
	}
	// Default lifetime one hour; JSON lists what remains.
	fc = listing(nil, nil)
	fc.auto = func(string, int64) error { return nil }
	e = newEnv(t, "").withClient(fc)
	if err := execute(NewCmdAutoApprove(e.f, nil), "--netblock", "127.0.0.0/8", "-o", "json"); err != nil {
		t.Fatal(err)
	}
	var res map[string]any
	if err := json.Unmarshal(e.stdout.Bytes(), &res); err != nil || res["lifetime"] != float64(3600) || res["netblock"] != "127.0.0.0/8" {
		t.Fatalf("json %s %v", e.stdout, err)
	}
	if err := execute(NewCmdAutoApprove(e.f, nil)); cmdutil.CodeOf(err) != cmdutil.ExitUsage {
		t.Fatalf("missing --netblock: %v", err)
	}
}

func itoa(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
