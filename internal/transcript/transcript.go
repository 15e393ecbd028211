// Package transcript is test support for the golden CEDAR wire transcripts
// in testdata/vectors/transcripts: real HTCondor 25.14.0 conversations with
// their session keys (format in that directory's README.md).
//
// It loads and validates the JSON files, gives access to the recorded byte
// streams, packets, messages, keys and base IVs, and replays recorded
// messages onto anything with the CEDAR put/get methods of *cedar.Stream
// (PutValues, GetValues, Exchange). It imports nothing from this module, so
// the tests of every package, pkg/cedar's own included, can use it; the
// parts that need pkg/cedar and the auth interfaces live in the replay
// subpackage.
//
// Only tests may import this package (TestOnlyTestsImport enforces it).
// Every helper that takes a testing.TB ends the test with t.Fatalf on
// missing or malformed data, naming the file, connection and message.
package transcript

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// Count is the number of transcript files in the directory; LoadAll fails
// when it finds another number, so a lost file cannot go unnoticed.
const Count = 5

// The two directions of a connection, as spelt in the JSON ("dir" fields
// and the keys of "packets").
const (
	DirCS = "C>S" // client to server
	DirSC = "S>C" // server to client
)

// OtherDir returns the opposite direction of dir.
func OtherDir(dir string) string {
	if dir == DirCS {
		return DirSC
	}
	return DirCS
}

// Transcript is one JSON transcript file: the parts tests use. Fields not
// listed here (config, steps, notes, stdout/stderr...) are in Raw.
type Transcript struct {
	// Name is the file name without ".json", e.g. "collector_query".
	Name string `json:"-"`
	// Raw is the file as read, for tests that walk it generically.
	Raw []byte `json:"-"`

	Keys        Keys         `json:"keys"`
	Token       *Token       `json:"token"` // nil in store_cred_oauth
	Connections []Connection `json:"connections"`
	Decoded     []Decoded    `json:"decoded"` // Decoded[n-1] is connection n
	Checks      Checks       `json:"checks"`
}

// Keys is the "keys" object: the POOL signing key and the session keys.
type Keys struct {
	// PoolSigningKeyHex is the POOL key file exactly as on disk
	// (scrambled).
	PoolSigningKeyHex string `json:"pool_signing_key_hex"`
	// PoolSigningKeyUnscrambledHex is the same key unscrambled.
	PoolSigningKeyUnscrambledHex string       `json:"pool_signing_key_unscrambled_hex"`
	SessionKeys                  []SessionKey `json:"session_keys"`
}

// SessionKey is the AES-256-GCM key of one connection and, for a new
// session, the ECDH material it came from.
type SessionKey struct {
	Connection int    `json:"connection"`
	KeyHex     string `json:"key_hex"`
	// ECDH is nil for a resumed session.
	ECDH *ECDH `json:"ecdh"`
	// EstablishedOnConnection names, for a resumed session, the connection
	// that created the key.
	EstablishedOnConnection int `json:"established_on_connection"`
}

// ECDH is the recorded key agreement of a new session (cedar.md §4.8).
type ECDH struct {
	ClientPrivateKeyHex        string `json:"client_private_key_hex"`
	ClientPublicKeyHex         string `json:"client_public_key_hex"`
	SharedSecretXHex           string `json:"shared_secret_x_hex"`
	ServerPublicKeyFromWireHex string `json:"server_public_key_from_wire_hex"`
}

// Token is the JWT that matters for the transcript.
type Token struct {
	JWT          string         `json:"jwt"`
	Header       map[string]any `json:"header"`
	Payload      map[string]any `json:"payload"`
	SignatureHex string         `json:"signature_hex"`
}

// Connection is one recorded TCP connection.
type Connection struct {
	N          int    `json:"n"` // order of opening, from 1
	ClientPort int    `json:"client_port"`
	ServerPort int    `json:"server_port"`
	Turns      []Turn `json:"turns"`
}

// Turn is a run of consecutive TCP payload bytes in one direction.
type Turn struct {
	Dir string `json:"dir"`
	Hex string `json:"hex"`
}

// Decoded is the decoding of one connection.
type Decoded struct {
	Connection        int                 `json:"connection"`
	SessionKeyHex     string              `json:"session_key_hex"`
	SessionResumption bool                `json:"session_resumption"`
	AESGCM            AESGCM              `json:"aes_gcm"`
	Packets           map[string][]Packet `json:"packets"` // keyed by direction
	Messages          []Message           `json:"messages"`
	TLS               *TLS                `json:"tls"` // SSL connections only
	Problems          []any               `json:"problems"`
}

// AESGCM summarises the encryption of one connection.
type AESGCM struct {
	// FirstEncryptedPacketIndex indexes Packets per direction.
	FirstEncryptedPacketIndex map[string]int `json:"first_encrypted_packet_index"`
	// HandshakeDigestHex is keyed "C>S plaintext packets" / "S>C plaintext
	// packets", and lists only directions that sent an encrypted packet
	// (README "JSON format").
	HandshakeDigestHex map[string]string `json:"handshake_digest_hex"`
	EncryptedPackets   int               `json:"encrypted_packets"`
	TagsVerified       int               `json:"tags_verified"`
}

// Packet is one CEDAR packet (cedar.md §1.1).
type Packet struct {
	Index        int    `json:"index"`
	HeaderHex    string `json:"header_hex"`
	End          int    `json:"end"`
	Len          int    `json:"len"`
	Encrypted    bool   `json:"encrypted"`
	PlaintextHex string `json:"plaintext_hex"`
	GCM          *GCM   `json:"gcm"` // encrypted packets only
}

// GCM is the AES-GCM view of an encrypted packet (cedar.md §1.6).
type GCM struct {
	Counter       uint32 `json:"counter"`
	NonceHex      string `json:"nonce_hex"`
	AADHex        string `json:"aad_hex"`
	CiphertextHex string `json:"ciphertext_hex"`
	TagHex        string `json:"tag_hex"`
	TagVerified   bool   `json:"tag_verified"`
	// BaseIVHex is set on the first encrypted packet of a direction only.
	BaseIVHex string `json:"base_iv_hex"`
}

// Message is one CEDAR message (the packets up to the end flag).
type Message struct {
	Dir string `json:"dir"`
	// Encrypted: every string carried an 8-byte length prefix.
	Encrypted bool `json:"encrypted"`
	// What is the message's role, e.g. "server chose method TOKEN".
	What         string  `json:"what"`
	Values       []Value `json:"values"`
	Packets      []int   `json:"packets"` // indices into Decoded.Packets[Dir]
	PlaintextHex string  `json:"plaintext_hex"`
}

// Value is one CEDAR value of a message; exactly one kind is set
// (README "JSON format", "values").
type Value struct {
	Int        *int64    `json:"int"`
	String     *string   `json:"string"`
	NullString bool      `json:"null_string"`
	ClassAd    *[]string `json:"classad"`
	// TypeStrings goes with ClassAd: the two type strings after the lines.
	TypeStrings []string `json:"type_strings"`
	// BytesHex is put_bytes data: Length raw bytes, no length, no NUL.
	BytesHex *string `json:"bytes_hex"`
	Length   *int    `json:"length"`
	// ThenBytesHex goes with Int for the STORE_CRED credential: the length
	// int, then that many raw bytes, as one entry.
	ThenBytesHex *string `json:"then_bytes_hex"`
}

// TLS is the decrypted TLS view of an SSL connection (only what tests use).
type TLS struct {
	CipherSuite string `json:"cipher_suite"`
}

// Checks is the "checks" object: results of the recorder's own checks.
type Checks struct {
	AllGCMTagsVerified bool           `json:"all_gcm_tags_verified"`
	AKEP2              map[string]any `json:"akep2"` // ping_idtoken only
}

// Dir returns the transcript directory relative to the working directory
// of the test (its package directory): testdata/vectors/transcripts at the
// module root, the nearest parent holding go.mod.
func Dir(t testing.TB) string {
	t.Helper()
	dir, err := findDir()
	if err != nil {
		t.Fatalf("transcripts: %v", err)
	}
	return dir
}

func findDir() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	rel := "."
	for d := wd; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(rel, "testdata", "vectors", "transcripts"), nil
		}
		parent := filepath.Dir(d)
		if parent == d {
			return "", fmt.Errorf("no go.mod above %s: not inside the module", wd)
		}
		d, rel = parent, filepath.Join(rel, "..")
	}
}

// Files returns the paths of the transcript files, sorted, and fails the
// test unless there are exactly Count of them.
func Files(t testing.TB) []string {
	t.Helper()
	dir := Dir(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) != Count {
		t.Fatalf("found %d transcripts in %s, want %d", len(files), dir, Count)
	}
	return files
}

// Load reads and validates one transcript; name may omit ".json".
func Load(t testing.TB, name string) *Transcript {
	t.Helper()
	name = strings.TrimSuffix(name, ".json")
	return loadFile(t, filepath.Join(Dir(t), name+".json"))
}

// LoadAll reads and validates every transcript, in file name order.
func LoadAll(t testing.TB) []*Transcript {
	t.Helper()
	var out []*Transcript
	for _, f := range Files(t) {
		out = append(out, loadFile(t, f))
	}
	return out
}

func loadFile(t testing.TB, path string) *Transcript {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading transcript: %v", err)
	}
	tr, err := Parse(strings.TrimSuffix(filepath.Base(path), ".json"), raw)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return tr
}

// Parse decodes a transcript and checks the structure the accessors rely
// on: connections and decodings numbered 1..n in order, message packet
// indices in range, packets listed by index, every value of exactly one
// known kind with consistent lengths. name becomes Transcript.Name.
func Parse(name string, raw []byte) (*Transcript, error) {
	tr := &Transcript{Name: name, Raw: raw}
	if err := json.Unmarshal(raw, tr); err != nil {
		return nil, err
	}
	if err := tr.validate(); err != nil {
		return nil, err
	}
	return tr, nil
}

var errNoConnections = errors.New("no decoded connections")

func (tr *Transcript) validate() error {
	if len(tr.Decoded) == 0 {
		return errNoConnections
	}
	if len(tr.Decoded) != len(tr.Connections) {
		return fmt.Errorf("%d decoded entries for %d connections", len(tr.Decoded), len(tr.Connections))
	}
	for i, c := range tr.Connections {
		if c.N != i+1 {
			return fmt.Errorf("connection %d is numbered %d", i+1, c.N)
		}
		for j, turn := range c.Turns {
			if turn.Dir != DirCS && turn.Dir != DirSC {
				return fmt.Errorf("connection %d turn %d: direction %q", c.N, j, turn.Dir)
			}
		}
	}
	for _, sk := range tr.Keys.SessionKeys {
		if sk.Connection < 1 || sk.Connection > len(tr.Decoded) {
			return fmt.Errorf("session key for connection %d, have %d", sk.Connection, len(tr.Decoded))
		}
	}
	for i := range tr.Decoded {
		if err := tr.Decoded[i].validate(i + 1); err != nil {
			return fmt.Errorf("connection %d: %w", i+1, err)
		}
	}
	return nil
}

func (d *Decoded) validate(n int) error {
	if d.Connection != n {
		return fmt.Errorf("decoded entry numbered %d", d.Connection)
	}
	for dir, pkts := range d.Packets {
		if dir != DirCS && dir != DirSC {
			return fmt.Errorf("packets of direction %q", dir)
		}
		for i, p := range pkts {
			if p.Index != i {
				return fmt.Errorf("%s packet %d has index %d", dir, i, p.Index)
			}
			if p.Encrypted != (p.GCM != nil) {
				return fmt.Errorf("%s packet %d: encrypted %v but GCM data %v", dir, i, p.Encrypted, p.GCM != nil)
			}
		}
	}
	for i, m := range d.Messages {
		if m.Dir != DirCS && m.Dir != DirSC {
			return fmt.Errorf("message %d: direction %q", i, m.Dir)
		}
		for _, pi := range m.Packets {
			if pi < 0 || pi >= len(d.Packets[m.Dir]) {
				return fmt.Errorf("message %d (%s): packet %d of %d", i, m.What, pi, len(d.Packets[m.Dir]))
			}
		}
		for j, v := range m.Values {
			if err := v.validate(); err != nil {
				return fmt.Errorf("message %d (%s) value %d: %w", i, m.What, j, err)
			}
		}
	}
	return nil
}

// Value kinds, as returned by kind.
const (
	kindInt      = "int"
	kindIntBytes = "int+bytes" // Int with ThenBytesHex (STORE_CRED credential)
	kindString   = "string"
	kindNull     = "null_string"
	kindAd       = "classad"
	kindBytes    = "bytes"
)

// kind names the kind of v, "" when it has none or more than one.
func (v *Value) kind() string {
	if v.ThenBytesHex != nil && v.Int == nil {
		return ""
	}
	k, n := "", 0
	for _, c := range []struct {
		set  bool
		name string
	}{
		{v.Int != nil && v.ThenBytesHex == nil, kindInt},
		{v.Int != nil && v.ThenBytesHex != nil, kindIntBytes},
		{v.String != nil, kindString},
		{v.NullString, kindNull},
		{v.ClassAd != nil, kindAd},
		{v.BytesHex != nil, kindBytes},
	} {
		if c.set {
			k, n = c.name, n+1
		}
	}
	if n != 1 {
		return ""
	}
	return k
}

func (v *Value) validate() error {
	switch v.kind() {
	case "":
		return errors.New("not exactly one kind of value")
	case kindAd:
		if len(v.TypeStrings) != 2 {
			return fmt.Errorf("classad with %d type strings, want 2", len(v.TypeStrings))
		}
	case kindBytes:
		if v.Length == nil || *v.Length != len(*v.BytesHex)/2 || len(*v.BytesHex)%2 != 0 {
			return errors.New("bytes_hex does not match its length")
		}
	case kindIntBytes:
		if *v.Int < 0 || int64(len(*v.ThenBytesHex)) != 2**v.Int {
			return fmt.Errorf("int %d followed by %d hex digits", *v.Int, len(*v.ThenBytesHex))
		}
	}
	return nil
}
