package server

import (
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// Command numbers (condor_commands.h; tokens.md §1.1).
const (
	cmdGetSessionToken      = 60046
	cmdStartTokenRequest    = 60047
	cmdFinishTokenRequest   = 60048
	cmdListTokenRequest     = 60049
	cmdApproveTokenRequest  = 60050
	cmdAutoApproveTokenReqs = 60051
	cmdExchangeSciToken     = 60052
	cmdImpersonationToken   = 81 // IMPERSONATION_TOKEN_REQUEST, collector only (tokens.md §1)
	cmdStoreCred            = 479
	cmdStorePoolCred        = 497
	cmdCreddGetToken        = 81004
)

// Permission level names.
const (
	permAllow  = security.PermAllow
	permRead   = security.PermRead
	permWrite  = security.PermWrite
	permDaemon = security.PermDaemon
	permAdmin  = security.PermAdministrator
)

// commandTable registers the commands of a generation, with the
// permission levels, alternate levels and force_authentication flags of
// the real daemons (tokens.md §1.2; credentials.md §5.3-§5.7; cedar.md
// §6.5). One table serves all roles, so every command answers on the one
// port.
func (g *generation) commandTable() (*daemon.Table, error) {
	t := daemon.NewTable()
	alt := []string{permAllow}
	cmds := []daemon.Command{
		// DaemonCore's no-ops, one per level (daemon_core_main.cpp).
		{Num: dcNop, Name: "DC_NOP", Perm: permAllow, Handler: handleNop},
		{Num: dcNopRead, Name: "DC_NOP_READ", Perm: permRead, Handler: handleNop},
		{Num: dcNopWrite, Name: "DC_NOP_WRITE", Perm: permWrite, Handler: handleNop},
		{Num: dcNopNegotiator, Name: "DC_NOP_NEGOTIATOR", Perm: security.PermNegotiator, Handler: handleNop},
		{Num: dcNopAdministrator, Name: "DC_NOP_ADMINISTRATOR", Perm: permAdmin, Handler: handleNop},
		{Num: dcNopConfig, Name: "DC_NOP_CONFIG", Perm: security.PermConfig, Handler: handleNop},
		{Num: dcNopDaemon, Name: "DC_NOP_DAEMON", Perm: permDaemon, Handler: handleNop},
		{Num: dcNopAdvertiseStartd, Name: "DC_NOP_ADVERTISE_STARTD", Perm: security.PermAdvertiseStartd, Handler: handleNop},
		{Num: dcNopAdvertiseSchedd, Name: "DC_NOP_ADVERTISE_SCHEDD", Perm: security.PermAdvertiseSchedd, Handler: handleNop},
		{Num: dcNopAdvertiseMaster, Name: "DC_NOP_ADVERTISE_MASTER", Perm: security.PermAdvertiseMaster, Handler: handleNop},

		// The token commands every DaemonCore daemon registers.
		{Num: cmdGetSessionToken, Name: "DC_GET_SESSION_TOKEN", Perm: permDaemon, AltPerms: alt, Handler: g.handleGetSessionToken},
		{Num: cmdStartTokenRequest, Name: "DC_START_TOKEN_REQUEST", Perm: permDaemon, AltPerms: alt, Handler: g.handleStartTokenRequest},
		{Num: cmdFinishTokenRequest, Name: "DC_FINISH_TOKEN_REQUEST", Perm: permDaemon, AltPerms: alt, Handler: g.handleFinishTokenRequest},
		{Num: cmdListTokenRequest, Name: "DC_LIST_TOKEN_REQUEST", Perm: permDaemon, AltPerms: alt, ForceAuthentication: true, Handler: g.handleListTokenRequest},
		{Num: cmdApproveTokenRequest, Name: "DC_APPROVE_TOKEN_REQUEST", Perm: permDaemon, AltPerms: alt, ForceAuthentication: true, Handler: g.handleApproveTokenRequest},
		{Num: cmdAutoApproveTokenReqs, Name: "DC_AUTO_APPROVE_TOKEN_REQUEST", Perm: permAdmin, Handler: g.handleAutoApproveTokenRequest},
		{Num: cmdImpersonationToken, Name: "IMPERSONATION_TOKEN_REQUEST", Perm: permDaemon, AltPerms: alt, ForceAuthentication: true, Handler: g.handleImpersonationToken},
		{Num: cmdExchangeSciToken, Name: "DC_EXCHANGE_SCITOKEN", Perm: permWrite, AltPerms: alt, ForceAuthentication: true, Handler: g.handleExchangeSciToken},

		// The collector's queries, answered with this daemon's own ads.
		{Num: locate.QueryStartdAds, Name: "QUERY_STARTD_ADS", Perm: permRead, Handler: g.handleQuery},
		{Num: locate.QueryScheddAds, Name: "QUERY_SCHEDD_ADS", Perm: permRead, Handler: g.handleQuery},
		{Num: locate.QueryMasterAds, Name: "QUERY_MASTER_ADS", Perm: permRead, Handler: g.handleQuery},
		{Num: locate.QueryCollectorAds, Name: "QUERY_COLLECTOR_ADS", Perm: permRead, Handler: g.handleQuery},
		{Num: locate.QueryAnyAds, Name: "QUERY_ANY_ADS", Perm: permRead, Handler: g.handleQuery},
		{Num: locate.QueryGenericAds, Name: "QUERY_GENERIC_ADS", Perm: permRead, Handler: g.handleQuery},

		// The credd (and, for the pool password, the master).
		{Num: cmdStoreCred, Name: "STORE_CRED", Perm: permWrite, ForceAuthentication: true, Handler: g.handleStoreCred},
		{Num: cmdStorePoolCred, Name: "STORE_POOL_CRED", Perm: permAdmin, Handler: g.handleStorePoolCred},
		{Num: cmdCreddGetToken, Name: "CREDD_GET_TOKEN", Perm: permWrite, ForceAuthentication: true, Handler: g.handleCreddGetToken},
	}
	for _, c := range cmds {
		if err := t.Register(c); err != nil {
			return nil, err
		}
	}
	return t, nil
}
