package token

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

const vectorDir = "../../../../../testdata/vectors"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %.20q: %v", s, err)
	}
	return b
}

// transcript is the part of a transcript JSON file these tests use
// (format: testdata/vectors/transcripts/README.md).
type transcript struct {
	Keys struct {
		PoolSigningKeyHex string `json:"pool_signing_key_hex"`
	} `json:"keys"`
	Token struct {
		JWT          string         `json:"jwt"`
		Payload      map[string]any `json:"payload"`
		SignatureHex string         `json:"signature_hex"`
	} `json:"token"`
	Decoded []struct {
		Connection int `json:"connection"`
		Packets    map[string][]struct {
			HeaderHex    string `json:"header_hex"`
			PlaintextHex string `json:"plaintext_hex"`
			Encrypted    bool   `json:"encrypted"`
		} `json:"packets"`
		Messages []struct {
			Dir     string           `json:"dir"`
			What    string           `json:"what"`
			Values  []map[string]any `json:"values"`
			Packets []int            `json:"packets"`
		} `json:"messages"`
	} `json:"decoded"`
	Checks struct {
		AKEP2 map[string]any `json:"akep2"`
	} `json:"checks"`
}

func loadTranscript(t testing.TB, name string) *transcript {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(vectorDir, "transcripts", name))
	if err != nil {
		t.Fatal(err)
	}
	tr := &transcript{}
	if err := json.Unmarshal(raw, tr); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return tr
}

// wire returns the exact bytes (headers and payloads) of the messages of
// connection conn whose description starts with prefix.
func (tr *transcript) wire(t testing.TB, conn int, prefix string) []byte {
	t.Helper()
	for _, d := range tr.Decoded {
		if d.Connection != conn {
			continue
		}
		for _, m := range d.Messages {
			if !strings.HasPrefix(m.What, prefix) {
				continue
			}
			var b []byte
			for _, i := range m.Packets {
				p := d.Packets[m.Dir][i]
				if p.Encrypted {
					t.Fatalf("message %q is encrypted", m.What)
				}
				b = append(b, unhex(t, p.HeaderHex)...)
				b = append(b, unhex(t, p.PlaintextHex)...)
			}
			return b
		}
	}
	t.Fatalf("no message %q on connection %d", prefix, conn)
	return nil
}

// bytesValue returns the n-th bytes_hex value of the message.
func (tr *transcript) bytesValue(t testing.TB, conn int, prefix string, n int) []byte {
	t.Helper()
	for _, d := range tr.Decoded {
		if d.Connection != conn {
			continue
		}
		for _, m := range d.Messages {
			if !strings.HasPrefix(m.What, prefix) {
				continue
			}
			for _, v := range m.Values {
				if h, ok := v["bytes_hex"].(string); ok {
					if n == 0 {
						return unhex(t, h)
					}
					n--
				}
			}
		}
	}
	t.Fatalf("no bytes value in %q", prefix)
	return nil
}

// replayConn feeds recorded bytes to a Stream and captures what it writes.
type replayConn struct {
	r *bytes.Reader
	w bytes.Buffer
}

func (c *replayConn) Read(p []byte) (int, error)  { return c.r.Read(p) }
func (c *replayConn) Write(p []byte) (int, error) { return c.w.Write(p) }

func newStream(t testing.TB, rw interface {
	Read([]byte) (int, error)
	Write([]byte) (int, error)
}) *cedar.Stream {
	t.Helper()
	s, err := cedar.NewStream(rw, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// frame wraps a payload in one CEDAR packet with the end flag set.
func frame(payload []byte) []byte {
	h := make([]byte, 5, 5+len(payload))
	h[0] = 1
	binary.BigEndian.PutUint32(h[1:], uint32(len(payload)))
	return append(h, payload...)
}

// pipePair returns the two ends of an in-memory connection as Streams.
func pipePair(t testing.TB) (client, server *cedar.Stream) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return newStream(t, a), newStream(t, b)
}

// poolKeys writes a fresh POOL key (and optionally named keys) into a
// temporary directory and returns the key configuration.
func poolKeys(t testing.TB, raw []byte, named map[string][]byte) idtoken.KeyConfig {
	t.Helper()
	dir := t.TempDir()
	kc := idtoken.KeyConfig{PoolKeyFile: filepath.Join(dir, "POOL"), PasswordDir: dir, Uid: os.Getuid()}
	if raw != nil {
		if err := idtoken.WriteKeyFile(kc.PoolKeyFile, raw); err != nil {
			t.Fatal(err)
		}
	}
	for name, k := range named {
		if err := idtoken.WriteKeyFile(filepath.Join(dir, name), k); err != nil {
			t.Fatal(err)
		}
	}
	return kc
}

var testNow = time.Unix(1_800_000_000, 0)

func mint(t testing.TB, kc idtoken.KeyConfig, opts idtoken.MintOptions) string {
	t.Helper()
	if opts.Issuer == "" {
		opts.Issuer = "example.org"
	}
	if opts.Now.IsZero() {
		opts.Now = testNow
	}
	if opts.Lifetime == 0 {
		opts.Lifetime = -1
	}
	tok, err := kc.Create(opts)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// result of one side of an in-process exchange.
type result struct {
	id  auth.Identity
	err error
}

// run performs one TOKEN exchange between cli and srv over an in-memory
// connection and returns both outcomes. After a clean outcome it checks
// that both streams are still in step by exchanging one more message.
func run(t testing.TB, cli *Client, srv *Server, peer *auth.Peer) (clientErr error, server result) {
	t.Helper()
	cs, ss := pipePair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		server.id, server.err = srv.Authenticate(ctx, ss, &auth.Peer{})
		if server.err == nil || isClean(server.err) {
			if err := ss.PutInt(4242); err == nil {
				_ = ss.EndOfMessage()
			}
		}
	}()
	clientErr = cli.Authenticate(ctx, cs, peer)
	if clientErr == nil || isClean(clientErr) {
		v, err := cs.GetInt()
		if err != nil || v != 4242 || cs.EndOfMessage() != nil {
			t.Errorf("streams out of step after the exchange: got %d, %v", v, err)
		}
	}
	cs.Close() // unblocks the server if the client gave up early
	wg.Wait()
	return clientErr, server
}

func isClean(err error) bool {
	var f *failure
	return errors.As(err, &f)
}
