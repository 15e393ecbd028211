package classad

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Order selects the order in which an ad's attributes are listed.
type Order uint8

const (
	// InsertionOrder lists attributes in the order they were first set.
	InsertionOrder Order = iota
	// FlatMapOrder sorts by name length, then case-insensitively by name
	// (ClassAdFlatMapOrder, classad_flat_map.h). This is the order in which
	// putClassAd sends an ad (cedar.md §3.1) and in which
	// condor_token_request_approve prints one (tokens.md §9.5).
	FlatMapOrder
	// AlphabeticalOrder sorts case-insensitively by name (classad::References)
	// — the order of projected ads and of condor_token_request_list's long
	// and -json formats (tokens.md §9.6).
	AlphabeticalOrder
)

type attrEntry struct {
	name string
	expr Expr
}

// Ad is a ClassAd: an ordered map from case-insensitive attribute names to
// expressions. It remembers the spelling a name was first set with and the
// order of insertion. The zero Ad is empty and ready to use; a nil *Ad reads
// as an empty ad. Concurrent reads (lookups, evaluation, unparsing) are
// safe; mutation needs exclusive access.
type Ad struct {
	// MyType and TargetType are the legacy type-string slots that follow
	// an ad on the wire (cedar.md §3.1 step 4). Current HTCondor sends them
	// empty and ignores them on receipt; attributes named MyType or
	// TargetType, if any, are ordinary attributes.
	MyType, TargetType string

	attrs []attrEntry
	index map[string]int // ASCII-lower-cased name -> position in attrs
}

// NewAd returns an empty ad.
func NewAd() *Ad { return &Ad{} }

// Len returns the number of attributes.
func (a *Ad) Len() int {
	if a == nil {
		return 0
	}
	return len(a.attrs)
}

// Clone returns a copy of a (expressions are immutable and shared). A nil
// ad clones to an empty one.
func (a *Ad) Clone() *Ad {
	c := &Ad{}
	if a == nil {
		return c
	}
	c.MyType, c.TargetType = a.MyType, a.TargetType
	c.attrs = append([]attrEntry(nil), a.attrs...)
	c.reindex()
	return c
}

func (a *Ad) reindex() {
	a.index = make(map[string]int, len(a.attrs))
	for i, e := range a.attrs {
		a.index[asciiLower(e.name)] = i
	}
}

func (a *Ad) find(name string) (int, bool) {
	return a.findLower(asciiLower(name))
}

// findLower looks up an already lower-cased name.
func (a *Ad) findLower(lname string) (int, bool) {
	if a == nil || a.index == nil {
		return 0, false
	}
	i, ok := a.index[lname]
	return i, ok
}

// ErrInvalidName is returned (wrapped) for attribute names that cannot be
// written as "Name = value" lines.
var ErrInvalidName = errors.New("invalid attribute name")

// ValidName reports whether name can be an attribute name: non-empty, no
// control characters, no '=', no leading or trailing white space. (Such
// names survive the "Name = expr" wire form; names that are not plain
// identifiers are written single-quoted inside expressions.)
func ValidName(name string) bool {
	return checkName(name) == nil
}

func checkName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: empty name", ErrInvalidName)
	}
	if name[0] == ' ' || name[len(name)-1] == ' ' {
		return fmt.Errorf("%w: %q has leading or trailing spaces", ErrInvalidName, name)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x20 || c == 0x7f || c == '=' {
			return fmt.Errorf("%w: %q contains %q", ErrInvalidName, name, c)
		}
	}
	return nil
}

// Set binds name to e, replacing an existing attribute of the same name
// (compared case-insensitively) in place: its position and first spelling
// are kept. It fails for an invalid name or a zero Expr.
func (a *Ad) Set(name string, e Expr) error {
	if err := checkName(name); err != nil {
		return err
	}
	if e.IsZero() {
		return fmt.Errorf("classad: attribute %s: no expression", name)
	}
	if i, ok := a.find(name); ok {
		a.attrs[i].expr = e
		return nil
	}
	if a.index == nil {
		a.index = make(map[string]int)
	}
	a.index[asciiLower(name)] = len(a.attrs)
	a.attrs = append(a.attrs, attrEntry{name: name, expr: e})
	return nil
}

// SetExpr parses text as an old-syntax expression and binds name to it.
func (a *Ad) SetExpr(name, text string) error {
	e, err := ParseExpr(text)
	if err != nil {
		var se *SyntaxError
		if errors.As(err, &se) && se.Attr == "" {
			se.Attr = name
		}
		return err
	}
	return a.Set(name, e)
}

// SetValue binds name to a literal of v. Values holding a string with a
// NUL byte are refused: they cannot travel as CEDAR strings.
func (a *Ad) SetValue(name string, v Value) error {
	if hasNUL(v) {
		return fmt.Errorf("classad: attribute %s: string value contains a NUL byte", name)
	}
	return a.Set(name, Lit(v))
}

func hasNUL(v Value) bool {
	switch v.kind {
	case StringKind:
		return strings.IndexByte(v.s, 0) >= 0
	case ListKind:
		for _, e := range v.list {
			if hasNUL(e) {
				return true
			}
		}
	}
	return false
}

// SetString binds name to a string literal. Strings holding a NUL byte are
// refused: they cannot travel as CEDAR strings.
func (a *Ad) SetString(name, v string) error { return a.SetValue(name, StringValue(v)) }

// SetInt binds name to an integer literal.
func (a *Ad) SetInt(name string, v int64) error { return a.Set(name, Lit(IntValue(v))) }

// SetBool binds name to a boolean literal.
func (a *Ad) SetBool(name string, v bool) error { return a.Set(name, Lit(BoolValue(v))) }

// SetReal binds name to a real literal.
func (a *Ad) SetReal(name string, v float64) error { return a.Set(name, Lit(RealValue(v))) }

// Lookup returns the expression bound to name (case-insensitively).
func (a *Ad) Lookup(name string) (Expr, bool) {
	i, ok := a.find(name)
	if !ok {
		return Expr{}, false
	}
	return a.attrs[i].expr, true
}

// Has reports whether the ad has an attribute called name.
func (a *Ad) Has(name string) bool {
	_, ok := a.find(name)
	return ok
}

// Spelling returns the spelling name was first set with.
func (a *Ad) Spelling(name string) (string, bool) {
	i, ok := a.find(name)
	if !ok {
		return "", false
	}
	return a.attrs[i].name, true
}

// Delete removes name and reports whether it was present.
func (a *Ad) Delete(name string) bool {
	i, ok := a.find(name)
	if !ok {
		return false
	}
	a.attrs = append(a.attrs[:i], a.attrs[i+1:]...)
	a.reindex()
	return true
}

// Update sets every attribute of other in a, in other's insertion order.
func (a *Ad) Update(other *Ad) {
	if other == nil {
		return
	}
	for _, e := range other.attrs {
		_ = a.Set(e.name, e.expr) // names in an Ad are always valid
	}
}

// Names returns the attribute names in insertion order.
func (a *Ad) Names() []string { return a.SortedNames(InsertionOrder) }

// SortedNames returns the attribute names in the given order.
func (a *Ad) SortedNames(order Order) []string {
	idx := a.order(order)
	names := make([]string, len(idx))
	for i, j := range idx {
		names[i] = a.attrs[j].name
	}
	return names
}

// order returns the positions of the attributes in the given order.
func (a *Ad) order(order Order) []int {
	n := a.Len()
	idx := make([]int, n)
	for i := range idx {
		idx[i] = i
	}
	switch order {
	case FlatMapOrder:
		sort.SliceStable(idx, func(x, y int) bool {
			return flatMapLess(a.attrs[idx[x]].name, a.attrs[idx[y]].name)
		})
	case AlphabeticalOrder:
		sort.SliceStable(idx, func(x, y int) bool {
			return strcasecmp(a.attrs[idx[x]].name, a.attrs[idx[y]].name) < 0
		})
	}
	return idx
}

// flatMapLess is ClassAdFlatMapOrder: shorter names first, then
// strcasecmp.
func flatMapLess(x, y string) bool {
	if len(x) != len(y) {
		return len(x) < len(y)
	}
	return strcasecmp(x, y) < 0
}

// EvaluateAttr evaluates the attribute name in the context of a; ok is
// false if there is no such attribute.
func (a *Ad) EvaluateAttr(name string) (Value, bool) {
	i, ok := a.find(name)
	if !ok {
		return Value{}, false
	}
	st := newEvalState()
	sc := &scope{ad: a}
	st.root = sc
	return st.finish(st.evalAttrAt(sc, i)), true
}

// Get returns the value of attribute name, UNDEFINED if there is none
// (a reference to a missing attribute is UNDEFINED in the ClassAd language).
func (a *Ad) Get(name string) Value {
	v, _ := a.EvaluateAttr(name)
	return v
}

// GetString evaluates name and returns it if it is a string (C++
// LookupString: an integer is not converted).
func (a *Ad) GetString(name string) (string, bool) {
	return a.Get(name).StringVal()
}

// GetInt evaluates name and returns it as an integer if it is a number (C++
// LookupInteger: reals are truncated, booleans give 0 or 1; strings fail).
func (a *Ad) GetInt(name string) (int64, bool) {
	return a.Get(name).NumberAsInt()
}

// GetReal evaluates name and returns it as a real if it is a number (C++
// LookupFloat).
func (a *Ad) GetReal(name string) (float64, bool) {
	return a.Get(name).NumberAsReal()
}

// GetBool evaluates name and returns it if it is boolean-equivalent (C++
// LookupBool: non-zero numbers are true).
func (a *Ad) GetBool(name string) (bool, bool) {
	return a.Get(name).BoolEquiv()
}

// privateV1 are the V1 private attribute names (compat_classad.cpp
// ClassAdPrivateAttrs, cedar.md §3.2).
var privateV1 = map[string]bool{
	"capability": true, "childclaimids": true, "claimid": true,
	"claimidlist": true, "claimids": true, "transferkey": true,
}

// IsPrivateAttr reports whether name is a private attribute, V1 (Capability,
// ChildClaimIds, ClaimId, ClaimIdList, ClaimIds, TransferKey) or V2 (any
// name starting with _condor_priv), case-insensitively (cedar.md §3.2).
// The tools' long and JSON listings leave private attributes out.
func IsPrivateAttr(name string) bool {
	l := asciiLower(name)
	return privateV1[l] || strings.HasPrefix(l, "_condor_priv")
}

// String returns the ad in old syntax, one "Name = value" line per
// attribute in flat-map order.
func (a *Ad) String() string { return a.UnparseOld(FlatMapOrder) }
