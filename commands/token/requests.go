package token

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// RequestsOptions are the inputs of `token requests` /
// condor_token_request_list.
type RequestsOptions struct {
	F *cmdutil.Factory
	cmdutil.Target

	// ReqID shows one request.
	ReqID string
	// JSON selects the original's -json output (legacy).
	JSON bool
	// Output is text or json.
	Output string
	// Legacy selects the original's texts and exit codes.
	Legacy bool
}

// NewCmdRequests wires `condor-auth token requests`.
func NewCmdRequests(f *cmdutil.Factory, runF func(*RequestsOptions) error) *cobra.Command {
	opts := &RequestsOptions{F: f}
	cmd := &cobra.Command{
		Use:     "requests [flags]",
		Aliases: []string{"request-list"},
		Short:   "List pending token requests",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return RequestsRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.ReqID, "reqid", "", "show only this request")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "collector", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// RequestsRun lists requests. Not available until the CEDAR client lands.
func RequestsRun(opts *RequestsOptions) error {
	return cmdutil.ErrNotAvailable("token requests")
}
