package integration

import (
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// TestServerLogNamesAuthFailureCause (a regression test): when a required
// authentication fails, the daemon's log entry must say why each method
// failed (here "token expired at …"), not only "required authentication
// failed", so an administrator can tell an expired token from a wrong key.
// HTCondor logs the whole error stack
// ("DC_AUTHENTICATE: required authentication of <ip> failed:
// AUTHENTICATE:1003:…|AUTHENTICATE:1004:…|<method's reason>").
// Location: pkg/cedar/security server.go newSession, the
// reject("required authentication failed") after negotiateServer, which
// keeps the failures of the methods only as notes.
func TestServerLogNamesAuthFailureCause(t *testing.T) {
	p := newPool(t)
	p.replaceTokens(t, mint(t, p.keys, idtoken.MintOptions{Issuer: trustDomain, Subject: tokenUser, Lifetime: 60, Now: time.Now().Add(-time.Hour)}))
	srv := p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = REQUIRED", nil)
	o := srv.run(t, p.client(t, "SEC_CLIENT_AUTHENTICATION_METHODS = IDTOKENS", clientOpts{}), cmdWrite)
	if o.err == nil {
		t.Fatal("an expired token was accepted")
	}
	if o.entry.Result != daemon.ResultRejected || !strings.Contains(errText(o.entry.Err), "token expired at") {
		t.Errorf("server log %v does not name the cause (token expired)", o.entry)
	}
}
