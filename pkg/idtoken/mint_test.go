package idtoken

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

var testKey = bytes.Repeat([]byte{0x42}, 32)

func TestMintPayloadBytes(t *testing.T) {
	now := time.Unix(1795639297, 999_000_000) // fractions are truncated
	cases := []struct {
		name    string
		opts    MintOptions
		header  string
		payload string
	}{
		{"create C1", MintOptions{Issuer: "htc.local", Subject: "alice@htc.local", Lifetime: -1, Jti: "cc40bd79b3f409affa50990bc737784e"},
			hdrPOOL, `{"iat":1795639297,"iss":"htc.local","jti":"cc40bd79b3f409affa50990bc737784e","sub":"alice@htc.local"}`},
		{"create C2", MintOptions{Issuer: "htc.local", Subject: "bob@htc.local", Authz: []string{"READ", "WRITE"}, Lifetime: 600, Jti: "723540ce0326baa8286123370451531f"},
			hdrPOOL, `{"exp":1795639897,"iat":1795639297,"iss":"htc.local","jti":"723540ce0326baa8286123370451531f","scope":"condor:\/READ condor:\/WRITE","sub":"bob@htc.local"}`},
		{"lifetime 0", MintOptions{Issuer: "htc.local", Subject: "alice@htc.local", Lifetime: 0, Jti: "08fcbfedc13fde336e6c70fba6cf2e15"},
			hdrPOOL, `{"exp":1795639297,"iat":1795639297,"iss":"htc.local","jti":"08fcbfedc13fde336e6c70fba6cf2e15","sub":"alice@htc.local"}`},
		{"no identity", MintOptions{Issuer: "d", Lifetime: -5, Jti: "j"}, hdrPOOL, `{"iat":1795639297,"iss":"d","jti":"j","sub":""}`},
		{"duplicates kept", MintOptions{Issuer: "d", Subject: "s", Authz: []string{"READ", "READ", "odd/name"}, Lifetime: -1, Jti: "j"},
			hdrPOOL, `{"iat":1795639297,"iss":"d","jti":"j","scope":"condor:\/READ condor:\/READ condor:\/odd\/name","sub":"s"}`},
		{"escaping", MintOptions{Issuer: "d", Subject: "a\"b\\c/d\n\x01\x7fé", KeyID: "k/\"1", Lifetime: -1, Jti: "j"},
			`{"alg":"HS256","kid":"k\/\"1"}`, `{"iat":1795639297,"iss":"d","jti":"j","sub":"a\"b\\c\/d\n\u0001\u007fé"}`},
		{"explicit POOL", MintOptions{Issuer: "d", Subject: "s", KeyID: "POOL", Lifetime: -1, Jti: "j"}, hdrPOOL,
			`{"iat":1795639297,"iss":"d","jti":"j","sub":"s"}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Now = now
			s, err := Mint(testKey, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := Parse(s)
			if err != nil {
				t.Fatal(err)
			}
			if tok.HeaderJSON != tc.header {
				t.Errorf("header = %s\nwant     %s", tok.HeaderJSON, tc.header)
			}
			if tok.PayloadJSON != tc.payload {
				t.Errorf("payload = %s\nwant      %s", tok.PayloadJSON, tc.payload)
			}
			if _, err := VerifyWithKey(s, testKey, now); err != nil && tc.opts.Subject != "" {
				t.Errorf("VerifyWithKey: %v", err)
			}
		})
	}
}

func TestMintRandomJti(t *testing.T) {
	s, err := Mint(testKey, MintOptions{Issuer: "d", Subject: "s", Lifetime: -1, Rand: fixedReader(0xf0)})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := Parse(s)
	if tok.Claims.Jti != "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff" {
		t.Errorf("jti = %s", tok.Claims.Jti)
	}
	s, err = Mint(testKey, MintOptions{Issuer: "d", Subject: "s", Lifetime: -1})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ = Parse(s)
	if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(tok.Claims.Jti) {
		t.Errorf("random jti = %q", tok.Claims.Jti)
	}
	if d := time.Since(time.Unix(tok.Claims.Iat, 0)); d < 0 || d > time.Minute {
		t.Errorf("default iat is %v away from now", d)
	}
	_, err = Mint(testKey, MintOptions{Issuer: "d", Rand: bytes.NewReader(nil)})
	if err == nil || err.Error() != "PASSWD:1:Failed to generate JTI" {
		t.Errorf("failing Rand: %v", err)
	}
}

func TestMintErrors(t *testing.T) {
	for _, tc := range []struct {
		issuer string
		key    []byte
		want   string
	}{
		{"", testKey, "PASSWD:1:Issuer namespace is not set"},
		{"a b", testKey, "PASSWD:1:Issuer namespace may not contain spaces or commas"},
		{"a,b", testKey, "PASSWD:1:Issuer namespace may not contain spaces or commas"},
		{"a\tb", testKey, "PASSWD:1:Issuer namespace may not contain spaces or commas"},
		{"d", nil, "PASSWD:1:Failed to derive key for JWT signature"},
	} {
		_, err := Mint(tc.key, MintOptions{Issuer: tc.issuer, Subject: "s", Jti: "j"})
		if err == nil || err.Error() != tc.want {
			t.Errorf("Mint(iss %q) = %v, want %s", tc.issuer, err, tc.want)
		}
		if _, ok := condorerr.As(err); !ok {
			t.Errorf("not a condorerr: %T", err)
		}
	}
}

// TestCreateKeyBeforeIssuer: condor_token_create reads the key first, so a
// missing key wins over a bad issuer (RB-7, real-tools C5).
func TestCreateKeyBeforeIssuer(t *testing.T) {
	kc := keyDir(t)
	_, err := kc.Create(MintOptions{Issuer: "", Subject: "a", KeyID: "NOSUCHKEY"})
	want := "TOKEN:1:Failed to read file " + kc.PasswordDir + "/NOSUCHKEY securely."
	if err == nil || err.Error() != want {
		t.Fatalf("Create = %v, want %s", err, want)
	}
	var kfe *KeyFileError
	if !errors.As(err, &kfe) || kfe.Reason != "no such file" {
		t.Errorf("cause = %+v", kfe)
	}
	_, err = kc.Create(MintOptions{Issuer: "", Subject: "a"})
	if err == nil || err.Error() != "PASSWD:1:Issuer namespace is not set" {
		t.Errorf("Create with key, no issuer = %v", err)
	}
	s, err := kc.Create(MintOptions{Issuer: "example.org", Subject: "a@example.org", Jti: "j", Lifetime: -1})
	if err != nil || !strings.HasPrefix(s, headerB64POOL+".") {
		t.Errorf("Create = %q, %v", s, err)
	}
}
