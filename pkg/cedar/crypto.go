package cedar

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"hash"
	"io"
)

// AES-256-GCM parameters (cedar.md §1.6).
const (
	// SessionKeySize is the AES-256 session key size.
	SessionKeySize = 32

	gcmIVSize    = 16 // base IV, also the nonce size (not the usual 12)
	gcmTagSize   = 16
	aadFirstSize = 2*sha256.Size + HeaderSize // 69

	// lastGCMCounter is the counter value at which C++ refuses to encrypt
	// or decrypt (condor_crypt_aesgcm.cpp): a direction carries at most
	// 0xffffffff packets.
	lastGCMCounter = 0xffffffff

	// maxHashedPlaintext: C++ stops hashing plaintext packets once a
	// direction passes 1 MiB and the two sides' rules differ (cedar.md §1.6),
	// so EnableCrypto refuses a handshake that large.
	maxHashedPlaintext = 1 << 20
)

// gcmDir is the AES-GCM state of one direction.
type gcmDir struct {
	aead    cipher.AEAD
	base    [gcmIVSize]byte // base IV: ours when sending, the peer's when receiving
	counter uint32          // packets already sealed / opened in this direction
	started bool            // the first packet (with IV and 69-byte AAD) is done
}

// nonce returns the nonce of the next packet: the base IV with the packet
// counter added, modulo 2^32, to the big-endian uint32 in bytes 0..3
// (cedar.md §1.6, §9.1 — added, not XORed).
func (g *gcmDir) nonce() [gcmIVSize]byte {
	n := g.base
	binary.BigEndian.PutUint32(n[:4], binary.BigEndian.Uint32(g.base[:4])+g.counter)
	return n
}

// EnableCrypto turns AES-256-GCM on for both directions at once with the
// 32-byte session key (cedar.md §4.9): every later packet in either
// direction is encrypted, and strings get their length prefix. Call it at
// the protocol point where the peer does: between messages, never with a
// message half sent or half read.
//
// The handshake digests that authenticate the first encrypted packet of
// each direction are taken here from the plaintext packets this Stream has
// sent and received since it was created (or since ResetDigests). No
// client/server role is needed: each side puts the digest of the packet's
// sender first, so the same rule serves both ends (cedar.md §1.6).
//
// A fresh random 16-byte base IV for the sending direction is drawn from
// Config.Rand.
func (s *Stream) EnableCrypto(key []byte) error {
	if s.broken != nil {
		return s.broken
	}
	if s.snd != nil {
		return fmt.Errorf("%w: crypto is already on (CEDAR never turns AES off)", ErrState)
	}
	if len(key) != SessionKeySize {
		return fmt.Errorf("cedar: session key is %d bytes, AES-256-GCM needs %d", len(key), SessionKeySize)
	}
	if s.outActive || s.outErr != nil {
		return fmt.Errorf("%w: cannot turn crypto on with an outgoing message unsent; call EndOfMessage first", ErrState)
	}
	if s.inActive {
		return fmt.Errorf("%w: cannot turn crypto on inside a received message; call EndOfMessage first", ErrState)
	}
	if s.plainSent >= maxHashedPlaintext || s.plainRecv >= maxHashedPlaintext {
		return fmt.Errorf("cedar: %d bytes sent / %d received before crypto: past 1 MiB HTCondor stops hashing the handshake and the first encrypted packet would fail", s.plainSent, s.plainRecv)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return fmt.Errorf("cedar: AES key setup: %w", err)
	}
	seal, err := cipher.NewGCMWithNonceSize(block, gcmIVSize)
	if err != nil {
		// Refused under GODEBUG=fips140=only (cedar.md §9.1).
		return fmt.Errorf("cedar: AES-GCM with a 16-byte nonce unavailable (FIPS-only mode?): %w", err)
	}
	open, err := cipher.NewGCMWithNonceSize(block, gcmIVSize)
	if err != nil {
		return fmt.Errorf("cedar: AES-GCM with a 16-byte nonce unavailable (FIPS-only mode?): %w", err)
	}
	snd := &gcmDir{aead: seal}
	if _, err := io.ReadFull(s.cfg.Rand, snd.base[:]); err != nil {
		return fmt.Errorf("cedar: generating the AES-GCM base IV: %w", err)
	}
	s.dSend = digestOrZero(s.sendHash)
	s.dRecv = digestOrZero(s.recvHash)
	s.sendHash, s.recvHash = nil, nil
	s.snd, s.rcv = snd, &gcmDir{aead: open}
	return nil
}

// ResetDigests restarts both handshake digests, like C++ resetHeaderMD().
// A client calls it right after sending SHARED_PORT_CONNECT, which the
// target daemon never sees (cedar.md §1.6, §6.8).
func (s *Stream) ResetDigests() error {
	if s.snd != nil {
		return fmt.Errorf("%w: handshake digests are final once crypto is on", ErrState)
	}
	if s.outActive || s.inActive {
		return fmt.Errorf("%w: cannot reset handshake digests inside a message", ErrState)
	}
	s.sendHash, s.recvHash = nil, nil
	s.plainSent, s.plainRecv = 0, 0
	return nil
}

// digestOrZero finalises a handshake digest. A direction that never hashed
// a packet contributes 32 zero bytes, not SHA-256 of nothing (cedar.md
// §1.6).
func digestOrZero(h hash.Hash) [sha256.Size]byte {
	var d [sha256.Size]byte
	if h != nil {
		h.Sum(d[:0])
	}
	return d
}

// seal encrypts plain as one packet with the given end flag, appending
// header ‖ [IV] ‖ ciphertext ‖ tag to dst.
func (s *Stream) seal(end byte, plain, dst []byte) ([]byte, packetEvent, error) {
	g := s.snd
	var ev packetEvent
	if g.counter == lastGCMCounter {
		return dst, ev, fmt.Errorf("%w: %d packets sent; open a new connection", ErrCounterExhausted, uint64(g.counter))
	}
	n := len(plain) + gcmTagSize
	if !g.started {
		n += gcmIVSize
	}
	var aad [aadFirstSize]byte
	var ad []byte
	start := len(dst)
	var zero [HeaderSize]byte
	dst = append(dst, zero[:]...)
	putHeader(dst[start:], end, n)
	if !g.started {
		// First packet: AAD = our send digest ‖ our receive digest ‖
		// header, i.e. the sender's digest first (cedar.md §1.6, pitfall 4).
		copy(aad[0:], s.dSend[:])
		copy(aad[sha256.Size:], s.dRecv[:])
		copy(aad[2*sha256.Size:], dst[start:start+HeaderSize])
		ad = aad[:]
		dst = append(dst, g.base[:]...)
	} else {
		copy(aad[:], dst[start:start+HeaderSize])
		ad = aad[:HeaderSize]
	}
	nonce := g.nonce()
	dst = g.aead.Seal(dst, nonce[:], plain, ad)
	if s.trace != nil {
		ev = packetEvent{send: true, encrypted: true, counter: g.counter, nonce: clone(nonce[:]), aad: clone(ad)}
		copy(ev.header[:], dst[start:])
		if !g.started {
			ev.baseIV = clone(g.base[:])
		}
	}
	g.counter++
	g.started = true
	return dst, ev, nil
}

// open authenticates and decrypts one received packet payload, appending
// the plaintext to dst.
func (s *Stream) open(h [HeaderSize]byte, payload, dst []byte) ([]byte, packetEvent, error) {
	g := s.rcv
	var ev packetEvent
	if g.counter == lastGCMCounter {
		return dst, ev, fmt.Errorf("%w: %d packets received; the peer must open a new connection", ErrCounterExhausted, uint64(g.counter))
	}
	var aad [aadFirstSize]byte
	var ad []byte
	first := !g.started
	if first {
		// The peer's base IV leads its first packet; its AAD starts with
		// the peer's send digest, which is our receive digest.
		copy(g.base[:], payload[:gcmIVSize])
		payload = payload[gcmIVSize:]
		copy(aad[0:], s.dRecv[:])
		copy(aad[sha256.Size:], s.dSend[:])
		copy(aad[2*sha256.Size:], h[:])
		ad = aad[:]
	} else {
		copy(aad[:], h[:])
		ad = aad[:HeaderSize]
	}
	nonce := g.nonce()
	out, err := g.aead.Open(dst, nonce[:], payload, ad)
	if err != nil {
		if first {
			return dst, ev, fmt.Errorf("%w on the peer's first encrypted packet: wrong session key, or the two sides hashed different handshake packets", ErrDecrypt)
		}
		return dst, ev, fmt.Errorf("%w on encrypted packet %d from the peer: corrupted, replayed or reordered data", ErrDecrypt, uint64(g.counter))
	}
	if s.trace != nil {
		ev = packetEvent{header: h, encrypted: true, counter: g.counter, nonce: clone(nonce[:]), aad: clone(ad)}
		if first {
			ev.baseIV = clone(g.base[:])
		}
	}
	g.counter++
	g.started = true
	return out, ev, nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
