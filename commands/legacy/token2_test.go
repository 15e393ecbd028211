package legacy

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestCreateTooFewArguments: fewer than two arguments print only the usage,
// before any option is looked at (real-tools.md C4, C10–C12, §3.1).
func TestCreateTooFewArguments(t *testing.T) {
	for id, args := range map[string][]string{
		"C4": nil, "C10": {"-id"}, "C11": {"-identity"}, "C12": {"-t"},
		"key": {"-key"}, "bogus": {"-bogus"}, "help": {"-help"},
	} {
		t.Run(id, func(t *testing.T) {
			_, err := ParseCreate("/p/condor_token_create", args)
			wantExit(t, err, 1, "", golden(t, ToolTokenCreate, "/p/condor_token_create"))
		})
	}
}

func TestParseCreate(t *testing.T) {
	tests := []struct {
		id   string
		args []string
		want *CreateArgs
	}{
		{"C1", []string{"-identity", "alice@htc.local"},
			&CreateArgs{Identity: "alice@htc.local", HasIdentity: true, Key: "POOL", Lifetime: -1}},
		{"C2", []string{"-identity", "bob@htc.local", "-authz", "READ", "-authz", "WRITE", "-lifetime", "600"},
			&CreateArgs{Identity: "bob@htc.local", HasIdentity: true, Key: "POOL", Authz: []string{"READ", "WRITE"}, Lifetime: 600}},
		{"C3", []string{"-identity", "carol@htc.local", "-token", "created_carol"},
			&CreateArgs{Identity: "carol@htc.local", HasIdentity: true, Key: "POOL", Lifetime: -1, Token: "created_carol"}},
		{"C5", []string{"-identity", "alice@htc.local", "-key", "NOSUCHKEY"},
			&CreateArgs{Identity: "alice@htc.local", HasIdentity: true, Key: "NOSUCHKEY", Lifetime: -1}},
		{"C6", []string{"-identity", "alice@htc.local", "-lifetime", "0"},
			&CreateArgs{Identity: "alice@htc.local", HasIdentity: true, Key: "POOL", Lifetime: 0}},
		{"id_prefix", []string{"-id", "x"}, &CreateArgs{Identity: "x", HasIdentity: true, Key: "POOL", Lifetime: -1}},
		{"no_identity_RB8", []string{"-key", "POOL"}, &CreateArgs{Key: "POOL", Lifetime: -1}},
		{"file_wins", []string{"-to", "t", "-f", "/tmp/x"}, &CreateArgs{Key: "POOL", Lifetime: -1, File: "/tmp/x"}},
		{"debug", []string{"-d:D_ALL", "-k", "AP"}, &CreateArgs{Key: "AP", Lifetime: -1, Debug: true, DebugFlags: "D_ALL"}},
		{"negative_lifetime", []string{"-identity", "a", "-lifetime", "-5"}, &CreateArgs{Identity: "a", HasIdentity: true, Key: "POOL", Lifetime: -5}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseCreate("condor_token_create", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseTokenList(t *testing.T) {
	tests := []struct {
		id   string
		args []string
		want *TokenListArgs
	}{
		{"L1", nil, &TokenListArgs{}},
		{"L3", []string{"-dir", "/l/etc/tokens.d"}, &TokenListArgs{Dir: "/l/etc/tokens.d", HasDir: true}},
		{"L4", []string{"-file", "tok.file"}, &TokenListArgs{File: "tok.file", HasFile: true}},
		{"L8", []string{"-type", "schedd"}, &TokenListArgs{Common: Common{Type: "schedd"}}},
		{"L10", []string{"-d"}, &TokenListArgs{Common: Common{Debug: true}}},
		{"capability", []string{"-capability", "-pool", "p", "-name", "n", "-type", "STARTD"},
			&TokenListArgs{Capability: true, Common: Common{Pool: "p", Name: "n", Type: "startd"}}},
		// -file prints at once and exits: later options are not even checked.
		{"file_stops", []string{"-c", "-file", "f", "-bogus", "-type", "bogus", "-dir"},
			&TokenListArgs{Capability: true, File: "f", HasFile: true}},
		{"file_empty", []string{"-file", ""}, &TokenListArgs{HasFile: true}},
		// -dir "" means the configured directory, as in the original.
		{"dir_empty", []string{"-dir", ""}, &TokenListArgs{}},
		{"dir_last_wins", []string{"-di", "a", "-dir", "b"}, &TokenListArgs{Dir: "b", HasDir: true}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseTokenList("condor_token_list", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// Errors before -file are still reported.
	_, err := ParseTokenList("condor_token_list", []string{"-type", "bogus", "-file", "f"})
	wantExit(t, err, 1, "", "ERROR: unrecognized daemon type: bogus\n"+golden(t, ToolTokenList, "condor_token_list"))
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		id   string
		args []string
		want *RequestArgs
	}{
		{"R1", []string{"-identity", "alice@htc.local", "-authz", "READ", "-authz", "WRITE", "-lifetime", "3600", "-token", "req_alice"},
			&RequestArgs{Identity: "alice@htc.local", Authz: []string{"READ", "WRITE"}, Lifetime: 3600, HasLifetime: true, Token: "req_alice"}},
		{"R3", []string{"-identity", "dave@htc.local"}, &RequestArgs{Identity: "dave@htc.local", Lifetime: -1}},
		{"R4", []string{"-lifetime", "100"}, &RequestArgs{Lifetime: 100, HasLifetime: true}},
		{"R5", []string{"-identity", "frank"}, &RequestArgs{Identity: "frank", Lifetime: -1}},
		{"R12", []string{"-authz", "ADVERTISE_STARTD", "-lifetime", "3600"},
			&RequestArgs{Authz: []string{"ADVERTISE_STARTD"}, Lifetime: 3600, HasLifetime: true}},
		{"R13", []string{"-type", "schedd", "-identity", "sched@htc.local"},
			&RequestArgs{Common: Common{Type: "schedd"}, Identity: "sched@htc.local", Lifetime: -1}},
		{"R18", []string{"-name", "nosuch", "-identity", "x@htc.local"},
			&RequestArgs{Common: Common{Name: "nosuch"}, Identity: "x@htc.local", Lifetime: -1}},
		{"file", []string{"-f", "out", "-p", "pool:1"}, &RequestArgs{File: "out", Lifetime: -1, Common: Common{Pool: "pool:1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseRequest("condor_token_request", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseApproveAndList(t *testing.T) {
	ap := []struct {
		id   string
		args []string
		want *ApproveArgs
	}{
		{"A1", []string{"-reqid", "0642594"}, &ApproveArgs{ReqID: "0642594", HasReqID: true}},
		{"A2", nil, &ApproveArgs{}},
		{"A8", []string{"-reqid", "abc"}, &ApproveArgs{ReqID: "abc", HasReqID: true}},
		{"A10", []string{"-type", "schedd"}, &ApproveArgs{Common: Common{Type: "schedd"}}},
		{"empty_reqid", []string{"-r", ""}, &ApproveArgs{}},
	}
	for _, tt := range ap {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseApprove("condor_token_request_approve", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	rl := []struct {
		id   string
		args []string
		want *RequestListArgs
	}{
		{"RL1", nil, &RequestListArgs{}},
		{"RL3", []string{"-reqid", "0642594"}, &RequestListArgs{ReqID: "0642594", HasReqID: true}},
		{"RL4", []string{"-json"}, &RequestListArgs{JSON: true}},
		{"RL6", []string{"-reqid", "1234567"}, &RequestListArgs{ReqID: "1234567", HasReqID: true}},
		{"RL12", []string{"-type", "schedd"}, &RequestListArgs{Common: Common{Type: "schedd"}}},
		{"all", []string{"-p", "c:1", "-n", "x", "-r", "7", "-json", "-debug:D_FULLDEBUG"},
			&RequestListArgs{Common: Common{Pool: "c:1", Name: "x", Debug: true, DebugFlags: "D_FULLDEBUG"}, ReqID: "7", HasReqID: true, JSON: true}},
	}
	for _, tt := range rl {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseRequestList("condor_token_request_list", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParseAutoApprove(t *testing.T) {
	tests := []struct {
		id   string
		args []string
		want *AutoApproveArgs
	}{
		{"AA3", []string{"-netblock", "bogus", "-lifetime", "60"}, &AutoApproveArgs{Netblock: "bogus", Lifetime: 60}},
		{"AA4", []string{"-netblock", "127.0.0.1/32", "-lifetime", "0"}, &AutoApproveArgs{Netblock: "127.0.0.1/32", Lifetime: 0}},
		{"AA5", []string{"-netblock", "10.0.0.0/8", "-lifetime", "3600"}, &AutoApproveArgs{Netblock: "10.0.0.0/8", Lifetime: 3600}},
		{"default_lifetime", []string{"-ne", "127.0.0.0/8"}, &AutoApproveArgs{Netblock: "127.0.0.0/8", Lifetime: 3600}},
		{"target", []string{"-ne", "::1/128", "-t", "Schedd", "-n", "s", "-p", "c"},
			&AutoApproveArgs{Netblock: "::1/128", Lifetime: 3600, Common: Common{Type: "schedd", Name: "s", Pool: "c"}}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseAutoApprove("condor_token_request_auto_approve", tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
		})
	}
	// AA2: -netblock is required; the message names argv0 twice.
	const aa2 = "condor_token_request_auto_approve: -netblock argument is required.\nExample: condor_token_request_auto_approve -netblock 192.168.0.0/24\n"
	_, err := ParseAutoApprove("condor_token_request_auto_approve", nil)
	wantExit(t, err, 1, "", aa2)
	_, err = ParseAutoApprove("condor_token_request_auto_approve", []string{"-netblock", "", "-lifetime", "60"})
	wantExit(t, err, 1, "", aa2)
	_, err = ParseAutoApprove("./aa", []string{"-l", "60"})
	wantExit(t, err, 1, "", "./aa: -netblock argument is required.\nExample: ./aa -netblock 192.168.0.0/24\n")
	// Loop errors come before the -netblock check.
	_, err = ParseAutoApprove("condor_token_request_auto_approve", []string{"-l", "x"})
	wantExit(t, err, 1, "", "condor_token_request_auto_approve: Invalid argument for -lifetime: x.\n")
}

// TestParseDispatch: Parse returns the typed result of each tool.
func TestParseDispatch(t *testing.T) {
	for tool, want := range map[string]string{
		ToolTokenFetch:              "*legacy.FetchArgs",
		ToolTokenCreate:             "*legacy.CreateArgs",
		ToolTokenList:               "*legacy.TokenListArgs",
		ToolTokenRequest:            "*legacy.RequestArgs",
		ToolTokenRequestApprove:     "*legacy.ApproveArgs",
		ToolTokenRequestList:        "*legacy.RequestListArgs",
		ToolTokenRequestAutoApprove: "*legacy.AutoApproveArgs",
		ToolStoreCred:               "*legacy.StoreCredArgs",
	} {
		args := map[string][]string{
			ToolTokenCreate:             {"-identity", "a@b"},
			ToolTokenRequestAutoApprove: {"-netblock", "10.0.0.0/8"},
			ToolStoreCred:               {"query"},
		}[tool]
		res := mustParse(t, tool, args...)
		if got := fmt.Sprintf("%T", res); got != want {
			t.Errorf("Parse(%s) returned %s, want %s", tool, got, want)
		}
	}
}

// TestParseErrorIsNilInterfaceOnSuccess guards against a typed-nil *Exit
// being returned as a non-nil error.
func TestParseErrorIsNilInterfaceOnSuccess(t *testing.T) {
	_, err := Parse(ToolTokenFetch, ToolTokenFetch, nil)
	if err != nil {
		t.Fatalf("err = %#v, want nil", err)
	}
}

// TestParseErrorHasNilResult: on an error Parse returns an untyped nil
// result, not an interface holding a nil pointer (found by FuzzParse).
func TestParseErrorHasNilResult(t *testing.T) {
	for _, tool := range Names() {
		res, err := Parse(tool, tool, []string{"-h"})
		if err == nil || res != nil {
			t.Errorf("Parse(%s, -h) = %#v, %v; want nil, *Exit", tool, res, err)
		}
	}
}
