package cedar

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/internal/transcript"
)

// fuzzKey is the session key of the encrypted fuzz targets.
var fuzzKey = bytes.Repeat([]byte{0x42}, 32)

// transcriptSeeds returns recorded wire streams and message plaintexts.
func transcriptSeeds(f *testing.F) (wire, messages [][]byte) {
	for _, tr := range transcript.LoadAll(f) {
		for _, dec := range tr.Decoded {
			for _, d := range []string{transcript.DirCS, transcript.DirSC} {
				wire = append(wire, tr.DirBytes(f, dec.Connection, d))
			}
			for _, m := range dec.Messages {
				messages = append(messages, transcript.Unhex(f, m.PlaintextHex))
			}
		}
	}
	return wire, messages
}

// framingErr reports whether err is one of the errors a garbage byte stream
// may legitimately produce.
func framingErr(err error) bool {
	for _, e := range []error{ErrMalformedPacket, ErrMessageTooLarge, ErrPeerClosed, io.ErrUnexpectedEOF, ErrDecrypt, ErrCounterExhausted} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// FuzzPacketReader feeds arbitrary bytes to the packet and message layer.
func FuzzPacketReader(f *testing.F) {
	wire, _ := transcriptSeeds(f)
	for _, w := range wire {
		f.Add(w)
	}
	f.Add(cat(packet(0, []byte("ab")), packet(10, []byte("c"))))
	f.Add([]byte{1, 0, 0, 0, 0})
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff})
	const maxMsg = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := newRaw(t, data, &Config{MaxMessageSize: maxMsg})
		for {
			if _, err := s.GetChar(); err != nil {
				if !framingErr(err) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			if len(s.in) == 0 || len(s.in) > maxMsg {
				t.Fatalf("assembled message of %d bytes", len(s.in))
			}
			s.DiscardMessage()
		}
	})
}

// FuzzDecrypt feeds arbitrary packets to a stream with crypto on: they must
// fail cleanly (or, for an intact recording, decode).
func FuzzDecrypt(f *testing.F) {
	w, wc := newLoop(f, nil)
	if err := w.EnableCrypto(fuzzKey); err != nil {
		f.Fatal(err)
	}
	for i := range 3 {
		_ = w.PutInt(int64(i))
		_ = w.PutString(strings.Repeat("s", i*10))
		_ = w.EndOfMessage()
	}
	f.Add(wc.Bytes())
	f.Add(cat(packet(1, make([]byte, 33))))
	f.Add(cat(packet(1, make([]byte, 32))))
	wire, _ := transcriptSeeds(f)
	f.Add(wire[0])
	f.Fuzz(func(t *testing.T, data []byte) {
		s, _ := newRaw(t, data, &Config{MaxMessageSize: 1 << 16})
		if err := s.EnableCrypto(fuzzKey); err != nil {
			t.Fatal(err)
		}
		for {
			if _, err := s.GetChar(); err != nil {
				if !framingErr(err) {
					t.Fatalf("unexpected error kind: %v", err)
				}
				return
			}
			s.DiscardMessage()
		}
	})
}

// decodeStream returns a stream whose next message is msg, plaintext or
// with crypto on (strings then carry length prefixes).
func decodeStream(t *testing.T, msg []byte, encrypted bool) *Stream {
	t.Helper()
	s, _ := newLoop(t, &Config{MaxAdAttributes: 1 << 12})
	if encrypted {
		if err := s.EnableCrypto(fuzzKey); err != nil {
			t.Fatal(err)
		}
	}
	if len(msg) == 0 {
		msg = []byte{0} // CEDAR has no empty messages
	}
	if err := s.PutBytes(msg); err != nil {
		t.Fatal(err)
	}
	if err := s.EndOfMessage(); err != nil {
		t.Fatal(err)
	}
	return s
}

// FuzzGetString decodes strings until the message is exhausted.
func FuzzGetString(f *testing.F) {
	_, msgs := transcriptSeeds(f)
	for _, m := range msgs {
		f.Add(m, false)
		f.Add(m, true)
	}
	f.Add([]byte{0xAD, 'a', 0}, false)
	f.Add(binary.BigEndian.AppendUint64(nil, 1<<62), true)
	f.Fuzz(func(t *testing.T, msg []byte, encrypted bool) {
		s := decodeStream(t, msg, encrypted)
		for !s.MessageConsumed() {
			before := s.Remaining()
			v, null, err := s.GetString()
			if err != nil {
				if s.Remaining() != before {
					t.Fatal("a failed GetString consumed bytes")
				}
				return
			}
			if s.Remaining() >= before {
				t.Fatal("GetString made no progress")
			}
			if strings.IndexByte(v, 0) >= 0 || (null && v != "") {
				t.Fatalf("GetString = %q, null=%v", v, null)
			}
		}
	})
}

// FuzzGetInt decodes ints, 32-bit ints and doubles.
func FuzzGetInt(f *testing.F) {
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0xea, 0x6a})
	f.Add(cat(be64(1610612735), be64(1)))
	f.Add(cat(be64(-1), be64(1<<40), []byte{1}))
	f.Fuzz(func(t *testing.T, msg []byte) {
		s := decodeStream(t, msg, false)
		for i := 0; !s.MessageConsumed(); i++ {
			rest := bytes.Clone(s.in[s.inPos:])
			switch i % 3 {
			case 0:
				v, err := s.GetInt()
				if err == nil && uint64(v) != binary.BigEndian.Uint64(rest) {
					t.Fatalf("GetInt = %d from %x", v, rest[:8])
				}
				if err != nil {
					return
				}
			case 1:
				v, err := s.GetInt32()
				if err == nil && int64(v) != int64(binary.BigEndian.Uint64(rest)) {
					t.Fatalf("GetInt32 = %d from %x", v, rest[:8])
				}
				if err != nil && len(rest) < 8 {
					return
				}
			case 2:
				if _, err := s.GetDouble(); err != nil {
					if s.Remaining() != len(rest) {
						t.Fatal("a failed GetDouble consumed bytes")
					}
					return
				}
			}
		}
	})
}

// FuzzGetAdLines decodes an ad and checks that what decodes re-encodes and
// decodes to the same lines.
func FuzzGetAdLines(f *testing.F) {
	_, msgs := transcriptSeeds(f)
	for _, m := range msgs {
		f.Add(m, false)
		f.Add(m, true)
	}
	f.Add(cat(be64(1), []byte("ZKM\x00A = 1\x00\x00\x00")), false)
	f.Add(cat(be64(1<<40)), false)
	f.Fuzz(func(t *testing.T, msg []byte, encrypted bool) {
		s := decodeStream(t, msg, encrypted)
		lines, my, target, err := s.GetAdLines()
		if err != nil {
			return
		}
		for _, l := range lines {
			if _, _, ok := SplitAdLine(l); !ok {
				t.Fatalf("accepted line %q", l)
			}
		}
		s.DiscardMessage()
		if err := s.PutAdLines(lines, my, target); err != nil {
			t.Fatalf("decoded ad does not re-encode: %v", err)
		}
		if err := s.EndOfMessage(); err != nil {
			t.Fatal(err)
		}
		lines2, my2, target2, err := s.GetAdLines()
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff([]string{strings.Join(lines, "\n"), my, target}, []string{strings.Join(lines2, "\n"), my2, target2}); d != "" {
			t.Fatalf("round trip (-first +second):\n%s", d)
		}
	})
}
