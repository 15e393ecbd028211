package integration

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// knownBug skips a test that documents a bug found in another package
// (reported to the lead, not fixed here) unless CONDOR_AUTH_KNOWN_BUGS is
// set; with it set the test shows the bug by failing. Remove the call once
// the bug is fixed.
func knownBug(t *testing.T, what string) {
	t.Helper()
	if os.Getenv("CONDOR_AUTH_KNOWN_BUGS") == "" {
		t.Skipf("known bug (set CONDOR_AUTH_KNOWN_BUGS=1 to run): %s", what)
	}
}

// TestKnownBugServerLogOmitsAuthFailureCause: when a required
// authentication fails, the daemon's log entry says only "connection
// rejected: required authentication failed"; why each method failed (here
// "token expired at …") reaches the Explain notes but not the error that
// Accept returns, so an administrator reading the daemon's log cannot tell
// an expired token from a wrong key. HTCondor logs the whole error stack
// ("DC_AUTHENTICATE: required authentication of <ip> failed:
// AUTHENTICATE:1003:…|AUTHENTICATE:1004:…|<method's reason>").
// Location: pkg/cedar/security server.go newSession, the
// reject("required authentication failed") after negotiateServer, which
// keeps the failures of the methods only as notes.
func TestKnownBugServerLogOmitsAuthFailureCause(t *testing.T) {
	knownBug(t, "security.Server.Accept drops the methods' failure causes when required authentication fails")
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
