package server

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// fetched describes the token of a successful DC_GET_SESSION_TOKEN.
type fetched struct {
	Kid      string
	Sub      string
	Scope    string
	Lifetime int64 // exp - iat, -1 without exp
}

func describe(tok *idtoken.Token) fetched {
	d := fetched{Kid: tok.Kid, Sub: tok.Claims.Sub, Scope: tok.Claims.Scope, Lifetime: -1}
	if tok.Claims.HasExp {
		d.Lifetime = tok.Claims.Exp - tok.Claims.Iat
	}
	return d
}

func TestGetSessionToken(t *testing.T) {
	f := newFixture(t, "SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS = POOL, named*\nSEC_ISSUED_TOKEN_EXPIRATION = 3000\n")
	// A named key the configuration allows (tokens.md §5.3: not doubled).
	kc := f.keys(t)
	if err := idtoken.WriteKeyFile(filepath.Join(kc.PasswordDir, "named1"), []byte("named key bytes")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		client *security.Client
		req    *classad.Ad
		want   fetched
	}{
		{"no options: no exp, no scope", f.tokenClient(t, alice, nil, -1), ad(t),
			fetched{Kid: "POOL", Sub: alice, Lifetime: -1}},
		{"lifetime and authz (RW-11)", f.tokenClient(t, alice, nil, -1), ad(t, attrTokenLifetime, 600, attrLimitAuthorization, "READ"),
			fetched{Kid: "POOL", Sub: alice, Scope: "condor:/READ", Lifetime: 600}},
		{"SEC_ISSUED_TOKEN_EXPIRATION caps a requested lifetime", f.tokenClient(t, alice, nil, -1), ad(t, attrTokenLifetime, 99999),
			fetched{Kid: "POOL", Sub: alice, Lifetime: 3000}},
		{"several authorizations keep their order", f.tokenClient(t, alice, nil, -1), ad(t, attrLimitAuthorization, "WRITE,READ"),
			fetched{Kid: "POOL", Sub: alice, Scope: "condor:/WRITE condor:/READ", Lifetime: -1}},
		{"-key POOL equals the default (FK-2)", f.tokenClient(t, alice, nil, -1), ad(t, attrRequestedKey, "POOL"),
			fetched{Kid: "POOL", Sub: alice, Lifetime: -1}},
		{"an allowed named key (FK-3)", f.tokenClient(t, alice, nil, -1), ad(t, attrRequestedKey, "named1"),
			fetched{Kid: "named1", Sub: alice, Lifetime: -1}},
		{"a bounded session lends its scope", f.tokenClient(t, bob, []string{"READ"}, -1), ad(t),
			fetched{Kid: "POOL", Sub: bob, Scope: "condor:/READ", Lifetime: -1}},
		{"a bounded session narrows the request", f.tokenClient(t, bob, []string{"WRITE"}, -1), ad(t, attrLimitAuthorization, "READ,DAEMON,WRITE"),
			fetched{Kid: "POOL", Sub: bob, Scope: "condor:/READ condor:/WRITE", Lifetime: -1}},
		{"an expiring session caps the lifetime (RB-36)", f.tokenClient(t, bob, []string{"READ"}, 100), ad(t, attrTokenLifetime, 2000),
			fetched{Kid: "POOL", Sub: bob, Scope: "condor:/READ", Lifetime: 100}},
		{"an expiring session gives an exp to a token without lifetime", f.tokenClient(t, bob, nil, 100), ad(t),
			fetched{Kid: "POOL", Sub: bob, Lifetime: 100}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := f.mustCall(t, tc.client, cmdGetSessionToken, tc.req)
			wantNoError(t, rep)
			if rep.Len() != 1 {
				t.Errorf("reply has %d attributes, want only Token: %s", rep.Len(), rep)
			}
			tok, _ := rep.GetString(attrToken)
			var parsed *idtoken.Token
			if strings.Contains(tc.name, "named key") {
				var err error
				if parsed, err = idtoken.Verify(tok, idtoken.VerifyOptions{Keys: kc, Now: f.clock.Now()}); err != nil {
					t.Fatal(err)
				}
			} else {
				parsed = f.parseToken(t, tok)
			}
			if diff := cmp.Diff(tc.want, describe(parsed)); diff != "" {
				t.Errorf("token (-want +got):\n%s", diff)
			}
			if parsed.Claims.Iss != domain || parsed.Claims.Iat != f.clock.Now().Unix() || len(parsed.Claims.Jti) != 32 {
				t.Errorf("claims iss=%q iat=%d jti=%q", parsed.Claims.Iss, parsed.Claims.Iat, parsed.Claims.Jti)
			}
		})
	}
}

func TestGetSessionTokenErrors(t *testing.T) {
	f := newFixture(t, "")
	kc := f.keys(t)
	tests := []struct {
		name   string
		client *security.Client
		req    *classad.Ad
		code   int
		msg    string
	}{
		{"key not allowed (RB-34)", f.tokenClient(t, alice, nil, -1), ad(t, attrRequestedKey, "named"), 3, "Server will not sign with requested key."},
		{"allowed key missing (RB-35)", f.tokenClient(t, alice, nil, -1), ad(t, attrRequestedKey, "AP"), 1,
			"TOKEN:1:Failed to read file " + filepath.Join(kc.PasswordDir, "AP") + " securely."},
		{"bounded session (RB-36)", f.tokenClient(t, alice, []string{"READ"}, -1), ad(t, attrLimitAuthorization, "WRITE"), 4,
			"Session doesn't allow requested authorization levels."},
		{"bounded session, literal names", f.tokenClient(t, alice, []string{"READ"}, -1), ad(t, attrLimitAuthorization, "read"), 4,
			"Session doesn't allow requested authorization levels."},
		{"no mapped identity (RB-39)", anonClient(t), ad(t), 2, "Server did not successfully authenticate session."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wantError(t, f.mustCall(t, tc.client, cmdGetSessionToken, tc.req), tc.code, tc.msg)
		})
	}

	t.Run("POOL key missing (RB-37)", func(t *testing.T) {
		// CLAIMTOBE needs no key to authenticate.
		c := claimClient(t, alice)
		if err := os.Rename(kc.PoolKeyFile, kc.PoolKeyFile+".away"); err != nil {
			t.Fatal(err)
		}
		defer os.Rename(kc.PoolKeyFile+".away", kc.PoolKeyFile)
		wantError(t, f.mustCall(t, c, cmdGetSessionToken, ad(t)), 1, "Server does not have access to configured key.")
	})
}

func TestGetSessionTokenDisabled(t *testing.T) {
	f := newFixture(t, "SEC_ENABLE_TOKEN_FETCH = false\n")
	wantError(t, f.mustCall(t, f.tokenClient(t, alice, nil, -1), cmdGetSessionToken, ad(t)), 44, "Token fetch disabled.")
}

// TestGetSessionTokenConcurrent runs 200 new-session fetches at once.
func TestGetSessionTokenConcurrent(t *testing.T) {
	f := newFixture(t, "")
	const n = 200
	clients := make([]*security.Client, n)
	for i := range clients {
		clients[i] = f.tokenClient(t, alice, nil, -1)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	toks := make(chan string, n)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rep, err := f.call(t, clients[i], cmdGetSessionToken, ad(t, attrLimitAuthorization, "READ"))
			if err != nil {
				errs <- err
				return
			}
			tok, ok := rep.GetString(attrToken)
			if !ok {
				errs <- errors.New("no token in " + rep.String())
				return
			}
			toks <- tok
		}()
	}
	wg.Wait()
	close(errs)
	close(toks)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for tok := range toks {
		p := f.parseToken(t, tok)
		if p.Claims.Sub != alice || p.Claims.Scope != "condor:/READ" {
			t.Errorf("token claims %+v", p.Claims)
		}
		if seen[p.Claims.Jti] {
			t.Errorf("jti %s issued twice", p.Claims.Jti)
		}
		seen[p.Claims.Jti] = true
	}
	if len(seen) != n {
		t.Errorf("%d tokens, want %d", len(seen), n)
	}
}
