package commands

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
)

// DefaultPing is what `ping` asks for without an argument: the WRITE
// level, which the client checks with DC_SEC_QUERY for DC_NOP_WRITE
// (60021), as `condor_ping WRITE` does (real-tools.md §10,
// ping_idtoken.json).
const DefaultPing = "WRITE"

// PingOptions are the inputs of `condor-auth ping`.
type PingOptions struct {
	F *cmdutil.Factory
	cmdutil.Target
	// What is the permission level (READ, WRITE, DAEMON, ADMINISTRATOR, …)
	// or command (name or number) to authorize; default DefaultPing.
	What string
	// Explain says why each method and token was or was not used.
	Explain bool
	// Output is text or json.
	Output string
}

func newCmdPing(f *cmdutil.Factory) *cobra.Command {
	return newCmdPingWith(f, nil)
}

func newCmdPingWith(f *cmdutil.Factory, runF func(*PingOptions) error) *cobra.Command {
	opts := &PingOptions{F: f}
	cmd := &cobra.Command{
		Use:   "ping [PERMISSION|COMMAND] [flags]",
		Short: "Authenticate to a daemon and report identity, method and encryption",
		Long: `Authenticate to a daemon (default: the local schedd) the way a tool does and ask
whether it would run a command at the given permission level (default WRITE) or
the given command, like condor_ping. Prints the identity the daemon mapped you
to, the authentication method, whether the session is encrypted and its id.
--explain tells why each authentication method and token was or was not used.`,
		Example: `  condor-auth ping --type collector WRITE
  condor-auth ping --type collector --explain ADVERTISE_STARTD
  condor-auth ping -o json DC_NOP_READ`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			opts.What = DefaultPing
			if len(args) == 1 {
				opts.What = args[0]
			}
			if runF != nil {
				return runF(opts)
			}
			return PingRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Explain, "explain", false, "explain why each method and token was or was not used")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "schedd", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// PingRun authenticates to the daemon and reports the outcome. A refusal
// (a ReturnCode other than AUTHORIZED) exits with ExitAuth.
func PingRun(opts *PingOptions) error {
	f := opts.F
	ios := f.IOStreams
	what := opts.What
	if what == "" {
		what = DefaultPing
	}
	jsonOut := opts.Output == cmdutil.FormatJSON
	co := cmdutil.ClientOptions{}
	var notes []string
	if opts.Explain {
		co.Explain = func(format string, args ...any) {
			note := strings.TrimSuffix(fmt.Sprintf(format, args...), "\n")
			if jsonOut {
				notes = append(notes, note)
				return
			}
			fmt.Fprintf(ios.ErrOut, "explain: %s\n", note)
		}
	}
	c, err := f.Client(co)
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitConfig, Err: err}
	}
	typ := opts.Type
	if typ == "" {
		typ = "schedd"
	}
	ctx, cancel := context.WithCancel(context.Background())
	if opts.Timeout > 0 {
		ctx, cancel = context.WithTimeout(context.Background(), opts.Timeout)
	}
	defer cancel()
	res, err := c.Ping(ctx, client.Target{Type: typ, Name: opts.Name, Pool: opts.Pool, Timeout: opts.Timeout}, what)
	if err != nil {
		err = cmdutil.NetError(fmt.Sprintf("%s failed", what), err)
		if jsonOut {
			out := map[string]any{"type": typ, "command": what, "authorized": false, "error": err.Error()}
			if opts.Explain {
				out["notes"] = append([]string{}, notes...)
			}
			if werr := cmdutil.WriteJSON(ios.Out, out); werr != nil {
				return werr
			}
		}
		return err
	}
	authorized := res.ReturnCode == "" || res.ReturnCode == "AUTHORIZED"
	if jsonOut {
		out := map[string]any{
			"daemon": res.Addr, "type": typ, "command": what,
			"authorized": authorized, "return_code": res.ReturnCode,
			"authenticated": res.Authenticated, "identity": res.Identity, "method": res.Method,
			"encrypted": res.Encrypted, "session_id": res.Sid,
		}
		if len(res.ValidCommands) > 0 {
			out["valid_commands"] = res.ValidCommands
		}
		if opts.Explain {
			if len(notes) == 0 {
				notes = res.Notes
			}
			out["notes"] = append([]string{}, notes...)
		}
		if err := cmdutil.WriteJSON(ios.Out, out); err != nil {
			return err
		}
	} else {
		method := res.Method
		if !res.Authenticated || method == "" {
			method = "none"
		}
		enc := "none"
		if res.Encrypted {
			enc = "AES"
		}
		decision := "yes"
		if !authorized {
			decision = "no"
		}
		if res.ReturnCode != "" {
			decision += " (" + res.ReturnCode + ")"
		}
		w := ios.Out
		fmt.Fprintf(w, "Daemon:          %s (%s)\n", res.Addr, typ)
		fmt.Fprintf(w, "Command:         %s\n", what)
		fmt.Fprintf(w, "Authorized:      %s\n", decision)
		fmt.Fprintf(w, "Identity:        %s\n", res.Identity)
		fmt.Fprintf(w, "Authentication:  %s\n", method)
		fmt.Fprintf(w, "Encryption:      %s\n", enc)
		fmt.Fprintf(w, "Session ID:      %s\n", res.Sid)
	}
	if !authorized {
		return cmdutil.Errorf(cmdutil.ExitAuth, "%s was refused for %s (%s): check the daemon's ALLOW_* settings and, with a token, its scopes",
			what, res.Identity, res.ReturnCode)
	}
	return nil
}
