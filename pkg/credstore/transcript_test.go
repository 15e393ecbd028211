package credstore

import (
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/google/go-cmp/cmp"
)

// transcriptPath is the real STORE_CRED traffic (vectors README,
// acceptance.md RW-15), read relative to the package directory.
const transcriptPath = "../../testdata/vectors/transcripts/store_cred_oauth.json"

type transcript struct {
	CredentialFile struct {
		Content    string `json:"content"`
		ContentHex string `json:"content_hex"`
	} `json:"credential_file"`
	Decoded []struct {
		Connection int `json:"connection"`
		Messages   []struct {
			Dir    string `json:"dir"`
			What   string `json:"what"`
			Values []struct {
				String  *string  `json:"string"`
				Int     *int64   `json:"int"`
				Bytes   *string  `json:"then_bytes_hex"`
				ClassAd []string `json:"classad"`
			} `json:"values"`
		} `json:"messages"`
	} `json:"decoded"`
}

// adFromLines converts transcript ClassAd lines to the map form of
// Request.Ad / Reply.Ad.
func adFromLines(t *testing.T, lines []string) map[string]any {
	t.Helper()
	ad := map[string]any{}
	for _, l := range lines {
		name, v, err := classad.ParseLiteralAssignment(l)
		if err != nil {
			t.Fatalf("transcript ad line %q: %v", l, err)
		}
		if s, ok := v.StringVal(); ok {
			ad[name] = s
		} else if b, ok := v.BoolVal(); ok {
			ad[name] = b
		} else if i, ok := v.IntVal(); ok {
			ad[name] = i
		} else {
			t.Fatalf("unexpected value in %q", l)
		}
	}
	return ad
}

type exchange struct {
	req   Request
	reply Reply
}

// loadExchanges returns the STORE_CRED request and reply of each
// connection of store_cred_oauth.json, with the post-auth identity.
func loadExchanges(t *testing.T) (transcript, []exchange) {
	t.Helper()
	data, err := os.ReadFile(transcriptPath)
	if err != nil {
		t.Fatal(err)
	}
	var tr transcript
	if err := json.Unmarshal(data, &tr); err != nil {
		t.Fatal(err)
	}
	var out []exchange
	for _, c := range tr.Decoded {
		var ex exchange
		ex.req.Authenticated, ex.req.Encrypted = true, true
		for _, m := range c.Messages {
			switch {
			case m.Dir == "S>C" && m.What == "post-auth ad":
				ex.req.Caller = adFromLines(t, m.Values[0].ClassAd)["User"].(string)
			case m.Dir == "C>S" && len(m.Values) == 5 && m.Values[2].Int != nil:
				v := m.Values
				ex.req.User, ex.req.Password = *v[0].String, *v[1].String
				ex.req.Mode = int(*v[2].Int)
				if n := *v[3].Int; n > 0 {
					b, err := hex.DecodeString(*v[3].Bytes)
					if err != nil || int64(len(b)) != n {
						t.Fatalf("credential bytes: %v (%d bytes for credlen %d)", err, len(b), n)
					}
					ex.req.Cred = b
				}
				ex.req.Ad = adFromLines(t, v[4].ClassAd)
			case m.Dir == "S>C" && len(m.Values) == 2 && m.Values[0].Int != nil:
				ex.reply = Reply{Code: *m.Values[0].Int, Ad: adFromLines(t, m.Values[1].ClassAd)}
			}
		}
		out = append(out, ex)
	}
	if len(out) != 2 {
		t.Fatalf("want 2 connections, got %d", len(out))
	}
	return tr, out
}

// TestTranscriptStoreCredOAuth replays both STORE_CRED exchanges of
// store_cred_oauth.json against the store (acceptance.md RW-15, B.5).
func TestTranscriptStoreCredOAuth(t *testing.T) {
	tr, ex := loadExchanges(t)
	e := newEnv(t, nil)

	// Connection 1: add-oauth -s mysvc -i FILE -P (mode 40, NeedRefresh =
	// false) as root, mapped to condor@example.net, user "".
	add := ex[0]
	if add.req.Mode != 40 || add.req.User != "" || add.req.Caller != condorFQU {
		t.Fatalf("unexpected request %+v", add.req)
	}
	if got := hex.EncodeToString(add.req.Cred); got != tr.CredentialFile.ContentHex {
		t.Fatalf("credential on the wire %s, file %s", got, tr.CredentialFile.ContentHex)
	}
	r := e.do(add.req)
	use := filepath.Join(e.oauth, "condor", "mysvc.use")
	if r.Code <= 100 || r.Code != fileMtime(t, use) {
		t.Errorf("add reply %d, want the mtime %d of %s (the transcript sent its store time %d)", r.Code, fileMtime(t, use), use, add.reply.Code)
	}
	if diff := cmp.Diff(add.reply.Ad, r.Ad); diff != "" {
		t.Errorf("add reply ad (-transcript +got):\n%s", diff)
	}
	if got := readFile(t, use); string(got) != tr.CredentialFile.Content {
		t.Errorf("stored %q, want %q", got, tr.CredentialFile.Content)
	}
	if p := perm(t, use); p != 0o600 {
		t.Errorf("%s mode %04o, want 0600", use, p)
	}
	if p := perm(t, filepath.Dir(use)); p != 0o2700 {
		t.Errorf("user dir mode %04o, want 2700 (setgid inherited from the 2770 parent)", p)
	}
	if got := tree(t, e.oauth); !cmp.Equal(got, []string{"condor/", "condor/mysvc.use"}) {
		t.Errorf("OAuth directory holds %q", got)
	}

	// Connection 2: query-oauth -s mysvc. With the file's mtime set to the
	// transcript's store time the reply must be identical.
	setMtime(t, use, add.reply.Code)
	q := ex[1]
	if q.req.Mode != 42 || q.req.Cred != nil {
		t.Fatalf("unexpected query %+v", q.req)
	}
	if diff := cmp.Diff(q.reply, e.do(q.req)); diff != "" {
		t.Errorf("query reply (-transcript +got):\n%s", diff)
	}
	// The tool's exit statuses: 0 for both.
	for i, x := range ex {
		if o, _ := Classify(x.reply.Code, x.req.Mode); o.ExitCode() != 0 {
			t.Errorf("exchange %d: exit %d", i+1, o.ExitCode())
		}
	}
}
