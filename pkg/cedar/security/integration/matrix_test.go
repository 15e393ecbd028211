package integration

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// levels are the four security levels, strongest first.
var levels = []security.Level{security.Required, security.Preferred, security.Optional, security.Never}

// Texts of the failures in the matrix.
const (
	// textClosed is what a client reports when the server closes the
	// connection after message 1 (cedar.md §4.2; condor_secman.cpp).
	textClosed = "SECMAN:2011:Connection closed during command authorization. Probably due to an unknown command."
)

// methodCase is one authentication method as the matrix offers it.
type methodCase struct {
	name     string     // test name
	offer    string     // SEC_CLIENT_AUTHENTICATION_METHODS
	opts     clientOpts // client variations
	identity string     // post-auth User when the method ran
	method   string     // the method as HTCondor names it
}

func matrixMethods(t *testing.T) []methodCase {
	return []methodCase{
		{"FS", "FS", clientOpts{}, fsUser(t), "FS"},
		{"TOKEN", "IDTOKENS", clientOpts{}, tokenUser, "IDTOKENS"},
		{"SSL/cert", "SSL", clientOpts{}, "ssl@unmapped", "SSL"},
		// Without a client certificate SSL still authenticates the server
		// and counts as authentication, as unauthenticated@unmapped
		// (pitfall 16).
		{"SSL/nocert", "SSL", clientOpts{noClientCert: true}, security.UnauthenticatedUser, "SSL"},
		{"CLAIMTOBE", "CLAIMTOBE", clientOpts{}, claimUser + "@" + trustDomain, "CLAIMTOBE"},
		{"ANONYMOUS", "ANONYMOUS", clientOpts{}, "CONDOR_ANONYMOUS_USER", "ANONYMOUS"},
	}
}

// TestMethodLevelMatrix runs every method against every pair of client
// (SEC_CLIENT_AUTHENTICATION) and server (SEC_DEFAULT_AUTHENTICATION)
// levels for a WRITE command, encryption and integrity left at their
// OPTIONAL defaults (cedar.md §4.5):
//
//   - FAIL (REQUIRED against NEVER): the server closes the connection
//     without a reply; the client reports SECMAN:2011.
//   - NO: no authentication; the peer is unauthenticated@unmapped, the
//     stream is still AES-encrypted because both sides sent ECDH keys
//     (cedar.md §4.8, pitfall 11), Encryption is NO.
//   - YES: the method runs; the client learns its mapped identity from
//     the post-auth ad, the server's handler sees the same identity and
//     method, Encryption and Integrity are forced to YES by AES (§4.4).
func TestMethodLevelMatrix(t *testing.T) {
	p := newPool(t)
	servers := map[security.Level]*server{}
	for _, sl := range levels {
		servers[sl] = p.startServer(t, "SEC_DEFAULT_AUTHENTICATION = "+sl.String(), nil)
	}
	for _, m := range matrixMethods(t) {
		for _, cl := range levels {
			c := p.client(t, fmt.Sprintf("SEC_CLIENT_AUTHENTICATION = %s\nSEC_CLIENT_AUTHENTICATION_METHODS = %s", cl, m.offer), m.opts)
			for _, sl := range levels {
				t.Run(fmt.Sprintf("%s/client=%s/server=%s", m.name, cl, sl), func(t *testing.T) {
					checkMatrixCase(t, servers[sl].run(t, c, cmdWrite), m, security.Reconcile(cl, sl))
				})
			}
		}
	}
}

func checkMatrixCase(t *testing.T, o outcome, m methodCase, d security.Decision) {
	t.Helper()
	switch d {
	case security.Fail:
		if errText(o.err) != textClosed || !errors.Is(o.err, security.ErrCommandRejected) {
			t.Fatalf("client error %q, want %q", errText(o.err), textClosed)
		}
		if o.entry.Result != daemon.ResultRejected || !strings.Contains(errText(o.entry.Err), "policies cannot be reconciled") {
			t.Errorf("server log %v, want REJECTED because the policies cannot be reconciled", o.entry)
		}
		return
	case security.No:
		if o.err != nil {
			t.Fatalf("client error %v", o.err)
		}
		r := o.res
		if r.MyIdentity != security.UnauthenticatedUser || r.Method != "" || r.TriedAuthentication {
			t.Errorf("client: identity %q method %q tried %v, want unauthenticated, no method", r.MyIdentity, r.Method, r.TriedAuthentication)
		}
		if !r.Encrypted || r.CryptoMethod != "AES" || r.Encryption {
			t.Errorf("client: encrypted %v (%s), Encryption %v; want AES on through ECDH, Encryption NO", r.Encrypted, r.CryptoMethod, r.Encryption)
		}
		if want := security.UnauthenticatedUser + "||true"; o.reply != want {
			t.Errorf("server saw %q, want %q", o.reply, want)
		}
	case security.Yes:
		if o.err != nil {
			t.Fatalf("client error %v (server: %v)", o.err, o.entry)
		}
		r := o.res
		if r.MyIdentity != m.identity || r.Method != m.method || !r.TriedAuthentication {
			t.Errorf("client: identity %q method %q tried %v, want %q by %s", r.MyIdentity, r.Method, r.TriedAuthentication, m.identity, m.method)
		}
		if !r.Encrypted || r.CryptoMethod != "AES" || !r.Encryption || !r.Integrity {
			t.Errorf("client: encrypted %v (%s), Encryption %v, Integrity %v; want AES with both YES", r.Encrypted, r.CryptoMethod, r.Encryption, r.Integrity)
		}
		if want := m.identity + "|" + m.method + "|true"; o.reply != want {
			t.Errorf("server saw %q, want %q", o.reply, want)
		}
	}
	if o.entry.Result != daemon.ResultAuthorized || o.entry.Session == "" || o.entry.Session != o.res.SessionID {
		t.Errorf("server log %v, want AUTHORIZED with session %s", o.entry, o.res.SessionID)
	}
}
