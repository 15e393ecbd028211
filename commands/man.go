package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/legacy"
)

func newCmdMan(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:    "man DIR",
		Short:  "Write man pages for every command, including the legacy tool names, into DIR",
		Args:   cobra.ExactArgs(1),
		Hidden: false,
		RunE: func(cmd *cobra.Command, args []string) error {
			dir := args[0]
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return cmdutil.Errorf(cmdutil.ExitFailure, "cannot create %s: %v", dir, err)
			}
			root := cmd.Root()
			root.DisableAutoGenTag = true
			hdr := &doc.GenManHeader{Title: strings.ToUpper(RootName), Section: "1", Source: RootName + " " + cmdutil.Version}
			if err := doc.GenManTree(root, hdr, dir); err != nil {
				return cmdutil.Errorf(cmdutil.ExitFailure, "writing man pages: %v", err)
			}
			for _, tool := range legacy.Names() {
				p := filepath.Join(dir, tool+".1")
				if err := os.WriteFile(p, []byte(LegacyManPage(tool)), 0o644); err != nil {
					return cmdutil.Errorf(cmdutil.ExitFailure, "writing %s: %v", p, err)
				}
			}
			fmt.Fprintf(f.IOStreams.ErrOut, "man pages written to %s\n", dir)
			return nil
		},
	}
}

// LegacyManPage renders the man page of a legacy tool name from the legacy
// layer's usage text and option table (the single source of truth).
func LegacyManPage(tool string) string {
	var b strings.Builder
	esc := func(s string) string {
		s = strings.ReplaceAll(s, `\`, `\e`)
		if strings.HasPrefix(s, ".") || strings.HasPrefix(s, "'") {
			s = `\&` + s
		}
		return s
	}
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"%s %s\" \"HTCondor compatible tools\"\n", strings.ToUpper(tool), RootName, cmdutil.Version)
	fmt.Fprintf(&b, ".SH NAME\n%s \\- HTCondor-compatible %s provided by %s\n", tool, tool, RootName)
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.nf\n")
	for _, l := range strings.Split(strings.TrimRight(legacy.Usage(tool, tool), "\n"), "\n") {
		b.WriteString(esc(l) + "\n")
	}
	b.WriteString(".fi\n.SH OPTIONS\n")
	b.WriteString("Options take a single dash and may be abbreviated to any prefix at least as long as shown in brackets; a double dash needs the full name.\n")
	for _, fd := range legacy.DescribeFlags(tool) {
		fmt.Fprintf(&b, ".TP\n.B %s\n%s\n", esc(flagSynopsis(fd)), esc(fd.Help))
	}
	fmt.Fprintf(&b, ".SH EXIT STATUS\n%s\n", esc(legacyExitText(tool)))
	fmt.Fprintf(&b, ".SH SEE ALSO\n.BR %s (1)\n", RootName)
	return b.String()
}

func legacyExitText(tool string) string {
	switch tool {
	case legacy.ToolTokenList:
		return "0, also when the directory cannot be read; 1 for a bad command line."
	case legacy.ToolTokenCreate:
		return "0 on success; 1 for a bad command line or when the token cannot be written; 2 when the token cannot be signed."
	case legacy.ToolStoreCred:
		return "0 on success; 2 when a stored credential does not match the requested scopes or audience; 1 otherwise."
	}
	return "0 on success; 1 for a bad command line or any failure."
}

// flagSynopsis renders "-na[me] NAME" style: the shortest accepted
// abbreviation, the rest in brackets.
func flagSynopsis(fd legacy.FlagDoc) string {
	name := "-" + fd.Name
	switch {
	case fd.Exact:
	case fd.Letter:
		name = "-" + fd.Name[:1] + "[" + fd.Name[1:] + "]"
	case fd.Min > 0 && fd.Min < len(fd.Name):
		name = "-" + fd.Name[:fd.Min] + "[" + fd.Name[fd.Min:] + "]"
	}
	if fd.Colon {
		name += "[:FLAGS]"
	}
	if fd.TakesValue {
		name += " " + fd.Arg
	}
	return name
}
