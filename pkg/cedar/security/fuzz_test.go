package security

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
)

// fuzzKey is a fixed P-256 key so fuzzing does not spend its time on key
// generation.
var fuzzKey = func() *ecdh.PrivateKey {
	k, err := ecdh.P256().NewPrivateKey(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		panic(err)
	}
	return k
}()

// encodeMessage returns one plaintext CEDAR message built by fn.
func encodeMessage(t testing.TB, fn func(s *cedar.Stream) error) []byte {
	t.Helper()
	c := transcript.NewConn(nil)
	s, _ := cedar.NewStream(c, nil)
	if err := fn(s); err != nil {
		t.Fatal(err)
	}
	if err := s.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	return c.Written()
}

// FuzzHandshakeAd feeds arbitrary bytes to the strict handshake-ad reader,
// both as a CEDAR message and as wire lines, and runs the client's
// interpretation of a response ad over whatever parses. Nothing may panic;
// accepted ads hold literals only and at most 100 attributes.
func FuzzHandshakeAd(f *testing.F) {
	for _, tr := range transcript.LoadAll(f) {
		for _, dec := range tr.Decoded {
			for _, m := range dec.Messages[:2] {
				lines := m.Ad()
				f.Add([]byte(strings.Join(lines, "\n")))
				f.Add(encodeMessage(f, func(s *cedar.Stream) error { return s.PutAdLines(lines, "", "") }))
			}
		}
	}
	f.Add([]byte("A = 1 + 2\nB = {1}\nC = [x = 1]\nD = foo()\nE = Other"))
	f.Add([]byte(`Encryption = "YES"` + "\n" + `CryptoMethods = "BLOWFISH"` + "\n" + `ECDHPublicKey = "BAAA"`))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := strings.Split(string(data), "\n")
		if ad, err := ParseHandshakeAd(lines); err == nil {
			if ad.Len() > 100 {
				t.Fatalf("accepted %d attributes", ad.Len())
			}
			for _, n := range ad.Names() {
				if e, _ := ad.Lookup(n); e.IsZero() {
					t.Fatalf("attribute %s without value", n)
				} else if _, lit := e.Literal(); !lit {
					t.Fatalf("non-literal %s accepted", n)
				}
			}
			c := &Client{Policy: &Policy{Perm: PermClient, Authentication: Optional, Encryption: Optional, Integrity: Optional, Negotiation: Preferred}}
			r := &Result{}
			_ = c.readResponse(r, ad, adLevels{auth: Optional, authNew: Optional, enc: Optional, integ: Optional, neg: Preferred})
			st, _ := cedar.NewStream(transcript.NewConn(nil), nil)
			_ = c.enableCrypto(st, r, ad, fuzzKey, adLevels{})
		}
		s, err := cedar.NewStream(transcript.NewConn(data), &cedar.Config{MaxMessageSize: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		if ad, err := readHandshakeAd(s); err == nil && ad.Len() > 100 {
			t.Fatalf("stream reader accepted %d attributes", ad.Len())
		}
	})
}

// fuzzServer is a server whose cache holds session "sid1".
func fuzzServer() *Server {
	k := knobs{"SEC_DEFAULT_AUTHENTICATION_METHODS": "CLAIMTOBE,ANONYMOUS,FS", "SEC_READ_AUTHENTICATION": "OPTIONAL",
		"SEC_DEFAULT_AUTHENTICATION": "PREFERRED"}
	ps, _ := ServerPolicies(k, "COLLECTOR")
	srv := &Server{Policies: ps, Methods: []auth.Server{claimServer(), anonymous.Server{}, failServer{"FS"}},
		Commands: testTable(), Authorize: AllowAll, Sessions: NewServerSessions(10), Hostname: "fuzz", Pid: 1,
		ECDHKey: func() (*ecdh.PrivateKey, error) { return fuzzKey, nil }, Timeout: time.Second,
		Now: func() time.Time { return clockAt }}
	srv.Sessions.add(&serverSession{id: "sid1", key: make([]byte, 32), lastUse: clockAt}, clockAt)
	return srv
}

// FuzzServerAccept sends arbitrary bytes to the server side of the
// handshake: it must neither panic nor hang, and whatever it writes must
// be bounded.
func FuzzServerAccept(f *testing.F) {
	for _, tr := range transcript.LoadAll(f) {
		for _, dec := range tr.Decoded {
			f.Add(tr.DirBytes(f, dec.Connection, transcript.DirCS))
		}
	}
	resume := encodeMessage(f, func(s *cedar.Stream) error {
		if err := s.PutInt(DCAuthenticate); err != nil {
			return err
		}
		return s.PutAdLines([]string{`Command = 5`, `ResumeResponse = true`, `Sid = "sid1"`, `UseSession = "YES"`}, "", "")
	})
	f.Add(resume)
	claim := encodeMessage(f, func(s *cedar.Stream) error {
		if err := s.PutInt(DCAuthenticate); err != nil {
			return err
		}
		return s.PutAdLines([]string{`Enact = "NO"`, `Command = 60040`, `AuthCommand = 60021`, `NewSession = "YES"`,
			`AuthMethods = "FS,CLAIMTOBE"`, `CryptoMethods = "AES"`, `AuthenticationNew = "REQUIRED"`, `Encryption = "OPTIONAL"`,
			`Integrity = "OPTIONAL"`, `ECDHPublicKey = "` + cedar.EncodeECDHPublicKey(fuzzKey.PublicKey()) + `"`}, "", "")
	})
	mask := func(m int64) []byte {
		return encodeMessage(f, func(s *cedar.Stream) error { return s.PutInt(m) })
	}
	f.Add(append(append(append(bytes.Clone(claim), mask(6)...), mask(0)...), mask(2)...))
	f.Add(encodeMessage(f, func(s *cedar.Stream) error { return s.PutInt(cmdRead) }))
	f.Fuzz(func(t *testing.T, data []byte) {
		srv := fuzzServer()
		c := transcript.NewConn(data)
		s, err := cedar.NewStream(c, &cedar.Config{MaxMessageSize: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = srv.Accept(context.Background(), s)
		if len(c.Written()) > 1<<16 {
			t.Fatalf("server wrote %d bytes", len(c.Written()))
		}
	})
}

// FuzzClientStart plays arbitrary bytes as the server's side of a new
// session and of a resumed one: the client must neither panic nor hang.
func FuzzClientStart(f *testing.F) {
	for _, tr := range transcript.LoadAll(f) {
		for _, dec := range tr.Decoded {
			f.Add(tr.DirBytes(f, dec.Connection, transcript.DirSC), dec.SessionResumption)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, resume bool) {
		k := recommendedClient()
		k["SEC_CLIENT_AUTHENTICATION_METHODS"] = "FS,TOKEN,SSL,CLAIMTOBE"
		p, _ := ClientPolicy(k, "TOOL")
		c := &Client{Policy: p, Methods: []auth.Client{failMethod{"FS"}, tokenClient{}, failMethod{"SSL"}, claimClient("u")},
			ECDHKey: func() (*ecdh.PrivateKey, error) { return fuzzKey, nil }, Sessions: NewSessionCache(4),
			Now: func() time.Time { return clockAt }, Rand: transcript.ZeroReader{}}
		if resume {
			c.Sessions.Add(&ClientSession{ID: "s", Sinful: "<x>", Key: make([]byte, 32), CryptoMethod: "AES",
				RemoteVersion: DefaultVersion, ValidCommands: []int{cmdWrite}}, clockAt)
		}
		s, err := cedar.NewStream(transcript.NewConn(data), &cedar.Config{MaxMessageSize: 1 << 16})
		if err != nil {
			t.Fatal(err)
		}
		_, _ = c.StartCommand(context.Background(), s, Request{Command: cmdWrite, Sinful: "<x>"})
	})
}
