package token

import (
	"fmt"
	"io"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
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

// RequestsRun lists the pending token requests visible to the caller
// (DC_LIST_TOKEN_REQUEST, tokens.md §3.4, §9.6; real-tools.md §6, §20).
func RequestsRun(opts *RequestsOptions) error {
	f := opts.F
	ios := f.IOStreams
	_, c, err := netSetup(f, opts.Legacy)
	if err != nil {
		return err
	}
	t := clientTarget(opts.Target, "collector")
	ctx, cancel := cmdutil.OpContext(opts.Timeout)
	defer cancel()
	ads, err := c.ListTokenRequests(ctx, t, opts.ReqID)
	if opts.Legacy {
		switch {
		case err != nil && opts.ReqID == "":
			return legacyNetError(f, "Failed to list token requests: ", err)
		case err != nil:
			return legacyNetError(f, fmt.Sprintf("Failed to locate request corresponding to ID %s: ", opts.ReqID), err)
		case opts.ReqID != "" && len(ads) != 1:
			fmt.Fprintf(ios.ErrOut, "Remote daemon did not provide information for request ID %s.\n", opts.ReqID)
			return cmdutil.Silent(1)
		case len(ads) == 0:
			// Exit 0, also with -json (real-tools.md §20).
			fmt.Fprintln(ios.ErrOut, "Remote daemon reports no requests pending.")
			return nil
		case opts.JSON:
			_, err = io.WriteString(ios.Out, classad.JSONListFormat(ads...))
		default:
			_, err = io.WriteString(ios.Out, classad.LongFormat(ads...))
		}
		return err
	}
	if err != nil {
		return cmdutil.NetError("cannot list the pending token requests", err)
	}
	if opts.ReqID != "" && len(ads) == 0 {
		return cmdutil.Errorf(cmdutil.ExitFailure, "no pending request %s is visible to you (wrong id, already approved or expired, or a request for another identity)", opts.ReqID)
	}
	if opts.Output == cmdutil.FormatJSON {
		return cmdutil.WriteJSON(ios.Out, adsJSON(ads))
	}
	if len(ads) == 0 {
		fmt.Fprintln(ios.ErrOut, "No pending token requests.")
		return nil
	}
	return printRequestTable(ios.Out, ads)
}
