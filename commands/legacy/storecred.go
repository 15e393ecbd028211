package legacy

import "strings"

// condor_store_cred's command line (credentials.md §1–§2, real-tools.md
// §9.1–§9.2, §12; htcondor/htcondor: src/condor_tools/store_cred_main.cpp).
// Unlike the token tools it looks only at the character after '-', accepts
// the action word anywhere, and computes a mode integer as it goes; the
// parser below keeps that integer exactly as the original does, because
// several quirks (-f resetting the mode, a repeated action ignoring its
// type suffix) fall out of it.

// StoreCredAction is the operation part of the mode (mode & 3).
type StoreCredAction int

// The three operations (GENERIC_ADD/DELETE/QUERY; Windows-only "config" is
// not supported).
const (
	ActionAdd    StoreCredAction = 0
	ActionDelete StoreCredAction = 1
	ActionQuery  StoreCredAction = 2
)

// String returns "add", "delete" or "query".
func (a StoreCredAction) String() string {
	switch a {
	case ActionAdd:
		return "add"
	case ActionDelete:
		return "delete"
	case ActionQuery:
		return "query"
	}
	return "unknown"
}

// CredType is the credential-type part of the mode (mode & 0x2C).
type CredType int

// Credential types, valued as their mode bits (credentials.md §2).
const (
	CredKerberos CredType = 0x20 // STORE_CRED_USER_KRB
	CredPassword CredType = 0x24 // STORE_CRED_USER_PWD
	CredOAuth    CredType = 0x28 // STORE_CRED_USER_OAUTH
)

// String returns the name printed on the "CredType:" line: "password",
// "kerberos" or "oauth".
func (t CredType) String() string {
	switch t {
	case CredPassword:
		return "password"
	case CredKerberos:
		return "kerberos"
	case CredOAuth:
		return "oauth"
	}
	return "unknown"
}

// Mode flag bits (credentials.md §2).
const (
	// ModeLegacy is STORE_CRED_LEGACY: set (as part of 0x64) only by an
	// untyped action such as plain "add".
	ModeLegacy = 0x40
	// ModeWaitForCredmon is STORE_CRED_WAIT_FOR_CREDMON, set by add-krb.
	ModeWaitForCredmon = 0x80
	// modeLegacyPwd is STORE_CRED_LEGACY_PWD.
	modeLegacyPwd = 0x64
	// modeMask and credTypeMask split the mode.
	modeMask     = 3
	credTypeMask = 0x2C
)

// CredSource says where the credential bytes of an add (or -f) come from,
// following getCredData (credentials.md §1.4).
type CredSource int

// Credential sources, in getCredData's order of precedence.
const (
	// SourcePrompt: prompt "Enter password: " and read one line, echo off.
	SourcePrompt CredSource = iota
	// SourceFile: read the whole -i file.
	SourceFile
	// SourceStdin: -i -, read up to 1 MiB of stdin, newline kept.
	SourceStdin
	// SourcePassword: the -p text itself.
	SourcePassword
	// SourcePasswordStdin: -p -, read up to 1024 bytes of stdin, newline kept.
	SourcePasswordStdin
	// SourceNone: Kerberos/OAuth without -i or -p; the original then stops
	// silently with exit status 1 (unreachable for add, which requires -i).
	SourceNone
)

// StoreCredArgs is the parsed command line of condor_store_cred.
type StoreCredArgs struct {
	// Action is the operation (mode & 3). With -f it is always ActionAdd.
	Action StoreCredAction
	// Type is the credential type (mode & 0x2C); an untyped action is
	// CredPassword.
	Type CredType
	// Legacy reports the untyped action (mode 0x64|op), which selects the
	// legacy password protocol; add-pwd etc. are not legacy (pitfall 14).
	Legacy bool
	// Mode is the complete mode integer sent on the wire, e.g. 100 for
	// "add", 36 for "add-pwd", 160 for "add-krb", 40 for "add-oauth".
	Mode int
	// PoolPassword reports -c (user condor_pool).
	PoolPassword bool
	// User is the -u value (at most 255 bytes, as the original's buffer
	// truncates it), "" when not given.
	User string
	// DaemonName is the -n value: canonicalised when
	// StoreCredOptions.CanonicalDaemonName was given, else verbatim.
	DaemonName string
	// HasDaemonName reports -n.
	HasDaemonName bool
	// Password is the -p value ("-" means read stdin). An empty -p "" is
	// treated by the original like no -p when reading the credential.
	Password string
	// HasPassword reports -p.
	HasPassword bool
	// CredentialFile is the -i value ("-" means stdin).
	CredentialFile string
	// HasCredentialFile reports -i.
	HasCredentialFile bool
	// PasswordFile is the -f pool password file to write locally.
	PasswordFile string
	// HasPasswordFile reports -f: no daemon is contacted and nothing but
	// the prompt is printed.
	HasPasswordFile bool
	// Service, Handle, Scopes and Audience are the OAuth -s, -H, -S and -A
	// values; the Has fields report that the option was given (even empty).
	Service, Handle, Scopes, Audience             string
	HasService, HasHandle, HasScopes, HasAudience bool
	// Plain reports -P (an access token, stored as .use).
	Plain bool
	// NeedRefresh is the NeedRefresh value the tool sends, !Plain; it is
	// put in the request only for Type == CredOAuth.
	NeedRefresh bool
	// Debug reports a -d switch that is a prefix of -debug[:FLAGS]; other
	// -d... words are silently ignored.
	Debug bool
	// DebugFlags is the text after the colon, "" for the default flags.
	DebugFlags string
}

// Source reports where the credential bytes of an add come from
// (getCredData; credentials.md §1.4). -i wins over -p; an empty -p counts
// as absent.
func (a *StoreCredArgs) Source() CredSource {
	switch {
	case a.HasCredentialFile && a.CredentialFile == "-":
		return SourceStdin
	case a.HasCredentialFile:
		return SourceFile
	case a.Password == "-":
		return SourcePasswordStdin
	case a.Password != "":
		return SourcePassword
	case a.Type == CredKerberos || a.Type == CredOAuth:
		return SourceNone
	}
	return SourcePrompt
}

// StoreCredOptions adjusts ParseStoreCredWith.
type StoreCredOptions struct {
	// CanonicalDaemonName, if set, is called for each -n value, like the
	// original's get_daemon_name, at the same point of the parse. ok=false
	// ends the parse with InvalidDaemonNameExit(name). When nil the name is
	// kept verbatim and the caller must check it after parsing (so an
	// invalid name is then reported after, not before, later argument
	// errors).
	CanonicalDaemonName func(name string) (canonical string, ok bool)
}

// InvalidDaemonNameExit is what the original prints for a -n value that
// get_daemon_name rejects: one line, no usage, exit 1 (real-tools.md S24).
func InvalidDaemonNameExit(name string) *Exit {
	return msgExit("ERROR: " + name + " is not a valid daemon name\n")
}

// maxUserLen is MAX_PASSWORD_LENGTH: -u is copied into a 256-byte buffer
// with strcpy_len, keeping at most 255 bytes.
const maxUserLen = 255

// ParseStoreCred parses condor_store_cred's arguments with default options
// (-n kept verbatim). A terminating condition is returned as *Exit.
func ParseStoreCred(argv0 string, args []string) (*StoreCredArgs, error) {
	return ParseStoreCredWith(argv0, args, StoreCredOptions{})
}

// ParseStoreCredWith parses condor_store_cred's arguments. The order of the
// checks is the original's: the argument loop (stops at the first error),
// then the add-krb/add-oauth checks (both reported, no usage), then -h or a
// missing action (usage), then -f (done), then "query" with -c.
func ParseStoreCredWith(argv0 string, args []string, opt StoreCredOptions) (*StoreCredArgs, error) {
	const tool = ToolStoreCred
	usage := func(msg string) (*StoreCredArgs, error) {
		return nil, usageExit(tool, argv0, msg)
	}
	badCommand := func(w string) (*StoreCredArgs, error) {
		return usage("ERROR: Unrecognized command - '" + w + "'\n\n")
	}
	needsArg := func(o, what string) (*StoreCredArgs, error) {
		return usage("ERROR: Option '" + o + "' requires a " + what + " argument\n\n")
	}

	a := &StoreCredArgs{}
	mode := -1
	help := false
	username := "" // the original's username buffer: "condor_pool" after -c

	for ix := 0; ix < len(args); ix++ {
		full := args[ix]
		// "add-krb" is split at its first '-' into "add" and "-krb". The
		// prefix goes through a 16-byte buffer; longer prefixes overflow it
		// in the original (undefined behaviour), here they are cut to 15.
		word, tag, hasTag := full, "", false
		if d := strings.IndexByte(full, '-'); d > 0 {
			word, tag, hasTag = full[:d], full[d:], true
			if len(word) > 15 {
				word = word[:15]
			}
		}
		if word == "" {
			return badCommand(full)
		}
		var op int
		switch word[0] {
		case 'a', 'A':
			op = int(ActionAdd)
		case 'd', 'D':
			op = int(ActionDelete)
		case 'q', 'Q':
			op = int(ActionQuery)
		case '-':
			op = -1
		default:
			return badCommand(full)
		}
		if op >= 0 {
			if !asciiEqualFold(word, StoreCredAction(op).String()) {
				// Names the prefix, not the whole word.
				return badCommand(word)
			}
			if mode < 0 {
				mode = op
				if hasTag {
					t, ok := qualifyCredType(tag)
					if !ok {
						// The suffix is echoed with its dash and original case.
						return usage("ERROR: " + tag + " is not a known credential type\n")
					}
					mode |= t
				}
			} else if mode&modeMask != op {
				return usage("ERROR: exactly one command must be provided\n")
			}
			// The same action again is accepted and its suffix ignored.
			continue
		}

		var letter byte
		if len(full) > 1 {
			letter = full[1]
		}
		hasNext := ix+1 < len(args)
		switch letter {
		case 'n':
			if !hasNext {
				return needsArg(full, "name")
			}
			if a.HasDaemonName {
				return usage("ERROR: only one '-n' arg may be provided\n")
			}
			ix++
			name := args[ix]
			if opt.CanonicalDaemonName != nil {
				canon, ok := opt.CanonicalDaemonName(name)
				if !ok {
					return nil, InvalidDaemonNameExit(name)
				}
				name = canon
			}
			a.DaemonName, a.HasDaemonName = name, true
		case 'p':
			if !hasNext {
				return needsArg(full, "password")
			}
			if a.HasPassword {
				return usage("ERROR: only one '-p' arg may be provided\n")
			}
			ix++
			a.Password, a.HasPassword = args[ix], true
		case 'c':
			if username != "" {
				return usage("ERROR: only one '-c' or '-u' arg may be provided\n")
			}
			username = "condor_pool"
			a.PoolPassword = true
		case 'u':
			if !hasNext {
				return needsArg(full, "username")
			}
			if username != "" {
				// (sic) says '-s' (real-tools.md S18).
				return usage("ERROR: only one of '-s' or '-u' may be provided\n")
			}
			ix++
			u := args[ix]
			if len(u) > maxUserLen {
				u = u[:maxUserLen]
			}
			// '@' must be present, but neither first nor last.
			if at := strings.IndexByte(u, '@'); at <= 0 || at == len(u)-1 {
				return usage("ERROR: Username '" + u + "' is not of the form: account@domain\n")
			}
			username, a.User = u, u
		case 'i':
			if !hasNext {
				return needsArg(full, "filename")
			}
			if a.HasCredentialFile {
				return usage("ERROR: credential filename already specified\n")
			}
			ix++
			a.CredentialFile, a.HasCredentialFile = args[ix], true
		case 's', 'H', 'S', 'A':
			what, dup, val, has := oauthSwitch(a, letter)
			if !hasNext {
				return needsArg(full, what)
			}
			if *has {
				return usage(dup)
			}
			ix++
			*val, *has = args[ix], true
		case 'f':
			if !hasNext {
				return needsArg(full, "filename")
			}
			ix++
			// -f forces the action to add, dropping any type (last -f wins).
			a.PasswordFile, a.HasPasswordFile = args[ix], true
			mode = int(ActionAdd)
		case 'd':
			if ok, flags := matchOption(full, Option{Name: "debug", Min: 1, Colon: true}); ok {
				a.Debug, a.DebugFlags = true, flags
			}
		case 'P':
			a.Plain = true
		case 'h':
			help = true
		default:
			return usage("ERROR: Unrecognized option - '" + full + "'\n\n")
		}
	}

	// Inter-argument validation (credentials.md §1.3): both messages may be
	// printed; no usage follows (real-tools.md S19–S22).
	credType := mode & credTypeMask
	if credType == 0 {
		mode |= modeLegacyPwd
	}
	if mode&modeMask == int(ActionAdd) {
		var msg string
		if (credType == int(CredKerberos) || credType == int(CredOAuth)) && !a.HasCredentialFile {
			msg += "ERROR: add-krb and add-oauth commands require a credential filename argument\n"
		}
		if credType == int(CredOAuth) && !a.HasService {
			msg += "ERROR: add-oauth command requires a service name\n"
		}
		if credType == int(CredKerberos) {
			mode |= ModeWaitForCredmon
		}
		if msg != "" {
			return nil, msgExit(msg)
		}
	}

	// No action (and no -f), or -h: usage (real-tools.md S1–S4).
	if help || (mode < 0 && !a.HasPasswordFile) {
		return usage("")
	}

	a.Mode = mode
	a.Action = StoreCredAction(mode & modeMask)
	a.Type = CredType(mode & credTypeMask)
	a.Legacy = mode&ModeLegacy != 0
	a.NeedRefresh = !a.Plain
	if a.HasPasswordFile {
		return a, nil
	}
	// Checked by main() before anything else is done (real-tools.md S23).
	if a.PoolPassword && a.Action == ActionQuery {
		return nil, msgExit("Querying the pool password is not supported.\n")
	}
	return a, nil
}

// qualifyCredType maps an action's "-TYPE" suffix to its type bits: the
// suffix is lower-cased and prefix-matched like a dash option
// (credentials.md §1.1, real-tools.md S10, S11).
func qualifyCredType(tag string) (int, bool) {
	t := asciiLowerString(tag)
	is := func(name string, min int) bool {
		return Match(t, Option{Name: name, Min: min})
	}
	switch {
	case is("pwd", 0) || is("password", 2):
		return int(CredPassword), true
	case is("krb", 2) || is("kerberos", 2):
		return int(CredKerberos), true
	case is("oauth", 2) || is("oath", 2) || is("scitokens", 3):
		return int(CredOAuth), true
	}
	return 0, false
}

// oauthSwitch returns, for -s/-H/-S/-A, the value kind used in the
// missing-argument message, the duplicate message, and the fields to set.
func oauthSwitch(a *StoreCredArgs, letter byte) (what, dup string, val *string, has *bool) {
	switch letter {
	case 's':
		return "service", "ERROR: OAuth service already specified\n", &a.Service, &a.HasService
	case 'H':
		return "handle", "ERROR: OAuth handle already specified\n", &a.Handle, &a.HasHandle
	case 'S':
		return "scopes", "ERROR: OAuth scopes already specified\n", &a.Scopes, &a.HasScopes
	}
	return "audience", "ERROR: OAuth audience already specified\n", &a.Audience, &a.HasAudience
}
