package classad

import (
	"strings"
	"testing"
)

// seedExprs is the seed corpus shared by the expression fuzz targets: wire
// expressions from the transcripts plus the awkward corners of the grammar.
var seedExprs = []string{
	`((Name == "schedd@vm"))`,
	`(RecentDaemonCoreDutyCycle > 0.98) || (TransferQueueNumWaitingToUpload > TransferQueueMaxUploading)`,
	`strcat("Owner_",Owner)`,
	`"{[ p=\"primary\"; a=\"127.0.0.1\"; port=29819; ], [ p=\"IPv4\" ]}"`,
	`sub =?= "alice@pool.example.com" && iat <= 1588474719`,
	`-1.0`, `1e400`, `.5`, `-.5`, `0`, `-012`, `1E-05`, `9223372036854775807`,
	`a - -5`, `- - 5`, `!a`, `~a`, `+a`, `a ?: b ?: c`, `x ? y : z`, `a[0].b`, `.a`,
	`[ a = 1; b = a + 1; 'c d' = { 1, 2 } ].b`, `{ [ x = 1 ], [ x = 2 ] }.x`,
	`MY.A =?= TARGET.B`, `a is b`, `a isnt b`, `"a\"b"`, `"C:\new"`, `"a\"`,
	`member(1, {1,2})`, `regexp("^a", "abc", "i")`, `stringListMember("a", "a,b")`,
	`join(",", {"a", "b"})`, `substr("abc", -2, 1)`, `real("NaN")`, `int("3.7")`,
	`ifThenElse(x, 1/0, 2)`, `1 << 64 >>> 3 & 7 | 1 ^ 2`, `/* c */ 1 // x`,
	`'parent'.x`, `CurrentTime`, `time()`, `size([a=1;b=2])`, `1 .b`,
	`-9223372036854775808 / -1`, `"é\t"`, `f(a;b)`,
}

// unsafeOld reports whether n holds a string or name that old syntax
// cannot write back unambiguously: a value ending in a backslash, or a
// delimiter followed by a newline (cedar.md §3.4; the C++ shares this).
func unsafeOld(n node) bool {
	bad := func(s string, delim byte) bool {
		return strings.HasSuffix(s, `\`) || strings.Contains(s, string(delim)+"\n")
	}
	switch n := n.(type) {
	case *litNode:
		return n.v.kind == StringKind && bad(n.v.s, '"')
	case *attrNode:
		return bad(n.name, '\'')
	case *selectNode:
		return bad(n.name, '\'') || unsafeOld(n.base)
	case *opNode:
		for _, c := range []node{n.a, n.b, n.c} {
			if c != nil && unsafeOld(c) {
				return true
			}
		}
	case *callNode:
		if bad(n.name, '\'') {
			return true
		}
		for _, a := range n.args {
			if unsafeOld(a) {
				return true
			}
		}
	case *listNode:
		for _, e := range n.elems {
			if unsafeOld(e) {
				return true
			}
		}
	case *adNode:
		for _, a := range n.ad.attrs {
			if bad(a.name, '\'') || unsafeOld(a.expr.root()) {
				return true
			}
		}
	}
	return false
}

// converge unparses and re-parses until the text stops changing. It must,
// though not at once: reals printed with 16 digits may move once, nested
// ads get sorted, and " -5" (unary minus on 5) reads back as the literal
// -5, so each round absorbs one minus of a chain like "- - - 5" (bounded by
// MaxParseDepth).
func converge(t *testing.T, text string, parse func(string) (Expr, error), unparse func(Expr) string) {
	t.Helper()
	prev := text
	for range MaxParseDepth + 4 {
		e, err := parse(prev)
		if err != nil {
			t.Fatalf("re-parse of unparsed text %q failed: %v", prev, err)
		}
		next := unparse(e)
		if next == prev {
			return
		}
		prev = next
	}
	t.Fatalf("unparse did not converge, last text %q", prev)
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range seedExprs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if e, err := ParseExpr(s); err == nil {
			_ = e.UnparseOld()
			converge(t, e.UnparseNew(), ParseExprNew, Expr.UnparseNew)
		}
		if e, err := ParseExprNew(s); err == nil {
			_ = e.UnparseOld()
			converge(t, e.UnparseNew(), ParseExprNew, Expr.UnparseNew)
		}
		if _, _, err := ParseLiteralAssignment("A = " + s); err == nil {
			if _, err := ParseExpr(s); err != nil {
				t.Fatalf("literal %q accepted by the strict reader but not by ParseExpr: %v", s, err)
			}
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	for _, s := range seedExprs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil || unsafeOld(e.root()) {
			return
		}
		converge(t, e.UnparseOld(), ParseExpr, Expr.UnparseOld)
		// A wire line round-trips through the assignment helpers too.
		line := UnparseAssignment("A", e)
		_, e2, err := ParseAssignment(line)
		if err != nil {
			t.Fatalf("ParseAssignment(%q): %v", line, err)
		}
		converge(t, e2.UnparseOld(), ParseExpr, Expr.UnparseOld)
	})
}

func FuzzEval(f *testing.F) {
	for _, s := range seedExprs {
		f.Add(s)
	}
	ad, err := ParseOld(strings.Join([]string{
		`A = 1`, `B = A + 1`, `C = C`, `S = "str"`, `L = { 1, "x", [ a = 2 ] }`,
		`N = [ x = 1; y = x + A ]`, `R = 2.5`, `U = undefined`, `E = error`,
		`Name = "schedd@vm"`, `sub = "alice@example.net"`, `iat = 1588474719`,
	}, "\n"))
	if err != nil {
		f.Fatal(err)
	}
	target, _ := ParseOld("X = 5\nY = MY.X + A\nA = 100")
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil {
			return
		}
		v := e.Eval(ad)
		_ = v.String()
		_ = v.UnparseNew()
		_ = e.EvalMatch(ad, target)
		_, _ = EvalBool(e, nil)
		c := ad.Clone()
		if c.Set("Self", e) == nil {
			_ = c.Get("Self")
		}
	})
}

func FuzzParseOld(f *testing.F) {
	f.Add("A = 1\nB = \"x\"\n# c\n\nC = [ d = 1 ]\n")
	f.Add("Requirements = ((Name == \"schedd@vm\"))\nProjection = \"a b\"\n")
	f.Add("X = \"a\\\"\nY = 2\n")
	for _, s := range seedExprs {
		f.Add("Attr = " + s + "\n")
	}
	f.Fuzz(func(t *testing.T, text string) {
		ad, err := ParseOld(text)
		if err != nil {
			return
		}
		_ = ad.UnparseOld(FlatMapOrder)
		_ = ad.UnparseNew()
		_ = LongFormat(ad)
		_ = JSONListFormat(ad)
		for _, a := range ad.attrs {
			if unsafeOld(a.expr.root()) {
				continue
			}
			l := UnparseAssignment(a.name, a.expr)
			if _, _, err := ParseAssignment(l); err != nil {
				t.Fatalf("wire line %q does not parse back: %v", l, err)
			}
		}
		if _, err := ParseJSON(ad.MarshalJSONCompact()); err != nil {
			t.Fatalf("JSON of a parsed ad does not parse back: %v\n%s", err, ad.MarshalJSONCompact())
		}
	})
}

func FuzzParseJSON(f *testing.F) {
	f.Add([]byte(`{"A": 1,"B": "x","C": [1,2],"D": {"e": null},"F": "\/Expr(A + 1)\/"}`))
	f.Add([]byte("[\n{\n  \"ClientId\": \"vm-354\",\n  \"TokenLifetime\": 300\n}\n]\n"))
	f.Add([]byte(`{"S": "\u00e9\ud83d\ude00\n", "R": -1.5e3, "T": true, "E": "\/Expr(error)\/"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ad, err := ParseJSON(data)
		if err != nil {
			return
		}
		out := ad.MarshalJSONCompact()
		prev := out
		for range 4 {
			again, err := ParseJSON(prev)
			if err != nil {
				t.Fatalf("own JSON output does not parse: %v\n%s", err, prev)
			}
			next := again.MarshalJSONCompact()
			if string(next) == string(prev) {
				break
			}
			prev = next
		}
		_ = ad.MarshalJSONIndent(AlphabeticalOrder)
		_ = ad.UnparseOld(InsertionOrder)
	})
}
