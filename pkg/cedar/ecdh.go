package cedar

import (
	"crypto/ecdh"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
)

// ECDH session key agreement (cedar.md §4.8).

const (
	// ECDHPublicKeySize is the size of the SEC1 uncompressed P-256 point
	// 04 ‖ X ‖ Y that travels, base64-encoded, in ECDHPublicKey.
	ECDHPublicKeySize = 65

	// hkdfSalt and hkdfInfo are the fixed HKDF parameters of the session
	// key (Condor_Crypt_Base::hkdf).
	hkdfSalt = "htcondor"
	hkdfInfo = "keygen"
)

// GenerateECDHKey returns a fresh P-256 key pair; C++ makes one per new
// session on each side.
func GenerateECDHKey() (*ecdh.PrivateKey, error) {
	k, err := ecdh.P256().GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("cedar: generating ECDH key: %w", err)
	}
	return k, nil
}

// EncodeECDHPublicKey returns the ECDHPublicKey attribute value: standard
// base64 with padding and no newlines of the 65-byte uncompressed point (88
// characters).
func EncodeECDHPublicKey(pub *ecdh.PublicKey) string {
	return base64.StdEncoding.EncodeToString(pub.Bytes())
}

// ParseECDHPublicKey decodes a peer's ECDHPublicKey attribute value into a
// P-256 public key. Only the 65-byte uncompressed point is accepted, which
// is all C++ sends.
func ParseECDHPublicKey(b64 string) (*ecdh.PublicKey, error) {
	raw, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, fmt.Errorf("cedar: peer ECDHPublicKey is not valid base64: %w", err)
	}
	if len(raw) != ECDHPublicKeySize || raw[0] != 4 {
		return nil, fmt.Errorf("cedar: peer ECDHPublicKey is %d bytes, want the %d-byte uncompressed P-256 point", len(raw), ECDHPublicKeySize)
	}
	pub, err := ecdh.P256().NewPublicKey(raw)
	if err != nil {
		return nil, fmt.Errorf("cedar: peer ECDHPublicKey is not a point on P-256: %w", err)
	}
	return pub, nil
}

// DeriveSessionKey computes the 32-byte AES-256-GCM session key from our
// private key and the peer's public key: the raw ECDH X coordinate through
// HKDF-SHA256 with salt "htcondor" and info "keygen" (cedar.md §4.8).
func DeriveSessionKey(priv *ecdh.PrivateKey, peer *ecdh.PublicKey) ([]byte, error) {
	if priv == nil || peer == nil {
		return nil, errors.New("cedar: DeriveSessionKey needs both keys")
	}
	x, err := priv.ECDH(peer)
	if err != nil {
		return nil, fmt.Errorf("cedar: ECDH with the peer's key: %w", err)
	}
	return SessionKeyFromSecret(x)
}

// SessionKeyFromSecret applies the session-key HKDF to an ECDH shared
// secret (the 32-byte X coordinate).
func SessionKeyFromSecret(secret []byte) ([]byte, error) {
	if len(secret) == 0 {
		return nil, errors.New("cedar: empty ECDH shared secret")
	}
	k, err := hkdf.Key(sha256.New, secret, []byte(hkdfSalt), hkdfInfo, SessionKeySize)
	if err != nil {
		return nil, fmt.Errorf("cedar: HKDF of the session key: %w", err)
	}
	return k, nil
}
