package security

import (
	"slices"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// DefaultMaxSessions bounds a session cache unless told otherwise, so a
// peer opening sessions in a loop cannot exhaust memory.
const DefaultMaxSessions = 100_000

// SessionSlop is added by a server to the lifetime and lease of the
// sessions it creates, so a client that starts a command just before
// expiry still finds the session (SEC_SESSION_DURATION_SLOP, cedar.md
// §4.12).
const SessionSlop = 20 * time.Second

// ClientSession is a negotiated session as the client caches it (C++
// KeyCacheEntry plus the session policy).
type ClientSession struct {
	// ID is the server's session id (Sid).
	ID string
	// Sinful is the address the session was negotiated with.
	Sinful string
	// Key is the AES session key, nil for a session without crypto.
	Key []byte
	// CryptoMethod is "AES" with a key, "" otherwise.
	CryptoMethod string
	// RemoteVersion is the server's version string.
	RemoteVersion string
	// MyIdentity is the User of the post-auth ad: our identity as the
	// server mapped it (C++ MyRemoteUserName).
	MyIdentity string
	// Method is the authentication method used ("" for none), as C++ names
	// it ("IDTOKENS" for TOKEN).
	Method string
	// AuthMethodsList is the server's AuthMethodsList.
	AuthMethodsList string
	// TriedAuthentication is the post-auth ad's flag.
	TriedAuthentication bool
	// Encryption and Integrity are the negotiated decisions.
	Encryption, Integrity bool
	// ValidCommands are the commands the session may be resumed for.
	ValidCommands []int
	// Expires is when the session ends (zero = never); Lease is the idle
	// limit (0 = none), counted from LastUse.
	Expires time.Time
	Lease   time.Duration
	LastUse time.Time
}

func (cs *ClientSession) expired(now time.Time) bool {
	if !cs.Expires.IsZero() && !now.Before(cs.Expires) {
		return true
	}
	return cs.Lease > 0 && !now.Before(cs.LastUse.Add(cs.Lease))
}

func (cs *ClientSession) clone() *ClientSession {
	c := *cs
	c.Key = slices.Clone(cs.Key)
	c.ValidCommands = slices.Clone(cs.ValidCommands)
	return &c
}

type cmdKey struct {
	sinful string
	cmd    int
}

// SessionCache is a client's cache of negotiated sessions, keyed like C++
// by {sinful, command} for every command of a session's ValidCommands
// (cedar.md §4.10, §4.12). It is safe for concurrent use.
type SessionCache struct {
	mu       sync.Mutex
	max      int
	sessions map[string]*ClientSession
	commands map[cmdKey]string
}

// NewSessionCache returns an empty cache holding at most maxEntries
// sessions (DefaultMaxSessions if maxEntries <= 0).
func NewSessionCache(maxEntries int) *SessionCache {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxSessions
	}
	return &SessionCache{max: maxEntries, sessions: map[string]*ClientSession{}, commands: map[cmdKey]string{}}
}

// Lookup returns a copy of the unexpired session for cmd at sinful, if
// any; expired sessions are dropped.
func (c *SessionCache) Lookup(sinful string, cmd int, now time.Time) (*ClientSession, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	sid, ok := c.commands[cmdKey{sinful, cmd}]
	if !ok {
		return nil, false
	}
	s, ok := c.sessions[sid]
	if !ok {
		delete(c.commands, cmdKey{sinful, cmd})
		return nil, false
	}
	if s.expired(now) {
		c.removeLocked(sid)
		return nil, false
	}
	return s.clone(), true
}

// renew restarts the lease of a session about to be resumed (C++ renews
// it when the resume ad is sent: there is no acknowledgement).
func (c *SessionCache) renew(sid string, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.sessions[sid]; ok {
		s.LastUse = now
	}
}

// Add stores a session and maps every one of its ValidCommands at its
// Sinful to it, replacing older mappings.
func (c *SessionCache) Add(s *ClientSession, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, exists := c.sessions[s.ID]; !exists && len(c.sessions) >= c.max {
		c.evictLocked(now)
	}
	s = s.clone()
	if s.LastUse.IsZero() {
		s.LastUse = now
	}
	c.sessions[s.ID] = s
	for _, cmd := range s.ValidCommands {
		c.commands[cmdKey{s.Sinful, cmd}] = s.ID
	}
}

// Invalidate removes a session (for example after SID_NOT_FOUND).
func (c *SessionCache) Invalidate(sid string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeLocked(sid)
}

// Len returns the number of cached sessions.
func (c *SessionCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.sessions)
}

func (c *SessionCache) removeLocked(sid string) {
	s, ok := c.sessions[sid]
	if !ok {
		return
	}
	delete(c.sessions, sid)
	for _, cmd := range s.ValidCommands {
		k := cmdKey{s.Sinful, cmd}
		if c.commands[k] == sid {
			delete(c.commands, k)
		}
	}
}

// evictLocked drops expired sessions, then, if still full, the one used
// least recently.
func (c *SessionCache) evictLocked(now time.Time) {
	var oldest string
	var oldestUse time.Time
	for sid, s := range c.sessions {
		if s.expired(now) {
			c.removeLocked(sid)
			continue
		}
		if oldest == "" || s.LastUse.Before(oldestUse) {
			oldest, oldestUse = sid, s.LastUse
		}
	}
	if len(c.sessions) >= c.max && oldest != "" {
		c.removeLocked(oldest)
	}
}

// serverSession is a session a server created (C++ KeyCacheEntry of an
// incoming session).
type serverSession struct {
	id            string
	key           []byte
	identity      auth.Identity
	authenticated bool
	tried         bool
	method        string
	peerVersion   string
	expires       time.Time
	lease         time.Duration
	lastUse       time.Time
}

func (s *serverSession) expired(now time.Time) bool {
	if !s.expires.IsZero() && !now.Before(s.expires) {
		return true
	}
	return s.lease > 0 && !now.Before(s.lastUse.Add(s.lease))
}

// ServerSessions is the cache of the sessions a server created, so that
// clients can resume them (cedar.md §4.12). It is safe for concurrent use
// and bounded.
type ServerSessions struct {
	mu  sync.Mutex
	max int
	m   map[string]*serverSession
}

// NewServerSessions returns an empty cache holding at most maxEntries
// sessions (DefaultMaxSessions if maxEntries <= 0).
func NewServerSessions(maxEntries int) *ServerSessions {
	if maxEntries <= 0 {
		maxEntries = DefaultMaxSessions
	}
	return &ServerSessions{max: maxEntries, m: map[string]*serverSession{}}
}

// Len returns the number of sessions held (expired ones included until
// they are pruned).
func (ss *ServerSessions) Len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.m)
}

// Prune drops every session expired at now.
func (ss *ServerSessions) Prune(now time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	for id, s := range ss.m {
		if s.expired(now) {
			delete(ss.m, id)
		}
	}
}

// Invalidate removes a session.
func (ss *ServerSessions) Invalidate(sid string) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	delete(ss.m, sid)
}

// use returns a copy of an unexpired session and renews its lease.
func (ss *ServerSessions) use(sid string, now time.Time) (*serverSession, bool) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	s, ok := ss.m[sid]
	if !ok {
		return nil, false
	}
	if s.expired(now) {
		delete(ss.m, sid)
		return nil, false
	}
	s.lastUse = now
	c := *s
	c.key = slices.Clone(s.key)
	c.identity = cloneIdentity(s.identity)
	return &c, true
}

func (ss *ServerSessions) add(s *serverSession, now time.Time) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if len(ss.m) >= ss.max {
		var oldest string
		var oldestUse time.Time
		for id, x := range ss.m {
			if x.expired(now) {
				delete(ss.m, id)
				continue
			}
			if oldest == "" || x.lastUse.Before(oldestUse) {
				oldest, oldestUse = id, x.lastUse
			}
		}
		if len(ss.m) >= ss.max && oldest != "" {
			delete(ss.m, oldest)
		}
	}
	ss.m[s.id] = s
}
