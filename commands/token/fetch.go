package token

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// FetchOptions are the inputs of `token fetch` / condor_token_fetch.
type FetchOptions struct {
	F *cmdutil.Factory
	cmdutil.Target

	// Authz limits the token (repeatable).
	Authz []string
	// Lifetime requests a lifetime in seconds (0 = server default).
	Lifetime int64
	// Key requests a signing key by name.
	Key string
	// TokenName and File say where to write the token.
	TokenName, File string
	// Remote asks the schedd to fetch from the collector (-remote).
	Remote bool
	// Output is text or json.
	Output string
	// Legacy selects the original's texts and exit codes.
	Legacy bool
}

// NewCmdFetch wires `condor-auth token fetch`.
func NewCmdFetch(f *cmdutil.Factory, runF func(*FetchOptions) error) *cobra.Command {
	opts := &FetchOptions{F: f}
	var lifetime cmdutil.Lifetime
	cmd := &cobra.Command{
		Use:   "fetch [flags]",
		Short: "Get a token for your own identity from a daemon (default: the local schedd)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			opts.Lifetime = lifetime.Seconds
			if runF != nil {
				return runF(opts)
			}
			return FetchRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Authz, "authz", nil, "limit the token to this authorization level (repeatable)")
	fl.Var(&lifetime, "lifetime", "requested lifetime (duration or seconds); default: the server's")
	fl.StringVar(&opts.Key, "key", "", "ask the daemon to sign with this key")
	fl.StringVar(&opts.TokenName, "token", "", "write the token to this file name in the token directory")
	fl.StringVar(&opts.File, "file", "", "write the token to this path")
	fl.BoolVar(&opts.Remote, "remote", false, "have the schedd fetch the token from the collector")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "schedd", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// FetchRun fetches a token. Not available until the CEDAR client lands.
func FetchRun(opts *FetchOptions) error {
	return cmdutil.ErrNotAvailable("token fetch")
}
