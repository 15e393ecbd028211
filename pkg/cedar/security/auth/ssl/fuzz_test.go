package ssl

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// transcriptPayloads returns the payloads of the recorded SSL packets of
// one direction, for seed corpora.
func transcriptPayloads(f *testing.F, dir string) [][]byte {
	dec := transcript.Load(f, "token_request_approve").Decoding(f, 1)
	var out [][]byte
	for _, m := range dec.Messages {
		if m.Dir != dir || !strings.HasPrefix(m.What, "SSL") {
			continue
		}
		for _, pi := range m.Packets {
			out = append(out, transcript.Unhex(f, dec.Packets[dir][pi].PlaintextHex))
		}
	}
	return out
}

// FuzzSSLFrame feeds arbitrary message payloads to the data-message
// decoder: it must never panic, must leave the stream at a message
// boundary, and what it accepts must re-encode to the same bytes.
func FuzzSSLFrame(f *testing.F) {
	for _, dir := range []string{"C>S", "S>C"} {
		for _, p := range transcriptPayloads(f, dir) {
			f.Add(p)
		}
	}
	f.Add(ints(4, 0))
	f.Add(ints(2, -1))
	f.Add(ints(2, MaxDataSize+1))
	f.Add(append(ints(3, 2), 0x15, 0x03))
	f.Fuzz(func(t *testing.T, payload []byte) {
		if len(payload) == 0 || len(payload) > 64<<10 {
			return // CEDAR has no empty packets; big ones add nothing
		}
		s := readerStream(t, append(packet(payload), packet(ints(4, 0))...))
		st, data, err := readFrame(s)
		if st2, d2, err2 := readFrame(s); err2 != nil || st2 != 4 || len(d2) != 0 {
			t.Fatalf("stream out of step after %v: %d %x %v", err, st2, d2, err2)
		}
		if err != nil {
			return
		}
		w := &rwBuf{r: bytes.NewReader(nil)}
		ws, _ := cedar.NewStream(w, nil)
		if err := writeFrame(ws, st, data); err != nil {
			t.Fatalf("re-encoding an accepted message: %v", err)
		}
		if !bytes.Equal(w.w.Bytes(), packet(payload)) {
			t.Fatalf("re-encoded % x, read % x", w.w.Bytes(), payload)
		}
	})
}

// FuzzOnelineDN feeds arbitrary DER to the subject formatter and
// arbitrary names to the host matcher.
func FuzzOnelineDN(f *testing.F) {
	f.Add(rawName(f, [2]string{"2.5.4.10", "condor"}, [2]string{"2.5.4.3", "htc.local"}), "*.htc.local", "vm.htc.local")
	f.Add([]byte{0x30, 0x03, 0x31, 0x01, 0x30}, "a..b", "a.b")
	f.Add([]byte{0x30, 0x00}, "*", "*")
	f.Fuzz(func(t *testing.T, der []byte, pattern, host string) {
		if s, err := OnelineDN(der); err == nil && len(s) > onelineMax {
			t.Fatalf("oneline name of %d bytes exceeds HTCondor's buffer", len(s))
		}
		got := hostnameMatch(pattern, host)
		if got && len(labels(pattern)) != len(labels(host)) {
			t.Fatalf("%q matched %q with a different label count", pattern, host)
		}
		self := hostnameMatch(host, host)
		if want := !strings.Contains(host, "*") && len(host) <= 255; self != want {
			t.Fatalf("hostnameMatch(%q, itself) = %v", host, self)
		}
	})
}

// FuzzKnownHostsLine: parsing never panics and a parsed entry renders to
// a line that parses back to it (except a trusted entry for the empty
// host, which HTCondor writes but can never read back).
func FuzzKnownHostsLine(f *testing.F) {
	for _, l := range []string{"vm FS unknown", "! SSL MIIBpTCCAUqgAwIBAgIJ", " SSL MIIB", "#x", "!!a b c d", "\ta\tb c"} {
		f.Add(l)
	}
	f.Fuzz(func(t *testing.T, line string) {
		e, ok := ParseKnownHostsLine(line)
		if !ok || (e.Host == "" && e.Permitted) {
			return
		}
		back, ok := ParseKnownHostsLine(e.String())
		if !ok || back != e {
			t.Fatalf("%q → %+v → %q → %+v, %v", line, e, e.String(), back, ok)
		}
	})
}

// FuzzServerAuthenticate plays arbitrary client bytes against the server
// side: it must end (the input runs out) with an error or an identity,
// never panic or hang, and never report success for garbage.
func FuzzServerAuthenticate(f *testing.F) {
	p := newPKI(f, "example.net", "vm")
	var recorded []byte
	for _, pl := range transcriptPayloads(f, "C>S") {
		recorded = append(recorded, packet(pl)...)
	}
	f.Add(recorded)
	f.Add(append(packet(ints(0)), packet(ints(2, 0))...))
	f.Add(append(packet(ints(-1)), packet(ints(3, 0))...))
	f.Add(append(packet(ints(0)), packet(append(ints(2, 10), 0x16, 0x03, 0x01, 0x00, 0x05, 0x01, 0x00, 0x00, 0x01, 0x00))...))
	opts := p.serverOpts()
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := cedar.NewStream(&rwBuf{r: bytes.NewReader(in)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		id, err := NewServer(opts).Authenticate(ctx, s, &auth.Peer{})
		if err == nil {
			t.Fatalf("garbage authenticated as %+v", id)
		}
	})
}

// FuzzClientAuthenticate plays arbitrary server bytes against the client
// side: it must end with an error, never panic or hang.
func FuzzClientAuthenticate(f *testing.F) {
	p := newPKI(f, "example.net", "vm")
	var recorded []byte
	for _, pl := range transcriptPayloads(f, "S>C") {
		recorded = append(recorded, packet(pl)...)
	}
	f.Add(recorded)
	f.Add(append(packet(ints(0)), packet(ints(2, 0))...))
	f.Add(append(packet(ints(0)), packet(ints(4, 0))...))
	f.Add(packet(ints(-1)))
	opts := p.clientOpts()
	opts.KnownHosts = NewKnownHosts(filepath.Join(f.TempDir(), "known_hosts"))
	f.Fuzz(func(t *testing.T, in []byte) {
		s, err := cedar.NewStream(&rwBuf{r: bytes.NewReader(in)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := NewClient(opts).Authenticate(context.Background(), s, &auth.Peer{}); err == nil {
			t.Fatal("garbage server accepted")
		}
	})
}
