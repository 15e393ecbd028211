package classad

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// requestAd is the token request ad of real-tools.md §19/§20, built in an
// arbitrary order.
func requestAd(t *testing.T) *Ad {
	t.Helper()
	ad := NewAd()
	for _, err := range []error{
		ad.SetString("RequestedIdentity", "alice@htc.local"),
		ad.SetInt("TokenLifetime", 3600),
		ad.SetString("AuthenticatedIdentity", "condor@htc.local"),
		ad.SetString("ClientId", "<hostname>-755"),
		ad.SetString("LimitAuthorization", "READ,WRITE"),
		ad.SetString("PeerLocation", "127.0.0.1"),
		ad.SetString("RequestId", "0642594"),
	} {
		if err != nil {
			t.Fatal(err)
		}
	}
	return ad
}

// TestOrders checks both orders against the attribute lists of tokens.md
// §9.5 (flat-map: length, then case-insensitive) and §9.6 (alphabetical).
func TestOrders(t *testing.T) {
	ad := requestAd(t)
	flat := []string{"ClientId", "RequestId", "PeerLocation", "TokenLifetime",
		"RequestedIdentity", "LimitAuthorization", "AuthenticatedIdentity"}
	alpha := []string{"AuthenticatedIdentity", "ClientId", "LimitAuthorization",
		"PeerLocation", "RequestedIdentity", "RequestId", "TokenLifetime"}
	insertion := []string{"RequestedIdentity", "TokenLifetime", "AuthenticatedIdentity",
		"ClientId", "LimitAuthorization", "PeerLocation", "RequestId"}
	if d := cmp.Diff(flat, ad.SortedNames(FlatMapOrder)); d != "" {
		t.Errorf("flat-map order (-want +got):\n%s", d)
	}
	if d := cmp.Diff(alpha, ad.SortedNames(AlphabeticalOrder)); d != "" {
		t.Errorf("alphabetical order (-want +got):\n%s", d)
	}
	if d := cmp.Diff(insertion, ad.Names()); d != "" {
		t.Errorf("insertion order (-want +got):\n%s", d)
	}
	// The policy ad of cedar.md §4.3 is in flat-map order on the wire.
	policy := []string{"Enact", "Command", "Integrity", "ServerPid", "Subsystem", "Encryption",
		"IssuerKeys", "NewSession", "AuthMethods", "TrustDomain", "SessionLease", "ConnectSinful",
		"CryptoMethods", "ECDHPublicKey", "RemoteVersion", "Authentication", "SessionDuration",
		"AuthenticationNew", "NegotiatedSession", "OutgoingNegotiation"}
	p := NewAd()
	for i := len(policy) - 1; i >= 0; i-- {
		_ = p.SetInt(policy[i], 1)
	}
	if d := cmp.Diff(policy, p.SortedNames(FlatMapOrder)); d != "" {
		t.Errorf("policy ad flat-map order (-want +got):\n%s", d)
	}
	// strcasecmp ranks '_' below letters; case is ignored.
	o := NewAd()
	for _, n := range []string{"b", "A", "_z", "aB", "Ab_", "ab"} {
		_ = o.SetInt(n, 1)
	}
	if d := cmp.Diff([]string{"_z", "A", "aB", "Ab_", "b"}, o.SortedNames(AlphabeticalOrder)); d != "" {
		t.Errorf("alphabetical tie-breaks (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"A", "b", "_z", "aB", "Ab_"}, o.SortedNames(FlatMapOrder)); d != "" {
		t.Errorf("flat-map tie-breaks (-want +got):\n%s", d)
	}
}

// TestToolFormats: real-tools.md §19/§20 blocks, byte for byte.
func TestToolFormats(t *testing.T) {
	ad := requestAd(t)
	const approve = `ClientId = "<hostname>-755"
RequestId = "0642594"
PeerLocation = "127.0.0.1"
TokenLifetime = 3600
RequestedIdentity = "alice@htc.local"
LimitAuthorization = "READ,WRITE"
AuthenticatedIdentity = "condor@htc.local"
`
	if got := ad.UnparseOld(FlatMapOrder); got != approve {
		t.Errorf("approve prompt ad:\n%s", cmp.Diff(approve, got))
	}
	const rl1 = `AuthenticatedIdentity = "condor@htc.local"
ClientId = "<hostname>-755"
LimitAuthorization = "READ,WRITE"
PeerLocation = "127.0.0.1"
RequestedIdentity = "alice@htc.local"
RequestId = "0642594"
TokenLifetime = 3600

`
	if got := LongFormat(ad); got != rl1 {
		t.Errorf("RL1:\n%s", cmp.Diff(rl1, got))
	}
	if got := LongFormat(ad, NewAd(), ad); got != rl1+rl1 {
		t.Errorf("two ads:\n%s", cmp.Diff(rl1+rl1, got))
	}
	if got := LongFormat(); got != "" {
		t.Errorf("no ads: %q", got)
	}
	// Private attributes are left out of the long listing.
	priv := ad.Clone()
	_ = priv.SetString("ClaimId", "secret")
	_ = priv.SetString("_condor_PrivThing", "secret")
	if got := LongFormat(priv); got != rl1 {
		t.Errorf("long format shows private attributes:\n%s", got)
	}
	if !strings.Contains(priv.UnparseOld(FlatMapOrder), "ClaimId") {
		t.Error("UnparseOld drops private attributes")
	}
}

func TestAdAPI(t *testing.T) {
	ad := NewAd()
	if err := ad.SetString("Name", "x"); err != nil {
		t.Fatal(err)
	}
	_ = ad.SetInt("Count", 3)
	// Case-insensitive replace keeps position and first spelling.
	if err := ad.SetString("NAME", "y"); err != nil {
		t.Fatal(err)
	}
	if s, ok := ad.GetString("name"); !ok || s != "y" {
		t.Errorf("GetString(name) = %q, %v", s, ok)
	}
	if sp, _ := ad.Spelling("nAmE"); sp != "Name" {
		t.Errorf("Spelling = %q", sp)
	}
	if d := cmp.Diff([]string{"Name", "Count"}, ad.Names()); d != "" {
		t.Error(d)
	}
	if !ad.Has("COUNT") || ad.Has("nope") || ad.Len() != 2 {
		t.Errorf("Has/Len wrong: %d", ad.Len())
	}
	if e, ok := ad.Lookup("count"); !ok || e.String() != "3" {
		t.Errorf("Lookup = %v, %v", e, ok)
	}
	if !ad.Delete("name") || ad.Delete("name") || ad.Len() != 1 || ad.Has("Name") {
		t.Error("Delete misbehaves")
	}
	if _, ok := ad.Lookup("Count"); !ok {
		t.Error("index broken after Delete")
	}
	c := ad.Clone()
	_ = c.SetInt("Count", 4)
	if v, _ := ad.GetInt("Count"); v != 3 {
		t.Error("Clone shares storage")
	}
	ad.Update(c)
	if v, _ := ad.GetInt("Count"); v != 4 {
		t.Error("Update did not replace")
	}
	if err := ad.SetExpr("Sum", "Count + 1"); err != nil {
		t.Fatal(err)
	}
	if v := ad.Get("sum"); !v.Equal(IntValue(5)) {
		t.Errorf("Get(sum) = %v", v)
	}
	if !ad.Get("missing").IsUndefined() {
		t.Error("missing attribute is not UNDEFINED")
	}
	var se *SyntaxError
	if err := ad.SetExpr("Bad", "1 +"); !errors.As(err, &se) || se.Attr != "Bad" {
		t.Errorf("SetExpr error = %v", err)
	}
	for _, bad := range []string{"", " a", "a ", "a=b", "a\nb", "a\x00", "tab\t"} {
		if err := ad.SetInt(bad, 1); !errors.Is(err, ErrInvalidName) {
			t.Errorf("SetInt(%q) error = %v", bad, err)
		}
		if ValidName(bad) {
			t.Errorf("ValidName(%q)", bad)
		}
	}
	if err := ad.Set("Zero", Expr{}); err == nil {
		t.Error("Set accepted a zero Expr")
	}
	if err := ad.SetString("S", "a\x00b"); err == nil {
		t.Error("SetString accepted a NUL byte")
	}
	if err := ad.SetValue("L", ListValue(StringValue("ok"), StringValue("\x00"))); err == nil {
		t.Error("SetValue accepted a list holding a NUL byte")
	}
	if err := ad.SetValue("L", ListValue(StringValue("ok"))); err != nil {
		t.Errorf("SetValue(list): %v", err)
	}
	var nilAd *Ad
	if nilAd.Len() != 0 || nilAd.Has("x") || nilAd.Clone().Len() != 0 {
		t.Error("nil ad misbehaves")
	}
	var zero Ad
	if err := zero.SetBool("B", true); err != nil || !zero.Has("b") {
		t.Errorf("zero Ad not usable: %v", err)
	}
}

// TestTypedGetters follows the C++ Lookup* conversions (classad.h).
func TestTypedGetters(t *testing.T) {
	ad, err := ParseOld("S = \"60\"\nI = 3600\nR = 2.7\nB = true\nE = I * 2\nU = undefined\nNR = -2.7")
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := ad.GetString("I"); ok {
		t.Error("GetString converted an integer")
	}
	if _, ok := ad.GetInt("S"); ok {
		t.Error("GetInt converted a string")
	}
	checks := []struct {
		name string
		got  any
		want any
	}{
		{"GetString(S)", first(ad.GetString("S")), "60"},
		{"GetInt(I)", first(ad.GetInt("I")), int64(3600)},
		{"GetInt(R)", first(ad.GetInt("R")), int64(2)},
		{"GetInt(NR)", first(ad.GetInt("NR")), int64(-2)},
		{"GetInt(B)", first(ad.GetInt("B")), int64(1)},
		{"GetInt(E)", first(ad.GetInt("E")), int64(7200)},
		{"GetReal(I)", first(ad.GetReal("I")), 3600.0},
		{"GetBool(I)", first(ad.GetBool("I")), true},
		{"GetBool(B)", first(ad.GetBool("B")), true},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	if _, ok := ad.GetBool("S"); ok {
		t.Error("GetBool accepted a string")
	}
	if _, ok := ad.GetInt("U"); ok {
		t.Error("GetInt accepted UNDEFINED")
	}
	if _, ok := ad.GetReal("missing"); ok {
		t.Error("GetReal of a missing attribute")
	}
}

func first[T any](v T, _ bool) T { return v }

func TestLiteralReader(t *testing.T) {
	good := []struct {
		line string
		name string
		want Value
	}{
		{`SessionDuration = "60"`, "SessionDuration", StringValue("60")},
		{`SessionLease = 3600`, "SessionLease", IntValue(3600)},
		{`NegotiatedSession = true`, "NegotiatedSession", BoolValue(true)},
		{`X = -5`, "X", IntValue(-5)},
		{`X = 1.5`, "X", RealValue(1.5)},
		{`X = undefined`, "X", Undefined()},
		{`X = error`, "X", ErrorValue()},
		{`  X   =    "a\"b"`, "X", StringValue(`a"b`)},
		{`X="v"`, "X", StringValue("v")},
	}
	for _, tc := range good {
		name, v, err := ParseLiteralAssignment(tc.line)
		if err != nil || name != tc.name || !v.Equal(tc.want) {
			t.Errorf("ParseLiteralAssignment(%q) = %q, %v, %v", tc.line, name, v, err)
		}
	}
	bad := map[string]string{
		`X = - 5`:        "found '-'",
		`X = 1 + 2`:      "found '+' after it",
		`X = {1}`:        "found '{'",
		`X = [a=1]`:      "found '['",
		`X = Other`:      "found identifier",
		`X = strcat("")`: "found identifier",
		`X = (1)`:        "found '('",
		`X =`:            "found end of input",
		`ZKM`:            `no "="`,
		` = 1`:           "empty name",
		`X = "open`:      "unterminated",
		`X = 010`:        "leading 0",
	}
	for line, msg := range bad {
		if _, _, err := ParseLiteralAssignment(line); err == nil || !strings.Contains(err.Error(), msg) {
			t.Errorf("ParseLiteralAssignment(%q) error = %v, want %q", line, err, msg)
		}
	}
	lines := make([]string, MaxLiteralAttributes+1)
	for i := range lines {
		lines[i] = "A = 1"
	}
	if _, err := ParseLiteralAd(lines[:MaxLiteralAttributes]); err != nil {
		t.Errorf("100 attributes: %v", err)
	}
	if _, err := ParseLiteralAd(lines); err == nil || !strings.Contains(err.Error(), "limit of 100") {
		t.Errorf("101 attributes: %v", err)
	}
	if _, err := ParseLiteralAd([]string{"A = 1", "B = A"}); err == nil {
		t.Error("ParseLiteralAd accepted a reference")
	}
}

func TestAssignments(t *testing.T) {
	tests := []struct{ line, name, unparsed string }{
		{"Command = 60010", "Command", "Command = 60010"},
		{"  Name   =   1+2", "Name", "Name = 1 + 2"},
		{"A\t= 1", "", ""}, // the C++ keeps the tab in the name; refused here
		{"Weird Name = 1", "Weird Name", "Weird Name = 1"},
		{"Req = a == b", "Req", "Req = a == b"},
		{"X = \t 1", "X", "X = 1"},
	}
	for _, tc := range tests {
		name, e, err := ParseAssignment(tc.line)
		if tc.name == "" {
			if err == nil {
				t.Errorf("ParseAssignment(%q) accepted", tc.line)
			}
			continue
		}
		if err != nil || name != tc.name {
			t.Errorf("ParseAssignment(%q) = %q, %v", tc.line, name, err)
			continue
		}
		if got := UnparseAssignment(name, e); got != tc.unparsed {
			t.Errorf("UnparseAssignment = %q, want %q", got, tc.unparsed)
		}
	}
	_, _, err := ParseAssignment("Good = 1 +")
	var se *SyntaxError
	if !errors.As(err, &se) || se.Attr != "Good" || se.Offset != 10 {
		t.Errorf("error = %#v", err)
	}
	if _, err := ParseLines([]string{"A = 1", "bad"}); err == nil {
		t.Error("ParseLines accepted a line without '='")
	}
}

func TestParseOldAndNew(t *testing.T) {
	text := "# comment\nA = 1\n\n  B = \"x\"\nA = 2\r\nC = [ d = 1; e = {1, 2} ]\n"
	ad, err := ParseOld(text)
	if err != nil {
		t.Fatal(err)
	}
	want := "A = 2\nB = \"x\"\nC = [ d = 1; e = { 1,2 } ]\n"
	if got := ad.UnparseOld(InsertionOrder); got != want {
		t.Errorf("UnparseOld:\n%s", cmp.Diff(want, got))
	}
	if got := ad.String(); got != want {
		t.Errorf("String:\n%s", cmp.Diff(want, got))
	}
	if v := MustParseExpr("C.e[1]").Eval(ad); !v.Equal(IntValue(2)) {
		t.Errorf("C.e[1] = %v", v)
	}
	if _, err := ParseOld("A = 1\nB = (\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error = %v, want line 2", err)
	}
	if _, err := ParseOld("A = 1\nno equals\n"); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("error = %v, want line 2", err)
	}

	n, err := ParseNew(`[ a = 1; 'b c' = "x\ty"; D = 2.5; e = a =?= 1 ]`)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := n.UnparseNew(), `[ a = 1; D = 2.500000000000000E+00; e = a is 1; 'b c' = "x\ty" ]`; got != want {
		t.Errorf("UnparseNew = %q, want %q", got, want)
	}
	if got, want := n.UnparseOld(InsertionOrder), "a = 1\nb c = \"x\ty\"\nD = 2.5\ne = a =?= 1\n"; got != want {
		t.Errorf("UnparseOld = %q, want %q", got, want)
	}
	for _, bad := range []string{``, `a = 1`, `[ a = 1 ] x`, `[ a = 1`, `[ '' = 1 ]`, `[ 'a=b' = 1 ]`} {
		if _, err := ParseNew(bad); err == nil {
			t.Errorf("ParseNew(%q) accepted", bad)
		}
	}
	if got := NewAd().UnparseNew(); got != "[  ]" {
		t.Errorf("empty UnparseNew = %q", got)
	}
}

func TestPrivateAttrs(t *testing.T) {
	for _, n := range []string{"Capability", "claimid", "ClaimIdList", "ChildClaimIds", "ClaimIds",
		"TRANSFERKEY", "_condor_PrivRemoteAdminCapability", "_CONDOR_PRIV"} {
		if !IsPrivateAttr(n) {
			t.Errorf("IsPrivateAttr(%q) = false", n)
		}
	}
	for _, n := range []string{"Token", "ClaimIdX", "_condor_Other", "MyAddress"} {
		if IsPrivateAttr(n) {
			t.Errorf("IsPrivateAttr(%q) = true", n)
		}
	}
}

func TestValueAccessors(t *testing.T) {
	if k := (Value{}).Kind(); k != UndefinedKind || k.String() != "undefined" {
		t.Errorf("zero Value kind %v", k)
	}
	names := []string{"undefined", "error", "boolean", "integer", "real", "string", "list", "classad", "unknown"}
	for k := UndefinedKind; k <= AdKind+1; k++ {
		if k.String() != names[k] {
			t.Errorf("Kind(%d).String() = %q", k, k.String())
		}
	}
	l := ListValue(IntValue(1))
	elems, _ := l.ListVal()
	elems[0] = IntValue(9)
	if e2, _ := l.ListVal(); !e2[0].Equal(IntValue(1)) {
		t.Error("ListVal exposes storage")
	}
	inner := NewAd()
	_ = inner.SetInt("x", 1)
	av := AdValue(inner)
	_ = inner.SetInt("x", 2)
	got, ok := av.AdVal()
	if !ok {
		t.Fatal("AdVal not ok")
	}
	if v, _ := got.GetInt("x"); v != 1 {
		t.Error("AdValue shares storage")
	}
	if i, ok := RealValue(-2.9).NumberAsInt(); !ok || i != -2 {
		t.Errorf("NumberAsInt(-2.9) = %d", i)
	}
	if i, _ := RealValue(1e300).NumberAsInt(); i != math.MinInt64 {
		t.Errorf("NumberAsInt(1e300) = %d", i)
	}
	if _, ok := StringValue("1").NumberAsReal(); ok {
		t.Error("NumberAsReal accepted a string")
	}
	if !RealValue(math.NaN()).Equal(RealValue(math.NaN())) || RealValue(0).Equal(RealValue(math.Copysign(0, -1))) {
		t.Error("Equal on reals")
	}
	if b, ok := RealValue(math.NaN()).BoolEquiv(); !ok || !b {
		t.Error("NaN is not true")
	}
	if !Lit(av).Eval(nil).Equal(av) || av.String() != "[ x = 1 ]" {
		t.Errorf("Lit(ad value) = %v", Lit(av))
	}
	if ListValue(IntValue(1)).Equal(ListValue(IntValue(1), IntValue(2))) {
		t.Error("lists of different length are equal")
	}
}
