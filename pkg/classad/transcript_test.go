package classad

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/internal/transcript"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// transcriptAd is one ClassAd found in a transcript.
type transcriptAd struct {
	file  string
	what  string
	lines []string
}

// walkAds collects every {"classad": [...]} object of a decoded JSON
// document, generically, with the "what" of the enclosing message.
func walkAds(file string, v any, what string, out *[]transcriptAd) {
	switch v := v.(type) {
	case map[string]any:
		if w, ok := v["what"].(string); ok {
			what = w
		}
		if lines, ok := v["classad"].([]any); ok {
			ad := transcriptAd{file: file, what: what}
			for _, l := range lines {
				s, ok := l.(string)
				if !ok {
					continue
				}
				ad.lines = append(ad.lines, s)
			}
			*out = append(*out, ad)
		}
		for k, e := range v {
			if k != "classad" {
				walkAds(file, e, what, out)
			}
		}
	case []any:
		for _, e := range v {
			walkAds(file, e, what, out)
		}
	}
}

// loadTranscript returns a transcript as a generic JSON document.
func loadTranscript(t testing.TB, name string) map[string]any {
	t.Helper()
	return genericDoc(t, transcript.Load(t, name))
}

func genericDoc(t testing.TB, tr *transcript.Transcript) map[string]any {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(tr.Raw, &doc); err != nil {
		t.Fatalf("decoding %s: %v", tr.Name, err)
	}
	return doc
}

func allTranscriptAds(t testing.TB) []transcriptAd {
	t.Helper()
	var ads []transcriptAd
	for _, tr := range transcript.LoadAll(t) {
		walkAds(tr.Name+".json", genericDoc(t, tr), "", &ads)
	}
	return ads
}

// TestTranscriptLinesRoundTrip: every ad line on the wire parses and
// unparses back to the same text, and every ad is in flat-map or
// alphabetical order (cedar.md §3.1).
func TestTranscriptLinesRoundTrip(t *testing.T) {
	ads := allTranscriptAds(t)
	lines := 0
	for _, ta := range ads {
		for _, l := range ta.lines {
			lines++
			name, e, err := ParseAssignment(l)
			if err != nil {
				t.Errorf("%s (%s): ParseAssignment(%q): %v", ta.file, ta.what, l, err)
				continue
			}
			if got := UnparseAssignment(name, e); got != l {
				t.Errorf("%s: round trip\n got %q\nwant %q", ta.file, got, l)
			}
			// Every literal also passes the strict reader, with the same value.
			if v, ok := e.Literal(); ok {
				n2, v2, err := ParseLiteralAssignment(l)
				if err != nil || n2 != name || !v2.Equal(v) {
					t.Errorf("%s: ParseLiteralAssignment(%q) = %q, %v, %v", ta.file, l, n2, v2, err)
				}
			}
		}
		ad, err := ParseLines(ta.lines)
		if err != nil {
			t.Errorf("%s: ParseLines: %v", ta.file, err)
			continue
		}
		flat := ad.AssignmentLines(FlatMapOrder)
		alpha := ad.AssignmentLines(AlphabeticalOrder)
		empty := cmpopts.EquateEmpty()
		if !cmp.Equal(flat, ta.lines, empty) && !cmp.Equal(alpha, ta.lines, empty) {
			t.Errorf("%s (%s): ad is in neither flat-map nor alphabetical order:\n%s",
				ta.file, ta.what, cmp.Diff(ta.lines, flat))
		}
		if got := ad.AssignmentLines(InsertionOrder); !cmp.Equal(got, ta.lines, empty) {
			t.Errorf("%s: insertion order not preserved: %s", ta.file, cmp.Diff(ta.lines, got))
		}
	}
	if len(ads) < 50 || lines < 600 {
		t.Fatalf("found only %d ads / %d lines in the transcripts", len(ads), lines)
	}
}

// TestTranscriptSecurityAdsAreLiteral: the security negotiation ads pass
// the strict reader (they are read with getPODClassAd, cedar.md §3.3).
func TestTranscriptSecurityAdsAreLiteral(t *testing.T) {
	n := 0
	for _, ta := range allTranscriptAds(t) {
		w := ta.what
		if !strings.Contains(w, "policy ad") && !strings.Contains(w, "response ad") &&
			!strings.Contains(w, "post-auth ad") {
			continue
		}
		n++
		ad, err := ParseLiteralAd(ta.lines)
		if err != nil {
			t.Errorf("%s (%s): %v", ta.file, w, err)
			continue
		}
		if ad.Len() != len(ta.lines) {
			t.Errorf("%s: %d attributes from %d lines", ta.file, ad.Len(), len(ta.lines))
		}
	}
	if n < 20 {
		t.Fatalf("only %d security ads found", n)
	}
}

func findAd(t *testing.T, file, attr string) *Ad {
	t.Helper()
	var ads []transcriptAd
	walkAds(file, loadTranscript(t, file), "", &ads)
	for _, ta := range ads {
		for _, l := range ta.lines {
			if strings.HasPrefix(l, attr+" = ") {
				ad, err := ParseLines(ta.lines)
				if err != nil {
					t.Fatal(err)
				}
				return ad
			}
		}
	}
	t.Fatalf("%s: no ad with %s", file, attr)
	return nil
}

func stepStdout(t *testing.T, file, tool string) string {
	t.Helper()
	doc := loadTranscript(t, file)
	steps, _ := doc["steps"].([]any)
	for _, s := range steps {
		m, _ := s.(map[string]any)
		cmd, _ := m["command"].([]any)
		if len(cmd) > 0 && cmd[0] == tool {
			out, _ := m["stdout"].(string)
			return out
		}
	}
	t.Fatalf("%s: no step running %s", file, tool)
	return ""
}

// TestTranscriptToolOutputs: the request ad of the LIST reply, printed as
// the real tools printed it (tokens.md §9.5, §9.6; real-tools.md §19, §20),
// and condor_status -long's schedd ad (alphabetical long form).
func TestTranscriptToolOutputs(t *testing.T) {
	const file = "token_request_approve.json"
	req := findAd(t, file, "PeerLocation")

	if got, want := LongFormat(req), stepStdout(t, file, "condor_token_request_list"); got != want {
		t.Errorf("long format:\n%s", cmp.Diff(want, got))
	}
	approve := "Request contents:\n" + req.UnparseOld(FlatMapOrder) + "\nTo approve, please type 'yes'\n"
	if want := stepStdout(t, file, "condor_token_request_approve"); !strings.HasPrefix(want, approve) {
		t.Errorf("approve prompt:\n%s", cmp.Diff(want, approve))
	}

	schedd := findAd(t, "collector_query.json", "CurbMatchmaking")
	want := stepStdout(t, "collector_query.json", "condor_status")
	if got := schedd.UnparseOld(AlphabeticalOrder) + "\n"; got != want {
		t.Errorf("condor_status -long:\n%s", cmp.Diff(want, got))
	}
}
