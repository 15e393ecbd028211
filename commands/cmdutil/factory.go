package cmdutil

import (
	"crypto/rand"
	"io"
	"os"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// Version is stamped at build time with
// -ldflags "-X github.com/condor-auth/condor-auth/commands/cmdutil.Version=…".
var Version = "dev"

// Factory gives commands their dependencies, so tests can replace each one.
type Factory struct {
	// IOStreams are the standard streams.
	IOStreams *iostreams.IOStreams
	// Config loads the HTCondor configuration (cached after the first call).
	Config func() (*config.Config, error)
	// User returns the current user (no NSS; see pkg/osuser).
	User func() (osuser.User, error)
	// Now is the clock.
	Now func() time.Time
	// Rand is the source of randomness (jti values, keys).
	Rand io.Reader
	// Uid is the real uid that key and token files must be owned by.
	Uid int
	// Euid decides root behaviour (token directories).
	Euid int
}

// ConfigOptions are the options the default Factory loads the
// configuration with; the tools run as subsystem TOOL.
var ConfigOptions = config.Options{Subsystem: "TOOL"}

// New returns the production Factory.
func New() *Factory {
	return &Factory{
		IOStreams: iostreams.System(),
		Config:    CachedConfig(ConfigOptions),
		User:      osuser.Current,
		Now:       time.Now,
		Rand:      rand.Reader,
		Uid:       os.Getuid(),
		Euid:      os.Geteuid(),
	}
}

// CachedConfig returns a loader that reads the configuration once.
func CachedConfig(opts config.Options) func() (*config.Config, error) {
	var (
		once sync.Once
		cfg  *config.Config
		err  error
	)
	return func() (*config.Config, error) {
		once.Do(func() { cfg, err = config.Load(opts) })
		return cfg, err
	}
}
