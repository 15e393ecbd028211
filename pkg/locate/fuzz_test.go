package locate

import (
	"bytes"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// FuzzParseSinful: no input may panic; whatever parses re-serialises to a
// fixed point; the V1 form, when it can be made, parses back to the same
// host and shared-port id.
func FuzzParseSinful(f *testing.F) {
	for _, s := range []string{
		"<127.0.0.1:29818>", recordedScheddAddr, "<127.0.0.1:46281?alias=vm>",
		"<192.168.1.5:9618?addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap.example.org&noUDP&sock=schedd_1234_a1b2>",
		"127.0.0.1:9618", "[::1]:9618", "2001:db8::1", "cm.example.org", "<h:1?k=a%20b;j&k=c>",
		"<1.2.3.4:5?PrivNet=lan&PrivAddr=%3c10.0.0.1:9618%3e&CCBID=c:1#2>",
		`{[ p="primary"; a="127.0.0.1"; port=29819; n="Internet"; alias="vm"; ], [ p="IPv4"; a="127.0.0.1"; port=29819; n="Internet"; alias="vm"; ]}`,
		"<[", "<a:1?%", "<a:1?addrs=-", "{[ p=", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		s, err := ParseSinful(in)
		if err != nil {
			return
		}
		out := s.String()
		s2, err := ParseSinful(out)
		if err != nil {
			t.Fatalf("%q parsed, but its String %q does not: %v", in, out, err)
		}
		if s2.String() != out {
			t.Fatalf("String not stable: %q → %q → %q", in, out, s2.String())
		}
		s.Port()
		s.Addrs()
		s.ChooseAddr(true, true)
		_, _ = s.DialAddress(true, true)
		IsValidSinful(out)
		v1, err := s.V1String()
		if err != nil {
			return
		}
		back, err := ParseV1(v1)
		if err != nil {
			return // hosts or values with quotes cannot travel in V1 form
		}
		if !strings.ContainsAny(s.Host(), "\" ;]") && back.Host() != s.Host() {
			t.Errorf("V1 round trip changed the host: %q → %q → %q", out, v1, back.Host())
		}
		if back.SharedPortID() != s.SharedPortID() && !strings.ContainsAny(s.SharedPortID(), "\" ;]") {
			t.Errorf("V1 round trip changed sock: %q → %q", out, v1)
		}
	})
}

// FuzzParseAddressFile: arbitrary file contents never panic, and a parsed
// file yields an address that is either line 1 (a valid sinful) or a
// MyAddress string.
func FuzzParseAddressFile(f *testing.F) {
	f.Add([]byte(recordedScheddAddr + "\n" + testVersion + "\n" + testPlatform + "\n"))
	f.Add([]byte("MyAddress = \"<10.0.0.1:9618>\"\nName = \"x\"\n"))
	f.Add([]byte("# c\n\n<[::1]:1>\nv\np\nA = 1\nB = (\n"))
	f.Add([]byte("<1.2.3.4:5>\nx = \"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		af, err := ParseAddressFile(data)
		if err != nil {
			return
		}
		if af.Addr == "" {
			t.Fatal("parsed without an address")
		}
		if v, _ := af.Ad.GetString("MyAddress"); v != af.Addr && IsValidSinful(af.Addr) && !strings.Contains(string(data), af.Addr) {
			t.Errorf("address %q does not come from the file", af.Addr)
		}
	})
}

// FuzzReadStreams feeds arbitrary plaintext CEDAR messages to the
// server-side and client-side readers of this package.
func FuzzReadStreams(f *testing.F) {
	var buf bytes.Buffer
	s, _ := cedar.NewStream(&buf, nil)
	q, _ := classad.ParseLines([]string{`TargetType = "Scheduler"`, `Projection = "Name"`})
	ad, _ := classad.ParseLines([]string{`MyType = "Scheduler"`, `Name = "x"`})
	_, _ = WriteQueryReply(s, q, []*classad.Ad{ad}, AnswerOptions{})
	f.Add(append([]byte(nil), buf.Bytes()...))
	buf.Reset()
	_ = WriteQuery(s, q)
	f.Add(append([]byte(nil), buf.Bytes()...))
	buf.Reset()
	_ = s.PutString("schedd_1")
	_ = s.PutString("TOOL")
	_ = s.PutInt(-1)
	_ = s.PutInt(1)
	_ = s.PutString("x")
	_ = s.EndOfMessage()
	f.Add(append([]byte(nil), buf.Bytes()...))
	f.Add([]byte{1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Fuzz(func(t *testing.T, data []byte) {
		mk := func() *cedar.Stream {
			st, _ := cedar.NewStream(readerOnly{bytes.NewReader(data)}, &cedar.Config{MaxMessageSize: 1 << 20, MaxAdAttributes: 1000})
			return st
		}
		if ads, err := ReadQueryReply(mk(), 50); err == nil && len(ads) > 50 {
			t.Fatalf("%d ads past the limit", len(ads))
		}
		if qad, err := ReadQuery(mk()); err == nil {
			SelectAds(qad, []*classad.Ad{ad, qad}, AnswerOptions{AllowPrivate: true})
		}
		if r, err := ReadSharedPortConnect(mk()); err == nil && !ValidSharedPortID(r.ID) {
			t.Fatalf("accepted id %q", r.ID)
		}
	})
}

// readerOnly adapts a bytes.Reader to io.ReadWriter for read-only streams.
type readerOnly struct{ *bytes.Reader }

func (readerOnly) Write(p []byte) (int, error) { return len(p), nil }
