package cedar

import (
	"fmt"
	"strings"
)

// ClassAd wire form (cedar.md §3.1–§3.3), with attributes kept as raw
// "Name = expr" lines so this package does not depend on a ClassAd parser.

// secretMarker precedes a private attribute sent with put_secret on a
// channel that can encrypt but currently does not (legacy ciphers only,
// cedar.md §3.2).
const secretMarker = "ZKM"

// privateV1Attrs are the V1 private attribute names (compat_classad.cpp),
// lower-cased.
var privateV1Attrs = map[string]bool{
	"capability":    true,
	"childclaimids": true,
	"claimid":       true,
	"claimidlist":   true,
	"claimids":      true,
	"transferkey":   true,
}

// IsPrivateV1Attr reports whether name is one of the V1 private attributes
// (Capability, ChildClaimIds, ClaimId, ClaimIdList, ClaimIds, TransferKey;
// case-insensitive), cedar.md §3.2.
func IsPrivateV1Attr(name string) bool {
	return privateV1Attrs[strings.ToLower(name)]
}

// IsPrivateV2Attr reports whether name starts with "_condor_priv"
// (case-insensitive), cedar.md §3.2.
func IsPrivateV2Attr(name string) bool {
	const p = "_condor_priv"
	return len(name) >= len(p) && strings.EqualFold(name[:len(p)], p)
}

// SplitAdLine splits a wire line "Name = expr" the way C++
// SplitLongFormAttrValue does (cedar.md §3.3): at the first '=', name
// without leading white space and trailing spaces, value without leading
// spaces. ok is false when there is no '=' or the name is empty.
func SplitAdLine(line string) (name, value string, ok bool) {
	line = strings.TrimLeft(line, " \t\n\v\f\r")
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		return "", "", false
	}
	name = strings.TrimRight(line[:eq], " ")
	if name == "" {
		return "", "", false
	}
	return name, strings.TrimLeft(line[eq+1:], " "), true
}

// AdOptions selects the optional behaviours of C++ putClassAd.
type AdOptions struct {
	// ExcludePrivate drops V1 and V2 private attributes
	// (PUT_CLASSAD_NO_PRIVATE).
	ExcludePrivate bool
	// ExcludePrivateV2 drops V2 private attributes only; C++ does this when
	// the peer's version is unknown or older than 9.9.0 (cedar.md §3.2).
	ExcludePrivateV2 bool
	// NoTypes omits the two trailing MyType/TargetType strings
	// (PUT_CLASSAD_NO_TYPES).
	NoTypes bool
}

// PutAdLines appends a ClassAd: int count, one string per line, then the
// MyType and TargetType strings (current C++ always sends two empty ones;
// receivers ignore them). Each line must be "Name = expr" in old ClassAd
// syntax; ordering is the caller's business (C++ sorts by name length, then
// case-insensitively, cedar.md §3.1). Private attributes are sent inline,
// which is what C++ does on AES streams. It does not end the message.
func (s *Stream) PutAdLines(lines []string, myType, targetType string) error {
	return s.PutAdLinesOpts(lines, myType, targetType, AdOptions{})
}

// PutAdLinesOpts is PutAdLines with C++ putClassAd options. Every line is
// validated before anything is appended, so a refused ad leaves the message
// untouched (but poisoned: EndOfMessage will not send it).
func (s *Stream) PutAdLinesOpts(lines []string, myType, targetType string, opts AdOptions) error {
	if err := s.beginPut(); err != nil {
		return err
	}
	keep := make([]string, 0, len(lines))
	for i, l := range lines {
		name, _, ok := SplitAdLine(l)
		if !ok {
			return s.poison(fmt.Errorf("%w: ClassAd line %d (%d bytes) is not \"Name = expr\" (no '=' or empty name)", ErrInvalidValue, i, len(l)))
		}
		if err := checkString(l); err != nil {
			return s.poison(fmt.Errorf("ClassAd attribute %s: %w", truncate(name, 40), err))
		}
		if IsPrivateV2Attr(name) && (opts.ExcludePrivate || opts.ExcludePrivateV2) {
			continue
		}
		if IsPrivateV1Attr(name) && opts.ExcludePrivate {
			continue
		}
		keep = append(keep, l)
	}
	if !opts.NoTypes {
		for _, t := range []string{myType, targetType} {
			if err := checkString(t); err != nil {
				return s.poison(fmt.Errorf("ClassAd type string: %w", err))
			}
		}
	}
	if err := s.PutInt(int64(len(keep))); err != nil {
		return err
	}
	for _, l := range keep {
		if err := s.PutString(l); err != nil {
			return err
		}
	}
	if opts.NoTypes {
		return nil
	}
	if err := s.PutString(myType); err != nil {
		return err
	}
	return s.PutString(targetType)
}

// GetAdLines reads a ClassAd: the attribute count (0..Config.MaxAdAttributes),
// that many "Name = expr" lines, and the two type strings, which are
// returned but carry no meaning in current HTCondor. A "ZKM" line means the
// next string holds the real line (legacy put_secret, cedar.md §3.3). Every
// line must contain '=' after a non-empty name, or the ad is refused as C++
// refuses it. NULL strings read as "".
func (s *Stream) GetAdLines() (lines []string, myType, targetType string, err error) {
	n, err := s.GetInt()
	if err != nil {
		return nil, "", "", fmt.Errorf("reading ClassAd attribute count: %w", err)
	}
	if n < 0 || n > int64(s.cfg.MaxAdAttributes) {
		return nil, "", "", fmt.Errorf("%w: ClassAd attribute count %d outside 0..%d", ErrMalformedValue, n, s.cfg.MaxAdAttributes)
	}
	// Each line needs at least 1 byte (9 when encrypted): refuse counts the
	// message cannot hold before allocating for them.
	minLine := int64(1)
	if s.Encrypted() {
		minLine = 9
	}
	if n*minLine > int64(s.Remaining()) {
		return nil, "", "", fmt.Errorf("%w: ClassAd claims %d attributes but only %d bytes are left in the message", ErrShortMessage, n, s.Remaining())
	}
	lines = make([]string, 0, n)
	for i := int64(0); i < n; i++ {
		l, _, err := s.GetString()
		if err != nil {
			return nil, "", "", fmt.Errorf("reading ClassAd attribute %d of %d: %w", i+1, n, err)
		}
		if l == secretMarker {
			if l, _, err = s.GetString(); err != nil {
				return nil, "", "", fmt.Errorf("reading private ClassAd attribute %d of %d: %w", i+1, n, err)
			}
		}
		if _, _, ok := SplitAdLine(l); !ok {
			return nil, "", "", fmt.Errorf("%w: ClassAd attribute %d of %d (%d bytes) is not \"Name = expr\" (no '=' or empty name)", ErrMalformedValue, i+1, n, len(l))
		}
		lines = append(lines, l)
	}
	if myType, _, err = s.GetString(); err != nil {
		return nil, "", "", fmt.Errorf("reading ClassAd MyType string: %w", err)
	}
	if targetType, _, err = s.GetString(); err != nil {
		return nil, "", "", fmt.Errorf("reading ClassAd TargetType string: %w", err)
	}
	return lines, myType, targetType, nil
}

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
