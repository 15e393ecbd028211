package tokenreq

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// Knobs are the configuration values the queue follows. Zero values mean
// HTCondor's defaults.
type Knobs struct {
	// RequestLifetime is SEC_TOKEN_REQUEST_LIFETIME: a pending request
	// expires after it and any request is deleted one hour later
	// (tokens.md §8.1). ≤ 0: 3600 s.
	RequestLifetime time.Duration
	// MaxAutoApproveLifetime is TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME, the
	// cap on a rule's lifetime (tokens.md §3.6). ≤ 0: 3600 s.
	MaxAutoApproveLifetime time.Duration
	// MaxPending bounds the stored requests in any state (pending, or
	// approved, failed or expired and not yet collected or deleted); START
	// beyond it answers ErrorCode 3 "Too many requests in the system."
	// (HTCondor: 1000, and the error never reaches the client, tokens.md
	// §11 item 1). ≤ 0: 1000.
	MaxPending int
	// RatePerPeer is the sustained rate, in requests per second, of START
	// and FINISH commands accepted from one peer (an IPv4 address or an
	// IPv6 /64); beyond it they answer ErrorCode 5 "Request rate limit
	// hit." (HTCondor's limiter never fires, tokens.md §11 item 2).
	// 0: DefaultRatePerPeer; < 0: no limit.
	RatePerPeer float64
	// Burst is how many requests a peer may make at once before the rate
	// applies. ≤ 0: DefaultBurst.
	Burst int
	// RequestLimits is SEC_TOKEN_REQUEST_LIMITS (elements are split like
	// SplitAuthz): requested authorizations outside it are dropped, and a
	// request without any gets the whole set (tokens.md §2).
	RequestLimits []string
	// IssuedExpiration is SEC_ISSUED_TOKEN_EXPIRATION in seconds: if > 0 it
	// caps the requested token lifetime and replaces "none" (tokens.md §2).
	IssuedExpiration int64
}

// Options configure Open.
type Options struct {
	// Path is the state file. The directory is created (0700) if missing;
	// the file is written atomically with mode 0600, and "<Path>.lock"
	// keeps a second process from using it. Empty: keep the state in
	// memory only, as HTCondor does.
	Path string
	// Rand is the source of request ids; nil means crypto/rand.
	Rand io.Reader
	Knobs
}

// knobs is Knobs normalised.
type knobs struct {
	reqLifetime int64 // seconds
	maxAuto     int64 // seconds
	maxPending  int
	limits      []string // sorted, unique: std::set order
	limitSet    map[string]bool
	issuedExp   int64
}

func seconds(d, def time.Duration) int64 {
	if d <= 0 {
		d = def
	}
	return max(1, int64(d/time.Second))
}

func (k Knobs) normalize() knobs {
	n := knobs{
		reqLifetime: seconds(k.RequestLifetime, DefaultRequestLifetime),
		maxAuto:     seconds(k.MaxAutoApproveLifetime, DefaultMaxAutoApproveLifetime),
		maxPending:  k.MaxPending,
		issuedExp:   k.IssuedExpiration,
	}
	if n.maxPending <= 0 {
		n.maxPending = DefaultMaxPending
	}
	if l := SplitAuthz(k.RequestLimits...); len(l) > 0 {
		slices.Sort(l)
		n.limits = slices.Compact(l)
		n.limitSet = make(map[string]bool, len(n.limits))
		for _, a := range n.limits {
			n.limitSet[a] = true
		}
	}
	return n
}

// bound applies SEC_TOKEN_REQUEST_LIMITS to a requested authorization list
// (handle_dc_start_token_request, tokens.md §2): without limits the list
// is kept as is; with limits the requested names outside them are dropped
// (exact, case-sensitive match; order and duplicates kept), an empty
// result is error 3, and an empty request gets the whole configured set.
func (k knobs) bound(authz []string) ([]string, *Error) {
	if len(k.limits) == 0 {
		return authz, nil
	}
	if len(authz) == 0 {
		return slices.Clone(k.limits), nil
	}
	var out []string
	for _, a := range authz {
		if k.limitSet[a] {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, newErr(3, msgLimitsEliminated)
	}
	return out, nil
}

// capLifetime applies SEC_ISSUED_TOKEN_EXPIRATION (tokens.md §2); any
// negative lifetime means none (-1).
func (k knobs) capLifetime(l int64) int64 {
	if l < 0 {
		l = -1
	}
	if k.issuedExp > 0 && (l < 0 || l > k.issuedExp) {
		l = k.issuedExp
	}
	return l
}

// Store is the token-request queue with its auto-approval rules. It is
// safe for concurrent use. Every change is written to the state file
// before the method that made it returns success; readers (List, polling
// Finish) never wait for a write.
type Store struct {
	path  string
	rand  io.Reader
	lockf *os.File
	rl    *rateLimiter

	// opMu serialises changes: a change is computed on a copy of the
	// state, written, then published under mu.
	opMu sync.Mutex
	// mu guards the fields below; it is held only to publish or to take
	// a snapshot, never during I/O.
	mu     sync.RWMutex
	st     *state
	k      knobs
	closed bool
}

// Open loads the state file (a missing file is an empty queue) and returns
// the store. A state file that cannot be read, is corrupt or is accessible
// by group or others is an error naming the file: requests are never
// dropped silently.
func Open(opts Options) (*Store, error) {
	s := &Store{path: opts.Path, rand: opts.Rand, k: opts.Knobs.normalize(),
		rl: newRateLimiter(opts.RatePerPeer, opts.Burst)}
	if s.rand == nil {
		s.rand = rand.Reader
	}
	if s.path == "" {
		s.st = newState()
		return s, nil
	}
	if err := os.MkdirAll(filepath.Dir(s.path), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the directory of token request state file %s: %w", s.path, err)
	}
	lf, err := lockFile(s.path)
	if err != nil {
		return nil, err
	}
	st, err := loadState(s.path)
	if err != nil {
		lf.Close()
		return nil, err
	}
	removeStaleTemps(s.path)
	s.lockf, s.st = lf, st
	return s, nil
}

// Close releases the state file. Later calls fail with CodeNotSaved
// errors; Close itself is idempotent.
func (s *Store) Close() error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	if s.lockf != nil {
		return s.lockf.Close()
	}
	return nil
}

func errClosed() *Error { return &Error{Code: CodeNotSaved, Message: msgClosed} }

// view returns the published state and knobs.
func (s *Store) view() (*state, knobs, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, knobs{}, errClosed()
	}
	return s.st, s.k, nil
}

// update runs fn on a copy of the state as of now (cleaned up, see
// state.next) with opMu held. If fn reports a change, the copy is written
// and published; fn's error is returned after that (a change may come
// with an error, e.g. a request marked Failed). A failed write wins over
// fn's error and nothing is published.
func (s *Store) update(now time.Time, fn func(n *state, k knobs, sec int64) (bool, error)) error {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	cur, k, err := s.view()
	if err != nil {
		return err
	}
	sec := now.Unix()
	n, _ := cur.next(sec, k.reqLifetime)
	changed, ferr := fn(n, k, sec)
	if changed {
		if err := s.commit(n); err != nil {
			return err
		}
	}
	return ferr
}

// commit writes n and publishes it. opMu must be held.
func (s *Store) commit(n *state) error {
	if s.path != "" {
		data, err := encodeState(n)
		if err != nil {
			return notSaved(s.path, err)
		}
		if len(data) > maxStateSize {
			// Never write a file Open would refuse.
			return notSaved(s.path, fmt.Errorf("the state would exceed %d bytes", maxStateSize))
		}
		if err := writeAtomic(s.path, data); err != nil {
			return notSaved(s.path, err)
		}
	}
	s.mu.Lock()
	s.st = n
	s.mu.Unlock()
	return nil
}

// SetKnobs replaces the configuration values (Options.Knobs). Stored
// requests and rules are kept; the rate limiter starts afresh. A daemon
// that wants HTCondor's reconfig behaviour calls Reconfig as well.
func (s *Store) SetKnobs(k Knobs) {
	s.opMu.Lock()
	defer s.opMu.Unlock()
	s.mu.Lock()
	s.k = k.normalize()
	s.mu.Unlock()
	s.rl.configure(k.RatePerPeer, k.Burst)
}

// Reconfig does what every HTCondor daemon does on reconfig (tokens.md
// §2): all auto-approval rules are deleted and every stored request —
// pending, approved but not collected, or expired — becomes Failed (a
// polling client then gets ErrorCode 4 "Request failed.", acceptance
// RB-44). Tokens of approved requests are discarded. It is a separate
// method so that the daemon decides whether its reconfig does this.
func (s *Store) Reconfig(now time.Time) error {
	return s.update(now, func(n *state, _ knobs, _ int64) (bool, error) {
		changed := len(n.rules) > 0
		n.rules = nil
		for id, rec := range n.reqs {
			if rec.state != Failed {
				rec.state, rec.token = Failed, ""
				n.reqs[id] = rec
				changed = true
			}
		}
		return changed, nil
	})
}

// Cleanup deletes the requests and rules that have reached the end of
// their life at now (tokens.md §8.1) from the state file, and forgets idle
// rate-limit buckets. Every method already treats such records as gone, so
// calling Cleanup (the daemon does it every 60 s, like HTCondor's timer)
// only reclaims space.
func (s *Store) Cleanup(now time.Time) error {
	s.rl.mu.Lock()
	s.rl.sweep(now)
	s.rl.mu.Unlock()
	s.opMu.Lock()
	defer s.opMu.Unlock()
	cur, k, err := s.view()
	if err != nil {
		return err
	}
	n, changed := cur.next(now.Unix(), k.reqLifetime)
	if !changed {
		return nil
	}
	return s.commit(n)
}

// newID draws a request id not in use: get_csrng_uint() % 10000000, up to
// six draws (tokens.md §3.2). A 64-bit draw makes the modulo bias
// negligible.
func (s *Store) newID(n *state) (int, *Error) {
	var b [8]byte
	for range 6 {
		if _, err := io.ReadFull(s.rand, b[:]); err != nil {
			return 0, &Error{Code: 4, Message: msgNoNewID, cause: fmt.Errorf("random source: %w", err)}
		}
		var v uint64
		for _, x := range b {
			v = v<<8 | uint64(x)
		}
		id := int(v % maxID)
		if _, used := n.reqs[id]; !used {
			return id, nil
		}
	}
	return 0, &Error{Code: 4, Message: msgNoNewID, cause: errors.New("six random ids were all in use")}
}
