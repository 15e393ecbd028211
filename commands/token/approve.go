package token

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
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

// ApproveRun lists the pending requests (one with ReqID, all otherwise),
// shows each and approves it after confirmation (DC_LIST_TOKEN_REQUEST then
// DC_APPROVE_TOKEN_REQUEST, tokens.md §3.4, §3.5, §9.5).
func ApproveRun(opts *ApproveOptions) error {
	f := opts.F
	if !opts.Legacy && !opts.Yes && !f.IOStreams.IsStdinTTY() {
		return cmdutil.Errorf(cmdutil.ExitUsage, "refusing to ask for confirmation: stdin is not a terminal (add --yes to approve without asking)")
	}
	_, c, err := netSetup(f, opts.Legacy)
	if err != nil {
		return err
	}
	if opts.Legacy {
		return legacyApprove(opts, c)
	}
	t := clientTarget(opts.Target, "collector")
	// Each call gets its own --timeout: the time a person takes to answer
	// a prompt does not count.
	ctx, cancel := cmdutil.OpContext(opts.Timeout)
	ads, err := c.ListTokenRequests(ctx, t, opts.ReqID)
	cancel()
	if err != nil {
		return cmdutil.NetError("cannot list the pending token requests", err)
	}
	ios := f.IOStreams
	if len(ads) == 0 {
		if opts.ReqID != "" {
			return cmdutil.Errorf(cmdutil.ExitFailure, "no pending request %s is visible to you (wrong id, already approved or expired, or a request for another identity)", opts.ReqID)
		}
		if opts.Output == cmdutil.FormatJSON {
			return cmdutil.WriteJSON(ios.Out, []any{})
		}
		fmt.Fprintln(ios.ErrOut, "No pending token requests.")
		return nil
	}
	var results []map[string]any
	for _, ad := range ads {
		clientID, ok := ad.GetString(attrClientID)
		if !ok {
			return cmdutil.Errorf(cmdutil.ExitFailure, "the daemon listed a request without a %s; cannot approve it", attrClientID)
		}
		id := opts.ReqID
		if id == "" {
			if id, ok = ad.GetString(attrRequestID); !ok {
				return cmdutil.Errorf(cmdutil.ExitFailure, "the daemon listed a request without a %s; cannot approve it", attrRequestID)
			}
		}
		res := adJSON(ad)
		approve := opts.Yes
		if !approve {
			describeRequest(ios.ErrOut, id, ad)
			fmt.Fprintf(ios.ErrOut, "Approve request %s? Type 'yes' to approve, anything else to skip: ", id)
			answer, _ := cmdutil.ReadLine(ios.In)
			approve = answer == "yes"
		}
		if approve {
			ctx, cancel := cmdutil.OpContext(opts.Timeout)
			err := c.ApproveTokenRequest(ctx, t, id, clientID)
			cancel()
			if err != nil {
				return cmdutil.NetError(fmt.Sprintf("cannot approve request %s", id), err)
			}
			if opts.Output != cmdutil.FormatJSON {
				fmt.Fprintf(ios.Out, "Request %s approved.\n", id)
			}
		} else if opts.Output != cmdutil.FormatJSON {
			fmt.Fprintf(ios.ErrOut, "Request %s not approved.\n", id)
		}
		res["approved"] = approve
		results = append(results, res)
		if opts.ReqID != "" {
			break
		}
	}
	if opts.Output == cmdutil.FormatJSON {
		return cmdutil.WriteJSON(ios.Out, results)
	}
	return nil
}

// legacyApprove is condor_token_request_approve (real-tools.md §7, §19).
func legacyApprove(opts *ApproveOptions, c cmdutil.NetClient) error {
	f := opts.F
	ios := f.IOStreams
	t := clientTarget(opts.Target, "collector")
	ctx, cancel := cmdutil.OpContext(0)
	defer cancel()
	reqID := opts.ReqID
	ads, err := c.ListTokenRequests(ctx, t, reqID)
	if err != nil {
		return legacyNetError(f, fmt.Sprintf("Failed to locate request corresponding to ID %s: ", reqID), err)
	}
	// Like the original, stderr is written at once and buffered stdout
	// only at exit (real-tools.md §18), so nothing is flushed here.
	fail := func(msg string) error {
		fmt.Fprintln(ios.ErrOut, msg)
		return cmdutil.Silent(1)
	}
	if len(ads) == 0 {
		if reqID == "" {
			return fail("Remote daemon has no request to approve.")
		}
		return fail(fmt.Sprintf("Remote daemon did not provide information for request ID %s.", reqID))
	}
	for _, ad := range ads {
		clientID, ok := ad.GetString(attrClientID)
		if !ok {
			return fail("Remote host did not provide a client ID.")
		}
		// The ad in old syntax, attributes in the order the daemon sent
		// them (flat-map order), then an empty line (tokens.md §9.5).
		fmt.Fprintf(ios.Out, "Request contents:\n%s\n", ad.UnparseOld(classad.FlatMapOrder))
		fmt.Fprintf(ios.Out, "To approve, please type 'yes'\n")
		// Exactly "yes", no trimming; a last line without newline counts.
		if answer, _ := cmdutil.ReadLine(ios.In); answer != "yes" {
			// stderr is unbuffered: this line comes out before the
			// buffered stdout when both go to one pipe (real-tools.md §18).
			fmt.Fprintln(ios.ErrOut, "Request was NOT approved.")
			return cmdutil.Silent(1)
		}
		id := reqID
		if id == "" {
			if id, ok = ad.GetString(attrRequestID); !ok {
				return fail("Remote host did not provide a request ID.")
			}
		}
		if err := c.ApproveTokenRequest(ctx, t, id, clientID); err != nil {
			return legacyNetError(f, "Failed to approve token request: ", err)
		}
		fmt.Fprintf(ios.Out, "Request %s approved successfully.\n", id)
		if reqID != "" {
			break
		}
	}
	return nil
}
