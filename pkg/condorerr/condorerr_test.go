package condorerr

import (
	"errors"
	"io/fs"
	"testing"
)

func TestChainText(t *testing.T) {
	e := New("TOKEN", 1, "Failed to read file %s securely.", "/etc/condor/passwords.d/AP")
	e = e.Wrap("DAEMON", 1, "Server says no")
	want := "DAEMON:1:Server says no|TOKEN:1:Failed to read file /etc/condor/passwords.d/AP securely."
	if got := e.Error(); got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if e.Code != 1 || e.Subsys != "DAEMON" {
		t.Fatalf("head = %s:%d", e.Subsys, e.Code)
	}
}

func TestCause(t *testing.T) {
	e := New("TOKEN", 1, "Failed").WithCause(fs.ErrPermission)
	e = e.Wrap("DAEMON", 1, "outer")
	if !errors.Is(e, fs.ErrPermission) {
		t.Fatal("cause not reachable with errors.Is")
	}
	if e.Detail() != fs.ErrPermission.Error() {
		t.Fatalf("Detail = %q", e.Detail())
	}
	var wrapped error = e
	if ce, ok := As(wrapped); !ok || ce != e {
		t.Fatal("As failed")
	}
	if New("A", 1, "m").Detail() != "A:1:m" {
		t.Fatal("Detail without cause should be the legacy text")
	}
}

func TestNil(t *testing.T) {
	var e *Error
	if e.Error() != "" || e.Unwrap() != nil {
		t.Fatal("nil chain should be empty")
	}
}
