package tokenreq

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unicode/utf8"
)

// The state file (issue #4: HTCondor keeps requests and rules in memory
// only, tokens.md §8.1). It is JSON:
//
//	{"format":"condor-auth token requests","version":1,
//	 "requests":[{"id":"0642594","client_id":"vm-755","requester":"condor@htc.local",
//	   "requested":"alice@htc.local","peer":"127.0.0.1","authz":["READ","WRITE"],
//	   "lifetime":3600,"time":1795639340,"state":"pending"}, …],
//	 "rules":[{"netblock":"127.0.0.0/8","issued":1795640000,"expires":1795640600}]}
//
// "token" is present only for successful (approved, not yet collected)
// requests, which is why the file is mode 0600. Strings that came from a
// client are byte strings; one that is not valid UTF-8 is stored as
// {"base64":"…"} so that nothing is altered by a save and load.
const (
	fileFormat  = "condor-auth token requests"
	fileVersion = 1
)

// maxStateSize bounds what Open reads and what a change may write: 1000
// requests take well under 1 MiB. (A variable for tests.)
var maxStateSize = 64 << 20

type fileState struct {
	Format   string        `json:"format"`
	Version  int           `json:"version"`
	Requests []fileRequest `json:"requests"`
	Rules    []fileRule    `json:"rules"`
}

type fileRequest struct {
	ID        string `json:"id"`
	ClientID  bstr   `json:"client_id"`
	Requester bstr   `json:"requester"`
	Requested bstr   `json:"requested"`
	Peer      bstr   `json:"peer"`
	Authz     []bstr `json:"authz,omitempty"`
	Lifetime  int64  `json:"lifetime"`
	Time      int64  `json:"time"`
	State     string `json:"state"`
	Token     bstr   `json:"token,omitempty"`
}

type fileRule struct {
	Netblock bstr  `json:"netblock"`
	Issued   int64 `json:"issued"`
	Expires  int64 `json:"expires"`
}

// bstr is a byte string that survives JSON unchanged (see above).
type bstr string

// MarshalJSON implements json.Marshaler.
func (b bstr) MarshalJSON() ([]byte, error) { return appendStr(nil, string(b)), nil }

// UnmarshalJSON implements json.Unmarshaler.
func (b *bstr) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '{' {
		var o struct {
			Base64 *string `json:"base64"`
		}
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&o); err != nil {
			return err
		}
		if o.Base64 == nil {
			return errors.New(`string object without "base64"`)
		}
		raw, err := base64.StdEncoding.Strict().DecodeString(*o.Base64)
		if err != nil {
			return fmt.Errorf("bad base64 string: %w", err)
		}
		*b = bstr(raw)
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return err
	}
	*b = bstr(s)
	return nil
}

// encodeState serialises s (requests by id, rules in order). It writes
// the same JSON encoding/json would for fileState, by hand: the state is
// rewritten on every change, and reflection made that the main cost.
func encodeState(s *state) ([]byte, error) {
	ids := make([]int, 0, len(s.reqs))
	for id := range s.reqs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	b := make([]byte, 0, 128+256*len(ids))
	b = append(b, `{"format":`...)
	b = appendStr(b, fileFormat)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, fileVersion, 10)
	b = append(b, `,"requests":[`...)
	for i, id := range ids {
		r := s.reqs[id]
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = append(b, formatID(r.id)...)
		b = append(b, `","client_id":`...)
		b = appendStr(b, r.clientID)
		b = append(b, `,"requester":`...)
		b = appendStr(b, r.requester)
		b = append(b, `,"requested":`...)
		b = appendStr(b, r.requested)
		b = append(b, `,"peer":`...)
		b = appendStr(b, r.peer)
		if len(r.authz) > 0 {
			b = append(b, `,"authz":[`...)
			for j, a := range r.authz {
				if j > 0 {
					b = append(b, ',')
				}
				b = appendStr(b, a)
			}
			b = append(b, ']')
		}
		b = append(b, `,"lifetime":`...)
		b = strconv.AppendInt(b, r.lifetime, 10)
		b = append(b, `,"time":`...)
		b = strconv.AppendInt(b, r.time, 10)
		b = append(b, `,"state":`...)
		b = appendStr(b, r.state.String())
		if r.token != "" {
			b = append(b, `,"token":`...)
			b = appendStr(b, r.token)
		}
		b = append(b, '}')
	}
	b = append(b, `],"rules":[`...)
	for i, r := range s.rules {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"netblock":`...)
		b = appendStr(b, r.netblock)
		b = append(b, `,"issued":`...)
		b = strconv.AppendInt(b, r.issued, 10)
		b = append(b, `,"expires":`...)
		b = strconv.AppendInt(b, r.expires, 10)
		b = append(b, '}')
	}
	return append(b, "]}\n"...), nil
}

// appendStr appends s as a JSON string, or as {"base64":"…"} when it is
// not valid UTF-8 (see bstr).
func appendStr(b []byte, s string) []byte {
	if !utf8.ValidString(s) {
		b = append(b, `{"base64":"`...)
		b = base64.StdEncoding.AppendEncode(b, []byte(s))
		return append(b, `"}`...)
	}
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b = append(b, s[start:i]...)
		switch c {
		case '"', '\\':
			b = append(b, '\\', c)
		case '\n':
			b = append(b, '\\', 'n')
		case '\r':
			b = append(b, '\\', 'r')
		case '\t':
			b = append(b, '\\', 't')
		default:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		}
		start = i + 1
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// decodeState parses and validates a state file's contents. Every
// inconsistency is an error: a state file is only ever written whole by
// condor-auth, so anything odd means corruption or tampering, and dropping
// requests silently would hide that.
func decodeState(data []byte) (*state, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, errors.New("the file is empty")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f fileState
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not a valid state file: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("not a valid state file: data after the JSON object")
	}
	if f.Format != fileFormat {
		return nil, fmt.Errorf("not a condor-auth token request state file (format %q)", f.Format)
	}
	if f.Version != fileVersion {
		if f.Version > fileVersion {
			return nil, fmt.Errorf("state file version %d is newer than this program understands (%d)", f.Version, fileVersion)
		}
		return nil, fmt.Errorf("invalid state file version %d", f.Version)
	}
	s := newState()
	for i, fr := range f.Requests {
		rec, err := fr.record()
		if err != nil {
			return nil, fmt.Errorf("request %d (id %q): %w", i+1, fr.ID, err)
		}
		if _, dup := s.reqs[rec.id]; dup {
			return nil, fmt.Errorf("request %d: duplicate id %s", i+1, fr.ID)
		}
		s.reqs[rec.id] = rec
	}
	for i, fr := range f.Rules {
		n, ok := parseNetblock(string(fr.Netblock))
		if !ok {
			return nil, fmt.Errorf("auto-approval rule %d: invalid netblock %q", i+1, fr.Netblock)
		}
		if fr.Expires < fr.Issued {
			return nil, fmt.Errorf("auto-approval rule %d: expires before it was issued", i+1)
		}
		s.rules = append(s.rules, rule{netblock: string(fr.Netblock), net: n, issued: fr.Issued, expires: fr.Expires})
	}
	return s, nil
}

func (fr fileRequest) record() (record, error) {
	if len(fr.ID) != 7 || !allDigits(fr.ID) {
		return record{}, errors.New("the id is not 7 digits")
	}
	id, _ := parseRequestID(fr.ID)
	st := -1
	for i, n := range stateNames {
		if fr.State == n {
			st = i
		}
	}
	switch {
	case st < 0:
		return record{}, fmt.Errorf("unknown state %q", fr.State)
	case fr.ClientID == "":
		return record{}, errors.New("no client id")
	case fr.Requested == "":
		return record{}, errors.New("no requested identity")
	case fr.Requester == "":
		return record{}, errors.New("no requester identity")
	case fr.Lifetime < -1:
		return record{}, errors.New("invalid lifetime")
	case fr.Time < 0:
		return record{}, errors.New("invalid request time")
	case State(st) == Successful && fr.Token == "":
		return record{}, errors.New("approved without a token")
	case State(st) != Successful && fr.Token != "":
		return record{}, errors.New("a token on a request that is not approved")
	}
	var authz []string
	for _, a := range fr.Authz {
		if a == "" || strings.IndexFunc(string(a), isListSep) >= 0 {
			return record{}, fmt.Errorf("invalid authorization %q", a)
		}
		authz = append(authz, string(a))
	}
	return record{
		id: id, clientID: string(fr.ClientID), requester: string(fr.Requester),
		requested: string(fr.Requested), peer: string(fr.Peer), authz: authz,
		lifetime: fr.Lifetime, time: fr.Time, state: State(st), token: string(fr.Token),
	}, nil
}

// loadState reads the state file at path; a missing file is an empty
// state. The file must be a regular file without group or other access.
func loadState(path string) (*state, error) {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return newState(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot read token request state file %s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("token request state file %s is not a regular file (%s)", path, fi.Mode().Type())
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return nil, fmt.Errorf("token request state file %s has mode %04o; it holds issued tokens and must not be accessible by group or others (chmod 600 %s)", path, perm, path)
	}
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return nil, fmt.Errorf("cannot read token request state file %s: %w", path, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, int64(maxStateSize)+1))
	if err != nil {
		return nil, fmt.Errorf("cannot read token request state file %s: %w", path, err)
	}
	if len(data) > maxStateSize {
		return nil, fmt.Errorf("token request state file %s is larger than %d bytes; it is not a state file this program wrote", path, maxStateSize)
	}
	s, err := decodeState(data)
	if err != nil {
		return nil, fmt.Errorf("token request state file %s is corrupt: %w (move it away to start with an empty queue)", path, err)
	}
	return s, nil
}

// writeAtomic replaces path with data: a temporary file in the same
// directory (mode 0600), written, fsynced, renamed over path, then the
// directory fsynced, so a crash leaves either the old or the new file.
func writeAtomic(path string, data []byte) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, tempPattern(path))
	if err != nil {
		return err
	}
	name := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(name)
		}
	}()
	if err := tmp.Chmod(0o600); err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		return err
	}
	if err := tmp.Sync(); err != nil {
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(name, path); err != nil {
		return err
	}
	done = true
	return syncDir(dir)
}

func tempPattern(path string) string { return "." + filepath.Base(path) + ".tmp*" }

// syncDir makes a rename in dir durable. File systems that cannot fsync a
// directory (EINVAL) are accepted.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) {
		return err
	}
	return nil
}

// removeStaleTemps deletes temporary files a crash left behind. Only the
// lock holder calls it.
func removeStaleTemps(path string) {
	matches, _ := filepath.Glob(filepath.Join(filepath.Dir(path), tempPattern(path)))
	for _, m := range matches {
		os.Remove(m)
	}
}

// lockFile takes an exclusive lock on path+".lock" so that two daemons
// cannot share (and overwrite) one state file.
func lockFile(path string) (*os.File, error) {
	lp := path + ".lock"
	f, err := os.OpenFile(lp, os.O_RDWR|os.O_CREATE|syscall.O_NOFOLLOW, 0o600)
	if err != nil {
		return nil, fmt.Errorf("cannot open lock file %s of token request state file %s: %w", lp, path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("token request state file %s is in use by another process (lock file %s)", path, lp)
		}
		return nil, fmt.Errorf("cannot lock %s: %w", lp, err)
	}
	return f, nil
}
