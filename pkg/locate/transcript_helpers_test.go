package locate

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// Minimal reader for the wire transcripts in testdata/vectors/transcripts
// (format in their README.md), after pkg/cedar's transcript helpers.

const transcriptDir = "../../testdata/vectors/transcripts"

type transcript struct {
	Connections []struct {
		N     int `json:"n"`
		Turns []struct {
			Dir string `json:"dir"`
			Hex string `json:"hex"`
		} `json:"turns"`
	} `json:"connections"`
	Decoded []struct {
		Connection    int    `json:"connection"`
		SessionKeyHex string `json:"session_key_hex"`
		Packets       map[string][]struct {
			GCM *struct {
				BaseIVHex string `json:"base_iv_hex"`
			} `json:"gcm"`
		} `json:"packets"`
		Messages []struct {
			Dir       string `json:"dir"`
			Encrypted bool   `json:"encrypted"`
			What      string `json:"what"`
			Values    []struct {
				Int     *int64    `json:"int"`
				ClassAd *[]string `json:"classad"`
			} `json:"values"`
		} `json:"messages"`
	} `json:"decoded"`
}

func loadTranscript(t testing.TB, name string) *transcript {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(transcriptDir, name))
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript{}
	if err := json.Unmarshal(raw, tr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tr
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
	t.Fatalf("no connection %d", n)
	return nil
}

// adLines returns the lines of the ad in message i of connection n.
func (tr *transcript) adLines(t testing.TB, n, i int) []string {
	t.Helper()
	for _, d := range tr.Decoded {
		if d.Connection != n {
			continue
		}
		for _, v := range d.Messages[i].Values {
			if v.ClassAd != nil {
				return *v.ClassAd
			}
		}
	}
	t.Fatalf("connection %d message %d holds no ad", n, i)
	return nil
}

// sessionKey and baseIV return connection n's AES key and the base IV of
// direction dir's first encrypted packet.
func (tr *transcript) sessionKey(t testing.TB, n int) []byte {
	for _, d := range tr.Decoded {
		if d.Connection == n {
			return unhex(t, d.SessionKeyHex)
		}
	}
	t.Fatalf("no connection %d", n)
	return nil
}

func (tr *transcript) baseIV(t testing.TB, n int, dir string) []byte {
	for _, d := range tr.Decoded {
		if d.Connection != n {
			continue
		}
		for _, p := range d.Packets[dir] {
			if p.GCM != nil && p.GCM.BaseIVHex != "" {
				return unhex(t, p.GCM.BaseIVHex)
			}
		}
	}
	t.Fatalf("connection %d %s: no base IV", n, dir)
	return nil
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex: %v", err)
	}
	return b
}

// replayConn feeds one recorded direction to a Stream and captures what it
// writes.
type replayConn struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (c *replayConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *replayConn) Write(p []byte) (int, error) { return c.w.Write(p) }
