package fs

import (
	"bytes"
	"context"
	"errors"
	iofs "io/fs"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

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
	var out []fsExchange
	for _, tr := range transcript.LoadAll(t) {
		for i := range tr.Decoded {
			d := &tr.Decoded[i]
			ex := fsExchange{file: tr.Name + ".json", conn: d.Connection, serverPort: tr.Connection(t, d.Connection).ServerPort}
			for _, m := range d.Messages {
				switch {
				case strings.HasPrefix(m.What, "FS: directory name"):
					if len(m.Values) > 0 && m.Values[0].String != nil {
						ex.dirName = *m.Values[0].String
					}
					ex.nameWire = d.Wire(t, &m)
				case strings.HasPrefix(m.What, "FS: client result"):
					if len(m.Values) > 1 && m.Values[1].String != nil {
						ex.ext = *m.Values[1].String
					}
					ex.replyWire = d.Wire(t, &m)
				case strings.HasPrefix(m.What, "FS: server result"):
					ex.resultWire = d.Wire(t, &m)
				}
			}
			if ex.nameWire != nil {
				out = append(out, ex)
			}
		}
	}
	return out
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
	return replay.NewStream(t, cconn), replay.NewStream(t, sconn), cconn, sconn
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
