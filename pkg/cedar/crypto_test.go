package cedar

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
)

func TestNonceIsAddedNotXORed(t *testing.T) {
	tests := []struct {
		base    string
		counter uint32
		want    string
	}{
		{"000000030102030405060708090a0b0c", 0, "000000030102030405060708090a0b0c"},
		{"000000030102030405060708090a0b0c", 1, "000000040102030405060708090a0b0c"}, // XOR would give ...02
		{"fffffffe0102030405060708090a0b0c", 1, "ffffffff0102030405060708090a0b0c"},
		// Wraps modulo 2^32 inside bytes 0..3, no carry into byte 4.
		{"ffffffffaabbccddeeff001122334455", 1, "00000000aabbccddeeff001122334455"},
		{"80000000000000000000000000000000", 0x80000001, "00000001000000000000000000000000"},
	}
	for _, tc := range tests {
		g := gcmDir{counter: tc.counter}
		copy(g.base[:], transcript.Unhex(t, tc.base))
		if n := g.nonce(); hex.EncodeToString(n[:]) != tc.want {
			t.Errorf("base %s + %d = %x, want %s", tc.base, tc.counter, n, tc.want)
		}
	}
}

// handshake runs a small plaintext exchange over a pipe, derives a key by
// ECDH on both sides and turns crypto on. It returns client and server.
func handshake(t *testing.T, cfg *Config) (client, server *Stream) {
	t.Helper()
	client, server = newPipe(t, cfg)
	cPriv, err := GenerateECDHKey()
	must(t, err)
	sPriv, err := GenerateECDHKey()
	must(t, err)

	done := asyncErr(func() error {
		if err := client.PutInt(60010); err != nil {
			return err
		}
		if err := client.PutAdLines([]string{`ECDHPublicKey = "` + EncodeECDHPublicKey(cPriv.PublicKey()) + `"`}, "", ""); err != nil {
			return err
		}
		return client.EndOfMessage()
	})
	if cmd, err := server.GetInt(); err != nil || cmd != 60010 {
		t.Fatalf("server GetInt = %d, %v", cmd, err)
	}
	lines, _, _, err := server.GetAdLines()
	must(t, err)
	mustEOM(t, server)
	must(t, <-done)
	_, v, _ := SplitAdLine(lines[0])
	cPub, err := ParseECDHPublicKey(strings.Trim(v, `"`))
	must(t, err)

	done = asyncErr(func() error {
		if err := server.PutString(EncodeECDHPublicKey(sPriv.PublicKey())); err != nil {
			return err
		}
		if err := server.EndOfMessage(); err != nil {
			return err
		}
		if err := server.PutInt(0); err != nil { // "hasKey"
			return err
		}
		return server.EndOfMessage()
	})
	spub, _, err := client.GetString()
	must(t, err)
	mustEOM(t, client)
	if v, err := client.GetInt(); err != nil || v != 0 {
		t.Fatalf("client hasKey = %d, %v", v, err)
	}
	mustEOM(t, client)
	must(t, <-done)
	sPub, err := ParseECDHPublicKey(spub)
	must(t, err)

	ck, err := DeriveSessionKey(cPriv, sPub)
	must(t, err)
	sk, err := DeriveSessionKey(sPriv, cPub)
	must(t, err)
	if !bytes.Equal(ck, sk) {
		t.Fatal("the two sides derived different session keys")
	}
	must(t, client.EnableCrypto(ck))
	must(t, server.EnableCrypto(sk))
	return client, server
}

func TestEncryptedConversation(t *testing.T) {
	client, server := handshake(t, &Config{SendPacketSize: 100})
	// Digests cross over: what one side sent is what the other received.
	if client.dSend != server.dRecv || client.dRecv != server.dSend {
		t.Fatal("handshake digests do not match across the two sides")
	}
	long := strings.Repeat("0123456789", 50) // several packets
	done := asyncErr(func() error {
		if err := server.PutAdLines([]string{`User = "alice@example.org"`, `ReturnCode = "AUTHORIZED"`}, "", ""); err != nil {
			return err
		}
		return server.EndOfMessage()
	})
	lines, _, _, err := client.GetAdLines()
	must(t, err)
	mustEOM(t, client)
	must(t, <-done)
	if lines[0] != `User = "alice@example.org"` {
		t.Errorf("lines %q", lines)
	}
	done = asyncErr(func() error {
		if err := client.PutString(long); err != nil {
			return err
		}
		return client.EndOfMessage()
	})
	got, _, err := server.GetString()
	must(t, err)
	mustEOM(t, server)
	must(t, <-done)
	if got != long {
		t.Error("long string corrupted")
	}
	if client.snd.counter != 6 || server.rcv.counter != 6 {
		t.Errorf("counters %d/%d, want 6 packets of at most 100 bytes for 509 bytes", client.snd.counter, server.rcv.counter)
	}
}

func TestDigestMismatchFailsFirstPacket(t *testing.T) {
	// The client hashes a plaintext packet the server never saw: its first
	// encrypted packet then fails to authenticate (cedar.md §1.6).
	s, _ := newLoop(t, nil)
	must(t, s.PutInt(1))
	mustEOM(t, s)
	_, err := s.GetInt()
	must(t, err)
	mustEOM(t, s)
	// Loopback: sent and received digests are equal, so the AAD of our own
	// packet verifies. Now make the receive side differ.
	must(t, s.EnableCrypto(make([]byte, 32)))
	s.dRecv[0] ^= 1
	must(t, s.PutInt(2))
	mustEOM(t, s)
	_, err = s.GetInt()
	if !errors.Is(err, ErrDecrypt) || !strings.Contains(err.Error(), "hashed different handshake packets") {
		t.Fatalf("err = %v", err)
	}
	if s.Err() == nil {
		t.Error("a failed decryption must break the stream")
	}
}

func TestTamperedAndReplayedPackets(t *testing.T) {
	key := bytes.Repeat([]byte{7}, 32)
	// Record three encrypted messages from a loopback writer.
	w, wc := newLoop(t, nil)
	must(t, w.EnableCrypto(key))
	for i := range 3 {
		must(t, w.PutInt(int64(i)))
		mustEOM(t, w)
	}
	wire := wc.Bytes()
	p0 := wire[:HeaderSize+16+8+16]
	p1 := wire[len(p0) : len(p0)+HeaderSize+8+16]
	p2 := wire[len(p0)+len(p1):]

	read := func(data []byte, wantErr error, wantMsg string) {
		t.Helper()
		r, _ := newRaw(t, data, nil)
		must(t, r.EnableCrypto(key))
		var err error
		for range 4 {
			if _, err = r.GetInt(); err != nil {
				break
			}
			mustEOM(t, r)
		}
		if !errors.Is(err, wantErr) || (wantMsg != "" && !strings.Contains(err.Error(), wantMsg)) {
			t.Errorf("err = %v, want %v with %q", err, wantErr, wantMsg)
		}
	}
	read(wire, ErrPeerClosed, "") // intact: three messages, then EOF
	flip := func(b []byte, i int) []byte { b = bytes.Clone(b); b[i] ^= 0x02; return b }
	read(cat(p0, flip(p1, HeaderSize+3), p2), ErrDecrypt, "encrypted packet 1 from the peer")
	read(cat(p0, flip(p1, len(p1)-1), p2), ErrDecrypt, "packet 1")       // tag
	read(cat(flip(p0, 0), p1, p2), ErrDecrypt, "first encrypted packet") // end flag is authenticated
	read(cat(p0, flip(p1, 0), p2), ErrDecrypt, "packet 1")               // ... in later packets too
	read(cat(p0, p1, p1), ErrDecrypt, "packet 2")                        // replay
	read(cat(p0, p2, p1), ErrDecrypt, "packet 1")                        // reorder
	read(cat(flip(p0, 6), p1, p2), ErrDecrypt, "first encrypted packet") // IV
}

func TestEncryptedPacketTooShort(t *testing.T) {
	hdr := func(end byte, n int) []byte { b := packet(end, nil); b[4] = byte(n); return b }
	s, _ := newRaw(t, cat(hdr(1, 32), make([]byte, 32)), nil)
	must(t, s.EnableCrypto(make([]byte, 32)))
	_, err := s.GetInt()
	if !errors.Is(err, ErrMalformedPacket) || !strings.Contains(err.Error(), "encrypted packet of 32 bytes cannot hold IV, data and tag (32 bytes of overhead)") {
		t.Fatalf("err = %v", err)
	}
}

func TestEncryptedMessageTooLarge(t *testing.T) {
	w, wc := newLoop(t, nil)
	must(t, w.EnableCrypto(make([]byte, 32)))
	must(t, w.PutBytes(make([]byte, 100)))
	mustEOM(t, w)
	r, _ := newRaw(t, wc.Bytes(), &Config{MaxMessageSize: 99})
	must(t, r.EnableCrypto(make([]byte, 32)))
	if _, err := r.GetChar(); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("err = %v", err)
	}
}

func TestDigestsAndZeroRule(t *testing.T) {
	// A direction that never carried a plaintext packet contributes 32
	// zero bytes, not SHA-256 of nothing.
	sent := cat(packet(1, be64(1)))
	recv := cat(packet(1, be64(2)), packet(1, []byte("x\x00")))
	s, _ := newRaw(t, recv, nil)
	must(t, s.PutInt(1))
	mustEOM(t, s)
	for range 2 {
		_, err := s.GetChar()
		must(t, err)
		s.DiscardMessage()
	}
	must(t, s.EnableCrypto(make([]byte, 32)))
	if s.dSend != sha256.Sum256(sent) || s.dRecv != sha256.Sum256(recv) {
		t.Error("digests are not SHA-256 over header+payload of the plaintext packets")
	}

	z, _ := newLoop(t, nil)
	must(t, z.EnableCrypto(make([]byte, 32)))
	if z.dSend != [32]byte{} || z.dRecv != [32]byte{} {
		t.Errorf("unused directions: %x / %x, want zeros", z.dSend, z.dRecv)
	}
}

func TestResetDigests(t *testing.T) {
	s, _ := newLoop(t, nil)
	must(t, s.PutInt(75)) // e.g. SHARED_PORT_CONNECT, never seen by the daemon
	mustEOM(t, s)
	must(t, s.ResetDigests())
	must(t, s.EnableCrypto(make([]byte, 32)))
	if s.dSend != [32]byte{} {
		t.Error("ResetDigests did not restart the send digest")
	}
	if err := s.ResetDigests(); !errors.Is(err, ErrState) {
		t.Errorf("ResetDigests with crypto on: %v", err)
	}
	p, _ := newLoop(t, nil)
	must(t, p.PutInt(1))
	if err := p.ResetDigests(); !errors.Is(err, ErrState) {
		t.Errorf("ResetDigests inside a message: %v", err)
	}
}

func TestEnableCryptoErrors(t *testing.T) {
	key := make([]byte, 32)
	s, _ := newLoop(t, nil)
	if err := s.EnableCrypto(make([]byte, 16)); err == nil || !strings.Contains(err.Error(), "session key is 16 bytes, AES-256-GCM needs 32") {
		t.Errorf("short key: %v", err)
	}
	must(t, s.PutInt(1))
	if err := s.EnableCrypto(key); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "outgoing message unsent") {
		t.Errorf("pending output: %v", err)
	}
	mustEOM(t, s)
	if _, err := s.GetChar(); err != nil {
		t.Fatal(err)
	}
	if err := s.EnableCrypto(key); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "inside a received message") {
		t.Errorf("open input: %v", err)
	}
	s.DiscardMessage()
	must(t, s.EnableCrypto(key))
	if err := s.EnableCrypto(key); !errors.Is(err, ErrState) || !strings.Contains(err.Error(), "already on") {
		t.Errorf("twice: %v", err)
	}

	big, _ := newLoop(t, nil)
	must(t, big.PutBytes(make([]byte, maxHashedPlaintext)))
	mustEOM(t, big)
	if err := big.EnableCrypto(key); err == nil || !strings.Contains(err.Error(), "past 1 MiB HTCondor stops hashing") {
		t.Errorf("1 MiB handshake: %v", err)
	}

	bad, _ := newLoop(t, &Config{Rand: bytes.NewReader(nil)})
	if err := bad.EnableCrypto(key); err == nil || !strings.Contains(err.Error(), "base IV") {
		t.Errorf("failing Rand: %v", err)
	}
	if bad.Encrypted() {
		t.Error("crypto half on after a failed EnableCrypto")
	}
}

func TestCounterExhausted(t *testing.T) {
	s := encLoop(t, nil)
	must(t, s.PutInt(1))
	mustEOM(t, s)
	_, err := s.GetInt()
	must(t, err)
	mustEOM(t, s)
	// The last usable counter value works on both sides (nonce wraps).
	s.snd.counter, s.rcv.counter = lastGCMCounter-1, lastGCMCounter-1
	must(t, s.PutInt(2))
	mustEOM(t, s)
	if v, err := s.GetInt(); err != nil || v != 2 {
		t.Fatalf("GetInt = %d, %v", v, err)
	}
	mustEOM(t, s)
	must(t, s.PutInt(3))
	if err := s.EndOfMessage(); !errors.Is(err, ErrCounterExhausted) || !strings.Contains(err.Error(), "open a new connection") {
		t.Fatalf("send: %v", err)
	}
	if s.Err() == nil {
		t.Error("stream not broken after counter exhaustion")
	}

	r := encLoop(t, nil)
	must(t, r.PutInt(1))
	mustEOM(t, r)
	r.rcv.counter = lastGCMCounter
	r.rcv.started = true
	if _, err := r.GetInt(); !errors.Is(err, ErrCounterExhausted) {
		t.Fatalf("receive: %v", err)
	}
}
