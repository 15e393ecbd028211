package locate

import (
	"errors"
	"fmt"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// Shared-port commands (cedar.md §4.1, §6.8).
const (
	SharedPortConnect  = 75
	SharedPortPassSock = 76
)

// maxSharedPortExtraArgs and maxSharedPortExtraLen are the server's limits
// on the reserved trailing strings (shared_port_server.cpp).
const (
	maxSharedPortExtraArgs = 100
	maxSharedPortExtraLen  = 511
)

// ErrSharedPort is wrapped by shared-port request errors.
var ErrSharedPort = errors.New("invalid SHARED_PORT_CONNECT request")

// ValidSharedPortID reports whether id may name a shared-port endpoint:
// non-empty, at most 1023 bytes of letters, digits, '.', '-' and '_'
// (SharedPortClient::SharedPortIdIsValid), so it cannot name a socket
// outside the daemon socket directory.
func ValidSharedPortID(id string) bool {
	if id == "" || len(id) > maxSharedPortLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// SendSharedPortConnect sends the request that makes condor_shared_port
// hand the connection to the daemon with shared-port id (the "sock"
// parameter of its sinful), before the normal DC_AUTHENTICATE exchange on
// the same stream (cedar.md §6.8; SharedPortClient::sendSharedPortID).
// One message: int 75, string id, string clientName (for the server's log,
// e.g. "TOOL"), int the seconds left until deadline (-1 when deadline is
// zero, 0 when it has passed), int 0 (no further arguments), EOM. There is
// no reply. Unless id is "self" (the shared-port daemon itself), the
// handshake digests are then restarted, because the target daemon never
// sees this message (pitfall 10).
func SendSharedPortConnect(s *cedar.Stream, id, clientName string, deadline time.Time) error {
	if !ValidSharedPortID(id) {
		return fmt.Errorf("%w: shared-port id %q (allowed: letters, digits, '.', '-', '_')", ErrSharedPort, id)
	}
	if len(clientName) > maxSharedPortLen {
		clientName = clientName[:maxSharedPortLen]
	}
	secs := int64(-1)
	if !deadline.IsZero() {
		secs = max(int64(time.Until(deadline)/time.Second), 0)
	}
	for _, put := range []func() error{
		func() error { return s.PutInt(SharedPortConnect) },
		func() error { return s.PutString(id) },
		func() error { return s.PutString(clientName) },
		func() error { return s.PutInt(secs) },
		func() error { return s.PutInt(0) },
		s.EndOfMessage,
	} {
		if err := put(); err != nil {
			return fmt.Errorf("sending SHARED_PORT_CONNECT for %q: %w", id, err)
		}
	}
	if id != "self" {
		return s.ResetDigests()
	}
	return nil
}

// SharedPortRequest is a received SHARED_PORT_CONNECT request.
type SharedPortRequest struct {
	ID         string
	ClientName string
	// Deadline is the client's remaining time in seconds, -1 for none.
	Deadline int64
}

// ReadSharedPortConnect reads the rest of a SHARED_PORT_CONNECT message
// after its command int, as condor_shared_port does (HandleConnectRequest):
// id and client name of at most 1023 bytes, the deadline, 0..100 reserved
// strings (read and ignored) and EOM. The id must be valid
// (ValidSharedPortID).
func ReadSharedPortConnect(s *cedar.Stream) (SharedPortRequest, error) {
	var r SharedPortRequest
	var err error
	if r.ID, _, err = s.GetString(); err != nil {
		return r, fmt.Errorf("%w: reading the id: %w", ErrSharedPort, err)
	}
	if r.ClientName, _, err = s.GetString(); err != nil {
		return r, fmt.Errorf("%w: reading the client name: %w", ErrSharedPort, err)
	}
	if len(r.ClientName) > maxSharedPortLen {
		return r, fmt.Errorf("%w: client name longer than %d bytes", ErrSharedPort, maxSharedPortLen)
	}
	if !ValidSharedPortID(r.ID) {
		return r, fmt.Errorf("%w: shared-port id %.40q", ErrSharedPort, r.ID)
	}
	d, err := s.GetInt32() // C++ reads both into an int
	if err != nil {
		return r, fmt.Errorf("%w: reading the deadline: %w", ErrSharedPort, err)
	}
	r.Deadline = int64(d)
	more, err := s.GetInt32()
	if err != nil {
		return r, fmt.Errorf("%w: reading the argument count: %w", ErrSharedPort, err)
	}
	if more < 0 || more > maxSharedPortExtraArgs {
		return r, fmt.Errorf("%w: %d extra arguments", ErrSharedPort, more)
	}
	for ; more > 0; more-- {
		extra, _, err := s.GetString()
		if err != nil {
			return r, fmt.Errorf("%w: reading an extra argument: %w", ErrSharedPort, err)
		}
		if len(extra) > maxSharedPortExtraLen {
			return r, fmt.Errorf("%w: extra argument longer than %d bytes", ErrSharedPort, maxSharedPortExtraLen)
		}
	}
	if err := s.EndOfMessage(); err != nil {
		return r, fmt.Errorf("%w: %w", ErrSharedPort, err)
	}
	return r, nil
}
