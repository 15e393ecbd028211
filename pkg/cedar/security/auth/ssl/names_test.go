package ssl

import (
	"crypto/sha256"
	"encoding/asn1"
	"strings"
	"testing"
)

// nameDER encodes RDNs given as lists of (oid, tag, value).
func nameDER(t testing.TB, rdns ...[]rawATV) []byte {
	t.Helper()
	var seq []rawRDNSET
	for _, r := range rdns {
		seq = append(seq, rawRDNSET(r))
	}
	b, err := asn1.Marshal(seq)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func atv(oid asn1.ObjectIdentifier, tag int, v string) rawATV {
	return rawATV{Type: oid, Value: asn1.RawValue{Tag: tag, Bytes: []byte(v)}}
}

var (
	oidCN  = asn1.ObjectIdentifier{2, 5, 4, 3}
	oidO   = asn1.ObjectIdentifier{2, 5, 4, 10}
	oidDC  = asn1.ObjectIdentifier{0, 9, 2342, 19200300, 100, 1, 25}
	oidEml = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 1}
)

func TestOnelineDN(t *testing.T) {
	long := strings.Repeat("x", 600)
	tests := []struct {
		name string
		der  []byte
		want string
	}{
		{"pool CA (real-tools.md block R10)", nameDER(t, []rawATV{atv(oidO, asn1.TagUTF8String, "condor")}, []rawATV{atv(oidCN, asn1.TagUTF8String, "htc.local")}), "/O=condor/CN=htc.local"},
		{"printable and IA5", nameDER(t, []rawATV{atv(oidDC, asn1.TagIA5String, "org")}, []rawATV{atv(oidEml, asn1.TagIA5String, "a@b.org")}, []rawATV{atv(oidCN, asn1.TagPrintableString, "Alice Smith")}), "/DC=org/emailAddress=a@b.org/CN=Alice Smith"},
		{"non-ASCII and controls escaped, slash kept", nameDER(t, []rawATV{atv(oidCN, asn1.TagUTF8String, "Jos\u00e9/\x01~\x7f")}), `/CN=Jos\xC3\xA9/\x01~\x7F`},
		{"unknown attribute type", nameDER(t, []rawATV{atv(asn1.ObjectIdentifier{1, 2, 3, 4}, asn1.TagUTF8String, "v")}), "/1.2.3.4=v"},
		{"multi-valued RDN", nameDER(t, []rawATV{atv(oidCN, asn1.TagUTF8String, "a"), atv(oidO, asn1.TagUTF8String, "b")}), "/CN=a/O=b"},
		{"GeneralString UCS-4", nameDER(t, []rawATV{atv(oidCN, asn1.TagGeneralString, "\x00\x00\x00a\x00\x00\x00b")}), "/CN=ab"},
		{"GeneralString other", nameDER(t, []rawATV{atv(oidCN, asn1.TagGeneralString, "\x00\x01\x00a")}), `/CN=\x00\x01\x00a`},
		{"1024-byte buffer", nameDER(t, []rawATV{atv(oidCN, asn1.TagUTF8String, long)}, []rawATV{atv(oidO, asn1.TagUTF8String, long)}), "/CN=" + long},
		{"empty name", nameDER(t), ""},
	}
	for _, tc := range tests {
		got, err := OnelineDN(tc.der)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		if got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0x00, 0x00}, {0x04, 0x01, 0x00}} {
		if s, err := OnelineDN(bad); err == nil {
			t.Errorf("OnelineDN(%x) = %q, want an error", bad, s)
		}
	}
}

func TestFingerprint(t *testing.T) {
	der := []byte("certificate bytes")
	got := Fingerprint(der)
	sum := sha256.Sum256(der)
	if len(got) != 32*3-1 || strings.ToLower(got) != got {
		t.Fatalf("Fingerprint = %q: want 32 lowercase hex pairs joined by ':'", got)
	}
	if !strings.HasPrefix(got, strings.Join([]string{hexByte(sum[0]), hexByte(sum[1])}, ":")+":") {
		t.Errorf("Fingerprint = %q does not start with the digest", got)
	}
}

func hexByte(b byte) string {
	const h = "0123456789abcdef"
	return string([]byte{h[b>>4], h[b&15]})
}

func TestHostnameMatch(t *testing.T) {
	tests := []struct {
		pattern, host string
		want          bool
	}{
		{"vm", "vm", true},
		{"VM.Example.Net", "vm.example.net", true},
		{"vm", "vm2", false},
		{"*.example.net", "host.example.net", true},
		{"*.example.net", "example.net", false},
		{"*.example.net", "a.b.example.net", false},
		{"f*.example.net", "foo.example.net", true},
		{"f*.example.net", "bar.example.net", false},
		{"*o.example.net", "foo.example.net", false}, // nothing may follow '*'
		{"foo.*", "foo.bar", true},
		{"a..b", "a.b", true}, // empty labels are skipped, as strtok does
		{".a.b.", "a.b", true},
		{"*", "a.b", false},
		{"host", "ho*t", false},
		{"ho*t", "ho*t", false}, // a '*' in the host never matches
		{"", "", true},
		{strings.Repeat("a", 256), strings.Repeat("a", 256), false},
		{"k\u00c9y", "k\u00c9y", true},
	}
	for _, tc := range tests {
		if got := hostnameMatch(tc.pattern, tc.host); got != tc.want {
			t.Errorf("hostnameMatch(%q, %q) = %v, want %v", tc.pattern, tc.host, got, tc.want)
		}
	}
}
