package legacy

import (
	"math"
	"slices"
	"testing"
)

func TestMatch(t *testing.T) {
	help := Option{Name: "help", Min: 1}
	token := Option{Name: "token", Min: 2}
	debug := Option{Name: "debug", Min: 1, Colon: true}
	json := Option{Name: "json", Exact: true}
	tests := []struct {
		arg  string
		opt  Option
		want bool
	}{
		{"-h", help, true},
		{"-he", help, true},
		{"-help", help, true},
		{"--help", help, true},  // F50: double dash with the full word
		{"--he", help, false},   // F51
		{"-HELP", help, false},  // F52: case-sensitive
		{"-helpx", help, false}, // longer than the name
		{"-hx", help, false},
		{"-", help, false},
		{"--", help, false},
		{"", help, false},
		{"help", help, false}, // no dash
		{"---help", help, false},
		{"-t", token, false}, // one character too short
		{"-to", token, true}, // F49
		{"-tok", token, true},
		{"--token", token, true},
		{"--tok", token, false},
		{"-d", debug, true},
		{"-debug", debug, true},
		{"-debug:D_SECURITY", debug, true},
		{"-d:D_ALL", debug, true},
		{"-de:", debug, true},
		{"--debug:D_ALL", debug, true},
		{"--deb:D_ALL", debug, false},
		{"-debugx", debug, false},
		{"-dx:y", debug, false},
		{"-:x", debug, false},
		{"-json", json, true},
		{"-js", json, false},    // RL16
		{"--json", json, false}, // RL17
		{"-jsonx", json, false},
		{"-d:x", help, false}, // no colon for non-Colon options
		{"-h:x", help, false},
	}
	for _, tt := range tests {
		if got := Match(tt.arg, tt.opt); got != tt.want {
			t.Errorf("Match(%q, %+v) = %v, want %v", tt.arg, tt.opt, got, tt.want)
		}
	}
}

func TestMatchColonFlags(t *testing.T) {
	debug := Option{Name: "debug", Min: 1, Colon: true}
	tests := []struct{ arg, flags string }{
		{"-debug", ""},
		{"-debug:", ""},
		{"-debug:D_SECURITY:2,D_COMMAND", "D_SECURITY:2,D_COMMAND"},
		{"-d::x", ":x"},
		{"--debug:D_FULLDEBUG", "D_FULLDEBUG"},
	}
	for _, tt := range tests {
		ok, flags := matchOption(tt.arg, debug)
		if !ok || flags != tt.flags {
			t.Errorf("matchOption(%q) = %v, %q; want true, %q", tt.arg, ok, flags, tt.flags)
		}
	}
}

func TestParseLongLikeStol(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"600", 600, true},
		{"10s", 10, true}, // F31
		{"-5", -5, true},  // F32
		{"0", 0, true},    // F33
		{"+7", 7, true},
		{"  \t\n\v\f\r42", 42, true},
		{"0x10", 0, true},
		{"007", 7, true},
		{"9223372036854775807", math.MaxInt64, true},
		{"-9223372036854775808", math.MinInt64, true},
		{"9223372036854775808", 0, false},  // out_of_range
		{"-9223372036854775809", 0, false}, // out_of_range
		{"99999999999999999999999", 0, false},
		{"abc", 0, false}, // F30
		{"", 0, false},
		{"-", 0, false},
		{"+", 0, false},
		{"- 5", 0, false},
		{"+-5", 0, false},
		{"x10", 0, false},
		{"\u00a010", 0, false}, // not C-locale white space
	}
	for _, tt := range tests {
		got, ok := parseLong(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseLong(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestCanonicalDaemonType(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"collector", "collector"}, {"COLLECTOR", "collector"}, {"Schedd", "schedd"},
		{"master", "master"}, {"credd", "credd"}, {"view_collector", "view_collector"},
		{"ANY", "any"}, {"generic", "generic"}, {"Lease_Manager", "lease_manager"},
	} {
		if got, ok := CanonicalDaemonType(tt.in); !ok || got != tt.want {
			t.Errorf("CanonicalDaemonType(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
	// "none" is DT_NONE and therefore unrecognised; folding is ASCII only
	// (U+212A KELVIN SIGN would fold to 'k' with strings.EqualFold).
	for _, in := range []string{"none", "NONE", "bogus", "", "schedd ", "\u212abdd", "collectors"} {
		if got, ok := CanonicalDaemonType(in); ok {
			t.Errorf("CanonicalDaemonType(%q) = %q, want rejection", in, got)
		}
	}
	if n := len(DaemonTypes()); n != 18 {
		t.Errorf("len(DaemonTypes()) = %d, want 18 (tokens.md §9.1)", n)
	}
}

func TestNamesAndLookup(t *testing.T) {
	want := []string{
		"condor_store_cred", "condor_token_create", "condor_token_fetch", "condor_token_list",
		"condor_token_request", "condor_token_request_approve",
		"condor_token_request_auto_approve", "condor_token_request_list",
	}
	if got := Names(); !slices.Equal(got, want) {
		t.Errorf("Names() = %q, want %q", got, want)
	}
	for _, tt := range []struct {
		argv0, tool string
		ok          bool
	}{
		{"condor_token_fetch", ToolTokenFetch, true},
		{"/usr/bin/condor_store_cred", ToolStoreCred, true},
		{"./bin/condor_token_request_list", ToolTokenRequestList, true},
		{"condor_token_fetch/", "", false},
		{"./mytf", "", false},
		{"condor-auth", "", false},
		{"", "", false},
	} {
		got, ok := Lookup(tt.argv0)
		if got != tt.tool || ok != tt.ok {
			t.Errorf("Lookup(%q) = %q, %v; want %q, %v", tt.argv0, got, ok, tt.tool, tt.ok)
		}
	}
}

func TestDefaultType(t *testing.T) {
	for tool, want := range map[string]string{
		ToolTokenFetch: "schedd", ToolTokenList: "schedd", ToolTokenRequest: "collector",
		ToolTokenRequestApprove: "collector", ToolTokenRequestList: "collector",
		ToolTokenRequestAutoApprove: "collector", ToolTokenCreate: "", ToolStoreCred: "",
	} {
		if got := DefaultType(tool); got != want {
			t.Errorf("DefaultType(%s) = %q, want %q", tool, got, want)
		}
	}
}

func TestBasename(t *testing.T) {
	for in, want := range map[string]string{
		"a": "a", "/a/b": "b", "a/": "", "/": "", "": "", "./mysc": "mysc",
	} {
		if got := basename(in); got != want {
			t.Errorf("basename(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestExitError(t *testing.T) {
	e := &Exit{Code: 1, Stderr: "condor_token_fetch: -authz requires an authorization name argument\n"}
	if got, want := e.Error(), "condor_token_fetch: -authz requires an authorization name argument (exit status 1)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	e = &Exit{Code: 0, Stdout: "Usage: condor_token_list [-dir PATH]\nmore\n"}
	if got, want := e.Error(), "Usage: condor_token_list [-dir PATH] (exit status 0)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := (&Exit{Code: 2}).Error(), "exit status 2"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

func TestParseUnknownTool(t *testing.T) {
	res, err := Parse("condor_ping", "condor_ping", nil)
	if err == nil || res != nil {
		t.Fatalf("Parse(condor_ping) = %v, %v; want an error", res, err)
	}
	if _, isExit := err.(*Exit); isExit {
		t.Errorf("unknown tool gave *Exit, want an ordinary error")
	}
}
