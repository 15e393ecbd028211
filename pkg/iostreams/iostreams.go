// Package iostreams carries the standard streams through the commands so
// tests can capture output and fake a terminal (the GitHub CLI pattern).
package iostreams

import (
	"bufio"
	"bytes"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams are the three standard streams plus what is known about them.
type IOStreams struct {
	// In is standard input.
	In io.Reader
	// Out is standard output. For the legacy tools it may be a buffer that
	// is flushed at exit (real-tools.md §18).
	Out io.Writer
	// ErrOut is standard error; always unbuffered.
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	inFd                           int
	buffered                       *bufio.Writer
}

// System returns streams bound to the process's stdin, stdout and stderr.
func System() *IOStreams {
	return &IOStreams{
		In:        os.Stdin,
		Out:       os.Stdout,
		ErrOut:    os.Stderr,
		stdinTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		stdoutTTY: term.IsTerminal(int(os.Stdout.Fd())),
		stderrTTY: term.IsTerminal(int(os.Stderr.Fd())),
		inFd:      int(os.Stdin.Fd()),
	}
}

// Test returns streams backed by buffers: stdin, stdout, stderr.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut, inFd: -1}, in, out, errOut
}

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.stdinTTY }

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// SetStdinTTY fakes the terminal state of stdin (tests).
func (s *IOStreams) SetStdinTTY(v bool) { s.stdinTTY = v }

// SetStdoutTTY fakes the terminal state of stdout (tests).
func (s *IOStreams) SetStdoutTTY(v bool) { s.stdoutTTY = v }

// SetStderrTTY fakes the terminal state of stderr (tests).
func (s *IOStreams) SetStderrTTY(v bool) { s.stderrTTY = v }

// StdinFd returns the file descriptor of stdin, or -1 when stdin is not a
// file (tests).
func (s *IOStreams) StdinFd() int { return s.inFd }

// stdioBufferSize is glibc's stdout buffer for a pipe or a regular file
// (st_blksize, 4 KiB on Linux): longer output is written out in chunks of
// this size before exit, as with the original tools.
const stdioBufferSize = 4 << 10

// BufferStdoutUnlessTTY makes Out fully buffered when it is not a terminal,
// as C stdio does for the original tools (real-tools.md §18). Call Flush
// before exiting.
func (s *IOStreams) BufferStdoutUnlessTTY() {
	if s.stdoutTTY || s.buffered != nil {
		return
	}
	s.buffered = bufio.NewWriterSize(s.Out, stdioBufferSize)
	s.Out = s.buffered
}

// Flush writes out buffered standard output, if any.
func (s *IOStreams) Flush() error {
	if s.buffered == nil {
		return nil
	}
	return s.buffered.Flush()
}
