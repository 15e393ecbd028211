package ssl

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseKnownHostsLine(t *testing.T) {
	tests := []struct {
		line string
		want KnownHostEntry
		ok   bool
	}{
		{"", KnownHostEntry{}, false},
		{"   ", KnownHostEntry{}, false},
		{"# comment", KnownHostEntry{}, false},
		{"vm FS unknown", KnownHostEntry{"vm", true, "FS", "unknown"}, true}, // real-tools.md §17
		{"!vm SSL MIIB", KnownHostEntry{"vm", false, "SSL", "MIIB"}, true},
		{"! SSL MIIB", KnownHostEntry{"", false, "SSL", "MIIB"}, true}, // R9
		{" SSL MIIB", KnownHostEntry{}, false},                         // R10: two fields only
		{"vm SSL", KnownHostEntry{}, false},
		{"vm   SSL  @trusted extra", KnownHostEntry{"vm", true, "SSL", "@trusted"}, true},
		{"\tvm SSL X\r", KnownHostEntry{"vm", true, "SSL", "X"}, true},
		{"!!vm SSL X", KnownHostEntry{"!vm", false, "SSL", "X"}, true},
	}
	for _, tc := range tests {
		got, ok := ParseKnownHostsLine(tc.line)
		if ok != tc.ok || got != tc.want {
			t.Errorf("ParseKnownHostsLine(%q) = %+v, %v; want %+v, %v", tc.line, got, ok, tc.want, tc.ok)
		}
	}
}

func TestKnownHostsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a", "b", "known_hosts")
	kh := NewKnownHosts(path)
	if e, ok, err := kh.FirstMatch("vm"); ok || err != nil {
		t.Fatalf("FirstMatch on a missing file = %+v, %v, %v", e, ok, err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("reading created the file: %v", err)
	}
	steps := []KnownHostEntry{
		{"vm", true, "FS", "unknown"},
		{"vm", false, "SSL", "AAAA"},
		{"vm", true, "FS", "unknown"}, // identical: not appended again
		{"", false, "SSL", "BBBB"},
		{"other", true, "SSL", "@trusted"},
	}
	for _, e := range steps {
		if err := kh.Add(e.Host, e.Permitted, e.Method, e.Info); err != nil {
			t.Fatal(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "vm FS unknown\n!vm SSL AAAA\n! SSL BBBB\nother SSL @trusted\n"
	if string(data) != want {
		t.Errorf("file = %q, want %q", data, want)
	}
	e, ok, err := kh.FirstMatch("vm")
	if err != nil || !ok || e != (KnownHostEntry{"vm", true, "FS", "unknown"}) {
		t.Errorf("FirstMatch(vm) = %+v, %v, %v", e, ok, err)
	}
	e, ok, _ = kh.FirstMatch("")
	if !ok || e.Permitted || e.Info != "BBBB" {
		t.Errorf("FirstMatch(\"\") = %+v, %v", e, ok)
	}
	for _, bad := range []KnownHostEntry{{"a b", true, "SSL", "x"}, {"h", true, "SSL", "x y"}, {"h", true, "", "x"}, {"h", true, "SSL", ""}, {"!h", true, "SSL", "x"}, {"h\n", true, "SSL", "x"}} {
		if err := kh.Add(bad.Host, bad.Permitted, bad.Method, bad.Info); err == nil {
			t.Errorf("Add(%+v) accepted an entry that cannot be one line", bad)
		}
	}
	entries, err := kh.Entries()
	if err != nil || len(entries) != 4 {
		t.Errorf("Entries = %d entries, %v", len(entries), err)
	}
	if err := os.Chmod(path, 0); err == nil && os.Geteuid() != 0 {
		if _, _, err := kh.FirstMatch("vm"); err == nil || !strings.Contains(err.Error(), "known_hosts") {
			t.Errorf("unreadable file: err = %v", err)
		}
	}
}

func TestPrompt(t *testing.T) {
	cert := UntrustedCert{
		Host:        "",
		Fingerprint: "74:74:10:2b:db:3b:23:16:dc:9a:66:2f:b5:fa:8b:bc:26:9e:03:c9:ab:ac:14:54:87:29:92:fe:0d:87:98:41",
		Subject:     "/O=condor/CN=htc.local",
		IsCA:        true,
	}
	// Block R10 of real-tools.md §5, note the two spaces for the empty host.
	header := "The remote host  presented an untrusted CA certificate with the following fingerprint:\n" +
		"SHA-256: 74:74:10:2b:db:3b:23:16:dc:9a:66:2f:b5:fa:8b:bc:26:9e:03:c9:ab:ac:14:54:87:29:92:fe:0d:87:98:41\n" +
		"Subject: /O=condor/CN=htc.local\n" +
		"Would you like to trust this server for current and future communications?\n"
	ask := "Please type 'yes' or 'no':\n"
	tests := []struct {
		input    string
		want     bool
		prompts  int
		leftover string
	}{
		{"yes\n", true, 1, ""},
		{"no\n", false, 1, ""},
		{"maybe\nYES\nyes\nnext line\n", true, 3, "next line\n"},
		{"", false, 1, ""},
		{"yes", true, 1, ""}, // getline at end of input still yields the word
		{"y\n", false, 2, ""},
	}
	for _, tc := range tests {
		in := strings.NewReader(tc.input)
		var out strings.Builder
		got := Prompt(in, &out)(cert)
		if got != tc.want {
			t.Errorf("input %q: got %v, want %v", tc.input, got, tc.want)
		}
		if d := cmp.Diff(header+strings.Repeat(ask, tc.prompts), out.String()); d != "" {
			t.Errorf("input %q: prompt text (-want +got):\n%s", tc.input, d)
		}
		rest, _ := io.ReadAll(in)
		if string(rest) != tc.leftover {
			t.Errorf("input %q: left %q unread, want %q", tc.input, rest, tc.leftover)
		}
	}
	var out strings.Builder
	Prompt(strings.NewReader("no\n"), &out)(UntrustedCert{Host: "vm", Subject: "/CN=vm"})
	if !strings.HasPrefix(out.String(), "The remote host vm presented an untrusted certificate with") {
		t.Errorf("non-CA prompt: %q", out.String())
	}
}
