package credstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGetToken: CREDD_GET_TOKEN reads "<dir>/<owner>/<svc>[_<h>].use"
// (credentials.md §5.7; acceptance.md HC-1, HC-2).
func TestGetToken(t *testing.T) {
	e := newEnv(t, nil)
	ok := func(ad map[string]any) TokenRequest {
		return TokenRequest{Caller: "alice@htc.local", Authenticated: true, Encrypted: true, Peer: "<127.0.0.1:4000>", Ad: ad}
	}
	if r := e.do(req("alice@htc.local", "", TypeOAuth|OpAdd, []byte("plain-token"), oauthAd("service", "plain"))); r.Code <= 100 {
		t.Fatalf("add: %+v", r)
	}
	if r := e.do(req("alice@htc.local", "", TypeOAuth|OpAdd, []byte("h-token"), oauthAd("service", "plain", "handle", "h", "NeedRefresh", false))); r.Code <= 100 {
		t.Fatalf("add: %+v", r)
	}
	if r := e.do(req("alice@htc.local", "", TypeOAuth|OpAdd, []byte("refresh"), oauthAd("service", "scitokens"))); r.Code != SuccessPending {
		t.Fatalf("add: %+v", r)
	}
	use := func(n string) string { return filepath.Join(e.oauth, "alice", n) }
	tests := []struct {
		name string
		req  TokenRequest
		want map[string]any
	}{
		{"HC-2 plain", ok(oauthAd("Service", "plain")), map[string]any{AttrToken: "plain-token"}},
		{"handle", ok(oauthAd("service", "plain", "handle", "h")), map[string]any{AttrToken: "h-token"}},
		{"only a .top", ok(oauthAd("Service", "scitokens")),
			map[string]any{AttrErrorString: "cred_get_token_handler(): " + use("scitokens.use") + " not an existing regular file."}},
		{"unauthenticated", TokenRequest{Caller: "alice@htc.local", Encrypted: true, Peer: "<1.2.3.4:5>", Ad: oauthAd("Service", "plain")},
			map[string]any{AttrErrorString: "cred_get_token_handler(): WARNING - authentication failed for credential fetch attempt from <1.2.3.4:5>"}},
		{"unencrypted", TokenRequest{Caller: "alice@htc.local", Authenticated: true, Peer: "<1.2.3.4:5>", Ad: oauthAd("Service", "plain")},
			map[string]any{AttrErrorString: "cred_get_token_handler(): WARNING - credential fetch attempt without encryption from <1.2.3.4:5>"}},
		{"no service", ok(nil), map[string]any{AttrErrorString: "cred_get_token_handler(): invalid command ad, no Service attribute."}},
		{"service not a string", ok(oauthAd("Service", 1)), map[string]any{AttrErrorString: "cred_get_token_handler(): invalid command ad, no Service attribute."}},
		{"empty service", ok(oauthAd("Service", "")), map[string]any{AttrErrorString: "cred_get_token_handler(): invalid command ad, empty Service attribute."}},
		{"bad service", ok(oauthAd("Service", "../alice/plain")), map[string]any{AttrErrorString: "cred_get_token_handler(): illegal character in service name."}},
		{"empty handle", ok(oauthAd("Service", "plain", "Handle", "")), map[string]any{AttrErrorString: "cred_get_token_handler(): invalid command ad, empty Handle attribute."}},
		{"bad handle", ok(oauthAd("Service", "plain", "Handle", "h/..")), map[string]any{AttrErrorString: "cred_get_token_handler(): illegal character in handle name."}},
		{"other user", TokenRequest{Caller: "bob@htc.local", Authenticated: true, Encrypted: true, Ad: oauthAd("Service", "plain")},
			map[string]any{AttrErrorString: "cred_get_token_handler(): " + filepath.Join(e.oauth, "bob", "plain.use") + " not an existing regular file."}},
		{"bad owner", TokenRequest{Caller: "..@htc.local", Authenticated: true, Encrypted: true, Ad: oauthAd("Service", "plain")},
			map[string]any{AttrErrorString: "cred_get_token_handler(): illegal character in user name."}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, e.s.GetToken(tt.req)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", tt.name, diff)
		}
	}
	// A link where the token belongs is not read.
	if err := os.Symlink(use("plain.use"), use("link.use")); err != nil {
		t.Fatal(err)
	}
	if got := e.s.GetToken(ok(oauthAd("Service", "link"))); got[AttrToken] != nil {
		t.Errorf("followed a link: %v", got)
	}
	unset := newEnv(t, func(o *Options) { o.OAuthDir = "" })
	want := map[string]any{AttrErrorString: "cred_get_token_handler(): SEC_CREDENTIAL_DIRECTORY_OAUTH not defined."}
	if got := unset.s.GetToken(ok(oauthAd("Service", "plain"))); !cmp.Equal(got, want) {
		t.Errorf("unset directory: %v", got)
	}
}
