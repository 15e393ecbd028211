package server

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// role is one of the HTCondor daemons this process stands in for: it
// answers their commands on one port, advertises an ad for each (so that
// -name and -pool work) and writes each one's address files.
type role struct {
	// Subsystem is the configuration subsystem ("SCHEDD"), which names the
	// address-file knobs (<SUBSYS>_ADDRESS_FILE, …).
	Subsystem string
	// MyType is the ad type the collector files the ad under.
	MyType string
	// Name is the daemon's Name.
	Name string
}

// roles returns the daemons served, in the order their ads are listed.
func (st *settings) roles() []role {
	return []role{
		{Subsystem: "COLLECTOR", MyType: "Collector", Name: st.collectorName},
		{Subsystem: "MASTER", MyType: "DaemonMaster", Name: st.masterName},
		{Subsystem: "SCHEDD", MyType: "Scheduler", Name: st.scheddName},
		{Subsystem: "CREDD", MyType: "CredD", Name: st.creddName},
	}
}

// platformString is the CondorPlatform value, in the C++ form
// "$CondorPlatform: <ARCH>-<OS> $" (cedar.md §7).
func platformString() string {
	arch := map[string]string{"amd64": "X86_64", "arm64": "AARCH64", "386": "INTEL", "ppc64le": "PPC64LE", "s390x": "S390X"}[runtime.GOARCH]
	if arch == "" {
		arch = strings.ToUpper(runtime.GOARCH)
	}
	osName := runtime.GOOS
	if osName != "" {
		osName = strings.ToUpper(osName[:1]) + osName[1:]
	}
	return "$CondorPlatform: " + arch + "-" + osName + " $"
}

// buildAds returns the ad of every role as the real daemons publish the
// address part of theirs (daemonCore->publish, cedar.md §6.5-§6.6):
// MyAddress and <SUBSYS>IpAddr are the sinful string, AddressV1 its V1
// text (a string attribute, pitfall 17). The schedd ad also carries
// CredDIpAddr, since a credd runs on the same host.
func buildAds(st *settings, sinful locate.Sinful, version, platform string, started int64) ([]*classad.Ad, error) {
	addr := sinful.String()
	v1, err := sinful.V1String()
	if err != nil {
		return nil, fmt.Errorf("the advertised address %s has no V1 form: %w", addr, err)
	}
	var out []*classad.Ad
	for _, r := range st.roles() {
		ad := classad.NewAd()
		set := func(name, v string) { _ = ad.SetString(name, v) }
		set("MyType", r.MyType)
		set("Name", r.Name)
		set("Machine", st.fullHostname)
		set("MyAddress", addr)
		set("AddressV1", v1)
		set("CondorVersion", version)
		set("CondorPlatform", platform)
		_ = ad.SetInt("DaemonStartTime", started)
		switch r.Subsystem {
		case "COLLECTOR":
			set("CollectorIpAddr", addr)
		case "MASTER":
			set("MasterIpAddr", addr)
		case "SCHEDD":
			set("ScheddIpAddr", addr)
			set("CredDIpAddr", addr)
			for _, n := range []string{"NumUsers", "TotalIdleJobs", "TotalRunningJobs", "TotalHeldJobs"} {
				_ = ad.SetInt(n, 0)
			}
		case "CREDD":
			set("CredDIpAddr", addr)
		}
		out = append(out, ad)
	}
	return out, nil
}

// handleQuery answers QUERY_*_ADS (cedar.md §6.5) from the daemon's own
// ads: the TargetType and Requirements of the query select them, a
// Projection trims them, and the reply is {int 1, ad}* int 0 in one
// message. MyCurrentTime and LastHeardFrom are set at answer time, as in
// the ads a collector holds.
func (g *generation) handleQuery(_ context.Context, req *daemon.Request) error {
	q, err := locate.ReadQuery(req.Stream)
	if err != nil {
		return err
	}
	now := g.srv.now().Unix()
	ads := make([]*classad.Ad, len(g.ads))
	for i, a := range g.ads {
		c := a.Clone()
		_ = c.SetInt("MyCurrentTime", now)
		_ = c.SetInt("LastHeardFrom", now)
		ads[i] = c
	}
	n, err := locate.WriteQueryReply(req.Stream, q, ads, locate.AnswerOptions{})
	if err != nil {
		return err
	}
	tt, _ := q.GetString("TargetType")
	g.srv.outcome(req, "target=%q ads=%d", tt, n)
	return nil
}

// handleNop is handle_nop: the DC_NOP_* commands carry no payload and get
// no reply; they exist so that a client can test a permission level.
func handleNop(context.Context, *daemon.Request) error { return nil }

// Query and no-op command numbers (condor_commands.h).
const (
	dcNop                = security.DCNop
	dcNopRead            = security.DCNopRead
	dcNopWrite           = security.DCNopWrite
	dcNopNegotiator      = 60022
	dcNopAdministrator   = 60023
	dcNopConfig          = 60025
	dcNopDaemon          = 60026
	dcNopAdvertiseStartd = 60027
	dcNopAdvertiseSchedd = 60028
	dcNopAdvertiseMaster = 60029
)
