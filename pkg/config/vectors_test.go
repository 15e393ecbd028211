package config

import (
	"encoding/json"
	"fmt"
	"github.com/condor-auth/condor-auth/internal/transcript"
	"path/filepath"
	"strings"
	"testing"
)

// transcriptConfig is the "config" object of a wire transcript
// (testdata/vectors/transcripts/README.md): the pool's configuration lines
// in file order and the effective values a real 25.14.0 build reported.
type transcriptConfig struct {
	pool      [][2]string
	effective map[string]string
}

// readTranscriptConfig decodes the pool lines keeping their order.
func readTranscriptConfig(t *testing.T, file string) transcriptConfig {
	t.Helper()
	data := transcript.Load(t, file).Raw
	var doc struct {
		Config struct {
			Pool      json.RawMessage   `json:"pool"`
			Effective map[string]string `json:"effective_values"`
		} `json:"config"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	dec := json.NewDecoder(strings.NewReader(string(doc.Config.Pool)))
	if _, err := dec.Token(); err != nil { // {
		t.Fatal(err)
	}
	tc := transcriptConfig{effective: doc.Config.Effective}
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v string
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		tc.pool = append(tc.pool, [2]string{k.(string), v})
	}
	return tc
}

// TestTranscriptPoolConfig loads the configuration of the pool the wire
// transcripts were recorded on and checks the values the real tools had in
// force (use security:recommended and the defaults), plus the per-command
// _CONDOR_ overrides of the transcripts.
func TestTranscriptPoolConfig(t *testing.T) {
	for _, file := range []string{"token_fetch_fs.json", "ping_idtoken.json", "token_request_approve.json",
		"store_cred_oauth.json", "collector_query.json"} {
		t.Run(file, func(t *testing.T) {
			tc := readTranscriptConfig(t, file)
			dir := t.TempDir()
			local := filepath.Join(dir, "local")
			var b strings.Builder
			for _, kv := range tc.pool {
				v := strings.NewReplacer("<RELEASE_DIR>", filepath.Join(dir, "release"), "<LOCAL_DIR>", local).Replace(kv[1])
				if kv[0] == "use" {
					fmt.Fprintf(&b, "use %s\n", v)
				} else {
					fmt.Fprintf(&b, "%s = %s\n", kv[0], v)
				}
			}
			c := loadText(t, b.String())
			if len(tc.effective) == 0 {
				t.Fatal("no effective values in the transcript")
			}
			for k, want := range tc.effective {
				want = strings.ReplaceAll(want, "<LOCAL_DIR>", local)
				if got := get(t, c, k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if w := c.Warnings(); len(w) != 0 {
				t.Errorf("unexpected warnings: %q", w)
			}
		})
	}
}

func TestTranscriptToolOverrides(t *testing.T) {
	tc := readTranscriptConfig(t, "ping_idtoken.json")
	var b strings.Builder
	for _, kv := range tc.pool {
		if kv[0] == "use" {
			fmt.Fprintf(&b, "use %s\n", kv[1])
		} else {
			fmt.Fprintf(&b, "%s = %s\n", kv[0], kv[1])
		}
	}
	c := loadText(t, b.String(), "_CONDOR_SEC_CLIENT_AUTHENTICATION_METHODS=IDTOKENS", "_CONDOR_SEC_TOKEN_DIRECTORY=/tmp/tokdir")
	if got := get(t, c, "SEC_CLIENT_AUTHENTICATION_METHODS"); got != "IDTOKENS" {
		t.Errorf("SEC_CLIENT_AUTHENTICATION_METHODS = %q", got)
	}
	if got := get(t, c, "SEC_TOKEN_DIRECTORY"); got != "/tmp/tokdir" {
		t.Errorf("SEC_TOKEN_DIRECTORY = %q", got)
	}
	if got := get(t, c, "SEC_DEFAULT_AUTHENTICATION_METHODS"); got != "FS, IDTOKENS, SSL" {
		t.Errorf("SEC_DEFAULT_AUTHENTICATION_METHODS = %q", got)
	}
	if _, file, _, _ := c.Raw("SEC_CLIENT_AUTHENTICATION_METHODS"); file != SourceEnvironment {
		t.Errorf("source %q, want %q", file, SourceEnvironment)
	}
}
