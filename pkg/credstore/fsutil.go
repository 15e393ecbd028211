package credstore

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// Credential files are 0600 and per-user OAuth directories 0700 (plus the
// set-group-ID bit inherited from a 2770 parent), as the credd leaves them
// (credentials.md §6.2, real-tools.md §22).
const (
	fileMode = 0o600
	dirMode  = 0o700
)

// A credential's temporary file is "." + its name + tmpInfix + random
// digits (".svc.top.tmp123456"). Such a name never ends in ".top", ".use",
// ".cred", ".cc" or ".mark", so a half-written file is never taken for a
// credential, and the leading dot hides it from readers of key directories
// (LOCAL_CONFIG_DIR_EXCLUDE_REGEXP excludes dot files from passwords.d).
const tmpInfix = ".tmp"

// staleTmpAge is how old a temporary file left by a crashed writer must be
// before a later write of the same credential removes it (a live writer
// renames its file within moments).
const staleTmpAge = 10 * time.Minute

// writeAtomic stores data in path through a temporary file in the same
// directory: create (0600), chown to uid/gid where they are >= 0 and
// differ, write, fsync, rename over path, fsync the directory. A crash at
// any point leaves path either untouched or complete; a failure removes
// the temporary file, and a success removes stale temporary files of the
// same credential left by a writer that was killed. A symbolic link at path
// is replaced, never followed.
func writeAtomic(path string, data []byte, uid, gid int) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+tmpInfix+"*")
	if err != nil {
		return fmt.Errorf("cannot create a temporary file in %s: %w", dir, err)
	}
	name := tmp.Name()
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err = tmp.Chmod(fileMode); err != nil {
		return fmt.Errorf("cannot set the mode of %s: %w", name, err)
	}
	if err = chownIfNeeded(tmp, uid, gid); err != nil {
		return fmt.Errorf("cannot give %s to uid %d gid %d: %w", name, uid, gid, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("cannot write %s: %w", name, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("cannot flush %s to disk: %w", name, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("cannot close %s: %w", name, err)
	}
	if err = os.Rename(name, path); err != nil {
		return fmt.Errorf("cannot rename %s to %s: %w", name, path, err)
	}
	removeStaleTemps(dir, base, time.Now().Add(-staleTmpAge))
	syncDir(dir)
	return nil
}

// removeStaleTemps removes the temporary files of credential base in dir
// last modified before cutoff.
func removeStaleTemps(dir, base string, cutoff time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	prefix := "." + base + tmpInfix
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, prefix) || len(n) == len(prefix) || strings.Trim(n[len(prefix):], "0123456789") != "" {
			continue
		}
		if info, err := e.Info(); err == nil && info.Mode().IsRegular() && info.ModTime().Before(cutoff) {
			os.Remove(filepath.Join(dir, n))
		}
	}
}

// chownIfNeeded changes f's owner and/or group where uid/gid are >= 0 and
// differ from the current ones (so an unprivileged process asking for its
// own ids does not fail).
func chownIfNeeded(f *os.File, uid, gid int) error {
	if uid < 0 && gid < 0 {
		return nil
	}
	st, err := f.Stat()
	if err != nil {
		return err
	}
	curUID, curGID, ok := owner(st)
	if !ok {
		return errors.New("file owner unknown on this system")
	}
	if uid < 0 || uid == curUID {
		uid = -1
	}
	if gid < 0 || gid == curGID {
		gid = -1
	}
	if uid < 0 && gid < 0 {
		return nil
	}
	return f.Chown(uid, gid)
}

// owner returns the uid and gid of a file.
func owner(st fs.FileInfo) (uid, gid int, ok bool) {
	if sys, isSys := st.Sys().(*syscall.Stat_t); isSys {
		return int(sys.Uid), int(sys.Gid), true
	}
	return 0, 0, false
}

// syncDir fsyncs a directory so that a rename, create or remove in it is
// durable. File systems that refuse fsync on directories are tolerated.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// mtime returns the modification time (Unix seconds) of path without
// following a final symbolic link, and whether path exists.
func mtime(path string) (int64, bool) {
	st, err := os.Lstat(path)
	if err != nil {
		return 0, false
	}
	return st.ModTime().Unix(), true
}

// readCredFile reads a whole credential file: it must be a regular file
// (a symbolic link is refused, not followed) of at most limit bytes.
func readCredFile(path string, limit int64) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > limit {
		return nil, fmt.Errorf("%s is %d bytes, more than the %d allowed", path, st.Size(), limit)
	}
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("%s grew beyond %d bytes while being read", path, limit)
	}
	return data, nil
}

// errno returns the system error number inside err, or 0.
func errno(err error) syscall.Errno {
	var e syscall.Errno
	if errors.As(err, &e) {
		return e
	}
	return 0
}
