package cred

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/legacy"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/credstore"
)

// PasswordWarning is printed on stderr when condor_store_cred is given a
// password with -p while stdin is a terminal, i.e. typed by a person into
// a command line that other users can see (ps, shell history). The
// original prints nothing; the rest of the output is unchanged.
const PasswordWarning = "WARNING: a password given with -p can be seen by other users of this host (ps, /proc) and stays in your shell history; use '-p -' with stdin, or no -p to be prompted.\n"

// failureHint is what follows "Operation failed." (credentials.md §7.2;
// the ALLOW_ADMINISTRATOR wording is 25.14's, real-tools.md P6).
func failureHint(op *operation) string {
	if op.pool && !op.isQuery() {
		return "    Make sure you have ALLOW_ADMINISTRATOR access to the target Master.\n" +
			"    If the Master is older than 23.2.0, ALLOW_CONFIG access is needed.\n"
	}
	return "    Make sure your ALLOW_WRITE setting includes this host.\n"
}

// legacyRun is condor_store_cred after argument parsing (credentials.md
// §1.3–§1.4, §4, §7; real-tools.md §9, §22).
func legacyRun(opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	a := opts.LegacyArgs
	cfg, err := f.Config()
	if err != nil {
		// HTCondor's own text when no configuration exists.
		var le *config.LocateError
		if errors.As(err, &le) {
			return &cmdutil.ExitError{Code: 1, Err: errors.New(strings.TrimSuffix(le.Stderr(), "\n")), Bare: true}
		}
		return &cmdutil.ExitError{Code: 1, Err: err}
	}
	// -n is canonicalised as it is parsed in the original (get_daemon_name).
	name := ""
	if a.HasDaemonName {
		canon, ok := canonicalDaemonName(cfg, a.DaemonName)
		if !ok {
			fmt.Fprint(ios.ErrOut, legacy.InvalidDaemonNameExit(a.DaemonName).Stderr)
			return cmdutil.Silent(1)
		}
		name = canon
	}
	if a.HasPassword && a.Password != "" && a.Password != "-" && ios.IsStdinTTY() {
		fmt.Fprint(ios.ErrOut, PasswordWarning)
	}

	if a.HasPasswordFile {
		return legacyPasswordFile(opts)
	}

	// The account line (credentials.md §4.1).
	op := &operation{mode: a.Mode, pool: a.PoolPassword}
	account := ""
	switch {
	case a.PoolPassword:
		acct, ok := poolAccount(cfg)
		if !ok {
			fmt.Fprintln(ios.ErrOut, "ERROR: could not domain for pool password")
			return cmdutil.Silent(1)
		}
		op.user, account = acct, acct
	case a.User != "":
		op.user, account = a.User, a.User
	case a.Type == legacy.CredKerberos || a.Type == legacy.CredOAuth:
		// An empty user asks the credd for the authenticated identity.
		account = "<current> (" + loginName(f) + ")"
	default:
		// my_domainname() is NULL on Unix and glibc prints "(null)".
		op.user = loginName(f) + "@(null)"
		account = op.user
	}
	fmt.Fprintf(ios.Out, "Account: %s\nCredType: %s\n\n", account, a.Type)

	op.ad = optionsAd(int(a.Type), strPtr(a.HasService, a.Service), strPtr(a.HasHandle, a.Handle),
		strPtr(a.HasScopes, a.Scopes), strPtr(a.HasAudience, a.Audience), a.Plain)
	route(f, cfg, op, name, 0)

	var result int64 = credstore.FailureAborted
	var reply client.StoreCredReply
	ctx := context.Background()
	if op.action() == credstore.OpAdd {
		secret, res, stop := legacySecret(opts, a)
		if stop {
			return cmdutil.Silent(1)
		}
		result = res
		if len(secret) > 0 {
			reply = legacyStore(ctx, opts, op, secret)
			result = reply.Code
			if result == credstore.FailureNotSecure && goAheadAnyway(opts) {
				// The original retries over the same path, which cannot
				// become secure, so the answer stays FAILURE_NOT_SECURE
				// (credentials.md §5.4, §9 item 1); it is not retried here.
				result = credstore.FailureNotSecure
			}
		}
	} else {
		reply = legacyStore(ctx, opts, op, nil)
		result = reply.Code
	}
	return legacyReport(opts, op, result, reply)
}

// legacyStore runs op; a failure to reach or talk to the daemon is the
// original's FAILURE (do_store_cred returns it when locate or
// startCommand fails, real-tools.md P7).
func legacyStore(ctx context.Context, opts *Options, op *operation, secret []byte) client.StoreCredReply {
	cfg, _ := opts.F.Config()
	reply, err := execute(ctx, opts.F, cfg, op, secret, nil)
	if err != nil {
		return client.StoreCredReply{Code: credstore.Failure}
	}
	return reply
}

// legacySecret gets the credential of an add (getCredData, credentials.md
// §1.4). res is the result when nothing can be sent; stop ends the
// program at once with exit status 1 and no further output.
func legacySecret(opts *Options, a *legacy.StoreCredArgs) (secret []byte, res int64, stop bool) {
	ios := opts.F.IOStreams
	res = credstore.FailureAborted
	switch a.Source() {
	case legacy.SourceStdin:
		b, err := readLimited(ios.In, maxCredStdin)
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "ERROR: could read from stdin: %v\n", err) // (sic)
			return nil, res, true
		}
		return b, res, false
	case legacy.SourceFile:
		b, err := readCredFile(a.CredentialFile)
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "Could not read credential from %s\n", a.CredentialFile)
			return nil, credstore.Failure, false
		}
		return b, res, false
	case legacy.SourcePasswordStdin:
		b, err := readLimited(ios.In, maxPasswordStdin)
		if err != nil {
			fmt.Fprintf(ios.ErrOut, "ERROR: could read from stdin: %v\n", err)
			return nil, res, true
		}
		// Raw: a trailing newline is part of the password (real-tools.md P2).
		return b, res, false
	case legacy.SourcePassword:
		return []byte(a.Password), res, false
	case legacy.SourceNone:
		return nil, credstore.Failure, false
	}
	pw, err := readPrompted(ios, ios.Out, "Enter password: ")
	fmt.Fprint(ios.Out, "\n")
	if err != nil {
		fmt.Fprintln(ios.ErrOut, err)
		return nil, res, true
	}
	return []byte(pw), res, false
}

// goAheadAnyway asks whether to send the password in the clear anyway
// (goAheadAnyways, credentials.md §5.4).
func goAheadAnyway(opts *Options) bool {
	ios := opts.F.IOStreams
	fmt.Fprint(ios.Out, "WARNING: Continuing will result in your password being sent in the clear!\n  Do you want to continue? [y/N] ")
	_ = ios.Flush()
	answer, ok := cmdutil.ReadLine(ios.In)
	fmt.Fprint(ios.Out, "\n\n")
	return ok && answer != "" && (answer[0] == 'y' || answer[0] == 'Y')
}

// legacyReport prints the result (credentials.md §7.2, real-tools.md §22)
// and returns the exit status (§7.3).
func legacyReport(opts *Options, op *operation, result int64, reply client.StoreCredReply) error {
	ios := opts.F.IOStreams
	out := ios.Out
	outcome, stamp := credstore.Classify(result, op.mode)
	if stamp != 0 {
		result = credstore.Success
	}
	switch result {
	case credstore.Success, credstore.SuccessPending:
		pending := ""
		if op.isQuery() {
			pending = " and is valid"
			if result == credstore.SuccessPending {
				pending = " and is waiting for processing"
			}
			if stamp != 0 {
				fmt.Fprintf(out, "A credential was stored on %s%s.\n", stampText(stamp), pending)
			} else {
				fmt.Fprintf(out, "A credential was stored%s.\n", pending)
			}
		} else {
			if result == credstore.SuccessPending {
				pending = " and is waiting for processing"
			}
			if op.action() == credstore.OpAdd && stamp != 0 {
				fmt.Fprintf(out, "Operation succeeded%s. Credential was stored on %s\n", pending, stampText(stamp))
			} else {
				fmt.Fprintf(out, "Operation succeeded%s.\n", pending)
			}
		}
		if reply.Ad != nil && reply.Ad.Len() > 0 {
			fmt.Fprintf(out, "\nCredential info:\n%s\n", infoLines(reply.Ad))
		}
	case credstore.Failure:
		fmt.Fprintf(out, "Operation failed.\n%s", failureHint(op))
	case credstore.FailureBadPassword:
		if op.isQuery() {
			fmt.Fprintln(out, "A credential is stored, but it is invalid. Run 'condor_store_cred add' again.")
		} else {
			fmt.Fprintln(out, "Operation failed: bad password.")
		}
	case credstore.FailureNotFound:
		if op.isQuery() {
			fmt.Fprintln(out, "No credential is stored.")
		} else {
			fmt.Fprintln(out, "Operation failed: username not found.")
		}
	case credstore.FailureNoImpersonate:
		fmt.Fprintln(out, "Operation failed.\n    The target daemon is not running as SYSTEM and cannot store credentials securely.")
	default:
		fmt.Fprintln(ios.ErrOut, credstore.ResultText(result))
	}
	if code := outcome.ExitCode(); code != 0 {
		return cmdutil.Silent(code)
	}
	return nil
}

// legacyPasswordFile is condor_store_cred -f: the password (from -p, -i
// or the prompt) written as a scrambled pool password file, no daemon,
// nothing printed but the prompt (credentials.md §6.1, real-tools.md
// P10–P13).
func legacyPasswordFile(opts *Options) error {
	ios := opts.F.IOStreams
	a := opts.LegacyArgs
	secret, _, stop := legacySecret(opts, a)
	if stop {
		return cmdutil.Silent(1)
	}
	if err := credstore.WritePoolPasswordFile(a.PasswordFile, secret); err != nil {
		fmt.Fprintf(ios.ErrOut, "error writing password file: %s\n", a.PasswordFile)
		return cmdutil.Silent(1)
	}
	return nil
}

// loginName is my_username(): the login name of the current user.
func loginName(f *cmdutil.Factory) string {
	if u, err := f.User(); err == nil && u.Name != "" {
		return u.Name
	}
	return "(null)"
}

func strPtr(has bool, v string) *string {
	if !has {
		return nil
	}
	return &v
}
