package commands

import (
	"errors"
	"fmt"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/commands/cred"
	"github.com/condor-auth/condor-auth/commands/legacy"
	"github.com/condor-auth/condor-auth/commands/token"
)

// runLegacy runs one of the HTCondor tool names: the legacy layer parses
// argv with the original's syntax, and the result is mapped onto the same
// run functions the modern verbs use, with Legacy set.
func runLegacy(f *cmdutil.Factory, tool, argv0 string, args []string) int {
	ios := f.IOStreams
	// C stdio buffers stdout fully when it is not a terminal
	// (real-tools.md §18).
	ios.BufferStdoutUnlessTTY()
	defer ios.Flush()

	parsed, err := legacy.Parse(tool, argv0, args)
	if err != nil {
		var ex *legacy.Exit
		if errors.As(err, &ex) {
			fmt.Fprint(ios.Out, ex.Stdout)
			ios.Flush()
			fmt.Fprint(ios.ErrOut, ex.Stderr)
			return ex.Code
		}
		fmt.Fprintf(ios.ErrOut, "%s: %v\n", argv0, err)
		return 1
	}
	if legacyDebug(parsed) {
		// -debug: the tools' dprintf log goes to stderr (dprintf_set_tool_debug).
		f.Debug = ios.ErrOut
	}
	switch a := parsed.(type) {
	case *legacy.CreateArgs:
		err = token.CreateRun(&token.CreateOptions{F: f, Legacy: true,
			Identity: a.Identity, KeyID: a.Key, Authz: a.Authz, Lifetime: a.Lifetime,
			TokenName: a.Token, File: a.File})
	case *legacy.TokenListArgs:
		err = token.ListRun(&token.ListOptions{F: f, Legacy: true,
			Dir: a.Dir, File: a.File, Capability: a.Capability})
	case *legacy.FetchArgs:
		err = token.FetchRun(&token.FetchOptions{F: f, Legacy: true, Target: target(a.Common),
			Authz: a.Authz, Lifetime: a.Lifetime, Key: a.Key, TokenName: a.Token, File: a.File, Remote: a.Remote})
	case *legacy.RequestArgs:
		err = token.RequestRun(&token.RequestOptions{F: f, Legacy: true, Target: target(a.Common),
			Authz: a.Authz, Lifetime: a.Lifetime, Identity: a.Identity, TokenName: a.Token, File: a.File})
	case *legacy.ApproveArgs:
		err = token.ApproveRun(&token.ApproveOptions{F: f, Legacy: true, Target: target(a.Common),
			ReqID: a.ReqID, All: !a.HasReqID})
	case *legacy.RequestListArgs:
		err = token.RequestsRun(&token.RequestsOptions{F: f, Legacy: true, Target: target(a.Common),
			ReqID: a.ReqID, JSON: a.JSON})
	case *legacy.AutoApproveArgs:
		err = token.AutoApproveRun(&token.AutoApproveOptions{F: f, Legacy: true, Target: target(a.Common),
			Netblock: a.Netblock, Lifetime: a.Lifetime})
	case *legacy.StoreCredArgs:
		err = cred.Run(storeCredOptions(f, a))
	default:
		err = fmt.Errorf("internal error: no runner for %T", parsed)
	}
	return legacyExit(f, argv0, err)
}

// target maps the legacy -pool/-name/-type onto the modern Target. The
// originals have no client-side timeout (tokens.md §9.4).
// legacyDebug reports whether the parsed command line asked for -debug.
func legacyDebug(parsed any) bool {
	switch a := parsed.(type) {
	case *legacy.FetchArgs:
		return a.Debug
	case *legacy.RequestArgs:
		return a.Debug
	case *legacy.ApproveArgs:
		return a.Debug
	case *legacy.RequestListArgs:
		return a.Debug
	case *legacy.AutoApproveArgs:
		return a.Debug
	case *legacy.StoreCredArgs:
		return a.Debug
	}
	return false
}

func target(c legacy.Common) cmdutil.Target {
	return cmdutil.Target{Pool: c.Pool, Name: c.Name, Type: c.Type}
}

// legacyExit prints err the way the legacy tools do and returns the exit
// status. Run functions print their own legacy texts and return Silent
// errors; anything else is printed as "<argv0>: message".
func legacyExit(f *cmdutil.Factory, argv0 string, err error) int {
	if err == nil {
		return 0
	}
	var ee *cmdutil.ExitError
	if !errors.As(err, &ee) {
		ee = &cmdutil.ExitError{Code: 1, Err: err}
	}
	if !ee.Silent && ee.Err != nil {
		f.IOStreams.Flush()
		if ee.Bare {
			fmt.Fprintf(f.IOStreams.ErrOut, "%v\n", ee.Err)
		} else {
			fmt.Fprintf(f.IOStreams.ErrOut, "%s: %v\n", argv0, ee.Err)
		}
	}
	if ee.Code == cmdutil.ExitUnavailable {
		// The originals fail with 1; keep that for scripts.
		return 1
	}
	return ee.Code
}

// storeCredOptions maps condor_store_cred's parsed argv onto the cred
// options; the parsed form (mode integer, sources) travels along for the
// legacy protocol details.
func storeCredOptions(f *cmdutil.Factory, a *legacy.StoreCredArgs) *cred.Options {
	typ := cred.TypePassword
	switch a.Type {
	case legacy.CredKerberos:
		typ = cred.TypeKerberos
	case legacy.CredOAuth:
		typ = cred.TypeOAuth
	}
	return &cred.Options{F: f, Legacy: true, LegacyArgs: a,
		Target:       cmdutil.Target{Name: a.DaemonName, Type: "credd"},
		Action:       a.Action.String(),
		Type:         typ,
		User:         a.User,
		PoolPassword: a.PoolPassword,
		Service:      a.Service, Handle: a.Handle, Scopes: a.Scopes, Audience: a.Audience,
		AccessToken: a.Plain,
		From:        a.CredentialFile,
		WriteFile:   a.PasswordFile,
	}
}
