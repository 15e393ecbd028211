package legacy

// Parsers of the seven token tools (tokens.md §9, real-tools.md §2–§8, §12).
// All of them walk argv with the same loop as the originals: each word is
// tried against the tool's option table in order, the first match wins, a
// value is always the next word (even if it starts with '-'), and the first
// problem ends the program.

// FetchArgs is the parsed command line of condor_token_fetch.
type FetchArgs struct {
	Common
	// Authz lists the -authz values in command-line order (nil if none);
	// they are not validated or case-normalised (real-tools.md F41, F42).
	Authz []string
	// Lifetime is the -lifetime value as std::stol read it; -1 when absent.
	// The client sends it only when > 0 (real-tools.md §2.3).
	Lifetime int64
	// HasLifetime reports that -lifetime was given.
	HasLifetime bool
	// Key is the -key signing-key name, "" when not given (server default).
	Key string
	// Token is the -token file name inside the token directory; File is the
	// -file path. At most one is set: the last of -token/-file wins, and
	// both empty means "print to stdout" (tokens.md §9.9).
	Token, File string
	// Remote reports -remote (collector fetches from the schedd).
	Remote bool
}

// CreateArgs is the parsed command line of condor_token_create.
type CreateArgs struct {
	// Identity is the -identity value, used verbatim as "sub"; "" when
	// absent (the original then signs a token with "sub":"").
	Identity string
	// HasIdentity reports that -identity was given.
	HasIdentity bool
	// Key is the signing key name; "POOL" unless -key was given.
	Key string
	// Authz lists the -authz values in command-line order (nil if none).
	Authz []string
	// Lifetime is the -lifetime value; -1 when absent. Any value >= 0 gives
	// exp = iat + Lifetime, a negative one no exp (real-tools.md §3.3).
	Lifetime int64
	// Token and File: as in FetchArgs (last of -token/-file wins).
	Token, File string
	// Debug reports -debug[:FLAGS].
	Debug bool
	// DebugFlags is the text after "-debug:", "" for the default flags.
	DebugFlags string
}

// RequestArgs is the parsed command line of condor_token_request.
type RequestArgs struct {
	Common
	// Authz lists the -authz values in command-line order (nil if none).
	Authz []string
	// Lifetime is the -lifetime value; -1 when absent (sent only if > 0).
	Lifetime int64
	// HasLifetime reports that -lifetime was given.
	HasLifetime bool
	// Identity is the -identity value, "" when absent (the client then asks
	// for condor@UID_DOMAIN; without '@' it appends @UID_DOMAIN).
	Identity string
	// Token and File: as in FetchArgs (last of -token/-file wins).
	Token, File string
}

// ApproveArgs is the parsed command line of condor_token_request_approve.
type ApproveArgs struct {
	Common
	// ReqID is the -reqid value (not validated here; the daemon parses it).
	ReqID string
	// HasReqID reports a non-empty -reqid. The original tests the string
	// for emptiness, so -reqid "" behaves exactly like no -reqid.
	HasReqID bool
}

// RequestListArgs is the parsed command line of condor_token_request_list.
type RequestListArgs struct {
	Common
	// ReqID and HasReqID: as in ApproveArgs.
	ReqID    string
	HasReqID bool
	// JSON reports -json (exact spelling only).
	JSON bool
}

// AutoApproveArgs is the parsed command line of
// condor_token_request_auto_approve.
type AutoApproveArgs struct {
	Common
	// Netblock is the -netblock value, echoed as given; never empty (a
	// missing or empty -netblock ends parsing).
	Netblock string
	// Lifetime is the rule lifetime in seconds; 3600 unless -lifetime was
	// given (the daemon rejects values <= 0).
	Lifetime int64
}

// TokenListArgs is the parsed command line of condor_token_list.
type TokenListArgs struct {
	Common
	// Dir is the -dir directory.
	Dir string
	// HasDir reports a non-empty -dir; the original treats -dir "" as no
	// -dir and uses the configured directory.
	HasDir bool
	// File is the -file path, as given.
	File string
	// HasFile reports -file: the original prints that file's tokens and
	// exits 0 at once, so options after it are ignored (not even checked)
	// and Common/Capability hold only what came before it.
	HasFile bool
	// Capability reports -capability.
	Capability bool
}

// handler applies one recognised option; val is the option's value (or the
// ":FLAGS" text for -debug). stop ends the scan successfully.
type handler func(o *optSpec, val string) (stop bool, e *Exit)

// scan walks args with tool's option table (real-tools.md §12). It returns
// the first terminating condition, or nil.
func scan(tool, argv0 string, args []string, h handler) *Exit {
	specs := toolOptions[tool]
	for i := 0; i < len(args); i++ {
		arg := args[i]
		var spec *optSpec
		var flags string
		for j := range specs {
			if ok, f := matchOption(arg, specs[j].Option); ok {
				spec, flags = &specs[j], f
				break
			}
		}
		if spec == nil {
			return usageExit(tool, argv0, argv0+": Invalid command line argument: "+arg+"\n")
		}
		val := flags
		if spec.arg != "" {
			if i+1 >= len(args) {
				msg := argv0 + ": " + spec.missing + "\n"
				if spec.missingUsage {
					return usageExit(tool, argv0, msg)
				}
				return msgExit(msg)
			}
			i++
			val = args[i]
		}
		if stop, e := h(spec, val); e != nil || stop {
			return e
		}
	}
	return nil
}

// apply handles the options every token tool shares. handled is false for
// an option the caller must handle itself.
func (c *Common) apply(tool, argv0 string, o *optSpec, val string) (handled bool, e *Exit) {
	switch o.Name {
	case "pool":
		c.Pool = val
	case "name":
		c.Name = val
	case "type":
		t, ok := CanonicalDaemonType(val)
		if !ok {
			// Printed without argv0, then the usage (real-tools.md F34).
			return true, usageExit(tool, argv0, "ERROR: unrecognized daemon type: "+val+"\n")
		}
		c.Type = t
	case "debug":
		c.Debug, c.DebugFlags = true, val
	case "help":
		return true, HelpExit(tool, argv0)
	default:
		return false, nil
	}
	return true, nil
}

// lifetimeArg parses a -lifetime value like std::stol (real-tools.md F30,
// F31, R16, C14).
func lifetimeArg(argv0, val string) (int64, *Exit) {
	n, ok := parseLong(val)
	if !ok {
		return 0, msgExit(argv0 + ": Invalid argument for -lifetime: " + val + ".\n")
	}
	return n, nil
}

// ParseFetch parses condor_token_fetch's arguments (args excludes argv0).
// A terminating condition is returned as *Exit.
func ParseFetch(argv0 string, args []string) (*FetchArgs, error) {
	const tool = ToolTokenFetch
	a := &FetchArgs{Lifetime: -1}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		if ok, e := a.Common.apply(tool, argv0, o, v); ok {
			return false, e
		}
		switch o.Name {
		case "authz":
			a.Authz = append(a.Authz, v)
		case "lifetime":
			n, e := lifetimeArg(argv0, v)
			if e != nil {
				return false, e
			}
			a.Lifetime, a.HasLifetime = n, true
		case "key":
			a.Key = v
		case "token":
			a.Token, a.File = v, ""
		case "file":
			a.Token, a.File = "", v
		case "remote":
			a.Remote = true
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	// Checked after the loop, before anything is located (real-tools.md F47).
	if a.Remote && a.Type != "" && a.Type != "schedd" {
		return nil, msgExit(argv0 + ": Remote fetch (-remote) is only valid with the schedd.\n")
	}
	return a, nil
}

// ParseCreate parses condor_token_create's arguments. Fewer than two
// arguments print only the usage (exit 1) before any option is looked at
// (real-tools.md §3.1, C4, C10–C12).
func ParseCreate(argv0 string, args []string) (*CreateArgs, error) {
	const tool = ToolTokenCreate
	if len(args) < 2 {
		return nil, usageExit(tool, argv0, "")
	}
	a := &CreateArgs{Key: "POOL", Lifetime: -1}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		switch o.Name {
		case "identity":
			a.Identity, a.HasIdentity = v, true
		case "key":
			a.Key = v
		case "authz":
			a.Authz = append(a.Authz, v)
		case "lifetime":
			n, e := lifetimeArg(argv0, v)
			if e != nil {
				return false, e
			}
			a.Lifetime = n
		case "token":
			a.Token, a.File = v, ""
		case "file":
			a.Token, a.File = "", v
		case "debug":
			a.Debug, a.DebugFlags = true, v
		case "help":
			return false, HelpExit(tool, argv0)
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	return a, nil
}

// ParseTokenList parses condor_token_list's arguments. -help prints the
// usage on stdout and exits 0 (real-tools.md L6, L9).
func ParseTokenList(argv0 string, args []string) (*TokenListArgs, error) {
	const tool = ToolTokenList
	a := &TokenListArgs{}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		if ok, e := a.Common.apply(tool, argv0, o, v); ok {
			return false, e
		}
		switch o.Name {
		case "dir":
			a.Dir, a.HasDir = v, v != ""
		case "file":
			a.File, a.HasFile = v, true
			return true, nil
		case "capability":
			a.Capability = true
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	return a, nil
}

// ParseRequest parses condor_token_request's arguments.
func ParseRequest(argv0 string, args []string) (*RequestArgs, error) {
	const tool = ToolTokenRequest
	a := &RequestArgs{Lifetime: -1}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		if ok, e := a.Common.apply(tool, argv0, o, v); ok {
			return false, e
		}
		switch o.Name {
		case "authz":
			a.Authz = append(a.Authz, v)
		case "lifetime":
			n, e := lifetimeArg(argv0, v)
			if e != nil {
				return false, e
			}
			a.Lifetime, a.HasLifetime = n, true
		case "identity":
			a.Identity = v
		case "token":
			a.Token, a.File = v, ""
		case "file":
			a.Token, a.File = "", v
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	return a, nil
}

// ParseApprove parses condor_token_request_approve's arguments.
func ParseApprove(argv0 string, args []string) (*ApproveArgs, error) {
	const tool = ToolTokenRequestApprove
	a := &ApproveArgs{}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		if ok, e := a.Common.apply(tool, argv0, o, v); ok {
			return false, e
		}
		if o.Name == "reqid" {
			a.ReqID, a.HasReqID = v, v != ""
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	return a, nil
}

// ParseRequestList parses condor_token_request_list's arguments.
func ParseRequestList(argv0 string, args []string) (*RequestListArgs, error) {
	const tool = ToolTokenRequestList
	a := &RequestListArgs{}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		if ok, e := a.Common.apply(tool, argv0, o, v); ok {
			return false, e
		}
		switch o.Name {
		case "reqid":
			a.ReqID, a.HasReqID = v, v != ""
		case "json":
			a.JSON = true
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	return a, nil
}

// ParseAutoApprove parses condor_token_request_auto_approve's arguments.
// A missing or empty -netblock is reported after all options were parsed,
// naming argv0 twice (real-tools.md AA2, §8.3).
func ParseAutoApprove(argv0 string, args []string) (*AutoApproveArgs, error) {
	const tool = ToolTokenRequestAutoApprove
	a := &AutoApproveArgs{Lifetime: 3600}
	e := scan(tool, argv0, args, func(o *optSpec, v string) (bool, *Exit) {
		if ok, e := a.Common.apply(tool, argv0, o, v); ok {
			return false, e
		}
		switch o.Name {
		case "lifetime":
			n, e := lifetimeArg(argv0, v)
			if e != nil {
				return false, e
			}
			a.Lifetime = n
		case "netblock":
			a.Netblock = v
		}
		return false, nil
	})
	if e != nil {
		return nil, e
	}
	if a.Netblock == "" {
		return nil, msgExit(argv0 + ": -netblock argument is required.\nExample: " + argv0 + " -netblock 192.168.0.0/24\n")
	}
	return a, nil
}
