package security

import (
	"crypto/ecdh"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// enableCrypto derives the ECDH session key and switches AES on
// (authenticate_inner_finish, cedar.md §4.8, §4.9). With an AES key both
// directions are encrypted whatever Encryption says (pitfall 11).
func (c *Client) enableCrypto(s *cedar.Stream, r *Result, resp *classad.Ad, priv *ecdh.PrivateKey, lv adLevels) error {
	var key []byte
	if pubText, ok := adString(resp, AttrECDHPublicKey); ok && pubText != "" {
		cm, ok := adString(resp, AttrCryptoMethods)
		if !ok {
			return secmanErr(codeNoKey, ErrNoKey, errors.New("the server sent an ECDH key but no crypto method"), "Failed to establish a crypto key.")
		}
		if first, _, _ := strings.Cut(cm, ","); first != CryptoAES {
			return secmanErr(codeNoKey, ErrNoKey, fmt.Errorf("the server chose crypto method %q; only AES is implemented", first), "Failed to establish a crypto key.")
		}
		pub, err := cedar.ParseECDHPublicKey(pubText)
		if err != nil {
			return secmanErr(codeNoKey, ErrNoKey, err, "Failed to establish a crypto key.")
		}
		if key, err = cedar.DeriveSessionKey(priv, pub); err != nil {
			return secmanErr(codeNoKey, ErrNoKey, err, "Failed to establish a crypto key.")
		}
	}
	if key == nil {
		if r.Encryption || r.Integrity || lv.enc == Required || lv.integ == Required {
			return secmanErr(codeNoKey, ErrNoKey, errors.New("encryption or integrity is on but the server sent no ECDH key"), "Failed to establish a crypto key.")
		}
		c.note("no session key: the connection stays in plaintext")
		return nil
	}
	if err := s.EnableCrypto(key); err != nil {
		return commErr("Failed to enable encryption.", err)
	}
	r.key = key
	r.Encrypted, r.CryptoMethod = true, CryptoAES
	c.note("AES-256-GCM is on (ECDH session key)")
	return nil
}

// readPostAuth reads the post-auth ad (receivePostAuthInfo_inner), checks
// ReturnCode, caches the session and, for DC_SEC_QUERY, reads the answer.
func (c *Client) readPostAuth(s *cedar.Stream, r *Result, req Request, sinful string) error {
	pa, err := readHandshakeAd(s)
	if err != nil {
		return commErr("Failed to received post-auth ClassAd", err)
	}
	r.PostAuth = pa
	user, _ := adString(pa, AttrUser)
	rc, _ := adString(pa, AttrReturnCode)
	if rc != "" && rc != ReturnAuthorized {
		if r.Method == "" {
			return secmanErr(codeAuthorizationFailed, ErrDenied, nil,
				"Received \"%s\" from server for user %s using no authentication method, which may imply host-based security.  Our address was '%s', and server's address was '%s'.  Check your ALLOW settings and IP protocols.",
				rc, user, hostOf(s.LocalAddr()), hostOf(s.RemoteAddr()))
		}
		return secmanErr(codeAuthorizationFailed, ErrDenied, nil, "Received \"%s\" from server for user %s using method %s.", rc, user, r.Method)
	}
	r.MyIdentity = user
	r.SessionID, _ = adString(pa, AttrSid)
	if tried, ok := adBool(pa, AttrTriedAuthentication); ok {
		r.TriedAuthentication = tried
	}
	if r.SessionID == "" {
		return protoErr(codeAttributeMissing, "Failed to lookup session id.")
	}
	vc, _ := adString(pa, AttrValidCommands)
	if vc == "" {
		return protoErr(codeAttributeMissing, "Protocol Failure: Unable to lookup valid commands.")
	}
	r.ValidCommands = parseCommandList(vc)
	c.note("post-auth: %s as %q, session %s", rc, user, r.SessionID)
	if c.Sessions != nil {
		c.cache(r, sinful)
	}
	if req.Command == DCSecQuery {
		lines, _, _, err := s.GetAdLines()
		if err == nil {
			err = s.EndOfMessage()
		}
		if err != nil {
			return commErr("Failed to read the DC_SEC_QUERY answer.", err)
		}
		if r.SecQuery, err = classad.ParseLines(lines); err != nil {
			return secmanErr(codeCommunications, ErrProtocol, err, "Failed to read the DC_SEC_QUERY answer.")
		}
	}
	return nil
}

// cache stores a new session under {sinful, cmd} for every valid command.
func (c *Client) cache(r *Result, sinful string) {
	now := c.now()
	sess := &ClientSession{ID: r.SessionID, Sinful: sinful, RemoteVersion: r.RemoteVersion, MyIdentity: r.MyIdentity,
		Method: r.Method, AuthMethodsList: r.AuthMethodsList, TriedAuthentication: r.TriedAuthentication,
		Encryption: r.Encryption, Integrity: r.Integrity, ValidCommands: r.ValidCommands, LastUse: now}
	if r.Encrypted {
		sess.Key = r.key
		sess.CryptoMethod = CryptoAES
	}
	if d, ok := adString(r.Response, AttrSessionDuration); ok && d != "" {
		sess.Expires = now.Add(time.Duration(atoiPrefix(d)) * time.Second)
	}
	if l, ok := adInt(r.Response, AttrSessionLease); ok && l > 0 {
		sess.Lease = time.Duration(l) * time.Second
	}
	c.Sessions.Add(sess, now)
}

// parseCommandList reads ValidCommands ("60000,60008,…").
func parseCommandList(s string) []int {
	var out []int
	for _, f := range splitList(s) {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// hostOf returns the IP of an address for messages.
func hostOf(a net.Addr) string {
	if a == nil {
		return "unknown"
	}
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}

// randReader returns c.Rand or crypto/rand.
func (c *Client) randReader() io.Reader {
	if c.Rand != nil {
		return c.Rand
	}
	return rand.Reader
}
