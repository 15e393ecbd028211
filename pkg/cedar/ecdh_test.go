package cedar

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// TestSessionKeyVector is the ECDH-HKDF known answer of
// testdata/vectors/jwt.md §5: shared secret 00 01 … 1f.
func TestSessionKeyVector(t *testing.T) {
	const want = "7eee2b53b21d8ff7a44536f836471d12cf7b42b1c8a61902aabe690504027afb"
	doc, err := os.ReadFile("../../testdata/vectors/jwt.md")
	must(t, err)
	if !bytes.Contains(doc, []byte(want)) {
		t.Fatal("jwt.md no longer holds the expected ECDH vector; update this test")
	}
	secret := make([]byte, 32)
	for i := range secret {
		secret[i] = byte(i)
	}
	key, err := SessionKeyFromSecret(secret)
	must(t, err)
	if hex.EncodeToString(key) != want {
		t.Errorf("key %x, want %s", key, want)
	}
	if _, err := SessionKeyFromSecret(nil); err == nil {
		t.Error("empty secret accepted")
	}
}

func TestECDHRoundTrip(t *testing.T) {
	a, err := GenerateECDHKey()
	must(t, err)
	b, err := GenerateECDHKey()
	must(t, err)
	enc := EncodeECDHPublicKey(a.PublicKey())
	if len(enc) != 88 || !strings.HasPrefix(enc, "B") { // base64 of 0x04 ...
		t.Errorf("encoded key %q: want 88 characters starting with B", enc)
	}
	pa, err := ParseECDHPublicKey(enc)
	must(t, err)
	k1, err := DeriveSessionKey(b, pa)
	must(t, err)
	k2, err := DeriveSessionKey(a, b.PublicKey())
	must(t, err)
	if !bytes.Equal(k1, k2) || len(k1) != SessionKeySize {
		t.Error("the two sides disagree on the session key")
	}
	if _, err := DeriveSessionKey(nil, pa); err == nil {
		t.Error("nil private key accepted")
	}
}

func TestParseECDHPublicKeyErrors(t *testing.T) {
	a, err := GenerateECDHKey()
	must(t, err)
	raw := a.PublicKey().Bytes()
	compressed := append([]byte{2 | raw[64]&1}, raw[1:33]...)
	offCurve := bytes.Clone(raw)
	offCurve[64] ^= 1
	tests := []struct {
		name, in, want string
	}{
		{"not base64", "not base64!", "not valid base64"},
		{"compressed point", base64.StdEncoding.EncodeToString(compressed), "is 33 bytes, want the 65-byte uncompressed"},
		{"DER prefix", base64.StdEncoding.EncodeToString(append([]byte{0x30}, raw...)), "is 66 bytes"},
		{"wrong tag", base64.StdEncoding.EncodeToString(append([]byte{5}, raw[1:]...)), "is 65 bytes, want"},
		{"off curve", base64.StdEncoding.EncodeToString(offCurve), "not a point on P-256"},
	}
	for _, tc := range tests {
		if _, err := ParseECDHPublicKey(tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
}
