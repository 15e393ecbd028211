// Package client is the tools' side of HTCondor's token and credential
// commands over CEDAR: it locates the target daemon, connects (through
// shared port when the address says so), runs the security handshake with
// the tool's client policy and authentication methods, and exchanges the
// request and reply payloads exactly as the real tools do.
//
// # Commands
//
//   - GetSessionToken: DC_GET_SESSION_TOKEN (60046), condor_token_fetch
//     (tokens.md §3.1).
//   - StartTokenRequest, FinishTokenRequest: DC_START_TOKEN_REQUEST (60047)
//     and DC_FINISH_TOKEN_REQUEST (60048), condor_token_request (§3.2, §3.3).
//   - ListTokenRequests: DC_LIST_TOKEN_REQUEST (60049), with the
//     terminating ad "Owner = 0" (§3.4).
//   - ApproveTokenRequest: DC_APPROVE_TOKEN_REQUEST (60050, §3.5).
//   - AutoApproveTokenRequests: DC_AUTO_APPROVE_TOKEN_REQUEST (60051, §3.6).
//   - StoreCred: STORE_CRED (479) in its modern and legacy forms and
//     STORE_POOL_CRED (497), condor_store_cred (credentials.md §5).
//   - Ping: DC_SEC_QUERY (60040) for a permission level or command, as
//     condor_ping does (cedar.md §4.11).
//
// Request ads are sent as putClassAd does — attributes in flat-map order
// (name length, then case-insensitively), two empty type strings — with
// optional attributes left out when unset, so the bytes on the wire equal
// those of the real tools (see the transcript tests).
//
// # Errors
//
// A daemon that cannot be located gives a *locate.ToolError whose Line is
// the tools' message ("ERROR: couldn't locate daemon NAME!"). Every other
// failure is a *condorerr.Error chain whose Error() is the CondorError text
// the real tool prints after its prefix (tokens.md §10), for example
//
//	DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:9618>'
//	DAEMON:5:Request has expired.
//	SECMAN:2010:Received "DENIED" from server for user bob@example.net using method FS.
//	DAEMON:1:failed to start command for token request with remote daemon at '<…>'.|AUTHENTICATE:1003:…
//
// The chain's cause (errors.Is / errors.As) carries the Go detail: the
// dial error, the handshake sentinel of pkg/cedar/security, or
// context.DeadlineExceeded when the call's deadline passed.
//
// The texts keep HTCondor's spelling, typos and all ("recieve", "at at",
// a trailing newline in some messages), because scripts match them.
//
// # Sessions
//
// Sessions negotiated by one call are cached (by default in a process-wide
// security.SessionCache) and resumed by later calls to the same address
// for a command the session allows, as condor_token_request does for its
// polls and condor_token_request_approve for its approval
// (token_request_approve.json connections 4 and 5).
package client
