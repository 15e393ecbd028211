package transcript_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
)

// recorder is a testing.TB that records Fatal/Error calls instead of
// failing the test; Fatal ends the goroutine like the real one.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	fatal  string
	errors []string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprintf(format, args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = fmt.Sprint(args...)
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

// fatalOf runs f with a recorder and returns the fatal message, "" when f
// returned normally.
func fatalOf(t *testing.T, f func(tb testing.TB)) string {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r.fatal
}

func TestLoadAll(t *testing.T) {
	type file struct {
		name     string
		conns    int
		hasToken bool
	}
	var got []file
	for _, tr := range transcript.LoadAll(t) {
		got = append(got, file{tr.Name, len(tr.Decoded), tr.Token != nil})
		if len(tr.Raw) == 0 || !json.Valid(tr.Raw) {
			t.Errorf("%s: Raw is not the JSON file", tr.Name)
		}
		for i, d := range tr.Decoded {
			if d.Connection != i+1 || tr.Connections[i].N != i+1 {
				t.Errorf("%s: entry %d numbered %d/%d", tr.Name, i, d.Connection, tr.Connections[i].N)
			}
		}
	}
	// README "Files": the connections of each transcript.
	want := []file{
		{"collector_query", 3, true},
		{"ping_idtoken", 1, true},
		{"store_cred_oauth", 2, false},
		{"token_fetch_fs", 1, true},
		{"token_request_approve", 5, true},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(file{})); d != "" {
		t.Errorf("transcripts (-want +got):\n%s", d)
	}
	if n := len(transcript.Files(t)); n != transcript.Count {
		t.Errorf("Files: %d, want %d", n, transcript.Count)
	}
}

func TestLoadName(t *testing.T) {
	a := transcript.Load(t, "ping_idtoken")
	b := transcript.Load(t, "ping_idtoken.json")
	if a.Name != "ping_idtoken" || b.Name != "ping_idtoken" || !bytes.Equal(a.Raw, b.Raw) {
		t.Errorf("names %q, %q", a.Name, b.Name)
	}
	msg := fatalOf(t, func(tb testing.TB) { transcript.Load(tb, "no_such_file") })
	if !strings.Contains(msg, "reading transcript") || !strings.Contains(msg, "no_such_file.json") {
		t.Errorf("missing file: fatal %q", msg)
	}
}

// TestDirBytesArePackets checks DirBytes against the decoded packets: each
// direction's stream is the concatenation of its packets, header then
// payload, the payload of an encrypted packet being (base IV ‖)
// ciphertext ‖ tag (cedar.md §1.6).
func TestDirBytesArePackets(t *testing.T) {
	streams := 0
	for _, tr := range transcript.LoadAll(t) {
		for _, d := range tr.Decoded {
			for _, dir := range []string{transcript.DirCS, transcript.DirSC} {
				var want []byte
				for _, p := range d.Packets[dir] {
					want = append(want, transcript.Unhex(t, p.HeaderHex)...)
					if p.Encrypted {
						want = append(want, transcript.Unhex(t, p.GCM.BaseIVHex+p.GCM.CiphertextHex+p.GCM.TagHex)...)
					} else {
						want = append(want, transcript.Unhex(t, p.PlaintextHex)...)
					}
				}
				got := tr.DirBytes(t, d.Connection, dir)
				if len(got) == 0 || !bytes.Equal(got, want) {
					t.Errorf("%s conn %d %s: %d bytes, packets give %d; first difference at %d",
						tr.Name, d.Connection, dir, len(got), len(want), transcript.FirstDiff(got, want))
				}
				streams++
			}
		}
	}
	if streams != 24 {
		t.Errorf("checked %d streams, want 24 (12 connections)", streams)
	}
}

func TestMessageAccessors(t *testing.T) {
	tr := transcript.Load(t, "ping_idtoken")
	d := tr.Decoding(t, 1)

	// Wire: header with the end flag and the length, then the plaintext.
	m := tr.Message(t, 1, "TOKEN msg1")
	wire := tr.MessageWire(t, 1, "TOKEN msg1")
	pt := transcript.Unhex(t, m.PlaintextHex)
	if !bytes.Equal(wire[5:], pt) || !bytes.Equal(wire[:5], transcript.Frame(pt)[:5]) {
		t.Errorf("MessageWire = %x, want one packet of %x", wire, pt)
	}
	if !bytes.Equal(d.Wire(t, m), wire) {
		t.Error("Decoded.Wire differs from MessageWire")
	}
	// Ra: {"int": 256}, {"bytes_hex": ..., "length": 256} (README).
	if ra := m.BytesValue(t, 0); len(ra) != 256 {
		t.Errorf("Ra is %d bytes", len(ra))
	}
	if msg := fatalOf(t, func(tb testing.TB) { m.BytesValue(tb, 9) }); !strings.Contains(msg, "too few bytes values") {
		t.Errorf("BytesValue(9): fatal %q", msg)
	}

	// Ads.
	if lines := tr.AdLines(t, 1, 0); len(lines) == 0 || lines[0] != d.Messages[0].Ad()[0] {
		t.Errorf("AdLines(1, 0) = %q", lines)
	}
	if ad := tr.Message(t, 1, "server chose method").Ad(); ad != nil {
		t.Errorf("Ad of an int message = %q", ad)
	}

	// Keys and IVs: the client sends nothing encrypted on DC_SEC_QUERY
	// (README "decoded", cedar.md §4.11).
	if k := tr.SessionKey(t, 1); len(k) != 32 {
		t.Errorf("session key of %d bytes", len(k))
	}
	if k := tr.ClientPrivateKey(t, 1); len(k) != 32 {
		t.Errorf("ECDH private key of %d bytes", len(k))
	}
	if iv := d.BaseIV(t, transcript.DirCS); iv != nil {
		t.Errorf("C>S base IV %x, want none", iv)
	}
	iv := d.BaseIV(t, transcript.DirSC)
	if len(iv) != 16 {
		t.Fatalf("S>C base IV %x", iv)
	}
	for dir, want := range map[string][]byte{transcript.DirCS: make([]byte, 16), transcript.DirSC: iv} {
		got := make([]byte, 16)
		if _, err := io.ReadFull(d.IVSource(t, dir), got); err != nil || !bytes.Equal(got, want) {
			t.Errorf("IVSource(%s) = %x, %v; want %x", dir, got, err, want)
		}
	}
}

func TestMethodMessages(t *testing.T) {
	cases := []struct {
		file  string
		conn  int
		bit   int64
		whats []string
	}{
		{"ping_idtoken", 1, 2048, []string{"TOKEN msg1", "TOKEN msg2", "TOKEN msg3"}},
		{"token_fetch_fs", 1, 4, []string{"FS: directory name", "FS: client result", "FS: server result"}},
		{"collector_query", 1, 0, nil},       // Authentication = "NO"
		{"token_request_approve", 4, 0, nil}, // resumed
	}
	for _, c := range cases {
		bit, msgs := transcript.Load(t, c.file).Decoding(t, c.conn).MethodMessages()
		var whats []string
		ok := bit == c.bit && len(msgs) == len(c.whats)
		for i, m := range msgs {
			whats = append(whats, m.What)
			ok = ok && strings.HasPrefix(m.What, c.whats[i])
		}
		if !ok {
			t.Errorf("%s conn %d: bit %d, messages %q; want %d, %q...", c.file, c.conn, bit, whats, c.bit, c.whats)
		}
	}
}

// TestFailures: a missing piece ends the test with a message naming the
// file, the connection and what is missing.
func TestFailures(t *testing.T) {
	tr := transcript.Load(t, "token_request_approve")
	cases := []struct {
		name string
		f    func(tb testing.TB)
		want string
	}{
		{"connection", func(tb testing.TB) { tr.Connection(tb, 6) }, "token_request_approve: no connection 6 (have 5)"},
		{"decoding", func(tb testing.TB) { tr.Decoding(tb, 0) }, "token_request_approve: no connection 0 (have 5)"},
		{"dir bytes", func(tb testing.TB) { tr.DirBytes(tb, 7, transcript.DirCS) }, "no connection 7"},
		{"resumed key", func(tb testing.TB) { tr.ClientPrivateKey(tb, 4) }, "token_request_approve: no ECDH key for connection 4 (a resumed session?)"},
		{"message", func(tb testing.TB) { tr.Message(tb, 2, "TOKEN msg1") }, `token_request_approve: no message "TOKEN msg1" on connection 2`},
		{"encrypted wire", func(tb testing.TB) { tr.MessageWire(tb, 5, "DC_FINISH") }, "is encrypted"},
		{"no ad", func(tb testing.TB) { tr.AdLines(tb, 1, 2) }, "token_request_approve: connection 1 message 2 (auth method mask"},
		{"no message", func(tb testing.TB) { tr.AdLines(tb, 1, 99) }, "connection 1 has no message 99"},
		{"hex", func(tb testing.TB) { transcript.Unhex(tb, "0g") }, `bad hex "0g"`},
	}
	for _, c := range cases {
		if got := fatalOf(t, c.f); !strings.Contains(got, c.want) {
			t.Errorf("%s: fatal %q, want it to contain %q", c.name, got, c.want)
		}
	}
	// And nothing fails on what is there.
	if got := fatalOf(t, func(tb testing.TB) { tr.MessageWire(tb, 1, "SSL") }); got != "" {
		t.Errorf("MessageWire of a plaintext SSL message: %q", got)
	}
}

func TestSmallHelpers(t *testing.T) {
	if transcript.OtherDir(transcript.DirCS) != transcript.DirSC || transcript.OtherDir(transcript.DirSC) != transcript.DirCS {
		t.Error("OtherDir")
	}
	if got := transcript.Frame([]byte("ab")); !bytes.Equal(got, []byte{1, 0, 0, 0, 2, 'a', 'b'}) {
		t.Errorf("Frame = %x", got)
	}
	if got := transcript.Frame(nil); !bytes.Equal(got, []byte{1, 0, 0, 0, 0}) {
		t.Errorf("Frame(nil) = %x", got)
	}
	for _, c := range []struct {
		a, b string
		want int
	}{{"abc", "abc", 3}, {"abc", "abd", 2}, {"ab", "abc", 2}, {"", "x", 0}, {"x", "y", 0}} {
		if got := transcript.FirstDiff([]byte(c.a), []byte(c.b)); got != c.want {
			t.Errorf("FirstDiff(%q, %q) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
	var zero transcript.Conn
	if n, err := zero.Read(make([]byte, 4)); n != 0 || err != io.EOF {
		t.Errorf("zero Conn Read = %d, %v", n, err)
	}
	c := transcript.NewConn([]byte("in"))
	b := make([]byte, 1)
	if _, err := c.Read(b); err != nil || b[0] != 'i' || c.Unread() != 1 {
		t.Errorf("Read %q, %v, unread %d", b, err, c.Unread())
	}
	_, _ = c.Write([]byte("out"))
	if string(c.Written()) != "out" {
		t.Errorf("Written %q", c.Written())
	}
	z := []byte{9, 9, 9}
	if n, err := (transcript.ZeroReader{}).Read(z); n != 3 || err != nil || !bytes.Equal(z, []byte{0, 0, 0}) {
		t.Errorf("ZeroReader = %d, %v, %x", n, err, z)
	}
}
