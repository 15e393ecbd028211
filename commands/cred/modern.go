package cred

import (
	"fmt"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/credstore"
)

// typeBits maps the modern --type to the mode's type bits.
var typeBits = map[string]int{TypePassword: credstore.TypePwd, TypeKerberos: credstore.TypeKrb, TypeOAuth: credstore.TypeOAuth}

// typeNames are the names used in messages.
var typeNames = map[string]string{TypePassword: "password", TypeKerberos: "Kerberos", TypeOAuth: "OAuth"}

// actionOps maps the verb to the mode's operation.
var actionOps = map[string]int{"add": credstore.OpAdd, "delete": credstore.OpDelete, "query": credstore.OpQuery}

// modernRun is `condor-auth cred add|delete|query`: the same operations
// and routing as condor_store_cred, with typed (non-legacy) modes, secrets
// only from --from or a no-echo prompt, clear messages and -o json.
func modernRun(opts *Options) error {
	f := opts.F
	ios := f.IOStreams
	cfg, err := f.Config()
	if err != nil {
		return &cmdutil.ExitError{Code: cmdutil.ExitConfig, Err: err}
	}
	bits, ok := typeBits[opts.Type]
	opBits, ok2 := actionOps[opts.Action]
	if !ok || !ok2 {
		return cmdutil.Errorf(cmdutil.ExitUsage, "unknown credential type %q or action %q", opts.Type, opts.Action)
	}
	if opts.PoolPassword {
		switch {
		case opts.Type != TypePassword:
			return cmdutil.Errorf(cmdutil.ExitUsage, "--pool-password is a password: it cannot be used with --type %s", opts.Type)
		case opts.User != "":
			return cmdutil.Errorf(cmdutil.ExitUsage, "--pool-password and --user cannot be used together")
		case opBits == credstore.OpQuery:
			return cmdutil.Errorf(cmdutil.ExitUsage, "querying the pool password is not supported on Unix (STORE_POOL_CRED cannot query)")
		}
	}
	if opts.User != "" {
		if at := strings.IndexByte(opts.User, '@'); at <= 0 || at == len(opts.User)-1 {
			return cmdutil.Errorf(cmdutil.ExitUsage, "--user %q is not of the form account@domain", opts.User)
		}
	}
	if opts.WriteFile != "" {
		secret, err := modernSecret(opts)
		if err != nil {
			return err
		}
		if err := credstore.WritePoolPasswordFile(opts.WriteFile, secret); err != nil {
			return cmdutil.Errorf(cmdutil.ExitFailure, "cannot write the pool password file: %v", err)
		}
		fmt.Fprintf(ios.ErrOut, "Pool password written to %s (mode 0600).\n", opts.WriteFile)
		return nil
	}

	mode := opBits | bits
	if opBits == credstore.OpAdd && bits == credstore.TypeKrb {
		mode |= credstore.FlagWaitForCredmon
	}
	op := &operation{mode: mode, pool: opts.PoolPassword}
	switch {
	case opts.PoolPassword:
		acct, ok := poolAccount(cfg)
		if !ok {
			return cmdutil.Errorf(cmdutil.ExitConfig, "cannot name the pool password account: neither SEC_PASSWORD_DOMAIN nor UID_DOMAIN is set")
		}
		op.user = acct
	case opts.User != "":
		op.user = opts.User
	case opts.Type == TypePassword:
		dom, _ := cfg.Get("UID_DOMAIN")
		op.user = loginName(f) + "@" + dom
	}
	op.ad = optionsAd(bits, nonEmpty(opts.Service), nonEmpty(opts.Handle), nonEmpty(opts.Scopes), nonEmpty(opts.Audience), opts.AccessToken)
	route(f, cfg, op, opts.Name, opts.Timeout)
	if op.target != nil {
		op.target.Pool = opts.Pool
	}

	var secret []byte
	if opBits == credstore.OpAdd {
		if secret, err = modernSecret(opts); err != nil {
			return err
		}
	}
	ctx, cancel := cmdutil.OpContext(opts.Timeout)
	defer cancel()
	var notes []string
	logf := func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) }
	reply, err := execute(ctx, f, cfg, op, secret, logf)
	if err != nil {
		return cmdutil.NetError(fmt.Sprintf("cannot %s the %s credential", opts.Action, typeNames[opts.Type]), err)
	}
	return modernReport(opts, op, reply, notes)
}

// modernSecret reads the secret of an add: --from FILE, --from - (all of
// stdin), or a prompt without echo on a terminal. Never a flag value.
func modernSecret(opts *Options) ([]byte, error) {
	ios := opts.F.IOStreams
	var (
		secret []byte
		err    error
	)
	switch opts.From {
	case "-":
		if secret, err = readLimited(ios.In, maxCredStdin); err != nil {
			return nil, cmdutil.Errorf(cmdutil.ExitFailure, "cannot read the secret from stdin: %v", err)
		}
	case "":
		if !ios.IsStdinTTY() {
			return nil, cmdutil.Errorf(cmdutil.ExitUsage, "no secret given: use --from FILE or --from - (stdin is not a terminal, so there is no prompt; secrets are never taken from the command line)")
		}
		prompt := "Enter password: "
		if opts.Type != TypePassword {
			prompt = "Enter credential: "
		}
		pw, err := readPrompted(ios, ios.ErrOut, prompt)
		fmt.Fprintln(ios.ErrOut)
		if err != nil {
			return nil, cmdutil.Errorf(cmdutil.ExitFailure, "%v", err)
		}
		secret = []byte(pw)
	default:
		if secret, err = readCredFile(opts.From); err != nil {
			return nil, cmdutil.Errorf(cmdutil.ExitFailure, "cannot read the secret: %v", err)
		}
	}
	if len(secret) == 0 {
		return nil, cmdutil.Errorf(cmdutil.ExitUsage, "the secret is empty")
	}
	return secret, nil
}

// modernReport prints the result and maps it to an exit status.
func modernReport(opts *Options, op *operation, reply client.StoreCredReply, notes []string) error {
	ios := opts.F.IOStreams
	outcome, stamp := credstore.Classify(reply.Code, op.mode)
	kind := typeNames[opts.Type]
	if op.pool {
		kind = "pool password"
	}
	// The credential is the target user's (--user, the pool account, the
	// default password account); only when none was sent does the daemon's
	// fully_qualified_user name it (credentials.md §5.5: "" = the caller).
	who := op.user
	if who == "" && reply.Ad != nil {
		if fqu, ok := reply.Ad.GetString(credstore.AttrFullyQualifiedUser); ok && fqu != "" {
			who = fqu
		}
	}
	if who == "" {
		who = "you"
	}
	failure := modernFailure(op, reply.Code, kind, who)
	if opts.Output == cmdutil.FormatJSON {
		res := map[string]any{"action": opts.Action, "type": opts.Type, "account": who, "result": outcome.String(), "code": reply.Code}
		if outcome == credstore.OutcomeFailure || outcome == credstore.OutcomeMismatch {
			res["message"] = credstore.ResultText(reply.Code)
		}
		if stamp != 0 {
			res["stored_at"] = time.Unix(stamp, 0).UTC().Format(time.RFC3339)
		}
		if reply.Ad != nil && reply.Ad.Len() > 0 {
			res["info"] = infoJSON(reply.Ad)
		}
		if len(notes) > 0 {
			res["notes"] = notes
		}
		if err := cmdutil.WriteJSON(ios.Out, res); err != nil {
			return err
		}
		return failure
	}
	for _, n := range notes {
		fmt.Fprintf(ios.ErrOut, "note: %s\n", n)
	}
	if failure != nil {
		return failure
	}
	when := ""
	if stamp != 0 {
		when = " (stored " + stampText(stamp) + ")"
	}
	pending := ""
	if outcome == credstore.OutcomePending {
		pending = "; the credmon has not processed it yet"
	}
	switch op.action() {
	case credstore.OpAdd:
		fmt.Fprintf(ios.Out, "Stored the %s credential of %s%s%s.\n", kind, who, when, pending)
	case credstore.OpDelete:
		fmt.Fprintf(ios.Out, "Deleted the %s credential of %s.\n", kind, who)
	default:
		state := "valid"
		if outcome == credstore.OutcomePending {
			state = "waiting for the credmon to process it"
		}
		fmt.Fprintf(ios.Out, "%s %s credential of %s is stored%s and %s.\n", capitalize(article(kind)), kind, who, when, state)
	}
	if reply.Ad != nil && reply.Ad.Len() > 0 {
		for _, line := range strings.SplitAfter(strings.TrimSuffix(infoLines(reply.Ad), "\n"), "\n") {
			fmt.Fprintf(ios.Out, "  %s", line)
		}
		fmt.Fprintln(ios.Out)
	}
	return nil
}

// modernFailure is the error for a failed result, or nil.
func modernFailure(op *operation, code int64, kind, who string) error {
	o, _ := credstore.Classify(code, op.mode)
	if o == credstore.OutcomeSuccess || o == credstore.OutcomePending {
		return nil
	}
	text := credstore.ResultText(code)
	switch code {
	case credstore.FailureCredMismatch:
		return cmdutil.Errorf(cmdutil.ExitMismatch, "%s %s credential of %s is stored, but its scopes or audience differ from --scopes/--audience (both must match exactly)", article(kind), kind, who)
	case credstore.FailureNotFound:
		if op.isQuery() {
			return cmdutil.Errorf(cmdutil.ExitFailure, "no %s credential of %s is stored", kind, who)
		}
		return cmdutil.Errorf(cmdutil.ExitFailure, "there is no %s credential of %s to delete", kind, who)
	case credstore.FailureNotAllowed:
		return cmdutil.Errorf(cmdutil.ExitAuth, "%s: only the user itself or a CRED_SUPER_USERS member may manage the credentials of %s", text, who)
	case credstore.FailureNotSecure:
		return cmdutil.Errorf(cmdutil.ExitAuth, "%s: the connection was not authenticated and encrypted, so the secret was not sent", text)
	case credstore.FailureConfigError:
		return cmdutil.Errorf(cmdutil.ExitFailure, "%s: check the credd's SEC_CREDENTIAL_DIRECTORY_OAUTH / SEC_CREDENTIAL_DIRECTORY_KRB (set, existing, writable by it)", text)
	case credstore.Failure:
		if op.pool && !op.isQuery() {
			return cmdutil.Errorf(cmdutil.ExitFailure, "%s: storing the pool password needs ALLOW_ADMINISTRATOR at the master (or root on this host)", text)
		}
		if op.mode&credstore.TypeMask == credstore.TypePwd {
			return cmdutil.Errorf(cmdutil.ExitFailure, "%s: user passwords can only be stored on Windows; check also the daemon's ALLOW_WRITE", text)
		}
		return cmdutil.Errorf(cmdutil.ExitFailure, "%s: check the daemon's ALLOW_WRITE setting", text)
	}
	return cmdutil.Errorf(cmdutil.ExitFailure, "%s", text)
}

// article is the indefinite article for kind ("an OAuth", "a Kerberos").
func article(kind string) string {
	if kind != "" && strings.ContainsRune("AEIOUaeiou", rune(kind[0])) {
		return "an"
	}
	return "a"
}

// capitalize upper-cases the first (ASCII) letter of s.
func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
