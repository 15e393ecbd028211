package server

import (
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/daemon"
)

// logTimeFormat is the time stamp of HTCondor's daemon logs
// ("11/25/26 21:04:32").
const logTimeFormat = "01/02/06 15:04:05"

// logger writes whole lines to Options.Logger, one Write per line, so
// that lines from concurrent connections never interleave.
type logger struct {
	mu  sync.Mutex
	w   io.Writer
	now func() time.Time
}

func (l *logger) printf(format string, args ...any) {
	if l == nil || l.w == nil {
		return
	}
	msg := fmt.Sprintf(format, args...)
	msg = strings.ReplaceAll(strings.TrimRight(msg, "\n"), "\n", " ")
	line := l.now().Format(logTimeFormat) + " " + msg + "\n"
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = io.WriteString(l.w, line)
}

// outcomes remembers, per live connection, what its handler answered, so
// that the one log line per command (written by pkg/daemon when the
// connection ends) can say it. Handlers run before that line is written,
// and a connection's peer address is unique while it is open.
type outcomes struct{ m sync.Map }

func peerKey(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// set records the outcome of the handler serving peer.
func (o *outcomes) set(peer net.Addr, text string) { o.m.Store(peerKey(peer), text) }

// take returns and forgets the outcome recorded for peer.
func (o *outcomes) take(peer net.Addr) (string, bool) {
	v, ok := o.m.LoadAndDelete(peerKey(peer))
	if !ok {
		return "", false
	}
	return v.(string), true
}

// logEntry writes the line of one connection: peer, identity, command,
// the handshake's result and the handler's answer. It never holds a token
// or key: handlers record only codes, ids and identities.
func (s *Server) logEntry(e daemon.LogEntry) {
	line := e.String()
	if text, ok := s.outcomes.take(e.Peer); ok {
		line += fmt.Sprintf(" reply=%q", text)
	}
	s.log.printf("%s", line)
}

// outcome records what the handler of req answered.
func (s *Server) outcome(req *daemon.Request, format string, args ...any) {
	s.outcomes.set(req.Peer, fmt.Sprintf(format, args...))
}

// logf writes one line to the daemon log.
func (s *Server) logf(format string, args ...any) { s.log.printf(format, args...) }
