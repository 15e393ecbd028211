package token

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // AKEP2 in HTCondor uses HMAC-SHA1 (cedar.md §5.1, pitfall 24)
	"crypto/sha256"
	"encoding/hex"
	"fmt"
)

// AKEP2 constants (condor_auth_passwd.h, cedar.md §5.1).
const (
	// NonceLen is AUTH_PW_KEY_LEN: the length of Ra, Rb and each seed.
	NonceLen = 256
	// keyLen is AUTH_PW_KEY_STRENGTH: the length of K and K′ (version 2).
	keyLen = 32
	// macLen is the HMAC-SHA1 output length of hkt and hk.
	macLen = sha1.Size
	// maxMACLen is EVP_MAX_MD_SIZE, the largest hkt/hk length C++ reads.
	maxMACLen = 64
	// maxNameLen bounds the names A and B: C++ clients read them into
	// AUTH_PW_MAX_NAME_LEN (1024) byte buffers, NUL included.
	maxNameLen = 1023

	// Status values of the three messages. AUTH_PW_ABORT (1) marks a local
	// I/O failure and is never sent.
	statusOK    = 0
	statusError = -1

	// DefaultServerName is B, the name a server gives itself towards
	// clients of version 23.9.0 or later; older clients expect
	// "condor_pool@<UID_DOMAIN>" (cedar.md §5.1).
	DefaultServerName = "condor@password"

	// MintedSubject is the identity of the short-lived token a client mints
	// when it holds a signing key the server also has (cedar.md §5.2).
	MintedSubject = "condor@password"
	// MintedLifetime is that token's lifetime in seconds.
	MintedLifetime = 60
)

// The two fixed AKEP2 seeds (setup_seed, cedar.md Appendix A; SHA-256
// 54029671… and 73797fd3…, checked by the tests against
// testdata/vectors/akep2_seed_k[ab].hex).
var (
	seedKA = mustSeed("3e4a502047d5f4e5dc7c69bb5210cbb6167add8084f7dd9ef3ad2cca71d283dd" +
		"114a4fbb7b1ee90adfa862c44304de5473a3172f735c2cbb6e775b5d40d39fac" +
		"e873182523f9252b623be0d4b167a3a8040cacfee9ee3da02c0abbf4d9d8b11f" +
		"89004c943923ce5d9508bb3f04bc66a3fa20a13a416c5e6f4e0d3187d45fc783" +
		"35c5e485db2c5a3717970cc26e7b6b9d1965b47a67df77a31f22f08a6c0ba570" +
		"97a21a9ca7c60424f72739ab5cb915a4185bd109828e35e42108ab851c08a3df" +
		"fde0e3b06f3d3938cdad6df6ef9a6f6dc2cb74f0228512eb7a3d6823010684b0" +
		"15c12ac3014c4f9f938e384dad1e3bd745ff8c141fd70b465ba8af5d1b98b4b1")
	seedKB = mustSeed("010026ad75dfc6c190a5a266b0d1b5d860f7cfa38467205501cd460d4a88d473" +
		"fa52e0b3e9141e33c97d851eee2dd33632f3886768ef010ec8dfdd668ade92d5" +
		"c34308bb243895d84ed785e27268cc5ee7560de49828fab766c2ad8c0b2c0afb" +
		"435c382db5d2ff36a8aead5820470a9ad45d79856f5e2ece894bd2507929dcf2" +
		"6f7d09f0028f1ac4d971f4820c5f54717e9dcdabeb215f61655dead4b72c3d3b" +
		"5f66fa4b30b85888d62facd4129c1304919f69ad6d8c2c43d9ce5cdb31d45803" +
		"52c7362b8d80b7ef1bba5d676660a944764502f91d1d3c54910c088bccb72b11" +
		"948a5e1a1dcd04369c17d298804c216e7a2690b8c0e970363300d092df24fb8c")
)

// mustSeed decodes one of the compile-time seed constants above.
func mustSeed(h string) []byte {
	b, err := hex.DecodeString(h)
	if err != nil || len(b) != NonceLen {
		panic("token: corrupt AKEP2 seed constant")
	}
	return b
}

// deriveK returns K (seed SEED_KA, info "master ka") and K′ (SEED_KB,
// "master kb"): HKDF-SHA256 with the decoded token signature as input key
// and seed ‖ "H.P" as salt, 32 bytes each (cedar.md §5.1, pitfall 25). Only
// K is used by the TOKEN exchange; K′ keyed the legacy session key.
func deriveK(sig []byte, hp string) (k, kPrime []byte, err error) {
	salt := make([]byte, 0, NonceLen+len(hp))
	salt = append(append(salt, seedKA...), hp...)
	k, err = hkdf.Key(sha256.New, sig, salt, "master ka", keyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("deriving AKEP2 key K: %w", err)
	}
	salt = append(append(salt[:0], seedKB...), hp...)
	kPrime, err = hkdf.Key(sha256.New, sig, salt, "master kb", keyLen)
	if err != nil {
		return nil, nil, fmt.Errorf("deriving AKEP2 key K': %w", err)
	}
	return k, kPrime, nil
}

// computeHKT is the server's MAC: HMAC-SHA1(K, A ‖ " " ‖ B ‖ 0x00 ‖ Ra ‖ Rb)
// (calculate_hkt, cedar.md §5.1, pitfall 24).
func computeHKT(k []byte, a, b string, ra, rb []byte) []byte {
	m := hmac.New(sha1.New, k)
	m.Write([]byte(a))
	m.Write([]byte{' '})
	m.Write([]byte(b))
	m.Write([]byte{0})
	m.Write(ra)
	m.Write(rb)
	return m.Sum(nil)
}

// computeHK is the client's MAC: HMAC-SHA1(K, A ‖ 0x00 ‖ Rb) (calculate_hk).
func computeHK(k []byte, a string, rb []byte) []byte {
	m := hmac.New(sha1.New, k)
	m.Write([]byte(a))
	m.Write([]byte{0})
	m.Write(rb)
	return m.Sum(nil)
}
