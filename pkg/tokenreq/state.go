package tokenreq

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"time"
)

// Timing constants of the real daemon (tokens.md §8.1, §8.3).
const (
	// DefaultRequestLifetime is SEC_TOKEN_REQUEST_LIFETIME's default.
	DefaultRequestLifetime = 3600 * time.Second
	// DefaultMaxAutoApproveLifetime is TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME's default.
	DefaultMaxAutoApproveLifetime = 3600 * time.Second
	// DefaultMaxPending is HTCondor's fixed limit of stored requests.
	DefaultMaxPending = 1000
	// retention is how long a request is kept after it expired (or after
	// the same time for a non-pending one) before it is deleted.
	retention = 3600
	// autoApproveGrace: a rule also approves requests made up to this many
	// seconds before it was installed.
	autoApproveGrace = 60
	// noLifetimeHorizon is the age limit ShouldAutoApprove uses for a
	// request without a token lifetime (one year).
	noLifetimeHorizon = 86400 * 365
	// maxID: request ids are get_csrng_uint() % 10000000, i.e. 7 digits.
	maxID = 10_000_000
)

// record is one stored request. Records are values: a change replaces the
// record in a new map (copy-on-write), so published state is never
// mutated and readers need no lock once they hold it.
type record struct {
	id        int
	clientID  string
	requester string
	requested string
	peer      string
	authz     []string // never modified in place
	lifetime  int64    // -1: none
	time      int64    // request time, Unix seconds
	state     State
	token     string // only for Successful
}

// rule is an auto-approval rule (tokens.md §3.6).
type rule struct {
	netblock string
	net      netblock
	issued   int64
	expires  int64
}

// state is the whole persistent state of the queue.
type state struct {
	reqs  map[int]record
	rules []rule
}

func newState() *state { return &state{reqs: map[int]record{}} }

// addSat adds without overflowing int64.
func addSat(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	if b < 0 && a < math.MinInt64-b {
		return math.MinInt64
	}
	return a + b
}

// effective returns rec's state at now and whether rec is gone (to be
// deleted). The daemon's 60-second cleanup timer marks a pending request
// Expired once now > time + lifetime and deletes any request once now >
// time + lifetime + 3600 (cleanup_request_map, tokens.md §8.1); condor-auth
// applies the same rules exactly at every access instead of on a timer.
func effective(rec record, now, lifetime int64) (State, bool) {
	if addSat(rec.time, addSat(lifetime, retention)) < now {
		return rec.state, true
	}
	if rec.state == Pending && addSat(rec.time, lifetime) < now {
		return Expired, false
	}
	return rec.state, false
}

// ruleAlive reports whether r is still in force at now (expired rules are
// dropped by the same cleanup timer).
func ruleAlive(r rule, now int64) bool { return r.expires >= now }

// next returns a copy of s as of now, ready to be changed: gone records
// and dead rules dropped, expired requests marked Expired. The second
// result reports whether that clean-up changed anything.
func (s *state) next(now, lifetime int64) (*state, bool) {
	n := &state{reqs: make(map[int]record, len(s.reqs)+1)}
	changed := false
	for id, rec := range s.reqs {
		st, gone := effective(rec, now, lifetime)
		if gone {
			changed = true
			continue
		}
		if st != rec.state {
			rec.state = st
			changed = true
		}
		n.reqs[id] = rec
	}
	for _, r := range s.rules {
		if ruleAlive(r, now) {
			n.rules = append(n.rules, r)
		} else {
			changed = true
		}
	}
	return n, changed
}

// live returns the records not gone at now in a stable order (request
// time, then id); HTCondor walks an unordered_map, so any order is
// faithful, and a fixed one makes listings reproducible.
func (s *state) live(now, lifetime int64) []record {
	out := make([]record, 0, len(s.reqs))
	for _, rec := range s.reqs {
		st, gone := effective(rec, now, lifetime)
		if gone {
			continue
		}
		rec.state = st
		out = append(out, rec)
	}
	slices.SortFunc(out, func(a, b record) int {
		return cmp.Or(cmp.Compare(a.time, b.time), cmp.Compare(a.id, b.id))
	})
	return out
}

// lookup returns the record with id as of now.
func (s *state) lookup(id int, now, lifetime int64) (record, bool) {
	rec, ok := s.reqs[id]
	if !ok {
		return record{}, false
	}
	st, gone := effective(rec, now, lifetime)
	if gone {
		return record{}, false
	}
	rec.state = st
	return rec, true
}

func (r record) snapshot() Request {
	return Request{
		ID:                formatID(r.id),
		ClientID:          r.clientID,
		RequesterIdentity: r.requester,
		RequestedIdentity: r.requested,
		PeerLocation:      r.peer,
		Authz:             slices.Clone(r.authz),
		Lifetime:          r.lifetime,
		Time:              time.Unix(r.time, 0),
		State:             r.state,
	}
}

// autoApproveBounds are the only authorizations an auto-approval rule may
// grant (ShouldAutoApprove; the manual omits ADVERTISE_MASTER, tokens.md
// §8.3 and §11 item 3).
var autoApproveBounds = map[string]bool{
	"ADVERTISE_SCHEDD": true,
	"ADVERTISE_STARTD": true,
	"ADVERTISE_MASTER": true,
}

// autoApproves returns the first live rule of rules that approves rec at
// now, following ShouldAutoApprove (tokens.md §8.3): identity "condor@…",
// a non-empty bounding set of ADVERTISE_{SCHEDD,STARTD,MASTER} only,
// Pending, not older than its token lifetime (one year without one), and a
// rule whose netblock holds the peer, that had not expired when the
// request was made and was installed at most 60 s after it.
func autoApproves(rec record, rules []rule, now int64) (rule, bool) {
	if len(rec.requested) < 7 || rec.requested[:7] != "condor@" {
		return rule{}, false
	}
	if len(rec.authz) == 0 {
		return rule{}, false
	}
	for _, a := range rec.authz {
		if !autoApproveBounds[a] {
			return rule{}, false
		}
	}
	if rec.state != Pending {
		return rule{}, false
	}
	horizon := rec.lifetime
	if horizon < 0 {
		horizon = noLifetimeHorizon
	}
	if now > addSat(rec.time, horizon) {
		return rule{}, false
	}
	for _, r := range rules {
		if !ruleAlive(r, now) || !r.net.match(rec.peer) {
			continue
		}
		if rec.time > r.expires || rec.time < addSat(r.issued, -autoApproveGrace) {
			continue
		}
		return r, true
	}
	return rule{}, false
}

// ruleText is the log description of a matching rule
// ("[netblock = %s; lifetime_left = %ld]").
func ruleText(r rule, now int64) string {
	return "[netblock = " + r.netblock + "; lifetime_left = " + strconv.FormatInt(r.expires-now, 10) + "]"
}
