package token

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
)

func TestReadLine(t *testing.T) {
	for _, tc := range []struct {
		in   string
		line string
		ok   bool
		rest string
	}{
		{"yes\nno\n", "yes", true, "no\n"},
		{"yes", "yes", true, ""},
		{"\n", "", true, ""},
		{"", "", false, ""},
		{"yes\r\n", "yes\r", true, ""},
		{strings.Repeat("x", 5000) + "\nnext", strings.Repeat("x", 4096), true, "next"},
	} {
		r := strings.NewReader(tc.in)
		line, ok := cmdutil.ReadLine(r)
		rest, _ := io.ReadAll(r)
		if line != tc.line || ok != tc.ok || string(rest) != tc.rest {
			t.Errorf("ReadLine(%.20q) = %.20q, %v, rest %q", tc.in, line, ok, rest)
		}
	}
	// A reader that fails mid-line returns what was read.
	line, ok := cmdutil.ReadLine(io.MultiReader(strings.NewReader("ye"), iotest.ErrReader(io.ErrUnexpectedEOF)))
	if line != "ye" || !ok {
		t.Fatalf("error mid-line: %q %v", line, ok)
	}
}

func FuzzReadLine(f *testing.F) {
	for _, s := range []string{"", "yes\n", "yes", "a\nb\nc", "\x00\n", strings.Repeat("y", 5000)} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		r := bytes.NewReader(data)
		line, ok := cmdutil.ReadLine(r)
		if len(line) > 4096 || strings.Contains(line, "\n") {
			t.Fatalf("line %q", line)
		}
		if !ok && len(data) > 0 {
			t.Fatal("not ok with input")
		}
		consumed := len(data) - r.Len()
		if i := bytes.IndexByte(data, '\n'); i >= 0 && consumed != i+1 {
			t.Fatalf("consumed %d bytes, the line ends at %d", consumed, i)
		}
	})
}

// The SSL trust question is HTCondor's (real-tools.md block R10), asked
// until the answer is exactly yes or no.
func TestTrustPrompt(t *testing.T) {
	ios, in, _, errOut := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	in.WriteString("maybe\nyes\n")
	c := ssl.UntrustedCert{Host: "", Fingerprint: "74:74:10", Subject: "/O=condor/CN=htc.local", IsCA: true}
	if !f.TrustPrompt(c) {
		t.Fatal("yes not accepted")
	}
	want := "The remote host  presented an untrusted CA certificate with the following fingerprint:\nSHA-256: 74:74:10\n" +
		"Subject: /O=condor/CN=htc.local\nWould you like to trust this server for current and future communications?\n" +
		"Please type 'yes' or 'no':\nPlease type 'yes' or 'no':\n"
	if errOut.String() != want {
		t.Fatalf("prompt %q", errOut)
	}
	errOut.Reset()
	in.WriteString("no\n")
	c.IsCA, c.Host = false, "schedd.example.org"
	if f.TrustPrompt(c) || !strings.HasPrefix(errOut.String(), "The remote host schedd.example.org presented an untrusted certificate") {
		t.Fatalf("no: %q", errOut)
	}
	if f.TrustPrompt(c) { // end of input
		t.Fatal("EOF accepted")
	}
}

// Whatever ads a daemon sends and whatever is typed, the legacy and modern
// listings, approvals and auto-approval reports never panic.
func FuzzRequestAds(f *testing.F) {
	f.Add("ClientId = \"h-1\"\nRequestId = \"0642594\"\nTokenLifetime = 3600\nLimitAuthorization = \"READ\"\n", "yes\n")
	f.Add("RequestId = 7\nClientId = undefined\n", "no\n")
	f.Add("ClientId = \"x\"\nTokenLifetime = \"soon\"\nFoo = [ a = 1 ]\nBar = { 1, 2 }\n", "yes")
	f.Add("_condor_priv = \"secret\"\nClientId = \"h\\\"q\"\n", "")
	f.Fuzz(func(t *testing.T, text, stdin string) {
		ad, err := classad.ParseOld(text)
		if err != nil {
			return
		}
		ads := []*classad.Ad{ad, ad.Clone()}
		for _, legacy := range []bool{true, false} {
			fc := listing(ads, nil)
			fc.approve = func(string, string) error { return nil }
			fc.auto = func(string, int64) error { return nil }
			for _, run := range []func(e *env) error{
				func(e *env) error { return RequestsRun(&RequestsOptions{F: e.f, Legacy: legacy}) },
				func(e *env) error {
					return RequestsRun(&RequestsOptions{F: e.f, Legacy: legacy, JSON: true, Output: "json"})
				},
				func(e *env) error {
					return ApproveRun(&ApproveOptions{F: e.f, Legacy: legacy, All: true, Yes: !legacy})
				},
				func(e *env) error {
					return AutoApproveRun(&AutoApproveOptions{F: e.f, Legacy: legacy, Netblock: "127.0.0.0/8", Lifetime: 60})
				},
			} {
				e := newEnv(t, "").withClient(fc)
				e.stdin.WriteString(stdin)
				_ = run(e)
			}
		}
	})
}
