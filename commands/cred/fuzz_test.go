package cred

import (
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
)

// Whatever a daemon replies to STORE_CRED (any result int, any reply ad),
// condor_store_cred's and the cred verbs' reports never panic, and a
// success never prints a failure text.
func FuzzStoreCredReply(f *testing.F) {
	f.Add(int64(1), "fully_qualified_user = \"u@d\"\nsvc = 1795640672\n", 0)
	f.Add(int64(6), "CredTime = 1795640205\n", 1)
	f.Add(int64(1795640197), "", 2)
	f.Add(int64(-1), "x = [ a = 1 ]\n", 3)
	f.Add(int64(1<<40), "_condor_priv = \"s\"\n", 4)
	f.Add(int64(13), "", 5)
	argvs := [][]string{
		{"add-oauth", "-s", "svc", "-i", "-"},
		{"query-oauth"},
		{"delete-krb"},
		{"query", "-u", "a@b"},
		{"-c", "add", "-p", "x"},
		{"add-krb", "-i", "-"},
	}
	f.Fuzz(func(t *testing.T, code int64, adText string, which int) {
		if which < 0 {
			which = -which
		}
		args := argvs[which%len(argvs)]
		var ad *classad.Ad
		if adText != "" {
			a, err := classad.ParseOld(adText)
			if err != nil {
				return
			}
			ad = a
		}
		e := newEnv(t, "htcuser", 1001, "")
		e.stdin.WriteString("secret")
		e.fc.reply = client.StoreCredReply{Code: code, Ad: ad}
		if c, _ := e.legacyRun(t, args...); c == 0 && strings.Contains(e.stdout.String(), "failed") {
			t.Fatalf("exit 0 with %q", e.stdout)
		}
		e = newEnv(t, "htcuser", 1001, "")
		e.stdin.WriteString("secret")
		e.fc.reply = client.StoreCredReply{Code: code, Ad: ad}
		_ = e.modern("query", "--type", "oauth", "-o", "json")
		_ = e.modern("add", "--type", "krb", "--from", "-")
	})
}
