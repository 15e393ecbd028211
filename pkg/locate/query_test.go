package locate

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/google/go-cmp/cmp"
)

// Messages of the collector_query.json connections 1 and 3 (QUERY_SCHEDD_ADS
// with Authentication = "NO"): 0 = int 60010 + policy ad, 1 = response ad,
// 2 = post-auth ad, 3 = query ad, 4 = reply.
const (
	msgPolicy = iota
	msgResponse
	msgPostAuth
	msgQuery
	msgReply
)

const recordedScheddAddr = "<127.0.0.1:29819?addrs=127.0.0.1-29819&alias=vm>"

// The location query of condor_token_fetch -name schedd@vm -pool … must
// equal the recorded one line for line: same attributes, same order, same
// types and values (cedar.md §6.5, acceptance RW-14).
func TestLocationQueryMatchesRecording(t *testing.T) {
	tr := transcript.Load(t, "collector_query")
	want := tr.AdLines(t, 1, msgQuery)
	q, err := LocationQuery(TypeSchedd, "", "schedd@vm", "vm", true)
	if err != nil {
		t.Fatal(err)
	}
	if q.Command != 6 {
		t.Errorf("command = %d, want QUERY_SCHEDD_ADS (6)", q.Command)
	}
	ad, err := q.Ad()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, ad.AssignmentLines(classad.FlatMapOrder)); diff != "" {
		t.Errorf("location query ad (-recorded +ours):\n%s", diff)
	}
	// condor_status -schedd -long: no constraint.
	all, err := Query{Command: QueryScheddAds, TargetType: "Scheduler"}.Ad()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tr.AdLines(t, 3, msgQuery), all.AssignmentLines(classad.FlatMapOrder)); diff != "" {
		t.Errorf("full query ad (-recorded +ours):\n%s", diff)
	}
}

func TestLocationQueryVariants(t *testing.T) {
	cases := []struct {
		name     string
		t        DaemonType
		subsys   string
		dname    string
		host     string
		lookup   bool
		cmd      int
		lines    []string
		errMatch string
	}{
		{"startd by machine", TypeStartd, "", "exec1.example.org", "exec1.example.org", true, QueryStartdAds,
			[]string{`MyType = "Query"`, `TargetType = "Machine"`, `Requirements = ((Machine == "exec1.example.org"))`}, ""},
		{"startd by slot name", TypeStartd, "", "slot1@exec1", "exec1", false, QueryStartdAds,
			[]string{`MyType = "Query"`, `TargetType = "Machine"`, `Requirements = ((Name == "slot1@exec1"))`}, ""},
		{"master lookup", TypeMaster, "", "m@h", "h", true, QueryMasterAds,
			[]string{`MyType = "Query"`,
				`Projection = "CondorVersion CondorPlatform MyAddress AddressV1 Name Machine _condor_PrivRemoteAdminCapability"`,
				`TargetType = "DaemonMaster"`, `LimitResults = 1`, `Requirements = ((Name == "m@h"))`, `LocationQuery = "m@h"`}, ""},
		{"credd is generic", TypeCredd, "", "c@h", "h", false, QueryGenericAds,
			[]string{`MyType = "Query"`, `TargetType = "CredD"`, `Requirements = ((Name == "c@h"))`}, ""},
		{"generic canonical spelling", TypeGeneric, "defrag", "d@h", "h", false, QueryGenericAds,
			[]string{`MyType = "Query"`, `TargetType = "Defrag"`, `Requirements = ((Name == "d@h"))`}, ""},
		{"quote in a name stays a string", TypeSchedd, "", `a"b`, "h", false, QueryScheddAds,
			[]string{`MyType = "Query"`, `TargetType = "Scheduler"`, `Requirements = ((Name == "a\"b"))`}, ""},
		{"negotiator without name", TypeNegotiator, "", "", "", true, QueryNegotiatorAds,
			[]string{`MyType = "Query"`, `TargetType = "Negotiator"`, `Requirements = true`}, ""},
		{"schedd without name", TypeSchedd, "", "", "", true, 0, nil, "without a name"},
		{"collector", TypeCollector, "", "x", "", true, 0, nil, "cannot build a location query"},
		{"generic without subsystem", TypeGeneric, "", "x", "", true, 0, nil, "subsystem"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			q, err := LocationQuery(c.t, c.subsys, c.dname, c.host, c.lookup)
			if c.errMatch != "" {
				if err == nil || !strings.Contains(err.Error(), c.errMatch) {
					t.Fatalf("err = %v, want %q", err, c.errMatch)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.Command != c.cmd {
				t.Errorf("command %d, want %d", q.Command, c.cmd)
			}
			ad, err := q.Ad()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.lines, ad.AssignmentLines(classad.FlatMapOrder)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
	ad, _ := Query{TargetType: "Scheduler", Constraints: []string{"a == 1", "b"}, PrivateAttrs: true}.Ad()
	if got := strings.Join(ad.AssignmentLines(classad.FlatMapOrder), "\n"); !strings.Contains(got, "Requirements = ((a == 1) && (b))") ||
		!strings.Contains(got, "SendPrivateAttributes = true") {
		t.Errorf("ad:\n%s", got)
	}
	if _, err := (Query{}).Ad(); err == nil {
		t.Error("a query without TargetType must fail")
	}
	if _, err := (Query{TargetType: "X", Constraints: []string{"(("}}).Ad(); err == nil {
		t.Error("a malformed constraint must fail")
	}
}

// clientReplay plays the tool side of a recorded collector connection: the
// recorded handshake messages, then our query and our reply parsing. What
// we write must equal the recorded client bytes (ciphertext included).
func clientReplay(t *testing.T, tr *transcript.Transcript, n int, query *classad.Ad) ([]*classad.Ad, []byte) {
	t.Helper()
	s, conn := replay.Side(t, tr, n, transcript.DirCS)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.PutInt(60010))
	must(s.PutAdLines(tr.AdLines(t, n, msgPolicy), "", ""))
	must(s.EndOfMessage())
	_, _, _, err := s.GetAdLines()
	must(err)
	must(s.EndOfMessage())
	must(s.EnableCrypto(tr.SessionKey(t, n)))
	_, _, _, err = s.GetAdLines()
	must(err)
	must(s.EndOfMessage())
	must(WriteQuery(s, query))
	ads, err := ReadQueryReply(s, 0)
	must(err)
	if conn.Unread() != 0 {
		t.Errorf("%d recorded reply bytes left unread", conn.Unread())
	}
	return ads, conn.Written()
}

func TestTranscriptClientQuery(t *testing.T) {
	tr := transcript.Load(t, "collector_query")
	q, _ := LocationQuery(TypeSchedd, "", "schedd@vm", "vm", true)
	qad, _ := q.Ad()
	ads, wrote := clientReplay(t, tr, 1, qad)
	if want := tr.DirBytes(t, 1, transcript.DirCS); !bytes.Equal(wrote, want) {
		t.Errorf("client bytes differ from the recording (%d vs %d bytes)", len(wrote), len(want))
	}
	if len(ads) != 1 {
		t.Fatalf("%d ads, want 1", len(ads))
	}
	if got, _ := ads[0].GetString("MyAddress"); got != recordedScheddAddr {
		t.Errorf("MyAddress = %q", got)
	}
	// The location logic takes ScheddIpAddr (the same sinful) from it.
	l := &Locator{}
	loc := &Location{}
	if err := l.infoFromAd(loc, ads[0], "SCHEDD", TypeSchedd); err != nil {
		t.Fatal(err)
	}
	if loc.Addr != recordedScheddAddr || loc.Name != "schedd@vm" || loc.FullHostname != "vm" || loc.Alias != "vm" ||
		!strings.HasPrefix(loc.Version, "$CondorVersion: 25.14.0 ") {
		t.Errorf("location from the reply: %+v", loc)
	}
	// AddressV1 is the string of the V1 form of MyAddress (pitfall 35).
	v1, _ := ads[0].GetString("AddressV1")
	if ours, err := MustParseSinful(recordedScheddAddr).V1String(); err != nil || ours != v1 {
		t.Errorf("V1String = %q, %v; recorded %q", ours, err, v1)
	}

	// condor_status -schedd -long: a 7120-byte reply in two packets.
	all, _ := Query{Command: QueryScheddAds, TargetType: "Scheduler"}.Ad()
	ads, wrote = clientReplay(t, tr, 3, all)
	if want := tr.DirBytes(t, 3, transcript.DirCS); !bytes.Equal(wrote, want) {
		t.Errorf("connection 3: client bytes differ from the recording")
	}
	if len(ads) != 1 || ads[0].Len() < 100 {
		t.Fatalf("connection 3: %d ads", len(ads))
	}
	if mt, _ := ads[0].GetString("MyType"); mt != "Scheduler" {
		t.Errorf("MyType = %q", mt)
	}
}

// serverReplay plays the collector side: recorded handshake messages, then
// ReadQuery and WriteQueryReply from the schedd ad of connection 3. The
// bytes must equal the recorded collector's, packet split included.
func serverReplay(t *testing.T, tr *transcript.Transcript, n int, ads []*classad.Ad) []byte {
	t.Helper()
	s, conn := replay.Side(t, tr, n, transcript.DirSC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	cmd, err := s.GetInt()
	must(err)
	if cmd != 60010 {
		t.Fatalf("command %d", cmd)
	}
	_, _, _, err = s.GetAdLines()
	must(err)
	must(s.EndOfMessage())
	must(s.PutAdLines(tr.AdLines(t, n, msgResponse), "", ""))
	must(s.EndOfMessage())
	must(s.EnableCrypto(tr.SessionKey(t, n)))
	must(s.PutAdLines(tr.AdLines(t, n, msgPostAuth), "", ""))
	must(s.EndOfMessage())
	q, err := ReadQuery(s)
	must(err)
	sent, err := WriteQueryReply(s, q, ads, AnswerOptions{})
	must(err)
	if sent != 1 {
		t.Errorf("sent %d ads", sent)
	}
	return conn.Written()
}

func TestTranscriptServerAnswer(t *testing.T) {
	tr := transcript.Load(t, "collector_query")
	reply := tr.Decoded[2].Messages[msgReply].Values[1].ClassAd
	schedd, err := classad.ParseLines(*reply)
	if err != nil {
		t.Fatal(err)
	}
	other := classad.NewAd()
	_ = other.SetString("MyType", "Scheduler")
	_ = other.SetString("Name", "other@vm")
	negotiator := classad.NewAd()
	_ = negotiator.SetString("MyType", "Negotiator")
	_ = negotiator.SetString("Name", "schedd@vm")
	ads := []*classad.Ad{negotiator, other, schedd}

	// Connection 1: the location query, projected and limited.
	if got, want := serverReplay(t, tr, 1, ads), tr.DirBytes(t, 1, transcript.DirSC); !bytes.Equal(got, want) {
		t.Errorf("location reply differs from the recording (%d vs %d bytes)", len(got), len(want))
	}
	// Connection 3: the whole ad, in flat-map order, split after 4091
	// plaintext bytes like the C++ sender.
	if got, want := serverReplay(t, tr, 3, []*classad.Ad{schedd}), tr.DirBytes(t, 3, transcript.DirSC); !bytes.Equal(got, want) {
		t.Errorf("full reply differs from the recording (%d vs %d bytes)", len(got), len(want))
	}
}

func TestSelectAds(t *testing.T) {
	mk := func(lines ...string) *classad.Ad {
		ad, err := classad.ParseLines(lines)
		if err != nil {
			t.Fatal(err)
		}
		return ad
	}
	a := mk(`MyType = "Scheduler"`, `Name = "a@h"`, `MyAddress = "<1.2.3.4:5>"`, `_condor_PrivSecret = "s"`, `ClaimId = "c"`, `Zeta = 1`)
	b := mk(`MyType = "Scheduler"`, `Name = "b@h"`, `MyAddress = "<1.2.3.4:6>"`)
	c := mk(`MyType = "Machine"`, `Name = "a@h"`)
	ads := []*classad.Ad{a, b, c}
	cases := []struct {
		name  string
		query []string
		opts  AnswerOptions
		want  [][]string
	}{
		{"by name", []string{`TargetType = "Scheduler"`, `Requirements = Name == "a@h"`, `Projection = "name, MYADDRESS zeta"`}, AnswerOptions{},
			[][]string{{`MyAddress = "<1.2.3.4:5>"`, `Name = "a@h"`, `Zeta = 1`}}},
		{"limit", []string{`TargetType = "scheduler"`, `LimitResults = 1`, `Projection = "Name"`}, AnswerOptions{},
			[][]string{{`Name = "a@h"`}}},
		{"no limit when 0", []string{`TargetType = "Scheduler"`, `LimitResults = 0`, `Projection = "Name"`}, AnswerOptions{},
			[][]string{{`Name = "a@h"`}, {`Name = "b@h"`}}},
		{"any type", []string{`TargetType = "Any"`, `Requirements = Name == "a@h"`, `Projection = "Name"`}, AnswerOptions{},
			[][]string{{`Name = "a@h"`}, {`Name = "a@h"`}}},
		{"no requirements", []string{`TargetType = "Machine"`}, AnswerOptions{},
			[][]string{{`Name = "a@h"`, `MyType = "Machine"`}}},
		{"undefined is false", []string{`TargetType = "Scheduler"`, `Requirements = NoSuchAttr > 3`}, AnswerOptions{}, nil},
		{"MY refers to the query", []string{`TargetType = "Scheduler"`, `Wanted = "b@h"`, `Requirements = TARGET.Name == MY.Wanted`, `Projection = "Name"`}, AnswerOptions{},
			[][]string{{`Name = "b@h"`}}},
		{"private hidden", []string{`TargetType = "Scheduler"`, `Requirements = Name == "a@h"`, `SendPrivateAttributes = true`}, AnswerOptions{},
			[][]string{{`Name = "a@h"`, `Zeta = 1`, `MyType = "Scheduler"`, `MyAddress = "<1.2.3.4:5>"`}}},
		{"private for admins who ask", []string{`TargetType = "Scheduler"`, `Requirements = Name == "a@h"`, `SendPrivateAttributes = true`}, AnswerOptions{AllowPrivate: true},
			[][]string{{`Name = "a@h"`, `Zeta = 1`, `MyType = "Scheduler"`, `ClaimId = "c"`, `MyAddress = "<1.2.3.4:5>"`, `_condor_PrivSecret = "s"`}}},
		{"private needs the request", []string{`TargetType = "Scheduler"`, `Requirements = Name == "a@h"`, `Projection = "ClaimId Name"`}, AnswerOptions{AllowPrivate: true},
			[][]string{{`Name = "a@h"`}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var got [][]string
			for _, s := range SelectAds(mk(c.query...), ads, c.opts) {
				got = append(got, s.Lines)
			}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

// pipeStreams returns a writer Stream and a function that makes a reader
// Stream over everything written so far.
func pipeStreams(t *testing.T) (*cedar.Stream, func() *cedar.Stream) {
	t.Helper()
	var buf bytes.Buffer
	w, err := cedar.NewStream(&buf, nil)
	if err != nil {
		t.Fatal(err)
	}
	return w, func() *cedar.Stream {
		r, err := cedar.NewStream(transcript.NewConn(buf.Bytes()), nil)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
}

func TestReadQueryReplyErrors(t *testing.T) {
	t.Run("round trip", func(t *testing.T) {
		w, reader := pipeStreams(t)
		q, _ := classad.ParseLines([]string{`TargetType = "Scheduler"`})
		ad, _ := classad.ParseLines([]string{`MyType = "Scheduler"`, `Name = "x"`})
		if _, err := WriteQueryReply(w, q, []*classad.Ad{ad, ad, ad}, AnswerOptions{}); err != nil {
			t.Fatal(err)
		}
		ads, err := ReadQueryReply(reader(), 0)
		if err != nil || len(ads) != 3 {
			t.Fatalf("%d ads, %v", len(ads), err)
		}
		if _, err := ReadQueryReply(reader(), 2); !errors.Is(err, ErrQueryReply) || !strings.Contains(err.Error(), "more than 2 ads") {
			t.Errorf("limit: %v", err)
		}
	})
	t.Run("no terminator", func(t *testing.T) {
		w, reader := pipeStreams(t)
		_ = w.PutInt(1)
		_ = w.PutAdLines([]string{`A = 1`}, "", "")
		_ = w.EndOfMessage()
		if _, err := ReadQueryReply(reader(), 0); !errors.Is(err, ErrQueryReply) || !errors.Is(err, cedar.ErrShortMessage) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("bad ad", func(t *testing.T) {
		w, reader := pipeStreams(t)
		_ = w.PutInt(1)
		_ = w.PutAdLines([]string{`A = (`}, "", "")
		_ = w.PutInt(0)
		_ = w.EndOfMessage()
		if _, err := ReadQueryReply(reader(), 0); !errors.Is(err, ErrQueryReply) || !strings.Contains(err.Error(), "ad 1") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("trailing bytes", func(t *testing.T) {
		w, reader := pipeStreams(t)
		_ = w.PutInt(0)
		_ = w.PutInt(7)
		_ = w.EndOfMessage()
		if _, err := ReadQueryReply(reader(), 0); !errors.Is(err, cedar.ErrUnreadBytes) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("query with bad line", func(t *testing.T) {
		w, reader := pipeStreams(t)
		_ = w.PutAdLines([]string{`Requirements = ((`}, "", "")
		_ = w.EndOfMessage()
		if _, err := ReadQuery(reader()); err == nil || !strings.Contains(err.Error(), "parsing the query ad") {
			t.Errorf("err = %v", err)
		}
	})
}
