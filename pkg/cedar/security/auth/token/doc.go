// Package token implements HTCondor's TOKEN (IDTOKENS) authentication
// method, both sides: the AKEP2 exchange of Condor_Auth_Passwd version 2
// keyed by the signature of an IDTOKEN (cedar.md §5.1, §5.2, Appendix A;
// tokens.md §5–§7).
//
// The client picks a token the way HTCondor does (tokens given through the
// API, then the token directory via idtoken.FindTokens, filtered by the
// server's TrustDomain and IssuerKeys; failing that, a 60-second token for
// condor@password minted with a local signing key the server also has). It
// sends only "header.payload" and proves it holds the signature.
//
// The server re-derives the signature from its own signing key named by
// the token's "kid" (idtoken.VerifySigningInput: key, alg, exp,
// SEC_TOKEN_MAX_AGE, iss, jti, sub, revocation) and, when the exchange
// succeeds, reports the identity "sub" with the token's scope limits and
// claims in Identity.Policy (tokens.md §6.2 step 6).
//
// Wire layout (plaintext stream, each message ends with EOM):
//
//	1 C→S: int status · int len(A) · string A · string "H.P" · int 256 · 256 bytes Ra
//	2 S→C: int status · int len(A) · string A · int len(B) · string B ·
//	       int 256 · Ra · int 256 · 256 bytes Rb · int 20 · hkt
//	3 C→S: int status · int len(A) · string A · int 256 · Rb · int 20 · hk
//
// A side that fails still sends its message, with status −1, zero lengths
// and empty strings, so both peers always exchange the three messages and
// stay in step for the next method.
//
// Deliberate differences from HTCondor 25.14 (both interoperate with it):
//
//   - The server compares the client's name A with the token's "sub" before
//     message 2 and fails there with an error status. HTCondor compares
//     after message 3, which the client cannot see, so both sides then wait
//     for each other until a timeout (cedar.md §5.1).
//   - LimitAuthorization is the comma-joined list of authorizations
//     ("READ,WRITE", as tokens.md §6.2 states); older HTCondor source adds a
//     trailing comma, which its list parser ignores.
package token
