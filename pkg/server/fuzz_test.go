package server

import (
	"bytes"
	"context"
	"encoding/binary"
	"net"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/daemon"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// framed wraps payload in one plaintext CEDAR packet (end flag 1).
func framed(payload []byte) []byte {
	if len(payload) == 0 || len(payload) > cedar.MaxPacketSize {
		return nil
	}
	out := make([]byte, 5, 5+len(payload))
	out[0] = 1
	binary.BigEndian.PutUint32(out[1:], uint32(len(payload)))
	return append(out, payload...)
}

// payloadOf strips the packet header frame added.
func payloadOf(msg []byte) []byte { return msg[5:] }

// FuzzDecodeStoreCred feeds arbitrary STORE_CRED messages to the decoder.
func FuzzDecodeStoreCred(f *testing.F) {
	seed := func(user string, mode int, cred []byte, opts *classad.Ad) {
		f.Add(payloadOf(frame(f, func(s *cedar.Stream) error { return putStoreCredNoEOM(s, user, mode, cred, opts) })))
	}
	seed("", credstore.OpAdd|credstore.TypeOAuth, []byte("mysvc-access-token-0123456789abcdef"), ad(f, "service", "mysvc", "NeedRefresh", false))
	seed("alice@example.net", credstore.OpQuery|credstore.TypeOAuth, nil, ad(f, "service", "mysvc", "handle", "h"))
	seed("", credstore.OpAdd|credstore.TypeKrb, []byte{0, 1, 2}, classad.NewAd())
	f.Add(payloadOf(frame(f, func(s *cedar.Stream) error {
		for _, v := range []string{"condor_pool@example.net", "secret"} {
			if err := s.PutString(v); err != nil {
				return err
			}
		}
		return s.PutInt(credstore.ModeLegacyPwd)
	})))
	f.Fuzz(func(t *testing.T, payload []byte) {
		in := framed(payload)
		if in == nil {
			return
		}
		r, err := decodeStoreCred(memStream(t, in, &bytes.Buffer{}))
		if err != nil {
			return
		}
		if len(r.Cred) > credstore.MaxCredLen || (r.Incomplete && (r.Cred != nil || r.Ad != nil)) {
			t.Fatalf("decoded %+v", r)
		}
	})
}

// FuzzHandlers feeds arbitrary request messages to every command handler
// of a configured daemon, on an authenticated, encrypted session: no
// input may panic, and every handler either answers or fails cleanly.
func FuzzHandlers(f *testing.F) {
	fx := newFixture(f, "")
	g := fx.srv.cur.Load()
	handlers := []struct {
		cmd int
		h   daemon.Handler
	}{
		{cmdGetSessionToken, g.handleGetSessionToken},
		{cmdStartTokenRequest, g.handleStartTokenRequest},
		{cmdFinishTokenRequest, g.handleFinishTokenRequest},
		{cmdListTokenRequest, g.handleListTokenRequest},
		{cmdApproveTokenRequest, g.handleApproveTokenRequest},
		{cmdAutoApproveTokenReqs, g.handleAutoApproveTokenRequest},
		{cmdExchangeSciToken, g.handleExchangeSciToken},
		{locate.QueryAnyAds, g.handleQuery},
		{cmdStoreCred, g.handleStoreCred},
		{cmdStorePoolCred, g.handleStorePoolCred},
		{cmdCreddGetToken, g.handleCreddGetToken},
	}
	adMsg := func(a *classad.Ad) []byte {
		return payloadOf(frame(f, func(s *cedar.Stream) error {
			return s.PutAdLines(a.AssignmentLines(classad.FlatMapOrder), "", "")
		}))
	}
	f.Add(uint8(0), adMsg(ad(f, attrTokenLifetime, 600, attrLimitAuthorization, "READ", attrRequestedKey, "POOL")))
	f.Add(uint8(1), adMsg(ad(f, attrUser, bob, attrClientID, "vm-1", attrTokenLifetime, 300, attrLimitAuthorization, "READ,WRITE")))
	f.Add(uint8(2), adMsg(ad(f, attrClientID, "vm-1", attrRequestID, "0123456")))
	f.Add(uint8(3), adMsg(ad(f, attrRequestID, "12")))
	f.Add(uint8(4), adMsg(ad(f, attrClientID, "vm-1", attrRequestID, "x")))
	f.Add(uint8(5), adMsg(ad(f, attrSubnet, "10.0.0.0/8", attrLifetime, 60)))
	f.Add(uint8(6), adMsg(ad(f, attrToken, "x")))
	f.Add(uint8(7), adMsg(ad(f, "MyType", "Query", "TargetType", "Any", "Projection", "Name MyAddress")))
	f.Add(uint8(8), payloadOf(frame(f, func(s *cedar.Stream) error {
		return putStoreCredNoEOM(s, "", credstore.OpQuery|credstore.TypeOAuth, nil, ad(f, "service", "s"))
	})))
	f.Add(uint8(9), payloadOf(frame(f, func(s *cedar.Stream) error {
		if err := s.PutString("other.domain"); err != nil {
			return err
		}
		return s.PutString("")
	})))
	f.Add(uint8(10), adMsg(ad(f, "Service", "mysvc", "Handle", "h")))
	f.Add(uint8(0), []byte("\x00\x00\x00\x00\x00\x00\x00\x01Token = \x00\x00\x00"))

	peer := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}
	id := auth.Identity{User: "admin", Domain: domain, Method: "TOKEN",
		Policy: map[string]any{attrLimitAuthorization: "READ,ADMINISTRATOR", attrTokenExpiration: fx.clock.Now().Unix() + 100}}
	f.Fuzz(func(t *testing.T, which uint8, payload []byte) {
		in := framed(payload)
		if in == nil {
			return
		}
		hc := handlers[int(which)%len(handlers)]
		var out bytes.Buffer
		req := &daemon.Request{Stream: memStream(t, in, &out), Command: hc.cmd, Identity: id, Authenticated: true,
			Method: "IDTOKENS", Encrypted: true, Peer: peer}
		_ = hc.h(context.Background(), req)
		// Whatever was answered must be whole, well-formed CEDAR packets.
		checkFrames(t, out.Bytes())
	})
}

// checkFrames verifies that b is a sequence of complete plaintext packets
// whose last one ends a message.
func checkFrames(t *testing.T, b []byte) {
	t.Helper()
	end := byte(1)
	for len(b) > 0 {
		if len(b) < 5 {
			t.Fatalf("truncated packet header")
		}
		end = b[0]
		n := int(binary.BigEndian.Uint32(b[1:5]))
		if end > 1 || n == 0 || n > cedar.MaxPacketSize || len(b) < 5+n {
			t.Fatalf("bad packet: end %d, length %d of %d", end, n, len(b)-5)
		}
		b = b[5+n:]
	}
	if end != 1 {
		t.Fatal("the reply ends inside a message")
	}
}
