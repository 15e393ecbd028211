// Package cred wires `condor-auth cred add|delete|query` and runs
// condor_store_cred.
package cred

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/legacy"
)

// Credential types (credentials.md §1.1).
const (
	TypePassword = "pwd"
	TypeKerberos = "krb"
	TypeOAuth    = "oauth"
)

// Options are the inputs of every cred verb and of condor_store_cred.
type Options struct {
	F *cmdutil.Factory
	cmdutil.Target

	// Action is add, delete or query.
	Action string
	// Type is pwd, krb or oauth.
	Type string
	// User is the target account@domain (default: the caller).
	User string
	// PoolPassword targets the pool password (condor_pool@…, -c).
	PoolPassword bool
	// Service, Handle, Scopes and Audience describe an OAuth credential.
	Service, Handle, Scopes, Audience string
	// AccessToken stores a plain access token (.use) instead of a refresh
	// token (-P).
	AccessToken bool
	// From is the file holding the secret ("-" = stdin).
	From string
	// WriteFile writes a scrambled pool password file locally (-f).
	WriteFile string
	// Output is text or json.
	Output string
	// Legacy selects condor_store_cred's texts and exit codes.
	Legacy bool
	// LegacyArgs is condor_store_cred's parsed command line (mode integer,
	// credential source), set with Legacy.
	LegacyArgs *legacy.StoreCredArgs
}

// NewCmdCred returns the `cred` command group.
func NewCmdCred(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "cred",
		Short: "Store, delete and query credentials with the credd (condor_store_cred)",
	}
	for _, action := range []string{"add", "delete", "query"} {
		cmd.AddCommand(newCmdAction(f, action, nil))
	}
	return cmd
}

var shorts = map[string]string{
	"add":    "Store a password, Kerberos or OAuth credential",
	"delete": "Delete a stored credential",
	"query":  "Show whether a credential is stored, and when it was stored",
}

var longs = map[string]string{
	"add": `Store a credential, as condor_store_cred add does: OAuth and Kerberos
credentials go to the credd (CREDD_HOST or the local one), the pool password to
the master (or, run as root without --name, straight into SEC_PASSWORD_FILE).
The secret is read from --from FILE, from stdin with --from -, or typed at a
prompt without echo; it is never taken from the command line.`,
	"delete": `Delete a stored credential. An OAuth delete without --service removes
all of the user's OAuth credentials.`,
	"query": `Show whether a credential is stored. Exit status 1 when none is, 6 when
one is stored whose scopes or audience differ from --scopes/--audience.`,
}

var examples = map[string]string{
	"add": `  condor-auth cred add --type oauth --service mytoken --from token.json
  vault-token | condor-auth cred add --type oauth --service vault --access-token --from -
  condor-auth cred add --pool-password            # prompts`,
	"query": `  condor-auth cred query --type oauth -o json`,
}

func newCmdAction(f *cmdutil.Factory, action string, runF func(*Options) error) *cobra.Command {
	opts := &Options{F: f, Action: action, Target: cmdutil.Target{Type: "credd"}}
	cmd := &cobra.Command{
		Use:     action + " [flags]",
		Short:   shorts[action],
		Long:    longs[action],
		Example: examples[action],
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := cmdutil.CheckFormat(opts.Output); err != nil {
				return err
			}
			switch opts.Type {
			case TypePassword, TypeKerberos, TypeOAuth:
			default:
				return cmdutil.Errorf(cmdutil.ExitUsage, "unknown credential type %q: use pwd, krb or oauth", opts.Type)
			}
			// An OAuth add needs a service; delete and query without one
			// act on all of the user's OAuth credentials (credentials.md §6.2).
			if action == "add" && opts.Type == TypeOAuth && opts.Service == "" {
				return cmdutil.Errorf(cmdutil.ExitUsage, "--service is required for OAuth credentials")
			}
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Type, "type", TypePassword, "credential type: pwd, krb or oauth")
	fl.StringVar(&opts.User, "user", "", "account@domain whose credential this is (default: you)")
	fl.StringVar(&opts.Service, "service", "", "OAuth service name")
	fl.StringVar(&opts.Handle, "handle", "", "OAuth handle (several tokens for one service)")
	fl.StringVar(&opts.Scopes, "scopes", "", "OAuth scopes, comma separated")
	fl.StringVar(&opts.Audience, "audience", "", "OAuth audience")
	if action != "query" {
		fl.BoolVar(&opts.PoolPassword, "pool-password", false, "the pool password (condor_pool@SEC_PASSWORD_DOMAIN)")
	}
	if action == "add" {
		fl.BoolVar(&opts.AccessToken, "access-token", false, "the OAuth credential is a plain access token")
		fl.StringVar(&opts.From, "from", "", "read the secret from this file, or - for stdin (never from a flag)")
		fl.StringVar(&opts.WriteFile, "write-file", "", "write a scrambled pool password file here instead of contacting a daemon")
	}
	cmdutil.AddTargetFlags(cmd, &opts.Target, "", cmdutil.DefaultTimeout)
	cmdutil.AddOutputFlag(cmd, &opts.Output)
	return cmd
}

// Run performs the credential operation: condor_store_cred's when Legacy
// (with LegacyArgs), else the modern verb's.
func Run(opts *Options) error {
	if opts.Legacy && opts.LegacyArgs != nil {
		return legacyRun(opts)
	}
	return modernRun(opts)
}
