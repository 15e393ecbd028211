package credstore

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestMarkAndSweep: marks are created only for users with credentials,
// and swept after SEC_CREDENTIAL_SWEEP_DELAY (credentials.md §6.4).
func TestMarkAndSweep(t *testing.T) {
	now := time.Now().Add(time.Minute) // marks made now are one minute old
	e := newEnv(t, func(o *Options) { o.Now = func() time.Time { return now } })
	// alice has OAuth and Kerberos credentials, bob only OAuth, carol none.
	for _, u := range []string{"alice", "bob"} {
		if r := e.do(req(u+"@x", "", TypeOAuth|OpAdd, []byte("t"), oauthAd("service", "svc", "NeedRefresh", false))); r.Code <= 100 {
			t.Fatalf("add %s: %+v", u, r)
		}
	}
	if r := e.do(req("alice@x", "", TypeKrb|OpAdd, krbFile, nil)); r.Code != SuccessPending {
		t.Fatal(r)
	}
	os.WriteFile(filepath.Join(e.krb, "alice.cc"), []byte("cc"), 0o600)
	for _, u := range []string{"alice@x", "bob", "carol"} {
		if err := e.s.MarkForSweeping(u); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.s.MarkForSweeping("../x"); err == nil {
		t.Error("bad user name accepted")
	}
	want := []string{"alice.mark", "alice/", "alice/svc.use", "bob.mark", "bob/", "bob/svc.use"}
	if got := tree(t, e.oauth); !cmp.Equal(got, want) {
		t.Errorf("OAuth dir %q", got)
	}
	if got := tree(t, e.krb); !cmp.Equal(got, []string{"alice.cc", "alice.cred", "alice.mark"}) {
		t.Errorf("Kerberos dir %q", got)
	}

	// Marks are fresh: nothing goes.
	if removed, err := e.s.Sweep(); err != nil || len(removed) != 0 {
		t.Errorf("fresh sweep removed %q, %v", removed, err)
	}
	// Exactly SweepDelay old: OAuth sweeps (>=), Kerberos waits (>).
	age := now.Unix() - 3600
	for _, p := range []string{filepath.Join(e.oauth, "alice.mark"), filepath.Join(e.krb, "alice.mark")} {
		setMtime(t, p, age)
	}
	removed, err := e.s.Sweep()
	if err != nil {
		t.Fatal(err)
	}
	if !cmp.Equal(removed, []string{filepath.Join(e.oauth, "alice.mark"), filepath.Join(e.oauth, "alice")}) {
		t.Errorf("removed %q", removed)
	}
	setMtime(t, filepath.Join(e.krb, "alice.mark"), age-1)
	removed, _ = e.s.Sweep()
	wantK := []string{filepath.Join(e.krb, "alice.cred"), filepath.Join(e.krb, "alice.cc"), filepath.Join(e.krb, "alice.mark")}
	if !cmp.Equal(removed, wantK) {
		t.Errorf("removed %q", removed)
	}
	if got := tree(t, e.oauth); !cmp.Equal(got, []string{"bob.mark", "bob/", "bob/svc.use"}) {
		t.Errorf("after sweep %q", got)
	}
	// Interest in bob's credentials clears his mark: never swept.
	e.do(req("bob@x", "", TypeOAuth|OpQuery, nil, nil))
	mustNotExist(t, filepath.Join(e.oauth, "bob.mark"))

	// A "mark" that is a directory (user "marky.mark" next to "marky") is
	// left alone.
	os.Mkdir(filepath.Join(e.oauth, "marky"), 0o700)
	os.Mkdir(filepath.Join(e.oauth, "marky.mark"), 0o700)
	setMtime(t, filepath.Join(e.oauth, "marky.mark"), 1)
	if removed, _ := e.s.Sweep(); len(removed) != 0 {
		t.Errorf("swept %q", removed)
	}
}
