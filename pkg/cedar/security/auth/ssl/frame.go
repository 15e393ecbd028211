package ssl

import (
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// Status codes of the SSL method (condor_auth_ssl.h:30-40, cedar.md §5.5).
const (
	StatusError     = -1 // AUTH_SSL_ERROR: setup failed / treated as QUITTING
	StatusOK        = 0  // AUTH_SSL_A_OK: initial status exchange succeeded
	StatusSending   = 1  // AUTH_SSL_SENDING (never produced with memory buffers)
	StatusReceiving = 2  // AUTH_SSL_RECEIVING: the TLS engine wants input
	StatusQuitting  = 3  // AUTH_SSL_QUITTING: this side gives up
	StatusHolding   = 4  // AUTH_SSL_HOLDING: this side's part of the phase is done
)

// MaxDataSize is the largest TLS byte count of one data message
// (AUTH_SSL_BUF_SIZE, 1 MiB); a longer message fails the exchange.
const MaxDataSize = 1 << 20

// SessionKeyLen is the number of random bytes the server sends inside TLS
// after the handshake (AUTH_SSL_SESSION_KEY_LEN, cedar.md §5.5 step 4).
const SessionKeyLen = 256

// statusName names a status for error messages and notes.
func statusName(st int32) string {
	switch st {
	case StatusError:
		return "ERROR"
	case StatusOK:
		return "A_OK"
	case StatusSending:
		return "SENDING"
	case StatusReceiving:
		return "RECEIVING"
	case StatusQuitting:
		return "QUITTING"
	case StatusHolding:
		return "HOLDING"
	}
	return fmt.Sprintf("unknown status %d", st)
}

// writeStatus sends a status-only message: int status · EOM (send_status).
func writeStatus(s *cedar.Stream, st int32) error {
	if err := s.PutInt(int64(st)); err != nil {
		return fmt.Errorf("SSL: sending status: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return fmt.Errorf("SSL: sending status: %w", err)
	}
	return nil
}

// readStatus receives a status-only message (receive_status). The whole
// message must be consumed.
func readStatus(s *cedar.Stream) (int32, error) {
	st, err := s.GetInt32()
	if err != nil {
		s.DiscardMessage()
		return 0, fmt.Errorf("SSL: receiving the peer's status: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return 0, fmt.Errorf("SSL: receiving the peer's status: %w", err)
	}
	return st, nil
}

// writeFrame sends a data message: int status · int n · n raw bytes · EOM
// (send_message, condor_auth_ssl.cpp:1548-1565). n may be 0.
func writeFrame(s *cedar.Stream, st int32, data []byte) error {
	if len(data) > MaxDataSize {
		return fmt.Errorf("SSL: %d TLS bytes exceed the %d-byte data message limit", len(data), MaxDataSize)
	}
	if err := s.PutInt(int64(st)); err != nil {
		return fmt.Errorf("SSL: sending data message: %w", err)
	}
	if err := s.PutInt(int64(len(data))); err != nil {
		return fmt.Errorf("SSL: sending data message: %w", err)
	}
	if len(data) > 0 {
		if err := s.PutBytes(data); err != nil {
			return fmt.Errorf("SSL: sending data message: %w", err)
		}
	}
	if err := s.EndOfMessage(); err != nil {
		return fmt.Errorf("SSL: sending data message: %w", err)
	}
	return nil
}

// readFrame receives a data message (receive_message,
// condor_auth_ssl.cpp:1567-1590): the length must be within 0..1 MiB and
// the message must hold exactly the announced bytes.
func readFrame(s *cedar.Stream) (int32, []byte, error) {
	st, err := s.GetInt32()
	if err != nil {
		s.DiscardMessage()
		return 0, nil, fmt.Errorf("SSL: receiving data message status: %w", err)
	}
	n, err := s.GetInt32()
	if err != nil {
		s.DiscardMessage()
		return 0, nil, fmt.Errorf("SSL: receiving data message length: %w", err)
	}
	if n < 0 || n > MaxDataSize {
		s.DiscardMessage()
		return 0, nil, fmt.Errorf("%w: SSL data message announces %d TLS bytes (allowed 0..%d)", cedar.ErrMalformedValue, n, MaxDataSize)
	}
	var data []byte
	if n > 0 {
		if data, err = s.GetBytes(int(n)); err != nil {
			s.DiscardMessage()
			return 0, nil, fmt.Errorf("SSL: receiving %d TLS bytes: %w", n, err)
		}
	}
	if err := s.EndOfMessage(); err != nil {
		return 0, nil, fmt.Errorf("SSL: receiving data message: %w", err)
	}
	return st, data, nil
}
