package main

// End-to-end tests of condor_token_fetch / `token fetch`, the token
// directories of root and of an ordinary user, and the tools' location and
// connection failures, run as processes against `condor-auth serve`.
// Subtests are named after the cases of real-tools.md (F…, C…, L…) and the
// acceptance ids of acceptance.md (RB-…).

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var jtiRe = regexp.MustCompile(`^[0-9a-f]{32}$`)

// wantClaims checks a daemon-issued token's payload (tokens.md §4.2):
// exactly iat, iss, jti, sub, plus exp when lifetime ≥ 0 (exp − iat =
// lifetime) and scope when scope is not "".
func wantClaims(t *testing.T, tok, sub string, lifetime int64, scope string) {
	t.Helper()
	if h := segment(t, tok, 0); h != `{"alg":"HS256","kid":"POOL"}` {
		t.Fatalf("header %s", h)
	}
	c := claimsOf(t, tok)
	keys := 4
	if c["iss"] != "e2e.local" || c["sub"] != sub || num(c["iat"]) == 0 || !jtiRe.MatchString(fmt.Sprint(c["jti"])) {
		t.Fatalf("claims %v, want sub %q", c, sub)
	}
	if lifetime >= 0 {
		keys++
		if _, ok := c["exp"]; !ok || num(c["exp"])-num(c["iat"]) != lifetime {
			t.Fatalf("claims %v: want exp - iat = %d", c, lifetime)
		}
	}
	if scope != "" {
		keys++
		if c["scope"] != scope {
			t.Fatalf("claims %v: want scope %q", c, scope)
		}
		// picojson escapes '/' (tokens.md §4.3).
		if raw := segment(t, tok, 1); !strings.Contains(raw, `"scope":"`+strings.ReplaceAll(scope, "/", `\/`)+`"`) {
			t.Fatalf("payload %s: scope not written as picojson does", raw)
		}
	}
	if len(c) != keys {
		t.Fatalf("claims %v: unexpected claims", c)
	}
}

// oneToken checks a tool run that printed one token on stdout and nothing
// else, and returns it.
func oneToken(t *testing.T, r result) string {
	t.Helper()
	tok, ok := strings.CutSuffix(r.stdout, "\n")
	if r.code != 0 || r.stderr != "" || !ok || strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, "\n ") {
		t.Fatalf("want one token on stdout: %+v", r)
	}
	return tok
}

// TestTokenFetchCases runs the condor_token_fetch cases of real-tools.md
// §2.2 that need no real HTCondor against serve (root's tools; the
// identity is rootFQU, condor@htc.local in the recording).
func TestTokenFetchCases(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	who := selfFQU()
	port := regexp.MustCompile(`^<127\.0\.0\.1:([0-9]+)`).FindStringSubmatch(d.sinful(t))[1]

	for _, tc := range []struct {
		id       string
		args     []string
		lifetime int64
		scope    string
	}{
		{"F1 default", nil, -1, ""},
		{"F3 -lifetime 600", []string{"-lifetime", "600"}, 600, ""},
		{"F4 -authz READ -authz WRITE", []string{"-authz", "READ", "-authz", "WRITE"}, -1, "condor:/READ condor:/WRITE"},
		{"F5 lifetime and authz", []string{"-lifetime", "600", "-authz", "READ", "-authz", "WRITE"}, 600, "condor:/READ condor:/WRITE"},
		{"F12 -type collector", []string{"-type", "collector"}, -1, ""},
		{"F13 -type COLLECTOR ADVERTISE_STARTD 60", []string{"-type", "COLLECTOR", "-authz", "ADVERTISE_STARTD", "-lifetime", "60"}, 60, "condor:/ADVERTISE_STARTD"},
		{"F14 -type master", []string{"-type", "master"}, -1, ""},
		{"F15 -type credd", []string{"-type", "credd"}, -1, ""},
		{"F22 RB-34 -key POOL", []string{"-key", "POOL"}, -1, ""},
		{"F31 -lifetime 10s", []string{"-lifetime", "10s"}, 10, ""},
		{"F32 -lifetime -5", []string{"-lifetime", "-5"}, -1, ""},
		{"F33 -lifetime 0", []string{"-lifetime", "0"}, -1, ""},
		{"F41 -authz BOGUS", []string{"-authz", "BOGUS"}, -1, "condor:/BOGUS"},
		{"F42 -authz read", []string{"-authz", "read"}, -1, "condor:/read"},
		{"F43 -pool the collector", []string{"-pool", "127.0.0.1:" + port}, -1, ""},
		{"F44 -pool nothing listening", []string{"-pool", "127.0.0.1:1"}, -1, ""},
		{"F13b abbreviations -a -l -t", []string{"-a", "READ", "-l", "5", "-t", "collector"}, 5, "condor:/READ"},
	} {
		t.Run(tc.id, func(t *testing.T) {
			r := d.bare(t, nil, "", "condor_token_fetch", tc.args...)
			wantClaims(t, oneToken(t, r), who, tc.lifetime, tc.scope)
		})
	}

	for _, tc := range []struct {
		id, stderr string
		args       []string
	}{
		{"F10 -token ../evil", "Token name isn't a plain filename\n", []string{"-token", "../evil"}},
		{"F11 -file in a missing directory", "Cannot write token to /proc/nope/tok: No such file or directory (errno=2)\n", []string{"-file", "/proc/nope/tok"}},
		{"F16 RB-38 -name nosuchschedd", "ERROR: couldn't locate daemon nosuchschedd!\n", []string{"-name", "nosuchschedd"}},
		{"F17 -type collector -name nosuchcoll", "ERROR: couldn't locate daemon nosuchcoll!\n", []string{"-type", "collector", "-name", "nosuchcoll"}},
		{"F20 RB-34 -key NOSUCHKEY", "Failed to request a session token: DAEMON:3:Server will not sign with requested key.\n", []string{"-key", "NOSUCHKEY"}},
		// POOL AP is the default SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS
		// (tokens.md §2); AP has no key file here.
		{"F21 RB-35 -key AP", "Failed to request a session token: DAEMON:1:TOKEN:1:Failed to read file " + filepath.Join(d.local, "passwords.d", "AP") + " securely.\n", []string{"-key", "AP"}},
		{"F45 -pool unknown host", "ERROR: unknown host no.such.host.invalid\n", []string{"-pool", "no.such.host.invalid"}},
		{"F47 -remote -type collector", "condor_token_fetch: Remote fetch (-remote) is only valid with the schedd.\n", []string{"-remote", "-type", "collector"}},
	} {
		t.Run(tc.id, func(t *testing.T) {
			want(t, tc.id, d.bare(t, nil, "", "condor_token_fetch", tc.args...), 1, "", tc.stderr)
		})
	}

	// Token files (real-tools.md §15): -token NAME in SEC_TOKEN_DIRECTORY,
	// created 0600 in a 0700 directory, the token and one newline; an
	// existing file is rewritten in place and keeps its mode.
	tokens := filepath.Join(d.local, "tokens.d")
	t.Run("F6 -token into SEC_TOKEN_DIRECTORY", func(t *testing.T) {
		want(t, "F6", d.bare(t, nil, "", "condor_token_fetch", "-to", "fetched_root"), 0, "", "")
		p := filepath.Join(tokens, "fetched_root")
		wantFile(t, tokens, 0o700, os.Getuid())
		wantFile(t, p, 0o600, os.Getuid())
		data, _ := os.ReadFile(p)
		tok, ok := strings.CutSuffix(string(data), "\n")
		if !ok || strings.Contains(tok, "\n") {
			t.Fatalf("file content %q", data)
		}
		wantClaims(t, tok, who, -1, "")
	})
	// condor-auth replaces the file atomically where HTCondor truncates
	// it, keeping what can be observed: content, mode and owner
	// (pkg/idtoken writeToken).
	t.Run("F8 RB-4 existing file rewritten, mode kept", func(t *testing.T) {
		p := filepath.Join(tokens, "fetched_root")
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		want(t, "F8", d.bare(t, nil, "", "condor_token_fetch", "-token", "fetched_root", "-lifetime", "60"), 0, "", "")
		wantFile(t, p, 0o644, os.Getuid())
		data, _ := os.ReadFile(p)
		wantClaims(t, strings.TrimSuffix(string(data), "\n"), who, 60, "")
	})
	t.Run("F9 -file PATH", func(t *testing.T) {
		p := filepath.Join(d.local, "tok.file")
		want(t, "F9", d.bare(t, nil, "", "condor_token_fetch", "-file", p), 0, "", "")
		wantFile(t, p, 0o600, os.Getuid())
		// -token and -file override each other, the last one wins.
		want(t, "-file then -token", d.bare(t, nil, "", "condor_token_fetch", "-file", p+"2", "-token", "last"), 0, "", "")
		if _, err := os.Stat(p + "2"); !os.IsNotExist(err) {
			t.Fatalf("-file %s2 was written although -token came last: %v", p, err)
		}
		wantFile(t, filepath.Join(tokens, "last"), 0o600, os.Getuid())
	})

	// The modern verb: the same daemon answers, failures name the cause.
	t.Run("modern token fetch", func(t *testing.T) {
		r := d.modern(t, "", "token", "fetch", "--authz", "READ", "--lifetime", "2m", "-o", "json")
		wantClaims(t, jsonToken(t, r), who, 120, "condor:/READ")
		r = d.modern(t, "", "token", "fetch", "--token", "modern")
		if r.code != 0 || r.stdout != "" || r.stderr != "Token written to "+filepath.Join(tokens, "modern")+"\n" {
			t.Fatalf("token fetch --token: %+v", r)
		}
		wantFile(t, filepath.Join(tokens, "modern"), 0o600, os.Getuid())
		r = d.modern(t, "", "token", "fetch", "--key", "named")
		if r.code != 1 || !strings.Contains(r.stderr, "DAEMON:3:Server will not sign with requested key.") {
			t.Fatalf("token fetch --key named: %+v", r)
		}
	})
}

// TestTokenDirectories: where root and an ordinary user write, list and
// read tokens (real-tools.md §14, tokens.md §7, §9.8, §9.9) when
// SEC_TOKEN_DIRECTORY is not set: root uses SEC_TOKEN_SYSTEM_DIRECTORY, any
// other user ~/.condor/tokens.d — created 0700, files 0600, owned by the
// user. An ordinary user's token authenticates it; a token file with group
// or other bits is refused.
func TestTokenDirectories(t *testing.T) {
	t.Parallel()
	d := servePoolWith(t, "SEC_TOKEN_DIRECTORY =\nSEC_TOKEN_SYSTEM_DIRECTORY = $(LOCAL_DIR)/system_tokens.d\n")
	d.start(t)
	defer d.stop(t)
	nobody := d.nobody(t)
	system := filepath.Join(d.local, "system_tokens.d")
	user := filepath.Join(nobody.home, ".condor", "tokens.d")

	t.Run("RB-3 F6 root -token creates SEC_TOKEN_SYSTEM_DIRECTORY", func(t *testing.T) {
		want(t, "fetch", d.bare(t, nil, "", "condor_token_fetch", "-token", "fetched_root"), 0, "", "")
		want(t, "C3 create", d.bare(t, nil, "", "condor_token_create", "-identity", "carol@e2e.local", "-token", "created_carol"), 0, "", "")
		wantFile(t, system, 0o700, os.Getuid())
		wantFile(t, filepath.Join(system, "fetched_root"), 0o600, os.Getuid())
		wantFile(t, filepath.Join(system, "created_carol"), 0o600, os.Getuid())
		// L1: root lists the system directory; every line names its file.
		r := d.bare(t, nil, "", "condor_token_list")
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if r.code != 0 || r.stderr != "" || len(lines) != 2 {
			t.Fatalf("L1: %+v", r)
		}
		for _, name := range []string{"fetched_root", "created_carol"} {
			if !strings.Contains(r.stdout, " File: "+filepath.Join(system, name)+"\n") {
				t.Fatalf("L1 lacks %s: %q", name, r.stdout)
			}
		}
	})

	t.Run("F7 user -token creates ~/.condor/tokens.d", func(t *testing.T) {
		r := nobody.tool(t, nil, "", "condor_token_fetch", "-token", "mytok")
		want(t, "F7", r, 0, "", "")
		wantFile(t, user, 0o700, nobody.uid)
		p := filepath.Join(user, "mytok")
		wantFile(t, p, 0o600, nobody.uid)
		data, _ := os.ReadFile(p)
		wantClaims(t, strings.TrimSuffix(string(data), "\n"), nobody.fqu(), -1, "")
		// L2: the user lists its own directory, root's tokens are not there.
		r = nobody.tool(t, nil, "", "condor_token_list")
		if r.code != 0 || r.stderr != "" || strings.Count(r.stdout, "\n") != 1 || !strings.HasSuffix(r.stdout, " File: "+p+"\n") {
			t.Fatalf("L2: %+v", r)
		}
	})

	// The user's token authenticates it when TOKEN is its only method.
	onlyToken := []string{"_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=TOKEN"}
	pingAs := func(t *testing.T) result {
		return nobody.modern(t, onlyToken, "", "ping", "--type", "collector", "-o", "json", "WRITE")
	}
	t.Run("user token authenticates", func(t *testing.T) {
		r := pingAs(t)
		if r.code != 0 || !strings.Contains(r.stdout, `"identity": "`+nobody.fqu()+`"`) || !strings.Contains(r.stdout, `"method": "IDTOKENS"`) {
			t.Fatalf("ping with the user's token: %+v", r)
		}
	})

	t.Run("F8 mode kept, then refused for authentication", func(t *testing.T) {
		p := filepath.Join(user, "mytok")
		if err := os.Chmod(p, 0o644); err != nil {
			t.Fatal(err)
		}
		want(t, "F8", nobody.tool(t, nil, "", "condor_token_fetch", "-token", "mytok"), 0, "", "")
		wantFile(t, p, 0o644, nobody.uid)
		// tokens.md §7 step 3: group/other bits make the file unusable,
		// so the user has no method left.
		r := nobody.modern(t, onlyToken, "", "ping", "--type", "collector", "--explain", "WRITE")
		if r.code == 0 || !strings.Contains(r.stderr, "explain: TOKEN: skipped "+p+": cannot read securely: mode 0644 allows group/other access") {
			t.Fatalf("ping with a 0644 token file: %+v", r)
		}
		if err := os.Chmod(p, 0o600); err != nil {
			t.Fatal(err)
		}
		if r := pingAs(t); r.code != 0 {
			t.Fatalf("ping after chmod 600: %+v", r)
		}
	})

	t.Run("C7 user cannot read the POOL key", func(t *testing.T) {
		want(t, "C7", nobody.tool(t, nil, "", "condor_token_create", "-identity", nobody.fqu()), 2, "",
			"Failed to generate a token.\nTOKEN:1:Failed to read file "+filepath.Join(d.local, "passwords.d", "POOL")+" securely.\n")
	})

	t.Run("F9 user -file relative to the working directory", func(t *testing.T) {
		want(t, "F9", nobody.tool(t, nil, "", "condor_token_fetch", "-file", "tok.file"), 0, "", "")
		wantFile(t, filepath.Join(nobody.home, "tok.file"), 0o600, nobody.uid)
		// L4: the path is printed as given.
		r := nobody.tool(t, nil, "", "condor_token_list", "-file", "tok.file")
		if r.code != 0 || !strings.HasSuffix(r.stdout, " File: tok.file\n") {
			t.Fatalf("L4: %+v", r)
		}
	})
}

// TestTokenDirectoryConfigured: a configured SEC_TOKEN_DIRECTORY is every
// user's token directory (real-tools.md §14), so an ordinary user cannot
// write into root's.
func TestTokenDirectoryConfigured(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	nobody := d.nobody(t)
	want(t, "root", d.bare(t, nil, "", "condor_token_fetch", "-token", "root"), 0, "", "")
	dir := filepath.Join(d.local, "tokens.d")
	r := nobody.tool(t, nil, "", "condor_token_fetch", "-token", "mine")
	want(t, "user into root's SEC_TOKEN_DIRECTORY", r, 1, "",
		"Cannot write token to "+filepath.Join(dir, "mine")+": Permission denied (errno=13)\n")
	if _, err := os.Stat(filepath.Join(nobody.home, ".condor", "tokens.d")); !os.IsNotExist(err) {
		t.Fatalf("~/.condor/tokens.d was used: %v", err)
	}
}

// usageOf is the recorded usage text of a tool (real-tools.md §2.1–§8.1,
// copied into commands/legacy/testdata/usage), as printed when the tool
// is invoked by its bare name.
func usageOf(t *testing.T, tool string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("commands", "legacy", "testdata", "usage", tool+".txt"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestTokenToolsArguments: argument errors through the processes, byte for
// byte (real-tools.md §2.2 F24–F52, §3.2, §4.2, §5.2, §6.2, §7.2, §8.2;
// tokens.md §9.1, §10): usage on stderr and exit 1 (condor_token_list
// -help: stdout, exit 0), argv[0] as invoked. No daemon is needed.
func TestTokenToolsArguments(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	const U = "\x00usage"
	for _, tc := range []struct {
		id, tool       string
		args           []string
		code           int
		stdout, stderr string
	}{
		{"F24 -help", "condor_token_fetch", []string{"-help"}, 1, "", U},
		{"F25 -h", "condor_token_fetch", []string{"-h"}, 1, "", U},
		{"F26 -bogus", "condor_token_fetch", []string{"-bogus"}, 1, "", "condor_token_fetch: Invalid command line argument: -bogus\n" + U},
		{"F27 foo", "condor_token_fetch", []string{"foo"}, 1, "", "condor_token_fetch: Invalid command line argument: foo\n" + U},
		{"F28 -authz", "condor_token_fetch", []string{"-authz"}, 1, "", "condor_token_fetch: -authz requires an authorization name argument\n"},
		{"F29 -lifetime", "condor_token_fetch", []string{"-lifetime"}, 1, "", "condor_token_fetch: -lifetime requires an integer in seconds.\n"},
		{"F30 -lifetime abc", "condor_token_fetch", []string{"-lifetime", "abc"}, 1, "", "condor_token_fetch: Invalid argument for -lifetime: abc.\n"},
		{"F34 -type bogus", "condor_token_fetch", []string{"-type", "bogus"}, 1, "", "ERROR: unrecognized daemon type: bogus\n" + U},
		{"F35 -type", "condor_token_fetch", []string{"-type"}, 1, "", "condor_token_fetch: -type requires a daemon type argument.\n"},
		{"F36 -token", "condor_token_fetch", []string{"-token"}, 1, "", "condor_token_fetch: -token requires a file name argument.\n"},
		{"F37 -name", "condor_token_fetch", []string{"-name"}, 1, "", "condor_token_fetch: -name requires a daemon name argument.\n"},
		{"F38 -key", "condor_token_fetch", []string{"-key"}, 1, "", "condor_token_fetch: -key requires a key name argument.\n"},
		{"F39 -pool", "condor_token_fetch", []string{"-pool"}, 1, "", "condor_token_fetch: -pool requires a pool name argument.\n"},
		{"F40 -file", "condor_token_fetch", []string{"-file"}, 1, "", "condor_token_fetch: -file requires a file name argument.\n"},
		{"F48 -t is -type", "condor_token_fetch", []string{"-t"}, 1, "", "condor_token_fetch: -type requires a daemon type argument.\n"},
		{"F49 -to is -token", "condor_token_fetch", []string{"-to"}, 1, "", "condor_token_fetch: -token requires a file name argument.\n"},
		{"F50 --help", "condor_token_fetch", []string{"--help"}, 1, "", U},
		{"F51 --he", "condor_token_fetch", []string{"--he"}, 1, "", "condor_token_fetch: Invalid command line argument: --he\n" + U},
		{"F52 -HELP", "condor_token_fetch", []string{"-HELP"}, 1, "", "condor_token_fetch: Invalid command line argument: -HELP\n" + U},
		{"C4 RB-9 no arguments", "condor_token_create", nil, 1, "", U},
		{"C8 -help", "condor_token_create", []string{"-help"}, 1, "", U},
		{"C9 -i x", "condor_token_create", []string{"-i", "x"}, 1, "", "condor_token_create: Invalid command line argument: -i\n" + U},
		{"C11 RB-9 bare -identity", "condor_token_create", []string{"-identity"}, 1, "", U},
		{"C13 -authz", "condor_token_create", []string{"-identity", "a@b", "-authz"}, 1, "", "condor_token_create: -authz requires an authorization name argument\n"},
		{"C14 -lifetime x", "condor_token_create", []string{"-identity", "a@b", "-lifetime", "x"}, 1, "", "condor_token_create: Invalid argument for -lifetime: x.\n"},
		{"L6 RB-12 -help", "condor_token_list", []string{"-help"}, 0, U, ""},
		{"L7 -bogus", "condor_token_list", []string{"-bogus"}, 1, "", "condor_token_list: Invalid command line argument: -bogus\n" + U},
		{"L11 -di", "condor_token_list", []string{"-di"}, 1, "", "condor_token_list: -dir requires path argument.\n" + U},
		{"L12 -f", "condor_token_list", []string{"-f"}, 1, "", "condor_token_list: -file requires file argument.\n" + U},
		{"R14 -help", "condor_token_request", []string{"-help"}, 1, "", U},
		{"R15 -bogus", "condor_token_request", []string{"-bogus"}, 1, "", "condor_token_request: Invalid command line argument: -bogus\n" + U},
		{"R16 -lifetime abc", "condor_token_request", []string{"-lifetime", "abc"}, 1, "", "condor_token_request: Invalid argument for -lifetime: abc.\n"},
		{"R17 -identity", "condor_token_request", []string{"-identity"}, 1, "", "condor_token_request: -identity requires an argument.\n"},
		{"RL14 -help", "condor_token_request_list", []string{"-help"}, 1, "", U},
		{"RL15 -bogus", "condor_token_request_list", []string{"-bogus"}, 1, "", "condor_token_request_list: Invalid command line argument: -bogus\n" + U},
		{"RL16 -js", "condor_token_request_list", []string{"-js"}, 1, "", "condor_token_request_list: Invalid command line argument: -js\n" + U},
		{"RL17 --json", "condor_token_request_list", []string{"--json"}, 1, "", "condor_token_request_list: Invalid command line argument: --json\n" + U},
		{"A13 -help", "condor_token_request_approve", []string{"-help"}, 1, "", U},
		{"A14 -bogus", "condor_token_request_approve", []string{"-bogus"}, 1, "", "condor_token_request_approve: Invalid command line argument: -bogus\n" + U},
		{"A15 -reqid", "condor_token_request_approve", []string{"-reqid"}, 1, "", "condor_token_request_approve: -reqid requires a request ID argument.\n"},
		{"AA1 -help", "condor_token_request_auto_approve", []string{"-help"}, 1, "", U},
		{"AA2 RB-48 no -netblock", "condor_token_request_auto_approve", nil, 1, "",
			"condor_token_request_auto_approve: -netblock argument is required.\nExample: condor_token_request_auto_approve -netblock 192.168.0.0/24\n"},
		{"AA9 -n", "condor_token_request_auto_approve", []string{"-n"}, 1, "", "condor_token_request_auto_approve: -name requires a daemon name argument.\n"},
		{"AA10 -ne", "condor_token_request_auto_approve", []string{"-ne"}, 1, "", "condor_token_request_auto_approve: -netblock request an argument.\n"},
		{"AA11 -l", "condor_token_request_auto_approve", []string{"-l"}, 1, "", "condor_token_request_auto_approve: -lifetime requires an argument.\n"},
	} {
		t.Run(tc.id+" "+tc.tool, func(t *testing.T) {
			u := usageOf(t, tc.tool)
			want(t, tc.tool, d.bare(t, nil, "", tc.tool, tc.args...), tc.code,
				strings.ReplaceAll(tc.stdout, U, u), strings.ReplaceAll(tc.stderr, U, u))
		})
	}
	// real-tools.md §11: argv[0] exactly as invoked (here a full path).
	p := filepath.Join(d.bin, "condor_token_request_list")
	r := d.tool(t, "", "condor_token_request_list", "-bogus")
	want(t, "argv[0] as invoked", r, 1, "", p+": Invalid command line argument: -bogus\n"+
		strings.Replace(usageOf(t, "condor_token_request_list"), "Usage: condor_token_request_list", "Usage: "+p, 1))
}

// TestTokenToolsLocate: the location and connection failures of every
// network tool (tokens.md §10 rows 1–3, §9.1; real-tools.md F16–F19, R18,
// RB-38): nothing running, a daemon that is not where its address file
// says, and a -name nobody has.
func TestTokenToolsLocate(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	tools := []struct {
		tool, prefix string
		args         []string
	}{
		{"condor_token_fetch", "Failed to request a session token: ", nil},
		{"condor_token_request", "Failed to request a new token: ", []string{"-identity", "x"}},
		{"condor_token_request_list", "Failed to list token requests: ", nil},
		{"condor_token_request_approve", "Failed to locate request corresponding to ID 1: ", []string{"-reqid", "1"}},
		{"condor_token_request_auto_approve", "Failed to create new auto-approval rule: ", []string{"-netblock", "127.0.0.0/8"}},
	}
	// Not running: the schedd has no address file (RB-38); the collector
	// is COLLECTOR_HOST itself, here port 0, which nothing answers.
	for _, tc := range tools {
		stderr := tc.prefix + "DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:0>'\n"
		if tc.tool == "condor_token_fetch" {
			stderr = "ERROR: couldn't locate default daemon type.\n"
		}
		t.Run("RB-38 not running "+tc.tool, func(t *testing.T) {
			want(t, tc.tool, d.bare(t, nil, "", tc.tool, tc.args...), 1, "", stderr)
		})
		t.Run("-pool unknown host "+tc.tool, func(t *testing.T) {
			args := append([]string{"-pool", "no.such.host.invalid"}, tc.args...)
			want(t, tc.tool, d.bare(t, nil, "", tc.tool, args...), 1, "", "ERROR: unknown host no.such.host.invalid\n")
		})
		t.Run("-pool 127.0.0.1:1 "+tc.tool, func(t *testing.T) {
			args := append([]string{"-pool", "127.0.0.1:1", "-type", "collector"}, tc.args...)
			want(t, tc.tool, d.bare(t, nil, "", tc.tool, args...), 1, "", tc.prefix+"DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:1>'\n")
		})
	}

	d.start(t)
	for _, tc := range tools {
		t.Run("F16 R18 -name nosuch "+tc.tool, func(t *testing.T) {
			args := append([]string{"-name", "nosuch"}, tc.args...)
			want(t, tc.tool, d.bare(t, nil, "", tc.tool, args...), 1, "", "ERROR: couldn't locate daemon nosuch!\n")
		})
	}

	// A daemon that died without removing its address files: the tools
	// connect where the files say and report the refused connection.
	files := []string{filepath.Join(d.local, "log", ".collector_address"), filepath.Join(d.local, "spool", ".schedd_address"),
		filepath.Join(d.local, "spool", ".schedd_address.super")}
	saved := map[string]string{}
	for _, p := range files {
		saved[p] = readFile(p)
	}
	d.stop(t)
	for p, content := range saved {
		_, rest, _ := strings.Cut(content, "\n")
		if err := os.WriteFile(p, []byte("<127.0.0.1:1>\n"+rest), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("stale address file condor_token_fetch", func(t *testing.T) {
		want(t, "fetch", d.bare(t, nil, "", "condor_token_fetch"), 1, "",
			"Failed to request a session token: DAEMON:1:Failed to connect to remote daemon at '<127.0.0.1:1>'\n")
	})
}
