package legacy

// Usage texts, byte for byte as printed by HTCondor 25.14.0
// (real-tools.md §2.1, §3.1, §4.1, §5.1, §6.1, §7.1, §8.1, §9.1). Each
// constant is the text after "Usage: " + argv0. The typos, the uneven column
// padding and the blank-line placement are the original's and are kept on
// purpose.

const usageFetchTail = ` [-type TYPE] [-name NAME] [-remote] [-pool POOL] [-authz AUTHZ] [-lifetime VAL] [-token NAME | -file NAME]

Generates a token from a remote daemon and prints its contents to stdout.

Token options:
    -authz    <authz>                Whitelist one or more authorization
    -lifetime <val>                  Max token lifetime, in seconds
    -key      <key>                  Request an alternate signing key
Specifying target options:
    -pool    <host>                  Query this collector
    -remote                          Have collector fetch token remotely
    -name    <name>                  Find a daemon with this name
    -type    <subsystem>             Type of daemon to contact (default: SCHEDD)

Other options:
    -token    <NAME>                 Name of token file in tokens.d
    -file     <NAME>                 Token filename
`

// condor_token_create has no blank line after the first line (§3.1).
const usageCreateTail = ` -identity USER@DOMAIN [-key KEYID] [-authz AUTHZ] [-lifetime VAL] [-token NAME | -file NAME]
Generates a token from the local password.

Token options:
    -authz    <authz>                Whitelist one or more authorization
    -lifetime <val>                  Max token lifetime, in seconds
    -identity <USER@DOMAIN>          User identity
    -key      <KEYID>                Key to use for signing

Other options:
    -token    <NAME>                 Name of token file in tokens.d
    -file     <NAME>                 Token filename
`

// "agument", "~/tokens.d" and ", The" are in the original (§4.1).
const usageListTail = ` [-dir PATH]
Lists the tokens available to the current user.

Token options:
    -dir  <path>  Look in the given directory for tokens
    -file  <filename>  Look in the given file for a token
Daemon query options:
    -capability                      Query a daemon for capability token details
    -pool    <host>                  Use this collector to locate daemon
    -name    <name>                  Find a daemon with this name
    -type    <subsystem>             Type of daemon to contact (default: SCHEDD)
    -help         print this message

If no -dir agument is supplied, tokens are located by using the condor config files.
Ordinary users will use SEC_TOKEN_DIRECTORY or ~/tokens.d, The root user will use SEC_TOKEN_SYSTEM_DIRECTORY.
`

// The usage line omits -identity; the target lines have one space less
// padding than condor_token_fetch's (§5.1).
const usageRequestTail = ` [-type TYPE] [-name NAME] [-pool POOL] [-authz AUTHZ] [-lifetime VAL] [-token NAME | -file NAME]

Generates a token from a remote daemon and prints its contents to stdout.

Token options:
    -authz    <authz>                Whitelist one or more authorization
    -lifetime <val>                  Max token lifetime, in seconds
    -identity <val>                  Requested identity in token
Specifying target options:
    -pool    <host>                 Query this collector
    -name    <name>                 Find a daemon with this name
    -type    <subsystem>            Type of daemon to contact (default: COLLECTOR)
If not specified, the pool's collector is targeted.

Other options:
    -token    <NAME>                 Name of token file in tokens.d
    -file     <NAME>                 Token filename
`

// The description line is copied from condor_token_fetch in the original
// (§7.1).
const usageApproveTail = ` [-type TYPE] [-name NAME] [-pool POOL] [-reqid ID]

Generates a token from a remote daemon and prints its contents to stdout.

Token options:
    -reqid <val>                    Token request identity
Specifying target options:
    -pool    <host>                 Query this collector
    -name    <name>                 Find a daemon with this name
    -type    <subsystem>            Type of daemon to contact (default: COLLECTOR)
If not specified, the pool's collector is targeted.
`

// "line-delimited (RFC 7464)" is not what -json prints; kept verbatim
// (§6.1, §20).
const usageRequestListTail = ` [-type TYPE] [-name NAME] [-pool POOL] [-reqid ID] [-json]

Generates a token from a remote daemon and prints its contents to stdout.

Token options:
    -reqid <val>                    Token request identity

Output options:
    -json                           Print out tokens as JSON, line-delimited (RFC 7464)
Specifying target options:
    -pool    <host>                 Query this collector
    -name    <name>                 Find a daemon with this name
    -type    <subsystem>            Type of daemon to contact (default: COLLECTOR)
If not specified, the pool's collector is targeted.
`

const usageAutoApproveTail = ` [-type TYPE] [-name NAME] [-pool POOL] [-lifetime LIFETIME] [-netblock NETBLOCK]

Generates a new rule at specified daemon to automatically approve requests.

Options:
    -netblock <netblock>            Approve requests coming from this network
                                    Example: 192.168.0.0/24
    -lifetime <val>                 Auto-approval lifetime in seconds
Specifying target options:
    -pool    <host>                 Query this collector
    -name    <name>                 Find a daemon with this name
    -type    <subsystem>            Type of daemon to contact (default: COLLECTOR)
If not specified, the pool's collector is targeted.
`

// condor_store_cred prints the basename of argv[0] and ends with an extra
// empty line (§9.1).
const usageStoreCredTail = ` action [options]
  where action is one of:
    add[-type]        Add credential to secure storage
    delete[-type]     Remove credential from secure storage
    query[-type]      Check if a credential has been stored
  and -type is an optional credential type. it must be one of:
    -pwd              Credential is a password (default)
    -krb              Credential is Kerberos/AFS token
    -oauth            Credential is Scitoken or OAuth2 token
  and where [options] is zero or more of:
    -u username       Use the specified username
    -c                Manage the condor pool password
    -p <password>     Use the specified password rather than prompting
                         If <password> is -, read from stdin
    -i <filename>     Read the credential from <filename>
                         If <filename> is -, read from stdin
    -s <service>      Add/Remove/Query for the given OAuth2 service
    -H <handle>       Specify a handle for the given OAuth2 service
    -S <scopes>       Add the given OAuth2 comma-separated scopes, or make sure
                         a Query matches
    -A <audience>     Add the given OAuth2 audience, or make sure a Query matches
    -P                The given OAuth2 credential is an access token
    -n <name>         Manage credentials on the named machine
    -f <filename>     Write password to a pool password file
    -d                Display debugging messages
    -h                Display this message

If no -u argument is supplied, the name of the current user will be used.
The add-krb and add-oauth action must be used with the -i argument to specify
a file to read the credential from. The add or add-pwd action will prompt for
a password unless the -p argument is used.
Using -A or -S with oauth requires the credential to be in JSON format.

`

var usageTails = map[string]string{
	ToolTokenFetch:              usageFetchTail,
	ToolTokenCreate:             usageCreateTail,
	ToolTokenList:               usageListTail,
	ToolTokenRequest:            usageRequestTail,
	ToolTokenRequestApprove:     usageApproveTail,
	ToolTokenRequestList:        usageRequestListTail,
	ToolTokenRequestAutoApprove: usageAutoApproveTail,
	ToolStoreCred:               usageStoreCredTail,
}

// Usage returns the exact usage text of tool as invoked through argv0. The
// token tools echo argv0 as typed (a full path stays a full path);
// condor_store_cred prints only its basename (real-tools.md §11). It returns
// "" for an unknown tool.
//
// Where the text goes depends on why it is printed: see HelpExit for -help;
// after an error it always goes to stderr with exit status 1.
func Usage(tool, argv0 string) string {
	tail, ok := usageTails[tool]
	if !ok {
		return ""
	}
	if tool == ToolStoreCred {
		argv0 = basename(argv0)
	}
	// Concatenation, not a format string: argv0 may contain '%'.
	return "Usage: " + argv0 + tail
}

// UsageStream returns the stream (1 = stdout, 2 = stderr) that receives the
// usage text printed for -help: stdout for condor_token_list, stderr for
// every other tool. After an argument error the usage always goes to stderr.
func UsageStream(tool string) int {
	if tool == ToolTokenList {
		return 1
	}
	return 2
}

// HelpExit returns what -help (or -h) makes tool print: the usage on stderr
// with exit status 1, except condor_token_list, which prints it on stdout
// and exits 0 (real-tools.md §1, F24, L6, S1). It returns nil for an unknown
// tool.
func HelpExit(tool, argv0 string) *Exit {
	u := Usage(tool, argv0)
	if u == "" {
		return nil
	}
	if UsageStream(tool) == 1 {
		return &Exit{Code: 0, Stdout: u}
	}
	return &Exit{Code: 1, Stderr: u}
}

// usageExit is the usage on stderr with exit status 1, preceded by msg.
func usageExit(tool, argv0, msg string) *Exit {
	return &Exit{Code: 1, Stderr: msg + Usage(tool, argv0)}
}

// msgExit is one message on stderr with exit status 1 and no usage.
func msgExit(msg string) *Exit {
	return &Exit{Code: 1, Stderr: msg}
}
