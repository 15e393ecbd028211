// Package commands wires the condor-auth command tree (cobra) and the
// legacy HTCondor tool names onto the same run functions.
package commands

import (
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/cred"
	"github.com/condor-auth/condor-auth/commands/legacy"
	"github.com/condor-auth/condor-auth/commands/token"
)

// RootName is the binary's own name.
const RootName = "condor-auth"

// NewCmdRoot builds the modern command tree.
func NewCmdRoot(f *cmdutil.Factory) *cobra.Command {
	var list, debugFlag bool
	cmd := &cobra.Command{
		Use:   RootName,
		Short: "HTCondor IDTOKENS and credential tools in one static binary",
		Long: `condor-auth replaces HTCondor's token and credential tools. Run under one of
their names (condor_token_fetch, condor_store_cred, …; see --list) it behaves
exactly like the original; run as condor-auth it offers the modern verbs below.`,
		Version:       cmdutil.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				for _, n := range legacy.Names() {
					fmt.Fprintln(f.IOStreams.Out, n)
				}
				return nil
			}
			return cmd.Help()
		},
	}
	cmd.Flags().BoolVar(&list, "list", false, "print the legacy tool names this binary answers to")
	cmd.PersistentFlags().BoolVar(&debugFlag, "debug", false, "log the network client's steps (location, handshake, commands) to stderr")
	cmd.SetOut(f.IOStreams.Out)
	cmd.SetErr(f.IOStreams.ErrOut)
	cmd.SetIn(f.IOStreams.In)
	cmd.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &cmdutil.ExitError{Code: cmdutil.ExitUsage, Err: fmt.Errorf("%w\nRun '%s --help' for usage.", err, c.CommandPath())}
	})
	cmd.AddCommand(
		token.NewCmdToken(f),
		cred.NewCmdCred(f),
		newCmdServe(f),
		newCmdPing(f),
		newCmdConfig(f),
		newCmdVersion(f),
		newCmdInstallLinks(f),
		newCmdMan(f),
	)
	return cmd
}

// ToolName returns the personality selected by argv0: a legacy tool name,
// or RootName. It looks at the basename of argv0; when that is a symbolic
// link with an unknown name, it follows the chain one link at a time and
// takes the first link whose name is known. The file at the end of a chain
// does not count (a link "condor_frobnicate" to the binary is an unknown
// name, issue #2). ok is false when no name is known.
func ToolName(argv0 string, readlink func(string) (string, error)) (name string, ok bool) {
	path := argv0
	if !strings.ContainsRune(path, '/') {
		// Run through PATH: find the file the shell ran.
		if lp, err := exec.LookPath(path); err == nil {
			path = lp
		}
	}
	for i := 0; i < 40; i++ { // ELOOP bound, as the kernel's
		base := filepath.Base(path)
		target, err := readlink(path)
		isLink := err == nil
		if isLink || i == 0 {
			if isLegacy(base) {
				return base, true
			}
			if isRootName(base) {
				return RootName, true
			}
		}
		if !isLink {
			break
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return filepath.Base(argv0), false
}

// isRootName accepts condor-auth and versioned copies such as
// condor-auth-linux-amd64.
func isRootName(base string) bool {
	return base == RootName || strings.HasPrefix(base, RootName+"-") || strings.HasPrefix(base, RootName+".")
}

func isLegacy(name string) bool {
	for _, n := range legacy.Names() {
		if n == name {
			return true
		}
	}
	return false
}

// Main runs the program for argv and returns the exit status. tool is the
// personality chosen from argv[0] (see ToolName).
func Main(f *cmdutil.Factory, tool string, argv []string) int {
	if len(argv) == 0 {
		argv = []string{RootName}
	}
	if tool != RootName && !isLegacy(tool) {
		fmt.Fprintf(f.IOStreams.ErrOut, "%s: unknown program name %q: link this binary under one of %s, or run it as %s\n",
			RootName, tool, strings.Join(legacy.Names(), ", "), RootName)
		return cmdutil.ExitUsage
	}
	if isLegacy(tool) {
		return runLegacy(f, tool, argv[0], argv[1:])
	}
	// Busybox style: condor-auth condor_token_fetch -lifetime 60 …
	if len(argv) > 1 && isLegacy(argv[1]) {
		return runLegacy(f, argv[1], argv[1], argv[2:])
	}
	root := NewCmdRoot(f)
	root.SetArgs(argv[1:])
	reached := false
	root.PersistentPreRun = func(cmd *cobra.Command, _ []string) {
		reached = true
		if d, _ := cmd.Flags().GetBool("debug"); d {
			f.Debug = f.IOStreams.ErrOut
		}
	}
	err := root.Execute()
	if err == nil {
		return cmdutil.ExitOK
	}
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) {
		code := cmdutil.ExitFailure
		if !reached { // unknown command, bad arguments: cobra said no before running
			code = cmdutil.ExitUsage
		}
		ee = &cmdutil.ExitError{Code: code, Err: err}
	}
	if !ee.Silent && ee.Err != nil {
		if ee.Bare {
			fmt.Fprintf(f.IOStreams.ErrOut, "%v\n", ee.Err)
		} else {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s: %v\n", RootName, ee.Err)
		}
	}
	return ee.Code
}
