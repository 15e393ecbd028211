package cedar

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitAdLine(t *testing.T) {
	tests := []struct {
		line, name, value string
		ok                bool
	}{
		{`Command = 60010`, "Command", "60010", true},
		{`  Name   =   "x = y"`, "Name", `"x = y"`, true},
		{"\t\nA=1", "A", "1", true},
		{`A =`, "A", "", true},
		{"A\t= 1", "A\t", "1", true}, // only spaces are trimmed before '='
		{`= 5`, "", "", false},
		{`   = 5`, "", "", false},
		{`ZKM`, "", "", false},
		{``, "", "", false},
	}
	for _, tc := range tests {
		name, value, ok := SplitAdLine(tc.line)
		if name != tc.name || value != tc.value || ok != tc.ok {
			t.Errorf("SplitAdLine(%q) = %q, %q, %v; want %q, %q, %v", tc.line, name, value, ok, tc.name, tc.value, tc.ok)
		}
	}
}

func TestPrivateAttrNames(t *testing.T) {
	for _, n := range []string{"Capability", "claimid", "CLAIMIDS", "ClaimIdList", "ChildClaimIds", "TransferKey"} {
		if !IsPrivateV1Attr(n) || IsPrivateV2Attr(n) {
			t.Errorf("%s: want V1 private only", n)
		}
	}
	for _, n := range []string{"_condor_priv", "_CONDOR_PrivRemoteAdminCapability", "_condor_privX"} {
		if !IsPrivateV2Attr(n) || IsPrivateV1Attr(n) {
			t.Errorf("%s: want V2 private only", n)
		}
	}
	for _, n := range []string{"ClaimIdX", "_condor_pri", "MyType", ""} {
		if IsPrivateV1Attr(n) || IsPrivateV2Attr(n) {
			t.Errorf("%s: not private", n)
		}
	}
}

func TestPutAdLinesOptions(t *testing.T) {
	lines := []string{`A = 1`, `ClaimId = "secret"`, `_condor_PrivKey = "k"`, `B = "two"`}
	tests := []struct {
		name string
		opts AdOptions
		want []string
	}{
		{"default keeps private (AES)", AdOptions{}, lines},
		{"no private", AdOptions{ExcludePrivate: true}, []string{`A = 1`, `B = "two"`}},
		{"no private v2", AdOptions{ExcludePrivateV2: true}, []string{`A = 1`, `ClaimId = "secret"`, `B = "two"`}},
	}
	for _, tc := range tests {
		for _, encrypted := range []bool{false, true} {
			var s *Stream
			if encrypted {
				s = encLoop(t, nil)
			} else {
				s, _ = newLoop(t, nil)
			}
			must(t, s.PutAdLinesOpts(lines, "Job", "Machine", tc.opts))
			mustEOM(t, s)
			got, my, target, err := s.GetAdLines()
			if err != nil {
				t.Fatalf("%s: %v", tc.name, err)
			}
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("%s (encrypted=%v): lines (-want +got):\n%s", tc.name, encrypted, d)
			}
			if my != "Job" || target != "Machine" {
				t.Errorf("%s: type strings %q %q", tc.name, my, target)
			}
			mustEOM(t, s)
		}
	}
}

func TestPutAdLinesNoTypes(t *testing.T) {
	s, _ := newLoop(t, nil)
	must(t, s.PutAdLinesOpts([]string{"A = 1"}, "x", "y", AdOptions{NoTypes: true}))
	if got, want := string(pending(s)), "\x00\x00\x00\x00\x00\x00\x00\x01A = 1\x00"; got != want {
		t.Errorf("bytes %q, want %q", got, want)
	}
}

func TestPutAdLinesRefused(t *testing.T) {
	tests := []struct {
		name   string
		lines  []string
		myType string
		want   string
	}{
		{"no equals", []string{"A = 1", "ZKM"}, "", `line 1 (3 bytes) is not "Name = expr"`},
		{"empty name", []string{" = 1"}, "", "not \"Name = expr\""},
		{"NUL in value", []string{"Secret = \"a\x00b\""}, "", "ClassAd attribute Secret"},
		{"bad type string", []string{"A = 1"}, "a\x00", "ClassAd type string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newLoop(t, nil)
			err := s.PutAdLines(tc.lines, tc.myType, "")
			if !errors.Is(err, ErrInvalidValue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
			if len(pending(s)) != 0 {
				t.Error("a refused ad left bytes in the message")
			}
			if err := s.EndOfMessage(); err == nil {
				t.Error("EndOfMessage sent a message whose ad was refused")
			}
		})
	}
}

func TestGetAdLinesMalformed(t *testing.T) {
	str := func(s string) []byte { return append([]byte(s), 0) }
	tests := []struct {
		name    string
		cfg     *Config
		msg     []byte
		wantErr error
		want    string
	}{
		{"negative count", nil, be64(-1), ErrMalformedValue, "attribute count -1 outside 0..1000000"},
		{"count over limit", &Config{MaxAdAttributes: 2}, cat(be64(3), str("A=1"), str("B=1"), str("C=1")), ErrMalformedValue, "count 3 outside 0..2"},
		{"count beyond message", nil, cat(be64(1000), str("A = 1")), ErrShortMessage, "claims 1000 attributes but only 6 bytes"},
		{"line without equals", nil, cat(be64(1), str("junk"), str(""), str("")), ErrMalformedValue, `attribute 1 of 1 (4 bytes) is not "Name = expr"`},
		{"missing type strings", nil, cat(be64(1), str("A = 1")), ErrShortMessage, "MyType"},
		{"missing target type", nil, cat(be64(0), str("")), ErrShortMessage, "TargetType"},
		{"unterminated line", nil, cat(be64(1), []byte("A = 1")), ErrMalformedValue, "attribute 1 of 1"},
		{"no count", nil, []byte{0}, ErrShortMessage, "attribute count"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _ := newRaw(t, packet(1, tc.msg), tc.cfg)
			_, _, _, err := s.GetAdLines()
			if !errors.Is(err, tc.wantErr) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %v with %q", err, tc.wantErr, tc.want)
			}
		})
	}
}

func TestGetAdLinesSecretMarker(t *testing.T) {
	// "ZKM" announces that the next string holds the real line (legacy
	// put_secret, cedar.md §3.2); it still counts as one attribute. NULL
	// type strings read as "".
	str := func(s string) []byte { return append([]byte(s), 0) }
	s, _ := newRaw(t, packet(1, cat(be64(2), str("A = 1"), str("ZKM"), str(`ClaimId = "c"`), []byte{0xAD}, str("T"))), nil)
	lines, my, target, err := s.GetAdLines()
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"A = 1", `ClaimId = "c"`}, lines); d != "" {
		t.Errorf("lines (-want +got):\n%s", d)
	}
	if my != "" || target != "T" {
		t.Errorf("types %q %q", my, target)
	}
	mustEOM(t, s)
}

func TestEmptyAd(t *testing.T) {
	s := encLoop(t, nil)
	must(t, s.PutAdLines(nil, "", ""))
	mustEOM(t, s)
	lines, _, _, err := s.GetAdLines()
	if err != nil || len(lines) != 0 || lines == nil {
		t.Fatalf("lines %#v, %v; want an empty non-nil slice", lines, err)
	}
	mustEOM(t, s)
}
