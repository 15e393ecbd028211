package legacy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// argv0s: bare name (through PATH), a full path and a symlink name
// (real-tools.md §11).
func argv0s(tool string) []string {
	return []string{tool, "/opt/condor/bin/" + tool, "./my%stool"}
}

func TestUsageMatchesRecordedText(t *testing.T) {
	for _, tool := range Names() {
		for _, argv0 := range argv0s(tool) {
			if diff := cmp.Diff(golden(t, tool, argv0), Usage(tool, argv0)); diff != "" {
				t.Errorf("Usage(%s, %q) mismatch (-want +got):\n%s", tool, argv0, diff)
			}
		}
	}
	if got := Usage("condor_ping", "condor_ping"); got != "" {
		t.Errorf("Usage of an unknown tool = %q, want \"\"", got)
	}
}

func TestUsageArgv0(t *testing.T) {
	// The token tools echo argv0 as typed; condor_store_cred its basename.
	if got := Usage(ToolTokenFetch, "/r/bin/condor_token_fetch"); !strings.HasPrefix(got, "Usage: /r/bin/condor_token_fetch [-type TYPE]") {
		t.Errorf("fetch usage first line = %q", strings.SplitN(got, "\n", 2)[0])
	}
	if got := Usage(ToolStoreCred, "/r/sbin/condor_store_cred"); !strings.HasPrefix(got, "Usage: condor_store_cred action [options]\n") {
		t.Errorf("store_cred usage first line = %q", strings.SplitN(got, "\n", 2)[0])
	}
	if got := Usage(ToolStoreCred, "./mysc"); !strings.HasPrefix(got, "Usage: mysc action [options]\n") {
		t.Errorf("store_cred usage through symlink = %q", strings.SplitN(got, "\n", 2)[0])
	}
}

// TestHelp covers -help for every tool: F24, F25, F50, C8, L6, L9, R14,
// RL14, A13, AA1, S1, S2.
func TestHelp(t *testing.T) {
	tests := []struct {
		id   string
		tool string
		args []string
	}{
		{"F24", ToolTokenFetch, []string{"-help"}},
		{"F25", ToolTokenFetch, []string{"-h"}},
		{"F50", ToolTokenFetch, []string{"--help"}},
		{"C8", ToolTokenCreate, []string{"-help", "x"}},
		{"C8_h", ToolTokenCreate, []string{"-identity", "a@b", "-h"}},
		{"L6", ToolTokenList, []string{"-help"}},
		{"L9", ToolTokenList, []string{"-h"}},
		{"R14", ToolTokenRequest, []string{"-help"}},
		{"RL14", ToolTokenRequestList, []string{"-help"}},
		{"A13", ToolTokenRequestApprove, []string{"-help"}},
		{"AA1", ToolTokenRequestAutoApprove, []string{"-help"}},
		{"S1", ToolStoreCred, []string{"-h"}},
		{"S2", ToolStoreCred, []string{"-help"}},
		{"S2_hello", ToolStoreCred, []string{"-hello"}},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			_, err := Parse(tt.tool, tt.tool, tt.args)
			if tt.tool == ToolTokenList {
				wantExit(t, err, 0, golden(t, tt.tool, tt.tool), "")
				return
			}
			wantExit(t, err, 1, "", golden(t, tt.tool, tt.tool))
		})
	}
}

func TestHelpExitAndStream(t *testing.T) {
	for _, tool := range Names() {
		e := HelpExit(tool, "/p/"+tool)
		if tool == ToolTokenList {
			if e.Code != 0 || e.Stdout != Usage(tool, "/p/"+tool) || e.Stderr != "" || UsageStream(tool) != 1 {
				t.Errorf("%s: HelpExit = %+v, stream %d; want usage on stdout, exit 0", tool, e, UsageStream(tool))
			}
			continue
		}
		if e.Code != 1 || e.Stderr != Usage(tool, "/p/"+tool) || e.Stdout != "" || UsageStream(tool) != 2 {
			t.Errorf("%s: HelpExit = %+v, stream %d; want usage on stderr, exit 1", tool, e, UsageStream(tool))
		}
	}
	if HelpExit("nope", "nope") != nil {
		t.Error("HelpExit of an unknown tool is not nil")
	}
}

// TestUsageAfterErrorsGoesToStderr: condor_token_list prints its usage on
// stdout only for -help; after an error it is on stderr with exit 1 (L7).
func TestUsageAfterErrorsGoesToStderr(t *testing.T) {
	_, err := ParseTokenList("condor_token_list", []string{"-bogus"})
	wantExit(t, err, 1, "", "condor_token_list: Invalid command line argument: -bogus\n"+golden(t, ToolTokenList, "condor_token_list"))
}
