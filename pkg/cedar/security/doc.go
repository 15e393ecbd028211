// Package security implements HTCondor's CEDAR security handshake
// (DC_AUTHENTICATE, cedar.md §4) on both sides: the client side that C++
// SecManStartCommand runs before every command, and the server side of
// DaemonCore's DaemonCommandProtocol.
//
// # Client
//
// A Client holds a Policy (built from configuration with ClientPolicy) and
// the authentication methods it may use (auth.Client implementations).
// StartCommand runs the handshake on a connected cedar.Stream:
//
//  1. int 60010 and the client policy ad (§4.3),
//  2. the server's response ad (§4.4), reconciled by the server,
//  3. if the response says Authentication = "YES", the method-bitmask
//     negotiation with retry (§4.6) and the chosen method's messages, then
//     the hasKey int (§4.7),
//  4. the ECDH session key and AES-256-GCM on the stream (§4.8, §4.9),
//  5. the encrypted post-auth ad (§4.10) with the identity the server mapped
//     us to, the session id and the commands the session is good for.
//
// On success the stream is ready for the command's payload. With a
// SessionCache the client resumes cached sessions (§4.12); with a
// negotiation level of NEVER or OPTIONAL it sends a raw command (§4.13).
// Failures come back as condorerr chains with the C++ texts and codes (for
// example SECMAN:2010:Received "DENIED" from server for user X using
// method Y.), whose causes match the sentinel errors of this package
// (errors.Is(err, ErrDenied)).
//
// # Server
//
// A Server answers the handshake: Accept reads message 1, answers
// DC_SEC_QUERY and session resumption, reconciles the client's policy with
// the policy of the command's permission level, runs the method the client
// and server agree on, switches on AES, asks an authorization callback and
// sends the post-auth ad. Like C++ it closes the connection without a reply
// when the command is unknown or the policies cannot be reconciled.
//
// Both sides accept only literal values in handshake ads (getPODClassAd,
// pitfall 6) and offer only the AES crypto method (pitfall 5); TOKEN is
// always spelled TOKEN on the wire (pitfall 7).
package security
