package idtoken

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// atomicReplace writes data to path through a temporary file in the same
// directory: create (0600), write, fix mode (and owner, to match existing
// when that is a file being replaced), fsync, rename over path, fsync the
// directory. Failures to create the temporary file are "Cannot write"
// errors, later ones "Failed to write" errors; the temporary file never
// survives a failure.
func atomicReplace(path string, data []byte, perm fs.FileMode, existing fs.FileInfo) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return cannotWrite(path, err, "")
	}
	name := tmp.Name()
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(perm); err != nil {
		return failedWrite(path, err)
	}
	if existing != nil {
		sys, isSys := existing.Sys().(*syscall.Stat_t)
		tst, err := tmp.Stat()
		if err != nil {
			return failedWrite(path, err)
		}
		if tsys, tmpSys := tst.Sys().(*syscall.Stat_t); isSys && tmpSys {
			// Compare with the temporary file itself: in a set-group-ID
			// directory its group is the directory's, not ours.
			if sys.Uid != tsys.Uid || sys.Gid != tsys.Gid {
				if err := tmp.Chown(int(sys.Uid), int(sys.Gid)); err != nil {
					// The owner cannot be kept: report it as an open-time
					// refusal so the caller may fall back to an in-place
					// write, which keeps the owner.
					return cannotWrite(path, err, "cannot keep the file's owner")
				}
				// chown may clear set-id bits; restore the mode.
				if err := tmp.Chmod(perm); err != nil {
					return failedWrite(path, err)
				}
			}
		}
	}
	if _, err := tmp.Write(data); err != nil {
		return failedWrite(path, err)
	}
	if err := tmp.Sync(); err != nil {
		return failedWrite(path, err)
	}
	if err := tmp.Close(); err != nil {
		return failedWrite(path, err)
	}
	if err := os.Rename(name, path); err != nil {
		return failedWrite(path, err)
	}
	ok = true
	syncDir(dir)
	return nil
}

// syncDir fsyncs a directory so a rename or create in it is durable. Some
// file systems refuse fsync on directories; that is not an error here.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// PoolKeySize is the number of random bytes in a generated POOL key
// (tokens.md §5.2).
const PoolKeySize = 64

// CreatePoolKey creates the POOL signing key file the way a collector does
// at start-up (tokens.md §5.2): if path does not exist, it is created with
// O_CREAT|O_EXCL, mode 0600, holding PoolKeySize random bytes from rnd
// (nil = crypto/rand) scrambled. An existing file is never touched
// (created = false, err = nil). A missing parent directory is created with
// mode 0700. HTCondor logs "Created POOL token signing key in file <path>"
// when created is true.
func CreatePoolKey(path string, rnd io.Reader) (created bool, err error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if _, err := os.Lstat(path); err == nil {
		return false, nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return false, fmt.Errorf("cannot create the directory of POOL signing key %s: %w", path, err)
	}
	key := make([]byte, PoolKeySize)
	if _, err := io.ReadFull(rnd, key); err != nil {
		return false, fmt.Errorf("cannot generate POOL signing key %s: %w", path, err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("cannot create POOL signing key %s: %w", path, err)
	}
	_, err = f.Write(Scramble(key))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return false, fmt.Errorf("cannot write POOL signing key %s: %w", path, err)
	}
	syncDir(filepath.Dir(path))
	return true, nil
}

// WriteKeyFile stores raw (unscrambled key or password bytes) scrambled in
// path with mode 0600, atomically (tokens.md §5.2 gives the format; the
// file is replaced, never written in place). The directory must exist.
func WriteKeyFile(path string, raw []byte) error {
	if len(raw) == 0 {
		return fmt.Errorf("refusing to write an empty key to %s", path)
	}
	if st, err := os.Lstat(path); err == nil && st.IsDir() {
		return fmt.Errorf("cannot write key file %s: %w", path, syscall.EISDIR)
	}
	if err := atomicReplace(path, Scramble(raw), 0o600, nil); err != nil {
		var we *WriteError
		if errors.As(err, &we) {
			return fmt.Errorf("cannot write key file %s: %s: %w", path, strerror(we.Errno), we.Errno)
		}
		return err
	}
	return nil
}
