package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestSecurityRecommended checks "use SECURITY : recommended" against
// cedar.md §4.5 (recommended_v24_0) and the transcripts' effective values.
func TestSecurityRecommended(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "condor_config", "\nuse SECURITY : recommended\n")
	c, err := Load(opts(t, global))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"SECURITY_MODEL":             "24.0",
		"SEC_DEFAULT_ENCRYPTION":     "required",
		"SEC_DEFAULT_INTEGRITY":      "required",
		"SEC_DEFAULT_AUTHENTICATION": "required",
		"SEC_READ_AUTHENTICATION":    "OPTIONAL",
		"SEC_CLIENT_AUTHENTICATION":  "OPTIONAL",
		"ALLOW_ADMINISTRATOR":        "condor@* condor@password root@*",
		"ALLOW_DAEMON":               "condor@*  condor@password",
		"ALLOW_NEGOTIATOR":           "condor@* condor@password",
		"ALLOW_WRITE":                "*",
		"ALLOW_READ":                 "*",
	}
	for name, w := range want {
		if got := get(t, c, name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	if _, ok := c.Get("SEC_READ_ENCRYPTION"); ok {
		t.Error("SEC_READ_ENCRYPTION is a v9_0 knob")
	}
	e, _ := c.Describe("ALLOW_DAEMON")
	if e.Source != (Source{File: global, Line: 2, Meta: "SECURITY:recommended_v24_0"}) {
		t.Errorf("source %+v", e.Source)
	}
	// SecSetting for a tool's CLIENT level.
	if v, k, _ := c.SecSetting("SEC_%s_AUTHENTICATION", "CLIENT"); v != "OPTIONAL" || k != "SEC_CLIENT_AUTHENTICATION" {
		t.Errorf("CLIENT authentication %q from %s", v, k)
	}
	if v, _, _ := c.SecSetting("SEC_%s_ENCRYPTION", "CLIENT"); v != "required" {
		t.Errorf("CLIENT encryption %q", v)
	}
}

func TestMetaknobArguments(t *testing.T) {
	c := loadText(t, "use security:recommended(svc, admin1@x admin2@y, extra@z)\n")
	for name, w := range map[string]string{
		"ALLOW_ADMINISTRATOR": "svc@* condor@password admin1@x admin2@y extra@z",
		"ALLOW_DAEMON":        "svc@*  condor@password",
	} {
		if got := get(t, c, name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	c = loadText(t, "use SECURITY:recommended_v9_0\n")
	if got := get(t, c, "ALLOW_DAEMON"); got != "condor@*  condor_pool@*" {
		t.Errorf("v9_0 ALLOW_DAEMON = %q", got)
	}
	if got := get(t, c, "SEC_READ_INTEGRITY"); got != "OPTIONAL" {
		t.Errorf("v9_0 SEC_READ_INTEGRITY = %q", got)
	}
}

func TestMetaknobs(t *testing.T) {
	c := loadText(t, `
use ROLE : Personal
use role:execute submit, CentralManager
use SECURITY : FIPS
use FEATURE : OAUTH
use POLICY : ALWAYS_RUN_JOBS
`)
	for name, w := range map[string]string{
		"CONDOR_HOST":                    "127.0.0.1",
		"COLLECTOR_HOST":                 "127.0.0.1:0",
		"DAEMON_LIST":                    "MASTER COLLECTOR NEGOTIATOR STARTD SCHEDD STARTD SCHEDD COLLECTOR NEGOTIATOR CREDMON_OAUTH",
		"SEC_DEFAULT_CRYPTO_METHODS":     "AES,3DES",
		"SEC_DEFAULT_ENCRYPTION":         "required",
		"SEC_CREDENTIAL_DIRECTORY_OAUTH": "/var/lib/condor/oauth_credentials",
	} {
		if got := get(t, c, name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	w := c.Warnings()
	if len(w) != 1 || !strings.HasSuffix(w[0], "line 6: use POLICY:ALWAYS_RUN_JOBS ignored: it sets no knob condor-auth reads") {
		t.Errorf("warnings %q", w)
	}
}

func TestSecurityUserBased(t *testing.T) {
	c := loadText(t, "UID_DOMAIN = example.org\nuse SECURITY : user_based\n")
	for name, w := range map[string]string{
		"authuser":            "alice",
		"ALLOW_WRITE":         "alice@example.org",
		"ALLOW_ADMINISTRATOR": "alice@* condor@password root@*",
	} {
		if got := get(t, c, name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
	dir := t.TempDir()
	o := opts(t, writeFile(t, dir, "condor_config", "use SECURITY : user_based\n"))
	o.Identity = &Identity{UID: 0, Name: "root"}
	c, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "ALLOW_WRITE"); got != "*" {
		t.Errorf("root: ALLOW_WRITE = %q", got)
	}
	if got := get(t, c, "ALLOW_DAEMON"); got != "condor@*  condor@password" {
		t.Errorf("root: ALLOW_DAEMON = %q", got)
	}
}

func TestGetHTCondorRoles(t *testing.T) {
	c := loadText(t, "CONDOR_HOST = cm.example.org\nuse ROLE : get_htcondor_submit\n")
	for name, w := range map[string]string{
		"TRUST_DOMAIN":                      "cm.example.org",
		"SEC_CLIENT_AUTHENTICATION_METHODS": "FS,IDTOKENS,KERBEROS,SCITOKENS,SSL,ANONYMOUS",
		"DAEMON_LIST":                       "MASTER SCHEDD",
		"SEC_DEFAULT_AUTHENTICATION":        "required",
	} {
		if got := get(t, c, name); got != w {
			t.Errorf("%s = %q, want %q", name, got, w)
		}
	}
}

func TestSplitMetaItems(t *testing.T) {
	got := splitMetaItems(" a, b(1, (x), [y,z]) c ,d( )")
	want := []metaItem{{name: "a"}, {name: "b", args: "1, (x), [y,z]", hasArgs: true}, {name: "c"}, {name: "d", args: " ", hasArgs: true}}
	if diff := cmp.Diff(want, got, cmp.AllowUnexported(metaItem{})); diff != "" {
		t.Errorf("splitMetaItems (-want +got):\n%s", diff)
	}
}

func TestExpandMetaArgs(t *testing.T) {
	for _, tt := range []struct{ text, args, want string }{
		{"$(1) $(2) $(3)", "a, b ,c", "a b c"},
		{"$(1:x) $(2:y)", "", "x y"},
		{"$(2+)", "a, b, c", "b, c"},
		{"$(0#) $(1?) $(2?)", "a", "1 1 0"},
		{"[$(0)]", "  a,b  ", "[a,b]"},
		{"$(4:none)", "a,b", "none"},
		{"$(A) $(1", "z", "$(A) $(1"},
	} {
		if got := expandMetaArgs(tt.text, tt.args); got != tt.want {
			t.Errorf("expandMetaArgs(%q, %q) = %q, want %q", tt.text, tt.args, got, tt.want)
		}
	}
}
