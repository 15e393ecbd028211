package idtoken

import (
	"testing"
	"time"
)

func BenchmarkMint(b *testing.B) {
	opts := MintOptions{Issuer: "example.org", Subject: "alice@example.org", Authz: []string{"READ", "WRITE"},
		Lifetime: 3600, Now: time.Unix(1700000000, 0)}
	for b.Loop() {
		if _, err := Mint(testKey, opts); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify includes reading and deriving the key from its file, as
// a server does for every authentication.
func BenchmarkVerify(b *testing.B) {
	kc := keyDir(b)
	opts := VerifyOptions{Keys: kc, Now: time.Unix(1700000000, 0)}
	for b.Loop() {
		if _, err := Verify(vec1Token, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerifyWithKey(b *testing.B) {
	key := mustHex(b, vecPoolKey)
	now := time.Unix(1700000000, 0)
	for b.Loop() {
		if _, err := VerifyWithKey(vec1Token, key, now); err != nil {
			b.Fatal(err)
		}
	}
}
