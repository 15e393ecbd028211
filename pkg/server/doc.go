// Package server is the embedded daemon behind `condor-auth serve`: one
// TCP port that answers, wire-compatibly with HTCondor 25.14, the CEDAR
// commands the token and credential tools send to a collector, schedd,
// credd and master, so that those tools — condor-auth's and HTCondor's
// own — work without an HTCondor installation.
//
// # Commands (tokens.md §1.2, credentials.md §5, cedar.md §6.5)
//
//	DC_NOP, DC_NOP_<LEVEL>             no-ops at every level (ping targets)
//	DC_SEC_QUERY                       answered by the security handshake
//	DC_GET_SESSION_TOKEN     60046     DAEMON, alternate ALLOW
//	DC_START_TOKEN_REQUEST   60047     DAEMON, alternate ALLOW
//	DC_FINISH_TOKEN_REQUEST  60048     DAEMON, alternate ALLOW
//	DC_LIST_TOKEN_REQUEST    60049     DAEMON, alternate ALLOW, mapped identity
//	DC_APPROVE_TOKEN_REQUEST 60050     DAEMON, alternate ALLOW, mapped identity
//	DC_AUTO_APPROVE_TOKEN_REQUEST 60051 ADMINISTRATOR
//	DC_EXCHANGE_SCITOKEN     60052     WRITE, alternate ALLOW (no SciTokens support: error 2)
//	QUERY_{STARTD,SCHEDD,MASTER,COLLECTOR,ANY,GENERIC}_ADS   READ, answered with the daemon's own ads
//	STORE_CRED 479, CREDD_GET_TOKEN 81004   WRITE, mapped identity
//	STORE_POOL_CRED 497                ADMINISTRATOR
//
// The security layer is pkg/cedar/security with the policies of
// ServerPolicies and the methods the configuration lists (FS, TOKEN, SSL,
// CLAIMTOBE, ANONYMOUS); authorization is pkg/authz's ALLOW/DENY lists
// with the token scope bounds pkg/daemon applies. Token requests live in
// pkg/tokenreq, credentials in pkg/credstore.
//
// # Start-up, reconfig and shutdown
//
// New reads the configuration, creates LOCAL_DIR, LOG and SPOOL (0755, as
// an installation has them, so every user's tools can read the address
// files) when they are missing, creates the POOL signing key when absent
// ("Created POOL token signing key in file <path>", tokens.md §5.2) and,
// when SSL is offered and COLLECTOR_BOOTSTRAP_SSL_CERTIFICATE is true,
// the pool CA and host certificate in $(ETC), opens the token-request
// state file, listens (default: the host:port of COLLECTOR_HOST) and
// writes <SUBSYS>_ADDRESS_FILE, <SUBSYS>_SUPER_ADDRESS_FILE and, when
// configured, <SUBSYS>_DAEMON_AD_FILE for COLLECTOR, MASTER, SCHEDD and
// CREDD (cedar.md §6.3). Serve answers commands; Shutdown removes the
// address files, drains the connections and closes the state file.
// Reload is SIGHUP: the configuration is re-read and applied to new
// connections, and, as HTCondor does on every reconfig (tokens.md §2),
// auto-approval rules are dropped and stored token requests fail.
//
// # Log
//
// One line per connection (peer, identity, method, command, handshake
// result, and what the handler answered: error codes, request ids,
// identities), plus start-up, key creation, reconfig and shutdown lines,
// with HTCondor's "MM/DD/YY HH:MM:SS" time stamps. Tokens, keys and
// credentials are never logged.
//
// # Knobs condor-auth adds
//
//	CONDOR_AUTH_TOKEN_REQUEST_STATE_FILE  the token-request state file
//	                                      (default $(SPOOL)/condor_auth_token_requests.json)
//	CONDOR_AUTH_TOKEN_REQUEST_MAX         stored requests at most (HTCondor's fixed 1000)
//	CONDOR_AUTH_TOKEN_REQUEST_RATE        START/FINISH per second per peer (10; 0 or
//	                                      negative: no limit)
//	CONDOR_AUTH_TOKEN_REQUEST_BURST       requests a peer may make at once (50)
//
// # Deliberate differences from HTCondor 25.14
//
//   - Token requests survive a restart (pkg/tokenreq's state file);
//     HTCondor keeps them in memory.
//   - With SEC_ENABLE_TOKEN_REQUEST = false, DC_LIST_TOKEN_REQUEST sends
//     its error 44 in a proper terminator ad (Owner = 0), which clients
//     report; HTCondor's ad lacks Owner = 0 and its own client misreads it
//     (tokens.md §2, §11 item 9).
//   - STORE_POOL_CRED refuses to receive a pool password on an unencrypted
//     connection (FAILURE_NOT_SECURE); with AES sessions that never
//     happens to a negotiated command.
//   - STORE_CRED is answered on the one port whatever role the client
//     located, so `condor_store_cred -n <schedd>` works where a Unix
//     schedd would not answer (credentials.md §9).
//   - The daemon listens on the address of COLLECTOR_HOST, not on every
//     interface (BIND_ALL_INTERFACES is not followed); give Listen
//     explicitly to listen elsewhere. Shared port is not used.
package server
