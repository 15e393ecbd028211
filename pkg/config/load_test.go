package config

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLocateErrors(t *testing.T) {
	dir := t.TempDir()
	id := testIdentity(dir)
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name   string
		opts   Options
		kind   LocateKind
		stderr string
	}{
		{"CONDOR_CONFIG names a missing file", Options{Env: []string{"CONDOR_CONFIG=" + missing}},
			DoesNotExist, "File specified in CONDOR_CONFIG environment variable:\n\"" + missing + "\" does not exist.\n"},
		{"CONDOR_CONFIG names a directory", Options{Env: []string{"CONDOR_CONFIG=" + dir}},
			IsDirectory, "File specified in CONDOR_CONFIG environment variable:\n\"" + dir + "\" is a directory.  Please specify a file.\n"},
		{"CONDOR_CONFIG is empty", Options{Env: []string{"CONDOR_CONFIG="}},
			DoesNotExist, "File specified in CONDOR_CONFIG environment variable:\n\"\" does not exist.\n"},
		{"ConfigFile option", Options{ConfigFile: missing, Env: []string{}},
			DoesNotExist, "File specified in CONDOR_CONFIG environment variable:\n\"" + missing + "\" does not exist.\n"},
		{"nothing in the search path", Options{Env: []string{}, SearchPath: []string{missing, missing + "2"}},
			NoneFound, "\nNeither the environment variable CONDOR_CONFIG,\n" +
				"/etc/condor/, /usr/local/etc/, nor ~condor/ contain a condor_config source.\n" +
				"Either set CONDOR_CONFIG to point to a valid config source,\n" +
				"or put a \"condor_config\" file in /etc/condor/ /usr/local/etc/ or ~condor/\n" +
				"Exiting.\n\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Identity = id
			_, err := Load(tt.opts)
			var le *LocateError
			if !errors.As(err, &le) {
				t.Fatalf("error %v (%T), want *LocateError", err, err)
			}
			if !errors.Is(err, ErrNoConfig) {
				t.Error("errors.Is(err, ErrNoConfig) is false")
			}
			if le.Kind != tt.kind {
				t.Errorf("kind %v, want %v", le.Kind, tt.kind)
			}
			if le.Stderr() != tt.stderr {
				t.Errorf("Stderr:\n%q\nwant\n%q", le.Stderr(), tt.stderr)
			}
		})
	}
}

func TestSearchPathOrder(t *testing.T) {
	dir := t.TempDir()
	first := writeFile(t, dir, "etc/condor/condor_config", "WHICH = etc\n")
	second := writeFile(t, dir, "usr/local/etc/condor_config", "WHICH = usr_local\n")
	for _, tt := range []struct {
		path []string
		want string
	}{
		{[]string{first, second}, "etc"},
		{[]string{filepath.Join(dir, "nope"), second}, "usr_local"},
	} {
		c, err := Load(Options{Env: []string{}, SearchPath: tt.path, Identity: testIdentity(dir)})
		if err != nil {
			t.Fatal(err)
		}
		if got := get(t, c, "WHICH"); got != tt.want {
			t.Errorf("WHICH = %q, want %q", got, tt.want)
		}
	}
	// ~condor/condor_config is the last default location.
	home := filepath.Join(dir, "condorhome")
	writeFile(t, home, "condor_config", "WHICH = tilde\n")
	id := testIdentity(dir)
	id.CondorHome = home
	DefaultSearchPathSave := DefaultSearchPath
	DefaultSearchPath = []string{filepath.Join(dir, "nope")}
	defer func() { DefaultSearchPath = DefaultSearchPathSave }()
	c, err := Load(Options{Env: []string{}, Identity: id})
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "WHICH"); got != "tilde" {
		t.Errorf("WHICH = %q, want tilde", got)
	}
	if got := get(t, c, "LOCAL_DIR"); got != home {
		t.Errorf("LOCAL_DIR = %q, want ~condor", got)
	}
	if got := get(t, c, "CONFIG_ROOT"); got != home {
		t.Errorf("CONFIG_ROOT = %q", got)
	}
}

func TestOnlyEnv(t *testing.T) {
	for _, o := range []Options{
		{Env: []string{"CONDOR_CONFIG=only_env", "_CONDOR_TRUST_DOMAIN=env.example", "_condor_LOCAL_CONFIG_DIR=/nonexistent"}},
		{ConfigFile: "ONLY_ENV", Env: []string{"_CONDOR_TRUST_DOMAIN=env.example"}},
	} {
		o.Hostname, o.Identity = "h.example.org", testIdentity(t.TempDir())
		c, err := Load(o)
		if err != nil {
			t.Fatal(err)
		}
		if len(c.Files()) != 0 {
			t.Errorf("files read: %q", c.Files())
		}
		if got := get(t, c, "TRUST_DOMAIN"); got != "env.example" {
			t.Errorf("TRUST_DOMAIN = %q", got)
		}
		if got := get(t, c, "UID_DOMAIN"); got != "h.example.org" {
			t.Errorf("UID_DOMAIN = %q", got)
		}
		if got := get(t, c, "SEC_TOKEN_ISSUER_KEY"); got != "POOL" {
			t.Errorf("SEC_TOKEN_ISSUER_KEY = %q", got)
		}
	}
}

func TestLocalConfigFile(t *testing.T) {
	dir := t.TempDir()
	a := writeFile(t, dir, "a.conf", "ORDER = $(ORDER) a\n")
	b := writeFile(t, dir, "b.conf", "ORDER = $(ORDER) b\nLOCAL_CONFIG_FILE = "+a+", "+dir+"/b.conf "+dir+"/c.conf\n")
	cfile := writeFile(t, dir, "c.conf", "ORDER = $(ORDER) c\n")
	global := writeFile(t, dir, "condor_config", "ORDER = global\nLOCAL_CONFIG_FILE = "+a+", "+b+"\n")
	c, err := Load(opts(t, global))
	if err != nil {
		t.Fatal(err)
	}
	// b.conf changes the list: the files not yet read (c.conf) follow.
	if got := get(t, c, "ORDER"); got != "global a b c" {
		t.Errorf("ORDER = %q", got)
	}
	if diff := cmp.Diff([]string{global, a, b, cfile}, c.Files()); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}

	// A missing local file is an error at the LOCAL_CONFIG_FILE line...
	global = writeFile(t, dir, "missing.conf", "X = 1\nLOCAL_CONFIG_FILE = "+a+" "+dir+"/nope.conf\n")
	_, err = Load(opts(t, global))
	wantParseError(t, err, global, 2, "LOCAL_CONFIG_FILE: can't read config source: open "+dir+"/nope.conf: no such file or directory")
	// ...unless REQUIRE_LOCAL_CONFIG_FILE is false.
	global = writeFile(t, dir, "optional.conf", "REQUIRE_LOCAL_CONFIG_FILE = False\nLOCAL_CONFIG_FILE = "+dir+"/nope.conf\n")
	if _, err := Load(opts(t, global)); err != nil {
		t.Errorf("optional local file: %v", err)
	}
	// An error inside a local file names that file.
	bad := writeFile(t, dir, "bad.conf", "\n\nnot a statement\n")
	global = writeFile(t, dir, "withbad.conf", "LOCAL_CONFIG_FILE = "+bad+"\n")
	_, err = Load(opts(t, global))
	wantParseError(t, err, bad, 3, "syntax error")
}

func TestLocalConfigDir(t *testing.T) {
	dir := t.TempDir()
	d1 := filepath.Join(dir, "config.d")
	for name, body := range map[string]string{
		"20-second":       "ORDER = $(ORDER) 20\n",
		"10-first":        "ORDER = $(ORDER) 10\n",
		"99-last.conf":    "ORDER = $(ORDER) 99\n",
		".hidden":         "ORDER = $(ORDER) hidden\n",
		"script.sh":       "ORDER = $(ORDER) sh\n",
		"tool.py":         "ORDER = $(ORDER) py\n",
		"old.rpmsave":     "ORDER = $(ORDER) rpmsave\n",
		"new.rpmnew":      "ORDER = $(ORDER) rpmnew\n",
		"x.dpkg-old":      "ORDER = $(ORDER) dpkg\n",
		"backup~":         "ORDER = $(ORDER) tilde\n",
		"#autosave":       "ORDER = $(ORDER) hash\n",
		"subdir/inner":    "ORDER = $(ORDER) subdir\n",
		"50-mid.cfsaved":  "ORDER = $(ORDER) cfsaved\n",
		"30-third.perl":   "ORDER = $(ORDER) 30\n",
		"40-fourth.plain": "ORDER = $(ORDER) 40\n",
	} {
		writeFile(t, d1, name, body)
	}
	d2 := filepath.Join(dir, "second.d")
	writeFile(t, d2, "a", "ORDER = $(ORDER) second.d\n")
	// LOCAL_CONFIG_DIR is read before LOCAL_CONFIG_FILE, and again when a
	// file changed it.
	local := writeFile(t, dir, "local.conf", "ORDER = $(ORDER) local\nLOCAL_CONFIG_DIR = "+d2+"\n")
	global := writeFile(t, dir, "condor_config", "ORDER = global\nLOCAL_CONFIG_DIR = "+d1+", "+filepath.Join(dir, "nonexistent")+"\nLOCAL_CONFIG_FILE = "+local+"\n")
	c, err := Load(opts(t, global))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := get(t, c, "ORDER"), "global 10 20 30 40 99 local second.d"; got != want {
		t.Errorf("ORDER = %q, want %q", got, want)
	}
	want := []string{global, d1 + "/10-first", d1 + "/20-second", d1 + "/30-third.perl", d1 + "/40-fourth.plain",
		d1 + "/99-last.conf", local, d2 + "/a"}
	if diff := cmp.Diff(want, c.Files()); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}

	// A custom exclusion and an invalid one.
	global = writeFile(t, dir, "custom.conf", "LOCAL_CONFIG_DIR = "+d1+"\nLOCAL_CONFIG_DIR_EXCLUDE_REGEXP = ^[0-9]\n")
	c, err = Load(opts(t, global))
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "ORDER"); !strings.Contains(got, "hidden") || strings.Contains(got, "10") {
		t.Errorf("ORDER with custom exclusion = %q", got)
	}
	global = writeFile(t, dir, "badre.conf", "LOCAL_CONFIG_DIR = "+d1+"\nLOCAL_CONFIG_DIR_EXCLUDE_REGEXP = ^(\n")
	_, err = Load(opts(t, global))
	wantParseError(t, err, global, 2, "LOCAL_CONFIG_DIR_EXCLUDE_REGEXP config parameter is not a valid regular expression")
}

func TestEnvironmentOverrides(t *testing.T) {
	c := loadText(t, `
SEC_TOKEN_DIRECTORY = /from/file
TRUST_DOMAIN = file.example
APPEND = file
FILE_ONLY = kept
SEC_CLIENT_AUTHENTICATION_METHODS = FS
`,
		"_CONDOR_SEC_TOKEN_DIRECTORY=/from/env",
		"_condor_trust_domain=  lower.example",
		"_CoNdOr_APPEND=$(APPEND) env",
		"_CONDOR_FILE_ONLY=",
		"_CONDOR_TOOL.SEC_CLIENT_AUTHENTICATION_METHODS=IDTOKENS",
		"_CONDOR_=ignored",
		"CONDOR_NOT_AN_OVERRIDE=1",
		"_CONDOR_HOSTNAME=cannot-override",
	)
	for name, want := range map[string]string{
		"SEC_TOKEN_DIRECTORY":               "/from/env",
		"TRUST_DOMAIN":                      "lower.example",
		"APPEND":                            "file env",
		"SEC_CLIENT_AUTHENTICATION_METHODS": "IDTOKENS",
		"HOSTNAME":                          "submit",
	} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if v, ok := c.Get("FILE_ONLY"); ok {
		t.Errorf("an empty _CONDOR_ value must undefine the knob, got %q", v)
	}
	if e, _ := c.Describe("SEC_CLIENT_AUTHENTICATION_METHODS"); e.Name != "TOOL.SEC_CLIENT_AUTHENTICATION_METHODS" || e.Source.File != SourceEnvironment {
		t.Errorf("Describe = %+v", e)
	}
}

func TestDetectedMacros(t *testing.T) {
	dir := t.TempDir()
	o := opts(t, writeFile(t, dir, "condor_config", "FULL_HOSTNAME = mine\nUID_DOMAIN =\nDEFAULT_DOMAIN_NAME = corp.example\nWHO = $(USERNAME)/$(REAL_UID)/$(SUBSYSTEM)/$(LOCALNAME)/$(CondorIsAdmin)\n"))
	o.Hostname = "node7"
	o.Subsystem = "SCHEDD"
	c, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]string{
		"FULL_HOSTNAME": "node7.corp.example", // configuration cannot override it
		"HOSTNAME":      "node7",
		"UID_DOMAIN":    "node7.corp.example", // an empty UID_DOMAIN gets the host name
		"TRUST_DOMAIN":  "node7.corp.example",
		"WHO":           "alice/1000/SCHEDD/SCHEDD/false",
	} {
		if got := get(t, c, name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if _, file, _, _ := c.Raw("HOSTNAME"); file != SourceDetected {
		t.Errorf("HOSTNAME source %q", file)
	}
	o.Env = append(o.Env, "_CONDOR_NETWORK_HOSTNAME=alias.example.net")
	if c, err = Load(o); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "FULL_HOSTNAME"); got != "alias.example.net" {
		t.Errorf("FULL_HOSTNAME with NETWORK_HOSTNAME = %q", got)
	}
}

func TestUserConfig(t *testing.T) {
	dir := t.TempDir()
	home := filepath.Join(dir, "home")
	user := writeFile(t, home, ".condor/user_config", "SEC_TOKEN_DIRECTORY = /mine\n")
	global := writeFile(t, dir, "condor_config", "SEC_TOKEN_DIRECTORY = /global\n")
	o := opts(t, global)
	o.Identity = testIdentity(home)
	c, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "SEC_TOKEN_DIRECTORY"); got != "/mine" {
		t.Errorf("SEC_TOKEN_DIRECTORY = %q", got)
	}
	if diff := cmp.Diff([]string{global, user}, c.Files()); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
	// root does not read it (it can switch ids).
	o.Identity = &Identity{UID: 0, Name: "root", Home: home}
	if c, err = Load(o); err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "SEC_TOKEN_DIRECTORY"); got != "/global" {
		t.Errorf("root: SEC_TOKEN_DIRECTORY = %q", got)
	}
	if got := get(t, c, "CondorIsAdmin"); got != "true" {
		t.Errorf("root: CondorIsAdmin = %q", got)
	}
}

func TestGlobalConfigCommand(t *testing.T) {
	o := Options{Env: []string{"CONDOR_CONFIG=/usr/bin/gen-config --pool x |"}, Identity: testIdentity(t.TempDir()), Hostname: "h"}
	_, err := Load(o)
	var pe *ParseError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), `refusing to run "/usr/bin/gen-config --pool x"`) {
		t.Fatalf("error %v", err)
	}
	o.AllowCommands = true
	o.RunCommand = func(argv []string) ([]byte, error) {
		if diff := cmp.Diff([]string{"/usr/bin/gen-config", "--pool", "x"}, argv); diff != "" {
			t.Errorf("argv (-want +got):\n%s", diff)
		}
		return []byte("FROM_COMMAND = yes\n"), nil
	}
	c, err := Load(o)
	if err != nil {
		t.Fatal(err)
	}
	if got := get(t, c, "FROM_COMMAND"); got != "yes" {
		t.Errorf("FROM_COMMAND = %q", got)
	}
	if _, file, line, _ := c.Raw("FROM_COMMAND"); file != "/usr/bin/gen-config --pool x |" || line != 1 {
		t.Errorf("source %s:%d", file, line)
	}
	o.RunCommand = func([]string) ([]byte, error) { return nil, errors.New("exit status 3") }
	if _, err := Load(o); err == nil || !strings.Contains(err.Error(), `command "/usr/bin/gen-config --pool x" failed: exit status 3`) {
		t.Errorf("error %v", err)
	}
}

func TestSplitArgs(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want []string
		err  bool
	}{
		{"/bin/x a  b", []string{"/bin/x", "a", "b"}, false},
		{`"/bin/x 'a b' 'it''s'"`, []string{"/bin/x", "a b", "it's"}, false},
		{`"/bin/x 'open"`, nil, true},
	} {
		got, err := splitArgs(tt.in)
		if (err != nil) != tt.err {
			t.Errorf("splitArgs(%q) error %v", tt.in, err)
			continue
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("splitArgs(%q) (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestEnvironmentDoesNotAddSources(t *testing.T) {
	// The _CONDOR_ overrides are applied after every file has been read
	// (real_config), so they cannot name further files.
	dir := t.TempDir()
	extra := writeFile(t, dir, "extra.conf", "EXTRA = read\n")
	c := loadText(t, "A = 1\n", "_CONDOR_LOCAL_CONFIG_FILE="+extra)
	if _, ok := c.Get("EXTRA"); ok {
		t.Error("a file named by _CONDOR_LOCAL_CONFIG_FILE was read")
	}
	if got := get(t, c, "LOCAL_CONFIG_FILE"); got != extra {
		t.Errorf("LOCAL_CONFIG_FILE = %q", got)
	}
}

func TestNilEnvUsesProcessEnvironment(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("CONDOR_CONFIG", writeFile(t, dir, "condor_config", "FROM = process env\n"))
	t.Setenv("_CONDOR_OVERRIDE", "yes")
	c, err := Load(Options{Hostname: "h", Identity: testIdentity(dir)})
	if err != nil {
		t.Fatal(err)
	}
	if get(t, c, "FROM") != "process env" || get(t, c, "OVERRIDE") != "yes" {
		t.Errorf("FROM = %q, OVERRIDE = %q", c.Lookup("FROM"), c.Lookup("OVERRIDE"))
	}
}
