package ssl

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// packet wraps a payload as one final CEDAR packet.
func packet(payload []byte) []byte {
	h := []byte{1, 0, 0, 0, 0}
	binary.BigEndian.PutUint32(h[1:], uint32(len(payload)))
	return append(h, payload...)
}

func ints(vs ...int64) []byte {
	var b []byte
	for _, v := range vs {
		b = binary.BigEndian.AppendUint64(b, uint64(v))
	}
	return b
}

func readerStream(t testing.TB, b []byte) *cedar.Stream {
	t.Helper()
	s, err := cedar.NewStream(&rwBuf{r: bytes.NewReader(b)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestReadFrameErrors(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    error
	}{
		{"negative length", ints(2, -1), cedar.ErrMalformedValue},
		{"over 1 MiB", ints(2, MaxDataSize+1), cedar.ErrMalformedValue},
		{"length beyond message", append(ints(2, 10), 1, 2, 3), cedar.ErrShortMessage},
		{"trailing bytes", append(ints(2, 1), 7, 8), cedar.ErrUnreadBytes},
		{"status too big for int", ints(1<<40, 0), cedar.ErrMalformedValue},
		{"missing length", ints(2), cedar.ErrShortMessage},
	}
	for _, tc := range tests {
		s := readerStream(t, append(packet(tc.payload), packet(ints(4, 0))...))
		if _, _, err := readFrame(s); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		// The stream stays at a message boundary: the next one reads.
		if st, data, err := readFrame(s); err != nil || st != 4 || len(data) != 0 {
			t.Errorf("%s: next message: %d %x %v", tc.name, st, data, err)
		}
	}
	s := readerStream(t, packet(ints(0, 1)))
	if _, err := readStatus(s); !errors.Is(err, cedar.ErrUnreadBytes) {
		t.Errorf("status message with extra int: %v", err)
	}
	w := &rwBuf{r: bytes.NewReader(nil)}
	ws, _ := cedar.NewStream(w, nil)
	if err := writeFrame(ws, StatusHolding, make([]byte, MaxDataSize+1)); err == nil {
		t.Error("writeFrame accepted more than 1 MiB")
	}
	if err := writeFrame(ws, StatusHolding, nil); err != nil || !bytes.Equal(w.w.Bytes(), packet(ints(4, 0))) {
		t.Errorf("empty data message: % x, %v", w.w.Bytes(), err)
	}
}

// TestEngineSteps drives a server engine by hand: it waits for input
// without any, fails on garbage with an alert pending, and its goroutine
// ends on close.
func TestEngineSteps(t *testing.T) {
	p := newPKI(t, "example.net", "vm")
	r := &serverRun{opts: &Options{ServerCertFile: p.hostCert, ServerKeyFile: p.hostKey}, peer: &auth.Peer{}}
	cfg, err := r.setup()
	if err != nil {
		t.Fatal(err)
	}
	mc := newMemConn()
	e := newEngine(mc, tls.Server(mc, cfg))
	e.start(func(tc *tls.Conn) (int, error) { return 0, tc.Handshake() })
	if st, err := e.status(); st != StatusReceiving || err != nil {
		t.Fatalf("idle engine: %s, %v", statusName(st), err)
	}
	if st, _ := e.status(); st != StatusReceiving {
		t.Fatalf("idle engine, again: %s", statusName(st))
	}
	// A handshake record holding a message that is not a ClientHello.
	e.feed([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 0x02, 0x00, 0x00, 0x01, 0x00})
	st, err := e.status()
	if st != StatusQuitting || err == nil {
		t.Fatalf("garbage: %s, %v", statusName(st), err)
	}
	if out := e.drain(); len(out) == 0 || out[0] != 21 { // TLS alert record
		t.Errorf("no TLS alert pending after the failure: % x", out)
	}
	e.close()
	select {
	case <-e.done:
	default:
		t.Error("engine goroutine still running after close")
	}

	// Closing an engine parked in Read ends its goroutine.
	mc = newMemConn()
	e = newEngine(mc, tls.Server(mc, cfg))
	e.start(func(tc *tls.Conn) (int, error) { return 0, tc.Handshake() })
	_, _ = e.status()
	e.close()
	if _, err := mc.Write([]byte{1}); err == nil {
		t.Error("write after close succeeded")
	}
}

// TestContextCancel: a cancelled context aborts a client waiting for a
// silent server, and no goroutine is left behind.
func TestContextCancel(t *testing.T) {
	before := runtime.NumGoroutine()
	c1, c2 := net.Pipe()
	defer c2.Close()
	s, err := cedar.NewStream(c1, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	err = NewClient(Options{}).Authenticate(ctx, s, &auth.Peer{})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, auth.ErrFailed) {
		t.Errorf("err = %v, want a fatal error naming the deadline", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("took %v", time.Since(start))
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after, %d before", n, before)
	}
}

// TestPeerHangsUp: the server disappears in the middle of the handshake:
// the client gets a fatal (not clean) error.
func TestPeerHangsUp(t *testing.T) {
	c1, c2 := net.Pipe()
	cs, _ := cedar.NewStream(c1, nil)
	ss, _ := cedar.NewStream(c2, nil)
	go func() {
		_ = writeStatus(ss, StatusOK)
		_, _ = readStatus(ss)
		_, _, _ = readFrame(ss) // the ClientHello
		_ = c2.Close()
	}()
	err := NewClient(Options{ClientSkipDefaultCAs: true}).Authenticate(context.Background(), cs, &auth.Peer{})
	if err == nil || errors.Is(err, auth.ErrFailed) || !strings.Contains(err.Error(), "SSL") {
		t.Errorf("err = %v, want a fatal SSL error", err)
	}
}
