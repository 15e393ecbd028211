package fs

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	iofs "io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

const transcriptDir = "../../../../../testdata/vectors/transcripts"

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatalf("bad hex %.20q: %v", s, err)
	}
	return b
}

// transcript is the part of a transcript JSON file these tests use.
type transcript struct {
	name        string
	Connections []struct {
		N          int `json:"n"`
		ClientPort int `json:"client_port"`
		ServerPort int `json:"server_port"`
	} `json:"connections"`
	Decoded []struct {
		Connection int `json:"connection"`
		Packets    map[string][]struct {
			HeaderHex    string `json:"header_hex"`
			PlaintextHex string `json:"plaintext_hex"`
		} `json:"packets"`
		Messages []tMessage `json:"messages"`
	} `json:"decoded"`
}

type tMessage struct {
	Dir     string           `json:"dir"`
	What    string           `json:"what"`
	Values  []map[string]any `json:"values"`
	Packets []int            `json:"packets"`
}

// fsExchange is one recorded FS exchange.
type fsExchange struct {
	file             string
	conn, serverPort int
	dirName, ext     string
	nameWire         []byte // S→C directory name message
	replyWire        []byte // C→S result + extension
	resultWire       []byte // S→C server result
}

// fsExchanges returns every FS exchange in the transcripts.
func fsExchanges(t testing.TB) []fsExchange {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(transcriptDir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no transcripts in %s: %v", transcriptDir, err)
	}
	var out []fsExchange
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		tr := &transcript{name: filepath.Base(f)}
		if err := json.Unmarshal(raw, tr); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, d := range tr.Decoded {
			ex := fsExchange{file: tr.name, conn: d.Connection}
			for _, c := range tr.Connections {
				if c.N == d.Connection {
					ex.serverPort = c.ServerPort
				}
			}
			for _, m := range d.Messages {
				wire := func() []byte {
					var b []byte
					for _, i := range m.Packets {
						p := d.Packets[m.Dir][i]
						b = append(b, unhex(t, p.HeaderHex)...)
						b = append(b, unhex(t, p.PlaintextHex)...)
					}
					return b
				}
				switch {
				case strings.HasPrefix(m.What, "FS: directory name"):
					ex.dirName, _ = m.Values[0]["string"].(string)
					ex.nameWire = wire()
				case strings.HasPrefix(m.What, "FS: client result"):
					if len(m.Values) > 1 {
						ex.ext, _ = m.Values[1]["string"].(string)
					}
					ex.replyWire = wire()
				case strings.HasPrefix(m.What, "FS: server result"):
					ex.resultWire = wire()
				}
			}
			if ex.nameWire != nil {
				out = append(out, ex)
			}
		}
	}
	return out
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

func frame(payload []byte) []byte {
	h := make([]byte, 5, 5+len(payload))
	h[0] = 1
	binary.BigEndian.PutUint32(h[1:], uint32(len(payload)))
	return append(h, payload...)
}

// fakeInfo is an lstat result.
type fakeInfo struct {
	mode  iofs.FileMode
	uid   uint32
	nlink uint64
}

func (f fakeInfo) Name() string        { return "x" }
func (f fakeInfo) Size() int64         { return 0 }
func (f fakeInfo) Mode() iofs.FileMode { return f.mode }
func (f fakeInfo) ModTime() time.Time  { return time.Time{} }
func (f fakeInfo) IsDir() bool         { return f.mode.IsDir() }
func (f fakeInfo) Sys() any            { return &syscall.Stat_t{Uid: f.uid, Nlink: f.nlink} }

// fakeSys records the calls and answers lstat from a table.
type fakeSys struct {
	mu                 sync.Mutex
	euid               int
	mkdirs, rmdirs     []string
	chowns             []string
	probes             []string
	stats              map[string]fakeInfo
	mkdirErr, probeErr error
}

func (f *fakeSys) ops() *sysOps {
	return &sysOps{
		euid: func() int { return f.euid },
		mkdir: func(p string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.mkdirs = append(f.mkdirs, p)
			return f.mkdirErr
		},
		lchown: func(p string, uid, gid int) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.chowns = append(f.chowns, p+" "+strconv.Itoa(uid)+"."+strconv.Itoa(gid))
			return nil
		},
		rmdir: func(p string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.rmdirs = append(f.rmdirs, p)
			return nil
		},
		lstat: func(p string) (iofs.FileInfo, error) {
			f.mu.Lock()
			defer f.mu.Unlock()
			if fi, ok := f.stats[p]; ok {
				return fi, nil
			}
			return nil, &os.PathError{Op: "lstat", Path: p, Err: syscall.ENOENT}
		},
		probe: func(p string) error {
			f.mu.Lock()
			defer f.mu.Unlock()
			f.probes = append(f.probes, p)
			return f.probeErr
		},
	}
}

// charsRand returns a reader that makes randomChars produce s.
func charsRand(s string) *bytes.Reader {
	b := make([]byte, 16)
	for i := range len(s) {
		b[i] = byte(strings.IndexByte(nameChars, s[i]))
	}
	return bytes.NewReader(b)
}

// tcpPair returns both ends of a loopback TCP connection as Streams.
func tcpPair(t testing.TB) (client, server *cedar.Stream, cconn, sconn net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	cconn, err = net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sconn = <-accepted
	if sconn == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { cconn.Close(); sconn.Close() })
	return newStream(t, cconn), newStream(t, sconn), cconn, sconn
}

type serverResult struct {
	id  auth.Identity
	err error
}

// run performs one FS exchange between cli and srv over loopback TCP.
func run(t testing.TB, cli *Client, srv *Server, cpeer, speer *auth.Peer) (error, serverResult) {
	t.Helper()
	cs, ss, cc, _ := tcpPair(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	done := make(chan serverResult, 1)
	go func() {
		id, err := srv.Authenticate(ctx, ss, speer)
		done <- serverResult{id, err}
	}()
	cerr := cli.Authenticate(ctx, cs, cpeer)
	if cerr != nil && !isClean(cerr) {
		cc.Close()
	}
	return cerr, <-done
}

func isClean(err error) bool {
	var f *failure
	return errors.As(err, &f)
}
