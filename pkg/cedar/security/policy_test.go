package security

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/google/go-cmp/cmp"
)

func TestParseLevel(t *testing.T) {
	cases := map[string]Level{
		"REQUIRED": Required, "required": Required, "Yes": Required, "TRUE": Required, "r": Required,
		"PREFERRED": Preferred, "p": Preferred, "OPTIONAL": Optional, "o": Optional,
		"NEVER": Never, "no": Never, "false": Never, " NEVER ": Never,
	}
	for in, want := range cases {
		if got, ok := ParseLevel(in); !ok || got != want {
			t.Errorf("ParseLevel(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, bad := range []string{"", "maybe", "1", "xREQUIRED"} {
		if _, ok := ParseLevel(bad); ok {
			t.Errorf("ParseLevel(%q) accepted", bad)
		}
	}
}

// TestReconcileTable is the table of cedar.md §4.5 (symmetric).
func TestReconcileTable(t *testing.T) {
	levels := []Level{Required, Preferred, Optional, Never}
	want := [4][4]Decision{
		{Yes, Yes, Yes, Fail},
		{Yes, Yes, Yes, No},
		{Yes, Yes, No, No},
		{Fail, No, No, No},
	}
	for i, c := range levels {
		for j, s := range levels {
			if got := Reconcile(c, s); got != want[i][j] {
				t.Errorf("Reconcile(%v, %v) = %v, want %v", c, s, got, want[i][j])
			}
			if Reconcile(c, s) != Reconcile(s, c) {
				t.Errorf("table not symmetric at %v/%v", c, s)
			}
		}
	}
	if Reconcile(LevelInvalid, Required) != Fail {
		t.Error("an invalid client level must fail")
	}
}

func TestClientPolicyFromKnobs(t *testing.T) {
	k := recommendedClient()
	k["SEC_DEFAULT_AUTHENTICATION_METHODS"] = "FS, IDTOKENS, SSL"
	p, err := ClientPolicy(k, "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	want := &Policy{Perm: "CLIENT", Authentication: Optional, Encryption: Required, Integrity: Required, Negotiation: Preferred,
		AuthMethods: []string{"FS", "TOKEN", "SSL"}, CryptoMethods: []string{"AES"},
		SessionDuration: 60 * time.Second, SessionLease: 3600 * time.Second, AuthTimeout: 20 * time.Second, TrustDomain: testDomain,
		Notes: []string{"crypto method BLOWFISH (from the built-in default) is not offered: only AES is implemented",
			"crypto method 3DES (from the built-in default) is not offered: only AES is implemented"}}
	if d := cmp.Diff(want, p); d != "" {
		t.Errorf("policy (-want +got):\n%s", d)
	}
	// The raised levels as sent (cedar.md §4.3 transcript): Authentication
	// and OutgoingNegotiation REQUIRED, AuthenticationNew OPTIONAL.
	lv, err := p.levelsFor(3, 1, LevelInvalid)
	if err != nil {
		t.Fatal(err)
	}
	if lv != (adLevels{auth: Required, authNew: Optional, enc: Required, integ: Required, neg: Required}) {
		t.Errorf("levels %+v", lv)
	}

	// Daemons default to one day; SEC_CLIENT_SESSION_DURATION wins over
	// SEC_<SUBSYS>_CLIENT_SESSION_DURATION (C++ reads both, the latter
	// last).
	k["SEC_SCHEDD_CLIENT_SESSION_DURATION"] = "100"
	p, _ = ClientPolicy(k, "SCHEDD")
	if p.SessionDuration != 100*time.Second {
		t.Errorf("subsystem duration %v", p.SessionDuration)
	}
	k["SEC_CLIENT_SESSION_DURATION"] = "200"
	p, _ = ClientPolicy(k, "SCHEDD")
	if p.SessionDuration != 200*time.Second {
		t.Errorf("duration %v", p.SessionDuration)
	}
	delete(k, "SEC_CLIENT_SESSION_DURATION")
	delete(k, "SEC_SCHEDD_CLIENT_SESSION_DURATION")
	p, _ = ClientPolicy(k, "SCHEDD")
	if p.SessionDuration != 86400*time.Second {
		t.Errorf("daemon default duration %v", p.SessionDuration)
	}
}

func TestPolicyKnobErrorsAndFilters(t *testing.T) {
	_, err := ClientPolicy(knobs{"SEC_DEFAULT_ENCRYPTION": "sometimes"}, "TOOL")
	if !errors.Is(err, ErrPolicy) || !strings.Contains(err.Error(), `SEC_DEFAULT_ENCRYPTION = "sometimes" is invalid`) {
		t.Errorf("error %v", err)
	}
	p, err := ClientPolicy(knobs{"SEC_CLIENT_AUTHENTICATION_METHODS": "GSI, claimtobe, bogus, IDTOKEN, TOKENS, scitoken",
		"SEC_CLIENT_CRYPTO_METHODS": "aes, BLOWFISH, AES", "SEC_CLIENT_SESSION_LEASE": "soon", "UID_DOMAIN": "uid.example"}, "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff([]string{"CLAIMTOBE", "TOKEN", "SCITOKENS"}, p.AuthMethods); d != "" {
		t.Errorf("methods (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"AES"}, p.CryptoMethods); d != "" {
		t.Errorf("crypto (-want +got):\n%s", d)
	}
	if p.SessionLease != DefaultSessionLease || p.TrustDomain != "uid.example" {
		t.Errorf("lease %v trust domain %q", p.SessionLease, p.TrustDomain)
	}
	notes := strings.Join(p.Notes, "\n")
	for _, w := range []string{"GSI (from SEC_CLIENT_AUTHENTICATION_METHODS) is no longer supported", `"bogus"`, `crypto method "aes"`,
		"BLOWFISH (from SEC_CLIENT_CRYPTO_METHODS) is not offered", `SEC_CLIENT_SESSION_LEASE = "soon" is not a non-negative integer`} {
		if !strings.Contains(notes, w) {
			t.Errorf("notes lack %q:\n%s", w, notes)
		}
	}

	// Encryption REQUIRED without AES is an invalid policy.
	p, _ = ClientPolicy(knobs{"SEC_CLIENT_ENCRYPTION": "REQUIRED", "SEC_CLIENT_CRYPTO_METHODS": "BLOWFISH"}, "TOOL")
	if _, err := p.levelsFor(1, len(p.CryptoMethods), LevelInvalid); !errors.Is(err, ErrPolicy) {
		t.Errorf("levels error %v", err)
	}
	// NEVER authentication with REQUIRED encryption cannot be satisfied.
	p, _ = ClientPolicy(knobs{"SEC_CLIENT_AUTHENTICATION": "NEVER", "SEC_CLIENT_ENCRYPTION": "REQUIRED"}, "TOOL")
	if _, err := p.levelsFor(1, 1, LevelInvalid); !errors.Is(err, ErrPolicy) {
		t.Errorf("levels error %v", err)
	}
	// Required authentication without any method.
	p, _ = ClientPolicy(knobs{"SEC_CLIENT_AUTHENTICATION": "REQUIRED"}, "TOOL")
	if _, err := p.levelsFor(0, 1, LevelInvalid); !errors.Is(err, ErrPolicy) {
		t.Errorf("levels error %v", err)
	}
}

// TestServerPolicyChain checks the permission fallbacks of getSecSetting.
func TestServerPolicyChain(t *testing.T) {
	k := knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_READ_AUTHENTICATION": "OPTIONAL",
		"SEC_DAEMON_AUTHENTICATION": "PREFERRED", "SEC_WRITE_AUTHENTICATION": "NEVER",
		"SEC_DEFAULT_AUTHENTICATION_METHODS": "FS,TOKEN"}
	ps, err := ServerPolicies(k, "SCHEDD")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Level{"READ": Optional, "WRITE": Never, "DAEMON": Preferred, "ADVERTISE_SCHEDD": Preferred,
		"ADMINISTRATOR": Required, "ALLOW": Required, "CLIENT": Required}
	for perm, l := range want {
		if got := ps.For(perm).Authentication; got != l {
			t.Errorf("%s authentication %v, want %v", perm, got, l)
		}
	}
	if ps.For("read") != ps["READ"] || ps.For("NOPE") != nil {
		t.Error("For is not case-insensitive or accepts unknown levels")
	}
	// LEGACY_ALLOW_SEMANTICS: DAEMON falls back to WRITE.
	delete(k, "SEC_DAEMON_AUTHENTICATION")
	k["LEGACY_ALLOW_SEMANTICS"] = "true"
	ps, _ = ServerPolicies(k, "SCHEDD")
	if got := ps.For("ADVERTISE_SCHEDD").Authentication; got != Never {
		t.Errorf("legacy ADVERTISE_SCHEDD authentication %v, want NEVER (from WRITE)", got)
	}
	// ALLOW: AuthenticationNew drops to OPTIONAL unless a command forces it.
	lv, _ := ps.For("ALLOW").levelsFor(2, 1, LevelInvalid)
	if lv.authNew != Optional || lv.auth != Required {
		t.Errorf("ALLOW levels %+v", lv)
	}
	lv, _ = ps.For("ALLOW").levelsFor(2, 1, Required)
	if lv.authNew != Required {
		t.Errorf("forced ALLOW levels %+v", lv)
	}
}

func TestImpliedPerms(t *testing.T) {
	cases := map[string][]string{
		"DAEMON": {"DAEMON", "WRITE", "READ"}, "administrator": {"ADMINISTRATOR", "WRITE", "READ"},
		"ADVERTISE_MASTER": {"ADVERTISE_MASTER", "READ"}, "ALLOW": {"ALLOW"}, "CLIENT": {"CLIENT"}, "bogus": nil,
	}
	for in, want := range cases {
		if d := cmp.Diff(want, ImpliedPerms(in)); d != "" {
			t.Errorf("ImpliedPerms(%s) (-want +got):\n%s", in, d)
		}
	}
}

func TestParseVersion(t *testing.T) {
	v, ok := ParseVersion("$CondorVersion: 25.14.0 2026-11-25 PRE-RELEASE-UWCS $")
	if !ok || v != (Version{25, 14, 0}) || !v.AtLeast(9, 9, 0) || !v.AtLeast(25, 14, 0) || v.AtLeast(25, 14, 1) {
		t.Errorf("version %v %v", v, ok)
	}
	if v, ok := ParseVersion(DefaultVersion); !ok || !v.AtLeast(23, 9, 0) {
		t.Errorf("DefaultVersion %q does not parse as modern", DefaultVersion)
	}
	for _, bad := range []string{"", "25.14.0", "$CondorVersion: 25.0.0 $x", "$CondorVersion: 5.1.0 x $", "$CondorVersion: a.b.c x $"} {
		if _, ok := ParseVersion(bad); ok {
			t.Errorf("ParseVersion(%q) accepted", bad)
		}
	}
}

// TestReconcileResponse checks the server response of cedar.md §4.4 for
// the recorded token_fetch_fs client (values, not the key).
func TestReconcileResponse(t *testing.T) {
	cli, err := ParseHandshakeAd([]string{`Enact = "NO"`, `Command = 60046`, `Integrity = "REQUIRED"`, `Encryption = "REQUIRED"`,
		`AuthMethods = "FS,TOKEN,SSL"`, `SessionLease = 3600`, `CryptoMethods = "AES,BLOWFISH,3DES"`, `Authentication = "REQUIRED"`,
		`SessionDuration = "60"`, `AuthenticationNew = "OPTIONAL"`, `NewSession = "YES"`})
	if err != nil {
		t.Fatal(err)
	}
	pol := &Policy{Perm: "DAEMON", Authentication: Required, Encryption: Required, Integrity: Required, Negotiation: Preferred,
		AuthMethods: []string{"FS", "TOKEN", "SSL"}, CryptoMethods: []string{"AES"}, SessionDuration: 86400 * time.Second,
		SessionLease: 3600 * time.Second, TrustDomain: "example.net", IssuerKeys: []string{"POOL"}}
	lv, _ := pol.levelsFor(3, 1, LevelInvalid)
	r, err := reconcile(cli, pol, lv, pol.AuthMethods, "V")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{`Enact = "YES"`, `Integrity = "YES"`, `Encryption = "YES"`, `IssuerKeys = "POOL"`, `AuthMethods = "FS"`,
		`TrustDomain = "example.net"`, `SessionLease = 3600`, `CryptoMethods = "AES"`, `RemoteVersion = "V"`, `Authentication = "YES"`,
		`AuthMethodsList = "FS,TOKEN,SSL"`, `SessionDuration = "60"`, `CryptoMethodsList = "AES"`, `NegotiatedSession = true`}
	if d := cmp.Diff(want, r.ad.AssignmentLines(1)); d != "" {
		t.Errorf("response (-want +got):\n%s", d)
	}

	// AuthRequired = false when neither side requires it; a client
	// without SessionDuration gets 0; an old client (no
	// AuthenticationNew) is compared with our raised Authentication.
	cli2, _ := ParseHandshakeAd([]string{`AuthenticationNew = "PREFERRED"`, `AuthMethods = "IDTOKENS"`, `Encryption = "OPTIONAL"`, `Integrity = "optional"`})
	pol.Authentication = Optional
	lv, _ = pol.levelsFor(3, 1, LevelInvalid)
	if r, err = reconcile(cli2, pol, lv, pol.AuthMethods, "V"); err != nil {
		t.Fatal(err)
	}
	if v, ok := r.ad.GetBool(AttrAuthRequired); !ok || v {
		t.Errorf("AuthRequired %v %v", v, ok)
	}
	if d, _ := r.ad.GetString(AttrSessionDuration); d != "0" {
		t.Errorf("SessionDuration %q", d)
	}
	if l, _ := r.ad.GetString(AttrAuthMethodsList); l != "IDTOKENS" {
		t.Errorf("AuthMethodsList %q", l)
	}
	old, _ := ParseHandshakeAd([]string{`Authentication = "PREFERRED"`, `Encryption = "OPTIONAL"`, `Integrity = "OPTIONAL"`})
	if r, err = reconcile(old, pol, lv, pol.AuthMethods, "V"); err != nil {
		t.Fatal(err)
	}
	if r.srvLevel != Required || r.auth != Yes || r.ad.Has(AttrAuthRequired) {
		t.Errorf("old client compared with %v → %v, AuthRequired present %v", r.srvLevel, r.auth, r.ad.Has(AttrAuthRequired))
	}
	// A client without Encryption counts as NEVER: REQUIRED on our side
	// makes the policies irreconcilable.
	cli3, _ := ParseHandshakeAd([]string{`AuthenticationNew = "OPTIONAL"`})
	if _, err := reconcile(cli3, pol, lv, pol.AuthMethods, "V"); !errors.Is(err, ErrRejected) {
		t.Errorf("missing Encryption: %v", err)
	}
}

// TestPolicyFromConfig reads the recorded pool's configuration (transcripts
// README) through pkg/config, whose *Config satisfies Knobs.
func TestPolicyFromConfig(t *testing.T) {
	var _ Knobs = (*config.Config)(nil)
	dir := t.TempDir()
	file := filepath.Join(dir, "condor_config")
	text := "UID_DOMAIN = example.net\nTRUST_DOMAIN = example.net\nuse security:recommended\n" +
		"SEC_DEFAULT_AUTHENTICATION_METHODS = FS, IDTOKENS, SSL\nSEC_CLIENT_AUTHENTICATION_METHODS  = FS, IDTOKENS, SSL\n"
	if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(config.Options{Subsystem: "TOOL", ConfigFile: file, Env: []string{}, Hostname: "vm"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := ClientPolicy(cfg, "TOOL")
	if err != nil {
		t.Fatal(err)
	}
	lv, err := p.levelsFor(len(p.AuthMethods), len(p.CryptoMethods), LevelInvalid)
	if err != nil {
		t.Fatal(err)
	}
	// The levels and methods of every recorded message 1 (cedar.md §4.3).
	if lv != (adLevels{auth: Required, authNew: Optional, enc: Required, integ: Required, neg: Required}) ||
		!cmp.Equal(p.AuthMethods, []string{"FS", "TOKEN", "SSL"}) || p.SessionDuration != 60*time.Second ||
		p.SessionLease != 3600*time.Second || p.TrustDomain != "example.net" {
		t.Errorf("client policy %+v levels %+v", p, lv)
	}
	ps, err := ServerPolicies(cfg, "COLLECTOR")
	if err != nil {
		t.Fatal(err)
	}
	if ps.For("READ").Authentication != Optional || ps.For("DAEMON").Authentication != Required || ps.For("WRITE").Encryption != Required ||
		ps.For("DAEMON").SessionDuration != 86400*time.Second {
		t.Errorf("server policies READ %+v DAEMON %+v", ps.For("READ"), ps.For("DAEMON"))
	}
}
