package idtoken

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// MaxSecureFileSize bounds the signing-key and token files read by
// SigningKey and FindTokens (real ones are 64 bytes and a few hundred bytes).
const MaxSecureFileSize = 1 << 20

// KeyFileError explains why a key or token file was refused by the secure
// reader (HTCondor read_secure_file, tokens.md §5.2: owned by the real uid,
// no group/other access, unchanged while read). It is attached as the cause
// of the legacy "TOKEN:1:Failed to read file <path> securely." error, so
// errors.As finds it.
type KeyFileError struct {
	// Path is the file.
	Path string
	// Reason is the precise cause, e.g. "owned by uid 0, not 1000",
	// "mode 0644 allows group/other access", "no such file".
	Reason string
	// Err is the underlying operating-system error, if any.
	Err error
}

// Error returns "<path>: <reason>".
func (e *KeyFileError) Error() string { return e.Path + ": " + e.Reason }

// Unwrap returns the operating-system error, so errors.Is(err,
// fs.ErrNotExist) works.
func (e *KeyFileError) Unwrap() error { return e.Err }

// Detail returns the reason alone.
func (e *KeyFileError) Detail() string { return e.Reason }

// readSecureFile reads a whole file the way HTCondor's read_secure_file
// (as_root, SECURE_FILE_VERIFY_ALL) does: it follows symbolic links, the
// file must be owned by uid (skipped when uid < 0) and have no group/other
// permission bits, and it must not change while being read. In addition
// it must be a regular file no larger than limit.
func readSecureFile(path string, uid int, limit int64) ([]byte, *KeyFileError) {
	// O_NONBLOCK: opening a FIFO must not hang; it is refused below.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: openReason(err), Err: err}
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: "cannot stat: " + errnoText(err), Err: err}
	}
	if st.IsDir() {
		return nil, &KeyFileError{Path: path, Reason: "is a directory", Err: syscall.EISDIR}
	}
	if !st.Mode().IsRegular() {
		return nil, &KeyFileError{Path: path, Reason: "is not a regular file (" + st.Mode().Type().String() + ")"}
	}
	if uid >= 0 {
		if owner, ok := fileUID(st); ok && owner != uid {
			return nil, &KeyFileError{Path: path, Reason: fmt.Sprintf("owned by uid %d, not %d", owner, uid)}
		}
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, &KeyFileError{Path: path, Reason: fmt.Sprintf("mode %04o allows group/other access (must be 0600 or stricter)", perm)}
	}
	if st.Size() > limit {
		return nil, &KeyFileError{Path: path, Reason: fmt.Sprintf("is %d bytes, more than the %d allowed", st.Size(), limit)}
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: "read failed: " + errnoText(err), Err: err}
	}
	st2, err := f.Stat()
	if err != nil {
		return nil, &KeyFileError{Path: path, Reason: "cannot stat: " + errnoText(err), Err: err}
	}
	if int64(len(data)) != st.Size() || !st2.ModTime().Equal(st.ModTime()) || st2.Size() != st.Size() {
		return nil, &KeyFileError{Path: path, Reason: "modified while being read"}
	}
	return data, nil
}

// CheckSecureFile reports whether HTCondor's secure reader would accept
// the file (owned by uid, or any owner when uid < 0; no group/other
// access; a regular file of at most MaxSecureFileSize bytes): nil, or a
// *KeyFileError saying why not. Token files that fail this check are
// listed by condor_token_list but never used for authentication
// (tokens.md §7 step 3, §9.8).
func CheckSecureFile(path string, uid int) error {
	if _, kfe := readSecureFile(path, uid, MaxSecureFileSize); kfe != nil {
		return kfe
	}
	return nil
}

func fileUID(st fs.FileInfo) (int, bool) {
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return int(sys.Uid), true
	}
	return 0, false
}

func openReason(err error) string {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "no such file"
	case errors.Is(err, fs.ErrPermission):
		return "permission denied (cannot open for reading)"
	default:
		return "cannot open: " + errnoText(err)
	}
}

// errnoText returns the C strerror() text of err's errno ("Is a
// directory"), or err's own text when it carries no errno.
func errnoText(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return strerror(errno)
	}
	return err.Error()
}

// strerror renders an errno like glibc's strerror(): Go's texts are the
// same words with a lower-case first letter.
func strerror(e syscall.Errno) string {
	s := e.Error()
	if strings.HasPrefix(s, "errno ") {
		return "Unknown error " + s[len("errno "):]
	}
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return s
	}
	return string(s[0]-'a'+'A') + s[1:]
}
