package token

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// AutoApproveOptions are the inputs of `token auto-approve` /
// condor_token_request_auto_approve.
type AutoApproveOptions struct {
	F *cmdutil.Factory
	cmdutil.Target

	// Netblock is the CIDR whose requests are approved automatically.
	Netblock string
	// Lifetime of the rule in seconds (default 3600).
	Lifetime int64
	// Output is text or json.
	Output string
	// Legacy selects the original's texts and exit codes.
	Legacy bool
}

// NewCmdAutoApprove wires `condor-auth token auto-approve`.
func NewCmdAutoApprove(f *cmdutil.Factory, runF func(*AutoApproveOptions) error) *cobra.Command {
	opts := &AutoApproveOptions{F: f}
	lifetime := cmdutil.Lifetime{Seconds: 3600, IsSet: true}
	cmd := &cobra.Command{
		Use:   "auto-approve --netblock CIDR [flags]",
		Short: "Install a rule that approves token requests from a network automatically",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			if opts.Netblock == "" {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--netblock is required, e.g. --netblock 192.168.0.0/24")
			}
			opts.Lifetime = lifetime.Seconds
			if runF != nil {
				return runF(opts)
			}
			return AutoApproveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Netblock, "netblock", "", "network (CIDR) whose requests are approved")
	cmd.Flags().Var(&lifetime, "lifetime", "how long the rule stays in force (duration or seconds)")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "collector", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// AutoApproveRun installs a rule. Not available until the CEDAR client lands.
func AutoApproveRun(opts *AutoApproveOptions) error {
	return cmdutil.ErrNotAvailable("token auto-approve")
}
