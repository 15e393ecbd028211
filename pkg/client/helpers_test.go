package client

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/config"
)

// The JSON transcripts in testdata/vectors/transcripts (format in their
// README.md): only the parts the client tests need.

const transcriptDir = "../../testdata/vectors/transcripts"

type transcript struct {
	name string
	Keys struct {
		SessionKeys []struct {
			Connection int `json:"connection"`
			ECDH       *struct {
				ClientPrivateKeyHex string `json:"client_private_key_hex"`
			} `json:"ecdh"`
		} `json:"session_keys"`
	} `json:"keys"`
	Connections []struct {
		N          int `json:"n"`
		ServerPort int `json:"server_port"`
		Turns      []struct {
			Dir string `json:"dir"`
			Hex string `json:"hex"`
		} `json:"turns"`
	} `json:"connections"`
	Decoded []tDecoded `json:"decoded"`
}

type tDecoded struct {
	Connection        int                  `json:"connection"`
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
	Dir    string   `json:"dir"`
	What   string   `json:"what"`
	Values []tValue `json:"values"`
}

type tValue struct {
	Int          *int64    `json:"int"`
	String       *string   `json:"string"`
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

// clockAt is the transcripts' wall clock (README: around 1795640000).
var clockAt = time.Unix(1795640660, 0)

func loadTranscript(t testing.TB, name string) *transcript {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(transcriptDir, name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript{name: name}
	if err := json.Unmarshal(raw, tr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tr
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %.20q: %v", s, err)
	}
	return b
}

// dirBytes concatenates the turns of one direction of connection n.
func (tr *transcript) dirBytes(t testing.TB, n int, dir string) []byte {
	t.Helper()
	for _, c := range tr.Connections {
		if c.N == n {
			var b []byte
			for _, turn := range c.Turns {
				if turn.Dir == dir {
					b = append(b, unhex(t, turn.Hex)...)
				}
			}
			return b
		}
	}
	t.Fatalf("%s: no connection %d", tr.name, n)
	return nil
}

func (tr *transcript) serverPort(t testing.TB, n int) int {
	for _, c := range tr.Connections {
		if c.N == n {
			return c.ServerPort
		}
	}
	t.Fatalf("%s: no connection %d", tr.name, n)
	return 0
}

func (tr *transcript) decoded(n int) tDecoded { return tr.Decoded[n-1] }

// privateKey returns the recorded client ECDH key of connection n.
func (tr *transcript) privateKey(t testing.TB, n int) []byte {
	for _, sk := range tr.Keys.SessionKeys {
		if sk.Connection == n && sk.ECDH != nil {
			return unhex(t, sk.ECDH.ClientPrivateKeyHex)
		}
	}
	t.Fatalf("%s: no ECDH key for connection %d", tr.name, n)
	return nil
}

// baseIV returns the recorded base IV of dir's first encrypted packet (a
// direction that sent nothing encrypted gets zeros).
func (d tDecoded) baseIV(t testing.TB, dir string) []byte {
	for _, p := range d.Packets[dir] {
		if p.GCM != nil && p.GCM.BaseIVHex != "" {
			return unhex(t, p.GCM.BaseIVHex)
		}
	}
	return make([]byte, 16)
}

// adOf returns the lines of the first ClassAd of m.
func adOf(m tMessage) []string {
	for _, v := range m.Values {
		if v.ClassAd != nil {
			return *v.ClassAd
		}
	}
	return nil
}

// attr returns the raw value text of attribute name in wire lines.
func attr(lines []string, name string) string {
	for _, l := range lines {
		if n, v, ok := cedar.SplitAdLine(l); ok && n == name {
			return v
		}
	}
	return ""
}

// putValues sends a recorded message's values; getValues reads one and
// compares it with the record.
func putValues(s *cedar.Stream, m tMessage) error {
	for j, v := range m.Values {
		var err error
		switch {
		case v.ClassAd != nil:
			err = s.PutAdLines(*v.ClassAd, v.TypeStrings[0], v.TypeStrings[1])
		case v.Int != nil:
			err = s.PutInt(*v.Int)
		case v.String != nil:
			err = s.PutString(*v.String)
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

// replayMethod plays the recorded messages of an authentication method
// from the client's side: it sends the recorded C→S messages and checks
// the S→C ones.
type replayMethod struct {
	t    testing.TB
	name string
	msgs []tMessage // nil: the server did not choose this method
}

func (r *replayMethod) Name() string { return r.name }
func (r *replayMethod) Bit() int {
	b, _ := auth.Bit(r.name)
	return b
}
func (r *replayMethod) Usable(*auth.Peer) (bool, string) { return true, "" }
func (r *replayMethod) Authenticate(_ context.Context, s *cedar.Stream, _ *auth.Peer) error {
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

// methodMessages returns the chosen method bit and its messages of a new
// session's connection: those between the server's choice and the hasKey
// int.
func methodMessages(dec tDecoded) (int64, []tMessage) {
	ms := dec.Messages
	for i, m := range ms {
		if strings.HasPrefix(m.What, "server chose method") {
			j := i + 1
			for j < len(ms) && !strings.HasPrefix(ms[j].What, "key-exchange flag") {
				j++
			}
			return *m.Values[0].Int, ms[i+1 : j]
		}
	}
	return 0, nil
}

// fakeConn is a net.Conn that reads a recorded byte stream and records
// what is written.
type fakeConn struct {
	mu     sync.Mutex
	r      *bytes.Reader
	w      bytes.Buffer
	local  net.Addr
	remote net.Addr
	closed bool
}

func (c *fakeConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.r.Read(p)
}

func (c *fakeConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.w.Write(p)
}

func (c *fakeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *fakeConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.w.Bytes()...)
}

func (c *fakeConn) unread() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r.Len()
}

func (c *fakeConn) LocalAddr() net.Addr              { return c.local }
func (c *fakeConn) RemoteAddr() net.Addr             { return c.remote }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }
func firstDiff(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// poolConfig writes the transcripts' pool configuration (README.md "Pool
// configuration") with LOCAL_DIR in a temporary directory, plus extra
// lines, and loads it for the TOOL subsystem. It returns the configuration
// and LOCAL_DIR.
func poolConfig(t testing.TB, extra ...string) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	lines := []string{
		"LOCAL_DIR = " + dir,
		"ETC = $(LOCAL_DIR)/etc", "LOG = $(LOCAL_DIR)/log", "SPOOL = $(LOCAL_DIR)/spool",
		"LOCK = $(LOCAL_DIR)/lock", "RUN = $(LOCAL_DIR)/run",
		"LOCAL_CONFIG_FILE =", "LOCAL_CONFIG_DIR =",
		"CONDOR_IDS = 999.995", "CONDOR_HOST = 127.0.0.1", "NETWORK_INTERFACE = 127.0.0.1",
		"ENABLE_IPV6 = False", "COLLECTOR_HOST = 127.0.0.1:29818", "USE_SHARED_PORT = False",
		"SCHEDD_NAME = schedd@vm", "CREDD_ADDRESS_FILE = $(LOG)/.credd_address",
		"UID_DOMAIN = example.net", "TRUST_DOMAIN = example.net",
		"use security:recommended",
		"SEC_DEFAULT_AUTHENTICATION_METHODS = FS, IDTOKENS, SSL",
		"SEC_CLIENT_AUTHENTICATION_METHODS = FS, IDTOKENS, SSL",
		"FS_LOCAL_DIR = /dev/shm",
		"AUTH_SSL_CLIENT_CAFILE = $(ETC)/ssl/server.crt",
		"SSL_SKIP_HOST_CHECK = True",
	}
	lines = append(lines, extra...)
	path := filepath.Join(dir, "condor_config")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc", "log", "spool", "lock", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(config.Options{Subsystem: "TOOL", ConfigFile: path, Env: []string{}, Hostname: "vm"})
	if err != nil {
		t.Fatalf("loading configuration: %v", err)
	}
	return cfg, dir
}

// writeAddressFile writes a daemon address file (drop_addr_file format).
func writeAddressFile(t testing.TB, path, sinful string) {
	t.Helper()
	text := sinful + "\n$CondorVersion: 25.14.0 2026-11-25 PRE-RELEASE-UWCS $\n$CondorPlatform: X86_64-Debian_12 $\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
