// Package authz decides whether a peer may use a permission level, the way
// an HTCondor daemon does before it runs a command handler (cedar.md §4.11,
// tokens.md §1.3): the ALLOW_<PERM>/DENY_<PERM> lists of the configuration
// (HTCondor's IpVerify), the permission hierarchy, and the bounding set of a
// token's scopes (LimitAuthorization, tokens.md §4.5).
//
// # Facts (htcondor/htcondor at the pinned commit, read for behaviour only)
//
// Lists. ALLOW_<PERM> and DENY_<PERM> are looked up per level along the
// configuration chain <PERM> → DEFAULT, ADVERTISE_* → DAEMON → DEFAULT
// (with LEGACY_ALLOW_SEMANTICS: DAEMON → WRITE → DEFAULT); at each step
// ALLOW_<PERM>_<SUBSYS> is tried before ALLOW_<PERM> (SecMan::getSecSetting).
// An empty value counts as unset. HOSTALLOW_*/HOSTDENY_* no longer exist in
// 25.x and are not read. ALLOW_CLIENT defaults to "*" (param table).
//
// Entries are separated by commas or white space. An entry is
// user@domain/host, user/net/mask, net/mask, a host, or a user: without '/'
// an entry containing '@' is a user (any host), otherwise a host (any user);
// with one '/' the left part is a user when it contains '@' before the '/'
// or starts with '*', a network when "left/right" parses as one, and
// otherwise still user/host (IpVerify::split_entry). Users and host names
// match case-insensitively with wildcards: '*' alone matches everything,
// "*x" is a suffix, "x*" a prefix, "a*b" a prefix and a suffix, "*x*" a
// substring (matches_withwildcard). Hosts are IPv4 literals with an optional
// trailing ".*" wildcard, IPv6 literals with an optional trailing ":*",
// a/bits or a.b.c.d/m.m.m.m networks, "{:local_ips:}", or host names with an
// optional leading "*" (matched against the forward-confirmed reverse DNS
// names of the peer). A plain host name in a list is also resolved when the
// policy is built and its addresses match too. condor@X and condor_pool@X
// entries imply each other unless USE_POOL_USERNAME_EQUIVALENT is false.
//
// Decision (IpVerify::Init, IpVerify::Verify), per level:
//
//   - ALLOW: everyone.
//   - DENY_<PERM> exactly "*" or "*/*": nobody.
//   - no ALLOW_<PERM> and the level is neither READ nor WRITE: nobody.
//   - ALLOW_<PERM> exactly "*" or "*/*": everyone, or, with a DENY list,
//     everyone not denied.
//   - otherwise: a DENY match denies (DENY wins); else an ALLOW match
//     allows; else the level is granted if a level that directly implies it
//     is granted (READ ← WRITE, NEGOTIATOR, CONFIG, ADVERTISE_*; WRITE ←
//     ADMINISTRATOR, DAEMON); else denied.
//
// An empty user (a raw UDP-style command) is the wildcard user "*"; an
// authenticated-less TCP peer is "unauthenticated@unmapped" (cedar.md §4.10).
//
// Token scopes (DaemonCommandProtocol::VerifyCommand): a non-empty limit
// list is expanded with the implied levels (names matched
// case-insensitively, unknown names ignored); a command is attempted only if
// its permission or one of its alternates is in that set, or if any of them
// is ALLOW. The ALLOW/DENY decision is then made as usual.
package authz
