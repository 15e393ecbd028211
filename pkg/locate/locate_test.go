package locate

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/google/go-cmp/cmp"
)

type mapKnobs map[string]string

func (m mapKnobs) Get(name string) (string, bool) {
	for k, v := range m {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

type fakeResolver map[string][]string // host → canonical name, addresses…

func (f fakeResolver) Resolve(_ context.Context, host string) (string, []netip.Addr, error) {
	v, ok := f[strings.ToLower(host)]
	if !ok {
		return "", nil, errors.New("no such host")
	}
	var addrs []netip.Addr
	for _, a := range v[1:] {
		addrs = append(addrs, netip.MustParseAddr(a))
	}
	return v[0], addrs, nil
}

type queryCall struct {
	collector string
	command   int
	lines     []string
}

type reply struct {
	ads []*classad.Ad
	err error
}

type fakeQuerier struct {
	replies map[string]reply // by collector sinful
	calls   []queryCall
}

func (f *fakeQuerier) Query(_ context.Context, col Sinful, q Query) ([]*classad.Ad, error) {
	ad, err := q.Ad()
	if err != nil {
		return nil, err
	}
	f.calls = append(f.calls, queryCall{col.String(), q.Command, ad.AssignmentLines(classad.FlatMapOrder)})
	r, ok := f.replies[col.String()]
	if !ok {
		return nil, errors.New("DAEMON:1:Failed to connect to remote daemon at '" + col.String() + "'")
	}
	return r.ads, r.err
}

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// recordedReplyAd is the location reply of collector_query.json.
func recordedReplyAd(t *testing.T) *classad.Ad {
	tr := transcript.Load(t, "collector_query")
	ad, err := classad.ParseLines(*tr.Decoded[0].Messages[msgReply].Values[1].ClassAd)
	if err != nil {
		t.Fatal(err)
	}
	return ad
}

// A pool laid out like the transcripts' (testdata/vectors/transcripts/README.md).
func poolKnobs(t *testing.T) (mapKnobs, string) {
	dir := t.TempDir()
	k := mapKnobs{
		"FULL_HOSTNAME":             "vm",
		"SCHEDD_NAME":               "schedd@vm",
		"COLLECTOR_HOST":            "127.0.0.1:29818",
		"SCHEDD_ADDRESS_FILE":       filepath.Join(dir, ".schedd_address"),
		"SCHEDD_SUPER_ADDRESS_FILE": filepath.Join(dir, ".schedd_address.super"),
		"SCHEDD_DAEMON_AD_FILE":     filepath.Join(dir, ".schedd_classad"),
		"COLLECTOR_ADDRESS_FILE":    filepath.Join(dir, ".collector_address"),
	}
	return k, dir
}

func TestLocateLocalSchedd(t *testing.T) {
	k, dir := poolKnobs(t)
	writeFile(t, filepath.Join(dir, ".schedd_address"), recordedScheddAddr+"\n"+testVersion+"\n"+testPlatform+"\n")
	writeFile(t, filepath.Join(dir, ".schedd_address.super"), "<127.0.0.1:46281?alias=vm>\n"+testVersion+"\n"+testPlatform+"\n")
	writeFile(t, filepath.Join(dir, ".schedd_classad"), strings.Join([]string{
		`Name = "schedd@vm"`, `Machine = "vm"`, `MyAddress = "<127.0.0.1:1?alias=vm>"`,
		`ScheddIpAddr = "<127.0.0.1:2?alias=vm>"`, `CondorVersion = "` + testVersion + `"`}, "\n"))
	ctx := context.Background()
	type res struct {
		Addr   string
		Source Source
		Detail string
		Name   string
		Alias  string
		Local  bool
	}
	cases := []struct {
		name  string
		root  bool
		knobs map[string]string
		want  res
	}{
		// token_fetch_fs.json, acceptance RW-10: root uses the super-user port.
		{"root reads the super file", true, nil,
			res{"<127.0.0.1:46281?alias=vm>", FromAddressFile, filepath.Join(dir, ".schedd_address.super"), "schedd@vm", "vm", true}},
		{"USE_SUPER_PORT", false, map[string]string{"USE_SUPER_PORT": "True"},
			res{"<127.0.0.1:46281?alias=vm>", FromAddressFile, filepath.Join(dir, ".schedd_address.super"), "schedd@vm", "vm", true}},
		{"root without super knob", true, map[string]string{"SCHEDD_SUPER_ADDRESS_FILE": ""},
			res{recordedScheddAddr, FromAddressFile, filepath.Join(dir, ".schedd_address"), "schedd@vm", "vm", true}},
		{"user prefers the daemon ad file and ScheddIpAddr", false, nil,
			res{"<127.0.0.1:2?alias=vm>", FromDaemonAdFile, filepath.Join(dir, ".schedd_classad"), "schedd@vm", "vm", true}},
		{"user without ad file", false, map[string]string{"SCHEDD_DAEMON_AD_FILE": filepath.Join(dir, "missing")},
			res{recordedScheddAddr, FromAddressFile, filepath.Join(dir, ".schedd_address"), "schedd@vm", "vm", true}},
		{"name equal to the local name", false, map[string]string{"SCHEDD_DAEMON_AD_FILE": "", "X": ""},
			res{recordedScheddAddr, FromAddressFile, filepath.Join(dir, ".schedd_address"), "schedd@vm", "vm", true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			kk := mapKnobs{}
			for a, b := range k {
				kk[a] = b
			}
			for a, b := range c.knobs {
				kk[a] = b
			}
			l := &Locator{Knobs: kk, IsRoot: c.root, Resolver: fakeResolver{}, Querier: &fakeQuerier{}}
			req := Request{Type: TypeSchedd}
			if c.name == "name equal to the local name" {
				req.Name = "schedd@vm"
			}
			loc, err := l.Locate(ctx, req)
			if err != nil {
				t.Fatal(err)
			}
			got := res{loc.Addr, loc.Source, loc.Detail, loc.Name, loc.Alias, loc.IsLocal}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			if loc.Sinful.String() != loc.Addr {
				t.Errorf("Sinful %s != Addr %s", loc.Sinful, loc.Addr)
			}
		})
	}
}

// condor_token_fetch -name schedd@vm -pool 127.0.0.1:29818
// (collector_query.json connection 1, acceptance RW-14).
func TestLocateForToolRecordedFlow(t *testing.T) {
	k, _ := poolKnobs(t)
	q := &fakeQuerier{replies: map[string]reply{"<127.0.0.1:29818>": {ads: []*classad.Ad{recordedReplyAd(t)}}}}
	l := &Locator{Knobs: k, IsRoot: true, Querier: q, Resolver: fakeResolver{}}
	loc, err := l.LocateForTool(context.Background(), TypeSchedd, "schedd@vm", "127.0.0.1:29818")
	if err != nil {
		t.Fatal(err)
	}
	if loc.Addr != recordedScheddAddr || loc.Source != FromCollector || loc.Detail != "<127.0.0.1:29818>" || loc.IsLocal ||
		loc.Name != "schedd@vm" || loc.FullHostname != "vm" || loc.Version != testVersion || loc.Platform != testPlatform {
		t.Errorf("location %+v", loc)
	}
	tr := transcript.Load(t, "collector_query")
	want := []queryCall{{"<127.0.0.1:29818>", QueryScheddAds, tr.AdLines(t, 1, msgQuery)}}
	if diff := cmp.Diff(want, q.calls, cmp.AllowUnexported(queryCall{})); diff != "" {
		t.Errorf("queries (-want +got):\n%s", diff)
	}
}

func TestLocateForToolMessages(t *testing.T) {
	k, dir := poolKnobs(t)
	ctx := context.Background()
	res := fakeResolver{"cm.example.org": {"cm.example.org", "192.0.2.1"}}
	cases := []struct {
		name, dname, pool string
		q                 *fakeQuerier
		line              string
		inner             string
	}{
		// real-tools.md F16 / acceptance RB-38.
		{"unknown short name", "nosuch", "", &fakeQuerier{}, "ERROR: couldn't locate daemon nosuch!", "unknown host nosuch"},
		{"name the collector does not know", "nosuch@vm", "",
			&fakeQuerier{replies: map[string]reply{"<127.0.0.1:29818>": {}}},
			"ERROR: couldn't locate daemon nosuch@vm!", "Can't find address for schedd nosuch@vm"},
		{"no schedd running", "", "",
			&fakeQuerier{replies: map[string]reply{"<127.0.0.1:29818>": {}}},
			"ERROR: couldn't locate default daemon type.", "Can't find address for schedd schedd@vm"},
		// real-tools.md F45.
		{"unresolvable pool", "", "no.such.host.invalid", &fakeQuerier{}, "ERROR: unknown host no.such.host.invalid", "unknown host no.such.host.invalid"},
		{"collector down", "x@vm", "", &fakeQuerier{},
			"ERROR: couldn't locate daemon x@vm!", "DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:29818>'"},
		{"pool by host name", "x@vm", "cm.example.org",
			&fakeQuerier{replies: map[string]reply{"<192.0.2.1:9618?alias=cm.example.org>": {}}},
			"ERROR: couldn't locate daemon x@vm!", "Can't find address for schedd x@vm"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &Locator{Knobs: k, Querier: c.q, Resolver: res}
			_, err := l.LocateForTool(ctx, TypeSchedd, c.dname, c.pool)
			var te *ToolError
			if !errors.As(err, &te) || te.Line != c.line {
				t.Fatalf("err = %v, want %q", err, c.line)
			}
			if !strings.Contains(errors.Unwrap(err).Error(), c.inner) {
				t.Errorf("cause %q lacks %q", errors.Unwrap(err), c.inner)
			}
		})
	}
	// real-tools.md F17: a collector named by -type collector -name.
	l := &Locator{Knobs: k, Querier: &fakeQuerier{}, Resolver: res}
	_, err := l.LocateForTool(ctx, TypeCollector, "nosuchcoll", "")
	if err == nil || err.Error() != "ERROR: couldn't locate daemon nosuchcoll!" || !strings.Contains(errors.Unwrap(err).Error(), "unknown host nosuchcoll") {
		t.Errorf("collector: %v", err)
	}
	if loc, err := l.LocateForTool(ctx, TypeCollector, "", "cm.example.org"); err != nil || loc.Addr != "<192.0.2.1:9618?alias=cm.example.org>" {
		t.Errorf("collector by pool: %+v, %v", loc, err)
	}
	// Other daemons found through their own address files; SCHEDD_HOST.
	writeFile(t, filepath.Join(dir, "kbdd"), "<127.0.0.1:7>\nv\np\n")
	writeFile(t, filepath.Join(dir, "gen"), "<127.0.0.1:8>\nv\np\n")
	k2 := mapKnobs{"KBDD_ADDRESS_FILE": filepath.Join(dir, "kbdd"), "MYDAEMON_ADDRESS_FILE": filepath.Join(dir, "gen"), "FULL_HOSTNAME": "vm",
		"SCHEDD_HOST": "other@vm", "COLLECTOR_HOST": "127.0.0.1:29818"}
	l = &Locator{Knobs: k2, Querier: &fakeQuerier{replies: map[string]reply{"<127.0.0.1:29818>": {}}}, Resolver: res}
	if loc, err := l.Locate(ctx, Request{Type: TypeKbdd}); err != nil || loc.Addr != "<127.0.0.1:7>" {
		t.Errorf("kbdd: %+v, %v", loc, err)
	}
	if loc, err := l.Locate(ctx, Request{Type: TypeGeneric, Subsystem: "mydaemon"}); err != nil || loc.Addr != "<127.0.0.1:8>" {
		t.Errorf("generic: %+v, %v", loc, err)
	}
	_, err = l.Locate(ctx, Request{Type: TypeSchedd})
	if err == nil || err.Error() != "Can't find address for schedd other@vm" {
		t.Errorf("SCHEDD_HOST: %v", err)
	}
	if _, err := l.Locate(ctx, Request{Type: TypeKbdd, Name: "k@elsewhere"}); err == nil || !strings.Contains(err.Error(), "Can't find address for kbdd k@elsewhere") {
		t.Errorf("remote kbdd: %v", err)
	}
}

func TestLocateByName(t *testing.T) {
	k, _ := poolKnobs(t)
	res := fakeResolver{
		"submit.example.org": {"submit.example.org", "2001:db8::7", "192.0.2.7"},
		"exec1":              {"exec1.example.org", "192.0.2.8"},
		"alias.example.org":  {"real.example.org", "192.0.2.9"},
	}
	startd := classad.NewAd()
	for n, v := range map[string]string{"Name": "exec1.example.org", "Machine": "exec1.example.org",
		"MyAddress": "<192.0.2.8:9618?sock=startd_1>", "CondorVersion": testVersion} {
		_ = startd.SetString(n, v)
	}
	q := &fakeQuerier{replies: map[string]reply{"<127.0.0.1:29818>": {ads: []*classad.Ad{startd}}}}
	l := &Locator{Knobs: k, Querier: q, Resolver: res}
	ctx := context.Background()
	cases := []struct {
		name   string
		req    Request
		addr   string
		source Source
		full   string
		err    string
	}{
		{"ip:port", Request{Type: TypeSchedd, Name: "127.0.0.1:29819"}, "<127.0.0.1:29819>", FromNameWithPort, "", ""},
		{"[v6]:port", Request{Type: TypeSchedd, Name: "[2001:db8::1]:9618"}, "<[2001:db8::1]:9618>", FromNameWithPort, "", ""},
		{"host:port", Request{Type: TypeSchedd, Name: "submit.example.org:9618"}, "<192.0.2.7:9618?alias=submit.example.org>", FromNameWithPort, "submit.example.org", ""},
		{"name@host:port", Request{Type: TypeSchedd, Name: "s@submit.example.org:9618"}, "<192.0.2.7:9618?alias=submit.example.org>", FromNameWithPort, "submit.example.org", ""},
		{"bad host:port", Request{Type: TypeSchedd, Name: "bad.invalid:9618"}, "", "", "", "unknown host bad.invalid"},
		{"sinful as name", Request{Type: TypeSchedd, Name: "<10.0.0.1:5?alias=x>"}, "<10.0.0.1:5?alias=x>", FromAddress, "", ""},
		{"startd by machine", Request{Type: TypeStartd, Name: "exec1"}, "<192.0.2.8:9618?alias=exec1&sock=startd_1>", FromCollector, "exec1.example.org", ""},
		{"generic without subsystem", Request{Type: TypeGeneric, Name: "x@y"}, "", "", "", "no subsystem specified"},
		{"unlocatable type", Request{Type: TypeShadow}, "", "", "", "cannot locate a daemon of type shadow"},
		{"collector conflict", Request{Type: TypeCollector, Name: "a", Pool: "b"}, "", "", "", "pool (b) and name (a) conflict"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc, err := l.Locate(ctx, c.req)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.Addr != c.addr || loc.Source != c.source || loc.FullHostname != c.full {
				t.Errorf("got %q %q %q", loc.Addr, loc.Source, loc.FullHostname)
			}
		})
	}
	last := q.calls[len(q.calls)-1]
	if !strings.Contains(strings.Join(last.lines, "\n"), `Requirements = ((Machine == "exec1.example.org"))`) || last.command != QueryStartdAds {
		t.Errorf("startd query %+v", last)
	}
}

func TestLocateCollector(t *testing.T) {
	dir := t.TempDir()
	caddr := filepath.Join(dir, ".collector_address")
	writeFile(t, caddr, "<127.0.0.1:40000>\n"+testVersion+"\n"+testPlatform+"\n")
	res := fakeResolver{"cm.example.org": {"cm.real.example.org", "192.0.2.1"}}
	cases := []struct {
		name  string
		knobs mapKnobs
		pool  string
		addr  string
		err   string
	}{
		{"default port", mapKnobs{"COLLECTOR_HOST": "cm.example.org"}, "", "<192.0.2.1:9618?alias=cm.example.org>", ""},
		{"COLLECTOR_PORT", mapKnobs{"COLLECTOR_HOST": "cm.example.org", "COLLECTOR_PORT": "1234"}, "", "<192.0.2.1:1234?alias=cm.example.org>", ""},
		{"cname alias off", mapKnobs{"COLLECTOR_HOST": "cm.example.org:9", "USE_COLLECTOR_HOST_CNAME": "false"}, "", "<192.0.2.1:9?alias=cm.real.example.org>", ""},
		{"ip literal", mapKnobs{"COLLECTOR_HOST": "127.0.0.1:29818"}, "", "<127.0.0.1:29818>", ""},
		{"list, first bad", mapKnobs{"COLLECTOR_HOST": "bad.invalid, 127.0.0.1:29818"}, "", "<127.0.0.1:29818>", ""},
		{"port 0 reads the address file", mapKnobs{"COLLECTOR_HOST": "127.0.0.1:0", "COLLECTOR_ADDRESS_FILE": caddr}, "", "<127.0.0.1:40000>", ""},
		{"COLLECTOR_IP_ADDR fallback", mapKnobs{"COLLECTOR_IP_ADDR": "10.1.1.1:7"}, "", "<10.1.1.1:7>", ""},
		{"pool wins", mapKnobs{"COLLECTOR_HOST": "bad.invalid"}, "127.0.0.1:5", "<127.0.0.1:5>", ""},
		{"pool sinful", mapKnobs{}, "<127.0.0.1:5?sock=collector>", "<127.0.0.1:5?sock=collector>", ""},
		{"not configured", mapKnobs{}, "", "", "COLLECTOR address or hostname not specified in config file"},
		{"only separators", mapKnobs{"COLLECTOR_HOST": " , ", "COLLECTOR_ADDRESS_FILE": caddr}, "", "<127.0.0.1:40000>", ""},
		{"all bad", mapKnobs{"COLLECTOR_HOST": "bad.invalid"}, "", "", "unknown host bad.invalid"},
		{"garbage", mapKnobs{"COLLECTOR_HOST": "<:"}, "", "", "COLLECTOR address or hostname not specified in config file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := &Locator{Knobs: c.knobs, Resolver: res}
			loc, err := l.LocateCollector(context.Background(), c.pool)
			if c.err != "" {
				var le *Error
				if !errors.As(err, &le) || le.Msg != c.err {
					t.Fatalf("err = %v, want message %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if loc.Addr != c.addr {
				t.Errorf("addr %q, want %q", loc.Addr, c.addr)
			}
		})
	}
}

func TestCollectorOrderAndFailures(t *testing.T) {
	ad := recordedReplyAd(t)
	ctx := context.Background()
	k := mapKnobs{"FULL_HOSTNAME": "vm", "COLLECTOR_HOST": "127.0.0.1:1, 127.0.0.1:2", "HAD_USE_PRIMARY": "true"}
	q := &fakeQuerier{replies: map[string]reply{
		"<127.0.0.1:1>": {err: errors.New("SECMAN:2010:Received \"DENIED\" from server")},
		"<127.0.0.1:2>": {ads: []*classad.Ad{ad}},
	}}
	l := &Locator{Knobs: k, Querier: q, Resolver: fakeResolver{}}
	loc, err := l.Locate(ctx, Request{Type: TypeSchedd, Name: "schedd@vm"})
	if err != nil || loc.Detail != "<127.0.0.1:2>" || len(q.calls) != 2 || q.calls[0].collector != "<127.0.0.1:1>" {
		t.Fatalf("loc %+v, err %v, calls %+v", loc, err, q.calls)
	}
	// Random order unless HAD_USE_PRIMARY: Shuffle decides.
	delete(k, "HAD_USE_PRIMARY")
	q.calls = nil
	swapped := false
	l.Shuffle = func(n int, swap func(i, j int)) { swap(0, 1); swapped = true }
	if _, err := l.Locate(ctx, Request{Type: TypeSchedd, Name: "schedd@vm"}); err != nil || !swapped || q.calls[0].collector != "<127.0.0.1:2>" {
		t.Errorf("shuffled query: %v %+v", err, q.calls)
	}
	// Every collector refuses: the last query error is the message.
	q.replies["<127.0.0.1:2>"] = reply{err: errors.New("DAEMON:1:boom")}
	_, err = l.Locate(ctx, Request{Type: TypeSchedd, Name: "schedd@vm"})
	var le *Error
	if !errors.As(err, &le) || !strings.HasPrefix(le.Msg, "SECMAN:2010") && !strings.HasPrefix(le.Msg, "DAEMON:1:boom") {
		t.Errorf("err = %v", err)
	}
	// No collector resolves: CollectorList::query's message.
	k["COLLECTOR_HOST"] = "bad1.invalid bad2.invalid"
	_, err = l.Locate(ctx, Request{Type: TypeSchedd, Name: "schedd@vm"})
	if !errors.As(err, &le) || le.Msg != "CONDOR_STATUS:1:Unable to resolve COLLECTOR_HOST (bad1.invalid bad2.invalid)." {
		t.Errorf("err = %v", err)
	}
	// No querier.
	_, err = (&Locator{Knobs: k}).Locate(ctx, Request{Type: TypeSchedd, Name: "schedd@vm"})
	if err == nil || !strings.Contains(err.Error(), "no collector querier") {
		t.Errorf("err = %v", err)
	}
	// No collector at all.
	_, err = (&Locator{Knobs: mapKnobs{}, Querier: q}).Locate(ctx, Request{Type: TypeSchedd, Name: "s@h"})
	if !errors.Is(err, errNoCollector) {
		t.Errorf("err = %v", err)
	}
}

func TestNegotiatorAndAdmin(t *testing.T) {
	neg := classad.NewAd()
	for n, v := range map[string]string{"Name": "neg@cm", "Machine": "cm", "MyAddress": "<10.0.0.2:9618>", "CondorVersion": testVersion} {
		_ = neg.SetString(n, v)
	}
	q := &fakeQuerier{replies: map[string]reply{"<127.0.0.1:29818>": {ads: []*classad.Ad{neg}}}}
	l := &Locator{Knobs: mapKnobs{"COLLECTOR_HOST": "127.0.0.1:29818"}, Querier: q, Resolver: fakeResolver{}}
	loc, err := l.Locate(context.Background(), Request{Type: TypeNegotiator})
	if err != nil || loc.Addr != "<10.0.0.2:9618>" || loc.Name != "neg@cm" {
		t.Fatalf("%+v %v", loc, err)
	}
	if got := strings.Join(q.calls[0].lines, "|"); got != `MyType = "Query"|TargetType = "Negotiator"|Requirements = true` {
		t.Errorf("negotiator query %s", got)
	}
	_, _ = l.Locate(context.Background(), Request{Type: TypeMaster, Name: "m@h", Method: LocateForAdmin})
	if got := strings.Join(q.calls[1].lines, "|"); !strings.Contains(got, "SendPrivateAttributes = true") || strings.Contains(got, "Projection") {
		t.Errorf("admin query %s", got)
	}
}

func TestInfoFromAd(t *testing.T) {
	mk := func(kv ...string) *classad.Ad {
		ad := classad.NewAd()
		for i := 0; i < len(kv); i += 2 {
			_ = ad.SetString(kv[i], kv[i+1])
		}
		return ad
	}
	l := &Locator{Knobs: mapKnobs{"PRIVATE_NETWORK_NAME": "lan"}}
	cases := []struct {
		name, subsys string
		ad           *classad.Ad
		addr, err    string
	}{
		{"credd from a schedd ad", "CREDD", mk("Name", "s", "MyAddress", "<1.1.1.1:1>", "CredDIpAddr", "<2.2.2.2:2>", "CondorVersion", "v", "Machine", "m"), "<2.2.2.2:2>", ""},
		{"missing machine", "SCHEDD", mk("Name", "s", "MyAddress", "<1.1.1.1:1>", "CondorVersion", "v"), "", "Can't find Machine in classad for schedd s"},
		{"missing version", "SCHEDD", mk("Name", "s", "MyAddress", "<1.1.1.1:1>", "Machine", "m"), "", "Can't find CondorPlatform in classad for schedd s"},
		{"missing address", "SCHEDD", mk("Name", "s", "CondorVersion", "v", "CondorPlatform", "p", "Machine", "m"), "", "Can't find address in classad for schedd s"},
		{"private network", "SCHEDD", mk("Name", "s", "MyAddress", "<192.0.2.1:9618?PrivNet=lan&PrivAddr=10.0.0.1:9618&alias=h>", "CondorVersion", "v", "Machine", "m"), "<10.0.0.1:9618?alias=h>", ""},
		{"private network without address drops CCB", "SCHEDD", mk("Name", "s", "MyAddress", "<192.0.2.1:9618?PrivNet=lan&CCBID=c:1#2>", "CondorVersion", "v", "Machine", "m"), "<192.0.2.1:9618?PrivNet=lan>", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			loc := &Location{}
			err := l.infoFromAd(loc, c.ad, c.subsys, TypeSchedd)
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("err = %v, want %q", err, c.err)
				}
				return
			}
			if err != nil || loc.Addr != c.addr {
				t.Errorf("addr %q, err %v; want %q", loc.Addr, err, c.addr)
			}
		})
	}
}

func TestLocalNameAndHelpers(t *testing.T) {
	ctx := context.Background()
	res := fakeResolver{"vm": {"vm.example.org", "127.0.0.1"}, "other": {"other.example.org", "192.0.2.3"}}
	cases := []struct {
		knobs mapKnobs
		want  string
	}{
		{mapKnobs{"FULL_HOSTNAME": "vm.example.org"}, "vm.example.org"},
		{mapKnobs{"FULL_HOSTNAME": "vm.example.org", "SCHEDD_NAME": "s@x"}, "s@x"},
		{mapKnobs{"FULL_HOSTNAME": "vm.example.org", "SCHEDD_NAME": "myschedd"}, "myschedd@vm.example.org"},
		{mapKnobs{"FULL_HOSTNAME": "vm.example.org", "SCHEDD_NAME": "vm"}, "vm.example.org"},
		{mapKnobs{"FULL_HOSTNAME": "vm.example.org", "SCHEDD_NAME": "other"}, "other@vm.example.org"},
	}
	for _, c := range cases {
		l := &Locator{Knobs: c.knobs, Resolver: res}
		if got := l.localName(ctx, TypeSchedd); got != c.want {
			t.Errorf("localName with %v = %q, want %q", c.knobs, got, c.want)
		}
	}
	l := &Locator{Knobs: mapKnobs{"DEFAULT_DOMAIN_NAME": "example.net"}, Resolver: res}
	for in, want := range map[string]string{"a.b": "a.b", "vm": "vm.example.org", "nosuch": "nosuch.example.net"} {
		if got := l.fqdnFromHostname(ctx, in); got != want {
			t.Errorf("fqdnFromHostname(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]int{"h:9618": 9618, "<h:1>": 1, "[::1]:7": 7, "<[::1]:7>": 7, "h": -1, "h:": -1, "h:x": -1, "[::1": -1, "h:9999999999": -1} {
		if got := portFromAddr(in); got != want {
			t.Errorf("portFromAddr(%q) = %d, want %d", in, got, want)
		}
	}
	for in, want := range map[string]string{"h:9618": "h", "<h:1>": "h", "[::1]:7": "::1", "n@h:5": "h", "<[::1]:7>": "::1"} {
		if got := hostFromAddr(in); got != want {
			t.Errorf("hostFromAddr(%q) = %q, want %q", in, got, want)
		}
	}
	if d, ok := ParseDaemonType("SCHEDD"); !ok || d != TypeSchedd || d.String() != "schedd" || d.Subsystem() != "SCHEDD" ||
		d.AdType() != "Scheduler" || d.QueryCommand() != 6 {
		t.Errorf("ParseDaemonType(SCHEDD) = %v", d)
	}
	for _, s := range []string{"", "none", "schedds", "ſchedd"} {
		if _, ok := ParseDaemonType(s); ok {
			t.Errorf("ParseDaemonType(%q) accepted", s)
		}
	}
	if DaemonType(99).String() != "Unknown" {
		t.Error("Unknown type name")
	}
}

func TestNetResolverLocalhost(t *testing.T) {
	canon, addrs, err := NetResolver{}.Resolve(context.Background(), "localhost")
	if err != nil {
		t.Skipf("no resolver for localhost here: %v", err)
	}
	ok := false
	for _, a := range addrs {
		ok = ok || a.IsLoopback()
	}
	if !ok || strings.HasSuffix(canon, ".") {
		t.Errorf("localhost → %q %v", canon, addrs)
	}
}
