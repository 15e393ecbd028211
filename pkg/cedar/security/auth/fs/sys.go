package fs

import (
	"errors"
	iofs "io/fs"
	"os"
	"strings"
	"syscall"
)

// sysOps are the filesystem and process calls the method makes; tests
// replace them to replay recorded traffic without touching the recorded
// paths.
type sysOps struct {
	// euid is the effective uid of the process.
	euid func() int
	// mkdir creates a directory with mode exactly 0700.
	mkdir func(path string) error
	// lchown gives path to uid/gid without following a symlink.
	lchown func(path string, uid, gid int) error
	// rmdir removes an empty directory (never a file).
	rmdir func(path string) error
	// lstat describes path without following a symlink.
	lstat func(path string) (iofs.FileInfo, error)
	// probe creates path exclusively and removes it again (mkstemp's
	// uniqueness check); it fails with fs.ErrExist if path exists.
	probe func(path string) error
}

var realOps = &sysOps{
	euid: os.Geteuid,
	mkdir: func(path string) error {
		if err := os.Mkdir(path, 0o700); err != nil {
			return err
		}
		// mkdir(2) applies the umask; the server wants exactly 0700.
		if err := os.Chmod(path, 0o700); err != nil {
			_ = syscall.Rmdir(path)
			return err
		}
		return nil
	},
	lchown: os.Lchown,
	rmdir:  syscall.Rmdir,
	lstat:  os.Lstat,
	probe: func(path string) error {
		f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return err
		}
		f.Close()
		return os.Remove(path)
	},
}

// strerror renders an OS error like C's strerror ("No such file or
// directory") and returns its errno (0 if unknown), for HTCondor's
// "%s (%i)" messages.
func strerror(err error) (string, int) {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		s := errno.Error()
		if s != "" {
			s = strings.ToUpper(s[:1]) + s[1:]
		}
		return s, int(errno)
	}
	return err.Error(), 0
}

// statInfo extracts owner, link count and mode bits from a FileInfo.
func statInfo(fi iofs.FileInfo) (uid int, nlink uint64, ok bool) {
	st, isStat := fi.Sys().(*syscall.Stat_t)
	if !isStat {
		return 0, 0, false
	}
	return int(st.Uid), uint64(st.Nlink), true
}
