package legacy

import (
	"errors"
	"strconv"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary argument vectors (joined with NUL, which can
// never occur inside a real argv element) to every tool's parser. Parsing
// must never panic; it ends either with a result of the tool's type and a
// nil error, or with an *Exit whose status is 0, 1 or 2 and which writes
// something.
func FuzzParse(f *testing.F) {
	seeds := []struct {
		tool uint8
		args []string
	}{
		{0, []string{"add-oauth", "-s", "svc", "-i", "-", "-P", "-H", "h"}},
		{0, []string{"-c", "query"}},
		{0, []string{"-f", "pw", "delete"}},
		{0, []string{"ADD-OAUTH"}},
		{0, []string{"add", "-u", "a@b", "-debug:D_ALL"}},
		{0, []string{"aaaaaaaaaaaaaaaaaaaaaaaaa-krb"}},
		{1, []string{"-identity", "a@b", "-lifetime", "10s", "-authz", "READ"}},
		{1, []string{"-t"}},
		{2, []string{"-type", "COLLECTOR", "-remote", "-authz", "A", "-token", "t", "-file", "f"}},
		{2, []string{"--he"}},
		{2, []string{"-lifetime", "-9223372036854775809"}},
		{3, []string{"-capability", "-file", "x", "-bogus"}},
		{3, []string{"-di"}},
		{4, []string{"-identity", "frank", "-l", " +42abc"}},
		{5, []string{"-reqid", "0642594", "-type", "schedd"}},
		{6, []string{"-auto"}},
		{6, []string{"-netblock", "10.0.0.0/8", "-l", "0"}},
		{7, []string{"-json", "-js", "--json"}},
		{7, []string{"-d:D_SECURITY:2", "-r", ""}},
	}
	for _, s := range seeds {
		f.Add(s.tool, strings.Join(s.args, "\x00"))
	}
	names := Names()
	f.Fuzz(func(t *testing.T, toolIdx uint8, joined string) {
		tool := names[int(toolIdx)%len(names)]
		var args []string
		if joined != "" {
			args = strings.Split(joined, "\x00")
		}
		res, err := Parse(tool, "/bin/"+tool, args)
		if err != nil {
			if res != nil {
				t.Fatalf("%s %q: both a result and an error", tool, args)
			}
			var ex *Exit
			if !errors.As(err, &ex) {
				t.Fatalf("%s %q: error %v is not *Exit", tool, args, err)
			}
			if ex.Code < 0 || ex.Code > 2 {
				t.Fatalf("%s %q: exit code %d", tool, args, ex.Code)
			}
			if ex.Stdout == "" && ex.Stderr == "" {
				t.Fatalf("%s %q: exit %d writes nothing", tool, args, ex.Code)
			}
			if ex.Code == 0 && (tool != ToolTokenList || ex.Stdout != Usage(tool, "/bin/"+tool)) {
				t.Fatalf("%s %q: exit 0 other than condor_token_list -help: %+v", tool, args, ex)
			}
			return
		}
		if res == nil {
			t.Fatalf("%s %q: nil result without error", tool, args)
		}
		switch r := res.(type) {
		case *AutoApproveArgs:
			if r.Netblock == "" {
				t.Fatalf("auto_approve accepted without -netblock: %q", args)
			}
		case *StoreCredArgs:
			if r.Mode < 0 || r.Mode > 0xFF || r.Type.String() == "unknown" {
				t.Fatalf("store_cred %q: bad mode %#x / type %v", args, r.Mode, r.Type)
			}
			if r.HasPasswordFile && r.Action != ActionAdd {
				t.Fatalf("store_cred %q: -f with action %v", args, r.Action)
			}
		case *FetchArgs:
			if r.Token != "" && r.File != "" {
				t.Fatalf("fetch %q: both -token and -file set", args)
			}
		case *CreateArgs:
			if len(args) < 2 {
				t.Fatalf("create accepted %d arguments", len(args))
			}
		}
	})
}

// FuzzParseLong checks parseLong (the std::stol used for -lifetime)
// against strconv on the same leading-number prefix: white space, sign and
// digits are extracted independently and converted with strconv.ParseInt.
func FuzzParseLong(f *testing.F) {
	for _, s := range []string{"600", "10s", "-5", " +7", "abc", "", "-", "9223372036854775808",
		"-9223372036854775808", "\t\n42x", "00000000000000000000000000001", "+-1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseLong(s)
		rest := strings.TrimLeft(s, " \t\n\v\f\r")
		sign := ""
		if rest != "" && (rest[0] == '+' || rest[0] == '-') {
			sign, rest = rest[:1], rest[1:]
		}
		n := 0
		for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
			n++
		}
		if n == 0 {
			if ok {
				t.Fatalf("parseLong(%q) = %d, want failure (no digits)", s, got)
			}
			return
		}
		want, err := strconv.ParseInt(sign+rest[:n], 10, 64)
		if (err == nil) != ok || (ok && got != want) {
			t.Fatalf("parseLong(%q) = %d, %v; strconv gives %d, %v", s, got, ok, want, err)
		}
	})
}
