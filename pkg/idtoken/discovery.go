package idtoken

import (
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"
)

// DirConfig locates token directories (tokens.md §5.1, §7;
// real-tools.md §14). The caller fills it from the configuration.
type DirConfig struct {
	// TokenDir is SEC_TOKEN_DIRECTORY ("" = unset); when set, everybody
	// uses it.
	TokenDir string
	// SystemDir is SEC_TOKEN_SYSTEM_DIRECTORY, used by root (and by
	// everybody when no home directory is known).
	SystemDir string
	// IsRoot reports whether the process can switch user ids; root never
	// uses ~/.condor/tokens.d.
	IsRoot bool
	// Home is the home directory of the effective uid from the password
	// database (not $HOME).
	Home string
	// Exclude is LOCAL_CONFIG_DIR_EXCLUDE_REGEXP; file names it matches
	// are skipped. nil (the knob unset) means no directory is searched at
	// all, as in HTCondor.
	Exclude *regexp.Regexp
	// Now is the time FindTokens uses to notice expired tokens; the zero
	// value means time.Now().
	Now time.Time
}

// Dir returns the token directory: SEC_TOKEN_DIRECTORY if set, else
// ~/.condor/tokens.d for a process that cannot switch ids, else
// SEC_TOKEN_SYSTEM_DIRECTORY (find_user_file, tokens.md §7 step 2).
func (d DirConfig) Dir() string {
	if d.TokenDir != "" {
		return d.TokenDir
	}
	if !d.IsRoot && d.Home != "" {
		return d.Home + "/.condor/tokens.d"
	}
	return d.SystemDir
}

// Candidate is one token (or token file) FindTokens looked at, in the
// order it looked; a future `ping --explain` prints them.
type Candidate struct {
	// Path is the token file ("" for a token given directly).
	Path string
	// Line is the 1-based line of the token in the file (0 when the whole
	// file or directory was skipped).
	Line int
	// Token is the decoded token, when the line decoded.
	Token *Token
	// Reason says why the candidate was skipped; "" if it is usable.
	Reason string
	// Expired reports that the token's "exp" has passed. HTCondor does not
	// look at "exp" when choosing, and neither does FindTokens unless an
	// unexpired usable token exists (see FindTokens).
	Expired bool
}

// CheckToken applies the client's per-token test (checkToken, tokens.md
// §7 step 3; §6.4): the token must decode, have a string "kid" that is in
// issuerKeys (when issuerKeys is non-empty), a string "iss" equal to
// trustDomain (when trustDomain is non-empty), and a "sub" or a "jti". It
// returns the decoded token (when it decodes) and the reason it is not
// usable ("" if usable). raw is used as given (not trimmed).
func CheckToken(raw, trustDomain string, issuerKeys []string) (*Token, string) {
	tok, err := Parse(raw)
	if err != nil {
		return nil, "undecodable: " + err.Error()
	}
	if err := tok.ClaimsError(); err != nil {
		return tok, "undecodable: " + err.Error()
	}
	if !tok.HasKid {
		return tok, `no "kid" in the header`
	}
	if len(issuerKeys) > 0 && !contains(issuerKeys, tok.Kid) {
		return tok, fmt.Sprintf("signed with key %q, which the server does not have (server keys: %s)",
			tok.Kid, strings.Join(issuerKeys, ", "))
	}
	if !tok.Claims.HasIss {
		// jwt-cpp's get_issuer() throws, so HTCondor skips the token.
		return tok, `no "iss" (issuer)`
	}
	if trustDomain != "" && tok.Claims.Iss != trustDomain {
		return tok, fmt.Sprintf("issued by trust domain %q, the server's is %q", tok.Claims.Iss, trustDomain)
	}
	if !tok.Claims.HasSub && !tok.Claims.HasJti {
		return tok, `no "sub" and no "jti"`
	}
	return tok, ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// FindTokens is the client's token discovery (findTokens, tokens.md §7):
// in d.Dir(), skipping subdirectories and names d.Exclude matches, the file
// named "<subsys>_auto_generated_token" (case-insensitive) first, then every
// file in sorted path order; each file is read securely (owned by uid, no
// group/other access; uid < 0 skips the owner check), split into lines,
// trimmed, empty and '#' lines skipped, and each line tested with
// CheckToken.
//
// HTCondor takes the first usable token even if it has expired (the server
// then refuses it). FindTokens prefers the first usable unexpired token
// and falls back to the first usable expired one, so it chooses exactly
// what HTCondor chooses except when an expired token precedes a valid one.
// considered lists everything examined, with reasons, in order; best is
// nil when nothing is usable. Tokens the caller holds in memory (the
// per-command preferred token) should be tested with CheckToken first.
func FindTokens(d DirConfig, subsys string, uid int, trustDomain string, issuerKeys []string) (best *Candidate, considered []Candidate) {
	dir := d.Dir()
	if d.Exclude == nil {
		return nil, []Candidate{{Path: dir, Reason: "LOCAL_CONFIG_DIR_EXCLUDE_REGEXP is unset, so HTCondor searches no token directory"}}
	}
	if dir == "" {
		return nil, []Candidate{{Reason: "no token directory is configured (SEC_TOKEN_SYSTEM_DIRECTORY is unset)"}}
	}
	now := d.Now
	if now.IsZero() {
		now = time.Now()
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, []Candidate{{Path: dir, Reason: "cannot open token directory: " + errnoText(err)}}
	}
	names, err := f.Readdirnames(-1)
	f.Close()
	if err != nil {
		return nil, []Candidate{{Path: dir, Reason: "cannot read token directory: " + errnoText(err)}}
	}
	var files []string
	auto := ""
	want := subsys + "_auto_generated_token"
	for _, name := range names {
		full := dircat(dir, name)
		if st, err := os.Stat(full); err == nil && st.IsDir() {
			continue
		}
		if d.Exclude.MatchString(name) {
			considered = append(considered, Candidate{Path: full, Reason: "name matches LOCAL_CONFIG_DIR_EXCLUDE_REGEXP"})
			continue
		}
		files = append(files, full)
		if strings.EqualFold(name, want) {
			auto = full
		}
	}
	sort.Strings(files)
	if auto != "" {
		files = append([]string{auto}, removeString(files, auto)...)
	}

	firstExpired := -1
	for _, path := range files {
		data, kfe := readSecureFile(path, uid, MaxSecureFileSize)
		if kfe != nil {
			considered = append(considered, Candidate{Path: path, Reason: "cannot read securely: " + kfe.Reason})
			continue
		}
		lines := strings.Split(string(data), "\n")
		usedLine := false
		for i, line := range lines {
			line = trimSpace(line)
			if line == "" || line[0] == '#' {
				continue
			}
			usedLine = true
			tok, reason := CheckToken(line, trustDomain, issuerKeys)
			c := Candidate{Path: path, Line: i + 1, Token: tok, Reason: reason}
			if reason == "" && tok.Claims.HasExp && now.Unix()-tok.Claims.Exp > 0 {
				c.Expired = true
				if firstExpired < 0 {
					firstExpired = len(considered)
					considered = append(considered, c)
					continue
				}
				c.Reason = "expired at " + fmtTime(tok.Claims.Exp) + "; an earlier expired token comes first"
			}
			considered = append(considered, c)
			if c.Reason == "" {
				markExpiredSkipped(considered, firstExpired)
				return &considered[len(considered)-1], considered
			}
		}
		if !usedLine {
			considered = append(considered, Candidate{Path: path, Reason: "no token lines in the file"})
		}
	}
	if firstExpired >= 0 {
		return &considered[firstExpired], considered
	}
	return nil, considered
}

// markExpiredSkipped gives the reason to the expired token passed over in
// favour of an unexpired one.
func markExpiredSkipped(cs []Candidate, i int) {
	if i >= 0 {
		cs[i].Reason = "expired at " + fmtTime(cs[i].Token.Claims.Exp) + "; a later unexpired token is preferred"
	}
}

func removeString(list []string, s string) []string {
	out := list[:0:0]
	for _, x := range list {
		if x != s {
			out = append(out, x)
		}
	}
	return out
}
