package server

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// querier runs collector queries with a security client, as the tools do.
type querier struct{ c *security.Client }

func (q querier) Query(ctx context.Context, collector locate.Sinful, qu locate.Query) ([]*classad.Ad, error) {
	addr, err := collector.DialAddress(true, true)
	if err != nil {
		return nil, err
	}
	qa, err := qu.Ad()
	if err != nil {
		return nil, err
	}
	r, err := q.c.Dial(ctx, "tcp", addr, security.Request{Command: qu.Command}, nil)
	if err != nil {
		return nil, err
	}
	defer r.Stream.Close()
	if err := locate.WriteQuery(r.Stream, qa); err != nil {
		return nil, err
	}
	return locate.ReadQueryReply(r.Stream, 0)
}

// readClient is a tool that does not authenticate for READ (the
// collector_query.json case, RW-5).
func readClient(t testing.TB) *security.Client { return client(t, "CLAIMTOBE") }

// TestLocationQuery replays the location query of collector_query.json
// (RW-14): the projected schedd ad, attributes in alphabetical order.
func TestLocationQuery(t *testing.T) {
	f := newFixture(t, "")
	q, err := locate.LocationQuery(locate.TypeSchedd, "", "schedd@vm", "vm", true)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sin := locate.MustParseSinful(f.srv.Sinful())
	ads, err := querier{readClient(t)}.Query(ctx, sin, q)
	if err != nil {
		t.Fatal(err)
	}
	if len(ads) != 1 {
		t.Fatalf("%d ads, want 1", len(ads))
	}
	addr := f.srv.Sinful()
	port, _ := sin.Port()
	v1 := fmt.Sprintf(`"{[ p=\"primary\"; a=\"127.0.0.1\"; port=%d; n=\"Internet\"; alias=\"vm\"; ], [ p=\"IPv4\"; a=\"127.0.0.1\"; port=%d; n=\"Internet\"; alias=\"vm\"; ]}"`, port, port)
	want := []string{
		"AddressV1 = " + v1,
		`CondorPlatform = "` + platformString() + `"`,
		`CondorVersion = "` + security.DefaultVersion + `"`,
		`CredDIpAddr = "` + addr + `"`,
		`Machine = "vm"`,
		`MyAddress = "` + addr + `"`,
		`Name = "schedd@vm"`,
		`ScheddIpAddr = "` + addr + `"`,
	}
	if diff := cmp.Diff(want, ads[0].AssignmentLines(classad.InsertionOrder)); diff != "" {
		t.Errorf("location reply (-want +got):\n%s", diff)
	}
	if addr != fmt.Sprintf("<127.0.0.1:%d?addrs=127.0.0.1-%d&alias=vm>", port, port) {
		t.Errorf("advertised address %s", addr)
	}
}

func TestQueryAds(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q := querier{readClient(t)}
	sin := locate.MustParseSinful(f.srv.Sinful())
	tests := []struct {
		query locate.Query
		names []string
	}{
		{locate.Query{Command: locate.QueryAnyAds, TargetType: "Any"}, []string{"vm", "vm", "schedd@vm", "vm"}},
		{locate.Query{Command: locate.QueryCollectorAds, TargetType: "Collector"}, []string{"vm"}},
		{locate.Query{Command: locate.QueryGenericAds, TargetType: "CredD"}, []string{"vm"}},
		{locate.Query{Command: locate.QueryMasterAds, TargetType: "DaemonMaster"}, []string{"vm"}},
		{locate.Query{Command: locate.QueryScheddAds, TargetType: "Scheduler", Constraints: []string{`Name == "nosuch"`}}, nil},
		{locate.Query{Command: locate.QueryStartdAds, TargetType: "Machine"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.query.TargetType, func(t *testing.T) {
			ads, err := q.Query(ctx, sin, tc.query)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, a := range ads {
				names = append(names, mustStr(a, "Name"))
				if now, _ := a.GetInt("MyCurrentTime"); now != f.clock.Now().Unix() {
					t.Errorf("MyCurrentTime = %d", now)
				}
			}
			if diff := cmp.Diff(tc.names, names); diff != "" {
				t.Errorf("names (-want +got):\n%s", diff)
			}
		})
	}
}

// TestLocate: the tools' location logic finds every role through the
// address files, the daemon ad file and, with -pool/-name, a collector
// query (cedar.md §6.2).
func TestLocate(t *testing.T) {
	f := newFixture(t, "")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	want := f.srv.Sinful()
	tests := []struct {
		name   string
		l      *locate.Locator
		req    locate.Request
		source locate.Source
	}{
		{"local schedd (daemon ad file)", &locate.Locator{Knobs: f.cfg}, locate.Request{Type: locate.TypeSchedd}, locate.FromDaemonAdFile},
		{"local schedd as root (super address file)", &locate.Locator{Knobs: f.cfg, IsRoot: true}, locate.Request{Type: locate.TypeSchedd}, locate.FromAddressFile},
		{"local credd", &locate.Locator{Knobs: f.cfg}, locate.Request{Type: locate.TypeCredd}, locate.FromAddressFile},
		{"local master", &locate.Locator{Knobs: f.cfg}, locate.Request{Type: locate.TypeMaster}, locate.FromAddressFile},
		{"collector (port 0: address file)", &locate.Locator{Knobs: f.cfg}, locate.Request{Type: locate.TypeCollector}, ""},
		{"schedd by name through the pool", &locate.Locator{Knobs: f.cfg, Querier: querier{readClient(t)}},
			locate.Request{Type: locate.TypeSchedd, Name: "schedd@vm", Pool: f.addr}, locate.FromCollector},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			loc, err := tc.l.Locate(ctx, tc.req)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Split(loc.Addr, "?")[0] != strings.Split(want, "?")[0] {
				t.Errorf("located %s (%s %s), want %s", loc.Addr, loc.Source, loc.Detail, want)
			}
			if tc.source != "" && loc.Source != tc.source {
				t.Errorf("source %s (%s), want %s", loc.Source, loc.Detail, tc.source)
			}
		})
	}
	t.Run("tool location with -pool and -name", func(t *testing.T) {
		l := &locate.Locator{Knobs: f.cfg, Querier: querier{readClient(t)}}
		loc, err := l.LocateForTool(ctx, locate.TypeSchedd, "schedd@vm", f.addr)
		if err != nil {
			t.Fatal(err)
		}
		if loc.Name != "schedd@vm" || loc.Sinful.Host() != "127.0.0.1" {
			t.Errorf("located %+v", loc)
		}
		if _, err := l.LocateForTool(ctx, locate.TypeSchedd, "nosuch@vm", f.addr); err == nil || err.Error() != "ERROR: couldn't locate daemon nosuch@vm!" {
			t.Errorf("unknown name: %v", err)
		}
	})
}
