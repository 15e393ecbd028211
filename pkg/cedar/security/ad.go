package security

import (
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// ParseHandshakeAd parses the wire lines of a security-negotiation ad with
// the strict reader C++ getPODClassAd uses for every handshake ad (cedar.md
// §3.3, pitfall 6): at most 100 attributes, each value a single literal
// (integer, real, boolean, string, undefined or error). Anything else —
// expressions, lists, nested ads, references — refuses the whole ad.
func ParseHandshakeAd(lines []string) (*classad.Ad, error) {
	ad, err := classad.ParseLiteralAd(lines)
	if err != nil {
		return nil, fmt.Errorf("%w: handshake ad refused: %w", ErrProtocol, err)
	}
	return ad, nil
}

// readHandshakeAd reads one ClassAd that makes up a whole message and
// parses it strictly. The two type strings are ignored (cedar.md §3.1).
func readHandshakeAd(s *cedar.Stream) (*classad.Ad, error) {
	lines, _, _, err := s.GetAdLines()
	if err != nil {
		return nil, err
	}
	if err := s.EndOfMessage(); err != nil {
		return nil, err
	}
	return ParseHandshakeAd(lines)
}

// writeAd sends ad as one message, attributes in the given order (C++
// putClassAd: flat-map order, or alphabetical through a projection,
// cedar.md §3.1), with the two empty type strings.
func writeAd(s *cedar.Stream, ad *classad.Ad, order classad.Order) error {
	if err := s.PutAdLines(ad.AssignmentLines(order), "", ""); err != nil {
		return err
	}
	return s.EndOfMessage()
}

// adString is C++ LookupString: the attribute must exist and be a string.
func adString(ad *classad.Ad, name string) (string, bool) {
	if ad == nil {
		return "", false
	}
	return ad.GetString(name)
}

// adInt is C++ LookupInteger (numbers and booleans convert, strings fail).
func adInt(ad *classad.Ad, name string) (int64, bool) {
	if ad == nil {
		return 0, false
	}
	return ad.GetInt(name)
}

// adBool is C++ LookupBool (booleans, and numbers as non-zero).
func adBool(ad *classad.Ad, name string) (bool, bool) {
	if ad == nil {
		return false, false
	}
	return ad.GetBool(name)
}

// adDecision reads a YES/NO attribute of a response ad by its first
// letter; ok is false when it is missing or not a string.
func adDecision(ad *classad.Ad, name string) (Decision, bool) {
	v, ok := adString(ad, name)
	if !ok {
		return Fail, false
	}
	return parseDecision(v)
}

// adLevel reads a NEVER/OPTIONAL/PREFERRED/REQUIRED attribute; a missing
// or non-string attribute counts as NEVER (ReconcileSecurityAttribute),
// an unparsable one as invalid.
func adLevel(ad *classad.Ad, name string) Level {
	v, ok := adString(ad, name)
	if !ok || v == "" {
		return Never
	}
	l, _ := ParseLevel(v)
	return l
}

// setStr, setInt and setBool fill an ad whose names are known to be valid.
func setStr(ad *classad.Ad, name, v string) { _ = ad.SetString(name, v) }
func setInt(ad *classad.Ad, name string, v int64) {
	_ = ad.SetInt(name, v)
}
func setBool(ad *classad.Ad, name string, v bool) { _ = ad.SetBool(name, v) }

// atoiPrefix is C atoi: optional blanks and sign, then digits up to the
// first non-digit; 0 when there are none. Values are clamped to int32.
func atoiPrefix(s string) int64 {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '\v' || s[i] == '\f') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	var n int64
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		n = n*10 + int64(s[i]-'0')
		if n > 1<<31 {
			n = 1 << 31
		}
	}
	if neg {
		n = -n
	}
	return max(min(n, 1<<31-1), -(1 << 31))
}
