package legacy

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// golden returns the recorded usage text of tool (testdata/usage), as
// printed when the tool is invoked as argv0. For the token tools argv0
// replaces the tool name on the first line; condor_store_cred prints the
// basename of argv0.
func golden(t *testing.T, tool, argv0 string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "usage", tool+".txt"))
	if err != nil {
		t.Fatalf("reading golden usage of %s: %v", tool, err)
	}
	s := string(b)
	prefix := "Usage: " + tool
	if !strings.HasPrefix(s, prefix) {
		t.Fatalf("golden usage of %s does not start with %q", tool, prefix)
	}
	name := argv0
	if tool == ToolStoreCred {
		name = argv0[strings.LastIndexByte(argv0, '/')+1:]
	}
	return "Usage: " + name + s[len(prefix):]
}

// wantExit asserts that err is an *Exit with exactly these streams and code.
func wantExit(t *testing.T, err error, code int, stdout, stderr string) {
	t.Helper()
	var ex *Exit
	if !errors.As(err, &ex) {
		t.Fatalf("error = %v (%T), want *Exit", err, err)
	}
	if ex.Code != code {
		t.Errorf("exit code = %d, want %d", ex.Code, code)
	}
	if diff := cmp.Diff(stdout, ex.Stdout); diff != "" {
		t.Errorf("stdout mismatch (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(stderr, ex.Stderr); diff != "" {
		t.Errorf("stderr mismatch (-want +got):\n%s", diff)
	}
}

// mustParse parses and fails the test on any error.
func mustParse(t *testing.T, tool string, args ...string) any {
	t.Helper()
	res, err := Parse(tool, tool, args)
	if err != nil {
		t.Fatalf("%s %q: unexpected error %v", tool, args, err)
	}
	return res
}
