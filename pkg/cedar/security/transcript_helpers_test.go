package security

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/google/go-cmp/cmp"
)

// Types for the JSON transcripts in testdata/vectors/transcripts (format in
// their README.md); a subset of pkg/cedar's test helpers.

const transcriptDir = "../../../testdata/vectors/transcripts"

type transcript struct {
	name string
	Keys struct {
		SessionKeys []struct {
			Connection int    `json:"connection"`
			KeyHex     string `json:"key_hex"`
			ECDH       *struct {
				ClientPrivateKeyHex string `json:"client_private_key_hex"`
			} `json:"ecdh"`
			EstablishedOnConnection int `json:"established_on_connection"`
		} `json:"session_keys"`
	} `json:"keys"`
	Connections []struct {
		N     int `json:"n"`
		Turns []struct {
			Dir string `json:"dir"`
			Hex string `json:"hex"`
		} `json:"turns"`
	} `json:"connections"`
	Decoded []tDecoded `json:"decoded"`
}

type tDecoded struct {
	Connection        int                  `json:"connection"`
	SessionKeyHex     string               `json:"session_key_hex"`
	SessionResumption bool                 `json:"session_resumption"`
	Packets           map[string][]tPacket `json:"packets"`
	Messages          []tMessage           `json:"messages"`
}

type tPacket struct {
	GCM *struct {
		BaseIVHex string `json:"base_iv_hex"`
	} `json:"gcm"`
}

type tMessage struct {
	Dir       string   `json:"dir"`
	Encrypted bool     `json:"encrypted"`
	What      string   `json:"what"`
	Values    []tValue `json:"values"`
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
		tr := &transcript{name: strings.TrimSuffix(filepath.Base(f), ".json")}
		if err := json.Unmarshal(raw, tr); err != nil {
			t.Fatalf("%s: %v", f, err)
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

// baseIV returns the recorded base IV of dir's first encrypted packet, or
// a zero reader when that direction sent nothing encrypted.
func (d tDecoded) baseIV(t testing.TB, dir string) io.Reader {
	for _, p := range d.Packets[dir] {
		if p.GCM != nil && p.GCM.BaseIVHex != "" {
			return bytes.NewReader(unhex(t, p.GCM.BaseIVHex))
		}
	}
	return zeroReader{}
}

// replayConn feeds one recorded direction and captures what is written.
type replayConn struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (c *replayConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *replayConn) Write(p []byte) (int, error) { return c.w.Write(p) }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// adOf returns the ClassAd lines of the first ad of message m.
func adOf(m tMessage) []string {
	for _, v := range m.Values {
		if v.ClassAd != nil {
			return *v.ClassAd
		}
	}
	return nil
}

// putValues encodes a recorded message's values.
func putValues(s *cedar.Stream, m tMessage) error {
	for j, v := range m.Values {
		var err error
		switch {
		case v.ClassAd != nil:
			err = s.PutAdLines(*v.ClassAd, v.TypeStrings[0], v.TypeStrings[1])
		case v.Int != nil && v.ThenBytesHex != nil:
			var b []byte
			if b, err = hex.DecodeString(*v.ThenBytesHex); err == nil {
				if err = s.PutInt(*v.Int); err == nil {
					err = s.PutBytes(b)
				}
			}
		case v.Int != nil:
			err = s.PutInt(*v.Int)
		case v.String != nil:
			err = s.PutString(*v.String)
		case v.NullString:
			err = s.PutNullString()
		case v.BytesHex != nil:
			var b []byte
			if b, err = hex.DecodeString(*v.BytesHex); err == nil {
				err = s.PutBytes(b)
			}
		default:
			err = fmt.Errorf("unknown value kind")
		}
		if err != nil {
			return fmt.Errorf("%s value %d: %w", m.What, j, err)
		}
	}
	return s.EndOfMessage()
}

// getValues decodes a recorded message and compares it with the record.
func getValues(s *cedar.Stream, m tMessage) error {
	for j, v := range m.Values {
		where := fmt.Sprintf("%s value %d", m.What, j)
		switch {
		case v.ClassAd != nil:
			lines, _, _, err := s.GetAdLines()
			if err != nil {
				return fmt.Errorf("%s: %w", where, err)
			}
			if d := cmp.Diff(*v.ClassAd, lines); d != "" {
				return fmt.Errorf("%s: ad (-want +got):\n%s", where, d)
			}
		case v.Int != nil && v.ThenBytesHex != nil:
			n, err := s.GetInt()
			if err != nil || n != *v.Int {
				return fmt.Errorf("%s: int %d, %v", where, n, err)
			}
			if b, err := s.GetBytes(int(n)); err != nil || hex.EncodeToString(b) != *v.ThenBytesHex {
				return fmt.Errorf("%s: bytes %x, %v", where, b, err)
			}
		case v.Int != nil:
			n, err := s.GetInt()
			if err != nil || n != *v.Int {
				return fmt.Errorf("%s: int %d (%v), want %d", where, n, err, *v.Int)
			}
		case v.String != nil:
			str, _, err := s.GetString()
			if err != nil || str != *v.String {
				return fmt.Errorf("%s: string %q (%v), want %q", where, str, err, *v.String)
			}
		case v.BytesHex != nil:
			b, err := s.GetBytes(*v.Length)
			if err != nil || hex.EncodeToString(b) != *v.BytesHex {
				return fmt.Errorf("%s: bytes %x (%v)", where, b, err)
			}
		default:
			return fmt.Errorf("%s: unknown value kind", where)
		}
	}
	return s.EndOfMessage()
}

// replayClientMethod replays the recorded method messages of one
// connection from the client's side: it sends the recorded C→S messages
// and checks the S→C ones. Methods that were offered but not chosen fail
// the test if run.
type replayClientMethod struct {
	t    testing.TB
	name string
	msgs []tMessage // nil: must not run
}

func (r *replayClientMethod) Name() string { return r.name }
func (r *replayClientMethod) Bit() int {
	b, _ := auth.Bit(r.name)
	return b
}
func (r *replayClientMethod) Usable(*auth.Peer) (bool, string) { return true, "" }
func (r *replayClientMethod) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) error {
	if r.msgs == nil {
		r.t.Errorf("method %s ran but the server did not choose it", r.name)
		return fmt.Errorf("%w: unexpected", auth.ErrFailed)
	}
	for _, m := range r.msgs {
		var err error
		if m.Dir == dirCS {
			err = putValues(s, m)
		} else {
			err = getValues(s, m)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
