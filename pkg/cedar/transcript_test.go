package cedar

import (
	"bytes"
	"crypto/ecdh"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
)

// The transcripts are real HTCondor 25.14.0 traffic: they are the ground
// truth for framing, primitives, ClassAds and AES-GCM. Each connection is
// replayed twice, once as the client and once as the server: the Stream
// reads the peer's recorded bytes, decodes every message and compares it
// with the recorded values, and encodes its own messages from the recorded
// values. What it writes must equal the recorded bytes exactly, ciphertext
// and tags included (the base IV comes from the transcript through
// Config.Rand). Every packet's header, plaintext, nonce, AAD and counter is
// compared with the recorded decoding.

func TestTranscriptsReplay(t *testing.T) {
	for _, tr := range transcript.LoadAll(t) {
		if !tr.Checks.AllGCMTagsVerified {
			t.Errorf("%s: transcript says not all tags verified", tr.Name)
		}
		for _, dec := range tr.Decoded {
			for _, role := range []string{transcript.DirCS, transcript.DirSC} {
				name := fmt.Sprintf("%s/conn%d/as-%s", tr.Name, dec.Connection, map[string]string{transcript.DirCS: "client", transcript.DirSC: "server"}[role])
				t.Run(name, func(t *testing.T) { replayRole(t, tr, &dec, role) })
			}
		}
	}
}

// replayRole plays the side that sends direction myDir.
func replayRole(t *testing.T, tr *transcript.Transcript, dec *transcript.Decoded, myDir string) {
	peerDir := transcript.OtherDir(myDir)
	if len(dec.Problems) != 0 {
		t.Fatalf("transcript decoder reported problems: %v", dec.Problems)
	}
	key := transcript.Unhex(t, dec.SessionKeyHex)
	wantOut := tr.DirBytes(t, dec.Connection, myDir)
	conn := transcript.NewConn(tr.DirBytes(t, dec.Connection, peerDir))

	// Our base IV: the one recorded on our first encrypted packet.
	cfg := &Config{SendPacketSize: CxxSendPacketSize, Rand: dec.IVSource(t, myDir)}
	s, err := NewStream(conn, cfg)
	if err != nil {
		t.Fatal(err)
	}
	events := map[string][]packetEvent{}
	s.trace = func(ev packetEvent) {
		d := peerDir
		if ev.send {
			d = myDir
		}
		events[d] = append(events[d], ev)
	}

	for i, m := range dec.Messages {
		if m.Encrypted && !s.Encrypted() {
			if err := s.EnableCrypto(key); err != nil {
				t.Fatalf("message %d: EnableCrypto: %v", i, err)
			}
			checkDigests(t, s, dec, myDir)
		}
		if m.Encrypted != s.Encrypted() {
			t.Fatalf("message %d (%s): recorded encrypted=%v after crypto was on", i, m.What, m.Encrypted)
		}
		if m.Dir == myDir {
			if err := transcript.PutValues(s, &m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
		} else {
			if err := transcript.GetValues(s, &m); err != nil {
				t.Fatalf("message %d: %v", i, err)
			}
			if !s.MessageConsumed() {
				t.Errorf("message %d (%s): %d bytes left after the recorded values", i, m.What, s.Remaining())
			}
		}
		if err := s.EndOfMessage(); err != nil {
			t.Fatalf("message %d (%s): EndOfMessage: %v", i, m.What, err)
		}
	}

	if got := conn.Written(); !bytes.Equal(got, wantOut) {
		t.Errorf("written %s stream differs from the recorded one (%d vs %d bytes), first difference at byte %d",
			myDir, len(got), len(wantOut), transcript.FirstDiff(got, wantOut))
	}
	if n := conn.Unread(); n != 0 {
		t.Errorf("%d recorded %s bytes left unread", n, peerDir)
	}
	for _, d := range []string{myDir, peerDir} {
		comparePackets(t, d, events[d], dec.Packets[d])
	}
	checkMessagePackets(t, dec)
}

// checkDigests compares the handshake digests captured by EnableCrypto
// with the recorded ones (listed only for directions that sent encrypted
// packets).
func checkDigests(t *testing.T, s *Stream, dec *transcript.Decoded, myDir string) {
	t.Helper()
	mine := map[string][]byte{myDir: s.dSend[:], transcript.OtherDir(myDir): s.dRecv[:]}
	for dir, want := range dec.AESGCM.HandshakeDigestHex {
		d := strings.TrimSuffix(dir, " plaintext packets")
		if got := hex.EncodeToString(mine[d]); got != want {
			t.Errorf("handshake digest %s = %s, recorded %s", d, got, want)
		}
	}
}

// comparePackets checks every packet the Stream saw or produced against the
// recorded packet list of that direction.
func comparePackets(t *testing.T, dir string, got []packetEvent, want []transcript.Packet) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s: %d packets, recorded %d", dir, len(got), len(want))
		return
	}
	for i, w := range want {
		g := got[i]
		where := fmt.Sprintf("%s packet %d", dir, i)
		if h := hex.EncodeToString(g.header[:]); h != w.HeaderHex {
			t.Errorf("%s: header %s, recorded %s", where, h, w.HeaderHex)
		}
		if int(g.header[0]) != w.End || int(uint32(g.header[1])<<24|uint32(g.header[2])<<16|uint32(g.header[3])<<8|uint32(g.header[4])) != w.Len {
			t.Errorf("%s: header %x does not match end=%d len=%d", where, g.header, w.End, w.Len)
		}
		if p := hex.EncodeToString(g.plaintext); p != w.PlaintextHex {
			t.Errorf("%s: plaintext differs", where)
		}
		if g.encrypted != w.Encrypted {
			t.Errorf("%s: encrypted=%v, recorded %v", where, g.encrypted, w.Encrypted)
			continue
		}
		if !w.Encrypted {
			continue
		}
		if !w.GCM.TagVerified {
			t.Errorf("%s: recorded tag not verified", where)
		}
		if g.counter != w.GCM.Counter {
			t.Errorf("%s: counter %d, recorded %d", where, g.counter, w.GCM.Counter)
		}
		if n := hex.EncodeToString(g.nonce); n != w.GCM.NonceHex {
			t.Errorf("%s: nonce %s, recorded %s", where, n, w.GCM.NonceHex)
		}
		if a := hex.EncodeToString(g.aad); a != w.GCM.AADHex {
			t.Errorf("%s: AAD %s, recorded %s", where, a, w.GCM.AADHex)
		}
		if b := hex.EncodeToString(g.baseIV); b != w.GCM.BaseIVHex {
			t.Errorf("%s: base IV %q, recorded %q", where, b, w.GCM.BaseIVHex)
		}
	}
}

// checkMessagePackets checks that each recorded message is the
// concatenation of its packets' plaintext, in order, and that only the last
// packet carries the end flag.
func checkMessagePackets(t *testing.T, dec *transcript.Decoded) {
	t.Helper()
	for i, m := range dec.Messages {
		var cat string
		for k, idx := range m.Packets {
			p := dec.Packets[m.Dir][idx]
			cat += p.PlaintextHex
			if last := k == len(m.Packets)-1; (p.End != 0) != last {
				t.Errorf("message %d packet %d: end flag %d", i, idx, p.End)
			}
		}
		if cat != m.PlaintextHex {
			t.Errorf("message %d (%s): packets do not concatenate to the message", i, m.What)
		}
	}
}

// TestTranscriptAADLayout pins the facts of cedar.md §1.6 as recorded: the
// first encrypted packet of a direction is IV ‖ ciphertext ‖ tag with
// len = N + 32 and a 69-byte AAD starting with the sender's own digest;
// later packets have len = N + 16, AAD = header, nonce = base IV + counter
// in bytes 0..3.
func TestTranscriptAADLayout(t *testing.T) {
	firsts, later := 0, 0
	for _, tr := range transcript.LoadAll(t) {
		for _, dec := range tr.Decoded {
			for dir, pkts := range dec.Packets {
				var base []byte
				for _, p := range pkts {
					if !p.Encrypted {
						continue
					}
					hdr := transcript.Unhex(t, p.HeaderHex)
					aad := transcript.Unhex(t, p.GCM.AADHex)
					pt := transcript.Unhex(t, p.PlaintextHex)
					where := fmt.Sprintf("%s conn %d %s packet %d", tr.Name, dec.Connection, dir, p.Index)
					if p.GCM.BaseIVHex != "" {
						firsts++
						base = transcript.Unhex(t, p.GCM.BaseIVHex)
						if p.Len != len(pt)+32 || len(aad) != 69 || !bytes.Equal(aad[64:], hdr) {
							t.Errorf("%s: first packet len %d for %d plaintext bytes, AAD %d bytes", where, p.Len, len(pt), len(aad))
						}
						own := dec.AESGCM.HandshakeDigestHex[dir+" plaintext packets"]
						if hex.EncodeToString(aad[:32]) != own {
							t.Errorf("%s: AAD does not start with the sender's digest", where)
						}
						if p.GCM.Counter != 0 {
							t.Errorf("%s: first packet counter %d", where, p.GCM.Counter)
						}
					} else {
						later++
						if p.Len != len(pt)+16 || !bytes.Equal(aad, hdr) {
							t.Errorf("%s: later packet len %d for %d plaintext bytes, AAD %x", where, p.Len, len(pt), aad)
						}
					}
					g := gcmDir{counter: p.GCM.Counter}
					copy(g.base[:], base)
					if n := g.nonce(); hex.EncodeToString(n[:]) != p.GCM.NonceHex {
						t.Errorf("%s: nonce %x, recorded %s", where, n, p.GCM.NonceHex)
					}
				}
			}
		}
	}
	// README "Verification status": 36 packets, 23 of them first packets.
	if firsts != 23 || firsts+later != 36 {
		t.Errorf("saw %d first and %d later encrypted packets, want 23 and 13", firsts, later)
	}
}

// TestTranscriptMultiPacketMessage checks the encrypted reply split over two
// packets in collector_query.json connection 3 (cedar.md §1.3).
func TestTranscriptMultiPacketMessage(t *testing.T) {
	dec := transcript.Load(t, "collector_query").Decoding(t, 3)
	var multi *transcript.Message
	for i := range dec.Messages {
		if len(dec.Messages[i].Packets) > 1 {
			multi = &dec.Messages[i]
		}
	}
	if multi == nil || multi.Dir != transcript.DirSC || !multi.Encrypted {
		t.Fatal("no encrypted multi-packet S>C message")
	}
	type pk struct {
		End, Len int
		Counter  uint32
	}
	var got []pk
	for _, idx := range multi.Packets {
		p := dec.Packets[transcript.DirSC][idx]
		got = append(got, pk{p.End, p.Len, p.GCM.Counter})
	}
	want := []pk{{0, CxxSendPacketSize + gcmTagSize, 1}, {1, 3029 + gcmTagSize, 2}}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("packets (-want +got):\n%s", d)
	}
	if n := len(multi.PlaintextHex) / 2; n != 7120 {
		t.Errorf("message is %d bytes, want 7120", n)
	}
	// The replay (TestTranscriptsReplay) decodes it and re-encrypts it byte
	// for byte with SendPacketSize = CxxSendPacketSize.
}

// TestTranscriptECDH recomputes every new session's key from the client's
// ECDH private key and the server's public key on the wire, and checks the
// encoding of both public keys in the handshake ads (cedar.md §4.8).
func TestTranscriptECDH(t *testing.T) {
	seen := 0
	for _, tr := range transcript.LoadAll(t) {
		keys := map[int]string{}
		for _, sk := range tr.Keys.SessionKeys {
			keys[sk.Connection] = sk.KeyHex
		}
		for _, sk := range tr.Keys.SessionKeys {
			where := fmt.Sprintf("%s conn %d", tr.Name, sk.Connection)
			dec := tr.Decoded[sk.Connection-1]
			if dec.SessionKeyHex != sk.KeyHex {
				t.Errorf("%s: decoded session key differs from keys.session_keys", where)
			}
			if sk.ECDH == nil {
				// Resumed session: the key of the connection that made it.
				if !dec.SessionResumption || keys[sk.EstablishedOnConnection] != sk.KeyHex {
					t.Errorf("%s: resumed key does not match connection %d", where, sk.EstablishedOnConnection)
				}
				continue
			}
			seen++
			priv, err := ecdh.P256().NewPrivateKey(transcript.Unhex(t, sk.ECDH.ClientPrivateKeyHex))
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if got := hex.EncodeToString(priv.PublicKey().Bytes()); got != sk.ECDH.ClientPublicKeyHex {
				t.Errorf("%s: client public key %s, recorded %s", where, got, sk.ECDH.ClientPublicKeyHex)
			}
			clientWire := adValue(t, dec.Messages[0], "ECDHPublicKey")
			serverWire := adValue(t, dec.Messages[1], "ECDHPublicKey")
			if got := EncodeECDHPublicKey(priv.PublicKey()); got != clientWire || len(got) != 88 {
				t.Errorf("%s: encoded client key %q, on the wire %q", where, got, clientWire)
			}
			serverPub, err := ParseECDHPublicKey(serverWire)
			if err != nil {
				t.Fatalf("%s: %v", where, err)
			}
			if got := hex.EncodeToString(serverPub.Bytes()); got != sk.ECDH.ServerPublicKeyFromWireHex {
				t.Errorf("%s: server key from wire %s, recorded %s", where, got, sk.ECDH.ServerPublicKeyFromWireHex)
			}
			x, err := priv.ECDH(serverPub)
			if err != nil || hex.EncodeToString(x) != sk.ECDH.SharedSecretXHex {
				t.Errorf("%s: shared secret %x (%v), recorded %s", where, x, err, sk.ECDH.SharedSecretXHex)
			}
			key, err := DeriveSessionKey(priv, serverPub)
			if err != nil || hex.EncodeToString(key) != sk.KeyHex {
				t.Errorf("%s: derived session key differs from the recorded one (%v)", where, err)
			}
		}
	}
	if seen != 10 {
		t.Errorf("checked %d ECDH sessions, want 10 (all new sessions)", seen)
	}
}

// adValue returns the unquoted string value of attribute name in the first
// ClassAd of message m.
func adValue(t *testing.T, m transcript.Message, name string) string {
	t.Helper()
	for _, v := range m.Values {
		if v.ClassAd == nil {
			continue
		}
		for _, l := range *v.ClassAd {
			if n, val, ok := SplitAdLine(l); ok && strings.EqualFold(n, name) {
				return strings.Trim(val, `"`)
			}
		}
	}
	t.Fatalf("message %q has no attribute %s", m.What, name)
	return ""
}
