package transcript_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/condor-auth/condor-auth/pkg/cedar"
)

func newStream(t *testing.T, in []byte) (*cedar.Stream, *transcript.Conn) {
	t.Helper()
	c := transcript.NewConn(in)
	s, err := cedar.NewStream(c, &cedar.Config{SendPacketSize: cedar.CxxSendPacketSize})
	if err != nil {
		t.Fatal(err)
	}
	return s, c
}

// TestPlaintextMessagesRoundTrip encodes every recorded plaintext message
// from its values and requires the recorded wire bytes, then decodes those
// bytes and checks them against the values (the encrypted ones are
// replayed in pkg/cedar with the session keys).
func TestPlaintextMessagesRoundTrip(t *testing.T) {
	kinds := map[string]int{}
	n := 0
	for _, tr := range transcript.LoadAll(t) {
		for di := range tr.Decoded {
			d := &tr.Decoded[di]
			for i := range d.Messages {
				m := &d.Messages[i]
				if m.Encrypted {
					continue
				}
				n++
				wire := d.Wire(t, m)
				s, c := newStream(t, nil)
				if err := transcript.PutValues(s, m); err != nil {
					t.Fatalf("%s conn %d: PutValues: %v", tr.Name, d.Connection, err)
				}
				if err := s.EndOfMessage(); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(c.Written(), wire) {
					t.Errorf("%s conn %d message %d (%s): encoded %x, recorded %x", tr.Name, d.Connection, i, m.What, c.Written(), wire)
				}
				r, c := newStream(t, wire)
				if err := transcript.Exchange(r, m, transcript.OtherDir(m.Dir)); err != nil {
					t.Errorf("%s conn %d: %v", tr.Name, d.Connection, err)
				}
				if c.Unread() != 0 {
					t.Errorf("%s conn %d message %d: %d bytes unread", tr.Name, d.Connection, i, c.Unread())
				}
				for _, v := range m.Values {
					switch {
					case v.ClassAd != nil:
						kinds["classad"]++
					case v.BytesHex != nil:
						kinds["bytes"]++
					case v.Int != nil:
						kinds["int"]++
					case v.String != nil:
						kinds["string"]++
					}
				}
			}
		}
	}
	if n < 60 || kinds["classad"] == 0 || kinds["bytes"] == 0 || kinds["int"] == 0 || kinds["string"] == 0 {
		t.Errorf("only %d plaintext messages, values %v", n, kinds)
	}
}

// TestGetValuesDifferences: a decoded value that differs from the record
// is an error naming the message, the value and both sides.
func TestGetValuesDifferences(t *testing.T) {
	ptr := func(s string) *string { return &s }
	i64 := func(v int64) *int64 { return &v }
	length := func(v int) *int { return &v }
	empty := []string{"", ""}
	lines := []string{"A = 1", `B = "x"`}
	cases := []struct {
		name string
		sent []transcript.Value // what goes on the wire
		want []transcript.Value // the record GetValues checks against
		err  string
	}{
		{"int", []transcript.Value{{Int: i64(4)}}, []transcript.Value{{Int: i64(5)}}, "m value 0: int 4 (<nil>), want 5"},
		{"string", []transcript.Value{{String: ptr("ab")}}, []transcript.Value{{String: ptr("ac")}}, `m value 0: string "ab" null=false (<nil>), want "ac"`},
		{"null wanted", []transcript.Value{{String: ptr("")}}, []transcript.Value{{NullString: true}}, "m value 0: string null=false (<nil>), want the NULL marker"},
		{"null sent", []transcript.Value{{NullString: true}}, []transcript.Value{{String: ptr("")}}, `m value 0: string "" null=true`},
		{"bytes", []transcript.Value{{BytesHex: ptr("0102"), Length: length(2)}}, []transcript.Value{{BytesHex: ptr("0103"), Length: length(2)}}, "m value 0: bytes 0102 (<nil>), want 0103"},
		{"ad line", []transcript.Value{{ClassAd: &lines, TypeStrings: empty}}, []transcript.Value{{ClassAd: &[]string{"A = 1", `B = "y"`}, TypeStrings: empty}}, "m value 0: ad lines (-want +got)"},
		{"type strings", []transcript.Value{{ClassAd: &lines, TypeStrings: []string{"Job", ""}}}, []transcript.Value{{ClassAd: &lines, TypeStrings: empty}}, `m value 0: type strings ["Job" ""], want ["" ""]`},
		{"second value", []transcript.Value{{Int: i64(1)}, {Int: i64(2)}}, []transcript.Value{{Int: i64(1)}, {Int: i64(3)}}, "m value 1: int 2 (<nil>), want 3"},
		{"cred length", []transcript.Value{{Int: i64(2), ThenBytesHex: ptr("aabb")}}, []transcript.Value{{Int: i64(3), ThenBytesHex: ptr("aabbcc")}}, "m value 0: int 2 (<nil>), want 3"},
		{"cred bytes", []transcript.Value{{Int: i64(2), ThenBytesHex: ptr("aabb")}}, []transcript.Value{{Int: i64(2), ThenBytesHex: ptr("aacc")}}, "m value 0: bytes aabb (<nil>), want aacc"},
		{"short", []transcript.Value{{Int: i64(1)}}, []transcript.Value{{Int: i64(1)}, {Int: i64(2)}}, "m value 1: int 0 (cedar: read past end of message"},
		{"no kind", []transcript.Value{{Int: i64(1)}}, []transcript.Value{{}}, "m value 0: unknown value kind"},
		{"two kinds", []transcript.Value{{Int: i64(1)}}, []transcript.Value{{Int: i64(1), String: ptr("x")}}, "m value 0: unknown value kind"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s, conn := newStream(t, nil)
			if err := transcript.PutValues(s, &transcript.Message{What: "m", Values: c.sent}); err != nil {
				t.Fatal(err)
			}
			if err := s.EndOfMessage(); err != nil {
				t.Fatal(err)
			}
			r, _ := newStream(t, conn.Written())
			err := transcript.GetValues(r, &transcript.Message{What: "m", Values: c.want})
			if err == nil || !strings.HasPrefix(err.Error(), c.err) {
				t.Errorf("GetValues = %v, want %q...", err, c.err)
			}
		})
	}
	s, _ := newStream(t, nil)
	if err := transcript.PutValues(s, &transcript.Message{What: "m", Values: []transcript.Value{{}}}); err == nil ||
		!strings.HasPrefix(err.Error(), "m value 0: unknown value kind") {
		t.Errorf("PutValues of a value without a kind = %v", err)
	}
}

// TestExchange: the side that sends mine puts, the other gets; leftover
// bytes make the end of the message fail.
func TestExchange(t *testing.T) {
	one := int64(1)
	two := int64(2)
	m := &transcript.Message{Dir: transcript.DirCS, What: "m", Values: []transcript.Value{{Int: &one}}}

	s, c := newStream(t, nil)
	if err := transcript.Exchange(s, m, transcript.DirCS); err != nil {
		t.Fatal(err)
	}
	want := transcript.Frame([]byte{0, 0, 0, 0, 0, 0, 0, 1})
	if !bytes.Equal(c.Written(), want) {
		t.Errorf("sent %x, want %x", c.Written(), want)
	}
	r, _ := newStream(t, want)
	if err := transcript.Exchange(r, m, transcript.DirSC); err != nil {
		t.Errorf("receiving side: %v", err)
	}

	long := transcript.Frame([]byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2})
	r, _ = newStream(t, long)
	err := transcript.Exchange(r, m, transcript.DirSC)
	if err == nil || !strings.HasPrefix(err.Error(), "m: end of message: ") || !errors.Is(err, cedar.ErrUnreadBytes) {
		t.Errorf("leftover int: %v", err)
	}
	m.Values = append(m.Values, transcript.Value{Int: &two})
	r, _ = newStream(t, long)
	if err := transcript.Exchange(r, m, transcript.DirSC); err != nil {
		t.Errorf("both ints: %v", err)
	}
}
