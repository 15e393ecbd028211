package server

import (
	"fmt"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// Attribute names of the token commands (tokens.md §0.1).
const (
	attrErrorString        = "ErrorString"
	attrErrorCode          = "ErrorCode"
	attrLimitAuthorization = "LimitAuthorization"
	attrToken              = "Token"
	attrTokenLifetime      = "TokenLifetime"
	attrClientID           = "ClientId"
	attrRequestID          = "RequestId"
	attrLifetime           = "Lifetime"
	attrRequestedKey       = "RequestedKey"
	attrUser               = "User"
	attrSubnet             = "Subnet"
	attrOwner              = "Owner"
	attrTokenExpiration    = "TokenExpirationTime"
)

// maxRequestAdLines bounds the attributes of a client's request ad; the
// real tools send at most a handful.
const maxRequestAdLines = 1000

// readAd reads one request ad and the end of its message (getClassAd +
// end_of_message). A client that sends something else gets no reply,
// as from the C++ handlers.
func readAd(s *cedar.Stream) (*classad.Ad, error) {
	lines, _, _, err := s.GetAdLines()
	if err != nil {
		return nil, fmt.Errorf("reading the request ad: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return nil, fmt.Errorf("reading the request ad: %w", err)
	}
	if len(lines) > maxRequestAdLines {
		return nil, fmt.Errorf("request ad has %d attributes (at most %d accepted)", len(lines), maxRequestAdLines)
	}
	ad, err := classad.ParseLines(lines)
	if err != nil {
		return nil, fmt.Errorf("request ad: %w", err)
	}
	return ad, nil
}

// writeAd sends ad as one message in ClassAd flat-map order, the order
// putClassAd sends (cedar.md §3.1), with the two empty type strings.
func writeAd(s *cedar.Stream, ad *classad.Ad) error {
	if err := s.PutAdLines(ad.AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
		return fmt.Errorf("sending the reply ad: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return fmt.Errorf("sending the reply ad: %w", err)
	}
	return nil
}

// errorAd is the {ErrorString, ErrorCode} reply of a failed command
// (tokens.md §0).
func errorAd(code int, msg string) *classad.Ad {
	ad := classad.NewAd()
	_ = ad.SetInt(attrErrorCode, int64(code))
	_ = ad.SetString(attrErrorString, cleanString(msg))
	return ad
}

// adString is EvaluateAttrString: the attribute's value if it is a
// string.
func adString(ad *classad.Ad, name string) (string, bool) {
	if !ad.Has(name) {
		return "", false
	}
	return ad.GetString(name)
}

// adInt is EvaluateAttrInt: the attribute's value if it is a number
// (reals truncate, as the C++ conversion does).
func adInt(ad *classad.Ad, name string) (int64, bool) {
	if !ad.Has(name) {
		return 0, false
	}
	v, ok := ad.EvaluateAttr(name)
	if !ok {
		return 0, false
	}
	if i, ok := v.IntVal(); ok {
		return i, true
	}
	if r, ok := v.RealVal(); ok {
		return int64(r), true
	}
	return 0, false
}

// cleanString makes text safe for a CEDAR string: NUL bytes cannot travel.
func cleanString(s string) string {
	return strings.ReplaceAll(s, "\x00", "")
}
