package ssl

import (
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
)

// maxRounds bounds the data messages of one phase. HTCondor stops its key
// phases after 256 rounds; a real handshake needs fewer than ten.
const maxRounds = 256

// phaseEngine is what runPhase needs from the TLS engine; tests replace it
// with a scripted engine to replay recorded traffic.
type phaseEngine interface {
	// status drives the current TLS operation one step and reports this
	// side's status (with the TLS error when it is QUITTING).
	status() (int32, error)
	// feed hands the peer's TLS bytes to the engine.
	feed(p []byte)
	// drain takes the pending TLS output (at most MaxDataSize bytes).
	drain() []byte
}

// phaseResult is how a phase ended.
type phaseResult struct {
	own, peer int32 // final statuses (peer = status of its last message)
	engineErr error // why this side's TLS operation failed, if it did
}

// ok reports whether both sides are HOLDING.
func (r phaseResult) ok() bool { return r.own == StatusHolding && r.peer == StatusHolding }

// runPhase runs one phase of cedar.md §5.5 on stream s with the engine's
// current operation, which the caller started. sendFirst says whether this
// side's first turn is a send (the client in the handshake phase, the
// server in the key phase). own and peer are the statuses at the start of
// the phase (A_OK after the status exchange; both RECEIVING after the
// reset that precedes the key phase).
//
// One pass is one data message: unless this side is already HOLDING it
// drives its TLS engine (engine.status), then either ships its status with
// all pending TLS output or reads the peer's message and feeds its bytes
// to the engine. After every message, sent or received, both statuses are
// compared: both HOLDING ends the phase, QUITTING on either side (ERROR
// counts as QUITTING) fails it (condor_auth_ssl.cpp:476-552, 593-645,
// 790-871, 914-975). The test is per message, not per round: with TLS 1.3
// the server sends two data messages in a row at the change from the
// handshake phase to the key phase (token_request_approve.json, conn. 1).
//
// A non-nil error is fatal (I/O or framing): the stream is unusable.
func runPhase(s *cedar.Stream, e phaseEngine, sendFirst bool, own, peer int32) (phaseResult, error) {
	res := phaseResult{own: own, peer: peer}
	sendTurn := sendFirst
	for round := 0; ; round++ {
		if round >= maxRounds {
			return res, fmt.Errorf("SSL: no agreement after %d data messages (own status %s, peer status %s)",
				maxRounds, statusName(res.own), statusName(res.peer))
		}
		if res.own != StatusHolding {
			st, err := e.status()
			res.own = st
			if err != nil {
				res.engineErr = err
			}
		}
		if sendTurn {
			if err := writeFrame(s, res.own, e.drain()); err != nil {
				return res, err
			}
		} else {
			st, data, err := readFrame(s)
			if err != nil {
				return res, err
			}
			res.peer = st
			e.feed(data)
		}
		sendTurn = !sendTurn
		if res.peer == StatusError {
			res.peer = StatusQuitting
		}
		if res.ok() {
			return res, nil
		}
		if res.own == StatusQuitting || res.peer == StatusQuitting {
			return res, nil
		}
	}
}

// peerTLSError feeds nothing more but lets the engine finish processing
// what the quitting peer sent last (typically a TLS alert), and returns the
// engine's error if that made its operation fail. It is a best-effort
// diagnostic: the engine is closed right after.
func peerTLSError(e *engine) error {
	finished, _, err := e.wait()
	if finished {
		return err
	}
	return nil
}
