package cmdutil

import (
	"context"
	"time"

	"github.com/spf13/cobra"
)

// Target selects the daemon a command talks to (-pool/-name/-type of the
// originals; cedar.md §6.4).
type Target struct {
	// Pool is the collector host[:port] used to locate the daemon.
	Pool string
	// Name is the daemon name (e.g. schedd@host).
	Name string
	// Type is the daemon type (schedd, collector, credd, …).
	Type string
	// Timeout bounds the whole network operation.
	Timeout time.Duration
}

// DefaultTimeout bounds a network command unless --timeout says otherwise.
const DefaultTimeout = 30 * time.Second

// AddTargetFlags registers --pool, --name, --type and --timeout with the
// command's default daemon type and timeout (0 = no limit). With an empty
// defaultType no --type flag is registered (the cred verbs use --type for
// the credential type and always talk to the credd).
func AddTargetFlags(cmd *cobra.Command, t *Target, defaultType string, timeout time.Duration) {
	fl := cmd.Flags()
	fl.StringVar(&t.Pool, "pool", "", "collector host[:port] used to locate the daemon")
	fl.StringVar(&t.Name, "name", "", "name of the daemon to contact")
	if defaultType != "" {
		fl.StringVar(&t.Type, "type", defaultType, "type of daemon to contact (schedd, collector, credd, master, …)")
	}
	fl.DurationVar(&t.Timeout, "timeout", timeout, "give up after this long (0: no limit)")
}

// OpContext bounds one operation by timeout (0: no bound). The legacy tools
// have no client-side timeout (tokens.md §9.4): their Target never carries
// one.
func OpContext(timeout time.Duration) (context.Context, context.CancelFunc) {
	if timeout > 0 {
		return context.WithTimeout(context.Background(), timeout)
	}
	return context.WithCancel(context.Background())
}
