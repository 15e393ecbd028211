package transcript_test

import (
	"os"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
)

// minimal is the smallest transcript Parse accepts: one connection, one
// plaintext packet holding one int.
const minimal = `{
 "keys": {"session_keys": [{"connection": 1, "key_hex": "00"}]},
 "connections": [{"n": 1, "turns": [{"dir": "C>S", "hex": "01000000080000000000000001"}]}],
 "decoded": [{"connection": 1,
  "packets": {"C>S": [{"index": 0, "header_hex": "0100000008", "end": 1, "len": 8, "encrypted": false, "plaintext_hex": "0000000000000001"}]},
  "messages": [{"dir": "C>S", "what": "m", "packets": [0], "values": [{"int": 1}]}]}]
}`

func TestParse(t *testing.T) {
	tr, err := transcript.Parse("x", []byte(minimal))
	if err != nil {
		t.Fatal(err)
	}
	if tr.Name != "x" || string(tr.Raw) != minimal || *tr.Decoded[0].Messages[0].Values[0].Int != 1 {
		t.Errorf("parsed %+v", tr)
	}
	cases := []struct {
		name, old, new, want string
	}{
		{"not JSON", `{`, `[`, "invalid character"},
		{"no decoding", `"decoded": [{"connection": 1,`, `"decoded": [], "x": [{"connection": 1,`, "no decoded connections"},
		{"more connections", `"connections": [{"n": 1,`, `"connections": [{"n": 2}, {"n": 1,`, "1 decoded entries for 2 connections"},
		{"connection number", `{"n": 1,`, `{"n": 3,`, "connection 1 is numbered 3"},
		{"turn direction", `{"dir": "C>S", "hex"`, `{"dir": "C->S", "hex"`, `connection 1 turn 0: direction "C->S"`},
		{"session key", `{"connection": 1, "key_hex"`, `{"connection": 2, "key_hex"`, "session key for connection 2, have 1"},
		{"decoding number", `"decoded": [{"connection": 1,`, `"decoded": [{"connection": 4,`, "connection 1: decoded entry numbered 4"},
		{"packet direction", `"packets": {"C>S"`, `"packets": {"C<S"`, `connection 1: packets of direction "C<S"`},
		{"packet index", `{"index": 0,`, `{"index": 1,`, "connection 1: C>S packet 0 has index 1"},
		{"gcm missing", `"encrypted": false`, `"encrypted": true`, "connection 1: C>S packet 0: encrypted true but GCM data false"},
		{"message direction", `{"dir": "C>S", "what"`, `{"dir": "", "what"`, `connection 1: message 0: direction ""`},
		{"message packet", `"packets": [0]`, `"packets": [0, 1]`, "connection 1: message 0 (m): packet 1 of 1"},
		{"message packet of the other side", `{"dir": "C>S", "what"`, `{"dir": "S>C", "what"`, "connection 1: message 0 (m): packet 0 of 0"},
		{"no kind", `{"int": 1}`, `{}`, "connection 1: message 0 (m) value 0: not exactly one kind of value"},
		{"two kinds", `{"int": 1}`, `{"int": 1, "string": "a"}`, "value 0: not exactly one kind of value"},
		{"bytes without int", `{"int": 1}`, `{"then_bytes_hex": "00"}`, "value 0: not exactly one kind of value"},
		{"type strings", `{"int": 1}`, `{"classad": ["A = 1"], "type_strings": [""]}`, "value 0: classad with 1 type strings, want 2"},
		{"bytes length", `{"int": 1}`, `{"bytes_hex": "0102", "length": 3}`, "value 0: bytes_hex does not match its length"},
		{"bytes no length", `{"int": 1}`, `{"bytes_hex": "0102"}`, "value 0: bytes_hex does not match its length"},
		{"odd hex", `{"int": 1}`, `{"bytes_hex": "010", "length": 1}`, "value 0: bytes_hex does not match its length"},
		{"credential length", `{"int": 1}`, `{"int": 2, "then_bytes_hex": "aa"}`, "value 0: int 2 followed by 2 hex digits"},
		{"negative credential", `{"int": 1}`, `{"int": -1, "then_bytes_hex": ""}`, "value 0: int -1 followed by 0 hex digits"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if !strings.Contains(minimal, c.old) {
				t.Fatalf("%q not in the minimal transcript", c.old)
			}
			_, err := transcript.Parse("x", []byte(strings.Replace(minimal, c.old, c.new, 1)))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse = %v, want an error containing %q", err, c.want)
			}
		})
	}
	for _, ok := range []string{`{"classad": [], "type_strings": ["", ""]}`, `{"null_string": true}`, `{"string": ""}`,
		`{"bytes_hex": "", "length": 0}`, `{"int": 0, "then_bytes_hex": ""}`} {
		if _, err := transcript.Parse("x", []byte(strings.Replace(minimal, `{"int": 1}`, ok, 1))); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
}

// FuzzParse: Parse never panics, and on whatever it accepts the accessors
// and PutValues run without panicking (they may end the test cleanly).
func FuzzParse(f *testing.F) {
	f.Add([]byte(minimal))
	f.Add([]byte(strings.Replace(minimal, `{"int": 1}`, `{"classad": ["A = 1"], "type_strings": ["", ""]}`, 1)))
	f.Add([]byte(strings.Replace(minimal, `{"int": 1}`, `{"int": 1, "then_bytes_hex": "00"}`, 1)))
	f.Add([]byte(`{"decoded": [{"connection": 1}], "connections": [{"n": 1}]}`))
	raw, err := os.ReadFile(transcript.Files(f)[1]) // ping_idtoken, the smallest
	if err != nil {
		f.Fatal(err)
	}
	f.Add(raw)
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := transcript.Parse("fuzz", data)
		if err != nil {
			return
		}
		for n := 1; n <= len(tr.Decoded); n++ {
			fatalOf(t, func(tb testing.TB) {
				for _, dir := range []string{transcript.DirCS, transcript.DirSC} {
					tr.DirBytes(tb, n, dir)
					tr.Decoding(tb, n).IVSource(tb, dir)
				}
			})
			d := tr.Decoding(t, n)
			d.MethodMessages()
			for i := range d.Messages {
				m := &d.Messages[i]
				m.Ad()
				fatalOf(t, func(tb testing.TB) { d.Wire(tb, m) })
				s, _ := newStream(t, nil)
				_ = transcript.PutValues(s, m)
				r, _ := newStream(t, []byte{1, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 1})
				_ = transcript.GetValues(r, m)
			}
		}
	})
}
