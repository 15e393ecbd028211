package security

import (
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// resume handles a DC_AUTHENTICATE with UseSession = "YES" (cedar.md
// §4.12): an unknown Sid gets ReturnCode "SID_NOT_FOUND" when the client
// asked for a reply, then the connection is closed; a known one gets
// {Nonce, ReturnCode "AUTHORIZED", RemoteVersion} (when asked), AES with
// the session key, and the command is authorized for the session's
// identity. There is no post-auth ad; a denied command just closes.
func (srv *Server) resume(s *cedar.Stream, cli *classad.Ad, acc *Accepted, authCmd int) (*Accepted, error) {
	sid, ok := adString(cli, AttrSid)
	if !ok {
		return acc, reject("resume request without Sid")
	}
	acc.SessionID = sid
	want, _ := adBool(cli, AttrResumeResponse)
	var sess *serverSession
	if srv.Sessions != nil {
		sess, ok = srv.Sessions.use(sid, srv.now())
	} else {
		ok = false
	}
	if !ok {
		srv.note("resume of unknown session %q (reply requested: %v)", sid, want)
		if want {
			ad := classad.NewAd()
			setStr(ad, AttrReturnCode, ReturnSIDNotFound)
			if err := writeAd(s, ad, classad.FlatMapOrder); err != nil {
				return acc, fmt.Errorf("sending SID_NOT_FOUND: %w", err)
			}
		}
		return acc, fmt.Errorf("%w: %w: %q", ErrRejected, ErrSessionNotFound, sid)
	}
	acc.Resumed = true
	acc.Identity, acc.Authenticated, acc.Method = sess.identity, sess.authenticated, sess.method
	if want {
		nonce, err := newNonce(srv.randReader())
		if err != nil {
			return acc, fmt.Errorf("generating the resume nonce: %w", err)
		}
		ad := classad.NewAd()
		setStr(ad, AttrReturnCode, ReturnAuthorized)
		setStr(ad, AttrRemoteVersion, srv.version())
		setStr(ad, AttrNonce, nonce)
		if err := writeAd(s, ad, classad.FlatMapOrder); err != nil {
			return acc, fmt.Errorf("sending the resume reply: %w", err)
		}
	}
	if sess.key != nil {
		if err := s.EnableCrypto(sess.key); err != nil {
			return acc, err
		}
		acc.Encrypted = true
		clear(sess.key)
	}
	if ok, reason := srv.authorize(acc, true, false); !ok {
		return acc, fmt.Errorf("%w: %s", ErrNotAuthorized, reason)
	}
	return srv.finish(s, acc)
}

// raw handles a command sent without DC_AUTHENTICATE (§4.13): allowed only
// when the permission's policy requires neither negotiation nor
// authentication (or the command is registered at ALLOW), authorized
// host-based for an unauthenticated peer. The payload follows in the
// message that carried the command int.
func (srv *Server) raw(s *cedar.Stream, cmd int64) (*Accepted, error) {
	if cmd != int64(int32(cmd)) {
		return nil, reject("raw command %d is out of range", cmd)
	}
	acc := &Accepted{Stream: s, Command: int(cmd), authCmd: int(cmd), Identity: unauthenticated, Raw: true}
	info, ok := srv.Commands.Lookup(int(cmd))
	if !ok {
		return acc, reject("raw command %d is not registered", cmd)
	}
	acc.Info = info
	if info.Perm != PermAllow {
		pol := srv.Policies.For(info.Perm)
		if pol == nil {
			return acc, reject("no security policy for permission %q of command %d", info.Perm, cmd)
		}
		reqAuth := LevelInvalid
		if info.ForceAuthentication {
			reqAuth = Required
		}
		lv, err := pol.levelsFor(len(srv.implemented(pol)), len(pol.CryptoMethods), reqAuth)
		if err != nil {
			return acc, reject("our security policy is invalid: %v", err)
		}
		if lv.neg == Required || lv.authNew == Required {
			return acc, reject("raw command %d refused: the %s policy requires negotiation (%s) or authentication (%s)", cmd, info.Perm, lv.neg, lv.authNew)
		}
	}
	if ok, reason := srv.authorize(acc, false, true); !ok {
		return acc, fmt.Errorf("%w: %s", ErrNotAuthorized, reason)
	}
	return acc, nil
}
