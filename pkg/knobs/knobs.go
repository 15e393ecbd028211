// Package knobs turns HTCondor configuration into the plain settings
// structs of the domain packages (idtoken, …), so those packages do not
// depend on pkg/config and every knob is read in one place.
package knobs

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/classad"

	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// Keys returns the signing-key settings (tokens.md §5.1, §5.3). uid is the
// real uid key files must be owned by.
func Keys(cfg *config.Config, uid int) (idtoken.KeyConfig, error) {
	isPw, err := cfg.Bool("SEC_TOKEN_POOL_SIGNING_KEY_IS_PASSWORD", false)
	if err != nil {
		return idtoken.KeyConfig{}, err
	}
	re, err := ExcludeRegexp(cfg)
	if err != nil {
		return idtoken.KeyConfig{}, err
	}
	return idtoken.KeyConfig{
		Exclude:           re,
		PoolKeyFile:       cfg.Lookup("SEC_TOKEN_POOL_SIGNING_KEY_FILE"),
		PasswordDir:       cfg.Lookup("SEC_PASSWORD_DIRECTORY"),
		PoolKeyIsPassword: isPw,
		Uid:               uid,
	}, nil
}

// TokenDirs returns the token-directory settings (tokens.md §7, §9.9;
// real-tools.md §14). isRoot is true when the process can switch ids
// (euid 0); home is the user's home directory.
func TokenDirs(cfg *config.Config, isRoot bool, home string) (idtoken.DirConfig, error) {
	re, err := ExcludeRegexp(cfg)
	if err != nil {
		return idtoken.DirConfig{}, err
	}
	return idtoken.DirConfig{
		TokenDir:  cfg.Lookup("SEC_TOKEN_DIRECTORY"),
		SystemDir: cfg.Lookup("SEC_TOKEN_SYSTEM_DIRECTORY"),
		IsRoot:    isRoot,
		Home:      home,
		Exclude:   re,
	}, nil
}

// ExcludeRegexp compiles LOCAL_CONFIG_DIR_EXCLUDE_REGEXP; nil when unset
// (condor_token_list then lists nothing, tokens.md §9.8).
func ExcludeRegexp(cfg *config.Config) (*regexp.Regexp, error) {
	return cfg.ExcludeRegexp()
}

// TrustDomain returns TRUST_DOMAIN (the token issuer).
func TrustDomain(cfg *config.Config) string {
	return cfg.Lookup("TRUST_DOMAIN")
}

// Revocation compiles SEC_TOKEN_REVOCATION_EXPR (fallback
// SEC_TOKEN_BLACKLIST_EXPR) into the callback idtoken.VerifyOptions.Revoked
// expects (tokens.md §6.3). It returns nil when neither knob is set. A
// syntax error is reported here, at configuration time, naming the knob;
// HTCondor would instead treat every token as revoked.
func Revocation(cfg *config.Config) (func(claims map[string]any) (bool, error), error) {
	name := "SEC_TOKEN_REVOCATION_EXPR"
	src, ok := cfg.Get(name)
	if !ok || strings.TrimSpace(src) == "" {
		name = "SEC_TOKEN_BLACKLIST_EXPR"
		if src, ok = cfg.Get(name); !ok || strings.TrimSpace(src) == "" {
			return nil, nil
		}
	}
	expr, err := classad.ParseExpr(src)
	if err != nil {
		return nil, fmt.Errorf("%s is not a valid ClassAd expression: %v", name, err)
	}
	return func(claims map[string]any) (bool, error) {
		return classad.TokenRevoked(expr, claims), nil
	}, nil
}
