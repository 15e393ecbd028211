package token

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
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
	// ClientID overrides the client id sent with the request (modern
	// only; default ModernClientID, legacy <hostname>-<0..999>).
	ClientID string
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
		Long: `Ask a daemon (default: the collector) to queue a token request, as
condor_token_request does, then poll every 5 seconds until an administrator
approved it and write the token. --timeout bounds the wait (default: until
the daemon expires the request); --no-wait prints the request id and returns,
and 'token request finish ID' collects the token later.`,
		Example: `  condor-auth token request --identity alice@example.org --authz READ --token alice
  id=$(condor-auth token request --no-wait) && condor-auth token request finish "$id" --token mine`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkDest(opts.Output, opts.TokenName, opts.File); err != nil {
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
	fl.StringVar(&opts.ClientID, "client-id", "", "client id to send (default: <host>-u<uid>, which 'finish' uses too)")
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
			if err := checkDest(finish.Output, finish.TokenName, finish.File); err != nil {
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
	fin.Flags().StringVar(&finish.ClientID, "client-id", "", "client id the request was made with (default: <host>-u<uid>)")
	cmdutil.AddTargetFlags(fin, &finish.Target, "collector", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(fin, &finish.Output)
	cmd.AddCommand(fin)
	return cmd
}

// PollInterval is the pause between two DC_FINISH_TOKEN_REQUEST polls
// (sleep(5) in the original, tokens.md §9.4). Tests shorten it.
var PollInterval = 5 * time.Second

// hostname is condor_gethostname, used in the client id; tests replace it.
var hostname = os.Hostname

// RequestRun asks a daemon (default: the collector) to queue a token
// request (DC_START_TOKEN_REQUEST, tokens.md §3.2, §9.4), then polls every
// PollInterval until an administrator approved it (DC_FINISH_TOKEN_REQUEST,
// §3.3) and writes the token (§9.9). Modern extras: --no-wait, `finish ID`
// and --timeout.
func RequestRun(opts *RequestOptions) error {
	f := opts.F
	cfg, c, err := netSetup(f, opts.Legacy)
	if err != nil {
		return err
	}
	t := clientTarget(opts.Target, "collector")
	if !opts.Legacy {
		// --timeout bounds the whole wait; each call gets the usual bound.
		t.Timeout = cmdutil.DefaultTimeout
	}
	host, herr := hostname()
	if herr != nil || host == "" {
		if opts.Legacy {
			fmt.Fprintln(f.IOStreams.ErrOut, "ERROR: Unable to determine hostname.")
			return cmdutil.Silent(1)
		}
		return cmdutil.Errorf(cmdutil.ExitFailure, "cannot determine this host's name for the request's client id: %v", herr)
	}
	clientID := opts.ClientID
	switch {
	case clientID != "":
	case opts.Legacy:
		// <hostname>-<csrng % 1000>, no padding (tokens.md §9.4).
		var b [4]byte
		if _, err := io.ReadFull(f.Rand, b[:]); err != nil {
			return fmt.Errorf("cannot read random bytes for the client id: %w", err)
		}
		clientID = fmt.Sprintf("%s-%d", host, binary.BigEndian.Uint32(b[:])%1000)
	default:
		clientID = ModernClientID(host, f.Uid)
	}

	ctx, cancel := cmdutil.OpContext(opts.Timeout)
	if opts.Legacy {
		ctx, cancel = cmdutil.OpContext(0)
	}
	defer cancel()

	if opts.FinishID != "" {
		return finishRun(ctx, opts, cfg, c, t, clientID)
	}

	identity := requestedIdentity(cfg, opts.Identity)
	reply, err := c.StartTokenRequest(ctx, t, identity, opts.Authz, opts.Lifetime, clientID)
	if err != nil {
		if opts.Legacy {
			return legacyNetError(f, "Failed to request a new token: ", err)
		}
		return cmdutil.NetError("cannot request a token", err)
	}
	tok := reply.Token
	if tok == "" {
		reqID := reply.RequestID
		if reqID == "" {
			if opts.Legacy {
				fmt.Fprintln(f.IOStreams.ErrOut, "Remote daemon did not provide a valid request ID.")
				return cmdutil.Silent(1)
			}
			return cmdutil.Errorf(cmdutil.ExitFailure, "the daemon returned neither a token nor a request id")
		}
		if opts.Legacy {
			// stdout, two spaces after the first period; buffered
			// like printf when stdout is not a terminal (real-tools.md §18).
			fmt.Fprintf(f.IOStreams.Out, "Token request enqueued.  Ask an administrator to please approve request %s.\n", reqID)
		} else if opts.NoWait {
			return reportPending(opts, reqID, clientID)
		} else {
			fmt.Fprintf(f.IOStreams.ErrOut, "Token request %s enqueued. Ask an administrator to approve it (condor-auth token approve --reqid %s); waiting...\n", reqID, reqID)
		}
		tok, err = poll(ctx, c, t, reqID, clientID)
		if err != nil {
			if opts.Legacy {
				return legacyNetError(f, "Failed to get a status update for token request: ", err)
			}
			if ctx.Err() != nil {
				return &cmdutil.ExitError{Code: cmdutil.ExitTimeout, Err: fmt.Errorf(
					"gave up waiting after %s: request %s is still pending; once it is approved, collect the token with 'condor-auth token request finish %s'",
					opts.Timeout, reqID, reqID)}
			}
			return cmdutil.NetError(fmt.Sprintf("token request %s failed", reqID), err)
		}
	}
	path, err := writeToken(f, cfg, opts.TokenName, opts.File, tok, opts.Legacy)
	if err != nil || opts.Legacy {
		return err
	}
	return reportToken(f.IOStreams.Out, f.IOStreams.ErrOut, opts.Output, tok, path, f.Now())
}

// ModernClientID is the client id of requests made with the modern verbs:
// stable per host and user, so that `token request finish ID` can collect
// a request made earlier without storing state. It is no weaker a guard
// than the original's random 0–999 suffix.
func ModernClientID(host string, uid int) string {
	return fmt.Sprintf("%s-u%d", host, uid)
}

// requestedIdentity is the User the request asks for (tokens.md §3.2):
// as given with an '@', else <identity>@UID_DOMAIN, else
// condor@UID_DOMAIN. Without UID_DOMAIN the value is passed on unchanged
// and the client reports it.
func requestedIdentity(cfg *config.Config, identity string) string {
	if strings.Contains(identity, "@") {
		return identity
	}
	dom, ok := cfg.Get("UID_DOMAIN")
	if !ok {
		return identity
	}
	if identity == "" {
		identity = "condor"
	}
	return identity + "@" + dom
}

// poll sends DC_FINISH_TOKEN_REQUEST every PollInterval until a token
// comes back (an empty token means "still pending"), an error, or ctx ends.
func poll(ctx context.Context, c cmdutil.NetClient, t client.Target, reqID, clientID string) (string, error) {
	timer := time.NewTimer(PollInterval)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-timer.C:
		}
		tok, err := c.FinishTokenRequest(ctx, t, reqID, clientID)
		if err != nil {
			return "", err
		}
		if tok != "" {
			return tok, nil
		}
		timer.Reset(PollInterval)
	}
}

// reportPending prints the result of `token request --no-wait`: the
// request id on stdout (text) and how to continue on stderr.
func reportPending(opts *RequestOptions, reqID, clientID string) error {
	ios := opts.F.IOStreams
	if opts.Output == cmdutil.FormatJSON {
		return cmdutil.WriteJSON(ios.Out, map[string]any{"request_id": reqID, "client_id": clientID, "status": "pending"})
	}
	fmt.Fprintln(ios.Out, reqID)
	fmt.Fprintf(ios.ErrOut, "Token request %s enqueued. Ask an administrator to approve it (condor-auth token approve --reqid %s),\nthen collect the token with: condor-auth token request finish %s\n", reqID, reqID, reqID)
	return nil
}

// finishRun is `token request finish ID`: one DC_FINISH_TOKEN_REQUEST.
func finishRun(ctx context.Context, opts *RequestOptions, cfg *config.Config, c cmdutil.NetClient, t client.Target, clientID string) error {
	f := opts.F
	tok, err := c.FinishTokenRequest(ctx, t, opts.FinishID, clientID)
	if err != nil {
		return cmdutil.NetError(fmt.Sprintf("cannot collect the token of request %s", opts.FinishID), err)
	}
	if tok == "" {
		return cmdutil.Errorf(cmdutil.ExitFailure, "request %s is still waiting for an administrator's approval; try again later", opts.FinishID)
	}
	path, err := writeToken(f, cfg, opts.TokenName, opts.File, tok, false)
	if err != nil {
		return err
	}
	return reportToken(f.IOStreams.Out, f.IOStreams.ErrOut, opts.Output, tok, path, f.Now())
}
