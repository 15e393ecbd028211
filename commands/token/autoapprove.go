package token

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
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

// ruler is the line of 50 '=' around the remaining requests
// (real-tools.md §21).
const ruler = "=================================================="

// AutoApproveRun installs an auto-approval rule for a network
// (DC_AUTO_APPROVE_TOKEN_REQUEST, tokens.md §3.6, §9.7), then lists the
// requests that remain pending (real-tools.md §8, §21).
func AutoApproveRun(opts *AutoApproveOptions) error {
	f := opts.F
	ios := f.IOStreams
	_, c, err := netSetup(f, opts.Legacy)
	if err != nil {
		return err
	}
	t := clientTarget(opts.Target, "collector")
	ctx, cancel := cmdutil.OpContext(opts.Timeout)
	defer cancel()
	if err := c.AutoApproveTokenRequests(ctx, t, opts.Netblock, opts.Lifetime); err != nil {
		if opts.Legacy {
			return legacyNetError(f, "Failed to create new auto-approval rule: ", err)
		}
		return cmdutil.NetError("cannot install the auto-approval rule", err)
	}
	ads, lerr := c.ListTokenRequests(ctx, t, "")
	if opts.Legacy {
		// The client-side lifetime as a C float / 3600 with %.2f, not the
		// daemon's capped value.
		fmt.Fprintf(ios.Out, "Successfully installed auto-approval rule for netblock %s with lifetime of %.2f hours\n",
			opts.Netblock, float64(float32(opts.Lifetime)/3600))
		switch {
		case lerr != nil:
			fmt.Fprintf(ios.ErrOut, "Failed to list remaining token requests: %s\n", legacyText(lerr))
		case len(ads) == 0:
			fmt.Fprintln(ios.ErrOut, "Remote daemon reports no un-approved requests pending.")
		default:
			fmt.Fprintf(ios.Out, "The following requests remain after auto-approval rule was installed:\n%s\n", ruler)
			for _, ad := range ads {
				// Daemon (flat-map) order, as the approve prompt.
				fmt.Fprintf(ios.Out, "%s\n", ad.UnparseOld(classad.FlatMapOrder))
			}
			fmt.Fprintf(ios.Out, "%s\nTo approve these requests, please run condor_token_request_approve manually.\n", ruler)
		}
		// Exit 0 even when the listing failed (real-tools.md §8.3).
		return nil
	}
	lifetime := time.Duration(opts.Lifetime) * time.Second
	if opts.Output == cmdutil.FormatJSON {
		res := map[string]any{"netblock": opts.Netblock, "lifetime": opts.Lifetime}
		if lerr != nil {
			res["list_error"] = lerr.Error()
		} else {
			res["remaining"] = adsJSON(ads)
		}
		return cmdutil.WriteJSON(ios.Out, res)
	}
	fmt.Fprintf(ios.Out, "Auto-approval rule installed: eligible requests from %s are approved for the next %s\n"+
		"(only requests for condor@... limited to ADVERTISE_SCHEDD/STARTD/MASTER qualify; the daemon may cap the lifetime).\n",
		opts.Netblock, lifetime)
	switch {
	case lerr != nil:
		fmt.Fprintf(ios.ErrOut, "warning: cannot list the requests still pending: %s\n", legacyText(lerr))
	case len(ads) == 0:
		fmt.Fprintln(ios.ErrOut, "No requests remain pending.")
	default:
		fmt.Fprintln(ios.Out, "Still pending (approve them with 'condor-auth token approve'):")
		return printRequestTable(ios.Out, ads)
	}
	return nil
}
