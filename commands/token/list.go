package token

import (
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
)

// ListOptions are the inputs of `token list` / condor_token_list.
type ListOptions struct {
	F *cmdutil.Factory

	// Dir overrides the token directory.
	Dir string
	// File lists one file instead of a directory.
	File string
	// Capability asks a daemon about capability tokens (legacy -capability).
	Capability bool
	// Output is text or json (modern CLI only).
	Output string
	// Legacy selects condor_token_list's exact output.
	Legacy bool
}

// NewCmdList wires `condor-auth token list`.
func NewCmdList(f *cmdutil.Factory, runF func(*ListOptions) error) *cobra.Command {
	opts := &ListOptions{F: f}
	cmd := &cobra.Command{
		Use:   "list [flags]",
		Short: "List the tokens in your token directory, with expiry and usability",
		Long: `List the IDTOKENS in the token directory (SEC_TOKEN_DIRECTORY, else
~/.condor/tokens.d for ordinary users, else SEC_TOKEN_SYSTEM_DIRECTORY for root),
like condor_token_list, and also show issuer, key id, expiry and time left.
Tokens that HTCondor would not use are flagged with the reason: expired, file
readable by group/other, file owned by another user, undecodable line.
Signatures are not checked (that needs the signing key).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			if opts.Dir != "" && opts.File != "" {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--dir and --file cannot be used together")
			}
			if runF != nil {
				return runF(opts)
			}
			return ListRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "list this directory instead of the configured token directory")
	cmd.Flags().StringVar(&opts.File, "file", "", "list the tokens in this file")
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// ListRun lists the tokens.
func ListRun(opts *ListOptions) error {
	f := opts.F
	if opts.Legacy {
		return legacyList(opts)
	}
	var (
		entries  []idtoken.ListEntry
		problems []idtoken.FileProblem
		source   string
	)
	if opts.File != "" {
		source = opts.File
		var err error
		entries, err = idtoken.ListFile(opts.File)
		if err != nil {
			problems = append(problems, idtoken.FileProblem{Path: opts.File, Err: err})
		}
	} else {
		cfg, err := f.Config()
		if err != nil {
			return configError(false, err)
		}
		d, err := tokenDirs(f, cfg)
		if err != nil {
			return configError(false, err)
		}
		source = opts.Dir
		if source == "" {
			source = d.Dir()
		}
		re, err := knobs.ExcludeRegexp(cfg)
		if err != nil {
			return configError(false, err)
		}
		entries, problems = idtoken.ListDir(source, re)
	}
	rows := describe(entries, problems, f.Uid, f.Now())
	if opts.Output == cmdutil.FormatJSON {
		return cmdutil.WriteJSON(f.IOStreams.Out, map[string]any{"source": source, "tokens": rows})
	}
	return printRows(f, source, rows)
}

// legacyList is condor_token_list: Header/Payload/File lines, undecodable
// lines and unreadable files skipped silently, always exit 0
// (tokens.md §9.8, real-tools.md §4).
func legacyList(opts *ListOptions) error {
	f := opts.F
	out := f.IOStreams.Out
	var entries []idtoken.ListEntry
	if opts.File != "" {
		entries, _ = idtoken.ListFile(opts.File)
	} else {
		cfg, err := f.Config()
		if err != nil {
			return configError(true, err)
		}
		re, err := knobs.ExcludeRegexp(cfg)
		if err != nil {
			return configError(true, err)
		}
		dir := opts.Dir
		if dir == "" {
			d, err := tokenDirs(f, cfg)
			if err != nil {
				return configError(true, err)
			}
			dir = d.Dir()
		}
		if re == nil {
			// Without LOCAL_CONFIG_DIR_EXCLUDE_REGEXP the original lists nothing.
			return nil
		}
		entries, _ = idtoken.ListDir(dir, re)
	}
	for _, e := range entries {
		if e.Token == nil {
			continue
		}
		if opts.Capability && e.Token.Claims.Cap {
			return cmdutil.ErrNotAvailable("condor_token_list -capability")
		}
		fmt.Fprintf(out, "Header: %s Payload: %s File: %s\n", e.Token.HeaderJSON, e.Token.PayloadJSON, e.Path)
	}
	return nil
}

// tokenRow is one line of the modern listing.
type tokenRow struct {
	File    string         `json:"file"`
	Line    int            `json:"line,omitempty"`
	Claims  map[string]any `json:"claims,omitempty"`
	Status  string         `json:"status"`
	Usable  bool           `json:"usable"`
	Problem string         `json:"problem,omitempty"`
	expires string
	subject string
	scopes  string
	issuer  string
	kid     string
}

func describe(entries []idtoken.ListEntry, problems []idtoken.FileProblem, uid int, now time.Time) []tokenRow {
	var rows []tokenRow
	secure := map[string]error{}
	for _, e := range entries {
		r := tokenRow{File: e.Path, Line: e.Line}
		if e.Token == nil {
			r.Status, r.Problem = "undecodable", fmt.Sprintf("line %d: %v", e.Line, e.Err)
			rows = append(rows, r)
			continue
		}
		c := e.Token.Claims
		r.Claims = claimsJSON(e.Token, now)
		r.subject, r.issuer, r.kid = c.Sub, c.Iss, e.Token.Kid
		r.scopes = strings.Join(c.Authz, ",")
		r.expires = "never"
		r.Status, r.Usable = "ok", true
		if c.HasExp {
			exp := time.Unix(c.Exp, 0)
			r.expires = exp.UTC().Format("2006-01-02 15:04:05Z")
			left := exp.Sub(now).Truncate(time.Second)
			if now.Unix() > c.Exp {
				r.Status, r.Usable = "expired "+(-left).String()+" ago", false
			} else {
				r.Status = left.String() + " left"
			}
		}
		serr, seen := secure[e.Path]
		if !seen {
			serr = idtoken.CheckSecureFile(e.Path, uid)
			secure[e.Path] = serr
		}
		if serr != nil {
			r.Usable = false
			reason := serr.Error()
			var ke *idtoken.KeyFileError
			if errors.As(serr, &ke) && ke.Reason != "" {
				reason = ke.Reason
			}
			r.Problem = "HTCondor will not use this file: " + reason
			r.Status = "unusable"
		}
		rows = append(rows, r)
	}
	for _, p := range problems {
		rows = append(rows, tokenRow{File: p.Path, Status: "unreadable", Problem: p.Err.Error()})
	}
	return rows
}

func printRows(f *cmdutil.Factory, source string, rows []tokenRow) error {
	out := f.IOStreams.Out
	if len(rows) == 0 {
		fmt.Fprintf(f.IOStreams.ErrOut, "No tokens found in %s\n", source)
		return nil
	}
	tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FILE\tSUBJECT\tISSUER\tKID\tSCOPES\tEXPIRES\tSTATUS")
	for _, r := range rows {
		if r.Claims == nil {
			fmt.Fprintf(tw, "%s\t-\t-\t-\t-\t-\t%s\n", r.File, r.Status)
			continue
		}
		scopes := r.scopes
		if scopes == "" {
			scopes = "(all)"
		}
		name := r.File
		if r.Line > 1 {
			name = fmt.Sprintf("%s:%d", r.File, r.Line)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", name, r.subject, r.issuer, r.kid, scopes, r.expires, r.Status)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, r := range rows {
		if r.Problem != "" {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s: %s\n", r.File, r.Problem)
		}
	}
	return nil
}
