package legacy

import (
	"fmt"
	"testing"
)

// prefixRow is one option of real-tools.md §12's table: its name, minimum
// abbreviation, whether it takes a value, and whether it is exact-only.
type prefixRow struct {
	name  string
	min   int
	value string // "" for a flag
	exact bool
}

// prefixTable is real-tools.md §12 (and the 25.14.0 sources), written out
// independently of the package's own tables.
var prefixTable = map[string][]prefixRow{
	ToolTokenFetch: {
		{"authz", 1, "77", false}, {"lifetime", 1, "77", false}, {"pool", 1, "77", false},
		{"name", 1, "77", false}, {"key", 1, "77", false}, {"token", 2, "77", false},
		{"file", 1, "77", false}, {"type", 1, "credd", false}, {"remote", 1, "", false},
		{"debug", 1, "", false}, {"help", 1, "", false},
	},
	ToolTokenCreate: {
		{"identity", 2, "77", false}, {"key", 1, "77", false}, {"authz", 1, "77", false},
		{"lifetime", 1, "77", false}, {"token", 2, "77", false}, {"file", 1, "77", false},
		{"debug", 1, "", false}, {"help", 1, "", false},
	},
	ToolTokenList: {
		{"debug", 1, "", false}, {"help", 1, "", false}, {"dir", 2, "77", false},
		{"file", 1, "77", false}, {"capability", 1, "", false}, {"pool", 1, "77", false},
		{"name", 1, "77", false}, {"type", 1, "credd", false},
	},
	ToolTokenRequest: {
		{"authz", 1, "77", false}, {"lifetime", 1, "77", false}, {"identity", 1, "77", false},
		{"pool", 1, "77", false}, {"name", 1, "77", false}, {"token", 2, "77", false},
		{"file", 1, "77", false}, {"type", 1, "credd", false}, {"debug", 1, "", false},
		{"help", 1, "", false},
	},
	ToolTokenRequestApprove: {
		{"reqid", 1, "77", false}, {"pool", 1, "77", false}, {"name", 1, "77", false},
		{"type", 1, "credd", false}, {"debug", 1, "", false}, {"help", 1, "", false},
	},
	ToolTokenRequestList: {
		{"pool", 1, "77", false}, {"name", 1, "77", false}, {"type", 1, "credd", false},
		{"reqid", 1, "77", false}, {"debug", 1, "", false}, {"json", 4, "", true},
		{"help", 1, "", false},
	},
	ToolTokenRequestAutoApprove: {
		{"lifetime", 1, "77", false}, {"netblock", 2, "10.0.0.0/8", false}, {"pool", 1, "77", false},
		{"name", 1, "77", false}, {"type", 1, "credd", false}, {"debug", 1, "", false},
		{"help", 1, "", false},
	},
}

// observe renders the outcome of a parse (result or exit) so that two
// command lines can be compared for identical behaviour.
func observe(tool string, args []string) string {
	// condor_token_create needs two arguments before it parses anything;
	// auto_approve needs -netblock. A neutral tail keeps the probe valid.
	switch tool {
	case ToolTokenCreate:
		args = append(args, "-key", "K")
	case ToolTokenRequestAutoApprove:
		args = append(args, "-ne", "192.168.0.0/24")
	}
	res, err := Parse(tool, tool, args)
	if err != nil {
		ex, ok := err.(*Exit)
		if !ok {
			return "error: " + err.Error()
		}
		return fmt.Sprintf("exit %d %q %q", ex.Code, ex.Stdout, ex.Stderr)
	}
	return fmt.Sprintf("%T %+v", res, res)
}

func withValue(flag, value string) []string {
	if value == "" {
		return []string{flag}
	}
	return []string{flag, value}
}

// TestOptionPrefixes checks, for every option of every token tool, that the
// shortest allowed abbreviation behaves exactly like the full name, that one
// character less does not, that "--name" is the full name and that a
// double-dashed abbreviation is rejected (real-tools.md §12, F48–F52,
// C9–C12, L10–L12, RL16–RL17, AA9–AA11).
func TestOptionPrefixes(t *testing.T) {
	for tool, rows := range prefixTable {
		for _, r := range rows {
			t.Run(tool+"/"+r.name, func(t *testing.T) {
				full := observe(tool, withValue("-"+r.name, r.value))
				if got := observe(tool, withValue("-"+r.name[:r.min], r.value)); got != full {
					t.Errorf("shortest prefix -%s:\n got %s\nwant %s", r.name[:r.min], got, full)
				}
				short := "-" + r.name[:r.min-1]
				if got := observe(tool, withValue(short, r.value)); got == full {
					t.Errorf("one-too-short prefix %s behaves like -%s: %s", short, r.name, got)
				}
				dd := observe(tool, withValue("--"+r.name, r.value))
				if r.exact {
					if dd == full {
						t.Errorf("--%s accepted, want exact -%s only", r.name, r.name)
					}
				} else if dd != full {
					t.Errorf("--%s:\n got %s\nwant %s", r.name, dd, full)
				}
				if len(r.name) > 1 {
					partial := "--" + r.name[:len(r.name)-1]
					if got := observe(tool, withValue(partial, r.value)); got == full {
						t.Errorf("%s (double dash, partial) accepted like -%s", partial, r.name)
					}
				}
			})
		}
	}
}

// TestOptionTablesMatchSpec keeps the package's tables (DescribeFlags) in
// step with real-tools.md §12: same options, same order, same minimums.
func TestOptionTablesMatchSpec(t *testing.T) {
	for tool, rows := range prefixTable {
		docs := DescribeFlags(tool)
		if len(docs) != len(rows) {
			t.Errorf("%s: %d options described, want %d", tool, len(docs), len(rows))
			continue
		}
		for i, r := range rows {
			d := docs[i]
			if d.Name != r.name || d.Min != r.min || d.Exact != r.exact || d.TakesValue != (r.value != "") {
				t.Errorf("%s option %d = %+v, want name %s min %d exact %v value %v",
					tool, i, d, r.name, r.min, r.exact, r.value != "")
			}
			if d.Help == "" {
				t.Errorf("%s -%s has no help line", tool, d.Name)
			}
			if d.TakesValue != (d.Arg != "") {
				t.Errorf("%s -%s: TakesValue %v but Arg %q", tool, d.Name, d.TakesValue, d.Arg)
			}
		}
	}
	sc := DescribeFlags(ToolStoreCred)
	letters := ""
	for _, d := range sc {
		if !d.Letter || len(d.Name) != 1 || d.Help == "" {
			t.Errorf("store_cred flag %+v: want a one-letter documented switch", d)
		}
		letters += d.Name
	}
	if want := "ucpisHSAPnfdh"; letters != want {
		t.Errorf("store_cred switches = %q, want %q (usage order)", letters, want)
	}
	if DescribeFlags("condor_ping") != nil {
		t.Error("DescribeFlags of an unknown tool is not nil")
	}
	// Mutating the returned slice must not change the tables.
	DescribeFlags(ToolTokenFetch)[0].Name = "x"
	DescribeFlags(ToolStoreCred)[0].Name = "x"
	if DescribeFlags(ToolTokenFetch)[0].Name != "authz" || DescribeFlags(ToolStoreCred)[0].Name != "u" {
		t.Error("DescribeFlags returned shared storage")
	}
}

// TestFirstMatchWins pins the order-dependent abbreviations of §12.
func TestFirstMatchWins(t *testing.T) {
	// F48: -t is -type in condor_token_fetch; F49: -to is -token.
	_, err := ParseFetch("condor_token_fetch", []string{"-t"})
	wantExit(t, err, 1, "", "condor_token_fetch: -type requires a daemon type argument.\n")
	_, err = ParseFetch("condor_token_fetch", []string{"-to"})
	wantExit(t, err, 1, "", "condor_token_fetch: -token requires a file name argument.\n")
	// L10: -d is -debug in condor_token_list, L11: -di is -dir.
	l := mustParse(t, ToolTokenList, "-d").(*TokenListArgs)
	if !l.Debug || l.HasDir {
		t.Errorf("condor_token_list -d = %+v, want -debug", l)
	}
	// AA9/AA10: -n is -name, -ne is -netblock.
	a := mustParse(t, ToolTokenRequestAutoApprove, "-n", "sched", "-ne", "10.0.0.0/8").(*AutoApproveArgs)
	if a.Name != "sched" || a.Netblock != "10.0.0.0/8" {
		t.Errorf("auto_approve -n/-ne = %+v", a)
	}
	// condor_token_request: -i is -identity (min 1), unlike create (min 2).
	r := mustParse(t, ToolTokenRequest, "-i", "bob").(*RequestArgs)
	if r.Identity != "bob" {
		t.Errorf("condor_token_request -i = %+v", r)
	}
}
