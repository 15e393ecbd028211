package main

// Acceptance cases of the local token tools and of token fetch
// (acceptance.md A.2–A.4 FK-…, PB-…, AC-…; B.1–B.3 RB-1…RB-12; B.6 RB-33,
// RB-36), as processes against `condor-auth serve`.

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hs256Key derives a token signing key from a key file the way tokens.md
// §5.3 says, independently of pkg/idtoken: unscramble (XOR DE AD BE EF),
// double for POOL, HKDF-SHA256(salt "htcondor", info "master jwt", 32).
func hs256Key(t *testing.T, file string, double bool) []byte {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	pattern := []byte{0xde, 0xad, 0xbe, 0xef}
	for i := range raw {
		raw[i] ^= pattern[i%4]
	}
	if double {
		raw = append(raw, raw...)
	}
	key, err := hkdf.Key(sha256.New, raw, []byte("htcondor"), "master jwt", 32)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// signedWith reports whether tok's signature is HS256 with key.
func signedWith(t *testing.T, tok string, key []byte) bool {
	t.Helper()
	i := strings.LastIndexByte(tok, '.')
	sig, err := base64.RawURLEncoding.DecodeString(tok[i+1:])
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(tok[:i]))
	return hmac.Equal(m.Sum(nil), sig)
}

// TestAcceptanceFetchKey is test_condor_token_fetch_key.py (acceptance.md
// A.2): -key selects the signing key among SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS.
func TestAcceptanceFetchKey(t *testing.T) {
	t.Parallel()
	d := servePoolWith(t, "SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS = POOL, test_key\n")
	keyFile := filepath.Join(d.local, "passwords.d", "test_key")
	if err := os.MkdirAll(filepath.Dir(keyFile), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte("test_key_value"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.start(t)
	defer d.stop(t)

	// FK-4: the test lists each token with condor_token_list -dir, next to
	// a sub-directory "condor" and under the name token.tmp, and splits the
	// line on single spaces.
	dir := filepath.Join(d.local, "fk")
	if err := os.MkdirAll(filepath.Join(dir, "condor"), 0o700); err != nil {
		t.Fatal(err)
	}
	fetch := func(t *testing.T, args ...string) (tok string, header, payload map[string]any) {
		t.Helper()
		tok = oneToken(t, d.bare(t, nil, "", "condor_token_fetch", args...))
		if err := os.WriteFile(filepath.Join(dir, "token.tmp"), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := d.bare(t, nil, "", "condor_token_list", "-dir", dir)
		fields := strings.Split(strings.TrimSpace(r.stdout), " ")
		if r.code != 0 || len(fields) != 6 || fields[0] != "Header:" || fields[2] != "Payload:" || fields[4] != "File:" || fields[5] != filepath.Join(dir, "token.tmp") {
			t.Fatalf("FK-4 condor_token_list -dir: %+v", r)
		}
		if err := json.Unmarshal([]byte(fields[1]), &header); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(fields[3]), &payload); err != nil {
			t.Fatal(err)
		}
		delete(payload, "iat")
		delete(payload, "jti")
		return tok, header, payload
	}
	var (
		h0, p0, hPool, pPool, hTest, pTest map[string]any
		tokPool, tokTest                   string
	)
	t.Run("FK-1 FK-4 fetch with each key, list each token", func(t *testing.T) {
		_, h0, p0 = fetch(t)
		tokPool, hPool, pPool = fetch(t, "-key", "POOL")
		tokTest, hTest, pTest = fetch(t, "-key", "test_key")
	})
	t.Run("FK-2 default equals POOL", func(t *testing.T) {
		if !jsonEqual(h0, hPool) || !jsonEqual(p0, pPool) || hPool["kid"] != "POOL" {
			t.Fatalf("default %v %v, -key POOL %v %v", h0, p0, hPool, pPool)
		}
	})
	t.Run("FK-3 test_key differs, not doubled", func(t *testing.T) {
		if hTest["kid"] != "test_key" || !jsonEqual(pTest, pPool) {
			t.Fatalf("-key test_key %v %v", hTest, pTest)
		}
		if !signedWith(t, tokTest, hs256Key(t, keyFile, false)) || signedWith(t, tokTest, hs256Key(t, keyFile, true)) {
			t.Fatal("the test_key token is not signed with the undoubled named key")
		}
		if !signedWith(t, tokPool, hs256Key(t, filepath.Join(d.local, "passwords.d", "POOL"), true)) {
			t.Fatal("the POOL token is not signed with the doubled POOL key")
		}
	})
}

// jsonEqual compares two decoded JSON objects.
func jsonEqual(a, b map[string]any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// TestAcceptanceLocalTools covers test_python_bindings_token.py,
// test_admin_capability.py's token step and the observed behaviour of
// condor_token_create and condor_token_list (acceptance.md PB-1, PB-2,
// AC-1, AC-5, RB-1…RB-11), with SEC_TOKEN_DIRECTORY unset.
func TestAcceptanceLocalTools(t *testing.T) {
	t.Parallel()
	if os.Geteuid() != 0 {
		t.Skip("root's token directory is SEC_TOKEN_SYSTEM_DIRECTORY; run as root (as CI does)")
	}
	d := servePoolWith(t, "SEC_TOKEN_DIRECTORY =\nCOLLECTOR.ALLOW_ADMINISTRATOR = $(ALLOW_ADMINISTRATOR) joe@here\n")
	d.start(t)
	defer d.stop(t)
	system := filepath.Join(d.local, "tokens.d")
	passwords := filepath.Join(d.local, "passwords.d")
	if r := d.modern(t, "", "token", "keygen", "--key", "named"); r.code != 0 {
		t.Fatalf("keygen: %+v", r)
	}

	t.Run("PB-1 PB-2 token on stdout, sub is the identity", func(t *testing.T) {
		tok := oneToken(t, d.bare(t, nil, "", "condor_token_create", "-identity", "vulture@foo"))
		// PB-2 used the token in memory through the bindings; here it sits
		// in a token directory of its own.
		tokDir := filepath.Join(d.local, "pb")
		if err := os.Mkdir(tokDir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tokDir, "vulture"), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		r := run(t, d.envWith("_CONDOR_SEC_TOKEN_DIRECTORY="+tokDir, "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=TOKEN"), "", binary, "ping", "--type", "collector", "-o", "json", "WRITE")
		if r.code != 0 || !strings.Contains(r.stdout, `"identity": "vulture@foo"`) || !strings.Contains(r.stdout, `"method": "IDTOKENS"`) {
			t.Fatalf("PB-2 ping: %+v", r)
		}
	})
	t.Run("AC-1 AC-5 joe@here administers the collector", func(t *testing.T) {
		want(t, "AC-1", d.bare(t, nil, "", "condor_token_create", "-identity", "joe@here", "-token", "joe"), 0, "", "")
		wantFile(t, filepath.Join(system, "joe"), 0o600, os.Getuid())
		// AC-2…AC-4 drive condor_reconfig/condor_drain/condor_config_val;
		// what they rely on here: the token, the IDTOKEN spelling, no key.
		env := d.envWith("_CONDOR_SEC_PASSWORD_DIRECTORY=/nothere", "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=IDTOKEN")
		r := run(t, env, "", binary, "ping", "--type", "collector", "-o", "json", "ADMINISTRATOR")
		if r.code != 0 || !strings.Contains(r.stdout, `"identity": "joe@here"`) || !strings.Contains(r.stdout, `"authorized": true`) {
			t.Fatalf("AC-5 ping ADMINISTRATOR: %+v", r)
		}
	})

	var pooled, named string
	t.Run("RB-1 headers, sorted claims, escaped scopes", func(t *testing.T) {
		pooled = oneToken(t, d.bare(t, nil, "", "condor_token_create", "-identity", "alice@e2e.local", "-authz", "READ", "-authz", "WRITE", "-lifetime", "600"))
		named = oneToken(t, d.bare(t, nil, "", "condor_token_create", "-identity", "alice@e2e.local", "-key", "named"))
		if h := segment(t, pooled, 0); h != `{"alg":"HS256","kid":"POOL"}` {
			t.Fatalf("POOL header %s", h)
		}
		if h := segment(t, named, 0); h != `{"alg":"HS256","kid":"named"}` {
			t.Fatalf("named header %s", h)
		}
		raw := segment(t, pooled, 1)
		keys := []string{`"exp":`, `"iat":`, `"iss":`, `"jti":`, `"scope":"condor:\/READ condor:\/WRITE"`, `"sub":"alice@e2e.local"`}
		last := -1
		for _, k := range keys {
			i := strings.Index(raw, k)
			if i <= last {
				t.Fatalf("payload %s: %s missing or out of order", raw, k)
			}
			last = i
		}
	})
	t.Run("RB-2 POOL doubled, named not", func(t *testing.T) {
		pool := hs256Key(t, filepath.Join(passwords, "POOL"), true)
		if !signedWith(t, pooled, pool) || signedWith(t, pooled, hs256Key(t, filepath.Join(passwords, "POOL"), false)) {
			t.Fatal("the POOL token is not signed with HKDF(K‖K) only")
		}
		if !signedWith(t, named, hs256Key(t, filepath.Join(passwords, "named"), false)) || signedWith(t, named, hs256Key(t, filepath.Join(passwords, "named"), true)) {
			t.Fatal("the named token is not signed with HKDF(K) only")
		}
	})
	t.Run("RB-3 RB-4 -token t1 twice", func(t *testing.T) {
		want(t, "first", d.bare(t, nil, "", "condor_token_create", "-identity", "alice@e2e.local", "-authz", "READ", "-token", "t1"), 0, "", "")
		wantFile(t, system, 0o700, os.Getuid())
		wantFile(t, filepath.Join(system, "t1"), 0o600, os.Getuid())
		first, _ := os.ReadFile(filepath.Join(system, "t1"))
		want(t, "second", d.bare(t, nil, "", "condor_token_create", "-identity", "bob@e2e.local", "-token", "t1"), 0, "", "")
		second, _ := os.ReadFile(filepath.Join(system, "t1"))
		if len(second) >= len(first) || strings.Count(string(second), "\n") != 1 || !strings.HasSuffix(string(second), "\n") {
			t.Fatalf("rewritten file %q (was %d bytes)", second, len(first))
		}
		wantClaims(t, strings.TrimSuffix(string(second), "\n"), "bob@e2e.local", -1, "")
	})
	t.Run("RB-5 RB-6 RB-7 RB-8 failures and an empty sub", func(t *testing.T) {
		want(t, "RB-5", d.bare(t, nil, "", "condor_token_create", "-identity", "a@b", "-token", "a/b"), 1, "", "Token name isn't a plain filename\n")
		want(t, "RB-6", d.bare(t, nil, "", "condor_token_create", "-identity", "a@b", "-token", ".."), 1, "",
			"Cannot write token to "+system+"/..: Is a directory (errno=21)\n")
		want(t, "RB-7", d.bare(t, nil, "", "condor_token_create", "-identity", "a@b", "-key", "nosuch"), 2, "",
			"Failed to generate a token.\nTOKEN:1:Failed to read file "+filepath.Join(passwords, "nosuch")+" securely.\n")
		tok := oneToken(t, d.bare(t, nil, "", "condor_token_create", "-lifetime", "60"))
		if raw := segment(t, tok, 1); !strings.Contains(raw, `"sub":""`) {
			t.Fatalf("RB-8 payload %s", raw)
		}
	})
	t.Run("RB-10 RB-11 condor_token_list", func(t *testing.T) {
		dir := filepath.Join(d.local, "listed")
		if err := os.MkdirAll(filepath.Join(dir, "condor"), 0o700); err != nil {
			t.Fatal(err)
		}
		files := map[string]string{
			"a":            "# a comment\n\n" + pooled + "\nnot a token\n  " + named + "  \n",
			"b":            pooled + "\n",
			"t2.sh":        pooled + "\n",
			".dot":         pooled + "\n",
			"c~":           pooled + "\n",
			"condor/inner": pooled + "\n",
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		// readdir order, not sorted (real-tools.md §4.3).
		f, err := os.Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		line := func(tok, file string) string {
			return "Header: " + segment(t, tok, 0) + " Payload: " + segment(t, tok, 1) + " File: " + filepath.Join(dir, file) + "\n"
		}
		var wantOut string
		for _, n := range names {
			switch n {
			case "a":
				wantOut += line(pooled, "a") + line(named, "a")
			case "b":
				wantOut += line(pooled, "b")
			}
		}
		want(t, "RB-10", d.bare(t, nil, "", "condor_token_list", "-dir", dir), 0, wantOut, "")
		want(t, "RB-11", d.bare(t, nil, "", "condor_token_list", "-dir", filepath.Join(dir, "nosuch")), 0, "", "")
	})
}

// TestAcceptanceFetchFromSession: a fetched token copies the session's
// identity and scopes (RB-33) and cannot outgrow a token-bounded session
// (RB-36, tokens.md §3.1 steps 1 and 4).
func TestAcceptanceFetchFromSession(t *testing.T) {
	t.Parallel()
	d := servePool(t)
	d.start(t)
	defer d.stop(t)
	t.Run("RB-33 claims from the session", func(t *testing.T) {
		wantClaims(t, oneToken(t, d.bare(t, nil, "", "condor_token_fetch", "-authz", "READ")), selfFQU(), -1, "condor:/READ")
	})
	t.Run("RB-36 a READ-only 100 s token", func(t *testing.T) {
		dir := filepath.Join(d.local, "alice")
		env := []string{"_CONDOR_SEC_TOKEN_DIRECTORY=" + dir, "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=TOKEN"}
		want(t, "create", d.bare(t, env, "", "condor_token_create", "-identity", "alice@e2e.local", "-authz", "READ", "-lifetime", "100", "-token", "alice"), 0, "", "")
		want(t, "-authz WRITE", d.bare(t, env, "", "condor_token_fetch", "-authz", "WRITE"), 1, "",
			"Failed to request a session token: DAEMON:4:Session doesn't allow requested authorization levels.\n")
		tok := oneToken(t, d.bare(t, env, "", "condor_token_fetch", "-lifetime", "99999"))
		c := claimsOf(t, tok)
		if life := num(c["exp"]) - num(c["iat"]); c["sub"] != "alice@e2e.local" || c["scope"] != "condor:/READ" || life < 98 || life > 100 {
			t.Fatalf("-lifetime 99999: %v", c)
		}
		// Narrowed to the session's scopes.
		tok = oneToken(t, d.bare(t, env, "", "condor_token_fetch", "-authz", "READ", "-authz", "WRITE"))
		if c := claimsOf(t, tok); c["scope"] != "condor:/READ" {
			t.Fatalf("-authz READ -authz WRITE: %v", c)
		}
	})
}
