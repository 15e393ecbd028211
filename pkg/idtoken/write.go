package idtoken

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"syscall"
)

// ErrNotPlainName is returned by WriteNamed when the -token NAME is not a
// plain file name; its text is HTCondor's (tokens.md §9.9).
var ErrNotPlainName = errors.New("Token name isn't a plain filename")

// WriteError is a failure to write a token file. Its text is HTCondor's:
// "Cannot write token to PATH: STRERROR (errno=N)" when the file cannot be
// opened/created and "Failed to write token to PATH: STRERROR (errno=N)"
// when writing it fails (tokens.md §9.9, real-tools.md §15).
type WriteError struct {
	// Path is the token file.
	Path string
	// Cannot is true for the "Cannot write" (open) form, false for the
	// "Failed to write" form.
	Cannot bool
	// Errno is the system error number.
	Errno syscall.Errno
	// Reason optionally explains the refusal beyond strerror (e.g. "the
	// path is a symbolic link").
	Reason string
}

// Error returns HTCondor's message.
func (e *WriteError) Error() string {
	verb := "Failed to write"
	if e.Cannot {
		verb = "Cannot write"
	}
	return fmt.Sprintf("%s token to %s: %s (errno=%d)", verb, e.Path, strerror(e.Errno), int(e.Errno))
}

// Unwrap returns the errno, so errors.Is(err, syscall.EISDIR) works.
func (e *WriteError) Unwrap() error { return e.Errno }

// Detail returns the message plus the extra reason, if any.
func (e *WriteError) Detail() string {
	if e.Reason == "" {
		return e.Error()
	}
	return e.Error() + " (" + e.Reason + ")"
}

func toErrno(err error) syscall.Errno {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno
	}
	return syscall.EIO
}

func cannotWrite(path string, err error, reason string) *WriteError {
	return &WriteError{Path: path, Cannot: true, Errno: toErrno(err), Reason: reason}
}

func failedWrite(path string, err error) *WriteError {
	return &WriteError{Path: path, Errno: toErrno(err)}
}

// WriteTokenFile writes token plus one "\n" to path, used verbatim
// (-file NAME; no directory is created). See writeToken for the semantics.
func WriteTokenFile(path, token string) error {
	return writeToken(path, token)
}

// WriteNamed writes token to the token directory under name (-token NAME,
// tokens.md §9.9): name must equal its own base name (so "a/b" is refused
// with ErrNotPlainName, while ".." passes and then fails with
// "Cannot write token to <dir>/..: Is a directory (errno=21)"); the
// directory and its parents are created with mode 0700. It returns the
// path written.
func (d DirConfig) WriteNamed(name, token string) (string, error) {
	if name == "" {
		return "", errors.New("empty token name")
	}
	if name != name[strings.LastIndexByte(name, '/')+1:] {
		return "", ErrNotPlainName
	}
	dir := d.Dir()
	if dir == "" {
		return "", errors.New("no token directory is configured (SEC_TOKEN_SYSTEM_DIRECTORY is unset)")
	}
	// mkdir_and_parents_if_needed(dir, 0700); a failure shows up when the
	// file is opened, as in HTCondor.
	_ = os.MkdirAll(dir, 0o700)
	path := dir + "/" + name // dirpath + DIR_DELIM_CHAR + name, not cleaned
	return path, writeToken(path, token)
}

// writeToken stores token+"\n" at path. HTCondor truncates an existing
// file and rewrites it in place, keeping inode, owner and mode, creates new
// files 0600, and refuses a symbolic link as the last component
// (safe_create_keep_if_exists: EEXIST). condor-auth keeps that observable
// result — content, mode, owner — but replaces regular files atomically
// (temporary file, fsync, rename, fsync of the directory). It writes in
// place only where a rename is impossible or wrong: non-regular files such
// as /dev/null, and an existing file in a directory the caller cannot
// write to.
func writeToken(path, token string) error {
	data := []byte(token + "\n")
	if strings.HasSuffix(path, "/") {
		return cannotWrite(path, syscall.EISDIR, "")
	}
	st, err := os.Lstat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return atomicReplace(path, data, 0o600, nil)
	case err != nil:
		return cannotWrite(path, err, "")
	case st.Mode()&fs.ModeSymlink != 0:
		return cannotWrite(path, syscall.EEXIST, "the path is a symbolic link, which is never followed")
	case st.IsDir():
		return cannotWrite(path, syscall.EISDIR, "")
	case !st.Mode().IsRegular():
		return writeInPlace(path, data)
	}
	err = atomicReplace(path, data, st.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky), st)
	var we *WriteError
	if errors.As(err, &we) && we.Cannot && (we.Errno == syscall.EACCES || we.Errno == syscall.EPERM) {
		// The directory is not writable (or the owner cannot be kept): the
		// file itself may still be, as HTCondor would use it.
		return writeInPlace(path, data)
	}
	return err
}

// writeInPlace truncates and rewrites an existing file, never following a
// symbolic link.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return cannotWrite(path, syscall.EEXIST, "the path is a symbolic link, which is never followed")
		}
		return cannotWrite(path, err, "")
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return failedWrite(path, err)
	}
	if err := f.Close(); err != nil {
		return failedWrite(path, err)
	}
	return nil
}
