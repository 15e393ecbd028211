package locate

import (
	"errors"
	"fmt"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// locationProjection is what CondorQuery::setLocationLookup asks for;
// schedd lookups add ScheddIpAddr and CredDIpAddr (spelled so, pitfall 17).
var locationProjection = []string{"CondorVersion", "CondorPlatform", "MyAddress", "AddressV1",
	"Name", "Machine", "_condor_PrivRemoteAdminCapability"}

// DefaultMaxReplyAds bounds how many ads ReadQueryReply accepts unless told
// otherwise.
const DefaultMaxReplyAds = 100000

// ErrQueryReply is wrapped by errors about a malformed collector reply.
var ErrQueryReply = errors.New("malformed collector query reply")

// Query is a collector query (CondorQuery, cedar.md §6.5).
type Query struct {
	// Command is the query command, e.g. QueryScheddAds.
	Command int
	// TargetType is the collector ad type, e.g. "Scheduler".
	TargetType string
	// Constraints are ANDed into Requirements; none gives "true".
	Constraints []string
	// Projection lists the attributes wanted; empty means all.
	Projection []string
	// Limit is LimitResults; 0 means no limit.
	Limit int
	// LocationQuery is set by location lookups to the daemon name.
	LocationQuery string
	// PrivateAttrs asks for private attributes (SendPrivateAttributes),
	// which the collector honours only for ADMINISTRATOR clients.
	PrivateAttrs bool
}

// Ad builds the query ad the way CondorQuery::getQueryAd does. On the wire
// it goes in flat-map order (WriteQuery): MyType, Projection, TargetType,
// LimitResults, Requirements, LocationQuery, SendPrivateAttributes.
func (q Query) Ad() (*classad.Ad, error) {
	ad := classad.NewAd()
	set := func(err error) error {
		if err != nil {
			return fmt.Errorf("building the collector query: %w", err)
		}
		return nil
	}
	if err := set(ad.SetString("MyType", "Query")); err != nil {
		return nil, err
	}
	if q.TargetType == "" {
		return nil, errors.New("building the collector query: no target type")
	}
	if err := set(ad.SetString("TargetType", q.TargetType)); err != nil {
		return nil, err
	}
	if q.LocationQuery != "" {
		if err := set(ad.SetString("LocationQuery", q.LocationQuery)); err != nil {
			return nil, err
		}
	}
	if len(q.Projection) > 0 {
		if err := set(ad.SetString("Projection", strings.Join(q.Projection, " "))); err != nil {
			return nil, err
		}
	}
	if q.PrivateAttrs {
		_ = ad.SetBool("SendPrivateAttributes", true)
	}
	if q.Limit > 0 {
		_ = ad.SetInt("LimitResults", int64(q.Limit))
	}
	// GenericQuery::makeQuery: "( (c1) && (c2) )", parsed and unparsed.
	req := "true"
	if len(q.Constraints) > 0 {
		var b strings.Builder
		b.WriteString("(")
		for i, c := range q.Constraints {
			if i > 0 {
				b.WriteString(" &&")
			}
			b.WriteString(" (" + c + ")")
		}
		b.WriteString(" )")
		req = b.String()
	}
	if err := set(ad.SetExpr("Requirements", req)); err != nil {
		return nil, err
	}
	return ad, nil
}

// stringLiteral quotes s as an old-syntax ClassAd string.
func stringLiteral(s string) string { return classad.Lit(classad.StringValue(s)).String() }

// LocationQuery returns the query Daemon::getDaemonInfo sends to find a
// daemon by name (cedar.md §6.2 step 7): startds named without '@' are
// matched on Machine == fullHostname, everything else on Name == name; for
// a lookup (lookup true: LOCATE_FOR_LOOKUP) the projection is reduced to
// the address attributes, LimitResults = 1 and LocationQuery = name.
// subsys is the generic subsystem for TypeGeneric.
func LocationQuery(t DaemonType, subsys, name, fullHostname string, lookup bool) (Query, error) {
	info, ok := typeInfos[t]
	if !ok || t == TypeCollector {
		return Query{}, fmt.Errorf("cannot build a location query for daemon type %s", t)
	}
	q := Query{Command: info.command, TargetType: info.adType}
	if t == TypeGeneric {
		if subsys == "" {
			return Query{}, errors.New("a generic daemon needs a subsystem name")
		}
		q.TargetType = genericAdType(subsys)
	}
	switch {
	case t == TypeStartd && !strings.Contains(name, "@"):
		q.Constraints = []string{"Machine == " + stringLiteral(fullHostname)}
	case name != "":
		q.Constraints = []string{"Name == " + stringLiteral(name)}
		if lookup {
			q.LocationQuery = name
			q.Projection = append([]string(nil), locationProjection...)
			if t == TypeSchedd {
				q.Projection = append(q.Projection, "ScheddIpAddr", "CredDIpAddr")
			}
			q.Limit = 1
		}
	case t != TypeNegotiator:
		return Query{}, fmt.Errorf("cannot query the collector for a %s without a name", t)
	}
	return q, nil
}

// WriteQuery sends a query ad as one message (the client's payload after
// the security handshake, cedar.md §6.5): flat-map order, empty type
// strings, EOM.
func WriteQuery(s *cedar.Stream, query *classad.Ad) error {
	if err := s.PutAdLines(query.AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
		return err
	}
	return s.EndOfMessage()
}

// ReadQueryReply reads a collector reply: one message of {int 1, ad}… then
// int 0 (any non-zero int announces an ad, as the C++ reader treats it).
// maxAds ≤ 0 means DefaultMaxReplyAds.
func ReadQueryReply(s *cedar.Stream, maxAds int) ([]*classad.Ad, error) {
	if maxAds <= 0 {
		maxAds = DefaultMaxReplyAds
	}
	var ads []*classad.Ad
	for {
		more, err := s.GetInt()
		if err != nil {
			return nil, fmt.Errorf("%w: reading the continuation int: %w", ErrQueryReply, err)
		}
		if more == 0 {
			break
		}
		if len(ads) == maxAds {
			s.DiscardMessage()
			return nil, fmt.Errorf("%w: more than %d ads", ErrQueryReply, maxAds)
		}
		lines, _, _, err := s.GetAdLines()
		if err != nil {
			return nil, fmt.Errorf("%w: ad %d: %w", ErrQueryReply, len(ads)+1, err)
		}
		ad, err := classad.ParseLines(lines)
		if err != nil {
			return nil, fmt.Errorf("%w: ad %d: %w", ErrQueryReply, len(ads)+1, err)
		}
		ads = append(ads, ad)
	}
	if err := s.EndOfMessage(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrQueryReply, err)
	}
	return ads, nil
}

// ReadQuery reads a client's query ad (server side of QUERY_*_ADS).
func ReadQuery(s *cedar.Stream) (*classad.Ad, error) {
	lines, _, _, err := s.GetAdLines()
	if err != nil {
		return nil, fmt.Errorf("reading the query ad: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return nil, fmt.Errorf("reading the query ad: %w", err)
	}
	ad, err := classad.ParseLines(lines)
	if err != nil {
		return nil, fmt.Errorf("parsing the query ad: %w", err)
	}
	return ad, nil
}

// AnswerOptions tunes SelectAds and WriteQueryReply.
type AnswerOptions struct {
	// AllowPrivate sends private attributes (_condor_priv…, ClaimId, …)
	// when the query asks for them with SendPrivateAttributes; grant it
	// only to ADMINISTRATOR clients, as the collector does.
	AllowPrivate bool
}

// Selected is an ad chosen for a reply with the attributes to send.
type Selected struct {
	Ad    *classad.Ad
	Lines []string // "Name = expr" in wire order
}

// SelectAds answers a query from ads the way the collector does
// (collector.cpp query worker): an ad qualifies when its MyType equals the
// query's TargetType (case-insensitively; "Any" or no TargetType accepts
// every ad) and the query's Requirements evaluates to true with the query
// as MY and the ad as TARGET (a missing Requirements matches everything);
// at most LimitResults ads (if > 0) are returned. With a Projection (a
// string of names separated by commas or white space) only the listed
// attributes the ad has are sent, in case-insensitive alphabetical order;
// otherwise every attribute in flat-map order. Private attributes are left
// out unless opts.AllowPrivate and the query sets SendPrivateAttributes.
func SelectAds(query *classad.Ad, ads []*classad.Ad, opts AnswerOptions) []Selected {
	target, _ := query.GetString("TargetType")
	limit, hasLimit := query.GetInt("LimitResults")
	wantPrivate, _ := query.GetBool("SendPrivateAttributes")
	private := opts.AllowPrivate && wantPrivate
	var proj map[string]bool
	if p, ok := query.GetString("Projection"); ok && strings.TrimSpace(p) != "" {
		proj = map[string]bool{}
		for _, n := range strings.FieldsFunc(p, func(r rune) bool { return strings.ContainsRune(", \t\r\n", r) }) {
			proj[strings.ToLower(n)] = true
		}
	}
	req, hasReq := query.Lookup("Requirements")
	var out []Selected
	for _, ad := range ads {
		if hasLimit && limit > 0 && int64(len(out)) >= limit {
			break
		}
		if target != "" && !strings.EqualFold(target, "Any") {
			if mt, _ := ad.GetString("MyType"); !strings.EqualFold(mt, target) {
				continue
			}
		}
		if hasReq {
			if ok, _ := req.EvalMatch(query, ad).BoolEquiv(); !ok {
				continue
			}
		}
		order := classad.FlatMapOrder
		if proj != nil {
			order = classad.AlphabeticalOrder
		}
		var lines []string
		for _, name := range ad.SortedNames(order) {
			if proj != nil && !proj[strings.ToLower(name)] {
				continue
			}
			if !private && classad.IsPrivateAttr(name) {
				continue
			}
			e, _ := ad.Lookup(name)
			lines = append(lines, classad.UnparseAssignment(name, e))
		}
		out = append(out, Selected{Ad: ad, Lines: lines})
	}
	return out
}

// WriteQueryReply sends the answer to query chosen by SelectAds as one
// message: int 1 and the ad for each, then int 0, EOM. It returns the
// number of ads sent.
func WriteQueryReply(s *cedar.Stream, query *classad.Ad, ads []*classad.Ad, opts AnswerOptions) (int, error) {
	sel := SelectAds(query, ads, opts)
	for _, a := range sel {
		if err := s.PutInt(1); err != nil {
			return 0, err
		}
		if err := s.PutAdLinesOpts(a.Lines, "", "", cedar.AdOptions{}); err != nil {
			return 0, err
		}
	}
	if err := s.PutInt(0); err != nil {
		return 0, err
	}
	if err := s.EndOfMessage(); err != nil {
		return 0, err
	}
	return len(sel), nil
}
