package server

import (
	"bytes"
	"context"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
	toolclient "github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// TestImpersonationToken covers IMPERSONATION_TOKEN_REQUEST, the command of
// condor_token_fetch -remote (tokens.md §3.7), with serve playing both the
// collector and the schedd it forwards to.
func TestImpersonationToken(t *testing.T) {
	f := newFixture(t, "SEC_ENABLE_IMPERSONATION_TOKENS = true\nSEC_ISSUED_TOKEN_EXPIRATION = 3000\n")
	tests := []struct {
		name    string
		sub     string
		authz   []string // the session's own bound (token scopes)
		req     []any
		want    fetched
		code    int
		message string
	}{
		{name: "the requester's identity, capped lifetime", sub: alice, req: []any{attrName, "schedd@vm", attrTokenLifetime, 99999},
			want: fetched{Kid: "POOL", Sub: alice, Lifetime: 3000}},
		{name: "no lifetime: SEC_ISSUED_TOKEN_EXPIRATION", sub: alice, req: []any{attrName, "schedd@vm", attrLimitAuthorization, "READ,WRITE"},
			want: fetched{Kid: "POOL", Sub: alice, Scope: "condor:/READ condor:/WRITE", Lifetime: 3000}},
		{name: "a bounded session narrows the request", sub: bob, authz: []string{"READ"}, req: []any{attrName, "schedd@vm", attrLimitAuthorization, "READ,WRITE"},
			want: fetched{Kid: "POOL", Sub: bob, Scope: "condor:/READ", Lifetime: 3000}},
		{name: "a bounded session refuses what it lacks", sub: bob, authz: []string{"READ"}, req: []any{attrName, "schedd@vm", attrLimitAuthorization, "WRITE"},
			code: 4, message: msgAuthzNotAllowed},
		{name: "no Name", sub: alice, req: []any{attrTokenLifetime, 60},
			code: 4, message: "No schedd target specified."},
		{name: "another schedd", sub: alice, req: []any{attrName, "other@vm"},
			code: 5, message: "Schedd other@vm is not known to the collector."},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rep := f.mustCall(t, f.tokenClient(t, tc.sub, tc.authz, -1), cmdImpersonationToken, ad(t, tc.req...))
			if tc.code != 0 {
				wantError(t, rep, tc.code, tc.message)
				return
			}
			wantNoError(t, rep)
			tok, _ := rep.GetString(attrToken)
			if got := describe(f.parseToken(t, tok)); got != tc.want {
				t.Errorf("token %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestImpersonationTokenSettings covers the schedd's gate and limits and
// the collector's encryption check.
func TestImpersonationTokenSettings(t *testing.T) {
	t.Run("disabled by default: the schedd publishes no capability", func(t *testing.T) {
		f := newFixture(t, "")
		rep := f.mustCall(t, f.tokenClient(t, alice, nil, -1), cmdImpersonationToken, ad(t, attrName, "schedd@vm"))
		wantError(t, rep, 5, "Schedd schedd@vm is not known to the collector.")
	})
	t.Run("SEC_IMPERSONATION_TOKEN_LIMITS", func(t *testing.T) {
		f := newFixture(t, "SEC_ENABLE_IMPERSONATION_TOKENS = true\nSEC_IMPERSONATION_TOKEN_LIMITS = READ, WRITE\n")
		c := f.tokenClient(t, alice, nil, -1)
		rep := f.mustCall(t, c, cmdImpersonationToken, ad(t, attrName, "schedd@vm", attrLimitAuthorization, "ADMINISTRATOR"))
		wantError(t, rep, 2, "SCHEDD:2:All requested authorizations were eliminated by the SEC_IMPERSONATION_TOKEN_LIMITS setting")
		rep = f.mustCall(t, c, cmdImpersonationToken, ad(t, attrName, "schedd@vm", attrLimitAuthorization, "WRITE,ADMINISTRATOR"))
		wantNoError(t, rep)
		tok, _ := rep.GetString(attrToken)
		if got := describe(f.parseToken(t, tok)); got.Scope != "condor:/WRITE" {
			t.Errorf("narrowed token %+v", got)
		}
		rep = f.mustCall(t, c, cmdImpersonationToken, ad(t, attrName, "schedd@vm"))
		tok, _ = rep.GetString(attrToken)
		if got := describe(f.parseToken(t, tok)); got.Scope != "condor:/READ condor:/WRITE" {
			t.Errorf("token without a request gets the limits: %+v", got)
		}
	})
	t.Run("no signing key: the schedd's error relayed", func(t *testing.T) {
		f := newFixture(t, "SEC_ENABLE_IMPERSONATION_TOKENS = true\n")
		c := claimClient(t, alice) // TOKEN cannot authenticate without the key
		if err := os.Remove(filepath.Join(f.keys(t).PasswordDir, "POOL")); err != nil {
			t.Fatal(err)
		}
		rep := f.mustCall(t, c, cmdImpersonationToken, ad(t, attrName, "schedd@vm"))
		wantError(t, rep, 4, "SCHEDD:4:TOKEN_UTILS:4:Server does not have a signing key configured.")
	})
	t.Run("unencrypted: refused before the schedd is asked", func(t *testing.T) {
		f := newFixture(t, "SEC_ENABLE_IMPERSONATION_TOKENS = true\n")
		g := f.srv.cur.Load()
		var out bytes.Buffer
		req0 := ad(t, attrName, "schedd@vm")
		in := frame(t, func(s *cedar.Stream) error {
			return s.PutAdLines(req0.AssignmentLines(classad.FlatMapOrder), "", "")
		})
		req := &daemon.Request{Stream: memStream(t, in, &out), Command: cmdImpersonationToken, Authenticated: true,
			Identity: auth.Identity{User: "alice", Domain: domain, Method: "TOKEN"}, Peer: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 4000}}
		if err := g.handleImpersonationToken(context.Background(), req); err != nil {
			t.Fatal(err)
		}
		rep, err := recvAd(memStream(t, out.Bytes(), &bytes.Buffer{}))
		if err != nil {
			t.Fatal(err)
		}
		wantError(t, rep, 3, "Request to server was not encrypted.")
	})
}

// TestRemoteTokenClient drives the command with pkg/client as
// condor_token_fetch -remote does: the local schedd's name, then the
// collector's answer as a CondorError chain.
func TestRemoteTokenClient(t *testing.T) {
	f := newFixture(t, "SEC_ENABLE_IMPERSONATION_TOKENS = true\n")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c := f.toolClient(t, alice)
	name, ok := c.DefaultScheddName(ctx)
	if !ok || name != "schedd@vm" {
		t.Fatalf("DefaultScheddName = %q, %v", name, ok)
	}
	tgt := toolclient.Target{Timeout: 10 * time.Second}
	tok, err := c.RemoteToken(ctx, tgt, name, []string{"READ"}, 600)
	if err != nil {
		t.Fatalf("RemoteToken: %v", err)
	}
	if got := describe(f.parseToken(t, tok)); got != (fetched{Kid: "POOL", Sub: alice, Scope: "condor:/READ", Lifetime: 600}) {
		t.Errorf("token %+v", got)
	}
	_, err = c.RemoteToken(ctx, tgt, "nosuch", nil, -1)
	ce, ok := condorerr.As(err)
	if !ok || ce.Code != 5 || err.Error() != "DAEMON:5:Schedd nosuch is not known to the collector." {
		t.Fatalf("unknown schedd: %v", err)
	}
	f.stop(t)
	_, err = c.RemoteToken(ctx, tgt, name, nil, -1)
	if ce, ok := condorerr.As(err); !ok || ce.Code != 2 || ce.Subsys != "DCCollector" {
		t.Fatalf("stopped collector: %v", err)
	}
}
