package cedar

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"testing"
)

// Types for the JSON transcripts in testdata/vectors/transcripts (format in
// their README.md).

const transcriptDir = "../../testdata/vectors/transcripts"

type transcript struct {
	name string

	Keys struct {
		SessionKeys []tSessionKey `json:"session_keys"`
	} `json:"keys"`
	Connections []struct {
		N     int `json:"n"`
		Turns []struct {
			Dir string `json:"dir"`
			Hex string `json:"hex"`
		} `json:"turns"`
	} `json:"connections"`
	Decoded []tDecoded `json:"decoded"`
	Checks  struct {
		AllGCMTagsVerified bool `json:"all_gcm_tags_verified"`
	} `json:"checks"`
}

type tSessionKey struct {
	Connection int    `json:"connection"`
	KeyHex     string `json:"key_hex"`
	ECDH       *struct {
		ClientPrivateKeyHex        string `json:"client_private_key_hex"`
		ClientPublicKeyHex         string `json:"client_public_key_hex"`
		SharedSecretXHex           string `json:"shared_secret_x_hex"`
		ServerPublicKeyFromWireHex string `json:"server_public_key_from_wire_hex"`
	} `json:"ecdh"`
	EstablishedOnConnection int `json:"established_on_connection"`
}

type tDecoded struct {
	Connection        int    `json:"connection"`
	SessionKeyHex     string `json:"session_key_hex"`
	SessionResumption bool   `json:"session_resumption"`
	AESGCM            struct {
		FirstEncryptedPacketIndex map[string]int    `json:"first_encrypted_packet_index"`
		HandshakeDigestHex        map[string]string `json:"handshake_digest_hex"`
		EncryptedPackets          int               `json:"encrypted_packets"`
		TagsVerified              int               `json:"tags_verified"`
	} `json:"aes_gcm"`
	Packets  map[string][]tPacket `json:"packets"`
	Messages []tMessage           `json:"messages"`
	Problems []any                `json:"problems"`
}

type tPacket struct {
	Index        int    `json:"index"`
	HeaderHex    string `json:"header_hex"`
	End          int    `json:"end"`
	Len          int    `json:"len"`
	Encrypted    bool   `json:"encrypted"`
	PlaintextHex string `json:"plaintext_hex"`
	GCM          *struct {
		Counter       uint32 `json:"counter"`
		NonceHex      string `json:"nonce_hex"`
		AADHex        string `json:"aad_hex"`
		CiphertextHex string `json:"ciphertext_hex"`
		TagHex        string `json:"tag_hex"`
		TagVerified   bool   `json:"tag_verified"`
		BaseIVHex     string `json:"base_iv_hex"`
	} `json:"gcm"`
}

type tMessage struct {
	Dir          string   `json:"dir"`
	Encrypted    bool     `json:"encrypted"`
	What         string   `json:"what"`
	Values       []tValue `json:"values"`
	Packets      []int    `json:"packets"`
	PlaintextHex string   `json:"plaintext_hex"`
}

type tValue struct {
	Int          *int64    `json:"int"`
	String       *string   `json:"string"`
	NullString   bool      `json:"null_string"`
	ClassAd      *[]string `json:"classad"`
	TypeStrings  []string  `json:"type_strings"`
	BytesHex     *string   `json:"bytes_hex"`
	Length       *int      `json:"length"`
	ThenBytesHex *string   `json:"then_bytes_hex"`
}

const (
	dirCS = "C>S"
	dirSC = "S>C"
)

func otherDir(d string) string {
	if d == dirCS {
		return dirSC
	}
	return dirCS
}

// loadTranscripts reads every transcript; the set is fixed at five files.
func loadTranscripts(t testing.TB) []*transcript {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(transcriptDir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) != 5 {
		t.Fatalf("found %d transcripts in %s, want 5", len(files), transcriptDir)
	}
	var out []*transcript
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := &transcript{name: filepath.Base(f)}
		if err := json.Unmarshal(raw, tr); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if len(tr.Decoded) == 0 || len(tr.Decoded) != len(tr.Connections) {
			t.Fatalf("%s: %d decoded entries for %d connections", f, len(tr.Decoded), len(tr.Connections))
		}
		out = append(out, tr)
	}
	return out
}

// dirBytes concatenates the turns of one direction of connection n.
func (tr *transcript) dirBytes(t testing.TB, n int, dir string) []byte {
	t.Helper()
	for _, c := range tr.Connections {
		if c.N != n {
			continue
		}
		var b []byte
		for _, turn := range c.Turns {
			if turn.Dir == dir {
				b = append(b, unhex(t, turn.Hex)...)
			}
		}
		return b
	}
	t.Fatalf("%s: no connection %d", tr.name, n)
	return nil
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %.20q: %v", s, err)
	}
	return b
}

// replayConn feeds one recorded direction to the Stream and captures what
// the Stream writes.
type replayConn struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (c *replayConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *replayConn) Write(p []byte) (int, error) { return c.w.Write(p) }

// zeroReader supplies a base IV for a direction that sends nothing
// encrypted in the transcript.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }
