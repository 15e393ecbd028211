package token

import (
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// The three AKEP2 messages (cedar.md §5.1 tables; client_send_one,
// server_send, client_send_two and their receivers in
// condor_auth_passwd.cpp). Every length travels as its own int before the
// value; raw values (Ra, Rb, hkt, hk) go out with put_bytes: no NUL, no
// string framing (pitfall 29). Ints are read as 32-bit values because the
// C++ fields are int and fail on anything wider.

// message1 is C→S: the client's name, the token text "H.P" and Ra.
type message1 struct {
	Status int32
	ALen   int32
	A      string
	HP     string
	RaLen  int32
	Ra     []byte
}

// message2 is S→C: the echoes of A and Ra, the server's name B, Rb and hkt.
type message2 struct {
	Status int32
	ALen   int32
	A      string
	BLen   int32
	B      string
	RaLen  int32
	Ra     []byte
	RbLen  int32
	Rb     []byte
	HKTLen int32
	HKT    []byte
}

// message3 is C→S: the echoes of A and Rb and hk.
type message3 struct {
	Status int32
	ALen   int32
	A      string
	RbLen  int32
	Rb     []byte
	HKLen  int32
	HK     []byte
}

// errorMessage1 is message 1 of a client that cannot authenticate: status
// −1, zero lengths, empty name, no Ra; the token field is still present
// (C++ sends whatever token text it holds, cedar.md §5.1).
func errorMessage1(hp string) message1 { return message1{Status: statusError, HP: hp} }

// errorMessage2 and errorMessage3 are the failure forms of messages 2 and
// 3: status −1, every length 0, every string empty, no raw bytes.
func errorMessage2() message2 { return message2{Status: statusError} }
func errorMessage3() message3 { return message3{Status: statusError} }

func (m *message1) put(s *cedar.Stream) error {
	w := writer{s: s}
	w.int(m.Status)
	w.int(m.ALen)
	w.str(m.A)
	w.str(m.HP)
	w.int(m.RaLen)
	w.raw(m.Ra)
	return w.end("message 1")
}

func (m *message2) put(s *cedar.Stream) error {
	w := writer{s: s}
	w.int(m.Status)
	w.int(m.ALen)
	w.str(m.A)
	w.int(m.BLen)
	w.str(m.B)
	w.int(m.RaLen)
	w.raw(m.Ra)
	w.int(m.RbLen)
	w.raw(m.Rb)
	w.int(m.HKTLen)
	w.raw(m.HKT)
	return w.end("message 2")
}

func (m *message3) put(s *cedar.Stream) error {
	w := writer{s: s}
	w.int(m.Status)
	w.int(m.ALen)
	w.str(m.A)
	w.int(m.RbLen)
	w.raw(m.Rb)
	w.int(m.HKLen)
	w.raw(m.HK)
	return w.end("message 3")
}

// readMessage1 is server_receive_one. The server takes A and the token
// text unbounded (the message size bounds them) and accepts len(Ra) only in
// 0..256. A decoding failure is fatal: C++ aborts without answering.
func readMessage1(s *cedar.Stream) (message1, error) {
	r := reader{s: s, what: "message 1 from the client"}
	var m message1
	m.Status = r.int("status")
	m.ALen = r.int("len(A)")
	m.A = r.str("A", 0)
	m.HP = r.str("token text", 0)
	m.RaLen = r.int("len(Ra)")
	m.Ra = r.raw("Ra", m.RaLen, NonceLen)
	return m, r.end()
}

// readMessage2 is client_receive: A and B must fit the C++ client's
// 1024-byte buffers, len(Ra) and len(Rb) 0..256, len(hkt) 0..64.
func readMessage2(s *cedar.Stream) (message2, error) {
	r := reader{s: s, what: "message 2 from the server"}
	var m message2
	m.Status = r.int("status")
	m.ALen = r.int("len(A)")
	m.A = r.str("A", maxNameLen)
	m.BLen = r.int("len(B)")
	m.B = r.str("B", maxNameLen)
	m.RaLen = r.int("len(Ra)")
	m.Ra = r.raw("Ra", m.RaLen, NonceLen)
	m.RbLen = r.int("len(Rb)")
	m.Rb = r.raw("Rb", m.RbLen, NonceLen)
	m.HKTLen = r.int("len(hkt)")
	m.HKT = r.raw("hkt", m.HKTLen, maxMACLen)
	return m, r.end()
}

// readMessage3 is server_receive_two: len(Rb) 0..256, len(hk) 0..64.
func readMessage3(s *cedar.Stream) (message3, error) {
	r := reader{s: s, what: "message 3 from the client"}
	var m message3
	m.Status = r.int("status")
	m.ALen = r.int("len(A)")
	m.A = r.str("A", 0)
	m.RbLen = r.int("len(Rb)")
	m.Rb = r.raw("Rb", m.RbLen, NonceLen)
	m.HKLen = r.int("len(hk)")
	m.HK = r.raw("hk", m.HKLen, maxMACLen)
	return m, r.end()
}

// writer appends values to the outgoing message, keeping the first error.
type writer struct {
	s   *cedar.Stream
	err error
}

func (w *writer) int(v int32) {
	if w.err == nil {
		w.err = w.s.PutInt(int64(v))
	}
}

func (w *writer) str(v string) {
	if w.err == nil {
		w.err = w.s.PutString(v)
	}
}

func (w *writer) raw(p []byte) {
	if w.err == nil && len(p) > 0 {
		w.err = w.s.PutBytes(p)
	}
}

func (w *writer) end(which string) error {
	if w.err == nil {
		w.err = w.s.EndOfMessage()
	} else {
		// Drop the poisoned message so the stream reports the real cause.
		_ = w.s.EndOfMessage()
	}
	if w.err != nil {
		return fmt.Errorf("TOKEN: sending %s: %w", which, w.err)
	}
	return nil
}

// reader decodes one received message, keeping the first error.
type reader struct {
	s    *cedar.Stream
	what string
	err  error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("TOKEN: malformed %s: %s", r.what, fmt.Sprintf(format, args...))
	}
}

func (r *reader) int(field string) int32 {
	if r.err != nil {
		return 0
	}
	v, err := r.s.GetInt32()
	if err != nil {
		r.err = fmt.Errorf("TOKEN: reading %s of %s: %w", field, r.what, err)
	}
	return v
}

// str reads a string; max > 0 bounds its length. The NULL-string marker
// reads as "" (C++ then sees a NULL pointer and fails the exchange).
func (r *reader) str(field string, max int) string {
	if r.err != nil {
		return ""
	}
	v, _, err := r.s.GetString()
	if err != nil {
		r.err = fmt.Errorf("TOKEN: reading %s of %s: %w", field, r.what, err)
		return ""
	}
	if max > 0 && len(v) > max {
		r.fail("%s is %d bytes, more than the %d a C++ peer accepts", field, len(v), max)
		return ""
	}
	return v
}

// raw reads n raw bytes after checking 0 <= n <= max.
func (r *reader) raw(field string, n int32, max int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || int(n) > max {
		r.fail("length of %s is %d, outside 0..%d", field, n, max)
		return nil
	}
	if n == 0 {
		return nil
	}
	b, err := r.s.GetBytes(int(n))
	if err != nil {
		r.err = fmt.Errorf("TOKEN: reading %s of %s: %w", field, r.what, err)
	}
	return b
}

// end checks that the whole message was consumed. On an earlier error the
// rest of the message is discarded.
func (r *reader) end() error {
	if r.err != nil {
		r.s.DiscardMessage()
		return r.err
	}
	if err := r.s.EndOfMessage(); err != nil {
		return fmt.Errorf("TOKEN: %s: %w", r.what, err)
	}
	return nil
}
