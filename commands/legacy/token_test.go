package legacy

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// exitCase is a command line that ends during parsing.
type exitCase struct {
	id     string
	tool   string
	argv0  string // "" means the tool name
	args   []string
	code   int
	stderr string // exact; "+U" appends the usage below
	usage  bool   // stderr is followed by the usage text
}

func runExitCases(t *testing.T, cases []exitCase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.id, func(t *testing.T) {
			argv0 := c.argv0
			if argv0 == "" {
				argv0 = c.tool
			}
			res, err := Parse(c.tool, argv0, c.args)
			if err == nil {
				t.Fatalf("%s %q parsed to %+v, want exit", c.tool, c.args, res)
			}
			want := c.stderr
			if c.usage {
				want += golden(t, c.tool, argv0)
			}
			wantExit(t, err, c.code, "", want)
		})
	}
}

// TestMissingArguments: every "-opt requires ..." message, byte for byte
// (real-tools.md F28, F29, F35–F40, C13, §3.3, L11, L12, R17, §5.3, A15,
// AA9–AA11; tokens.md §9.1).
func TestMissingArguments(t *testing.T) {
	const (
		f  = ToolTokenFetch
		c  = ToolTokenCreate
		l  = ToolTokenList
		r  = ToolTokenRequest
		a  = ToolTokenRequestApprove
		rl = ToolTokenRequestList
		aa = ToolTokenRequestAutoApprove
	)
	runExitCases(t, []exitCase{
		{id: "F28", tool: f, args: []string{"-authz"}, code: 1, stderr: "condor_token_fetch: -authz requires an authorization name argument\n"},
		{id: "F29", tool: f, args: []string{"-lifetime"}, code: 1, stderr: "condor_token_fetch: -lifetime requires an integer in seconds.\n"},
		{id: "F35", tool: f, args: []string{"-type"}, code: 1, stderr: "condor_token_fetch: -type requires a daemon type argument.\n"},
		{id: "F36", tool: f, args: []string{"-token"}, code: 1, stderr: "condor_token_fetch: -token requires a file name argument.\n"},
		{id: "F37", tool: f, args: []string{"-name"}, code: 1, stderr: "condor_token_fetch: -name requires a daemon name argument.\n"},
		{id: "F38", tool: f, args: []string{"-key"}, code: 1, stderr: "condor_token_fetch: -key requires a key name argument.\n"},
		{id: "F39", tool: f, args: []string{"-pool"}, code: 1, stderr: "condor_token_fetch: -pool requires a pool name argument.\n"},
		{id: "F40", tool: f, args: []string{"-file"}, code: 1, stderr: "condor_token_fetch: -file requires a file name argument.\n"},
		{id: "F_symlink_argv0", tool: f, argv0: "./mytf", args: []string{"-authz"}, code: 1, stderr: "./mytf: -authz requires an authorization name argument\n"},
		{id: "F_after_values", tool: f, args: []string{"-authz", "READ", "-lifetime", "5", "-authz"}, code: 1, stderr: "condor_token_fetch: -authz requires an authorization name argument\n"},

		{id: "C13", tool: c, args: []string{"-identity", "a@b", "-authz"}, code: 1, stderr: "condor_token_create: -authz requires an authorization name argument\n"},
		{id: "C_identity", tool: c, args: []string{"-key", "K", "-identity"}, code: 1, stderr: "condor_token_create: -identity requires a condor identity as an argument\n"},
		{id: "C_key", tool: c, args: []string{"-identity", "a@b", "-key"}, code: 1, stderr: "condor_token_create: -key requires a key ID as an argument\n"},
		{id: "C_lifetime", tool: c, args: []string{"-identity", "a@b", "-lifetime"}, code: 1, stderr: "condor_token_create: -lifetime requires an integer in seconds.\n"},
		{id: "C_token", tool: c, args: []string{"-identity", "a@b", "-token"}, code: 1, stderr: "condor_token_create: -token requires a file name argument.\n"},
		{id: "C_file", tool: c, args: []string{"-identity", "a@b", "-file"}, code: 1, stderr: "condor_token_create: -file requires a file name argument.\n"},

		{id: "L11", tool: l, args: []string{"-di"}, code: 1, stderr: "condor_token_list: -dir requires path argument.\n", usage: true},
		{id: "L12", tool: l, args: []string{"-f"}, code: 1, stderr: "condor_token_list: -file requires file argument.\n", usage: true},
		{id: "L_pool", tool: l, args: []string{"-pool"}, code: 1, stderr: "condor_token_list: -pool requires a pool name argument.\n"},
		{id: "L_name", tool: l, args: []string{"-name"}, code: 1, stderr: "condor_token_list: -name requires a daemon name argument.\n"},
		{id: "L_type", tool: l, args: []string{"-type"}, code: 1, stderr: "condor_token_list: -type requires a daemon type argument.\n"},

		{id: "R17", tool: r, args: []string{"-identity"}, code: 1, stderr: "condor_token_request: -identity requires an argument.\n"},
		{id: "R_authz", tool: r, args: []string{"-authz"}, code: 1, stderr: "condor_token_request: -authz requires an authorization name argument\n"},
		{id: "R_lifetime", tool: r, args: []string{"-lifetime"}, code: 1, stderr: "condor_token_request: -lifetime requires an integer in seconds.\n"},
		{id: "R_pool", tool: r, args: []string{"-pool"}, code: 1, stderr: "condor_token_request: -pool requires a pool name argument.\n"},
		{id: "R_name", tool: r, args: []string{"-name"}, code: 1, stderr: "condor_token_request: -name requires a daemon name argument.\n"},
		{id: "R_token", tool: r, args: []string{"-token"}, code: 1, stderr: "condor_token_request: -token requires a file name argument.\n"},
		{id: "R_file", tool: r, args: []string{"-file"}, code: 1, stderr: "condor_token_request: -file requires a file name argument.\n"},
		{id: "R_type", tool: r, args: []string{"-type"}, code: 1, stderr: "condor_token_request: -type requires a daemon type argument.\n"},

		{id: "A15", tool: a, args: []string{"-reqid"}, code: 1, stderr: "condor_token_request_approve: -reqid requires a request ID argument.\n"},
		{id: "A_pool", tool: a, args: []string{"-pool"}, code: 1, stderr: "condor_token_request_approve: -pool requires a pool name argument.\n"},
		{id: "A_name", tool: a, args: []string{"-name"}, code: 1, stderr: "condor_token_request_approve: -name requires a daemon name argument.\n"},
		{id: "A_type", tool: a, args: []string{"-type"}, code: 1, stderr: "condor_token_request_approve: -type requires a daemon type argument.\n"},

		{id: "RL_reqid", tool: rl, args: []string{"-reqid"}, code: 1, stderr: "condor_token_request_list: -reqid requires a request ID argument.\n"},
		{id: "RL_pool", tool: rl, args: []string{"-pool"}, code: 1, stderr: "condor_token_request_list: -pool requires a pool name argument.\n"},
		{id: "RL_name", tool: rl, args: []string{"-name"}, code: 1, stderr: "condor_token_request_list: -name requires a daemon name argument.\n"},
		{id: "RL_type", tool: rl, args: []string{"-type"}, code: 1, stderr: "condor_token_request_list: -type requires a daemon type argument.\n"},

		{id: "AA9", tool: aa, args: []string{"-n"}, code: 1, stderr: "condor_token_request_auto_approve: -name requires a daemon name argument.\n"},
		{id: "AA10", tool: aa, args: []string{"-ne"}, code: 1, stderr: "condor_token_request_auto_approve: -netblock request an argument.\n"},
		{id: "AA11", tool: aa, args: []string{"-l"}, code: 1, stderr: "condor_token_request_auto_approve: -lifetime requires an argument.\n"},
		{id: "AA_pool", tool: aa, args: []string{"-pool"}, code: 1, stderr: "condor_token_request_auto_approve: -pool requires a pool name argument.\n"},
		{id: "AA_type", tool: aa, args: []string{"-type"}, code: 1, stderr: "condor_token_request_auto_approve: -type requires a daemon type argument.\n"},
	})
}

// TestInvalidArguments: unknown options and stray words give
// "argv0: Invalid command line argument: X" + usage on stderr, exit 1.
func TestInvalidArguments(t *testing.T) {
	inv := func(tool, arg string) string { return tool + ": Invalid command line argument: " + arg + "\n" }
	runExitCases(t, []exitCase{
		{id: "F26", tool: ToolTokenFetch, args: []string{"-bogus"}, code: 1, stderr: inv(ToolTokenFetch, "-bogus"), usage: true},
		{id: "F27", tool: ToolTokenFetch, args: []string{"foo"}, code: 1, stderr: inv(ToolTokenFetch, "foo"), usage: true},
		{id: "F51", tool: ToolTokenFetch, args: []string{"--he"}, code: 1, stderr: inv(ToolTokenFetch, "--he"), usage: true},
		{id: "F52", tool: ToolTokenFetch, args: []string{"-HELP"}, code: 1, stderr: inv(ToolTokenFetch, "-HELP"), usage: true},
		{id: "F_fullpath", tool: ToolTokenFetch, argv0: "/r/bin/condor_token_fetch", args: []string{"-x"}, code: 1,
			stderr: "/r/bin/condor_token_fetch: Invalid command line argument: -x\n", usage: true},
		{id: "F_empty_word", tool: ToolTokenFetch, args: []string{""}, code: 1, stderr: inv(ToolTokenFetch, ""), usage: true},
		{id: "F_dash", tool: ToolTokenFetch, args: []string{"-"}, code: 1, stderr: inv(ToolTokenFetch, "-"), usage: true},
		{id: "F_debug_suffix", tool: ToolTokenFetch, args: []string{"-debugx"}, code: 1, stderr: inv(ToolTokenFetch, "-debugx"), usage: true},
		{id: "C9", tool: ToolTokenCreate, args: []string{"-i", "x"}, code: 1, stderr: inv(ToolTokenCreate, "-i"), usage: true},
		{id: "C_t", tool: ToolTokenCreate, args: []string{"-t", "x"}, code: 1, stderr: inv(ToolTokenCreate, "-t"), usage: true},
		{id: "C_type", tool: ToolTokenCreate, args: []string{"-type", "schedd"}, code: 1, stderr: inv(ToolTokenCreate, "-type"), usage: true},
		{id: "L7", tool: ToolTokenList, args: []string{"-bogus"}, code: 1, stderr: inv(ToolTokenList, "-bogus"), usage: true},
		{id: "R15", tool: ToolTokenRequest, args: []string{"-bogus"}, code: 1, stderr: inv(ToolTokenRequest, "-bogus"), usage: true},
		{id: "R_key", tool: ToolTokenRequest, args: []string{"-key", "K"}, code: 1, stderr: inv(ToolTokenRequest, "-key"), usage: true},
		{id: "RL15", tool: ToolTokenRequestList, args: []string{"-bogus"}, code: 1, stderr: inv(ToolTokenRequestList, "-bogus"), usage: true},
		{id: "RL16", tool: ToolTokenRequestList, args: []string{"-js"}, code: 1, stderr: inv(ToolTokenRequestList, "-js"), usage: true},
		{id: "RL17", tool: ToolTokenRequestList, args: []string{"--json"}, code: 1, stderr: inv(ToolTokenRequestList, "--json"), usage: true},
		{id: "A14", tool: ToolTokenRequestApprove, args: []string{"-bogus"}, code: 1, stderr: inv(ToolTokenRequestApprove, "-bogus"), usage: true},
		{id: "A_json", tool: ToolTokenRequestApprove, args: []string{"-json"}, code: 1, stderr: inv(ToolTokenRequestApprove, "-json"), usage: true},
		{id: "AA_bogus", tool: ToolTokenRequestAutoApprove, args: []string{"-bogus"}, code: 1, stderr: inv(ToolTokenRequestAutoApprove, "-bogus"), usage: true},
		// The first error wins: an invalid word before a missing value.
		{id: "F_first_error", tool: ToolTokenFetch, args: []string{"-bogus", "-authz"}, code: 1, stderr: inv(ToolTokenFetch, "-bogus"), usage: true},
	})
}

// TestBadDaemonType: "ERROR: unrecognized daemon type: X" (no argv0) + usage
// (real-tools.md F34; every tool with -type).
func TestBadDaemonType(t *testing.T) {
	var cases []exitCase
	for _, tool := range []string{ToolTokenFetch, ToolTokenList, ToolTokenRequest, ToolTokenRequestApprove, ToolTokenRequestList, ToolTokenRequestAutoApprove} {
		cases = append(cases,
			exitCase{id: "F34/" + tool, tool: tool, argv0: "/x/" + tool, args: []string{"-type", "bogus"}, code: 1,
				stderr: "ERROR: unrecognized daemon type: bogus\n", usage: true},
			exitCase{id: "none/" + tool, tool: tool, args: []string{"-t", "none"}, code: 1,
				stderr: "ERROR: unrecognized daemon type: none\n", usage: true})
	}
	runExitCases(t, cases)
}

// TestBadLifetime: "argv0: Invalid argument for -lifetime: X." without
// usage (real-tools.md F30, R16, C14, §8.3).
func TestBadLifetime(t *testing.T) {
	bad := func(tool, v string) string { return tool + ": Invalid argument for -lifetime: " + v + ".\n" }
	runExitCases(t, []exitCase{
		{id: "F30", tool: ToolTokenFetch, args: []string{"-lifetime", "abc"}, code: 1, stderr: bad(ToolTokenFetch, "abc")},
		{id: "F_overflow", tool: ToolTokenFetch, args: []string{"-lifetime", "99999999999999999999"}, code: 1, stderr: bad(ToolTokenFetch, "99999999999999999999")},
		{id: "F_empty", tool: ToolTokenFetch, args: []string{"-l", ""}, code: 1, stderr: bad(ToolTokenFetch, "")},
		{id: "R16", tool: ToolTokenRequest, args: []string{"-lifetime", "abc"}, code: 1, stderr: bad(ToolTokenRequest, "abc")},
		{id: "C14", tool: ToolTokenCreate, args: []string{"-identity", "a@b", "-lifetime", "x"}, code: 1, stderr: bad(ToolTokenCreate, "x")},
		{id: "AA_lifetime", tool: ToolTokenRequestAutoApprove, args: []string{"-netblock", "10.0.0.0/8", "-lifetime", "ten"}, code: 1, stderr: bad(ToolTokenRequestAutoApprove, "ten")},
	})
}

func TestParseFetch(t *testing.T) {
	tests := []struct {
		id   string
		args []string
		want *FetchArgs
	}{
		{"F1", nil, &FetchArgs{Lifetime: -1}},
		{"F3", []string{"-lifetime", "600"}, &FetchArgs{Lifetime: 600, HasLifetime: true}},
		{"F4", []string{"-authz", "READ", "-authz", "WRITE"}, &FetchArgs{Lifetime: -1, Authz: []string{"READ", "WRITE"}}},
		{"F5", []string{"-lifetime", "600", "-authz", "READ", "-authz", "WRITE"},
			&FetchArgs{Lifetime: 600, HasLifetime: true, Authz: []string{"READ", "WRITE"}}},
		{"F6", []string{"-token", "fetched_root"}, &FetchArgs{Lifetime: -1, Token: "fetched_root"}},
		{"F9", []string{"-file", "tok.file"}, &FetchArgs{Lifetime: -1, File: "tok.file"}},
		{"F10", []string{"-token", "../evil"}, &FetchArgs{Lifetime: -1, Token: "../evil"}}, // checked after the fetch
		{"F12", []string{"-type", "collector"}, &FetchArgs{Lifetime: -1, Common: Common{Type: "collector"}}},
		{"F13", []string{"-type", "COLLECTOR", "-authz", "ADVERTISE_STARTD", "-lifetime", "60"},
			&FetchArgs{Common: Common{Type: "collector"}, Authz: []string{"ADVERTISE_STARTD"}, Lifetime: 60, HasLifetime: true}},
		{"F14", []string{"-type", "master"}, &FetchArgs{Lifetime: -1, Common: Common{Type: "master"}}},
		{"F15", []string{"-type", "credd"}, &FetchArgs{Lifetime: -1, Common: Common{Type: "credd"}}},
		{"F16", []string{"-name", "nosuchschedd"}, &FetchArgs{Lifetime: -1, Common: Common{Name: "nosuchschedd"}}},
		{"F19", []string{"-type", "schedd", "-name", "h@h"}, &FetchArgs{Lifetime: -1, Common: Common{Type: "schedd", Name: "h@h"}}},
		{"F20", []string{"-key", "NOSUCHKEY"}, &FetchArgs{Lifetime: -1, Key: "NOSUCHKEY"}},
		{"F31", []string{"-lifetime", "10s"}, &FetchArgs{Lifetime: 10, HasLifetime: true}},
		{"F32", []string{"-lifetime", "-5"}, &FetchArgs{Lifetime: -5, HasLifetime: true}},
		{"F33", []string{"-lifetime", "0"}, &FetchArgs{Lifetime: 0, HasLifetime: true}},
		{"F41", []string{"-authz", "BOGUS"}, &FetchArgs{Lifetime: -1, Authz: []string{"BOGUS"}}},
		{"F42", []string{"-authz", "read"}, &FetchArgs{Lifetime: -1, Authz: []string{"read"}}},
		{"F43", []string{"-pool", "127.0.0.1:29618"}, &FetchArgs{Lifetime: -1, Common: Common{Pool: "127.0.0.1:29618"}}},
		{"F46", []string{"-remote"}, &FetchArgs{Lifetime: -1, Remote: true}},
		{"remote_schedd", []string{"-r", "-type", "SCHEDD"}, &FetchArgs{Lifetime: -1, Remote: true, Common: Common{Type: "schedd"}}},
		{"token_then_file", []string{"-token", "a", "-file", "b"}, &FetchArgs{Lifetime: -1, File: "b"}},
		{"file_then_token", []string{"-file", "b", "-token", "a"}, &FetchArgs{Lifetime: -1, Token: "a"}},
		{"token_then_empty_file", []string{"-token", "a", "-file", ""}, &FetchArgs{Lifetime: -1}},
		{"value_looks_like_option", []string{"-authz", "-lifetime"}, &FetchArgs{Lifetime: -1, Authz: []string{"-lifetime"}}},
		{"debug", []string{"-debug"}, &FetchArgs{Lifetime: -1, Common: Common{Debug: true}}},
		{"debug_flags", []string{"-d:D_SECURITY:2,D_COMMAND"}, &FetchArgs{Lifetime: -1, Common: Common{Debug: true, DebugFlags: "D_SECURITY:2,D_COMMAND"}}},
		{"debug_last_wins", []string{"-debug:D_ALL", "-debug"}, &FetchArgs{Lifetime: -1, Common: Common{Debug: true}}},
		{"lifetime_last_wins", []string{"-l", "5", "-l", "6"}, &FetchArgs{Lifetime: 6, HasLifetime: true}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseFetch("condor_token_fetch", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// F47: -remote with another daemon type is refused after parsing.
func TestFetchRemoteNeedsSchedd(t *testing.T) {
	_, err := ParseFetch("condor_token_fetch", []string{"-remote", "-type", "collector"})
	wantExit(t, err, 1, "", "condor_token_fetch: Remote fetch (-remote) is only valid with the schedd.\n")
	// The order of the options does not matter: the check runs at the end.
	_, err = ParseFetch("/bin/tf", []string{"-type", "master", "-r"})
	wantExit(t, err, 1, "", "/bin/tf: Remote fetch (-remote) is only valid with the schedd.\n")
	// A later error in the loop is reported instead.
	_, err = ParseFetch("condor_token_fetch", []string{"-remote", "-type", "collector", "-authz"})
	wantExit(t, err, 1, "", "condor_token_fetch: -authz requires an authorization name argument\n")
}
