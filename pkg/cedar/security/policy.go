package security

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Knobs is the configuration source: pkg/config's *Config satisfies it.
// Get returns the expanded value of a knob and whether it is defined (and
// not empty).
type Knobs interface {
	Get(name string) (string, bool)
}

// Defaults HTCondor's SecMan uses when no SEC_<PERM>_* knob is defined
// along the permission chain (FillInSecurityPolicyAd, cedar.md §4.3,
// §4.5; param_info.cpp for the method list of a Linux build).
const (
	DefaultAuthMethods    = "FS,IDTOKENS,KERBEROS,SCITOKENS,SSL"
	DefaultCryptoMethods  = "AES,BLOWFISH,3DES"
	DefaultSessionLease   = 3600 * time.Second
	DefaultAuthTimeout    = 20 * time.Second
	ToolSessionDuration   = 60 * time.Second
	DaemonSessionDuration = 86400 * time.Second
)

// Policy is one side's security policy for one permission level: what the
// client sends in its policy ad, or what the server reconciles it with.
// Build it from configuration with ClientPolicy or ServerPolicies; tests
// and embedders may fill it directly.
type Policy struct {
	// Perm is the permission level the policy was built for: "CLIENT" for
	// a client, the command's level for a server.
	Perm string
	// Authentication, Encryption, Integrity and Negotiation are the
	// configured levels (SEC_<PERM>_AUTHENTICATION, …_ENCRYPTION,
	// …_INTEGRITY, …_NEGOTIATION) before the dependency rules of §4.5,
	// which are applied when the ad is built.
	Authentication, Encryption, Integrity, Negotiation Level
	// AuthMethods are the method names in preference order, canonical
	// (IDTOKENS → TOKEN, pitfall 7). Methods without an implementation are
	// dropped when the handshake runs.
	AuthMethods []string
	// CryptoMethods are the crypto method names offered, in order. Only
	// AES is implemented; ClientPolicy and ServerPolicies keep nothing else
	// (pitfall 5).
	CryptoMethods []string
	// SessionDuration and SessionLease bound a session's lifetime and idle
	// time (whole seconds on the wire; a zero lease means none).
	SessionDuration, SessionLease time.Duration
	// AuthTimeout bounds the authentication exchange
	// (SEC_<PERM>_AUTHENTICATION_TIMEOUT).
	AuthTimeout time.Duration
	// TrustDomain is TRUST_DOMAIN (default UID_DOMAIN), sent in the ads.
	TrustDomain string
	// IssuerKeys are the names of the token signing keys this process can
	// read (idtoken.KeyConfig.IssuerKeys); sent only when TOKEN is offered.
	IssuerKeys []string
	// Notes explain what was dropped or defaulted while building the
	// policy, for --explain.
	Notes []string
}

// Clone returns a deep copy of p.
func (p *Policy) Clone() *Policy {
	c := *p
	c.AuthMethods = slices.Clone(p.AuthMethods)
	c.CryptoMethods = slices.Clone(p.CryptoMethods)
	c.IssuerKeys = slices.Clone(p.IssuerKeys)
	c.Notes = slices.Clone(p.Notes)
	return &c
}

// Validate checks that every level is one of the four levels, every crypto
// method is a name C++ knows (case-sensitive) and the durations are not
// negative.
func (p *Policy) Validate() error {
	for _, l := range []struct {
		name string
		v    Level
	}{{"Authentication", p.Authentication}, {"Encryption", p.Encryption},
		{"Integrity", p.Integrity}, {"Negotiation", p.Negotiation}} {
		if !l.v.valid() {
			return fmt.Errorf("%w: %s level of the %s policy is not set", ErrPolicy, l.name, p.Perm)
		}
	}
	for _, m := range p.CryptoMethods {
		if !knownCryptoNames[m] {
			return fmt.Errorf("%w: crypto method %q is not AES, BLOWFISH, 3DES or TRIPLEDES (names are case-sensitive)", ErrPolicy, m)
		}
	}
	for _, m := range p.AuthMethods {
		if _, ok := auth.Bit(m); !ok {
			return fmt.Errorf("%w: unknown authentication method %q", ErrPolicy, m)
		}
	}
	if p.SessionDuration < 0 || p.SessionLease < 0 || p.AuthTimeout < 0 {
		return fmt.Errorf("%w: negative session duration, lease or timeout", ErrPolicy)
	}
	return nil
}

// ClientPolicy builds the policy a client uses for every outgoing command
// the way SecMan::FillInSecurityPolicyAd does for CLIENT_PERM: each
// setting from SEC_CLIENT_<X>, else SEC_DEFAULT_<X>, else the code default.
// subsystem (e.g. "TOOL") selects the default session duration (60 s for
// TOOL and SUBMIT, one day for daemons) and SEC_<SUBSYS>_<PERM>_SESSION_DURATION.
func ClientPolicy(k Knobs, subsystem string) (*Policy, error) {
	return policyFor(k, PermClient, subsystem)
}

// PolicySet holds a server's policy per permission level.
type PolicySet map[string]*Policy

// For returns the policy of perm (case-insensitive), or nil.
func (ps PolicySet) For(perm string) *Policy {
	if p, ok := CanonicalPerm(perm); ok {
		return ps[p]
	}
	return nil
}

// ServerPolicies builds a server's policy for every permission level from
// SEC_<PERM>_<X> with the DaemonCore fallback chain (ADVERTISE_* → DAEMON
// → DEFAULT; with LEGACY_ALLOW_SEMANTICS DAEMON → WRITE → DEFAULT; every
// other level → DEFAULT). An invalid knob is an error naming it, as C++
// EXCEPTs at startup.
func ServerPolicies(k Knobs, subsystem string) (PolicySet, error) {
	ps := PolicySet{}
	for _, perm := range Permissions {
		p, err := policyFor(k, perm, subsystem)
		if err != nil {
			return nil, err
		}
		ps[perm] = p
	}
	return ps, nil
}

// secSetting is SecMan::getSecSetting: the first knob defined along the
// permission chain. format has one %s for the permission.
func secSetting(k Knobs, format, perm string) (value, knob string, ok bool) {
	legacy := false
	if legacyApplies(perm) {
		if v, found := k.Get("LEGACY_ALLOW_SEMANTICS"); found {
			legacy = isTrue(v)
		}
	}
	for _, p := range configChain(perm, legacy) {
		name := fmt.Sprintf(format, p)
		if v, found := k.Get(name); found {
			return v, name, true
		}
	}
	return "", "", false
}

// isTrue reads an HTCondor boolean knob (true/yes/1, any case).
func isTrue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "1", "t", "y":
		return true
	}
	return false
}

func policyFor(k Knobs, perm, subsystem string) (*Policy, error) {
	p := &Policy{Perm: perm}
	levels := []struct {
		knob string
		dst  *Level
		def  Level
	}{
		{"SEC_%s_AUTHENTICATION", &p.Authentication, Optional},
		{"SEC_%s_ENCRYPTION", &p.Encryption, Optional},
		{"SEC_%s_INTEGRITY", &p.Integrity, Optional},
		{"SEC_%s_NEGOTIATION", &p.Negotiation, Preferred},
	}
	for _, l := range levels {
		*l.dst = l.def
		v, knob, ok := secSetting(k, l.knob, perm)
		if !ok {
			continue
		}
		lv, valid := ParseLevel(v)
		if !valid {
			// C++ EXCEPTs: "SECMAN: %s=%s is invalid!"
			return nil, fmt.Errorf("%w: %s = %q is invalid (want NEVER, OPTIONAL, PREFERRED or REQUIRED)", ErrPolicy, knob, v)
		}
		*l.dst = lv
	}

	methods, knob, ok := secSetting(k, "SEC_%s_AUTHENTICATION_METHODS", perm)
	if !ok {
		methods, knob = DefaultAuthMethods, "the built-in default"
	}
	p.AuthMethods, p.Notes = filterAuthMethods(methods, knob, p.Notes)

	crypto, knob, ok := secSetting(k, "SEC_%s_CRYPTO_METHODS", perm)
	if !ok {
		crypto, knob = DefaultCryptoMethods, "the built-in default"
	}
	for _, m := range splitList(crypto) {
		switch {
		case m == CryptoAES:
			if !slices.Contains(p.CryptoMethods, m) {
				p.CryptoMethods = append(p.CryptoMethods, m)
			}
		case knownCryptoNames[m]:
			p.Notes = append(p.Notes, fmt.Sprintf("crypto method %s (from %s) is not offered: only AES is implemented", m, knob))
		default:
			p.Notes = append(p.Notes, fmt.Sprintf("crypto method %q (from %s) is not a known method (names are case-sensitive)", m, knob))
		}
	}

	p.SessionDuration = DaemonSessionDuration
	if st := strings.ToUpper(subsystem); st == "TOOL" || st == "SUBMIT" {
		p.SessionDuration = ToolSessionDuration
	}
	// C++ reads SEC_<SUBSYS>_<PERM>_SESSION_DURATION and then, because
	// getIntSecSetting always returns false, SEC_<PERM>_SESSION_DURATION
	// as well: the latter wins when both are set.
	if subsystem != "" {
		p.SessionDuration = intSetting(k, "SEC_"+strings.ToUpper(subsystem)+"_%s_SESSION_DURATION", perm, p.SessionDuration, &p.Notes)
	}
	p.SessionDuration = intSetting(k, "SEC_%s_SESSION_DURATION", perm, p.SessionDuration, &p.Notes)
	p.SessionLease = intSetting(k, "SEC_%s_SESSION_LEASE", perm, DefaultSessionLease, &p.Notes)
	p.AuthTimeout = intSetting(k, "SEC_%s_AUTHENTICATION_TIMEOUT", perm, DefaultAuthTimeout, &p.Notes)

	if v, ok := k.Get("TRUST_DOMAIN"); ok {
		p.TrustDomain = v
	} else if v, ok := k.Get("UID_DOMAIN"); ok {
		p.TrustDomain = v
	}
	return p, nil
}

// intSetting reads an integer number of seconds along the permission
// chain; a value that is not an integer is ignored (C++ keeps the default).
func intSetting(k Knobs, format, perm string, def time.Duration, notes *[]string) time.Duration {
	v, knob, ok := secSetting(k, format, perm)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 32)
	if err != nil || n < 0 {
		*notes = append(*notes, fmt.Sprintf("%s = %q is not a non-negative integer; using %d", knob, v, int64(def/time.Second)))
		return def
	}
	return time.Duration(n) * time.Second
}

// splitList splits a method list the way StringTokenIterator does (commas
// and white space).
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == ',' || r == ' ' || r == '\t' || r == '\r' || r == '\n'
	})
}

// filterAuthMethods canonicalises a method list like
// SecMan::filterAuthenticationMethods: IDTOKENS and friends become TOKEN,
// SCITOKEN becomes SCITOKENS, unknown names and the removed GSI are
// dropped, duplicates removed.
func filterAuthMethods(list, knob string, notes []string) ([]string, []string) {
	var out []string
	for _, m := range splitList(list) {
		bit, ok := auth.Bit(m)
		name := auth.CanonicalName(m)
		switch {
		case strings.EqualFold(m, "GSI"):
			notes = append(notes, fmt.Sprintf("authentication method GSI (from %s) is no longer supported", knob))
			continue
		case !ok || bit == 0:
			notes = append(notes, fmt.Sprintf("authentication method %q (from %s) is not known", m, knob))
			continue
		}
		if !slices.Contains(out, name) {
			out = append(out, name)
		}
	}
	return out, notes
}

// adLevels are the five levels a policy ad carries after the rules of
// FillInSecurityPolicyAd.
type adLevels struct {
	auth, authNew, enc, integ, neg Level
}

// levelsFor applies FillInSecurityPolicyAd's rules: requestAuth raises
// Authentication (PREFERRED for a client that asks for it, REQUIRED for a
// server command registered with force_authentication); for the ALLOW
// level AuthenticationNew drops to OPTIONAL unless authentication was
// requested; the dependency rules of §4.5 raise Authentication (not
// AuthenticationNew) and Negotiation; without methods AuthenticationNew
// becomes NEVER (an error if REQUIRED), without crypto methods Encryption
// and Integrity become NEVER (an error if REQUIRED).
func (p *Policy) levelsFor(methods, crypto int, requestAuth Level) (adLevels, error) {
	if err := p.Validate(); err != nil {
		return adLevels{}, err
	}
	l := adLevels{auth: p.Authentication, enc: p.Encryption, integ: p.Integrity, neg: p.Negotiation}
	if requestAuth > l.auth {
		l.auth = requestAuth
	}
	l.authNew = l.auth
	if p.Perm == PermAllow && requestAuth == LevelInvalid {
		l.authNew = Optional
	}
	if !dependency(&l.auth, &l.enc) || !dependency(&l.auth, &l.integ) ||
		!dependency(&l.neg, &l.auth) || !dependency(&l.neg, &l.enc) || !dependency(&l.neg, &l.integ) {
		return adLevels{}, fmt.Errorf("%w: the %s levels cannot be satisfied together (negotiation %s, authentication %s, encryption %s, integrity %s): NEVER on one forbids REQUIRED on another",
			ErrPolicy, p.Perm, p.Negotiation, p.Authentication, p.Encryption, p.Integrity)
	}
	if methods == 0 {
		if l.authNew == Required {
			return adLevels{}, fmt.Errorf("%w: authentication is REQUIRED for %s but no authentication method is available", ErrPolicy, p.Perm)
		}
		l.authNew = Never
	}
	if crypto == 0 {
		if l.enc == Required || l.integ == Required {
			return adLevels{}, fmt.Errorf("%w: encryption or integrity is REQUIRED for %s but no crypto method is available (only AES is implemented)", ErrPolicy, p.Perm)
		}
		l.enc, l.integ = Never, Never
	}
	return l, nil
}

// offersToken reports whether TOKEN is among methods.
func offersToken(methods []string) bool {
	return slices.Contains(methods, "TOKEN")
}

// issuerKeysString formats key names as HTCondor does: sorted, joined
// with ", " (tokens.md §6.4).
func issuerKeysString(keys []string) string {
	k := slices.Clone(keys)
	slices.Sort(k)
	k = slices.Compact(k)
	return strings.Join(k, ", ")
}

// parseIssuerKeys splits an IssuerKeys value on commas and trims blanks.
func parseIssuerKeys(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
