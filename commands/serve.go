package commands

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// ServeOptions are the inputs of `condor-auth serve`.
type ServeOptions struct {
	F *cmdutil.Factory
	// Listen is host:port to listen on (default: COLLECTOR_HOST's).
	Listen string
	// Foreground logs to stderr instead of the log file.
	Foreground bool
	// LocalDir overrides LOCAL_DIR (state, address files, keys).
	LocalDir string
}

func newCmdServe(f *cmdutil.Factory) *cobra.Command {
	opts := &ServeOptions{F: f}
	cmd := &cobra.Command{
		Use:   "serve [flags]",
		Short: "Run the embedded daemon: token issue, token requests and approval, credential store",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return cmdutil.ErrNotAvailable("serve")
		},
	}
	cmd.Flags().StringVar(&opts.Listen, "listen", "", "address to listen on (default: the host:port of COLLECTOR_HOST)")
	cmd.Flags().BoolVarP(&opts.Foreground, "foreground", "f", false, "stay in the foreground and log to stderr")
	cmd.Flags().StringVar(&opts.LocalDir, "local-dir", "", "directory for state, address files and keys (default: LOCAL_DIR)")
	return cmd
}

// PingOptions are the inputs of `condor-auth ping`.
type PingOptions struct {
	F *cmdutil.Factory
	cmdutil.Target
	// Explain says why each method and token was or was not used.
	Explain bool
	// Output is text or json.
	Output string
}

func newCmdPing(f *cmdutil.Factory) *cobra.Command {
	opts := &PingOptions{F: f}
	cmd := &cobra.Command{
		Use:   "ping [PERMISSION|COMMAND] [flags]",
		Short: "Authenticate to a daemon and report identity, method and encryption",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			return cmdutil.ErrNotAvailable("ping")
		},
	}
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "explain why each method and token was or was not used")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "schedd", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}
