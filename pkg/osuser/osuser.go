// Package osuser finds the current user without NSS (cgo-free static
// builds cannot call getpwuid). Order, as the project standard demands: the
// uid from the kernel, then $HOME and $USER, then /etc/passwd.
package osuser

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
)

// User is the subset of a passwd entry the project needs.
type User struct {
	// Uid and Gid are the numeric ids.
	Uid, Gid int
	// Name is the login name ("" if it could not be determined).
	Name string
	// Home is the home directory ("" if it could not be determined).
	Home string
}

// PasswdFile is the passwd database read for lookups; tests may point it
// elsewhere.
var PasswdFile = "/etc/passwd"

// maxPasswdSize bounds how much of the passwd file is read.
const maxPasswdSize = 16 << 20

// ErrUnknownUser is returned when a user is in neither the environment nor
// the passwd file.
var ErrUnknownUser = errors.New("unknown user")

// Current returns the user the process runs as (effective uid). The home
// directory is $HOME when it is an absolute path, else the passwd entry; the
// name is $USER when set, else the passwd entry. A $USER that the passwd
// file gives to another uid while it also has an entry for this uid (sudo
// keeping the caller's $USER, say) is not believed: the uid's own name wins,
// as HTCondor's tools (getpwuid) would report it; tokens and credentials
// must not be filed under another account's name.
func Current() (User, error) {
	return current(os.Geteuid(), os.Getegid(), os.Getenv)
}

func current(uid, gid int, getenv func(string) string) (User, error) {
	u := User{Uid: uid, Gid: gid}
	if h := getenv("HOME"); h != "" && filepath.IsAbs(h) {
		u.Home = filepath.Clean(h)
	}
	if n := getenv("USER"); n != "" {
		u.Name = n
		if other, err := LookupName(n); err == nil && other.Uid != uid {
			if own, err := LookupUid(uid); err == nil {
				u.Name = own.Name
			}
		}
	}
	if u.Home != "" && u.Name != "" {
		return u, nil
	}
	pw, err := lookup(func(e User) bool { return e.Uid == uid })
	if err != nil {
		if u.Home != "" || u.Name != "" {
			return u, nil
		}
		return u, fmt.Errorf("cannot determine user for uid %d: no $HOME/$USER and %w", uid, err)
	}
	if u.Home == "" {
		u.Home = pw.Home
	}
	if u.Name == "" {
		u.Name = pw.Name
	}
	return u, nil
}

// LookupName returns the passwd entry of the named user.
func LookupName(name string) (User, error) {
	u, err := lookup(func(e User) bool { return e.Name == name })
	if err != nil {
		return User{}, fmt.Errorf("user %q: %w", name, err)
	}
	return u, nil
}

// LookupUid returns the passwd entry of the uid.
func LookupUid(uid int) (User, error) {
	u, err := lookup(func(e User) bool { return e.Uid == uid })
	if err != nil {
		return User{}, fmt.Errorf("uid %d: %w", uid, err)
	}
	return u, nil
}

func lookup(match func(User) bool) (User, error) {
	users, err := passwdUsers()
	if err != nil {
		return User{}, err
	}
	for _, u := range users {
		if match(u) {
			return u, nil
		}
	}
	return User{}, fmt.Errorf("%w (not in %s)", ErrUnknownUser, PasswdFile)
}

// passwdCache keeps the last passwd file read, valid while the file's
// identity, size and mtime are unchanged: a tool looks users up several
// times per run (current user, service account, FS peer), and the daemon
// must still see edits.
var passwdCache struct {
	sync.Mutex
	path  string
	fi    os.FileInfo
	users []User
}

// passwdUsers returns the well-formed entries of the passwd file, in file
// order (ParsePasswd's rules).
func passwdUsers() ([]User, error) {
	path := PasswdFile
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("%w (cannot read %s: %v)", ErrUnknownUser, path, err)
	}
	c := &passwdCache
	c.Lock()
	defer c.Unlock()
	if c.fi != nil && c.path == path && os.SameFile(c.fi, fi) && c.fi.Size() == fi.Size() && c.fi.ModTime().Equal(fi.ModTime()) {
		return c.users, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%w (cannot read %s: %v)", ErrUnknownUser, path, err)
	}
	defer f.Close()
	data, err := readBounded(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	var users []User
	ParsePasswd(data, func(u User) bool {
		users = append(users, u)
		return false
	})
	// Remember the file only when what was read matches what was stat'ed;
	// a file rewritten in between is read again next time.
	if st, err := f.Stat(); err == nil && os.SameFile(st, fi) && st.Size() == int64(len(data)) && st.ModTime().Equal(fi.ModTime()) {
		c.path, c.fi, c.users = path, fi, users
	} else {
		c.fi = nil
	}
	return users, nil
}

func readBounded(f *os.File) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, maxPasswdSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxPasswdSize {
		return nil, fmt.Errorf("file larger than %d bytes", maxPasswdSize)
	}
	return data, nil
}

// ParsePasswd scans passwd(5) text and returns the first well-formed entry
// for which match is true. Malformed lines are skipped.
func ParsePasswd(data []byte, match func(User) bool) (User, bool) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, ":")
		if len(fields) < 7 {
			continue
		}
		uid, err1 := strconv.Atoi(fields[2])
		gid, err2 := strconv.Atoi(fields[3])
		if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
			continue
		}
		u := User{Uid: uid, Gid: gid, Name: fields[0], Home: fields[5]}
		if match(u) {
			return u, true
		}
	}
	return User{}, false
}
