package integration

import (
	"errors"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// TestDenyRules: DENY_WRITE entries (pkg/authz, IpVerify) refuse the
// WRITE command of the identity they name after a successful
// authentication; the server sends ReturnCode "DENIED" in the post-auth
// ad and the client reports SECMAN:2010 with C++'s text (cedar.md §4.10,
// condor_secman.cpp receivePostAuthInfo_inner). READ stays allowed and
// other identities are unaffected.
func TestDenyRules(t *testing.T) {
	p := newPool(t)
	fsID := fsUser(t)
	const hostBased = `SECMAN:2010:Received "DENIED" from server for user unauthenticated@unmapped using no authentication method, ` +
		`which may imply host-based security.  Our address was '127.0.0.1', and server's address was '127.0.0.1'.  ` +
		`Check your ALLOW settings and IP protocols.`
	cases := []struct {
		name    string
		deny    string // DENY_WRITE
		server  string // SEC_DEFAULT_AUTHENTICATION
		client  string // extra client configuration
		opts    clientOpts
		wantErr string
	}{
		{"token user", tokenUser, "REQUIRED", "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{},
			`SECMAN:2010:Received "DENIED" from server for user alice@example.net using method IDTOKENS.`},
		{"fs user", fsID, "REQUIRED", "SEC_CLIENT_AUTHENTICATION_METHODS = FS", clientOpts{},
			`SECMAN:2010:Received "DENIED" from server for user ` + fsID + ` using method FS.`},
		{"wildcard domain", "*@example.net", "REQUIRED", "SEC_CLIENT_AUTHENTICATION_METHODS = CLAIMTOBE", clientOpts{},
			`SECMAN:2010:Received "DENIED" from server for user carol@example.net using method CLAIMTOBE.`},
		{"ssl certificate", "ssl@unmapped", "REQUIRED", "SEC_CLIENT_AUTHENTICATION_METHODS = SSL", clientOpts{},
			`SECMAN:2010:Received "DENIED" from server for user ssl@unmapped using method SSL.`},
		{"ssl without certificate", "unauthenticated@unmapped", "REQUIRED", "SEC_CLIENT_AUTHENTICATION_METHODS = SSL", clientOpts{noClientCert: true},
			`SECMAN:2010:Received "DENIED" from server for user unauthenticated@unmapped using method SSL.`},
		{"host based", "unauthenticated@unmapped", "OPTIONAL", "SEC_CLIENT_AUTHENTICATION = NEVER", clientOpts{}, hostBased},
		{"host based by address", "*/127.0.0.1", "OPTIONAL", "SEC_CLIENT_AUTHENTICATION = NEVER", clientOpts{}, hostBased},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := p.startServer(t, "DENY_WRITE = "+tc.deny+"\nSEC_DEFAULT_AUTHENTICATION = "+tc.server, nil)
			c := p.client(t, tc.client, tc.opts)

			o := srv.run(t, c, cmdWrite)
			if errText(o.err) != tc.wantErr || !errors.Is(o.err, security.ErrDenied) {
				t.Fatalf("WRITE: %q, want %q", errText(o.err), tc.wantErr)
			}
			if o.entry.Result != daemon.ResultDenied || !strings.Contains(o.entry.Reason, "DENY_WRITE") {
				t.Errorf("server log %v, want DENIED naming DENY_WRITE", o.entry)
			}

			if o = srv.run(t, c, cmdRead); o.err != nil || o.entry.Result != daemon.ResultAuthorized {
				t.Errorf("READ after the denied WRITE: %v, log %v", o.err, o.entry)
			}
		})
	}

	// The same daemon lets another identity write.
	srv := p.startServer(t, "DENY_WRITE = "+tokenUser+"\nSEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = CLAIMTOBE", clientOpts{}), cmdWrite)
	if o.err != nil || o.reply != claimUser+"@"+trustDomain+"|CLAIMTOBE|true" {
		t.Errorf("CLAIMTOBE WRITE next to DENY_WRITE = %s: %q, %v", tokenUser, o.reply, o.err)
	}
}

// TestDenyAllForLevel: DENY_ADMINISTRATOR = * refuses everybody, even
// with ALLOW_ADMINISTRATOR = * (IpVerify: a DENY of "*" wins).
func TestDenyAllForLevel(t *testing.T) {
	p := newPool(t)
	srv := p.startServer(t, "DENY_ADMINISTRATOR = *\nSEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{}), cmdAdmin)
	const want = `SECMAN:2010:Received "DENIED" from server for user alice@example.net using method IDTOKENS.`
	if errText(o.err) != want {
		t.Fatalf("ADMINISTRATOR: %q, want %q", errText(o.err), want)
	}
	if o.entry.Result != daemon.ResultDenied {
		t.Errorf("server log %v", o.entry)
	}
}
