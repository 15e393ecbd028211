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
			if err := checkDest(opts.Output, opts.TokenName, opts.File); err != nil {
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

// FetchRun asks a daemon (default: the local schedd) for a token for the
// identity it authenticated (DC_GET_SESSION_TOKEN, tokens.md §3.1, §9.2)
// and writes or prints it (§9.9).
func FetchRun(opts *FetchOptions) error {
	f := opts.F
	if opts.Remote {
		// IMPERSONATION_TOKEN_REQUEST (tokens.md §3.7) is not in the
		// network client yet.
		return cmdutil.ErrNotAvailable("token fetch -remote")
	}
	cfg, c, err := netSetup(f, opts.Legacy)
	if err != nil {
		return err
	}
	timeout := opts.Timeout
	if opts.Legacy {
		timeout = 0
	}
	ctx, cancel := opContext(timeout)
	defer cancel()
	tok, err := c.GetSessionToken(ctx, clientTarget(opts.Target, "schedd"), opts.Authz, opts.Lifetime, opts.Key)
	if err != nil {
		if opts.Legacy {
			return legacyNetError(f, "Failed to request a session token: ", err)
		}
		return cmdutil.NetError("cannot fetch a token", err)
	}
	// The token was issued before the destination is checked, as in the
	// original (real-tools.md F10).
	path, err := writeToken(f, cfg, opts.TokenName, opts.File, tok, opts.Legacy)
	if err != nil || opts.Legacy {
		return err
	}
	return reportToken(f.IOStreams.Out, f.IOStreams.ErrOut, opts.Output, tok, path, f.Now())
}
