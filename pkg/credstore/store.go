package credstore

import (
	"path/filepath"
	"syscall"
	"time"
)

// Options configures a Store. Start from DefaultOptions: in this struct a
// zero number means zero (uid 0 is root), not "HTCondor's default".
type Options struct {
	// OAuthDir is SEC_CREDENTIAL_DIRECTORY_OAUTH; "" (unset) makes every
	// OAuth operation fail with FAILURE_CONFIG_ERROR. The directory must
	// exist (packaged layout: root:condor, mode 2770).
	OAuthDir string
	// KrbDir is SEC_CREDENTIAL_DIRECTORY_KRB; "" makes every Kerberos
	// operation fail with FAILURE_CONFIG_ERROR.
	KrbDir string
	// PoolPasswordFile is SEC_PASSWORD_FILE; "" makes pool-password adds
	// and deletes fail with FAILURE and queries report FAILURE_NOT_FOUND.
	PoolPasswordFile string
	// SuperUsers is CRED_SUPER_USERS: patterns (see MatchWildcard) for
	// authenticated users (the name part, before '@') allowed to manage
	// other users' credentials.
	SuperUsers []string
	// TrustedVaultHosts is TRUSTED_VAULT_HOSTS; empty trusts every Vault
	// host. Hosts compare case-insensitively, port included.
	TrustedVaultHosts []string
	// Sorter tells which OAuth services a credmon manages; nil means
	// DefaultCredSorter.
	Sorter *CredSorter
	// KrbRefreshInterval is SEC_CREDENTIAL_REFRESH_INTERVAL in seconds
	// (HTCondor default -1): negative means a Kerberos add is a no-op while
	// <user>.cc exists; otherwise the add is a no-op when the .cc file is
	// younger than this.
	KrbRefreshInterval int
	// LegacyOAuth is CREDD_OAUTH_MODE (param-table default true): a
	// credential sent base64-encoded in the password field of a legacy
	// request is stored as OAuth when true, as Kerberos when false
	// (credentials.md §5.2).
	LegacyOAuth bool
	// PollCount is CREDD_POLLING_TIMEOUT (20): how many times, after the
	// first check, a waiting add re-checks for the credmon's completion
	// file (credentials.md §5.6).
	PollCount int
	// PollInterval is the pause between those checks (1 s; values <= 0
	// mean 1 s).
	PollInterval time.Duration
	// SweepDelay is SEC_CREDENTIAL_SWEEP_DELAY (3600 s): how old a mark file
	// must be before Sweep removes the user's credentials (§6.4).
	SweepDelay time.Duration
	// DirUid and DirGid become the owner and group of per-user OAuth
	// directories this store creates (HTCondor creates them as the condor
	// service account, credentials.md §6.2); -1 leaves what the kernel
	// gives (the process's uid; the group of a set-group-ID parent).
	DirUid, DirGid int
	// FileUid and FileGid become the owner and group of credential files
	// this store writes (HTCondor writes them as root); -1 leaves what the
	// kernel gives.
	FileUid, FileGid int
	// Now returns the current time (SEC_CREDENTIAL_REFRESH_INTERVAL and
	// sweeping); nil means time.Now.
	Now func() time.Time
	// Signal wakes a credmon whose pid was read from "<cred dir>/pid"; nil
	// sends SIGHUP.
	Signal func(pid int) error
	// Logf receives one line per refusal or failure, like the credd's
	// D_ALWAYS log (never a secret); nil discards them.
	Logf func(format string, args ...any)
}

// DefaultOptions returns HTCondor's defaults: no directories configured,
// no super users, every Vault host trusted, the default credmon sorter,
// KrbRefreshInterval -1, LegacyOAuth true, PollCount 20, PollInterval 1 s,
// SweepDelay 3600 s, and no ownership changes (ids -1).
func DefaultOptions() Options {
	return Options{
		Sorter:             DefaultCredSorter(),
		KrbRefreshInterval: -1,
		LegacyOAuth:        true,
		PollCount:          20,
		PollInterval:       time.Second,
		SweepDelay:         3600 * time.Second,
		DirUid:             -1,
		DirGid:             -1,
		FileUid:            -1,
		FileGid:            -1,
		Now:                time.Now,
	}
}

// Store is a credential store on disk: the server side of STORE_CRED,
// STORE_POOL_CRED and CREDD_GET_TOKEN. Its methods may be called
// concurrently; every write is atomic.
type Store struct {
	opts Options
}

// New returns a Store using opts (copied). Directory paths are cleaned;
// nil functions get their defaults.
func New(opts Options) *Store {
	clean := func(p string) string {
		if p == "" {
			return ""
		}
		return filepath.Clean(p)
	}
	opts.OAuthDir = clean(opts.OAuthDir)
	opts.KrbDir = clean(opts.KrbDir)
	opts.PoolPasswordFile = clean(opts.PoolPasswordFile)
	opts.SuperUsers = append([]string(nil), opts.SuperUsers...)
	opts.TrustedVaultHosts = append([]string(nil), opts.TrustedVaultHosts...)
	if opts.Sorter == nil {
		opts.Sorter = DefaultCredSorter()
	}
	if opts.PollInterval <= 0 {
		opts.PollInterval = time.Second
	}
	if opts.PollCount < 0 {
		opts.PollCount = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Signal == nil {
		opts.Signal = func(pid int) error { return syscall.Kill(pid, syscall.SIGHUP) }
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	return &Store{opts: opts}
}

// authorized reports whether the authenticated owner may act on the
// credentials of user (the name part of the target): the same name, or an
// owner matching a CRED_SUPER_USERS pattern (credentials.md §5.5).
func (s *Store) authorized(owner, user string) bool {
	if owner == user {
		return true
	}
	for _, p := range s.opts.SuperUsers {
		if p != "" && MatchWildcard(p, owner) {
			return true
		}
	}
	return false
}
