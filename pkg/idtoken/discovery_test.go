package idtoken

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var defaultExclude = regexp.MustCompile(`^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|(.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$`)

func TestDirConfigDir(t *testing.T) {
	for _, tc := range []struct {
		d    DirConfig
		want string
	}{
		{DirConfig{TokenDir: "/t", SystemDir: "/s", Home: "/h"}, "/t"},
		{DirConfig{TokenDir: "/t", SystemDir: "/s", IsRoot: true, Home: "/root"}, "/t"},
		{DirConfig{SystemDir: "/s", Home: "/home/u"}, "/home/u/.condor/tokens.d"},
		{DirConfig{SystemDir: "/s", Home: "/"}, "//.condor/tokens.d"},
		{DirConfig{SystemDir: "/s", IsRoot: true, Home: "/root"}, "/s"},
		{DirConfig{SystemDir: "/s"}, "/s"},
	} {
		if got := tc.d.Dir(); got != tc.want {
			t.Errorf("%+v.Dir() = %q, want %q", tc.d, got, tc.want)
		}
	}
}

// mintFor returns a token for sub, issuer iss, key kid; lifetime < 0 = no exp.
func mintFor(t testing.TB, sub, iss, kid string, lifetime int64, now time.Time) string {
	t.Helper()
	s, err := Mint(testKey, MintOptions{Issuer: iss, Subject: sub, KeyID: kid, Lifetime: lifetime, Now: now, Jti: "j-" + sub})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writeFile(t testing.TB, path, content string, mode os.FileMode) {
	t.Helper()
	must(t, os.WriteFile(path, []byte(content), 0o600))
	must(t, os.Chmod(path, mode))
}

type cand struct {
	File   string
	Line   int
	Sub    string
	Reason string
}

func summarize(dir string, cs []Candidate) []cand {
	var out []cand
	for _, c := range cs {
		x := cand{File: strings.TrimPrefix(strings.TrimPrefix(c.Path, dir), "/"), Line: c.Line, Reason: c.Reason}
		if c.Token != nil {
			x.Sub = c.Token.Claims.Sub
		}
		out = append(out, x)
	}
	return out
}

func TestFindTokens(t *testing.T) {
	now := time.Unix(1700000000, 0)
	dir := t.TempDir()
	uid := os.Getuid()
	good := func(sub string) string { return mintFor(t, sub, "example.org", "POOL", -1, now) }
	writeFile(t, filepath.Join(dir, "a_wrong_domain"), "# comment\n\n"+mintFor(t, "w", "other.org", "POOL", -1, now)+"\n", 0o600)
	writeFile(t, filepath.Join(dir, "b_badmode"), good("badmode")+"\n", 0o640)
	writeFile(t, filepath.Join(dir, "c_mixed"), "garbage\n  "+mintFor(t, "k", "example.org", "other", -1, now)+"  \r\n"+good("carol")+"\n"+good("late")+"\n", 0o600)
	writeFile(t, filepath.Join(dir, "d_next"), good("dave")+"\n", 0o600)
	writeFile(t, filepath.Join(dir, "x.sh"), good("script")+"\n", 0o600)
	must(t, os.Mkdir(filepath.Join(dir, "0subdir"), 0o700))

	d := DirConfig{TokenDir: dir, Exclude: defaultExclude, Now: now}
	best, considered := FindTokens(d, "TOOL", uid, "example.org", []string{"AP", "POOL"})
	if best == nil || best.Token.Claims.Sub != "carol" || best.Line != 3 || best.Reason != "" {
		t.Fatalf("best = %+v", best)
	}
	want := []cand{
		{File: "x.sh", Reason: "name matches LOCAL_CONFIG_DIR_EXCLUDE_REGEXP"},
		{File: "a_wrong_domain", Line: 3, Sub: "w", Reason: `issued by trust domain "other.org", the server's is "example.org"`},
		{File: "b_badmode", Reason: "cannot read securely: mode 0640 allows group/other access (must be 0600 or stricter)"},
		{File: "c_mixed", Line: 1, Reason: "undecodable: token has 1 segment, expected 3 (header.payload.signature)"},
		{File: "c_mixed", Line: 2, Sub: "k", Reason: `signed with key "other", which the server does not have (server keys: AP, POOL)`},
		{File: "c_mixed", Line: 3, Sub: "carol"},
	}
	if diff := cmp.Diff(want, summarize(dir, considered)); diff != "" {
		t.Errorf("considered (-want +got):\n%s", diff)
	}

	// The subsystem's auto-generated token comes first (case-insensitive),
	// wrong owners are reported, empty lists mean "any".
	writeFile(t, filepath.Join(dir, "tool_AUTO_generated_TOKEN"), mintFor(t, "auto", "anything", "k9", -1, now)+"\n", 0o600)
	best, _ = FindTokens(d, "TOOL", uid, "", nil)
	if best == nil || best.Token.Claims.Sub != "auto" {
		t.Fatalf("auto token not preferred: %+v", best)
	}
	best, considered = FindTokens(d, "TOOL", uid+1, "", nil)
	if best != nil {
		t.Fatalf("wrong owner accepted: %+v", best)
	}
	if got := considered[1].Reason; got != "cannot read securely: owned by uid "+strconv.Itoa(uid)+", not "+strconv.Itoa(uid+1) {
		t.Errorf("owner reason = %q", got)
	}
	best, _ = FindTokens(d, "TOOL", -1, "example.org", []string{"POOL"})
	if best == nil || best.Token.Claims.Sub != "carol" {
		t.Errorf("auto token with wrong kid/iss should be skipped: %+v", best)
	}
}

func TestFindTokensExpired(t *testing.T) {
	now := time.Unix(1700000000, 0)
	dir := t.TempDir()
	past := now.Add(-time.Hour)
	writeFile(t, filepath.Join(dir, "a"), mintFor(t, "old1", "d", "POOL", 60, past)+"\n"+mintFor(t, "old2", "d", "POOL", 60, past)+"\n", 0o600)
	d := DirConfig{TokenDir: dir, Exclude: defaultExclude, Now: now}

	// Only expired tokens: the first one is used, as HTCondor would.
	best, considered := FindTokens(d, "TOOL", -1, "d", nil)
	if best == nil || best.Token.Claims.Sub != "old1" || !best.Expired || best.Reason != "" {
		t.Fatalf("best = %+v", best)
	}
	if len(considered) != 2 || considered[1].Reason != "expired at 2023-11-14T21:14:20Z; an earlier expired token comes first" {
		t.Errorf("considered = %+v", summarize(dir, considered))
	}

	// An unexpired token later on is preferred.
	writeFile(t, filepath.Join(dir, "b"), mintFor(t, "fresh", "d", "POOL", 60, now)+"\n", 0o600)
	best, considered = FindTokens(d, "TOOL", -1, "d", nil)
	if best == nil || best.Token.Claims.Sub != "fresh" || best.Expired {
		t.Fatalf("best = %+v", best)
	}
	want := []cand{
		{File: "a", Line: 1, Sub: "old1", Reason: "expired at 2023-11-14T21:14:20Z; a later unexpired token is preferred"},
		{File: "a", Line: 2, Sub: "old2", Reason: "expired at 2023-11-14T21:14:20Z; an earlier expired token comes first"},
		{File: "b", Line: 1, Sub: "fresh"},
	}
	if diff := cmp.Diff(want, summarize(dir, considered)); diff != "" {
		t.Errorf("considered (-want +got):\n%s", diff)
	}
}

func TestFindTokensNothing(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		d      DirConfig
		reason string
	}{
		{DirConfig{TokenDir: dir}, "LOCAL_CONFIG_DIR_EXCLUDE_REGEXP is unset, so HTCondor searches no token directory"},
		{DirConfig{TokenDir: filepath.Join(dir, "none"), Exclude: defaultExclude}, "cannot open token directory: No such file or directory"},
		{DirConfig{Exclude: defaultExclude, IsRoot: true}, "no token directory is configured (SEC_TOKEN_SYSTEM_DIRECTORY is unset)"},
	} {
		best, considered := FindTokens(tc.d, "TOOL", -1, "", nil)
		if best != nil || len(considered) != 1 || considered[0].Reason != tc.reason {
			t.Errorf("FindTokens(%+v) = %+v, %+v", tc.d, best, considered)
		}
	}
	writeFile(t, filepath.Join(dir, "empty"), "# nothing\n\n", 0o600)
	best, considered := FindTokens(DirConfig{TokenDir: dir, Exclude: defaultExclude}, "TOOL", -1, "", nil)
	if best != nil || len(considered) != 1 || considered[0].Reason != "no token lines in the file" {
		t.Errorf("empty file: %+v %+v", best, considered)
	}
}

func TestCheckToken(t *testing.T) {
	now := time.Unix(1, 0)
	for _, tc := range []struct {
		tok, reason string
	}{
		{mintFor(t, "a", "d", "POOL", -1, now), ""},
		{signed(t, `{"alg":"HS256"}`, payMin, "HS256", testKey), `no "kid" in the header`},
		{signed(t, hdrPOOL, `{"jti":"j","sub":"s"}`, "HS256", testKey), `no "iss" (issuer)`},
		{signed(t, hdrPOOL, `{"iss":"d"}`, "HS256", testKey), `no "sub" and no "jti"`},
		{signed(t, hdrPOOL, `{"iss":"d","jti":"capability-id"}`, "HS256", testKey), ""},
		{signed(t, hdrPOOL, `{"iss":"d","sub":7}`, "HS256", testKey), `undecodable: token claim "sub" is a number, not a string`},
	} {
		if _, reason := CheckToken(tc.tok, "d", []string{"POOL"}); reason != tc.reason {
			t.Errorf("CheckToken(%s) = %q, want %q", tc.tok, reason, tc.reason)
		}
	}
}
