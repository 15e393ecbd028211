package legacy

// Option tables of the token tools, in the order each original tests its
// options (first match wins; real-tools.md §12, tokens.md §9, and the
// 25.14.0 sources htcondor/htcondor: src/condor_tools/token_*.cpp). These
// tables drive the parsers and DescribeFlags.

// optSpec is one row of a tool's option table.
type optSpec struct {
	Option
	// arg is the value placeholder shown in help; "" for a flag that takes
	// no value.
	arg string
	// missing is the message printed (after "argv0: ") when the value is
	// missing, without the final newline.
	missing string
	// missingUsage: the usage text follows the missing-value message
	// (condor_token_list's -dir and -file only; real-tools.md §1).
	missingUsage bool
	// repeatable: every occurrence is kept, in order (-authz).
	repeatable bool
	// help is a one-line description for generated help.
	help string
}

// Rows shared by several tools. Messages are from real-tools.md F28–F40,
// R17, A15, AA9–AA11, C13, and §3.3; "-authz ... argument" has no final
// period in the original.
var (
	optAuthz = optSpec{Option: Option{Name: "authz", Min: 1}, arg: "AUTHZ", repeatable: true,
		missing: "-authz requires an authorization name argument",
		help:    "Limit the token to this authorization (repeatable)"}
	optLifetime = optSpec{Option: Option{Name: "lifetime", Min: 1}, arg: "VAL",
		missing: "-lifetime requires an integer in seconds.",
		help:    "Max token lifetime, in seconds"}
	optPool = optSpec{Option: Option{Name: "pool", Min: 1}, arg: "POOL",
		missing: "-pool requires a pool name argument.",
		help:    "Query this collector"}
	optName = optSpec{Option: Option{Name: "name", Min: 1}, arg: "NAME",
		missing: "-name requires a daemon name argument.",
		help:    "Find a daemon with this name"}
	optType = optSpec{Option: Option{Name: "type", Min: 1}, arg: "TYPE",
		missing: "-type requires a daemon type argument.",
		help:    "Type of daemon to contact (case-insensitive)"}
	optToken = optSpec{Option: Option{Name: "token", Min: 2}, arg: "NAME",
		missing: "-token requires a file name argument.",
		help:    "Name of token file in tokens.d"}
	optFile = optSpec{Option: Option{Name: "file", Min: 1}, arg: "NAME",
		missing: "-file requires a file name argument.",
		help:    "Token filename"}
	optDebug = optSpec{Option: Option{Name: "debug", Min: 1, Colon: true},
		help: "Print debugging output to stderr (-debug:FLAGS selects the flags)"}
	optHelp = optSpec{Option: Option{Name: "help", Min: 1},
		help: "Print the usage text and exit"}
	optReqID = optSpec{Option: Option{Name: "reqid", Min: 1}, arg: "ID",
		missing: "-reqid requires a request ID argument.",
		help:    "Token request identity"}
)

// with returns a copy of o with other help text.
func (o optSpec) with(help string) optSpec {
	o.help = help
	return o
}

var toolOptions = map[string][]optSpec{
	ToolTokenFetch: {
		optAuthz,
		optLifetime,
		optPool,
		optName,
		{Option: Option{Name: "key", Min: 1}, arg: "KEY",
			missing: "-key requires a key name argument.",
			help:    "Request an alternate signing key"},
		optToken,
		optFile,
		optType.with("Type of daemon to contact (default: SCHEDD)"),
		{Option: Option{Name: "remote", Min: 1},
			help: "Have collector fetch token remotely"},
		optDebug,
		optHelp,
	},
	ToolTokenCreate: {
		{Option: Option{Name: "identity", Min: 2}, arg: "USER@DOMAIN",
			missing: "-identity requires a condor identity as an argument",
			help:    "User identity"},
		{Option: Option{Name: "key", Min: 1}, arg: "KEYID",
			missing: "-key requires a key ID as an argument",
			help:    "Key to use for signing (default: POOL)"},
		optAuthz,
		optLifetime,
		optToken,
		optFile,
		optDebug,
		optHelp,
	},
	ToolTokenList: {
		// -debug is tested before -dir, so "-d" is -debug (real-tools.md L10).
		// The source gives -dir a minimum of 1, which can never be reached;
		// 2 is the effective minimum and documents "-di" (tokens.md §9.8).
		optDebug,
		optHelp,
		{Option: Option{Name: "dir", Min: 2}, arg: "PATH", missingUsage: true,
			missing: "-dir requires path argument.",
			help:    "Look in the given directory for tokens"},
		{Option: Option{Name: "file", Min: 1}, arg: "FILE", missingUsage: true,
			missing: "-file requires file argument.",
			help:    "Look in the given file for a token (later options are ignored)"},
		{Option: Option{Name: "capability", Min: 1},
			help: "Query a daemon for capability token details"},
		optPool.with("Use this collector to locate daemon"),
		optName,
		optType.with("Type of daemon to contact (default: SCHEDD)"),
	},
	ToolTokenRequest: {
		optAuthz,
		optLifetime,
		{Option: Option{Name: "identity", Min: 1}, arg: "IDENTITY",
			missing: "-identity requires an argument.",
			help:    "Requested identity in token"},
		optPool,
		optName,
		optToken,
		optFile,
		optType.with("Type of daemon to contact (default: COLLECTOR)"),
		optDebug,
		optHelp,
	},
	ToolTokenRequestApprove: {
		optReqID,
		optPool,
		optName,
		optType.with("Type of daemon to contact (default: COLLECTOR)"),
		optDebug,
		optHelp,
	},
	ToolTokenRequestList: {
		optPool,
		optName,
		optType.with("Type of daemon to contact (default: COLLECTOR)"),
		optReqID,
		optDebug,
		// strcmp(argv[i], "-json"): no abbreviation, no "--json"
		// (real-tools.md RL16, RL17).
		{Option: Option{Name: "json", Exact: true},
			help: "Print the requests as a JSON array"},
		optHelp,
	},
	ToolTokenRequestAutoApprove: {
		{Option: Option{Name: "lifetime", Min: 1}, arg: "LIFETIME",
			missing: "-lifetime requires an argument.",
			help:    "Auto-approval lifetime in seconds (default: 3600)"},
		// "request an argument" (sic, real-tools.md AA10).
		{Option: Option{Name: "netblock", Min: 2}, arg: "NETBLOCK",
			missing: "-netblock request an argument.",
			help:    "Approve requests coming from this network (required), e.g. 192.168.0.0/24"},
		optPool,
		optName,
		optType.with("Type of daemon to contact (default: COLLECTOR)"),
		optDebug,
		optHelp,
	},
}

// storeCredFlags documents condor_store_cred's switches. They are
// recognised by the character after '-' alone (credentials.md §1.2), so
// Name is that one letter; the parser in storecred.go switches on it.
var storeCredFlags = []FlagDoc{
	{Name: "u", Min: 1, Letter: true, TakesValue: true, Arg: "username", Help: "Use the specified username (account@domain)"},
	{Name: "c", Min: 1, Letter: true, Help: "Manage the condor pool password"},
	{Name: "p", Min: 1, Letter: true, TakesValue: true, Arg: "password", Help: "Use the specified password rather than prompting; - reads it from stdin"},
	{Name: "i", Min: 1, Letter: true, TakesValue: true, Arg: "filename", Help: "Read the credential from <filename>; - reads it from stdin"},
	{Name: "s", Min: 1, Letter: true, TakesValue: true, Arg: "service", Help: "Add/Remove/Query for the given OAuth2 service"},
	{Name: "H", Min: 1, Letter: true, TakesValue: true, Arg: "handle", Help: "Specify a handle for the given OAuth2 service"},
	{Name: "S", Min: 1, Letter: true, TakesValue: true, Arg: "scopes", Help: "Add the given OAuth2 comma-separated scopes, or make sure a Query matches"},
	{Name: "A", Min: 1, Letter: true, TakesValue: true, Arg: "audience", Help: "Add the given OAuth2 audience, or make sure a Query matches"},
	{Name: "P", Min: 1, Letter: true, Help: "The given OAuth2 credential is an access token"},
	{Name: "n", Min: 1, Letter: true, TakesValue: true, Arg: "name", Help: "Manage credentials on the named machine"},
	{Name: "f", Min: 1, Letter: true, TakesValue: true, Arg: "filename", Help: "Write password to a pool password file"},
	{Name: "d", Min: 1, Letter: true, Help: "Display debugging messages (only a prefix of -debug[:FLAGS] counts)"},
	{Name: "h", Min: 1, Letter: true, Help: "Display this message"},
}

// FlagDoc describes one option of a legacy tool for generated help and man
// pages.
type FlagDoc struct {
	// Name is the option word without its dash.
	Name string
	// Min is the shortest accepted single-dash abbreviation, in characters
	// after the dash.
	Min int
	// Exact: only "-"+Name is accepted (no abbreviation, no "--" form).
	Exact bool
	// Colon: the option accepts a ":FLAGS" suffix (-debug:FLAGS).
	Colon bool
	// Letter: condor_store_cred style — only the character after '-' is
	// looked at, so "-pool" means -p.
	Letter bool
	// TakesValue reports that the next argument is the option's value.
	TakesValue bool
	// Arg is the value placeholder ("" when TakesValue is false).
	Arg string
	// Repeatable: every occurrence is kept, in command-line order.
	Repeatable bool
	// Help is a one-line description.
	Help string
}

// DescribeFlags returns the options of tool in the order the original tests
// them, or nil for an unknown tool. condor_store_cred's action words
// (add/delete/query[-type]) are not options and are not listed.
func DescribeFlags(tool string) []FlagDoc {
	if tool == ToolStoreCred {
		return append([]FlagDoc(nil), storeCredFlags...)
	}
	specs, ok := toolOptions[tool]
	if !ok {
		return nil
	}
	docs := make([]FlagDoc, 0, len(specs))
	for _, s := range specs {
		min := s.Min
		if s.Exact {
			min = len(s.Name)
		}
		docs = append(docs, FlagDoc{
			Name:       s.Name,
			Min:        min,
			Exact:      s.Exact,
			Colon:      s.Colon,
			TakesValue: s.arg != "",
			Arg:        s.arg,
			Repeatable: s.repeatable,
			Help:       s.help,
		})
	}
	return docs
}
