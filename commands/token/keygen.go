package token

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
)

// KeygenOptions are the inputs of `token keygen`.
type KeygenOptions struct {
	F *cmdutil.Factory
	// KeyID names the key (POOL or a file in SEC_PASSWORD_DIRECTORY).
	KeyID string
	// Output is text or json.
	Output string
}

// NewCmdKeygen wires `condor-auth token keygen`: create a signing key the
// way a collector creates the POOL key (64 random bytes, scrambled, 0600,
// never overwriting; tokens.md §5.2). HTCondor has no tool for this.
func NewCmdKeygen(f *cmdutil.Factory, runF func(*KeygenOptions) error) *cobra.Command {
	opts := &KeygenOptions{F: f}
	cmd := &cobra.Command{
		Use:   "keygen [--key NAME]",
		Short: "Create a token signing key (as a collector creates the POOL key)",
		Long: `Create a signing key file: 64 random bytes, scrambled as HTCondor stores them,
mode 0600. The POOL key goes to SEC_TOKEN_POOL_SIGNING_KEY_FILE, any other name to
SEC_PASSWORD_DIRECTORY/NAME. An existing key is never overwritten.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return KeygenRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.KeyID, "key", "POOL", "key name")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// KeygenRun creates the key.
func KeygenRun(opts *KeygenOptions) error {
	f := opts.F
	cfg, err := f.Config()
	if err != nil {
		return configError(false, err)
	}
	kc, err := knobs.Keys(cfg, f.Uid)
	if err != nil {
		return configError(false, err)
	}
	path, err := kc.Path(opts.KeyID)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitConfig, "%s", detail(err))
	}
	created, err := idtoken.CreatePoolKey(path, f.Rand)
	if err != nil {
		return cmdutil.Errorf(cmdutil.ExitKey, "cannot create key %s: %s", opts.KeyID, detail(err))
	}
	if opts.Output == cmdutil.FormatJSON {
		return cmdutil.WriteJSON(f.IOStreams.Out, map[string]any{"key": opts.KeyID, "file": path, "created": created})
	}
	if created {
		fmt.Fprintf(f.IOStreams.ErrOut, "Created signing key %s in %s\n", opts.KeyID, path)
	} else {
		fmt.Fprintf(f.IOStreams.ErrOut, "Signing key %s already exists in %s; left unchanged\n", opts.KeyID, path)
	}
	return nil
}
