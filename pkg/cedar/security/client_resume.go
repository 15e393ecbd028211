package security

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"net"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// nonceSize is the number of random bytes of a resume nonce (base64: 44
// characters), cedar.md §4.12.
const nonceSize = 33

// newNonce returns base64 of nonceSize random bytes.
func newNonce(r io.Reader) (string, error) {
	b := make([]byte, nonceSize)
	if _, err := io.ReadFull(r, b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}

// resume runs the short handshake of a cached session (cedar.md §4.12):
// the resume ad through the C++ projection (alphabetical order, only the
// attributes present), the server's reply when ResumeResponse is set, then
// AES with the cached key. There is no authentication and no post-auth ad.
func (c *Client) resume(s *cedar.Stream, req Request, sess *ClientSession, sinful string) (*Result, error) {
	want := false
	if v, ok := ParseVersion(sess.RemoteVersion); ok && v.AtLeast(9, 9, 0) {
		want = true
	}
	nonce, err := newNonce(c.randReader())
	if err != nil {
		return nil, secmanErr(codeNoKey, ErrNoKey, err, "Failed to generate a resume nonce.")
	}
	ad := classad.NewAd()
	setStr(ad, AttrUseSession, "YES")
	setStr(ad, AttrSid, sess.ID)
	setInt(ad, AttrCommand, int64(req.Command))
	if req.Command == DCAuthenticate || req.Command == DCSecQuery {
		setInt(ad, AttrAuthCommand, int64(req.AuthCommand))
	}
	if sinful != "" {
		setStr(ad, AttrConnectSinful, sinful)
	}
	if sess.Key != nil {
		setStr(ad, AttrCryptoMethods, sess.CryptoMethod)
	}
	setStr(ad, AttrNonce, nonce)
	setBool(ad, AttrResumeResponse, want)
	setStr(ad, AttrRemoteVersion, c.version())
	c.note("resuming session %s for command %d (server reply requested: %v)", sess.ID, req.Command, want)
	if err := s.PutInt(DCAuthenticate); err != nil {
		return nil, commErr("Failed to send DC_AUTHENTICATE message.", err)
	}
	if err := writeAd(s, ad, classad.AlphabeticalOrder); err != nil {
		return nil, commErr("Failed to send auth_info.", err)
	}
	// No acknowledgement exists, so the lease is renewed now (as C++).
	c.Sessions.renew(sess.ID, c.now())

	r := &Result{Stream: s, Command: req.Command, Resumed: true, SessionID: sess.ID, MyIdentity: sess.MyIdentity,
		Method: sess.Method, TriedAuthentication: sess.TriedAuthentication, AuthMethodsList: sess.AuthMethodsList,
		Encryption: sess.Encryption, Integrity: sess.Integrity, ValidCommands: sess.ValidCommands,
		RemoteVersion: sess.RemoteVersion}
	if want {
		reply, err := readHandshakeAd(s)
		if err != nil {
			return nil, commErr("Failed to read resume session response classad from server.", err)
		}
		switch rc, _ := adString(reply, AttrReturnCode); rc {
		case ReturnSIDNotFound:
			c.note("the server does not know session %s: dropping it", sess.ID)
			c.Sessions.Invalidate(sess.ID)
			return nil, secmanErr(codeNoSession, ErrSessionNotFound, nil, "Server rejected our session id")
		case "", ReturnAuthorized:
		default:
			return nil, secmanErr(codeAuthorizationFailed, ErrDenied, nil, "Received \"%s\" from server", rc)
		}
		if v, ok := adString(reply, AttrRemoteVersion); ok {
			r.RemoteVersion = v
		}
	}
	if sess.Key != nil {
		if err := s.EnableCrypto(sess.Key); err != nil {
			return nil, commErr("Failed to enable encryption.", err)
		}
		r.Encrypted, r.CryptoMethod = true, CryptoAES
	}
	return r, nil
}

// Dial connects to address, wraps the connection in a cedar.Stream with
// cfg and runs StartCommand. If the server no longer knows a cached
// session (SID_NOT_FOUND), the session is dropped and the command is
// retried once on a new connection with a new session. On error the
// connection is closed.
func (c *Client) Dial(ctx context.Context, network, address string, req Request, cfg *cedar.Config) (*Result, error) {
	for attempt := 0; ; attempt++ {
		var d net.Dialer
		conn, err := d.DialContext(ctx, network, address)
		if err != nil {
			return nil, secmanErr(codeConnectFailed, nil, err, "TCP connection to %s failed.", address)
		}
		s, err := cedar.NewStream(conn, cfg)
		if err != nil {
			_ = conn.Close()
			return nil, secmanErr(codeConnectFailed, nil, err, "TCP connection to %s failed.", address)
		}
		r := req
		if r.Sinful == "" {
			r.Sinful = "<" + conn.RemoteAddr().String() + ">"
		}
		res, err := c.StartCommand(ctx, s, r)
		if err == nil {
			return res, nil
		}
		_ = s.Close()
		if attempt == 0 && errors.Is(err, ErrSessionNotFound) {
			c.note("retrying command %d with a new session", req.Command)
			continue
		}
		return nil, err
	}
}
