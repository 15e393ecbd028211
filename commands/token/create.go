package token

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
)

// CreateOptions are the inputs of `token create` / condor_token_create.
type CreateOptions struct {
	F *cmdutil.Factory

	// Identity is the token subject (`sub`), used verbatim.
	Identity string
	// KeyID names the signing key (default POOL).
	KeyID string
	// Authz lists authorization scopes, in order, duplicates kept.
	Authz []string
	// Lifetime in seconds; negative means no `exp` claim.
	Lifetime int64
	// TokenName writes into the token directory under this plain name.
	TokenName string
	// File writes to this path verbatim.
	File string
	// Output is text or json (modern CLI only).
	Output string
	// Legacy selects condor_token_create's exact texts and exit codes.
	Legacy bool
}

// NewCmdCreate wires `condor-auth token create`. runF replaces the run
// function in tests.
func NewCmdCreate(f *cmdutil.Factory, runF func(*CreateOptions) error) *cobra.Command {
	opts := &CreateOptions{F: f}
	var lifetime cmdutil.Lifetime
	cmd := &cobra.Command{
		Use:   "create --identity USER@DOMAIN [flags]",
		Short: "Sign a token locally with a key from SEC_PASSWORD_DIRECTORY",
		Long: `Sign an IDTOKEN locally, as condor_token_create does: the key is read from
the pool signing key file (key POOL) or SEC_PASSWORD_DIRECTORY/<key>, the issuer
is TRUST_DOMAIN. No daemon is contacted. Without --token/--file the token is
printed on stdout.`,
		Example: `  condor-auth token create --identity alice@example.org --lifetime 1h --authz READ
  condor-auth token create --identity alice@example.org --token alice -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			if opts.Identity == "" {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--identity is required (a token without a subject is refused by every daemon)")
			}
			if opts.TokenName != "" && opts.File != "" {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--token and --file cannot be used together")
			}
			opts.Lifetime = -1
			if lifetime.IsSet {
				opts.Lifetime = lifetime.Seconds
			}
			if runF != nil {
				return runF(opts)
			}
			return CreateRun(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Identity, "identity", "", "token subject, USER@DOMAIN (required)")
	fl.StringVar(&opts.KeyID, "key", "POOL", "signing key name (POOL or a file name in SEC_PASSWORD_DIRECTORY)")
	fl.StringArrayVar(&opts.Authz, "authz", nil, "limit the token to this authorization level (repeatable), e.g. READ")
	fl.Var(&lifetime, "lifetime", "token lifetime as a duration (10m, 24h) or seconds; default: no expiry")
	fl.StringVar(&opts.TokenName, "token", "", "write the token to this file name in the token directory")
	fl.StringVar(&opts.File, "file", "", "write the token to this path")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// CreateRun signs the token and writes or prints it.
func CreateRun(opts *CreateOptions) error {
	f := opts.F
	io := f.IOStreams
	cfg, err := f.Config()
	if err != nil {
		return configError(opts.Legacy, err)
	}
	kc, err := knobs.Keys(cfg, f.Uid)
	if err != nil {
		return configError(opts.Legacy, err)
	}
	keyID := opts.KeyID
	if keyID == "" {
		keyID = "POOL"
	}
	tok, err := kc.Create(idtoken.MintOptions{
		Issuer:   knobs.TrustDomain(cfg),
		Subject:  opts.Identity,
		KeyID:    keyID,
		Authz:    opts.Authz,
		Lifetime: opts.Lifetime,
		Now:      f.Now(),
		Rand:     f.Rand,
	})
	if err != nil {
		if opts.Legacy {
			// token_create.cpp: "Failed to generate a token." then the
			// CondorError text, exit 2 (tokens.md §9.3, case C5).
			fmt.Fprintf(io.ErrOut, "Failed to generate a token.\n%s\n", legacyText(err))
			return cmdutil.Silent(2)
		}
		return cmdutil.Errorf(cmdutil.ExitKey, "cannot sign a token with key %q: %s", keyID, detail(err))
	}
	path, err := writeToken(opts.F, cfg, opts.TokenName, opts.File, tok, opts.Legacy)
	if err != nil {
		return err
	}
	if opts.Legacy {
		return nil
	}
	return reportToken(io.Out, io.ErrOut, opts.Output, tok, path, f.Now())
}

// reportToken prints the modern result of a command that produced a token.
func reportToken(out, errOut io.Writer, format, tok, path string, now time.Time) error {
	if format == cmdutil.FormatJSON {
		res := map[string]any{}
		if path != "" {
			res["file"] = path
		} else {
			res["token"] = tok
		}
		if t, err := idtoken.Parse(tok); err == nil {
			res["claims"] = claimsJSON(t, now)
		}
		return cmdutil.WriteJSON(out, res)
	}
	if path == "" {
		_, err := fmt.Fprintln(out, tok)
		return err
	}
	_, err := fmt.Fprintf(errOut, "Token written to %s\n", path)
	return err
}

// configError reports a configuration that cannot be used. The legacy
// tools print HTCondor's own text when no configuration exists.
func configError(legacy bool, err error) error {
	if legacy {
		var le *config.LocateError
		if errors.As(err, &le) {
			return &cmdutil.ExitError{Code: 1, Err: errors.New(strings.TrimSuffix(le.Stderr(), "\n")), Bare: true}
		}
		return &cmdutil.ExitError{Code: 1, Err: err}
	}
	return &cmdutil.ExitError{Code: cmdutil.ExitConfig, Err: err}
}

// legacyText is the CondorError text of err, or its message.
func legacyText(err error) string {
	if ce, ok := condorerr.As(err); ok {
		return ce.Error()
	}
	return err.Error()
}

// detail is the most precise explanation available for err.
func detail(err error) string {
	if ce, ok := condorerr.As(err); ok {
		return ce.Detail()
	}
	var ke *idtoken.KeyFileError
	if errors.As(err, &ke) {
		return ke.Error()
	}
	return err.Error()
}
