package fs

import (
	"bytes"
	"context"
	"fmt"
	iofs "io/fs"
	"net"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// Every FS exchange recorded in the transcripts (root tools, CONDOR_IDS =
// 999.995, FS_LOCAL_DIR = /dev/shm), replayed in both roles.
func TestTranscriptReplay(t *testing.T) {
	exs := fsExchanges(t)
	if len(exs) != 6 {
		t.Fatalf("found %d FS exchanges, want 6", len(exs))
	}
	for _, ex := range exs {
		name := fmt.Sprintf("%s/conn%d", strings.TrimSuffix(ex.file, ".json"), ex.conn)
		t.Run(name+"/client", func(t *testing.T) { replayClient(t, ex) })
		t.Run(name+"/server", func(t *testing.T) { replayServer(t, ex) })
	}
}

func serverAddr(ex fsExchange) *net.TCPAddr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: ex.serverPort}
}

func replayClient(t *testing.T, ex fsExchange) {
	if want := fmt.Sprintf("127.0.0.1:%d", ex.serverPort); ex.ext != want {
		t.Fatalf("recorded extension %q, want %q", ex.ext, want)
	}
	sys := &fakeSys{euid: 0}
	cli := NewClient(ClientConfig{
		ServiceAccount: func() (Account, error) { return Account{Uid: 999, Gid: 995, Name: "condor"}, nil },
		sys:            sys.ops(),
	})
	conn := transcript.NewConn(append(append([]byte(nil), ex.nameWire...), ex.resultWire...))
	if err := cli.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{Remote: serverAddr(ex)}); err != nil {
		t.Fatal(err)
	}
	if got := conn.Written(); !bytes.Equal(got, ex.replyWire) {
		t.Errorf("client wrote %x, recorded %x", got, ex.replyWire)
	}
	if conn.Unread() != 0 {
		t.Errorf("%d bytes unread", conn.Unread())
	}
	dir := ex.dirName + ex.ext
	want := fakeSys{mkdirs: []string{dir}, chowns: []string{dir + " 999.995"}, rmdirs: []string{dir}}
	if diff := cmp.Diff([][]string{want.mkdirs, want.chowns, want.rmdirs}, [][]string{sys.mkdirs, sys.chowns, sys.rmdirs}); diff != "" {
		t.Errorf("mkdir, chown, rmdir (-want +got):\n%s", diff)
	}
}

func replayServer(t *testing.T, ex fsExchange) {
	// The six characters mkstemp chose, before the trailing "_".
	random := ex.dirName[len(ex.dirName)-7 : len(ex.dirName)-1]
	dir := ex.dirName + ex.ext
	sys := &fakeSys{stats: map[string]fakeInfo{dir: {mode: iofs.ModeDir | 0o700, uid: 999, nlink: 2}}}
	srv := NewServer(ServerConfig{
		Dir:        "/dev/shm",
		UIDDomain:  "example.net",
		RootUser:   "condor",
		LookupUser: func(uid int) (string, error) { return map[int]string{999: "condor", 0: "root"}[uid], nil },
		Rand:       charsRand(random),
		sys:        sys.ops(),
	})
	conn := transcript.NewConn(ex.replyWire)
	id, err := srv.Authenticate(context.Background(), replay.NewStream(t, conn), &auth.Peer{Local: serverAddr(ex)})
	if err != nil {
		t.Fatal(err)
	}
	if want := append(append([]byte(nil), ex.nameWire...), ex.resultWire...); !bytes.Equal(conn.Written(), want) {
		t.Errorf("server wrote %x, recorded %x", conn.Written(), want)
	}
	want := auth.Identity{User: "condor", Domain: "example.net", Method: "FS", AuthenticatedName: "condor"}
	if diff := cmp.Diff(want, id); diff != "" {
		t.Errorf("identity (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{strings.TrimSuffix(ex.dirName, "_")}, sys.probes); diff != "" {
		t.Errorf("mkstemp probe (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{dir}, sys.rmdirs); diff != "" {
		t.Errorf("rmdir (-want +got):\n%s", diff)
	}
}
