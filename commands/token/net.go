package token

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// Helpers shared by the network verbs (fetch, request, approve, requests,
// auto-approve).

// netSetup loads the configuration and builds the network client. Its
// errors are already in the personality's form.
func netSetup(f *cmdutil.Factory, legacy bool) (*config.Config, cmdutil.NetClient, error) {
	cfg, err := f.Config()
	if err != nil {
		return nil, nil, configError(legacy, err)
	}
	c, err := f.Client(cmdutil.ClientOptions{})
	if err != nil {
		return nil, nil, configError(legacy, err)
	}
	return cfg, c, nil
}

// clientTarget converts the command's target; an empty type means the
// command's default daemon.
func clientTarget(t cmdutil.Target, defaultType string) client.Target {
	typ := t.Type
	if typ == "" {
		typ = defaultType
	}
	return client.Target{Type: typ, Name: t.Name, Pool: t.Pool, Timeout: t.Timeout}
}

// legacyNetError prints a client failure the way the token tools do and
// returns exit status 1: a location failure as its own line
// ("ERROR: couldn't locate daemon NAME!", tokens.md §9.1), anything else
// as prefix + the CondorError text (tokens.md §10). stderr is not ordered
// after buffered stdout, as with C stdio (real-tools.md §18).
func legacyNetError(f *cmdutil.Factory, prefix string, err error) error {
	var te *locate.ToolError
	if errors.As(err, &te) {
		fmt.Fprintln(f.IOStreams.ErrOut, te.Line)
		return cmdutil.Silent(1)
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "%s%s\n", prefix, legacyText(err))
	return cmdutil.Silent(1)
}

// adString returns a string attribute, "" when absent or not a string.
func adString(ad *classad.Ad, name string) string {
	s, _ := ad.GetString(name)
	return s
}

// adJSON converts a request ad to a JSON object: strings, integers,
// booleans and reals keep their type, anything else is its ClassAd text.
func adJSON(ad *classad.Ad) map[string]any {
	m := map[string]any{}
	for _, name := range ad.Names() {
		if classad.IsPrivateAttr(name) {
			continue
		}
		v := ad.Get(name)
		if s, ok := v.StringVal(); ok {
			m[name] = s
		} else if i, ok := v.IntVal(); ok {
			m[name] = i
		} else if b, ok := v.BoolVal(); ok {
			m[name] = b
		} else if r, ok := v.RealVal(); ok {
			m[name] = r
		} else if e, ok := ad.Lookup(name); ok {
			m[name] = strings.TrimPrefix(classad.UnparseAssignment(name, e), name+" = ")
		}
	}
	return m
}

// checkDest validates -o and the token destination flags of the modern
// verbs that produce a token.
func checkDest(format, name, file string) error {
	if err := cmdutil.CheckFormat(format); err != nil {
		return err
	}
	if name != "" && file != "" {
		return cmdutil.Errorf(cmdutil.ExitUsage, "--token and --file cannot be used together")
	}
	return nil
}

// Attributes of the token-request ads (tokens.md §0.1, §3.4).
const (
	attrClientID       = "ClientId"
	attrRequestID      = "RequestId"
	attrPeerLocation   = "PeerLocation"
	attrLifetime       = "TokenLifetime"
	attrRequestedIdent = "RequestedIdentity"
	attrLimitAuthz     = "LimitAuthorization"
	attrAuthnIdent     = "AuthenticatedIdentity"
)

// requestRow is the modern view of one pending request.
type requestRow struct {
	id, requested, authenticated, from, authz, lifetime, clientID string
}

func rowOf(ad *classad.Ad) requestRow {
	r := requestRow{
		id:            adString(ad, attrRequestID),
		requested:     adString(ad, attrRequestedIdent),
		authenticated: adString(ad, attrAuthnIdent),
		from:          adString(ad, attrPeerLocation),
		authz:         adString(ad, attrLimitAuthz),
		clientID:      adString(ad, attrClientID),
		lifetime:      "default",
	}
	if r.authz == "" {
		r.authz = "(all)"
	}
	if n, ok := ad.Get(attrLifetime).IntVal(); ok {
		r.lifetime = (time.Duration(n) * time.Second).String()
	}
	return r
}

// describeRequest prints one request for the approval prompt.
func describeRequest(w io.Writer, id string, ad *classad.Ad) {
	r := rowOf(ad)
	if r.authz == "(all)" {
		r.authz = "all levels (no limit)"
	}
	if r.lifetime == "default" {
		r.lifetime = "the daemon's default"
	}
	fmt.Fprintf(w, "Request %s\n", id)
	fmt.Fprintf(w, "  requested identity:  %s\n", r.requested)
	fmt.Fprintf(w, "  authenticated as:    %s\n", r.authenticated)
	fmt.Fprintf(w, "  from:                %s\n", r.from)
	fmt.Fprintf(w, "  authorizations:      %s\n", r.authz)
	fmt.Fprintf(w, "  token lifetime:      %s\n", r.lifetime)
	fmt.Fprintf(w, "  client id:           %s\n", r.clientID)
}

// printRequestTable prints pending requests as a table.
func printRequestTable(w io.Writer, ads []*classad.Ad) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "REQUEST ID\tREQUESTED IDENTITY\tAUTHENTICATED AS\tFROM\tAUTHZ\tLIFETIME\tCLIENT ID")
	for _, ad := range ads {
		r := rowOf(ad)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.id, r.requested, r.authenticated, r.from, r.authz, r.lifetime, r.clientID)
	}
	return tw.Flush()
}

// adsJSON converts request ads for -o json.
func adsJSON(ads []*classad.Ad) []map[string]any {
	out := make([]map[string]any, 0, len(ads))
	for _, ad := range ads {
		out = append(out, adJSON(ad))
	}
	return out
}
