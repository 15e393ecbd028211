package idtoken

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Known-answer values of vectors/jwt.md. Each one is also looked up in the
// file itself, so the test fails if the vector file and this table drift.
const (
	vecDir        = "../../testdata/vectors/"
	vecPoolFile   = "aac8cd9baecccd9ca9c2cc8b"
	vecPassword   = "testpassword"
	vecPoolKey    = "6ca4f3718a5aa524cbcf2881301d61af46719734d3a8d6f96ca03a4ac330c9c0"
	vecNamedKey   = "1a09087ac30f1580e7c85194d43e54f989f014490b0d3088283e95cd3c3905cd"
	vecMaterial   = "7465737470617373776f72647465737470617373776f7264"
	vec1HeaderB64 = "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ"
	vec1Payload   = `{"exp":1700003600,"iat":1700000000,"iss":"example.org","jti":"00112233445566778899aabbccddeeff","scope":"condor:\/READ condor:\/WRITE","sub":"alice@example.org"}`
	vec1PayB64    = "eyJleHAiOjE3MDAwMDM2MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiZXhhbXBsZS5vcmciLCJqdGkiOiIwMDExMjIzMzQ0NTU2Njc3ODg5OWFhYmJjY2RkZWVmZiIsInNjb3BlIjoiY29uZG9yOlwvUkVBRCBjb25kb3I6XC9XUklURSIsInN1YiI6ImFsaWNlQGV4YW1wbGUub3JnIn0"
	vec1SigHex    = "c6b468deb5307df67dba387d8b6f6af732adaf75e9cdc1935c19da2cb96a89dc"
	vec1SigB64    = "xrRo3rUwffZ9ujh9i29q9zKtr3XpzcGTXBnaLLlqidw"
	vec1WrongSig  = "99de6cdf330bfa5fdbab5693c769e74a2adbccd5ca5525cf8e4297a6756f9dfc"
	vec1Token     = vec1HeaderB64 + "." + vec1PayB64 + "." + vec1SigB64
	vec2Header    = `{"alg":"HS256","kid":"named"}`
	vec2HeaderB64 = "eyJhbGciOiJIUzI1NiIsImtpZCI6Im5hbWVkIn0"
	vec2Payload   = `{"iat":1700000000,"iss":"example.org","jti":"ffeeddccbbaa99887766554433221100","sub":"bob@example.org"}`
	vec2PayB64    = "eyJpYXQiOjE3MDAwMDAwMDAsImlzcyI6ImV4YW1wbGUub3JnIiwianRpIjoiZmZlZWRkY2NiYmFhOTk4ODc3NjY1NTQ0MzMyMjExMDAiLCJzdWIiOiJib2JAZXhhbXBsZS5vcmcifQ"
	vec2SigHex    = "9b5f7435ad2ddd40e6cfe8515865b4061d5e854345c4e6ed8dcc11ed64700439"
	vec2SigB64    = "m190Na0t3UDmz-hRWGW0Bh1ehUNFxObtjcwR7WRwBDk"
	vec2WrongSig  = "7489886f753ca6a3e1ecd69887a7fcaff25b01b2b9528aec0aecfadae387d69e"
	vec2Token     = vec2HeaderB64 + "." + vec2PayB64 + "." + vec2SigB64
)

func readVector(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(vecDir + name)
	if err != nil {
		t.Fatalf("read vector: %v", err)
	}
	return b
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestVectorConstantsAreInJwtMd(t *testing.T) {
	md := string(readVector(t, "jwt.md"))
	for _, v := range []string{vecPoolFile, vecPoolKey, vecNamedKey, vecMaterial, vec1HeaderB64, vec1Payload,
		vec1PayB64, vec1SigHex, vec1SigB64, vec1WrongSig, vec1Token, vec2Header, vec2HeaderB64, vec2Payload,
		vec2PayB64, vec2SigHex, vec2SigB64, vec2WrongSig, vec2Token} {
		if !strings.Contains(md, v) {
			t.Errorf("jwt.md does not contain %q", v)
		}
	}
}

// keyDir writes the testpassword POOL file (pitfall 18: mode 0600) as
// POOL and as the named key "named" and returns a KeyConfig for it.
func keyDir(t testing.TB) KeyConfig {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "passwords.d")
	if err := os.Mkdir(pw, 0o700); err != nil {
		t.Fatal(err)
	}
	data := readVector(t, "pool_password_testpassword")
	for _, name := range []string{"POOL", "named"} {
		if err := os.WriteFile(filepath.Join(pw, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return KeyConfig{PoolKeyFile: filepath.Join(pw, "POOL"), PasswordDir: pw, Uid: os.Getuid()}
}

func TestVectorKeyFile(t *testing.T) {
	data := readVector(t, "pool_password_testpassword")
	if got := hex.EncodeToString(data); got != vecPoolFile {
		t.Fatalf("vector file = %s, want %s", got, vecPoolFile)
	}
	if got := string(Scramble(data)); got != vecPassword {
		t.Fatalf("unscrambled = %q, want %q", got, vecPassword)
	}
	if got := hex.EncodeToString(Scramble([]byte(vecPassword))); got != vecPoolFile {
		t.Fatalf("scrambled = %s, want %s", got, vecPoolFile)
	}
	kc := keyDir(t)
	for _, tc := range []struct{ kid, want string }{{"POOL", vecPoolKey}, {"", vecPoolKey}, {"named", vecNamedKey}} {
		key, err := kc.SigningKey(tc.kid)
		if err != nil {
			t.Fatalf("SigningKey(%q): %v", tc.kid, err)
		}
		if got := hex.EncodeToString(key); got != tc.want {
			t.Errorf("SigningKey(%q) = %s, want %s", tc.kid, got, tc.want)
		}
	}
	if got := hex.EncodeToString(DeriveSigningKey(mustHex(t, vecMaterial)[:12], true)); got != vecPoolKey {
		t.Errorf("DeriveSigningKey(pool) = %s", got)
	}
}

func TestVectorTokens(t *testing.T) {
	kc := keyDir(t)
	now := time.Unix(1700000000, 0)
	cases := []struct {
		name              string
		opts              MintOptions
		want              string
		headerJSON, pay   string
		sigHex, wrongHex  string
		wrongKey, rightKy string
		tLen              int
	}{
		{"vector1", MintOptions{Issuer: "example.org", Subject: "alice@example.org", Authz: []string{"READ", "WRITE"},
			Lifetime: 3600, Now: now, Jti: "00112233445566778899aabbccddeeff"},
			vec1Token, `{"alg":"HS256","kid":"POOL"}`, vec1Payload, vec1SigHex, vec1WrongSig, vecNamedKey, vecPoolKey, 254},
		{"vector2", MintOptions{Issuer: "example.org", Subject: "bob@example.org", KeyID: "named", Lifetime: -1,
			Now: now, Jti: "ffeeddccbbaa99887766554433221100"},
			vec2Token, vec2Header, vec2Payload, vec2SigHex, vec2WrongSig, vecPoolKey, vecNamedKey, 178},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := kc.Create(tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Fatalf("Create =\n%s\nwant\n%s", got, tc.want)
			}
			tok, err := Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			if tok.HeaderJSON != tc.headerJSON || tok.PayloadJSON != tc.pay {
				t.Errorf("decoded header/payload = %s %s", tok.HeaderJSON, tok.PayloadJSON)
			}
			if len(tok.SigningInput) != tc.tLen {
				t.Errorf("len(T) = %d, want %d", len(tok.SigningInput), tc.tLen)
			}
			if got := hex.EncodeToString(tok.Signature); got != tc.sigHex {
				t.Errorf("signature = %s, want %s", got, tc.sigHex)
			}
			// The same input signed with the other derivation gives the
			// "must not be produced" value.
			m := hmac.New(sha256.New, mustHex(t, tc.wrongKey))
			m.Write([]byte(tok.SigningInput))
			if got := hex.EncodeToString(m.Sum(nil)); got != tc.wrongHex {
				t.Errorf("wrong-key signature = %s, want %s", got, tc.wrongHex)
			}
			if _, err := VerifyWithKey(got, mustHex(t, tc.rightKy), now); err != nil {
				t.Errorf("VerifyWithKey(right key): %v", err)
			}
			if _, err := VerifyWithKey(got, mustHex(t, tc.wrongKey), now); !isErr(err, ErrBadSignature) {
				t.Errorf("VerifyWithKey(wrong key) = %v, want ErrBadSignature", err)
			}
			if _, err := Verify(got, VerifyOptions{Keys: kc, Now: now}); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

// TestVectorAKEP2 reproduces jwt.md §4 and §5 from the signatures Mint
// produced, the two seed files and the fixed inputs.
func TestVectorAKEP2(t *testing.T) {
	md := string(readVector(t, "jwt.md"))
	seed := func(name string) []byte {
		return mustHex(t, strings.TrimSpace(string(readVector(t, name))))
	}
	ka, kb := seed("akep2_seed_ka.hex"), seed("akep2_seed_kb.hex")
	ra, rb := make([]byte, 256), make([]byte, 256)
	for i := range ra {
		ra[i], rb[i] = byte(i), byte(255-i)
	}
	hk := func(ikm, salt []byte, info string) []byte {
		k, err := hkdf.Key(sha256.New, ikm, salt, info, 32)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	mac1 := func(key []byte, parts ...[]byte) string {
		m := hmac.New(sha1.New, key)
		for _, p := range parts {
			m.Write(p)
		}
		return hex.EncodeToString(m.Sum(nil))
	}
	for _, tc := range []struct {
		token, a        string
		k, kp, hkt, hkv string
		saltLen         int
	}{
		{vec1Token, "alice@example.org", "5c0d62b9aac0ebca4bf2da0e9f8081f21d6187151cd66a1e27c2ee9cf1a6805e",
			"82a5a938b8531e6442b6f479ffde79a8eba24ff4ec973d989301cebe2868a875",
			"9a16ce48c3a8d8dd8a319a3e73cab612b6d210ec", "3b5427280078d6d5968065ace51f371c5149803f", 510},
		{vec2Token, "bob@example.org", "33858ae6e53ddb2f9944dde97e28583bec47d0bc9d190522b564715d794b43cb",
			"553a95fbac8a22c137c4a08e2af51b5415894d77d62a691619d17d6cace1131a",
			"709dac72fc819088184645b4bf854535189e8409", "7325001f93e840cdaa8e1e8b25c76a6d67fc5fa9", 434},
	} {
		for _, v := range []string{tc.k, tc.kp, tc.hkt, tc.hkv} {
			if !strings.Contains(md, v) {
				t.Errorf("jwt.md does not contain %s", v)
			}
		}
		tok, err := Parse(tc.token)
		if err != nil {
			t.Fatal(err)
		}
		saltA := append(append([]byte{}, ka...), tok.SigningInput...)
		saltB := append(append([]byte{}, kb...), tok.SigningInput...)
		if len(saltA) != tc.saltLen {
			t.Errorf("salt length %d, want %d", len(saltA), tc.saltLen)
		}
		k := hk(tok.Signature, saltA, "master ka")
		if got := hex.EncodeToString(k); got != tc.k {
			t.Errorf("K = %s, want %s", got, tc.k)
		}
		if got := hex.EncodeToString(hk(tok.Signature, saltB, "master kb")); got != tc.kp {
			t.Errorf("K' = %s, want %s", got, tc.kp)
		}
		b := []byte("condor@password")
		if got := mac1(k, []byte(tc.a), []byte{0x20}, b, []byte{0}, ra, rb); got != tc.hkt {
			t.Errorf("hkt = %s, want %s", got, tc.hkt)
		}
		if got := mac1(k, []byte(tc.a), []byte{0}, rb); got != tc.hkv {
			t.Errorf("hk = %s, want %s", got, tc.hkv)
		}
	}
	const w = "7628f7ee870ca6720af10c583ba06add6665a1da024ba51e358fd9a497bbdca2"
	if got := hex.EncodeToString(hk(rb, []byte("session key"), "htcondor")); got != w || !strings.Contains(md, w) {
		t.Errorf("W = %s, want %s", got, w)
	}
	const ecdhKey = "7eee2b53b21d8ff7a44536f836471d12cf7b42b1c8a61902aabe690504027afb"
	shared := make([]byte, 32)
	for i := range shared {
		shared[i] = byte(i)
	}
	if got := hex.EncodeToString(hk(shared, []byte("htcondor"), "keygen")); got != ecdhKey || !strings.Contains(md, ecdhKey) {
		t.Errorf("ECDH session key = %s, want %s", got, ecdhKey)
	}
}

func TestPOOLHeaderConstant(t *testing.T) {
	if got := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"HS256","kid":"POOL"}`)); got != headerB64POOL {
		t.Fatalf("POOL header = %s", got)
	}
	if !bytes.Contains(readVector(t, "jwt.md"), []byte(headerB64POOL)) {
		t.Fatal("jwt.md lacks the POOL header")
	}
}
