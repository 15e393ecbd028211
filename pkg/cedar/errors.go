package cedar

import "errors"

// Sentinel errors. Every error returned by this package wraps one of these
// (test with errors.Is) and carries a message naming the likely cause.
var (
	// ErrMalformedPacket reports a packet that violates CEDAR framing
	// (cedar.md §1.1–§1.2): a bad end flag, a zero or over-1-MiB length,
	// or an encrypted packet too short to hold its IV and tag.
	ErrMalformedPacket = errors.New("cedar: malformed packet")

	// ErrMessageTooLarge reports a received message that exceeds
	// Config.MaxMessageSize.
	ErrMessageTooLarge = errors.New("cedar: message too large")

	// ErrUnreadBytes is returned by EndOfMessage on the receiving side when
	// the current message still holds unread bytes (cedar.md §1.4, README
	// pitfall 3). The bytes are discarded, as C++ does.
	ErrUnreadBytes = errors.New("cedar: unread bytes at end of message")

	// ErrShortMessage reports a read that needs more bytes than the current
	// message has left: the peer sent fewer fields than expected.
	ErrShortMessage = errors.New("cedar: read past end of message")

	// ErrMalformedValue reports a received value that cannot be decoded
	// (unterminated string, impossible length, out-of-range int, ...).
	ErrMalformedValue = errors.New("cedar: malformed value")

	// ErrInvalidValue reports a value that cannot be sent faithfully
	// (a string with a NUL byte, a NaN double, an ad line without '=', ...).
	ErrInvalidValue = errors.New("cedar: value cannot be encoded")

	// ErrDecrypt reports an AES-GCM packet whose tag does not verify:
	// wrong session key, handshake digests that differ from the peer's, or
	// a corrupted, replayed or reordered packet (cedar.md §1.6).
	ErrDecrypt = errors.New("cedar: AES-GCM packet authentication failed")

	// ErrCounterExhausted reports that a direction reached the last GCM
	// packet counter value (0xffffffff); the connection must be replaced.
	ErrCounterExhausted = errors.New("cedar: AES-GCM packet counter exhausted")

	// ErrState reports a call made at the wrong point of the protocol, e.g.
	// reading while an outgoing message is still unsent, or turning crypto
	// on in the middle of a message.
	ErrState = errors.New("cedar: stream used out of order")

	// ErrPeerClosed reports that the peer closed the connection cleanly
	// between messages. It also matches io.EOF.
	ErrPeerClosed = errors.New("cedar: connection closed by peer")
)
