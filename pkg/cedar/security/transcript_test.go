package security

import (
	"bytes"
	"context"
	"crypto/ecdh"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/google/go-cmp/cmp"
)

// The transcripts are real HTCondor 25.14.0 traffic. These tests play the
// recorded server side of every connection against our client: given the
// recorded ECDH private key, base IVs and resume nonces, our client must
// write exactly the recorded client bytes — message 1, the method
// bitmask, the hasKey handling, the AES packets of the command payload —
// and resume the sessions the real tools resumed (token_request_approve
// connections 4 and 5) on its own.

// processes groups the connections of one transcript by the tool process
// that opened them (a client's session cache lives in one process).
var processes = map[string][][]int{
	"token_request_approve": {{1, 5}, {2}, {3, 4}},
	"collector_query":       {{1, 2}, {3}},
}

// clockAt is the transcripts' wall clock (README: around 1795640000).
var clockAt = time.Unix(1795640660, 0)

// connParts splits a recorded connection into the handshake and the
// command payload that follows it.
type connParts struct {
	first, response transcript.Message
	chosen          int64                // method bit chosen by the server, 0 = none
	method          []transcript.Message // the chosen method's messages
	postAuthUser    string
	payload         []transcript.Message
}

func splitConn(t *testing.T, dec *transcript.Decoded) connParts {
	t.Helper()
	ms := dec.Messages
	p := connParts{first: ms[0], response: ms[1]}
	if dec.SessionResumption {
		p.payload = ms[2:]
		return p
	}
	resp, err := ParseHandshakeAd(ms[1].Ad())
	if err != nil {
		t.Fatal(err)
	}
	next := 2
	if d, _ := adDecision(resp, AttrAuthentication); d == Yes {
		p.chosen = *ms[3].Values[0].Int
		h := 4
		for !strings.HasPrefix(ms[h].What, "key-exchange flag") {
			h++
		}
		p.method = ms[4:h]
		next = h + 1
	}
	pa, err := ParseHandshakeAd(ms[next].Ad())
	if err != nil {
		t.Fatal(err)
	}
	p.postAuthUser, _ = adString(pa, AttrUser)
	next++
	if strings.HasPrefix(ms[next-1].What, "post-auth") && next < len(ms) && strings.HasPrefix(ms[next].What, "DC_SEC_QUERY") {
		next++
	}
	p.payload = ms[next:]
	return p
}

// clientFor builds a Client whose configuration reproduces the recorded
// message 1: the configured levels (Authentication from
// AuthenticationNew, negotiation PREFERRED: the dependency rules must
// raise them to the recorded values), methods, crypto list, durations.
func clientFor(t *testing.T, first transcript.Message, chosen int64, method []transcript.Message) *Client {
	t.Helper()
	ad, err := ParseHandshakeAd(first.Ad())
	if err != nil {
		t.Fatal(err)
	}
	dur, _ := adString(ad, AttrSessionDuration)
	lease, _ := adInt(ad, AttrSessionLease)
	pol := &Policy{Perm: PermClient,
		Authentication: adLevel(ad, AttrAuthenticationNew), Encryption: adLevel(ad, AttrEncryption),
		Integrity: adLevel(ad, AttrIntegrity), Negotiation: Preferred,
		AuthMethods: splitList(adStr(ad, AttrAuthMethods)), CryptoMethods: splitList(adStr(ad, AttrCryptoMethods)),
		SessionDuration: time.Duration(atoiPrefix(dur)) * time.Second, SessionLease: time.Duration(lease) * time.Second,
		TrustDomain: adStr(ad, AttrTrustDomain), IssuerKeys: []string{"POOL"}}
	var methods []auth.Client
	for _, name := range pol.AuthMethods {
		if b, _ := auth.Bit(name); int64(b) == chosen {
			methods = append(methods, replay.Chosen(t, name, method))
		} else {
			methods = append(methods, replay.Offered(t, name))
		}
	}
	pid, _ := adInt(ad, AttrServerPid)
	return &Client{Policy: pol, Methods: methods, Version: adStr(ad, AttrRemoteVersion),
		Subsystem: adStr(ad, AttrSubsystem), Pid: int(pid), Now: func() time.Time { return clockAt }}
}

func TestTranscriptClientReplay(t *testing.T) {
	for _, tr := range transcript.LoadAll(t) {
		groups := processes[tr.Name]
		if groups == nil {
			for _, d := range tr.Decoded {
				groups = append(groups, []int{d.Connection})
			}
		}
		for _, group := range groups {
			cache := NewSessionCache(0)
			for _, n := range group {
				t.Run(fmt.Sprintf("%s/conn%d", tr.Name, n), func(t *testing.T) {
					replayClient(t, tr, n, cache)
				})
			}
		}
	}
}

func replayClient(t *testing.T, tr *transcript.Transcript, n int, cache *SessionCache) {
	dec := tr.Decoding(t, n)
	parts := splitConn(t, dec)
	first, err := ParseHandshakeAd(parts.first.Ad())
	if err != nil {
		t.Fatal(err)
	}
	var c *Client
	if dec.SessionResumption {
		// Same configuration as the process's earlier connection; only the
		// cache matters, plus the recorded nonce.
		c = &Client{Policy: &Policy{Perm: PermClient, Authentication: Optional, Encryption: Required, Integrity: Required,
			Negotiation: Preferred, CryptoMethods: []string{"AES"}},
			Version: adStr(first, AttrRemoteVersion), Now: func() time.Time { return clockAt }}
		nonce, err := base64.StdEncoding.DecodeString(adStr(first, AttrNonce))
		if err != nil || len(nonce) != nonceSize {
			t.Fatalf("recorded nonce: %v", err)
		}
		c.Rand = bytes.NewReader(nonce)
	} else {
		c = clientFor(t, parts.first, parts.chosen, parts.method)
		priv := tr.ClientPrivateKey(t, n)
		c.ECDHKey = func() (*ecdh.PrivateKey, error) { return ecdh.P256().NewPrivateKey(priv) }
	}
	c.Sessions = cache

	s, conn := replay.Side(t, tr, n, transcript.DirCS)
	cmd, _ := adInt(first, AttrCommand)
	authCmd, _ := adInt(first, AttrAuthCommand)
	res, err := c.StartCommand(context.Background(), s, Request{Command: int(cmd), AuthCommand: int(authCmd), Sinful: adStr(first, AttrConnectSinful)})
	if err != nil {
		t.Fatalf("StartCommand: %v", err)
	}
	if res.Resumed != dec.SessionResumption || !res.Encrypted {
		t.Errorf("resumed %v (recorded %v), encrypted %v", res.Resumed, dec.SessionResumption, res.Encrypted)
	}
	if !dec.SessionResumption {
		if res.MyIdentity != parts.postAuthUser {
			t.Errorf("identity %q, recorded %q", res.MyIdentity, parts.postAuthUser)
		}
		wantMethod := ""
		if parts.chosen != 0 {
			for _, name := range c.Policy.AuthMethods {
				if b, _ := auth.Bit(name); int64(b) == parts.chosen {
					wantMethod = auth.UsedName(name)
				}
			}
		}
		if res.Method != wantMethod {
			t.Errorf("method %q, want %q", res.Method, wantMethod)
		}
	}
	if cmd == DCSecQuery {
		if ok, _ := res.SecQuery.GetBool(AttrAuthorizationSucceeded); !ok {
			t.Errorf("DC_SEC_QUERY answer %v", res.SecQuery)
		}
	}
	for _, m := range parts.payload {
		if err := transcript.Exchange(s, &m, transcript.DirCS); err != nil {
			t.Fatalf("payload: %v", err)
		}
	}
	want := tr.DirBytes(t, dec.Connection, transcript.DirCS)
	if got := conn.Written(); !bytes.Equal(got, want) {
		t.Errorf("client wrote %d bytes, recorded %d; first difference at %d", len(got), len(want), transcript.FirstDiff(got, want))
	}
	if n := conn.Unread(); n != 0 {
		t.Errorf("%d recorded server bytes left unread", n)
	}
}

// TestTranscriptServerResume plays the recorded client side of the two
// resumed connections against our server, whose cache holds the recorded
// session: with the recorded nonce and base IV our server must write
// exactly the recorded server bytes (resume reply, AES packets).
func TestTranscriptServerResume(t *testing.T) {
	tr := transcript.Load(t, "token_request_approve")
	for _, n := range []int{4, 5} {
		dec := tr.Decoding(t, n)
		t.Run(fmt.Sprintf("conn%d", n), func(t *testing.T) {
			first, err := ParseHandshakeAd(dec.Messages[0].Ad())
			if err != nil {
				t.Fatal(err)
			}
			reply, err := ParseHandshakeAd(dec.Messages[1].Ad())
			if err != nil {
				t.Fatal(err)
			}
			nonce, _ := base64.StdEncoding.DecodeString(adStr(reply, AttrNonce))
			srv := &Server{Commands: table{60048: {Perm: PermDaemon, AltPerms: []string{PermAllow}}, 60050: {Perm: PermDaemon, AltPerms: []string{PermAllow}, ForceAuthentication: true}},
				Authorize: AllowAll, Sessions: NewServerSessions(0), Version: adStr(reply, AttrRemoteVersion),
				Rand: bytes.NewReader(nonce), Now: func() time.Time { return clockAt }}
			sid := adStr(first, AttrSid)
			srv.Sessions.add(&serverSession{id: sid, key: transcript.Unhex(t, dec.SessionKeyHex), authenticated: true,
				identity: auth.Identity{User: "condor", Domain: "example.net"}, method: "FS", lastUse: clockAt,
				expires: clockAt.Add(time.Minute)}, clockAt)
			s, conn := replay.Side(t, tr, n, transcript.DirSC)
			acc, err := srv.Accept(context.Background(), s)
			if err != nil {
				t.Fatalf("Accept: %v", err)
			}
			cmd, _ := adInt(first, AttrCommand)
			if !acc.Resumed || acc.SessionID != sid || acc.Command != int(cmd) || acc.Identity.FQU() != "condor@example.net" {
				t.Errorf("accepted %+v", acc)
			}
			for _, m := range dec.Messages[2:] {
				if err := transcript.Exchange(s, &m, transcript.DirSC); err != nil {
					t.Fatal(err)
				}
			}
			if want := tr.DirBytes(t, n, transcript.DirSC); !bytes.Equal(conn.Written(), want) {
				t.Errorf("server wrote %d bytes, recorded %d; first difference at %d", len(conn.Written()), len(want), transcript.FirstDiff(conn.Written(), want))
			}
		})
	}
}

// TestTranscriptMessage1Shape builds message 1 the way the lead will — a
// client policy from `use security:recommended` knobs, stub methods with
// the recorded names — and compares its attribute names and value types
// with the first message of every recorded connection (new and resumed).
// Values differ where they must: CryptoMethods is "AES" only (pitfall 5),
// the pid, the key, the version.
func TestTranscriptMessage1Shape(t *testing.T) {
	for _, tr := range transcript.LoadAll(t) {
		cache := NewSessionCache(0)
		for _, dec := range tr.Decoded {
			t.Run(fmt.Sprintf("%s/conn%d", tr.Name, dec.Connection), func(t *testing.T) {
				rec, err := ParseHandshakeAd(dec.Messages[0].Ad())
				if err != nil {
					t.Fatal(err)
				}
				k := recommendedClient()
				k["SEC_CLIENT_AUTHENTICATION_METHODS"] = adStr(rec, AttrAuthMethods)
				p, err := ClientPolicy(k, "TOOL")
				if err != nil {
					t.Fatal(err)
				}
				p.IssuerKeys = []string{"POOL"}
				var methods []auth.Client
				for _, name := range p.AuthMethods {
					methods = append(methods, replay.Offered(t, name))
				}
				c := &Client{Policy: p, Methods: methods, Sessions: cache, Now: func() time.Time { return clockAt }}
				cmd, _ := adInt(rec, AttrCommand)
				authCmd, _ := adInt(rec, AttrAuthCommand)
				sinful := adStr(rec, AttrConnectSinful)
				if dec.SessionResumption {
					cache.Add(&ClientSession{ID: adStr(rec, AttrSid), Sinful: sinful, Key: make([]byte, 32), CryptoMethod: "AES",
						RemoteVersion: DefaultVersion, ValidCommands: []int{int(cmd)}}, clockAt)
				}
				conn := transcript.NewConn(nil)
				s, _ := cedar.NewStream(conn, nil)
				_, err = c.StartCommand(context.Background(), s, Request{Command: int(cmd), AuthCommand: int(authCmd), Sinful: sinful})
				if err == nil {
					t.Fatal("StartCommand succeeded against a silent peer")
				}
				// Decode what we sent: int 60010 then the ad.
				in, _ := cedar.NewStream(transcript.NewConn(conn.Written()), nil)
				if n, err := in.GetInt(); err != nil || n != DCAuthenticate {
					t.Fatalf("first int %d, %v", n, err)
				}
				lines, _, _, err := in.GetAdLines()
				if err != nil {
					t.Fatal(err)
				}
				ours, err := ParseHandshakeAd(lines)
				if err != nil {
					t.Fatal(err)
				}
				if got, want := adShape(ours), adShape(rec); got != want {
					t.Errorf("attribute names and types differ:\nours     %s\nrecorded %s", got, want)
				}
				if dec.SessionResumption {
					if got, want := strings.Join(namesOf(lines), " "), strings.Join(namesOf(dec.Messages[0].Ad()), " "); got != want {
						t.Errorf("resume ad order %q, recorded %q", got, want)
					}
				}
			})
		}
	}
}

// adShape renders "Name:type" for every attribute, in wire order.
func adShape(ad *classad.Ad) string {
	var parts []string
	for _, name := range ad.SortedNames(classad.FlatMapOrder) {
		parts = append(parts, name+":"+ad.Get(name).Kind().String())
	}
	return strings.Join(parts, " ")
}

func namesOf(lines []string) []string {
	var out []string
	for _, l := range lines {
		n, _, _ := cedar.SplitAdLine(l)
		out = append(out, n)
	}
	return out
}

// TestTranscriptServerResponse feeds every recorded message 1 of a new
// session to our server, configured like the recorded pool (`use
// security:recommended`, methods FS, IDTOKENS, SSL, the POOL key), and
// compares our response ad with the recorded one: same attributes, types
// and values, except the server's ECDH key and version, and
// CryptoMethodsList, which is "AES" because we offer nothing else.
func TestTranscriptServerResponse(t *testing.T) {
	k := knobs{"SEC_DEFAULT_AUTHENTICATION": "REQUIRED", "SEC_DEFAULT_ENCRYPTION": "REQUIRED", "SEC_DEFAULT_INTEGRITY": "REQUIRED",
		"SEC_READ_AUTHENTICATION": "OPTIONAL", "SEC_DEFAULT_AUTHENTICATION_METHODS": "FS, IDTOKENS, SSL", "TRUST_DOMAIN": "example.net"}
	ps, err := ServerPolicies(k, "SCHEDD")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range ps {
		p.IssuerKeys = []string{"POOL"}
	}
	cmds := table{
		6:     {Perm: PermRead},
		60021: {Perm: PermWrite},
		60046: {Perm: PermDaemon, AltPerms: []string{PermAllow}},
		60047: {Perm: PermDaemon, AltPerms: []string{PermAllow}},
		60049: {Perm: PermDaemon, AltPerms: []string{PermAllow}, ForceAuthentication: true},
		479:   {Perm: PermWrite, ForceAuthentication: true},
	}
	for _, tr := range transcript.LoadAll(t) {
		for _, dec := range tr.Decoded {
			if dec.SessionResumption {
				continue
			}
			t.Run(fmt.Sprintf("%s/conn%d", tr.Name, dec.Connection), func(t *testing.T) {
				srv := &Server{Policies: ps, Commands: cmds, Authorize: AllowAll,
					Methods: []auth.Server{failServer{"FS"}, tokenServer{}, failServer{"SSL"}},
					ECDHKey: func() (*ecdh.PrivateKey, error) { return fuzzKey, nil }}
				conn := transcript.NewConn(tr.DirBytes(t, dec.Connection, transcript.DirCS))
				s, _ := cedar.NewStream(conn, nil)
				_, _ = srv.Accept(context.Background(), s) // continues past the response; only that matters here
				in, _ := cedar.NewStream(transcript.NewConn(conn.Written()), nil)
				lines, _, _, err := in.GetAdLines()
				if err != nil {
					t.Fatalf("our response: %v", err)
				}
				normalize := func(ls []string) []string {
					var out []string
					for _, l := range ls {
						switch n, _, _ := cedar.SplitAdLine(l); n {
						case AttrECDHPublicKey, AttrRemoteVersion:
							l = n + " = <varies>"
						case AttrCryptoMethodsList:
							l = n + ` = "AES"`
						}
						out = append(out, l)
					}
					return out
				}
				if d := cmp.Diff(normalize(dec.Messages[1].Ad()), normalize(lines)); d != "" {
					t.Errorf("response ad (-recorded +ours):\n%s", d)
				}
			})
		}
	}
}
