package config

import (
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// Identity describes the process for the detected macros and the per-user
// configuration file. Load detects it when Options.Identity is nil.
type Identity struct {
	// UID and GID are the real ids ($(REAL_UID), $(REAL_GID)). UID 0 means
	// the process can switch ids: $(CondorIsAdmin) is true and the user
	// configuration file (~/.condor/user_config) is not read.
	UID, GID int
	// Name is the login name ($(USERNAME)).
	Name string
	// Home is the passwd home directory (not $HOME), used for
	// ~/.condor/<USER_CONFIG_FILE>.
	Home string
	// CondorHome is the home directory of the "condor" account ($(TILDE),
	// the third default location of condor_config); "" if there is none.
	CondorHome string
}

// detectIdentity fills an Identity from the kernel and /etc/passwd.
func detectIdentity() Identity {
	id := Identity{UID: os.Getuid(), GID: os.Getgid()}
	if u, err := osuser.LookupUid(id.UID); err == nil {
		id.Name, id.Home = u.Name, u.Home
	} else if u, err := osuser.Current(); err == nil {
		id.Name, id.Home = u.Name, u.Home
	}
	if u, err := osuser.LookupName("condor"); err == nil {
		id.CondorHome = u.Home
	}
	return id
}

// archName and opsysName give $(ARCH) and $(OPSYS) in HTCondor's spelling.
func archName() string {
	switch runtime.GOARCH {
	case "amd64":
		return "X86_64"
	case "386":
		return "INTEL"
	case "arm64":
		return "AARCH64"
	case "ppc64le":
		return "PPC64LE"
	}
	return strings.ToUpper(runtime.GOARCH)
}

func opsysName() string {
	switch runtime.GOOS {
	case "darwin":
		return "MACOSX"
	}
	return strings.ToUpper(runtime.GOOS)
}

// detected inserts a detected macro; it overrides any configured value, as
// HTCondor's insert of DetectedMacro does.
func (l *loader) detected(name, value string) {
	l.c.t.set(name, value, Source{File: SourceDetected})
}

// insertEarly inserts what HTCondor's fill_attributes provides before any
// file is read.
func (l *loader) insertEarly() {
	if l.id.CondorHome != "" {
		l.detected("TILDE", l.id.CondorHome)
	}
	l.detected("ARCH", archName())
	l.detected("OPSYS", opsysName())
	l.detected("CondorIsAdmin", strconv.FormatBool(l.id.UID == 0))
	l.insertSubsystem()
}

func (l *loader) insertSubsystem() {
	l.detected("SUBSYSTEM", l.c.subsys)
	local := l.c.local
	if local == "" {
		local = l.c.subsys
	}
	l.detected("LOCALNAME", local)
}

// insertHostnames inserts HOSTNAME and FULL_HOSTNAME. The host name is
// Options.Hostname or os.Hostname(), replaced by NETWORK_HOSTNAME when that
// is configured; a name without a dot gets DEFAULT_DOMAIN_NAME appended.
// No DNS lookup is made (HTCondor canonicalizes through the resolver).
func (l *loader) insertHostnames() {
	host := l.opts.Hostname
	if host == "" {
		host, _ = os.Hostname()
	}
	if v, err := l.expandNow("$(NETWORK_HOSTNAME)"); err == nil && v != "" {
		host = v
	}
	full := host
	if !strings.Contains(full, ".") {
		if d, err := l.expandNow("$(DEFAULT_DOMAIN_NAME)"); err == nil && d != "" {
			full += "." + strings.TrimPrefix(d, ".")
		}
	}
	short, _, _ := strings.Cut(full, ".")
	l.detected("HOSTNAME", short)
	l.detected("FULL_HOSTNAME", full)
	l.fullHostname = full
	if l.id.CondorHome != "" {
		l.detected("TILDE", l.id.CondorHome)
	}
}

// insertSpecials re-inserts the detected macros after the environment
// overrides (reinsert_specials): configuration cannot change them.
func (l *loader) insertSpecials() {
	l.insertHostnames()
	l.insertSubsystem()
	if l.id.Name != "" {
		l.detected("USERNAME", l.id.Name)
	}
	l.detected("REAL_UID", strconv.Itoa(l.id.UID))
	l.detected("REAL_GID", strconv.Itoa(l.id.GID))
	l.detected("PID", strconv.Itoa(os.Getpid()))
	l.detected("PPID", strconv.Itoa(os.Getppid()))
}

// checkDomains sets UID_DOMAIN and FILESYSTEM_DOMAIN to the full host
// name when they expand to nothing (check_domain_attributes).
func (l *loader) checkDomains() {
	for _, n := range []string{"UID_DOMAIN", "FILESYSTEM_DOMAIN"} {
		if v, err := l.expandNow("$(" + n + ")"); err == nil && v == "" {
			l.detected(n, l.fullHostname)
		}
	}
}
