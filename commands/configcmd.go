package commands

import (
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

func newCmdConfig(f *cmdutil.Factory) *cobra.Command {
	var (
		verbose, dump bool
		output        string
	)
	cmd := &cobra.Command{
		Use:   "config [KNOB…]",
		Short: "Print HTCondor configuration values, like condor_config_val",
		Long: `Print the value of each KNOB as the tools see it (subsystem TOOL), after
macro expansion and _CONDOR_ environment overrides. An undefined knob prints
"Not defined: KNOB" on stderr and the exit status is 1, as condor_config_val.
--verbose also says where each value was set; --dump prints every knob.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(output); err != nil {
				return err
			}
			if len(args) == 0 && !dump {
				return cmdutil.Errorf(cmdutil.ExitUsage, "name at least one knob, or use --dump")
			}
			cfg, err := f.Config()
			if err != nil {
				return &cmdutil.ExitError{Code: cmdutil.ExitConfig, Err: err}
			}
			if dump {
				args = cfg.Names()
			}
			out, errOut := f.IOStreams.Out, f.IOStreams.ErrOut
			type knob struct {
				Name    string `json:"name"`
				Value   string `json:"value"`
				Defined bool   `json:"defined"`
				File    string `json:"file,omitempty"`
				Line    int    `json:"line,omitempty"`
				Raw     string `json:"raw,omitempty"`
			}
			var knobs []knob
			missing := false
			for _, name := range args {
				v, ok := cfg.Get(name)
				k := knob{Name: name, Value: v, Defined: ok}
				if raw, file, line, ok := cfg.Raw(name); ok {
					k.File, k.Line, k.Raw = file, line, raw
				}
				knobs = append(knobs, k)
				if !ok {
					missing = true
				}
			}
			if output == cmdutil.FormatJSON {
				if err := cmdutil.WriteJSON(out, knobs); err != nil {
					return err
				}
			} else {
				for _, k := range knobs {
					switch {
					case !k.Defined:
						fmt.Fprintf(errOut, "Not defined: %s\n", strings.ToUpper(k.Name))
					case dump:
						fmt.Fprintf(out, "%s = %s\n", k.Name, k.Value)
					default:
						fmt.Fprintln(out, k.Value)
					}
					if verbose && k.Defined {
						fmt.Fprintf(out, " # at: %s, line %d\n # raw: %s\n", k.File, k.Line, k.Raw)
					}
				}
			}
			if missing {
				return cmdutil.Silent(cmdutil.ExitFailure)
			}
			return nil
		},
	}
	cmd.Flags().BoolVarP(&verbose, "verbose", "v", false, "say where each value was set")
	cmd.Flags().BoolVar(&dump, "dump", false, "print every knob")
	cmdutil.AddOutputFlag(cmd, &output)
	return cmd
}

func newCmdVersion(f *cmdutil.Factory) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintf(f.IOStreams.Out, "%s %s\n", RootName, cmdutil.Version)
			return err
		},
	}
}
