package locate

import (
	"errors"
	"net/netip"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/google/go-cmp/cmp"
)

func TestParseSinful(t *testing.T) {
	type want struct {
		str    string
		host   string
		port   int
		hasPt  bool
		params map[string]string
		addrs  []string
	}
	cases := []struct {
		in string
		w  want
	}{
		{"<127.0.0.1:29818>", want{"<127.0.0.1:29818>", "127.0.0.1", 29818, true, nil, nil}},
		{"<127.0.0.1:29819?addrs=127.0.0.1-29819&alias=vm>", want{"<127.0.0.1:29819?addrs=127.0.0.1-29819&alias=vm>", "127.0.0.1", 29819, true,
			map[string]string{"addrs": "127.0.0.1-29819", "alias": "vm"}, []string{"127.0.0.1:29819"}}},
		{"<127.0.0.1:46281?alias=vm>", want{"<127.0.0.1:46281?alias=vm>", "127.0.0.1", 46281, true, map[string]string{"alias": "vm"}, nil}},
		// cedar.md §6.7 example.
		{"<192.168.1.5:9618?addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap.example.org&noUDP&sock=schedd_1234_a1b2>",
			want{"<192.168.1.5:9618?addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap.example.org&noUDP&sock=schedd_1234_a1b2>",
				"192.168.1.5", 9618, true,
				map[string]string{"addrs": "192.168.1.5-9618+[2001-db8--5]-9618", "alias": "ap.example.org", "noUDP": "", "sock": "schedd_1234_a1b2"},
				[]string{"192.168.1.5:9618", "[2001:db8::5]:9618"}}},
		// Unbracketed forms (Sinful constructor).
		{"127.0.0.1:29818", want{"<127.0.0.1:29818>", "127.0.0.1", 29818, true, nil, nil}},
		{"cm.example.org:9618", want{"<cm.example.org:9618>", "cm.example.org", 9618, true, nil, nil}},
		{"cm.example.org", want{"<cm.example.org>", "cm.example.org", 0, false, nil, nil}},
		{"[::1]:9618", want{"<[::1]:9618>", "::1", 9618, true, nil, nil}},
		{"2001:db8::1", want{"<[2001:db8::1]>", "2001:db8::1", 0, false, nil, nil}},
		{"<[2001:db8::1]:9618?sock=collector>", want{"<[2001:db8::1]:9618?sock=collector>", "2001:db8::1", 9618, true, map[string]string{"sock": "collector"}, nil}},
		// Parameters are re-emitted in key order; ';' separates too; the
		// last of a repeated key wins; an empty value prints bare.
		{"<1.2.3.4:5?sock=x;alias=y&sock=z>", want{"<1.2.3.4:5?alias=y&sock=z>", "1.2.3.4", 5, true, map[string]string{"alias": "y", "sock": "z"}, nil}},
		{"<1.2.3.4:5?alias=&CCBID=1.2.3.4:9618%2342>", want{"<1.2.3.4:5?CCBID=1.2.3.4:9618#42&alias>", "1.2.3.4", 5, true,
			map[string]string{"alias": "", "CCBID": "1.2.3.4:9618#42"}, nil}},
		{"<h:1?k=a%20b%26c%2b+>", want{"<h:1?k=a%20b%26c++>", "h", 1, true, map[string]string{"k": "a b&c++"}, nil}},
		{"<1.2.3.4:5?>", want{"<1.2.3.4:5>", "1.2.3.4", 5, true, nil, nil}},
		{"<1.2.3.4:0?sock=startd_1_2>", want{"<1.2.3.4:0?sock=startd_1_2>", "1.2.3.4", 0, true, map[string]string{"sock": "startd_1_2"}, nil}},
		{"<:9618>", want{"<:9618>", "", 9618, true, nil, nil}},
		{"<h:>", want{"<h>", "h", 0, false, nil, nil}},
	}
	for _, c := range cases {
		s, err := ParseSinful(c.in)
		if err != nil {
			t.Errorf("ParseSinful(%q): %v", c.in, err)
			continue
		}
		port, hasPort := s.Port()
		var addrs []string
		for _, a := range s.Addrs() {
			addrs = append(addrs, a.String())
		}
		params := map[string]string{}
		for _, k := range s.ParamKeys() {
			params[k], _ = s.Param(k)
		}
		if len(params) == 0 {
			params = nil
		}
		got := want{s.String(), s.Host(), port, hasPort, params, addrs}
		if diff := cmp.Diff(c.w, got, cmp.AllowUnexported(want{})); diff != "" {
			t.Errorf("ParseSinful(%q) (-want +got):\n%s", c.in, diff)
		}
	}
}

func TestParseSinfulErrors(t *testing.T) {
	for _, in := range []string{
		"", "<", "<1.2.3.4:5", "<[::1:5>", "<1.2.3.4:5?=x>", "<1.2.3.4:5?a=%4>", "<1.2.3.4:5?a=%zz>",
		"<1.2.3.4:5?a=%00>", "<1.2.3.4:abc>", "<1.2.3.4:5>x", "<1.2.3.4:5?addrs=1.2.3.4>",
		"<1.2.3.4:5?addrs=1.2.3.4-99999>", "<1.2.3.4:5?addrs=1.2.3.4-+x-1>", "<1.2.3.4:5?addrs=fe80--1%25eth0-5>",
		"<1.2.3.4:5?addrs=1.2.3.4-0x10>", "a\x00b", "{[ p=\"primary\"; ]}", "{}",
		strings.Repeat("x", maxSinfulLength+1),
	} {
		if s, err := ParseSinful(in); err == nil || !errors.Is(err, ErrSinful) {
			t.Errorf("ParseSinful(%.40q) = %v, %v; want an ErrSinful", in, s, err)
		}
	}
}

// Every sinful string in the specification and the transcripts parses and
// re-serialises to itself.
func TestSinfulsOfSpecAndTranscripts(t *testing.T) {
	re := regexp.MustCompile(`<[0-9\[][^<> "\\]*:[0-9]+[^<> "\\]*>`)
	seen := map[string]bool{}
	for _, f := range transcript.Files(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range re.FindAllString(string(data), -1) {
			seen[m] = true
		}
	}
	seen["<192.168.1.5:9618?addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap.example.org&noUDP&sock=schedd_1234_a1b2>"] = true
	var all []string
	for s := range seen {
		all = append(all, s)
	}
	sort.Strings(all)
	for _, want := range []string{"<127.0.0.1:29818>", recordedScheddAddr, "<127.0.0.1:46281?alias=vm>", "<127.0.0.1:29820?addrs=127.0.0.1-29820&alias=vm>"} {
		if !seen[want] {
			t.Errorf("transcripts lack %s (have %q)", want, all)
		}
	}
	for _, in := range all {
		s, err := ParseSinful(in)
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if s.String() != in {
			t.Errorf("%s re-serialises as %s", in, s.String())
		}
		if !IsValidSinful(in) {
			t.Errorf("IsValidSinful(%s) = false", in)
		}
	}
}

func TestSinfulAccessorsAndEdits(t *testing.T) {
	s := MustParseSinful("<192.168.1.5:9618?addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap.example.org&noUDP&sock=schedd_1234_a1b2&PrivNet=lan&PrivAddr=%3c10.0.0.5:9618%3e&CCBID=cm:9618#7>")
	if s.SharedPortID() != "schedd_1234_a1b2" || s.Alias() != "ap.example.org" || !s.NoUDP() ||
		s.PrivateNetworkName() != "lan" || s.PrivateAddr() != "<10.0.0.5:9618>" || s.CCBContact() != "cm:9618#7" {
		t.Errorf("accessors: %+v", s)
	}
	if got := s.String(); got != "<192.168.1.5:9618?CCBID=cm:9618#7&PrivAddr=%3c10.0.0.5:9618%3e&PrivNet=lan&addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap.example.org&noUDP&sock=schedd_1234_a1b2>" {
		t.Errorf("String = %s", got)
	}
	e := MustParseSinful("<10.0.0.1:9618>").WithAlias("cm.example.org").WithSharedPortID("collector")
	if e.String() != "<10.0.0.1:9618?alias=cm.example.org&sock=collector>" {
		t.Errorf("edited = %s", e)
	}
	if e.WithAlias("").WithSharedPortID("").String() != "<10.0.0.1:9618>" {
		t.Error("removing parameters")
	}
	if _, err := e.WithParam("addrs", "junk"); err == nil {
		t.Error("WithParam(addrs, junk) must fail")
	}
	if _, err := e.WithParam("k", "a\x00"); err == nil {
		t.Error("NUL value must fail")
	}
	x, _ := e.WithParam("note", "é ok&")
	if !strings.Contains(x.String(), "note=%c3%a9%20ok%26") {
		t.Errorf("encoding: %s", x)
	}
	if back := MustParseSinful(x.String()); back.String() != x.String() || must(back.Param("note")) != "é ok&" {
		t.Errorf("round trip of %s", x)
	}
	w := NewSinful("2001:db8::7", 9618).WithAddrs([]netip.AddrPort{
		netip.MustParseAddrPort("[2001:db8::7]:9618"), netip.MustParseAddrPort("192.0.2.7:9618")})
	if w.String() != "<[2001:db8::7]:9618?addrs=[2001-db8--7]-9618+192.0.2.7-9618>" {
		t.Errorf("WithAddrs = %s", w)
	}
	if w.WithAddrs(nil).String() != "<[2001:db8::7]:9618>" || w.WithHost("h").WithPort(1).String() != "<h:1?addrs=[2001-db8--7]-9618+192.0.2.7-9618>" {
		t.Error("WithAddrs(nil)/WithHost/WithPort")
	}
	if (Sinful{}).IsZero() != true || w.IsZero() {
		t.Error("IsZero")
	}
	// The original is unchanged by edits.
	if s.Alias() != "ap.example.org" || e.String() != "<10.0.0.1:9618?alias=cm.example.org&sock=collector>" {
		t.Error("edits changed the original")
	}
}

func must(v string, _ bool) string { return v }

func TestChooseAddrAndDial(t *testing.T) {
	s := MustParseSinful("<10.0.0.1:1?addrs=127.0.0.1-2+[fe80--1]-3+10.0.0.1-4+192.0.2.1-5+[2001-db8--1]-6>")
	cases := []struct {
		v4, v6 bool
		want   string
		ok     bool
	}{
		{true, true, "192.0.2.1:5", true},
		{false, true, "[2001:db8::1]:6", true},
		{false, false, "", false},
	}
	for _, c := range cases {
		ap, ok := s.ChooseAddr(c.v4, c.v6)
		if ok != c.ok || (ok && ap.String() != c.want) {
			t.Errorf("ChooseAddr(%v,%v) = %v %v", c.v4, c.v6, ap, ok)
		}
	}
	if a, err := s.DialAddress(true, false); err != nil || a != "192.0.2.1:5" {
		t.Errorf("DialAddress = %q, %v", a, err)
	}
	if _, err := s.DialAddress(false, false); err == nil {
		t.Error("no protocol must fail")
	}
	for in, want := range map[string]string{"<h.example:9618>": "h.example:9618", "<[::1]:7>": "[::1]:7"} {
		if a, err := MustParseSinful(in).DialAddress(true, true); err != nil || a != want {
			t.Errorf("DialAddress(%s) = %q, %v", in, a, err)
		}
	}
	if _, err := MustParseSinful("<h>").DialAddress(true, true); err == nil {
		t.Error("no port must fail")
	}
}

func TestV1String(t *testing.T) {
	cases := []struct{ in, want string }{
		// collector_query.json (cedar.md §6.6).
		{recordedScheddAddr, `{[ p="primary"; a="127.0.0.1"; port=29819; n="Internet"; alias="vm"; ], [ p="IPv4"; a="127.0.0.1"; port=29819; n="Internet"; alias="vm"; ]}`},
		{"<127.0.0.1:29818>", `{[ p="primary"; a="127.0.0.1"; port=29818; n="Internet"; ], [ p="IPv4"; a="127.0.0.1"; port=29818; n="Internet"; ]}`},
		{"<cm.example.org:9618>", `{[ p="primary"; a="cm.example.org"; port=9618; n="Internet"; ]}`},
		{"<h>", `{[ p="primary"; a="h"; port=-1; n="Internet"; ]}`},
		{"<192.168.1.5:9618?addrs=192.168.1.5-9618+[2001-db8--5]-9618&alias=ap&noUDP&sock=s1>",
			`{[ p="primary"; a="192.168.1.5"; port=9618; n="Internet"; alias="ap"; spid="s1"; noUDP=true; ], ` +
				`[ p="IPv4"; a="192.168.1.5"; port=9618; n="Internet"; alias="ap"; spid="s1"; noUDP=true; ], ` +
				`[ p="IPv6"; a="2001:db8::5"; port=9618; n="Internet"; alias="ap"; spid="s1"; noUDP=true; ]}`},
		{"<192.0.2.1:9618?addrs=192.0.2.1-9618&PrivNet=lan>",
			`{[ p="primary"; a="192.0.2.1"; port=9618; n="Internet"; ], [ p="IPv4"; a="192.0.2.1"; port=9618; n="lan"; ], [ p="IPv4"; a="192.0.2.1"; port=9618; n="Internet"; ]}`},
		{"<192.0.2.1:9618?addrs=192.0.2.1-9618&PrivNet=lan&PrivAddr=%3c10.0.0.1:9618%3e>",
			`{[ p="primary"; a="192.0.2.1"; port=9618; n="Internet"; ], [ p="IPv4"; a="10.0.0.1"; port=9618; n="lan"; ], [ p="IPv4"; a="192.0.2.1"; port=9618; n="Internet"; ]}`},
	}
	for _, c := range cases {
		s := MustParseSinful(c.in)
		got, err := s.V1String()
		if err != nil || got != c.want {
			t.Errorf("V1String(%s) =\n %s, %v\nwant\n %s", c.in, got, err, c.want)
			continue
		}
		back, err := ParseSinful(got) // '{' selects the V1 parser
		if err != nil {
			t.Errorf("ParseV1(%s): %v", got, err)
			continue
		}
		want := s.String()
		if c.in == "<127.0.0.1:29818>" {
			// As in C++, the public route comes back as an addrs entry.
			want = "<127.0.0.1:29818?addrs=127.0.0.1-29818>"
		}
		if back.Host() != s.Host() || back.String() != want {
			t.Errorf("V1 round trip of %s gave %s", s, back)
		}
	}
	if _, err := MustParseSinful("<1.2.3.4:5?CCBID=1.2.3.4:9618#1>").V1String(); err == nil {
		t.Error("CCB must be refused")
	}
	if _, err := MustParseSinful("<1.2.3.4:5?PrivNet=x&PrivAddr=junk>").V1String(); err == nil {
		t.Error("bad PrivAddr must be refused")
	}
}

func TestParseV1Errors(t *testing.T) {
	base := `[ p="primary"; a="1.2.3.4"; port=5; n="Internet"; ]`
	for _, in := range []string{
		"{", "{}", "{" + base, "{" + base + ",}", "{" + base + " x}",
		`{[ p="primary"; a="1.2.3.4"; port=5; ]}`,
		`{[ p="primary"; a="1.2.3.4"; port="5"; n="Internet"; ]}`,
		`{[ p="primary"; a="1.2.3.4; port=5; n="Internet"; ]}`,
		`{[ p="primary" a="1.2.3.4"; port=5; n="Internet"; ]}`,
		`{[ p="primary"; p="x"; a="1.2.3.4"; port=5; n="Internet"; ]}`,
		`{[ p="IPv5"; a="1.2.3.4"; port=5; n="Internet"; ]}`,
		`{[ p="IPv4"; a="1.2.3.4"; port=5; n="Internet"; ccbid="c"; ]}`,
		`{[ p="IPv4"; a="1.2.3.4"; port=5; n="Internet"; noUDP=false; ]}`,
		`{[ p="primary"; a="h"; port=5; n="Internet"; alias="a"; ], [ p="IPv4"; a="1.2.3.4"; port=5; n="Internet"; alias="b"; ]}`,
		`{[ p="primary"; a="h"; port=5; n="Internet"; spid="a"; ], [ p="IPv4"; a="1.2.3.4"; port=5; n="Internet"; ]}`,
		`{[ p="primary"; a="h"; port=5; n="Internet"; ], [ p="IPv4"; a="nothere"; port=5; n="Internet"; ]}`,
		`{[ p="IPv4"; a="1.2.3.4"; port=5; n="a"; ], [ p="IPv4"; a="1.2.3.5"; port=5; n="b"; ]}`,
		`{[ p="IPv4"; a="1.2.3.4"; port=5; n="a"; ], [ p="IPv4"; a="1.2.3.5"; port=5; n="a"; ]}`,
	} {
		if s, err := ParseV1(in); err == nil {
			t.Errorf("ParseV1(%s) = %s, want an error", in, s)
		}
	}
}
