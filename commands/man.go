package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

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
			if err := writeManTree(cmd.Root(), dir); err != nil {
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

// writeManTree writes one page per available command of the modern tree,
// named like its command path (condor-auth-token-create.1). It is a small
// roff writer of our own rather than cobra/doc, whose markdown renderer
// and YAML dependencies would cost every invocation start-up time and
// binary size.
func writeManTree(cmd *cobra.Command, dir string) error {
	for _, c := range cmd.Commands() {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			continue
		}
		if err := writeManTree(c, dir); err != nil {
			return err
		}
	}
	name := strings.ReplaceAll(cmd.CommandPath(), " ", "-")
	return os.WriteFile(filepath.Join(dir, name+".1"), []byte(ModernManPage(cmd)), 0o644)
}

// roffEscape makes s safe as roff text.
func roffEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\e`)
	var b strings.Builder
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			l = `\&` + l
		}
		b.WriteString(l + "\n")
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// ModernManPage renders the man page of one modern command.
func ModernManPage(cmd *cobra.Command) string {
	var b strings.Builder
	path := cmd.CommandPath()
	fmt.Fprintf(&b, ".TH %s 1 \"\" \"%s %s\" \"condor-auth manual\"\n", strings.ToUpper(strings.ReplaceAll(path, " ", "-")), RootName, cmdutil.Version)
	fmt.Fprintf(&b, ".SH NAME\n%s \\- %s\n", strings.ReplaceAll(path, " ", "-"), roffEscape(cmd.Short))
	fmt.Fprintf(&b, ".SH SYNOPSIS\n.nf\n%s\n.fi\n", roffEscape(cmd.UseLine()))
	desc := cmd.Long
	if desc == "" {
		desc = cmd.Short
	}
	fmt.Fprintf(&b, ".SH DESCRIPTION\n%s\n", roffEscape(desc))
	if fl := cmd.NonInheritedFlags().FlagUsages(); fl != "" {
		fmt.Fprintf(&b, ".SH OPTIONS\n.nf\n%s.fi\n", roffEscape(fl))
	}
	if cmd.Example != "" {
		fmt.Fprintf(&b, ".SH EXAMPLES\n.nf\n%s\n.fi\n", roffEscape(cmd.Example))
	}
	var see []string
	if cmd.HasParent() {
		see = append(see, strings.ReplaceAll(cmd.Parent().CommandPath(), " ", "-"))
	}
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() {
			see = append(see, strings.ReplaceAll(c.CommandPath(), " ", "-"))
		}
	}
	if len(see) > 0 {
		b.WriteString(".SH SEE ALSO\n")
		for i, s := range see {
			sep := ","
			if i == len(see)-1 {
				sep = ""
			}
			fmt.Fprintf(&b, ".BR %s (1)%s\n", s, sep)
		}
	}
	return b.String()
}

// LegacyManPage renders the man page of a legacy tool name from the legacy
// layer's usage text and option table (the single source of truth).
func LegacyManPage(tool string) string {
	var b strings.Builder
	esc := roffEscape
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
