package token

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// FetchOptions are the inputs of `token fetch` / condor_token_fetch.
type FetchOptions struct {
	F *cmdutil.Factory
	cmdutil.Target

	// Authz limits the token (repeatable).
	Authz []string
	// Lifetime requests a lifetime in seconds (negative: the server's
	// default; a plain fetch sends only positive values, -remote any
	// non-negative one, as the originals do).
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
			if opts.Remote && opts.Type != "" && !strings.EqualFold(opts.Type, "schedd") {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--remote is only valid with the schedd (got --type %s)", opts.Type)
			}
			if opts.Remote && opts.Key != "" {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--key cannot be used with --remote: the schedd signs with its default key")
			}
			opts.Lifetime = -1 // the server's default
			if lifetime.IsSet {
				opts.Lifetime = lifetime.Seconds
			}
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
	fl.BoolVar(&opts.Remote, "remote", false, "ask the collector to have the schedd (--name, default the local one) sign a token for you")
	cmdutil.AddTargetFlags(cmd, &opts.Target, "schedd", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// FetchRun asks a daemon (default: the local schedd) for a token for the
// identity it authenticated (DC_GET_SESSION_TOKEN, tokens.md §3.1, §9.2)
// and writes or prints it (§9.9).
func FetchRun(opts *FetchOptions) error {
	f := opts.F
	cfg, c, err := netSetup(f, opts.Legacy)
	if err != nil {
		return err
	}
	ctx, cancel := cmdutil.OpContext(opts.Timeout)
	defer cancel()
	fetch := sessionFetch
	if opts.Remote {
		fetch = remoteFetch
	}
	tok, err := fetch(ctx, opts, c)
	if err != nil {
		return err
	}
	// The token was issued before the destination is checked, as in the
	// original (real-tools.md F10).
	path, err := writeToken(f, cfg, opts.TokenName, opts.File, tok, opts.Legacy)
	if err != nil || opts.Legacy {
		return err
	}
	return reportToken(f.IOStreams.Out, f.IOStreams.ErrOut, opts.Output, tok, path, f.Now())
}

// sessionFetch is a plain fetch: DC_GET_SESSION_TOKEN to the target
// daemon, errors printed the way condor_token_fetch prints them.
func sessionFetch(ctx context.Context, opts *FetchOptions, c cmdutil.NetClient) (string, error) {
	tok, err := c.GetSessionToken(ctx, clientTarget(opts.Target, "schedd"), opts.Authz, opts.Lifetime, opts.Key)
	if err == nil {
		return tok, nil
	}
	if opts.Legacy {
		return "", legacyNetError(opts.F, "Failed to request a session token: ", err)
	}
	return "", cmdutil.NetError("cannot fetch a token", err)
}

// remoteFetch is -remote: the collector has the schedd (-name, default the
// local schedd) sign a token for the caller (IMPERSONATION_TOKEN_REQUEST,
// tokens.md §3.7). The legacy tool prints the error chain after a fixed
// header and exits with the chain's code, not 1.
func remoteFetch(ctx context.Context, opts *FetchOptions, c cmdutil.NetClient) (string, error) {
	f := opts.F
	schedd := opts.Name
	if schedd == "" {
		name, ok := c.DefaultScheddName(ctx)
		if !ok {
			if opts.Legacy {
				fmt.Fprintln(f.IOStreams.ErrOut, "Unable to determine default schedd's name.")
				return "", cmdutil.Silent(2)
			}
			return "", &cmdutil.ExitError{Code: cmdutil.ExitFailure,
				Err: errors.New("cannot fetch a token remotely: the local schedd cannot be located to learn its name; give it with --name")}
		}
		schedd = name
	}
	t := clientTarget(opts.Target, "collector")
	t.Type, t.Name = "", ""
	tok, err := c.RemoteToken(ctx, t, schedd, opts.Authz, opts.Lifetime)
	if err == nil {
		return tok, nil
	}
	if opts.Legacy {
		code := 1
		if ce, ok := condorerr.As(err); ok {
			code = ce.Code
		}
		fmt.Fprintf(f.IOStreams.ErrOut, "Remote token fetch failed with the following error:\n\n%s\n", legacyText(err))
		return "", cmdutil.Silent(code)
	}
	return "", cmdutil.NetError("cannot fetch a token remotely from schedd "+schedd, err)
}
