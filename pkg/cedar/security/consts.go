package security

import (
	"strconv"
	"strings"
)

// Command numbers of the security layer and of the commands handled around
// it (cedar.md §4.1; condor_commands.h).
const (
	// DCAuthenticate wraps every negotiated command (message 1 starts with
	// it). Sent as the Command itself it creates a session and runs no
	// handler; AuthCommand then names the permission to use.
	DCAuthenticate = 60010
	// DCNop, DCNopRead and DCNopWrite do nothing; condor_ping targets them.
	DCNop      = 60011
	DCNopRead  = 60020
	DCNopWrite = 60021
	// DCSecQuery asks whether AuthCommand would be authorized; the server
	// answers with one more ad after the post-auth ad (cedar.md §4.11).
	DCSecQuery = 60040
)

// Attribute names of the handshake ads (condor_attributes.h ATTR_SEC_*).
const (
	AttrAuthMethods         = "AuthMethods"
	AttrAuthMethodsList     = "AuthMethodsList"
	AttrAuthCommand         = "AuthCommand"
	AttrAuthentication      = "Authentication"
	AttrAuthenticationNew   = "AuthenticationNew"
	AttrAuthRequired        = "AuthRequired"
	AttrCommand             = "Command"
	AttrConnectSinful       = "ConnectSinful"
	AttrCookie              = "Cookie"
	AttrCryptoMethods       = "CryptoMethods"
	AttrCryptoMethodsList   = "CryptoMethodsList"
	AttrECDHPublicKey       = "ECDHPublicKey"
	AttrEnact               = "Enact"
	AttrEncryption          = "Encryption"
	AttrIntegrity           = "Integrity"
	AttrIssuerKeys          = "IssuerKeys"
	AttrLimitAuthorization  = "LimitAuthorization"
	AttrNegotiatedSession   = "NegotiatedSession"
	AttrNewSession          = "NewSession"
	AttrNonce               = "Nonce"
	AttrOutgoingNegotiation = "OutgoingNegotiation"
	AttrRemoteVersion       = "RemoteVersion"
	AttrResumeResponse      = "ResumeResponse"
	AttrReturnCode          = "ReturnCode"
	AttrServerCommandSock   = "ServerCommandSock"
	AttrServerPid           = "ServerPid"
	AttrSessionDuration     = "SessionDuration"
	AttrSessionLease        = "SessionLease"
	AttrSid                 = "Sid"
	AttrSubsystem           = "Subsystem"
	AttrTriedAuthentication = "TriedAuthentication"
	AttrTrustDomain         = "TrustDomain"
	AttrUseSession          = "UseSession"
	AttrUser                = "User"
	AttrValidCommands       = "ValidCommands"
	// AttrAuthorizationSucceeded is the DC_SEC_QUERY answer.
	AttrAuthorizationSucceeded = "AuthorizationSucceeded"
	// AuthTokenPrefix starts the token attributes a DC_SEC_QUERY answer
	// copies from the session policy (ATTR_TOKEN_prefix).
	AuthTokenPrefix = "AuthToken"
)

// ReturnCode values of the post-auth and resume ads (cedar.md §4.10,
// §4.12).
const (
	ReturnAuthorized  = "AUTHORIZED"
	ReturnDenied      = "DENIED"
	ReturnSIDNotFound = "SID_NOT_FOUND"
)

// DefaultVersion is the RemoteVersion this implementation sends. It must
// look like a real CondorVersion() string, with a date token and the
// trailing " $" (cedar.md §7, pitfall 22), and claim a version recent
// enough for resume responses (≥ 9.9.0) and condor@password (≥ 23.9.0).
const DefaultVersion = "$CondorVersion: 25.14.0 2026-08-21 condor-auth $"

// CryptoAES is the only crypto method this implementation speaks
// (pitfall 5). The other names C++ accepts (case-sensitively) are
// BLOWFISH, 3DES and TRIPLEDES.
const CryptoAES = "AES"

// knownCryptoNames are the crypto method names C++ filterCryptoMethods keeps.
var knownCryptoNames = map[string]bool{"AES": true, "BLOWFISH": true, "3DES": true, "TRIPLEDES": true}

// Version is a parsed CondorVersion string.
type Version struct {
	// Major, Minor and Sub are the three numbers of "X.Y.Z".
	Major, Minor, Sub int
}

// ParseVersion parses "$CondorVersion: X.Y.Z <date> ... $" the way
// CondorVersionInfo does (cedar.md §7). ok is false for anything else,
// which C++ treats as the oldest version.
func ParseVersion(s string) (v Version, ok bool) {
	const prefix = "$CondorVersion: "
	rest, found := strings.CutPrefix(s, prefix)
	if !found {
		return Version{}, false
	}
	num, tail, found := strings.Cut(rest, " ")
	if !found || !strings.HasSuffix(tail, "$") {
		return Version{}, false
	}
	parts := strings.Split(num, ".")
	if len(parts) != 3 {
		return Version{}, false
	}
	var n [3]int
	for i, p := range parts {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return Version{}, false
		}
		n[i] = x
	}
	if n[0] < 6 || n[1] > 99 || n[2] > 99 {
		return Version{}, false
	}
	return Version{n[0], n[1], n[2]}, true
}

// AtLeast reports whether v is major.minor.sub or newer.
func (v Version) AtLeast(major, minor, sub int) bool {
	if v.Major != major {
		return v.Major > major
	}
	if v.Minor != minor {
		return v.Minor > minor
	}
	return v.Sub >= sub
}

// UnauthenticatedUser is the post-auth User of a peer that did not
// authenticate (Sock::getFullyQualifiedUser, pitfall 16).
const UnauthenticatedUser = "unauthenticated@unmapped"
