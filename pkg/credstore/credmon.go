package credstore

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Credmon interface files (credentials.md §5.6, §6.4).
const (
	pidFile  = "pid"   // "<cred dir>/pid": the credmon's process id
	extMark  = ".mark" // "<cred dir>/<user>.mark": user marked for sweeping
	maxPidSz = 256     // a pid file of this size or more is ignored
)

// kickCredmon wakes the credmon of a credential type (TypeKrb or
// TypeOAuth) by signalling the pid found in "<its directory>/pid"
// (credmon_kick). It reports whether a credmon was signalled.
func (s *Store) kickCredmon(credType int) bool {
	var dir string
	switch credType {
	case TypeKrb:
		dir = s.opts.KrbDir
	case TypeOAuth:
		dir = s.opts.OAuthDir
	}
	if dir == "" {
		return false
	}
	data, err := readCredFile(filepath.Join(dir, pidFile), maxPidSz-1)
	if err != nil {
		return false
	}
	pid, ok := parsePid(data)
	if !ok {
		return false
	}
	if err := s.opts.Signal(pid); err != nil {
		s.opts.Logf("failed to signal the credmon (pid %d): %v", pid, err)
		return false
	}
	return true
}

// parsePid reads a positive decimal process id the way strtol does:
// leading white space and a sign are allowed, anything after the digits is
// ignored.
func parsePid(b []byte) (int, bool) {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	n, digits := 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
		digits++
		if n > 1<<30 {
			return 0, false
		}
	}
	if digits == 0 || neg || n <= 0 {
		return 0, false
	}
	return n, true
}

// markName returns the mark-file name of user: the part before the first
// '@', plus ".mark" (credmon_user_filename).
func markName(user string) string {
	if at := strings.IndexByte(user, '@'); at >= 0 {
		user = user[:at]
	}
	return user + extMark
}

// clearMark removes "<dir>/<user>.mark": any interest in a user's
// credentials cancels a pending sweep (credmon_clear_mark, §6.4).
func clearMark(dir, user string) {
	os.Remove(filepath.Join(dir, markName(user)))
}

// MarkForSweeping marks user's credentials for removal by a later Sweep,
// as the schedd does when a user has no more jobs
// (credmon_mark_creds_for_sweeping, credentials.md §6.4): in each
// configured directory where the user has credentials (an OAuth user
// directory; a Kerberos .cred or .cc file) it creates "<user>.mark" (0600)
// unless one exists. user may carry "@domain", which is ignored.
func (s *Store) MarkForSweeping(user string) error {
	if at := strings.IndexByte(user, '@'); at >= 0 {
		user = user[:at]
	}
	if !validUserName(user) {
		return fmt.Errorf("cannot mark credentials of %q for sweeping: not a valid user name", user)
	}
	var errs []error
	mark := func(dir string, creds ...string) {
		for _, c := range creds {
			if _, err := os.Lstat(filepath.Join(dir, c)); err == nil {
				f, err := os.OpenFile(filepath.Join(dir, user+extMark), os.O_WRONLY|os.O_CREATE|syscall.O_NOFOLLOW, fileMode)
				if err != nil {
					errs = append(errs, fmt.Errorf("cannot create the mark file of %s in %s: %w", user, dir, err))
					return
				}
				f.Close()
				return
			}
		}
	}
	if s.opts.OAuthDir != "" {
		mark(s.opts.OAuthDir, user)
	}
	if s.opts.KrbDir != "" {
		mark(s.opts.KrbDir, user+extCred, user+extCC)
	}
	return errors.Join(errs...)
}

// Sweep removes the credentials of users whose mark file has aged
// SweepDelay, as the credd does every SEC_CREDENTIAL_SWEEP_INTERVAL
// (credmon_sweep_creds, credentials.md §6.4): in the OAuth directory the
// mark and the whole "<user>" directory (marks at least SweepDelay old); in
// the Kerberos directory "<user>.cred", "<user>.cc" and the mark (marks
// more than SweepDelay old). A mark that is a directory is left alone. It
// returns the paths removed.
func (s *Store) Sweep() ([]string, error) {
	now := s.opts.Now().Unix()
	delay := int64(s.opts.SweepDelay.Seconds())
	var removed []string
	var errs []error
	sweep := func(dir string, oauth bool) {
		entries, err := os.ReadDir(dir)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("cannot sweep %s: %w", dir, err))
			}
			return
		}
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			if n := e.Name(); strings.HasSuffix(n, extMark) && len(n) > len(extMark) {
				names = append(names, n)
			}
		}
		sort.Sort(sort.Reverse(sort.StringSlice(names)))
		for _, n := range names {
			markPath := filepath.Join(dir, n)
			st, err := os.Lstat(markPath)
			if err != nil || st.IsDir() {
				continue
			}
			age := now - st.ModTime().Unix()
			user := strings.TrimSuffix(n, extMark)
			if oauth {
				if age < delay || !validUserName(user) {
					continue
				}
				if err := os.Remove(markPath); err != nil {
					errs = append(errs, fmt.Errorf("cannot remove %s: %w", markPath, err))
					continue
				}
				removed = append(removed, markPath)
				userDir := filepath.Join(dir, user)
				if _, err := os.Lstat(userDir); err == nil {
					if err := os.RemoveAll(userDir); err != nil {
						errs = append(errs, fmt.Errorf("cannot remove %s: %w", userDir, err))
						continue
					}
					removed = append(removed, userDir)
				}
				continue
			}
			if age <= delay || !validUserName(user) {
				continue
			}
			for _, p := range []string{user + extCred, user + extCC, n} {
				if os.Remove(filepath.Join(dir, p)) == nil {
					removed = append(removed, filepath.Join(dir, p))
				}
			}
			removeStaleTemps(dir, user+extCred, time.Now().Add(-staleTmpAge))
		}
		syncDir(dir)
	}
	if s.opts.OAuthDir != "" {
		sweep(s.opts.OAuthDir, true)
	}
	if s.opts.KrbDir != "" {
		sweep(s.opts.KrbDir, false)
	}
	return removed, errors.Join(errs...)
}
