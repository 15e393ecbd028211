package commands

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/legacy"
)

func newCmdInstallLinks(f *cmdutil.Factory) *cobra.Command {
	var force bool
	var target string
	cmd := &cobra.Command{
		Use:   "install-links [--force] DIR",
		Short: "Create the condor_token_* and condor_store_cred symlinks to this binary in DIR",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" {
				exe, err := os.Executable()
				if err != nil {
					return cmdutil.Errorf(cmdutil.ExitFailure, "cannot find this binary's path: %v", err)
				}
				if exe, err = filepath.EvalSymlinks(exe); err != nil {
					return cmdutil.Errorf(cmdutil.ExitFailure, "cannot resolve this binary's path: %v", err)
				}
				target = exe
			}
			made, err := InstallLinks(args[0], target, force)
			for _, p := range made {
				fmt.Fprintf(f.IOStreams.Out, "%s -> %s\n", p, target)
			}
			return err
		},
	}
	cmd.Flags().BoolVar(&force, "force", false, "replace existing files of those names")
	cmd.Flags().StringVar(&target, "target", "", "path the links point to (default: this binary)")
	return cmd
}

// InstallLinks creates DIR/<tool> → target for every legacy tool name. An
// existing entry is an error unless force, in which case it is replaced
// atomically (new link under a temporary name, then rename). It returns
// the links it made.
func InstallLinks(dir, target string, force bool) ([]string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, cmdutil.Errorf(cmdutil.ExitFailure, "cannot use %s: %v", dir, err)
	}
	if !st.IsDir() {
		return nil, cmdutil.Errorf(cmdutil.ExitFailure, "%s is not a directory", dir)
	}
	var made []string
	for _, name := range legacy.Names() {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); err == nil {
			if !force {
				return made, cmdutil.Errorf(cmdutil.ExitFailure, "%s already exists (use --force to replace it)", p)
			}
			tmp := filepath.Join(dir, "."+name+".condor-auth-tmp")
			_ = os.Remove(tmp)
			if err := os.Symlink(target, tmp); err != nil {
				return made, cmdutil.Errorf(cmdutil.ExitFailure, "cannot create link %s: %v", tmp, err)
			}
			if err := os.Rename(tmp, p); err != nil {
				_ = os.Remove(tmp)
				return made, cmdutil.Errorf(cmdutil.ExitFailure, "cannot replace %s: %v", p, err)
			}
		} else if err := os.Symlink(target, p); err != nil {
			return made, cmdutil.Errorf(cmdutil.ExitFailure, "cannot create link %s: %v", p, err)
		}
		made = append(made, p)
	}
	return made, nil
}
