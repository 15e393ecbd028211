// Package tokenreq is the server side of HTCondor's token-request flow
// (tokens.md §3.2–§3.6, §8): the queue of requests made with
// DC_START_TOKEN_REQUEST, polled with DC_FINISH_TOKEN_REQUEST, listed and
// approved by DC_LIST_/DC_APPROVE_TOKEN_REQUEST, and the auto-approval
// rules installed by DC_AUTO_APPROVE_TOKEN_REQUEST. It is pure logic and
// persistence: the daemon's command handlers decode the client's ad, call
// a Store method with a Caller describing the session, and build the reply
// ad from the result — Request.AdAttrs for listings, and for failures an
// *Error whose Code and Message are the reply's ErrorCode and ErrorString,
// verbatim.
//
// # State machine
//
// A request is Pending until an administrator (or the requested identity
// itself) approves it, which mints the token and makes it Successful;
// Finish hands the token out once and forgets the request. A pending
// request becomes Expired SEC_TOKEN_REQUEST_LIFETIME (Knobs.RequestLifetime)
// after it was made, and every request is deleted an hour after that. A
// signing failure makes a request Failed; so does Reconfig, for all of
// them. Expiry and deletion are evaluated exactly at each call rather than
// by HTCondor's 60-second timer; Cleanup reclaims the space.
//
// # Improvements over HTCondor (issue #4)
//
//   - Persistence: requests and rules are kept in a versioned JSON state
//     file (Options.Path) written atomically (temporary file, fsync,
//     rename, directory fsync; mode 0600, directory 0700) before any change
//     is acknowledged, so a restart loses nothing. A corrupt or unreadable
//     file makes Open fail with an error naming it. A lock file keeps two
//     processes off one state file. Approved tokens are stored until
//     collected, hence the file mode.
//   - Request limit: Knobs.MaxPending (1000) is enforced and answered with
//     ErrorCode 3 "Too many requests in the system." — the code and text
//     HTCondor computes but never sends (tokens.md §11 item 1).
//   - Rate limit: a token bucket per peer (IPv4 address or IPv6 /64) for
//     START and FINISH, answered with ErrorCode 5 "Request rate limit
//     hit.", HTCondor's text for its limiter that never fires (§11 item 2).
//   - Reconfig: HTCondor fails every request and drops every rule on each
//     reconfig (tokens.md §2). Reconfig does exactly that, but only when the
//     daemon calls it; SetKnobs changes the configuration without it.
//
// Other deliberate differences, all invisible to a well-behaved client:
// ClientId and User are limited to 1024 bytes and LimitAuthorization to
// 4096; empty ClientId / User / RequestId strings count as absent; a START that
// fails after an id was drawn stores nothing; FINISH reports its argument
// errors (code 2) instead of letting the lookup overwrite them; a signer
// returning an empty token is an error (6 "Internal state error.") at once;
// a state-file write failure is ErrorCode 45 (CodeNotSaved) "Server could
// not save the token request state." and the change is not made.
//
// # Error codes
//
//	START     5 Request rate limit hit.                       (condor-auth)
//	          2 Request attributes are too long.              (condor-auth)
//	          2 No client ID provided. | No identity request.
//	          3 All requested authorizations were eliminated by the SEC_TOKEN_REQUEST_LIMITS setting
//	          3 Too many requests in the system.
//	          4 Unable to generate new request ID
//	          n <signing-key error chain>, e.g. 4 TOKEN_UTILS:4:Server does not have a signing key configured.
//	          6 Internal state error.
//	          7 Request to server was not encrypted.
//	          7 Request to server was made using ANONYMOUS or no authentication.
//	FINISH    5 Request rate limit hit.                       (condor-auth)
//	          2 No request ID provided. | Unable to convert request ID to integer. | No client ID provided.
//	          3 Request ID is not known. | Client ID is incorrect.
//	          6 Internal state error.
//	          4 Request failed.
//	          5 Request has expired.
//	LIST      2 Unable to convert request ID to integer.
//	APPROVE   1 Request ID not provided.      2 Unable to convert request ID to integer.
//	          5 Request unknown.              1 Client ID not provided.
//	          5 Request in incorrect state.   6 Insufficient privilege to approve request.
//	          7 Insufficient privilege to approve request (scope restricted).
//	          8 Insufficient privilege to approve request (lifetime).
//	          n <signing-key or signing error chain>
//	AUTO      6 Insufficient privilege to create auto-approval rule.   (condor-auth)
//	         -1 DAEMON:-1:Auto-approval rule lifetimes must be greater than zero.
//	         -2 DAEMON:-2:Auto-approval rule netblock invalid.
//	          n <signing-key or signing error chain>
//	any      45 Server could not save the token request state.         (condor-auth)
//	         45 Token request service is shut down.                     (condor-auth)
//
// SEC_ENABLE_TOKEN_REQUEST = false (44 "Token request disabled.") is the
// handler's business: it must answer before calling the store.
package tokenreq
