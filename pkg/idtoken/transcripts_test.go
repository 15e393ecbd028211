package idtoken

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"github.com/condor-auth/condor-auth/internal/transcript"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

func isErr(err, target error) bool { return errors.Is(err, target) }

// jwtRe finds token text in the transcripts: "header.payload" (what TOKEN
// authentication sends) optionally followed by ".signature".
var jwtRe = regexp.MustCompile(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)?`)

// collectStrings returns every string anywhere in a decoded JSON value.
func collectStrings(v any, out *[]string) {
	switch x := v.(type) {
	case string:
		*out = append(*out, x)
	case []any:
		for _, e := range x {
			collectStrings(e, out)
		}
	case map[string]any:
		for _, e := range x {
			collectStrings(e, out)
		}
	}
}

// TestTranscriptTokens checks every real token in the five transcripts:
// it verifies with the POOL key recorded in the file, fails with any other
// key, and Mint reproduces it byte for byte from its claims.
func TestTranscriptTokens(t *testing.T) {
	total := 0
	for _, tr := range transcript.LoadAll(t) {
		var generic any
		if err := json.Unmarshal(tr.Raw, &generic); err != nil {
			t.Fatal(err)
		}
		var strs []string
		collectStrings(generic, &strs)
		found := map[string]bool{}
		for _, s := range strs {
			for _, m := range jwtRe.FindAllString(s, -1) {
				found[m] = true
			}
		}
		if tr.Token == nil {
			if len(found) != 0 {
				t.Errorf("%s: tokens %v but no token section", tr.Name, found)
			}
			continue
		}
		name := tr.Name + ".json"
		t.Run(name, func(t *testing.T) {
			poolFile := mustHex(t, tr.Keys.PoolSigningKeyHex)
			if got := hex.EncodeToString(Scramble(poolFile)); got != tr.Keys.PoolSigningKeyUnscrambledHex {
				t.Fatalf("unscrambled pool key = %s, want %s", got, tr.Keys.PoolSigningKeyUnscrambledHex)
			}
			dir := t.TempDir()
			kc := KeyConfig{PoolKeyFile: filepath.Join(dir, "POOL"), PasswordDir: dir, Uid: os.Getuid()}
			if err := os.WriteFile(kc.PoolKeyFile, poolFile, 0o600); err != nil {
				t.Fatal(err)
			}
			poolKey, err := kc.SigningKey("POOL")
			if err != nil {
				t.Fatal(err)
			}
			otherKeys := map[string][]byte{
				"not doubled":  DeriveSigningKey(Scramble(poolFile), false),
				"testpassword": mustHex(t, vecPoolKey),
				"scrambled":    DeriveSigningKey(poolFile, true),
			}
			keys := make([]string, 0, len(found))
			for k := range found {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			sawFull := false
			for _, s := range keys {
				total++
				iat := int64(tr.Token.Payload["iat"].(float64))
				now := time.Unix(iat, 0)
				if strings.Count(s, ".") == 1 {
					// header.payload as sent by TOKEN authentication.
					tok, sig, err := VerifySigningInput(s, VerifyOptions{Keys: kc, Now: now})
					if err != nil {
						t.Fatalf("VerifySigningInput(%s): %v", s, err)
					}
					if got := hex.EncodeToString(sig); got != tr.Token.SignatureHex {
						t.Errorf("computed signature %s, want %s", got, tr.Token.SignatureHex)
					}
					if tok.SigningInput != s {
						t.Errorf("signing input %q", tok.SigningInput)
					}
					continue
				}
				sawFull = true
				tok, err := Verify(s, VerifyOptions{Keys: kc, Now: now})
				if err != nil {
					t.Fatalf("Verify with recorded POOL key: %v", err)
				}
				if _, err := VerifyWithKey(s, poolKey, now); err != nil {
					t.Errorf("VerifyWithKey: %v", err)
				}
				for what, k := range otherKeys {
					if _, err := VerifyWithKey(s, k, now); !isErr(err, ErrBadSignature) {
						t.Errorf("VerifyWithKey(%s key) = %v, want ErrBadSignature", what, err)
					}
				}
				if got := hex.EncodeToString(tok.Signature); got != tr.Token.SignatureHex {
					t.Errorf("signature %s, want %s", got, tr.Token.SignatureHex)
				}
				checkDecodedMatches(t, tok, tr.Token.Header, tr.Token.Payload)
				// Re-mint from the claims: identical bytes.
				c := tok.Claims
				lifetime := int64(-1)
				if c.HasExp {
					lifetime = c.Exp - c.Iat
				}
				again, err := Mint(poolKey, MintOptions{Issuer: c.Iss, Subject: c.Sub, KeyID: tok.Kid, Authz: c.Authz,
					Lifetime: lifetime, Now: time.Unix(c.Iat, 0), Jti: c.Jti})
				if err != nil {
					t.Fatal(err)
				}
				if again != s {
					t.Errorf("Mint =\n%s\nreal token\n%s", again, s)
				}
			}
			if !sawFull {
				t.Errorf("no complete token found in %s", name)
			}
		})
	}
	if total < 5 {
		t.Fatalf("only %d transcript tokens found", total)
	}
}

func checkDecodedMatches(t *testing.T, tok *Token, header, payload map[string]any) {
	t.Helper()
	if header["alg"] != tok.Alg || header["kid"] != tok.Kid {
		t.Errorf("header %v vs alg=%q kid=%q", header, tok.Alg, tok.Kid)
	}
	c := tok.Claims
	if payload["iss"] != c.Iss || payload["sub"] != c.Sub || payload["jti"] != c.Jti {
		t.Errorf("payload %v vs claims %+v", payload, c)
	}
	if int64(payload["iat"].(float64)) != c.Iat {
		t.Errorf("iat %v vs %d", payload["iat"], c.Iat)
	}
	if e, ok := payload["exp"]; ok != c.HasExp || (ok && int64(e.(float64)) != c.Exp) {
		t.Errorf("exp %v vs %d/%v", e, c.Exp, c.HasExp)
	}
	if s, ok := payload["scope"]; ok && s != c.Scope {
		t.Errorf("scope %v vs %q", s, c.Scope)
	}
}
