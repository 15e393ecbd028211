package credstore

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// maxPoolFileSize bounds what ReadPoolPassword reads (real files hold at
// most 255 bytes; pre-8.5.4 ones 256).
const maxPoolFileSize = 1 << 20

// PoolPassword performs a password-type operation for user the way
// HTCondor's store_cred_password does on Unix (credentials.md §6.1): only
// the pool password ("condor_pool@<domain>") exists, anything else is
// FAILURE. Add stores password (cut at its first NUL; 1 to 255 bytes, else
// FAILURE) scrambled in PoolPasswordFile; delete removes the file
// (FAILURE_NOT_FOUND if that fails); query reports SUCCESS when the file
// can be read securely, else FAILURE_NOT_FOUND. The local
// "condor_store_cred -c" of root uses this too.
func (s *Store) PoolPassword(user string, mode int, password []byte) int64 {
	if !isPoolUser(user) {
		s.opts.Logf("store_cred: passwords of users other than %s are only supported on Windows", PoolUser)
		return Failure
	}
	if strings.IndexByte(user, '@') < 1 {
		s.opts.Logf("store_cred: malformed user name %q", user)
		return Failure
	}
	path := s.opts.PoolPasswordFile
	op := mode & ModeMask
	if op != OpQuery && path == "" {
		s.opts.Logf("store_cred: SEC_PASSWORD_FILE is not defined")
		return Failure
	}
	switch op {
	case OpAdd:
		pw := cString(password)
		if len(pw) == 0 || len(pw) > MaxPasswordLength {
			s.opts.Logf("store_cred: the pool password must be 1 to %d characters", MaxPasswordLength)
			return Failure
		}
		if err := WritePoolPasswordFile(path, pw); err != nil {
			s.opts.Logf("store_cred: %v", err)
			return Failure
		}
		return Success
	case OpDelete:
		if err := os.Remove(path); err != nil {
			return FailureNotFound
		}
		syncDir(filepath.Dir(path))
		return Success
	case OpQuery:
		if path == "" {
			return FailureNotFound
		}
		if _, err := ReadPoolPassword(path); err != nil {
			return FailureNotFound
		}
		return Success
	}
	s.opts.Logf("store_cred: unknown pool password mode %d", mode)
	return Failure
}

// HandlePool answers STORE_POOL_CRED (497, credentials.md §5.3): the pool
// password of "condor_pool@<domain>" is set to password, or deleted when
// password is empty. The reply is the result int alone (Legacy). The
// daemon authorizes the command (ADMINISTRATOR), refuses remote peers when
// it is the CREDD_HOST, and closes without replying when the domain
// arrives as a NULL string.
func (s *Store) HandlePool(domain, password string) Reply {
	user := PoolUser + "@" + domain
	if password != "" {
		return Reply{Code: s.PoolPassword(user, OpAdd, []byte(password)), Legacy: true}
	}
	return Reply{Code: s.PoolPassword(user, OpDelete, nil), Legacy: true}
}

// cString returns b up to its first NUL (C strlen semantics).
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// WritePoolPasswordFile writes password to path as a pool password file,
// for "condor_store_cred -f" (credentials.md §6.1, tokens.md §5.2): the
// password up to its first NUL, XORed with DE AD BE EF, without terminator,
// mode 0600, replacing path atomically (a symbolic link at path is
// followed to its target). An existing file keeps its owner and group when
// the process may set them (root). An empty password is refused rather
// than written as an empty key.
func WritePoolPasswordFile(path string, password []byte) error {
	pw := cString(password)
	if len(pw) == 0 {
		return fmt.Errorf("refusing to write an empty password to %s", path)
	}
	target := path
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		target = resolved
	}
	uid, gid := -1, -1
	if st, err := os.Stat(target); err == nil {
		if st.IsDir() {
			return fmt.Errorf("cannot write password file %s: %w", path, syscall.EISDIR)
		}
		if os.Geteuid() == 0 {
			uid, gid, _ = owner(st)
		}
	}
	if err := writeAtomic(target, idtoken.Scramble(pw), uid, gid); err != nil {
		return fmt.Errorf("cannot write password file %s: %w", path, err)
	}
	return nil
}

// ReadPoolPassword reads a pool password file the way HTCondor reads
// SEC_PASSWORD_FILE (read_password_from_filename, tokens.md §5.2): the file
// must be a regular file owned by the real uid with no group or other
// permission bits and must not change while read; its bytes are cut at the
// first NUL (pre-8.5.4 files are NUL-padded) and then unscrambled. The
// error says why a file was refused, never what it holds.
func ReadPoolPassword(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("pool password file %s does not exist: %w", path, err)
		}
		return nil, fmt.Errorf("cannot open pool password file %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("cannot stat pool password file %s: %w", path, err)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("pool password file %s is not a regular file", path)
	}
	if uid, _, ok := owner(st); ok && uid != os.Getuid() {
		return nil, fmt.Errorf("pool password file %s is owned by uid %d, not %d", path, uid, os.Getuid())
	}
	if perm := st.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("pool password file %s has mode %04o; it must not be accessible by group or others (use 0600)", path, perm)
	}
	if st.Size() > maxPoolFileSize {
		return nil, fmt.Errorf("pool password file %s is %d bytes, more than the %d allowed", path, st.Size(), maxPoolFileSize)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPoolFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read pool password file %s: %w", path, err)
	}
	st2, err := f.Stat()
	if err != nil || int64(len(data)) != st.Size() || st2.Size() != st.Size() || !st2.ModTime().Equal(st.ModTime()) {
		return nil, fmt.Errorf("pool password file %s changed while being read", path)
	}
	return idtoken.Scramble(cString(data)), nil
}
