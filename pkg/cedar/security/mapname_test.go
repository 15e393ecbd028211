package security

import (
	"testing"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// TestMapIdentity: CERTIFICATE_MAPFILE applies to names a method set, a
// canonical name is split at its last '@' (UID_DOMAIN without one, 255
// bytes at most), and TOKEN identities (no authenticated name) and
// unmatched names are left alone.
func TestMapIdentity(t *testing.T) {
	srv := &Server{UIDDomain: "uid.example", MapName: func(method, name string) (string, bool) {
		switch {
		case method == "SSL" && name == "/CN=alice":
			return "alice@example.org", true
		case method == "FS" && name == "bob":
			return "robert", true
		case method == "CLAIMTOBE":
			return "a@b@c", true
		case method == "ANONYMOUS":
			return string(make([]byte, 300)), true
		}
		return "", false
	}}
	for _, tc := range []struct {
		method    string
		in        auth.Identity
		user, dom string
	}{
		{"SSL", auth.Identity{User: "ssl", Domain: "unmapped", AuthenticatedName: "/CN=alice"}, "alice", "example.org"},
		{"FS", auth.Identity{User: "bob", Domain: "x", AuthenticatedName: "bob"}, "robert", "uid.example"},
		{"CLAIMTOBE", auth.Identity{User: "z", AuthenticatedName: "z"}, "a@b", "c"},
		{"FS", auth.Identity{User: "carol", Domain: "x", AuthenticatedName: "carol"}, "carol", "x"},
		{"IDTOKENS", auth.Identity{User: "dave", Domain: "y"}, "dave", "y"},
	} {
		got := srv.mapIdentity(tc.method, tc.in)
		if got.User != tc.user || got.Domain != tc.dom {
			t.Errorf("%s %q: %s@%s, want %s@%s", tc.method, tc.in.AuthenticatedName, got.User, got.Domain, tc.user, tc.dom)
		}
	}
	if got := srv.mapIdentity("ANONYMOUS", auth.Identity{AuthenticatedName: "anonymous"}); len(got.User) != 255 || got.Domain != "uid.example" {
		t.Errorf("long canonical name: %d bytes, domain %q", len(got.User), got.Domain)
	}
	if got := (&Server{}).mapIdentity("FS", auth.Identity{User: "u", AuthenticatedName: "u"}); got.User != "u" {
		t.Errorf("no map file: %+v", got)
	}
}
