package config

import (
	"errors"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBool follows string_is_boolean_param: a leading true/1/false/0 then
// only white space, else a ClassAd expression with a boolean-equivalent
// value; "yes"/"no" are not booleans in HTCondor.
func TestBool(t *testing.T) {
	c := loadText(t, `
B_TRUE = TRUE
B_ONE = 1
B_FALSE = false
B_NO = False
B_ZERO = 0
B_SPACED = true   
B_BAD = maybe
B_EMPTY =
B_MACRO = $(B_NO)
B_EXPR = 1 == 2 || true
B_NUMBER = 10
B_REAL = 0.0
B_YES = yes
B_NO_WORD = no
B_TRUEX = truex
`)
	for name, want := range map[string]bool{"B_TRUE": true, "B_ONE": true, "B_FALSE": false,
		"B_NO": false, "B_ZERO": false, "B_SPACED": true, "B_MACRO": false, "B_EXPR": true, "B_NUMBER": true, "B_REAL": false} {
		got, err := c.Bool(name, !want)
		if err != nil || got != want {
			t.Errorf("Bool(%s) = %v, %v; want %v", name, got, err, want)
		}
	}
	for _, name := range []string{"B_EMPTY", "B_UNDEFINED"} {
		if got, err := c.Bool(name, true); err != nil || !got {
			t.Errorf("Bool(%s, true) = %v, %v; want the default", name, got, err)
		}
	}
	// Defaults-table booleans.
	if got, err := c.Bool("SEC_ENABLE_TOKEN_FETCH", false); err != nil || !got {
		t.Errorf("SEC_ENABLE_TOKEN_FETCH = %v, %v", got, err)
	}
	for _, name := range []string{"B_YES", "B_NO_WORD", "B_TRUEX"} {
		var ve *ValueError
		if got, err := c.Bool(name, true); !errors.As(err, &ve) || !got {
			t.Errorf("Bool(%s) = %v, %v; want the default and a ValueError", name, got, err)
		}
	}
	got, err := c.Bool("B_BAD", true)
	var ve *ValueError
	if !errors.As(err, &ve) || !got {
		t.Fatalf("Bool(B_BAD) = %v, %v", got, err)
	}
	if !strings.HasPrefix(err.Error(), `B_BAD = "maybe" (config file `) || !strings.HasSuffix(err.Error(), ` line 8) is not a valid boolean; use true or false`) {
		t.Errorf("error text %q", err)
	}
}

func TestInt(t *testing.T) {
	c := loadText(t, `
I_PLAIN = 3600
I_NEG = -5
I_EXPR = 24 * 3600
I_PAREN = (60 * $(I_MIN)) + 1
I_MIN = 60
I_SPACED =  42  
I_BAD = 12abc
I_DIV0 = 1 / 0
I_BIG = 99999999999999999999
I_OVERFLOW = 9223372036854775807 + 1
`)
	for name, want := range map[string]int64{"I_PLAIN": 3600, "I_NEG": -5, "I_EXPR": 86400, "I_PAREN": 3601,
		"I_SPACED": 42, "SEC_TOKEN_REQUEST_LIFETIME": 3600, "COLLECTOR_PORT": 9618, "SHARED_PORT_PORT": 9618} {
		got, err := c.Int(name, -1)
		if err != nil || got != want {
			t.Errorf("Int(%s) = %d, %v; want %d", name, got, err, want)
		}
	}
	if got, err := c.Int("SEC_ISSUED_TOKEN_EXPIRATION", -1); err != nil || got != -1 {
		t.Errorf("undefined int = %d, %v; want the default -1", got, err)
	}
	for name, msg := range map[string]string{
		"I_BAD":      `I_BAD = "12abc" (config file `,
		"I_DIV0":     "division by zero",
		"I_BIG":      "integer overflow",
		"I_OVERFLOW": "integer overflow",
	} {
		got, err := c.Int(name, 7)
		var ve *ValueError
		if !errors.As(err, &ve) || got != 7 || !strings.Contains(err.Error(), msg) || !strings.Contains(err.Error(), "is not a valid integer") {
			t.Errorf("Int(%s) = %d, %v; want the default and an error containing %q", name, got, err, msg)
		}
	}
}

func TestEvalInt(t *testing.T) {
	for in, want := range map[string]int64{"7": 7, " -7 ": -7, "+7": 7, "2+3*4": 14, "(2+3)*4": 20, "-(2)": -2,
		"17 % 5": 2, "17 / 5": 3, "- -3": 3, "-9223372036854775808": -9223372036854775808} {
		if got, err := evalInt(in); err != nil || got != want {
			t.Errorf("evalInt(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "x", "1 +", "(1", "1)", "1.5", "0x10", "true", strings.Repeat("(", 200) + "1" + strings.Repeat(")", 200),
		strings.Repeat("-", 500) + "1"} {
		if got, err := evalInt(in); err == nil {
			t.Errorf("evalInt(%q) = %d, want an error", in, got)
		}
	}
}

func TestList(t *testing.T) {
	c := loadText(t, "L = a, b  c,,d\t,\nE =\n")
	if diff := cmp.Diff([]string{"a", "b", "c", "d"}, c.List("L")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
	if got := c.List("E"); got != nil {
		t.Errorf("List(E) = %q", got)
	}
	if diff := cmp.Diff([]string{"POOL", "AP"}, c.List("SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS")); diff != "" {
		t.Errorf("List (-want +got):\n%s", diff)
	}
}

func TestRawNamesSet(t *testing.T) {
	dir := t.TempDir()
	global := writeFile(t, dir, "condor_config", "zeta = 1\nAlpha = $(zeta)\nuse SECURITY : strong\n")
	c, err := Load(opts(t, global))
	if err != nil {
		t.Fatal(err)
	}
	if raw, file, line, ok := c.Raw("alpha"); raw != "$(zeta)" || file != global || line != 2 || !ok {
		t.Errorf("Raw(alpha) = %q %s %d %v", raw, file, line, ok)
	}
	if raw, file, line, ok := c.Raw("SEC_PASSWORD_FILE"); raw != "$(SEC_PASSWORD_DIRECTORY)/POOL" || file != SourceDefault || line != 0 || !ok {
		t.Errorf("Raw(SEC_PASSWORD_FILE) = %q %s %d %v", raw, file, line, ok)
	}
	if _, _, _, ok := c.Raw("NO_SUCH_KNOB"); ok {
		t.Error("Raw of an unknown knob is ok")
	}
	e, _ := c.Describe("SEC_DEFAULT_ENCRYPTION")
	if want := (Entry{Name: "SEC_DEFAULT_ENCRYPTION", Raw: "required", Source: Source{File: global, Line: 3, Meta: "SECURITY:STRONG"}}); e != want {
		t.Errorf("Describe = %+v, want %+v", e, want)
	}
	names := c.Names()
	if !sort.SliceIsSorted(names, func(i, j int) bool { return upper(names[i]) < upper(names[j]) }) {
		t.Error("Names is not sorted")
	}
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	for _, n := range []string{"zeta", "Alpha", "SEC_TOKEN_ISSUER_KEY", "FULL_HOSTNAME", "SEC_DEFAULT_ENCRYPTION"} {
		if !has[n] {
			t.Errorf("Names lacks %s", n)
		}
	}

	c.Set("zeta", "$(zeta)2")
	if got := get(t, c, "Alpha"); got != "12" {
		t.Errorf("after Set, Alpha = %q", got)
	}
	c.Set("TOOL.TRUST_DOMAIN", "override.example")
	if got := get(t, c, "TRUST_DOMAIN"); got != "override.example" {
		t.Errorf("after Set, TRUST_DOMAIN = %q", got)
	}
	if _, file, _, _ := c.Raw("zeta"); file != SourceOverride {
		t.Errorf("source %q", file)
	}
	if v, err := c.Expand("[$(zeta)] $(DOLLAR)"); err != nil || v != "[12] $" {
		t.Errorf("Expand = %q, %v", v, err)
	}
}

func TestSecSetting(t *testing.T) {
	c := loadText(t, `
SEC_DEFAULT_AUTHENTICATION = REQUIRED
SEC_READ_AUTHENTICATION = OPTIONAL
SEC_WRITE_ENCRYPTION = NEVER
SEC_DAEMON_INTEGRITY = PREFERRED
SEC_DEFAULT_INTEGRITY = REQUIRED
`)
	for _, tt := range []struct {
		format, perm, value, knob string
		ok                        bool
	}{
		{"SEC_%s_AUTHENTICATION", "CLIENT", "REQUIRED", "SEC_DEFAULT_AUTHENTICATION", true},
		{"SEC_%s_AUTHENTICATION", "read", "OPTIONAL", "SEC_READ_AUTHENTICATION", true},
		{"SEC_%s_INTEGRITY", "ADVERTISE_STARTD", "PREFERRED", "SEC_DAEMON_INTEGRITY", true},
		{"SEC_%s_INTEGRITY", "WRITE", "REQUIRED", "SEC_DEFAULT_INTEGRITY", true},
		// Not legacy: DAEMON does not fall back to WRITE.
		{"SEC_%s_ENCRYPTION", "DAEMON", "", "", false},
		{"SEC_%s_AUTHENTICATION_METHODS", "CLIENT", "FS,IDTOKENS,KERBEROS,SCITOKENS,SSL", "SEC_DEFAULT_AUTHENTICATION_METHODS", true},
		{"SEC_%s_AUTHENTICATION", "NOSUCHPERM", "", "", false},
	} {
		v, k, ok := c.SecSetting(tt.format, tt.perm)
		if v != tt.value || k != tt.knob || ok != tt.ok {
			t.Errorf("SecSetting(%s, %s) = %q, %q, %v; want %q, %q, %v", tt.format, tt.perm, v, k, ok, tt.value, tt.knob, tt.ok)
		}
	}
	// use SECURITY : host_based sets LEGACY_ALLOW_SEMANTICS: DAEMON → WRITE.
	c = loadText(t, "use SECURITY : host_based\nSEC_WRITE_ENCRYPTION = NEVER\n")
	if v, k, ok := c.SecSetting("SEC_%s_ENCRYPTION", "DAEMON"); v != "NEVER" || k != "SEC_WRITE_ENCRYPTION" || !ok {
		t.Errorf("legacy SecSetting = %q, %q, %v", v, k, ok)
	}
}

func TestDefaultsTable(t *testing.T) {
	c := loadText(t, "LOCAL_DIR = /var/lib/condor\nETC = /etc/condor\n")
	// tokens.md §2 and §5.1.
	for name, want := range map[string]string{
		"SEC_PASSWORD_DIRECTORY":                  "/etc/condor/passwords.d",
		"SEC_PASSWORD_FILE":                       "/etc/condor/passwords.d/POOL",
		"SEC_TOKEN_POOL_SIGNING_KEY_FILE":         "/etc/condor/passwords.d/POOL",
		"SEC_TOKEN_SYSTEM_DIRECTORY":              "/etc/condor/tokens.d",
		"SEC_TOKEN_ISSUER_KEY":                    "POOL",
		"SEC_TOKEN_FETCH_ALLOWED_SIGNING_KEYS":    "POOL AP",
		"SEC_TOKEN_REQUEST_LIFETIME":              "3600",
		"TOKEN_REQUEST_AUTO_APPROVE_MAX_LIFETIME": "3600",
		"LOCAL_CONFIG_DIR_EXCLUDE_REGEXP":         `^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|(.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$`,
		"LOG":                                     "/var/lib/condor/log",
		"RUN":                                     "/var/lib/condor/log",
		"SPOOL":                                   "/var/lib/condor/spool",
		"SCHEDD_ADDRESS_FILE":                     "/var/lib/condor/spool/.schedd_address",
		"SCHEDD_SUPER_ADDRESS_FILE":               "/var/lib/condor/spool/.schedd_address.super",
		"SCHEDD_DAEMON_AD_FILE":                   "/var/lib/condor/spool/.schedd_classad",
		"COLLECTOR_ADDRESS_FILE":                  "/var/lib/condor/log/.collector_address",
		"CREDD_ADDRESS_FILE":                      "/var/lib/condor/log/.credd_address",
		"TRUST_DOMAIN":                            "submit.example.org",
		"USE_SHARED_PORT":                         "true",
		"AUTH_SSL_SERVER_CERTFILE":                "/etc/pki/tls/certs/localhost.crt,/etc/condor/hostcert.pem",
		"SEC_SYSTEM_KNOWN_HOSTS":                  "/etc/condor/known_hosts",
		"SEC_ENABLE_TOKEN_REQUEST":                "true",
		"SEC_DEFAULT_AUTHENTICATION_METHODS":      "FS,IDTOKENS,KERBEROS,SCITOKENS,SSL",
	} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"SEC_TOKEN_DIRECTORY", "CONDOR_HOST", "COLLECTOR_HOST", "CONDOR_IDS",
		"SEC_CREDENTIAL_DIRECTORY_OAUTH", "SEC_CREDENTIAL_DIRECTORY_KRB", "SEC_DEFAULT_AUTHENTICATION",
		"SEC_CLIENT_AUTHENTICATION_METHODS", "ALLOW_WRITE", "SEC_ISSUED_TOKEN_EXPIRATION", "CREDD_HOST"} {
		if v, ok := c.Get(name); ok {
			t.Errorf("%s = %q, want undefined", name, v)
		}
	}
	// The regexp must compile and skip what tokens.md §5.1 says.
	re, err := c.ExcludeRegexp()
	if err != nil {
		t.Fatal(err)
	}
	for name, skip := range map[string]bool{".hidden": true, "a.sh": true, "a~": true, "#a": true, "x.dpkg-dist": true, "token1": false, "POOL": false} {
		if re.MatchString(name) != skip {
			t.Errorf("exclude(%q) = %v", name, !skip)
		}
	}
	// Table hygiene: unique names, known types and origins.
	seen := map[string]bool{}
	for _, d := range Defaults() {
		if seen[upper(d.Name)] {
			t.Errorf("duplicate default %s", d.Name)
		}
		seen[upper(d.Name)] = true
		if d.Origin != "param" && d.Origin != "code" || d.Doc == "" {
			t.Errorf("default %s: origin %q doc %q", d.Name, d.Origin, d.Doc)
		}
		switch d.Type {
		case "bool":
			if _, ok := parseBool(d.Value); !ok {
				t.Errorf("default %s = %q is not a boolean", d.Name, d.Value)
			}
		case "string", "path", "int":
		default:
			t.Errorf("default %s: type %q", d.Name, d.Type)
		}
	}
}

func TestConcurrentUse(t *testing.T) {
	c := loadText(t, "A = $(B) a\nB = b\n")
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			for j := 0; j < 200; j++ {
				if v, ok := c.Get("A"); !ok || !strings.HasSuffix(v, " a") {
					t.Errorf("A = %q", v)
					return
				}
				if i == 0 && j%50 == 0 {
					c.Set("B", "b"+strings.Repeat("x", j/50))
				}
				_ = c.Names()
				_, _, _, _ = c.Raw("B")
			}
		}(i)
	}
	wg.Wait()
	if got := get(t, c, "A"); got != "bxxx a" {
		t.Errorf("final A = %q", got)
	}
}
