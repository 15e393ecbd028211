package mapfile

import (
	"strings"
	"testing"
)

func mustParse(t *testing.T, text string, opts Options) *MapFile {
	t.Helper()
	m, err := ParseWith("test.map", strings.NewReader(text), opts)
	if err != nil {
		t.Fatalf("ParseWith: %v", err)
	}
	return m
}

// Two map files with the same mappings, written for
// CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS false (every principal a regex) and
// true (/regex/ or a literal): pass-through captures, literals before a
// catch-all, a prefix regex, an earlier regex shadowing a later literal,
// and quoted principals with spaces.
const regexModeFile = `FS ^(.*)$ \1
SSL "^/O=Example Org/CN=(.+)$" \1@example.org
CLAIMTOBE ^ada$ ada
CLAIMTOBE ^grace$ grace
CLAIMTOBE ^lin.* linus
CLAIMTOBE ^k.*n$ kenneth
CLAIMTOBE ^ken$ never
CLAIMTOBE ^(.*)$ guest_\1
SCITOKENS "https://issuer.example,subject one" one
`

const hashModeFile = `FS /^(.*)$/ \1
SSL /^\/O=Example.Org\/CN=(.+)$/ \1@example.org
CLAIMTOBE ada ada
CLAIMTOBE grace grace
CLAIMTOBE /^lin.*/ linus
CLAIMTOBE /^k.*n$/ kenneth
CLAIMTOBE ken never
CLAIMTOBE /^(.*)$/ guest_\1
SCITOKENS "https://issuer.example,subject one" one
`

func TestModesAgree(t *testing.T) {
	type lk struct{ method, name, want string }
	var lookups []lk
	for _, n := range []string{"ada", "root", "x y"} {
		lookups = append(lookups, lk{"FS", n, n})
	}
	lookups = append(lookups,
		lk{"CLAIMTOBE", "ada", "ada"},
		lk{"CLAIMTOBE", "grace", "grace"},
		lk{"CLAIMTOBE", "linda", "linus"},
		lk{"CLAIMTOBE", "kevin", "kenneth"},
		lk{"CLAIMTOBE", "ken", "kenneth"}, // the earlier regex wins over the later literal
		lk{"CLAIMTOBE", "zoe", "guest_zoe"},
		lk{"SSL", "/O=Example Org/CN=Bea", "Bea@example.org"},
		lk{"SSL", "/O=Other/CN=Bea", ""},
		lk{"SCITOKENS", "https://issuer.example,subject one", "one"},
		lk{"SCITOKENS", "https://issuer.example,subject two", ""},
		lk{"KERBEROS", "ada", ""},
	)
	for _, mode := range []struct {
		name string
		text string
		opts Options
	}{
		{"regex", regexModeFile, Options{}},
		{"hash", hashModeFile, Options{AssumeHashKeys: true}},
	} {
		m := mustParse(t, mode.text, mode.opts)
		for _, l := range lookups {
			got, ok := m.Map(l.method, l.name)
			if got != l.want || ok != (l.want != "") {
				t.Errorf("%s: Map(%q, %q) = %q, %v; want %q", mode.name, l.method, l.name, got, ok, l.want)
			}
		}
	}
}

// A typical site map file: pass-through for most methods, every SSL
// certificate to one account, Kerberos principals without their instance,
// and plugin choices by token issuer (the first matching line wins).
func TestSiteStyleMapFile(t *testing.T) {
	m := mustParse(t, `# pass-through
FS (.*) \1
CLAIMTOBE (.*) \1
SSL (.*) certuser@pool.example
KERBEROS ^([^/@]+)(/[^@]*)?@(.*)$ \1@\3

# token issuers
SCITOKENS ^https://tokens.lab.example, PLUGIN:LAB
SCITOKENS .* PLUGIN:OTHER
`, Options{})
	for _, tc := range []struct{ method, name, want string }{
		{"FS", "alice", "alice"},
		{"SSL", "/CN=Alice", "certuser@pool.example"},
		{"KERBEROS", "alice/admin@LAB.EXAMPLE", "alice@LAB.EXAMPLE"},
		{"KERBEROS", "alice@LAB.EXAMPLE", "alice@LAB.EXAMPLE"},
		{"CLAIMTOBE", "bob@example.org", "bob@example.org"},
		{"SCITOKENS", "https://tokens.lab.example,user1", "PLUGIN:LAB"},
		{"SCITOKENS", "https://elsewhere.example,user1", "PLUGIN:OTHER"},
		{"scitokens", "https://elsewhere.example,user1", "PLUGIN:OTHER"}, // method case-insensitive
	} {
		if got, ok := m.Map(tc.method, tc.name); !ok || got != tc.want {
			t.Errorf("Map(%q, %q) = %q, %v; want %q", tc.method, tc.name, got, ok, tc.want)
		}
	}
	if got, ok := m.Map("IDTOKENS", "alice@example.org"); ok {
		t.Errorf("IDTOKENS mapped to %q; there is no IDTOKENS line", got)
	}
}

func TestMap(t *testing.T) {
	for _, tc := range []struct {
		name   string
		file   string
		hash   bool
		method string
		input  string
		want   string // "" = no match
	}{
		{"capture", `SSL "^CN=([a-z]+),O=(.*)$" \1@\2`, false, "SSL", "CN=bob,O=example.org", "bob@example.org"},
		{"unanchored search", `SSL bob other`, false, "SSL", "xxbobxx", "other"},
		{"whole match \\0", `FS ^a.c$ [\0]`, false, "FS", "abc", "[abc]"},
		{"regex case-sensitive", `FS ^Bob$ b`, false, "FS", "bob", ""},
		{"flag i", `FS /^bob$/i b`, true, "FS", "BOB", "b"},
		{"flag U", `FS /^(a+)/U \1`, true, "FS", "aaa", "a"},
		{"flags iU", `FS /^(A+)/iU \1`, true, "FS", "aaa", "a"},
		{"greedy default", `FS /^(a+)/ \1`, true, "FS", "aaa", "aaa"},
		{"literal exact", `FS bob alice`, true, "FS", "bob", "alice"},
		{"literal case-sensitive", `FS bob alice`, true, "FS", "Bob", ""},
		{"literal not substring", `FS bob alice`, true, "FS", "bobby", ""},
		{"literal dot not regex", `FS a.c x`, true, "FS", "abc", ""},
		{"literal \\0 is name", `FS bob u_\0`, true, "FS", "bob", "u_bob"},
		{"literal \\1 kept", `FS bob u_\1`, true, "FS", "bob", `u_\1`},
		{"quoted literal with space", `SSL "CN=Jack Miller" jack`, true, "SSL", "CN=Jack Miller", "jack"},
		{"escaped quote", `SSL "a\"b" q`, true, "SSL", `a"b`, "q"},
		{"escaped backslash", `SSL "a\\b" q`, true, "SSL", `a\b`, "q"},
		{"other escape kept", `SSL "a\nb" q`, true, "SSL", `a\nb`, "q"},
		{"regex escaped slash", `SSL /^\/CN=(.*)$/ \1`, true, "SSL", "/CN=x", "x"},
		{"regex mode slash literal", `SSL /CN=x/ y`, false, "SSL", "/CN=x/", "y"},
		{"regex mode slash no match", `SSL /CN=x/ y`, false, "SSL", "CN=x", ""},
		{"regex \\\\ becomes \\", `SSL "a\\.c" y`, false, "SSL", "abc", ""},
		{"regex \\\\ dot literal", `SSL "a\\.c" y`, false, "SSL", "a.c", "y"},
		{"missing group kept", `FS ^(a)$ \1\2`, false, "FS", "a", `a\2`},
		{"unset group below last set is empty", `FS ^(x)?(b)$ [\1][\2]`, false, "FS", "b", "[][b]"},
		{"unset last group kept", `FS ^(b)(x)?$ [\1][\2]`, false, "FS", "b", `[b][\2]`},
		{"canonical backslash pair kept", `FS (.*) a\\b`, false, "FS", "z", `a\\b`},
		{"quoted canonical", `FS (.*) "a b"`, false, "FS", "z", "a b"},
		{"method case-insensitive", `ssl (.*) x`, false, "SSL", "q", "x"},
		{"other method no match", `FS (.*) x`, false, "SSL", "q", ""},
		{"trailing text ignored", `FS (.*) x # comment`, false, "FS", "q", "x"},
		{"tabs", "FS\t(.*)\t\tx", false, "FS", "q", "x"},
		{"quoted method", `"FS" (.*) x`, false, "FS", "q", "x"},
		{"first regex wins", "FS ^a x\nFS ^ab y", false, "FS", "abc", "x"},
		{"first wins across kinds", "FS /^a/ x\nFS abc y", true, "FS", "abc", "x"},
		{"literal before regex", "FS abc y\nFS /^a/ x", true, "FS", "abc", "y"},
		{"duplicate literal first wins", "FS abc y\nFS abc z", true, "FS", "abc", "y"},
		{"duplicate literal after regex", "FS abc y\nFS /^q/ x\nFS abc z", true, "FS", "abc", "y"},
		{"literal group lookup", "FS a 1\nFS b 2\nFS c 3", true, "FS", "b", "2"},
		{"no match", "FS ^a$ x", false, "FS", "b", ""},
		{"empty name never literal", "FS a x", true, "FS", "", ""},
		{"regex may match empty", "FS ^$ x", false, "FS", "", "x"},
		{"non-ASCII literal", "FS jürgen j", true, "FS", "jürgen", "j"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := mustParse(t, tc.file, Options{AssumeHashKeys: tc.hash})
			got, ok := m.Map(tc.method, tc.input)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("Map(%q, %q) = %q, %v; want %q", tc.method, tc.input, got, ok, tc.want)
			}
		})
	}
}

func TestMapNil(t *testing.T) {
	var m *MapFile
	if got, ok := m.Map("FS", "x"); ok || got != "" {
		t.Errorf("nil MapFile mapped to %q", got)
	}
	m = mustParse(t, "# only comments\n\n   \n", Options{})
	if got, ok := m.Map("FS", "x"); ok || got != "" {
		t.Errorf("empty MapFile mapped to %q", got)
	}
}

func TestSubstitute(t *testing.T) {
	g := []string{"all", "one"}
	for _, tc := range []struct{ in, want string }{
		{`\0-\1`, "all-one"},
		{`\2`, `\2`},
		{`\\1`, `\\1`},
		{`\x`, `\x`},
		{`plain`, "plain"},
		{`\9\1`, `\9one`},
	} {
		if got := substitute(tc.in, g); got != tc.want {
			t.Errorf("substitute(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
}
