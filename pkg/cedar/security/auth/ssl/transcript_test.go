package ssl

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// token_request_approve.json connection 1 is real HTCondor 25.14.0 SSL
// traffic (client limited to SSL, no client certificate, TLS 1.3). The
// TLS bytes cannot be reproduced (fresh randomness), but everything CEDAR
// around them can: these tests decode the recorded SSL messages with our
// codec, re-encode them byte for byte, and replay each side's recorded
// messages against our phase driver with a scripted TLS engine that
// produces the recorded TLS bytes and statuses. Our driver must then
// write exactly the recorded byte stream of its side — same messages,
// same order (two server messages in a row between the phases), same
// packets — and feed the engine exactly the peer's recorded TLS bytes.

// recMsg is one recorded SSL-level message.
type recMsg struct {
	dir    string
	status int32
	data   []byte // nil for a status-only message
	isData bool
	wire   []byte // header+payload of its packets
}

// loadSSLMessages returns the SSL messages of connection 1 in wire order.
func loadSSLMessages(t *testing.T) []recMsg {
	t.Helper()
	dec := transcript.Load(t, "token_request_approve").Decoding(t, 1)
	if dec.TLS == nil || dec.TLS.CipherSuite != "TLS_AES_256_GCM_SHA384" {
		t.Fatalf("unexpected transcript: connection 1 TLS %+v, want TLS_AES_256_GCM_SHA384", dec.TLS)
	}
	var out []recMsg
	for i := range dec.Messages {
		m := &dec.Messages[i]
		if !strings.HasPrefix(m.What, "SSL") {
			continue
		}
		r := recMsg{dir: m.Dir, status: int32(*m.Values[0].Int), wire: dec.Wire(t, m)}
		if len(m.Values) == 3 {
			r.isData = true
			r.data = transcript.Unhex(t, *m.Values[2].BytesHex)
			if int(*m.Values[1].Int) != len(r.data) {
				t.Fatalf("%s: length %d for %d bytes", m.What, *m.Values[1].Int, len(r.data))
			}
		}
		out = append(out, r)
	}
	return out
}

// TestTranscriptRecordedSequence pins the recorded facts the rest relies
// on (cedar.md §5.5 table, rows 1-8).
func TestTranscriptRecordedSequence(t *testing.T) {
	var got []string
	for _, m := range loadSSLMessages(t) {
		if m.isData {
			got = append(got, fmt.Sprintf("%s %d/%d", m.dir, m.status, len(m.data)))
		} else {
			got = append(got, fmt.Sprintf("%s %d", m.dir, m.status))
		}
	}
	want := []string{"S>C 0", "C>S 0", "C>S 2/291", "S>C 2/852", "C>S 4/110", "S>C 4/510", "S>C 4/278", "C>S 4/0"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("recorded SSL messages (-want +got):\n%s", d)
	}
}

// TestTranscriptFrameCodec: our decoder reads every recorded SSL message
// and our encoder reproduces its packets byte for byte.
func TestTranscriptFrameCodec(t *testing.T) {
	for i, m := range loadSSLMessages(t) {
		rs, err := cedar.NewStream(&rwBuf{r: bytes.NewReader(m.wire)}, nil)
		if err != nil {
			t.Fatal(err)
		}
		var st int32
		var data []byte
		if m.isData {
			st, data, err = readFrame(rs)
		} else {
			st, err = readStatus(rs)
		}
		if err != nil {
			t.Fatalf("message %d: decode: %v", i, err)
		}
		if st != m.status || !bytes.Equal(data, m.data) {
			t.Errorf("message %d: decoded status %d, %d bytes; recorded %d, %d bytes", i, st, len(data), m.status, len(m.data))
		}

		w := &rwBuf{r: bytes.NewReader(nil)}
		ws, err := cedar.NewStream(w, &cedar.Config{SendPacketSize: cedar.CxxSendPacketSize})
		if err != nil {
			t.Fatal(err)
		}
		if m.isData {
			err = writeFrame(ws, m.status, m.data)
		} else {
			err = writeStatus(ws, m.status)
		}
		if err != nil {
			t.Fatalf("message %d: encode: %v", i, err)
		}
		if !bytes.Equal(w.w.Bytes(), m.wire) {
			t.Errorf("message %d: encoded\n%x\nrecorded\n%x", i, w.w.Bytes(), m.wire)
		}
	}
}

// scriptEngine plays a recorded side's TLS engine: each step returns the
// next scripted status and makes the scripted bytes pending.
type scriptEngine struct {
	t     *testing.T
	steps []scriptStep
	out   []byte
	fed   [][]byte
}

type scriptStep struct {
	status int32
	out    []byte
}

func (e *scriptEngine) status() (int32, error) {
	if len(e.steps) == 0 {
		e.t.Fatal("engine stepped more often than the recorded side")
	}
	st := e.steps[0]
	e.steps = e.steps[1:]
	e.out = append(e.out, st.out...)
	return st.status, nil
}

func (e *scriptEngine) feed(p []byte) { e.fed = append(e.fed, bytes.Clone(p)) }

func (e *scriptEngine) drain() []byte {
	o := e.out
	e.out = nil
	return o
}

// TestTranscriptReplay replays both roles.
func TestTranscriptReplay(t *testing.T) {
	msgs := loadSSLMessages(t)
	byDir := func(dir string) (wire []byte, data [][]byte) {
		for _, m := range msgs {
			if m.dir == dir {
				wire = append(wire, m.wire...)
				if m.isData {
					data = append(data, m.data)
				}
			}
		}
		return wire, data
	}
	csWire, csData := byDir("C>S")
	scWire, scData := byDir("S>C")
	R, H := int32(StatusReceiving), int32(StatusHolding)

	// The engine statuses OpenSSL went through, step by step (a step
	// precedes every message a side sends or receives until it is
	// HOLDING).
	roles := []struct {
		name               string
		server             bool
		in, want           []byte
		peerData           [][]byte
		handshake, keyStep []scriptStep
	}{
		{
			name: "client", in: scWire, want: csWire, peerData: scData,
			// ClientHello, (wait), Certificate+Finished → done; round 4
			// receives the tickets without a step.
			handshake: []scriptStep{{R, csData[0]}, {R, nil}, {H, csData[1]}},
			// SSL_read wants data, then has the key.
			keyStep: []scriptStep{{R, nil}, {H, csData[2]}},
		},
		{
			name: "server", server: true, in: csWire, want: scWire, peerData: csData,
			handshake: []scriptStep{{R, nil}, {R, scData[0]}, {R, nil}, {H, scData[1]}},
			keyStep:   []scriptStep{{H, scData[2]}},
		},
	}
	for _, role := range roles {
		t.Run(role.name, func(t *testing.T) {
			w := &rwBuf{r: bytes.NewReader(role.in)}
			s, err := cedar.NewStream(w, &cedar.Config{SendPacketSize: cedar.CxxSendPacketSize})
			if err != nil {
				t.Fatal(err)
			}
			peer, err := exchangeStatus(t.Context(), s, StatusOK, role.server)
			if err != nil || peer != StatusOK {
				t.Fatalf("status exchange: %d, %v", peer, err)
			}
			e := &scriptEngine{t: t, steps: role.handshake}
			res, err := runPhase(s, e, !role.server, StatusOK, StatusOK)
			if err != nil || !res.ok() {
				t.Fatalf("handshake phase: %+v, %v", res, err)
			}
			if len(e.steps) != 0 {
				t.Fatalf("handshake phase ended with %d scripted steps left", len(e.steps))
			}
			e.steps = role.keyStep
			res, err = runPhase(s, e, role.server, StatusReceiving, StatusReceiving)
			if err != nil || !res.ok() {
				t.Fatalf("key phase: %+v, %v", res, err)
			}
			if len(e.steps) != 0 {
				t.Errorf("key phase ended with %d scripted steps left", len(e.steps))
			}
			if !bytes.Equal(w.w.Bytes(), role.want) {
				t.Errorf("written bytes differ from the recorded %s stream:\n got %x\nwant %x", role.name, w.w.Bytes(), role.want)
			}
			if w.r.Len() != 0 {
				t.Errorf("%d recorded peer bytes left unread", w.r.Len())
			}
			var fedLens, wantLens []int
			for _, f := range e.fed {
				fedLens = append(fedLens, len(f))
			}
			for _, d := range role.peerData {
				wantLens = append(wantLens, len(d))
			}
			if d := cmp.Diff(wantLens, fedLens); d != "" {
				t.Errorf("TLS bytes fed to the engine (-recorded +ours):\n%s", d)
			}
			if !bytes.Equal(bytes.Join(e.fed, nil), bytes.Join(role.peerData, nil)) {
				t.Error("fed TLS bytes differ from the peer's recorded TLS bytes")
			}
		})
	}
}
