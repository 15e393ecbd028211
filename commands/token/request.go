package token

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// RequestOptions are the inputs of `token request` / condor_token_request.
type RequestOptions struct {
	F *cmdutil.Factory
	cmdutil.Target

	// Authz limits the token (repeatable).
	Authz []string
	// Lifetime requests a lifetime in seconds (0 = server default).
	Lifetime int64
	// Identity is the requested identity (default condor@UID_DOMAIN).
	Identity string
	// TokenName and File say where to write the token.
	TokenName, File string
	// NoWait prints the request id and returns without polling.
	NoWait bool
	// FinishID collects the token of an earlier --no-wait request.
	FinishID string
	// Output is text or json.
	Output string
	// Legacy selects the original's texts and exit codes.
	Legacy bool
}

// NewCmdRequest wires `condor-auth token request` and `token request finish`.
func NewCmdRequest(f *cmdutil.Factory, runF func(*RequestOptions) error) *cobra.Command {
	opts := &RequestOptions{F: f}
	var lifetime cmdutil.Lifetime
	cmd := &cobra.Command{
		Use:   "request [flags]",
		Short: "Ask a daemon (default: the collector) for a token, to be approved by an administrator",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			opts.Lifetime = lifetime.Seconds
			if runF != nil {
				return runF(opts)
			}
			return RequestRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&opts.Authz, "authz", nil, "limit the token to this authorization level (repeatable)")
	fl.Var(&lifetime, "lifetime", "requested lifetime (duration or seconds)")
	fl.StringVar(&opts.Identity, "identity", "", "identity to request (default condor@UID_DOMAIN)")
	fl.StringVar(&opts.TokenName, "token", "", "write the token to this file name in the token directory")
	fl.StringVar(&opts.File, "file", "", "write the token to this path")
	fl.BoolVar(&opts.NoWait, "no-wait", false, "print the request id and exit; collect later with 'token request finish ID'")
	// --timeout bounds the whole wait for approval; 0 polls until the
	// daemon expires the request, as the original does.
	cmdutil.AddTargetFlags(cmd, &opts.Target, "collector", 0)
	cmdutil.AddOutputFlag(cmd, &opts.Output)

	finish := &RequestOptions{F: f}
	fin := &cobra.Command{
		Use:   "finish REQUEST-ID [flags]",
		Short: "Collect the token of an approved request made with --no-wait",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(finish.Output); err != nil {
				return err
			}
			finish.FinishID = args[0]
			if runF != nil {
				return runF(finish)
			}
			return RequestRun(finish)
		},
	}
	fin.Flags().StringVar(&finish.TokenName, "token", "", "write the token to this file name in the token directory")
	fin.Flags().StringVar(&finish.File, "file", "", "write the token to this path")
	cmdutil.AddTargetFlags(fin, &finish.Target, "collector", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(fin, &finish.Output)
	cmd.AddCommand(fin)
	return cmd
}

// RequestRun requests a token. Not available until the CEDAR client lands.
func RequestRun(opts *RequestOptions) error {
	return cmdutil.ErrNotAvailable("token request")
}
