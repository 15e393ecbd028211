package token

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// ApproveOptions are the inputs of `token approve` /
// condor_token_request_approve.
type ApproveOptions struct {
	F *cmdutil.Factory
	cmdutil.Target

	// ReqID approves one request; empty with All approves every one shown.
	ReqID string
	// All approves every pending request visible to the caller.
	All bool
	// Yes approves without prompting.
	Yes bool
	// Output is text or json.
	Output string
	// Legacy selects the original's prompt, texts and exit codes.
	Legacy bool
}

// NewCmdApprove wires `condor-auth token approve`.
func NewCmdApprove(f *cmdutil.Factory, runF func(*ApproveOptions) error) *cobra.Command {
	opts := &ApproveOptions{F: f}
	cmd := &cobra.Command{
		Use:   "approve (--reqid ID | --all) [--yes] [flags]",
		Short: "Approve pending token requests",
		Long: `Approve pending token requests. Without --yes each request is shown and you
are asked to type 'yes'; without a terminal on stdin --yes is required.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			if (opts.ReqID == "") == !opts.All {
				return cmdutil.Errorf(cmdutil.ExitUsage, "give exactly one of --reqid ID or --all")
			}
			if runF != nil {
				return runF(opts)
			}
			return ApproveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.ReqID, "reqid", "", "request id to approve")
	cmd.Flags().BoolVar(&opts.All, "all", false, "approve every pending request you may approve")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "approve without asking")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "collector", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// ApproveRun approves requests. Not available until the CEDAR client lands.
func ApproveRun(opts *ApproveOptions) error {
	return cmdutil.ErrNotAvailable("token approve")
}
