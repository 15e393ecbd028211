package token

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript/replay"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

const vectorDir = "../../../../../testdata/vectors"

// pipePair returns the two ends of an in-memory connection as Streams.
func pipePair(t testing.TB) (client, server *cedar.Stream) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return replay.NewStream(t, a), replay.NewStream(t, b)
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
