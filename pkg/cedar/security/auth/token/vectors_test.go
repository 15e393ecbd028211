package token

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// The seeds compiled into the package must equal the vector files and the
// SHA-256 values of cedar.md Appendix A.
func TestSeeds(t *testing.T) {
	for _, c := range []struct {
		file string
		seed []byte
		sum  string
	}{
		{"akep2_seed_ka.hex", seedKA, "54029671f8b74888ae45fa5f5aa73755986b977fd44645dfe54d8fb646f69633"},
		{"akep2_seed_kb.hex", seedKB, "73797fd3830629b39ede92d99b85097ae74e8eef6fb344fcbe73dc7095b7bf15"},
	} {
		raw, err := os.ReadFile(filepath.Join(vectorDir, c.file))
		if err != nil {
			t.Fatal(err)
		}
		if want := transcript.Unhex(t, strings.TrimSpace(string(raw))); !bytes.Equal(c.seed, want) {
			t.Errorf("%s differs from the compiled seed", c.file)
		}
		if sum := sha256.Sum256(c.seed); hex.EncodeToString(sum[:]) != c.sum {
			t.Errorf("%s: SHA-256 %x, want %s", c.file, sum, c.sum)
		}
	}
}

// vectors/jwt.md §4: K, K′, hkt and hk for the two known-answer tokens with
// Ra = 00 01 … ff and Rb = ff fe … 00.
func TestJWTVectorsAKEP2(t *testing.T) {
	ra, rb := make([]byte, 256), make([]byte, 256)
	for i := range ra {
		ra[i], rb[i] = byte(i), byte(255-i)
	}
	for _, v := range []struct {
		token, a                string
		saltLen                 int
		k, kPrime, hkt, hk, sig string
	}{
		{
			token:   "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.eyJleHAiOjE3MDAwMDM2MDAsImlhdCI6MTcwMDAwMDAwMCwiaXNzIjoiZXhhbXBsZS5vcmciLCJqdGkiOiIwMDExMjIzMzQ0NTU2Njc3ODg5OWFhYmJjY2RkZWVmZiIsInNjb3BlIjoiY29uZG9yOlwvUkVBRCBjb25kb3I6XC9XUklURSIsInN1YiI6ImFsaWNlQGV4YW1wbGUub3JnIn0.xrRo3rUwffZ9ujh9i29q9zKtr3XpzcGTXBnaLLlqidw",
			a:       "alice@example.org",
			saltLen: 510,
			k:       "5c0d62b9aac0ebca4bf2da0e9f8081f21d6187151cd66a1e27c2ee9cf1a6805e",
			kPrime:  "82a5a938b8531e6442b6f479ffde79a8eba24ff4ec973d989301cebe2868a875",
			hkt:     "9a16ce48c3a8d8dd8a319a3e73cab612b6d210ec",
			hk:      "3b5427280078d6d5968065ace51f371c5149803f",
		},
		{
			token:   "eyJhbGciOiJIUzI1NiIsImtpZCI6Im5hbWVkIn0.eyJpYXQiOjE3MDAwMDAwMDAsImlzcyI6ImV4YW1wbGUub3JnIiwianRpIjoiZmZlZWRkY2NiYmFhOTk4ODc3NjY1NTQ0MzMyMjExMDAiLCJzdWIiOiJib2JAZXhhbXBsZS5vcmcifQ.m190Na0t3UDmz-hRWGW0Bh1ehUNFxObtjcwR7WRwBDk",
			a:       "bob@example.org",
			saltLen: 434,
			k:       "33858ae6e53ddb2f9944dde97e28583bec47d0bc9d190522b564715d794b43cb",
			kPrime:  "553a95fbac8a22c137c4a08e2af51b5415894d77d62a691619d17d6cace1131a",
			hkt:     "709dac72fc819088184645b4bf854535189e8409",
			hk:      "7325001f93e840cdaa8e1e8b25c76a6d67fc5fa9",
		},
	} {
		tok, err := idtoken.Parse(v.token)
		if err != nil {
			t.Fatal(err)
		}
		if got := NonceLen + len(tok.SigningInput); got != v.saltLen {
			t.Errorf("%s: salt length %d, want %d", v.a, got, v.saltLen)
		}
		k, kp, err := deriveK(tok.Signature, tok.SigningInput)
		if err != nil {
			t.Fatal(err)
		}
		got := []string{hex.EncodeToString(k), hex.EncodeToString(kp),
			hex.EncodeToString(computeHKT(k, v.a, "condor@password", ra, rb)),
			hex.EncodeToString(computeHK(k, v.a, rb))}
		if diff := cmp.Diff([]string{v.k, v.kPrime, v.hkt, v.hk}, got); diff != "" {
			t.Errorf("%s: K, K', hkt, hk (-want +got):\n%s", v.a, diff)
		}
	}
}

// akep2Check returns the value of the transcript's checks.akep2 entry whose
// key starts with prefix.
func akep2Check(t *testing.T, tr *transcript.Transcript, prefix string) string {
	t.Helper()
	for k, v := range tr.Checks.AKEP2 {
		if strings.HasPrefix(k, prefix) {
			if s, ok := v.(string); ok {
				return s
			}
		}
	}
	t.Fatalf("checks.akep2 has no %q", prefix)
	return ""
}

// The real exchange in ping_idtoken.json: K, K′, hkt and hk recomputed
// from the recorded token, seeds and wire values (checks.akep2).
func TestTranscriptAKEP2Checks(t *testing.T) {
	tr := transcript.Load(t, "ping_idtoken")
	tok, err := idtoken.Parse(tr.Token.JWT)
	if err != nil {
		t.Fatal(err)
	}
	if tok.SigningInput != akep2Check(t, tr, "T") || hex.EncodeToString(tok.Signature) != akep2Check(t, tr, "sig_hex") {
		t.Fatal("token does not match checks.akep2 T / sig_hex")
	}
	ra := tr.Message(t, 1, "TOKEN msg1").BytesValue(t, 0)
	rb := tr.Message(t, 1, "TOKEN msg2").BytesValue(t, 1)
	k, kp, err := deriveK(tok.Signature, tok.SigningInput)
	if err != nil {
		t.Fatal(err)
	}
	a, b := "alice@example.net", "condor@password"
	got := map[string]string{
		"K_hex":              hex.EncodeToString(k),
		"K_prime_hex":        hex.EncodeToString(kp),
		"hkt_recomputed_hex": hex.EncodeToString(computeHKT(k, a, b, ra, rb)),
		"hkt_on_wire_hex":    hex.EncodeToString(tr.Message(t, 1, "TOKEN msg2").BytesValue(t, 2)),
		"hk_recomputed_hex":  hex.EncodeToString(computeHK(k, a, rb)),
		"hk_on_wire_hex":     hex.EncodeToString(tr.Message(t, 1, "TOKEN msg3").BytesValue(t, 1)),
	}
	for name, v := range got {
		if want := akep2Check(t, tr, name); v != want {
			t.Errorf("%s = %s, recorded %s", name, v, want)
		}
	}
	if got["hkt_recomputed_hex"] != got["hkt_on_wire_hex"] || got["hk_recomputed_hex"] != got["hk_on_wire_hex"] {
		t.Error("recomputed MACs differ from the wire")
	}
}

// Our client, given the recorded token and Ra, must write exactly the
// recorded messages 1 and 3 after reading the recorded message 2.
func TestTranscriptReplayClient(t *testing.T) {
	tr := transcript.Load(t, "ping_idtoken")
	conn := transcript.NewConn(tr.MessageWire(t, 1, "TOKEN msg2"))
	cli := NewClient(ClientConfig{
		Tokens:      []string{tr.Token.JWT},
		NoDirectory: true,
		Rand:        bytes.NewReader(tr.Message(t, 1, "TOKEN msg1").BytesValue(t, 0)),
	})
	var notes []string
	peer := &auth.Peer{TrustDomain: "example.net", IssuerKeys: []string{"POOL"},
		Explain: func(f string, a ...any) { notes = append(notes, f) }}
	if err := cli.Authenticate(context.Background(), replay.NewStream(t, conn), peer); err != nil {
		t.Fatal(err)
	}
	want := append(tr.MessageWire(t, 1, "TOKEN msg1"), tr.MessageWire(t, 1, "TOKEN msg3")...)
	if got := conn.Written(); !bytes.Equal(got, want) {
		t.Errorf("client wrote %d bytes, recorded %d; first difference at %d", len(got), len(want), transcript.FirstDiff(got, want))
	}
	if conn.Unread() != 0 {
		t.Errorf("%d bytes of message 2 unread", conn.Unread())
	}
	if len(notes) == 0 {
		t.Error("no explain notes")
	}
}

// Our server, given the recorded POOL key and Rb, must write exactly the
// recorded message 2 and accept the recorded message 3.
func TestTranscriptReplayServer(t *testing.T) {
	tr := transcript.Load(t, "ping_idtoken")
	kc := idtoken.KeyConfig{PoolKeyFile: filepath.Join(t.TempDir(), "POOL"), Uid: os.Getuid()}
	if err := os.WriteFile(kc.PoolKeyFile, transcript.Unhex(t, tr.Keys.PoolSigningKeyHex), 0o600); err != nil {
		t.Fatal(err)
	}
	in := append(tr.MessageWire(t, 1, "TOKEN msg1"), tr.MessageWire(t, 1, "TOKEN msg3")...)
	conn := transcript.NewConn(in)
	srv := NewServer(ServerConfig{
		Keys: kc,
		Now:  func() time.Time { return time.Unix(1795640658, 0) },
		Rand: bytes.NewReader(tr.Message(t, 1, "TOKEN msg2").BytesValue(t, 1)),
	})
	id, err := srv.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := conn.Written(), tr.MessageWire(t, 1, "TOKEN msg2"); !bytes.Equal(got, want) {
		t.Errorf("server wrote %d bytes, recorded %d; first difference at %d", len(got), len(want), transcript.FirstDiff(got, want))
	}
	if conn.Unread() != 0 {
		t.Errorf("%d bytes unread", conn.Unread())
	}
	want := auth.Identity{User: "alice", Domain: "example.net", Method: "TOKEN", Policy: map[string]any{
		"AuthTokenSubject": "alice@example.net",
		"AuthTokenIssuer":  "example.net",
		"AuthTokenId":      "7d22a039180d81f96b1a310f6aef4ac5",
	}}
	if diff := cmp.Diff(want, id); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	// The post-exchange DC_SEC_QUERY answer of the transcript carries the
	// same three attributes.
	if id.FQU() != "alice@example.net" {
		t.Errorf("FQU %q", id.FQU())
	}
}

// The recorded token's signature is what the server re-derives from the
// recorded POOL key file.
func TestTranscriptSignatureFromPoolKey(t *testing.T) {
	tr := transcript.Load(t, "ping_idtoken")
	kc := idtoken.KeyConfig{PoolKeyFile: filepath.Join(t.TempDir(), "POOL"), Uid: os.Getuid()}
	if err := os.WriteFile(kc.PoolKeyFile, transcript.Unhex(t, tr.Keys.PoolSigningKeyHex), 0o600); err != nil {
		t.Fatal(err)
	}
	hp := tr.Token.JWT[:strings.LastIndexByte(tr.Token.JWT, '.')]
	_, sig, err := idtoken.VerifySigningInput(hp, idtoken.VerifyOptions{Keys: kc, Now: time.Unix(1795640658, 0)})
	if err != nil {
		t.Fatal(err)
	}
	if got := base64.RawURLEncoding.EncodeToString(sig); got != tr.Token.JWT[len(hp)+1:] {
		t.Errorf("re-derived signature %s differs from the token's", got)
	}
}
