package server

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/authz"
	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/claimtobe"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/token"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
	"github.com/condor-auth/condor-auth/pkg/mapfile"
	"github.com/condor-auth/condor-auth/pkg/tokenreq"
)

// Knobs condor-auth adds for limits HTCondor hard-codes or lacks (see the
// package documentation).
const (
	// KnobStateFile is the token-request state file (default
	// $(SPOOL)/condor_auth_token_requests.json).
	KnobStateFile = "CONDOR_AUTH_TOKEN_REQUEST_STATE_FILE"
	// KnobMaxRequests bounds the stored token requests (default 1000,
	// HTCondor's fixed limit).
	KnobMaxRequests = "CONDOR_AUTH_TOKEN_REQUEST_MAX"
	// KnobRequestRate is the START/FINISH rate allowed per peer, per second
	// (default 10; 0 or negative: no limit).
	KnobRequestRate = "CONDOR_AUTH_TOKEN_REQUEST_RATE"
	// KnobRequestBurst is how many requests a peer may make at once
	// (default 50).
	KnobRequestBurst = "CONDOR_AUTH_TOKEN_REQUEST_BURST"
)

// defaultStateFileName is the state file's name in $(SPOOL).
const defaultStateFileName = "condor_auth_token_requests.json"

// settings is everything one configuration yields: it is built whole by
// New and Reload, so a configuration error leaves the running daemon
// untouched.
type settings struct {
	cfg       *config.Config
	subsystem string

	fullHostname, hostname string
	uidDomain, trustDomain string
	localDir, etc          string

	keys        idtoken.KeyConfig
	issuerKey   string   // SEC_TOKEN_ISSUER_KEY
	allowedKeys []string // SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS

	enableFetch, enableRequest, enableSciToken bool
	// enableImpersonation is SEC_ENABLE_IMPERSONATION_TOKENS (default
	// false): whether the schedd role answers condor_token_fetch -remote.
	enableImpersonation bool
	impersonationLimits []string // SEC_IMPERSONATION_TOKEN_LIMITS
	issuedExpiration    int64    // SEC_ISSUED_TOKEN_EXPIRATION, -1 unset
	// mapFile is CERTIFICATE_MAPFILE, nil when the knob is not set.
	mapFile *mapfile.MapFile

	reqKnobs  tokenreq.Knobs
	stateFile string

	policies security.PolicySet
	methods  []auth.Server
	authz    *authz.Policy

	bootstrapSSL bool
	sslBootstrap ssl.BootstrapConfig

	credOpts      credstore.Options
	creddHost     string
	sweepInterval time.Duration

	collectorName, scheddName, creddName, masterName string
}

// loadSettings reads cfg. Every invalid knob is an error naming it.
func loadSettings(cfg *config.Config, now func() time.Time, rnd io.Reader, logf func(string, ...any)) (*settings, error) {
	if cfg == nil {
		return nil, errors.New("no configuration given")
	}
	st := &settings{cfg: cfg, subsystem: cfg.Subsystem()}
	if st.subsystem == "" || strings.EqualFold(st.subsystem, "TOOL") {
		st.subsystem = "COLLECTOR"
	}
	var errs []error
	getInt := func(name string, def int64) int64 {
		v, err := cfg.Int(name, def)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}
	getBool := func(name string, def bool) bool {
		v, err := cfg.Bool(name, def)
		if err != nil {
			errs = append(errs, err)
		}
		return v
	}

	st.localDir = cfg.Lookup("LOCAL_DIR")
	if st.localDir == "" {
		return nil, errors.New("LOCAL_DIR is not set: the daemon needs it for its keys, state and address files (set LOCAL_DIR or use --local-dir)")
	}
	st.etc = cfg.Lookup("ETC")
	if st.etc == "" {
		st.etc = st.localDir
	}
	st.fullHostname = cfg.Lookup("FULL_HOSTNAME")
	st.hostname = cfg.Lookup("HOSTNAME")
	if st.fullHostname == "" {
		h, err := os.Hostname()
		if err != nil || h == "" {
			h = "localhost"
		}
		st.fullHostname = h
	}
	if st.hostname == "" {
		st.hostname, _, _ = strings.Cut(st.fullHostname, ".")
	}
	st.uidDomain = cfg.Lookup("UID_DOMAIN")
	if st.uidDomain == "" {
		st.uidDomain = st.fullHostname
	}
	st.trustDomain = knobs.TrustDomain(cfg)
	if st.trustDomain == "" {
		st.trustDomain = st.uidDomain
	}

	// Signing keys and the token commands (tokens.md §2, §5).
	keys, err := knobs.Keys(cfg, os.Getuid())
	if err != nil {
		return nil, err
	}
	st.keys = keys
	st.issuerKey = cfg.Lookup("SEC_TOKEN_ISSUER_KEY")
	if st.issuerKey == "" {
		st.issuerKey = idtoken.PoolKeyID
	}
	if v, ok := cfg.Get("SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS"); ok {
		st.allowedKeys = splitList(v)
	} else {
		st.allowedKeys = []string{idtoken.PoolKeyID} // the code's fallback, tokens.md §2
	}
	st.enableFetch = getBool("SEC_ENABLE_TOKEN_FETCH", true)
	st.enableRequest = getBool("SEC_ENABLE_TOKEN_REQUEST", true)
	st.enableSciToken = getBool("SEC_ENABLE_SCITOKEN_EXCHANGE", true)
	st.enableImpersonation = getBool("SEC_ENABLE_IMPERSONATION_TOKENS", false)
	st.impersonationLimits = cfg.List("SEC_IMPERSONATION_TOKEN_LIMITS")
	st.issuedExpiration = getInt("SEC_ISSUED_TOKEN_EXPIRATION", -1)
	maxAge := getInt("SEC_TOKEN_MAX_AGE", 0)
	revoked, err := knobs.Revocation(cfg)
	if err != nil {
		errs = append(errs, err)
	}
	// CERTIFICATE_MAPFILE (cedar.md §4.6 step 5). HTCondor logs a map file
	// it cannot load and maps nothing; serve refuses to start (or a reload
	// keeps the old configuration) and says which file and line.
	if path := cfg.Lookup("CERTIFICATE_MAPFILE"); path != "" {
		re, err := knobs.ExcludeRegexp(cfg)
		if err != nil {
			errs = append(errs, err)
		}
		opts := mapfile.Options{AssumeHashKeys: getBool("CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS", false), Exclude: re, NoExclude: re == nil}
		if st.mapFile, err = mapfile.LoadWith(path, opts); err != nil {
			errs = append(errs, fmt.Errorf("CERTIFICATE_MAPFILE: %w", err))
		}
	}

	st.reqKnobs = tokenreq.Knobs{
		RequestLifetime:        time.Duration(getInt("SEC_TOKEN_REQUEST_LIFETIME", 3600)) * time.Second,
		MaxAutoApproveLifetime: time.Duration(getInt("TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME", 3600)) * time.Second,
		MaxPending:             int(getInt(KnobMaxRequests, tokenreq.DefaultMaxPending)),
		RatePerPeer:            tokenreq.DefaultRatePerPeer,
		Burst:                  int(getInt(KnobRequestBurst, tokenreq.DefaultBurst)),
		RequestLimits:          cfg.List("SEC_TOKEN_REQUEST_LIMITS"),
		IssuedExpiration:       st.issuedExpiration,
	}
	if v, ok := cfg.Get(KnobRequestRate); ok {
		var rate float64
		if _, err := fmt.Sscan(strings.TrimSpace(v), &rate); err != nil {
			errs = append(errs, fmt.Errorf("%s = %q is not a number (requests per second per peer; negative means no limit)", KnobRequestRate, v))
		} else if rate <= 0 {
			st.reqKnobs.RatePerPeer = -1
		} else {
			st.reqKnobs.RatePerPeer = rate
		}
	}
	st.stateFile = cfg.Lookup(KnobStateFile)
	if st.stateFile == "" {
		dir := cfg.Lookup("SPOOL")
		if dir == "" {
			dir = st.localDir
		}
		st.stateFile = filepath.Join(dir, defaultStateFileName)
	}

	// Security policies and methods (cedar.md §4).
	if st.policies, err = security.ServerPolicies(cfg, st.subsystem); err != nil {
		return nil, err
	}
	listed := map[string]bool{}
	for _, p := range st.policies {
		if p.TrustDomain == "" {
			p.TrustDomain = st.trustDomain
		}
		for _, m := range p.AuthMethods {
			listed[m] = true
		}
	}
	if listed["FS"] {
		st.methods = append(st.methods, fsServer(cfg, st, getBool))
	}
	if listed["TOKEN"] {
		st.methods = append(st.methods, token.NewServer(token.ServerConfig{Keys: st.keys, MaxAge: maxAge, Revoked: revoked, Now: now}))
	}
	if listed["SSL"] {
		st.methods = append(st.methods, ssl.NewServer(ssl.Options{
			ServerCertFile:           cfg.Lookup("AUTH_SSL_SERVER_CERTFILE"),
			ServerKeyFile:            cfg.Lookup("AUTH_SSL_SERVER_KEYFILE"),
			ServerCAFile:             cfg.Lookup("AUTH_SSL_SERVER_CAFILE"),
			ServerCADir:              cfg.Lookup("AUTH_SSL_SERVER_CADIR"),
			ServerSkipDefaultCAs:     !getBool("AUTH_SSL_SERVER_USE_DEFAULT_CAS", true),
			RequireClientCertificate: getBool("AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE", false),
			Now:                      now,
		}))
		st.bootstrapSSL = getBool("COLLECTOR_BOOTSTRAP_SSL_CERTIFICATE", true)
		alias := cfg.Lookup("HOST_ALIAS")
		if alias == "" {
			alias = st.fullHostname
		}
		st.sslBootstrap = ssl.DefaultBootstrapConfig(st.etc, st.trustDomain, alias)
		for knob, dst := range map[string]*string{"TRUST_DOMAIN_CAFILE": &st.sslBootstrap.CAFile, "TRUST_DOMAIN_CAKEY": &st.sslBootstrap.CAKeyFile,
			"AUTH_SSL_AUTOGENERATE_CERTFILE": &st.sslBootstrap.CertFile, "AUTH_SSL_AUTOGENERATE_KEYFILE": &st.sslBootstrap.KeyFile} {
			if v, ok := cfg.Get(knob); ok {
				*dst = v
			}
		}
		st.sslBootstrap.Now, st.sslBootstrap.Rand = now, rnd
	}
	if listed["CLAIMTOBE"] {
		st.methods = append(st.methods, claimtobe.NewServer(claimtobe.ServerOptions{UIDDomain: st.uidDomain,
			IncludeDomain: getBool("SEC_CLAIMTOBE_INCLUDE_DOMAIN", true)}))
	}
	if listed["ANONYMOUS"] {
		st.methods = append(st.methods, anonymous.Server{})
	}
	if st.authz, err = authz.NewWithOptions(cfg, authz.Options{Subsystem: st.subsystem}); err != nil {
		return nil, err
	}
	for _, w := range st.authz.Warnings() {
		logf("authorization: %s", w)
	}

	// The credd (credentials.md §5–§6).
	st.credOpts = credOptions(cfg, getInt, getBool, logf)
	st.creddHost = cfg.Lookup("CREDD_HOST")
	st.sweepInterval = time.Duration(getInt("SEC_CREDENTIAL_SWEEP_INTERVAL", 300)) * time.Second

	// Daemon names (build_valid_daemon_name; the collector's is
	// COLLECTOR_NAME or the host name).
	st.collectorName = cfg.Lookup("COLLECTOR_NAME")
	if st.collectorName == "" {
		st.collectorName = st.fullHostname
	}
	st.scheddName = st.daemonName(cfg.Lookup("SCHEDD_NAME"))
	st.creddName = st.daemonName(cfg.Lookup("CREDD_NAME"))
	st.masterName = st.daemonName(cfg.Lookup("MASTER_NAME"))

	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return st, nil
}

// daemonName is build_valid_daemon_name: a name with '@' is used as it
// is, the host's own name becomes the full host name, anything else gets
// "@<full host name>" appended; no name means the full host name.
func (st *settings) daemonName(name string) string {
	switch {
	case name == "":
		return st.fullHostname
	case strings.Contains(name, "@"):
		return name
	case strings.EqualFold(name, st.fullHostname) || strings.EqualFold(name, st.hostname):
		return st.fullHostname
	}
	return name + "@" + st.fullHostname
}

// fsServer configures FS (cedar.md §5.6): a root-owned directory maps to
// the HTCondor service account when FS_ROOT_TO_CONDOR is true and one
// exists.
func fsServer(cfg *config.Config, st *settings, getBool func(string, bool) bool) auth.Server {
	sc := fs.ServerConfig{Dir: cfg.Lookup("FS_LOCAL_DIR"), UIDDomain: st.uidDomain,
		NoChannelBinding: !getBool("SEC_FS_ENFORCE_CHANNEL_BINDING", true)}
	if getBool("FS_ROOT_TO_CONDOR", true) {
		if acct, err := fs.LookupServiceAccount(cfg.Lookup("CONDOR_IDS")); err == nil && acct.Name != "" {
			sc.RootUser = acct.Name
		}
	}
	return fs.NewServer(sc)
}

// credOptions reads the credd's knobs (credentials.md §5.5, §6).
func credOptions(cfg *config.Config, getInt func(string, int64) int64, getBool func(string, bool) bool, logf func(string, ...any)) credstore.Options {
	o := credstore.DefaultOptions()
	o.OAuthDir = cfg.Lookup("SEC_CREDENTIAL_DIRECTORY_OAUTH")
	o.KrbDir = cfg.Lookup("SEC_CREDENTIAL_DIRECTORY_KRB")
	o.PoolPasswordFile = cfg.Lookup("SEC_PASSWORD_FILE")
	o.SuperUsers = cfg.List("CRED_SUPER_USERS")
	o.TrustedVaultHosts = cfg.List("TRUSTED_VAULT_HOSTS")
	o.KrbRefreshInterval = int(getInt("SEC_CREDENTIAL_REFRESH_INTERVAL", -1))
	o.LegacyOAuth = getBool("CREDD_OAUTH_MODE", true)
	o.PollCount = int(getInt("CREDD_POLLING_TIMEOUT", 20))
	o.SweepDelay = time.Duration(getInt("SEC_CREDENTIAL_SWEEP_DELAY", 3600)) * time.Second
	o.Logf = logf

	sorter := credstore.DefaultCredSorter()
	if v := cfg.List("LOCAL_CREDMON_PROVIDER_NAMES"); len(v) > 0 {
		sorter.LocalNames = v
	} else if v, ok := cfg.Get("LOCAL_CREDMON_PROVIDER_NAME"); ok {
		sorter.LocalNames = []string{strings.TrimSpace(v)}
	}
	sorter.ClientNames = cfg.List("CLIENT_CREDMON_PROVIDER_NAMES")
	if v := cfg.List("OAUTH2_CREDMON_PROVIDER_NAMES"); !(len(v) == 1 && v[0] == "*") {
		sorter.OAuth2Names = v
	}
	vault, vaultSet := cfg.Get("VAULT_CREDMON_PROVIDER_NAMES")
	_, storerSet := cfg.Get("SEC_CREDENTIAL_STORER")
	sorter.VaultEnabled = vaultSet || storerSet
	if vaultSet && strings.TrimSpace(vault) != "*" {
		sorter.VaultNames = splitList(vault)
	}
	sorter.PelicanNames = cfg.List("PELICAN_CREDMON_PROVIDER_NAMES")
	sorter.ClientIDDefined = func(service string) bool {
		_, ok := cfg.Get(service + "_CLIENT_ID")
		return ok
	}
	o.Sorter = sorter

	// HTCondor creates the per-user OAuth directories as the service
	// account (credentials.md §6.2); do the same when running as root.
	if os.Geteuid() == 0 {
		if acct, err := fs.LookupServiceAccount(cfg.Lookup("CONDOR_IDS")); err == nil {
			o.DirUid, o.DirGid = acct.Uid, acct.Gid
		}
	}
	return o
}

// splitList splits a list knob on commas and white space.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' || r == '\n' || r == '\r' })
}

// advertisedKeys returns the IssuerKeys the policies advertise.
func (st *settings) advertisedKeys() []string {
	for _, p := range st.policies {
		return p.IssuerKeys
	}
	return nil
}

// withIssuerKeys returns a copy of st whose policies advertise keys.
func (st *settings) withIssuerKeys(keys []string) *settings {
	c := *st
	c.policies = make(security.PolicySet, len(st.policies))
	for perm, p := range st.policies {
		q := p.Clone()
		q.IssuerKeys = slices.Clone(keys)
		c.policies[perm] = q
	}
	return &c
}
