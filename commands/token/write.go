package token

import (
	"fmt"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/knobs"
)

// tokenDirs resolves the token-directory settings for the current user.
func tokenDirs(f *cmdutil.Factory, cfg *config.Config) (idtoken.DirConfig, error) {
	home := ""
	if u, err := f.User(); err == nil {
		home = u.Home
	}
	return knobs.TokenDirs(cfg, f.Euid == 0, home)
}

// writeToken stores tok as fetch, request and create do (tokens.md §9.9):
// into the token directory under name, to file, or — legacy only — on
// stdout. It returns the path written ("" for stdout). Legacy failures
// print the original's text and return exit status 1.
func writeToken(f *cmdutil.Factory, cfg *config.Config, name, file, tok string, legacy bool) (string, error) {
	var (
		path string
		err  error
	)
	switch {
	case name != "":
		var d idtoken.DirConfig
		if d, err = tokenDirs(f, cfg); err != nil {
			return "", configError(legacy, err)
		}
		path, err = d.WriteNamed(name, tok)
	case file != "":
		path, err = file, idtoken.WriteTokenFile(file, tok)
	default:
		if legacy {
			_, err = fmt.Fprintf(f.IOStreams.Out, "%s\n", tok)
		}
		return "", err
	}
	if err != nil {
		if legacy {
			fmt.Fprintln(f.IOStreams.ErrOut, err.Error())
			return "", cmdutil.Silent(1)
		}
		return "", cmdutil.Errorf(cmdutil.ExitFailure, "%v", err)
	}
	return path, nil
}

// claimsJSON is the -o json view of a token's claims.
func claimsJSON(t *idtoken.Token, now time.Time) map[string]any {
	c := t.Claims
	m := map[string]any{"kid": t.Kid, "alg": t.Alg, "iss": c.Iss, "jti": c.Jti}
	if c.HasSub {
		m["sub"] = c.Sub
	}
	if c.HasIat {
		m["iat"] = c.Iat
		m["issued"] = time.Unix(c.Iat, 0).UTC().Format(time.RFC3339)
	}
	if c.HasExp {
		m["exp"] = c.Exp
		m["expires"] = time.Unix(c.Exp, 0).UTC().Format(time.RFC3339)
		m["expired"] = now.Unix() > c.Exp
	}
	if len(c.Authz) > 0 {
		m["authz"] = c.Authz
	}
	if c.Scope != "" {
		m["scope"] = strings.TrimSpace(c.Scope)
	}
	return m
}
