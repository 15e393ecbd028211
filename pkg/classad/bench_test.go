package classad

import (
	"strings"
	"testing"
)

// scheddAdLines returns the 172-attribute schedd ad of collector_query.json
// (the reply to condor_status -schedd -long), a typical full ad.
func scheddAdLines(b *testing.B) []string {
	b.Helper()
	var ads []transcriptAd
	walkAds("collector_query.json", loadTranscript(b, "collector_query.json"), "", &ads)
	for _, ta := range ads {
		if len(ta.lines) > 100 {
			return ta.lines
		}
	}
	b.Fatal("no large ad in collector_query.json")
	return nil
}

// policyLines is the client security policy ad of cedar.md §4.3.
var policyLines = []string{
	`Enact = "NO"`, `Command = 60046`, `Integrity = "REQUIRED"`, `ServerPid = 15732`,
	`Subsystem = "TOOL"`, `Encryption = "REQUIRED"`, `IssuerKeys = "POOL"`, `NewSession = "YES"`,
	`AuthMethods = "FS,TOKEN,SSL"`, `TrustDomain = "example.net"`, `SessionLease = 3600`,
	`ConnectSinful = "<127.0.0.1:46281?alias=vm>"`, `CryptoMethods = "AES,BLOWFISH,3DES"`,
	`ECDHPublicKey = "BMjiC/comSRegd3OLj5MfHoiIRYMjT4/ziYm7uG94EuvbjWgIIXjBiTFcTICrcEUGT0nt+Cof1tqODeIyDlEgto="`,
	`RemoteVersion = "$CondorVersion: 25.14.0 2026-11-25 PRE-RELEASE-UWCS $"`,
	`Authentication = "REQUIRED"`, `SessionDuration = "60"`, `AuthenticationNew = "OPTIONAL"`,
	`NegotiatedSession = true`, `OutgoingNegotiation = "REQUIRED"`,
}

func BenchmarkParseScheddAd(b *testing.B) {
	lines := scheddAdLines(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLines(lines); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseLiteralPolicyAd(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseLiteralAd(policyLines); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkUnparseScheddAd(b *testing.B) {
	ad, err := ParseLines(scheddAdLines(b))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = ad.AssignmentLines(FlatMapOrder)
	}
}

func BenchmarkEvalScheddAd(b *testing.B) {
	ad, err := ParseLines(scheddAdLines(b))
	if err != nil {
		b.Fatal(err)
	}
	names := ad.Names()
	b.ReportAllocs()
	for b.Loop() {
		for _, n := range names {
			_ = ad.Get(n)
		}
	}
}

func BenchmarkEvalRevocation(b *testing.B) {
	e := MustParseExpr(`sub =?= "alice@pool.example.com" && iat <= 1588474719 || member(jti, {"a", "b", "c"})`)
	claims := map[string]any{"sub": "bob@pool.example.com", "iat": float64(1588474720),
		"jti": "c760c2af193a1fd4e40bc9c53c96ee7c", "iss": "pool.example.com", "scope": "condor:/READ"}
	b.ReportAllocs()
	for b.Loop() {
		if TokenRevoked(e, claims) {
			b.Fatal("revoked")
		}
	}
}

func BenchmarkParseExprRequirements(b *testing.B) {
	src := strings.Repeat(`(TARGET.Arch == "X86_64") && (TARGET.Memory >= RequestMemory) && `, 4) + `true`
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExpr(src); err != nil {
			b.Fatal(err)
		}
	}
}
