package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Options controls Load. The zero value reads the configuration the way an
// HTCondor tool does, from the real environment.
type Options struct {
	// Subsystem is the HTCondor subsystem name (upper-cased); "SUBSYS.KNOB"
	// overrides "KNOB". Tools use "TOOL" (the default); the daemon uses
	// COLLECTOR, SCHEDD, ...
	Subsystem string
	// LocalName is the daemon's -local-name; "LOCALNAME.KNOB" is looked up
	// before "SUBSYS.KNOB".
	LocalName string
	// Env is the process environment as "NAME=value" strings: CONDOR_CONFIG,
	// _CONDOR_<KNOB> overrides and $ENV(). nil means os.Environ().
	Env []string
	// ConfigFile, when set, is used instead of $CONDOR_CONFIG. "ONLY_ENV"
	// means no configuration files at all.
	ConfigFile string
	// SearchPath replaces the default locations of the global configuration
	// (/etc/condor/condor_config, /usr/local/etc/condor_config,
	// ~condor/condor_config) when CONDOR_CONFIG is unset. For tests.
	SearchPath []string
	// Hostname replaces os.Hostname() for HOSTNAME and FULL_HOSTNAME.
	Hostname string
	// Identity replaces the detected user identity (nil = detect).
	Identity *Identity
	// AllowCommands permits "include : cmd |", "include command : cmd",
	// LOCAL_CONFIG_FILE = cmd| and CONDOR_CONFIG = cmd|. Without it such
	// sources are refused with an error.
	AllowCommands bool
	// RunCommand runs a configuration command and returns its standard
	// output (nil = os/exec). A non-nil error fails the configuration.
	RunCommand func(argv []string) ([]byte, error)
}

// DefaultSearchPath is where HTCondor looks for the global configuration
// when CONDOR_CONFIG is not set, in order (condor_config.cpp find_file);
// ~condor/condor_config is tried last when a condor account exists.
var DefaultSearchPath = []string{"/etc/condor/condor_config", "/usr/local/etc/condor_config"}

// maxFileSize bounds a configuration file or command output.
const maxFileSize = 16 << 20

// maxSources bounds the number of configuration sources one Load reads.
const maxSources = 10000

// loader carries the state of one Load.
type loader struct {
	c            *Config
	opts         *Options
	id           Identity
	fullHostname string
	sources      int
	// readFile reads a configuration file (a hook for the fuzz tests).
	readFile func(path string) (string, error)
}

// Load reads the configuration: the global file, LOCAL_CONFIG_DIR,
// LOCAL_CONFIG_FILE, the per-user file, then the _CONDOR_ environment
// overrides (real_config, condor_config.cpp). Errors carry the file and line.
// A missing global configuration yields a *LocateError (errors.Is
// ErrNoConfig).
func Load(opts Options) (*Config, error) {
	env := opts.Env
	if env == nil {
		env = os.Environ()
	}
	subsys := upper(opts.Subsystem)
	if subsys == "" {
		subsys = "TOOL"
	}
	c := &Config{subsys: subsys, local: opts.LocalName, env: map[string]string{}, t: table{}}
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok {
			c.env[k] = v
		}
	}
	l := &loader{c: c, opts: &opts, readFile: readFile}
	if opts.Identity != nil {
		l.id = *opts.Identity
	} else {
		l.id = detectIdentity()
	}
	l.insertEarly()

	global, onlyEnv, err := l.locate()
	if err != nil {
		return nil, err
	}
	if !onlyEnv && global != "" && global != "/dev/null" {
		if !isCommandSource(global) {
			l.detected("CONFIG_ROOT", filepath.Dir(global))
		}
		if err := l.readSource(global, 0, true, nil); err != nil {
			return nil, err
		}
	}
	l.insertHostnames()

	dirs := ""
	if !onlyEnv {
		if dirs, err = l.expandNow("$(LOCAL_CONFIG_DIR)"); err != nil {
			return nil, l.knobError("LOCAL_CONFIG_DIR", err)
		}
		if err := l.processDirs(dirs); err != nil {
			return nil, err
		}
	}
	if err := l.processLocals(); err != nil {
		return nil, err
	}
	if !onlyEnv {
		again, err := l.expandNow("$(LOCAL_CONFIG_DIR)")
		if err != nil {
			return nil, l.knobError("LOCAL_CONFIG_DIR", err)
		}
		if again != dirs {
			if err := l.processDirs(again); err != nil {
				return nil, err
			}
		}
		if err := l.processUserConfig(); err != nil {
			return nil, err
		}
	}
	l.applyEnv(env)
	l.insertSpecials()
	l.checkDomains()

	c.cache = map[string]cached{}
	if err := c.validate(); err != nil {
		return nil, err
	}
	return c, nil
}

// locate finds the global configuration source (find_global/find_file).
func (l *loader) locate() (path string, onlyEnv bool, err error) {
	src, set := l.opts.ConfigFile, l.opts.ConfigFile != ""
	if !set {
		src, set = l.c.env["CONDOR_CONFIG"]
	}
	if set {
		if strings.EqualFold(src, "ONLY_ENV") {
			return "", true, nil
		}
		st, err := os.Stat(src)
		switch {
		case err == nil && st.IsDir():
			return "", false, &LocateError{Kind: IsDirectory, Var: "CONDOR_CONFIG", Path: src}
		case err == nil:
			return src, false, nil
		case errors.Is(err, fs.ErrNotExist):
			if isCommandSource(src) && strings.HasSuffix(strings.TrimRight(src, " "), "|") {
				return src, false, nil
			}
			return "", false, &LocateError{Kind: DoesNotExist, Var: "CONDOR_CONFIG", Path: src}
		default:
			return "", false, &LocateError{Kind: StatFailed, Var: "CONDOR_CONFIG", Path: src, Err: err}
		}
	}
	tried := l.opts.SearchPath
	if tried == nil {
		tried = append([]string(nil), DefaultSearchPath...)
		if l.id.CondorHome != "" {
			tried = append(tried, filepath.Join(l.id.CondorHome, "condor_config"))
		}
	}
	for _, p := range tried {
		if f, err := os.Open(p); err == nil {
			f.Close()
			return p, false, nil
		}
	}
	return "", false, &LocateError{Kind: NoneFound, Var: "CONDOR_CONFIG", Tried: tried}
}

// isCommandSource reports whether a source names a command ("cmd ... |").
func isCommandSource(s string) bool { return strings.Contains(s, "|") }

// lookup resolves a knob against the table as it is now.
func (l *loader) lookup(name string) resolved {
	return lookupIn(l.c.t, l.c.subsys, l.c.local, name)
}

// expandNow fully expands s against the table as it is now (the
// "immediate" expansion of include targets, conditions and knob names).
func (l *loader) expandNow(s string) (string, error) {
	return newExpander(l.lookup, l.c.getenv).full(s)
}

// selfExpand resolves a new value's references to the knob itself.
func (l *loader) selfExpand(name, value string) string {
	return expandSelf(value, name, []string{l.c.local, l.c.subsys}, l.lookup)
}

func (l *loader) warn(src Source, msg string) {
	l.c.warnings = append(l.c.warnings, src.describe()+": "+msg)
}

// knobError turns an expansion error of a knob used while loading into a
// ParseError at the knob's definition.
func (l *loader) knobError(name string, err error) error {
	r := l.lookup(name)
	return &ParseError{File: r.src.File, Line: r.src.Line, Msg: fmt.Sprintf("%s: %v", name, err)}
}

// readSource reads and parses one configuration source named by path: a
// file, or a command when path contains '|'. required makes an unreadable
// file an error; ref is the statement that named the source (nil for the
// global file and directory entries).
func (l *loader) readSource(path string, depth int, required bool, ref *ParseError) error {
	l.sources++
	if l.sources > maxSources {
		return &ParseError{File: path, Msg: fmt.Sprintf("more than %d configuration sources", maxSources)}
	}
	if isCommandSource(path) {
		data, name, err := l.runSource(path)
		if err != nil {
			return sourceError(ref, path, err)
		}
		l.c.files = append(l.c.files, name)
		return (&parser{l: l, file: name, depth: depth}).run(data)
	}
	data, err := l.readFile(path)
	if err != nil {
		if !required {
			return nil
		}
		return sourceError(ref, path, fmt.Errorf("can't read config source: %w", err))
	}
	l.c.files = append(l.c.files, path)
	return (&parser{l: l, file: path, depth: depth}).run(data)
}

// sourceError reports a failure to read a source at the statement that
// named it, or at the source itself.
func sourceError(ref *ParseError, path string, err error) error {
	var pe *ParseError
	if errors.As(err, &pe) {
		return err
	}
	if ref != nil {
		return &ParseError{File: ref.File, Line: ref.Line, Msg: ref.Msg + err.Error(), Err: err}
	}
	return &ParseError{File: path, Msg: err.Error(), Err: err}
}

// readFile reads a whole configuration file, bounded in size.
func readFile(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", fmt.Errorf("%s is a directory", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxFileSize {
		return "", fmt.Errorf("%s is larger than %d bytes", path, maxFileSize)
	}
	return string(data), nil
}

// requireLocal reads REQUIRE_LOCAL_CONFIG_FILE the way HTCondor does
// (param_boolean_crufty: a leading t/T or f/F decides).
func (l *loader) requireLocal() bool {
	v, err := l.expandNow("$(REQUIRE_LOCAL_CONFIG_FILE)")
	if err != nil || v == "" {
		return true
	}
	switch v[0] {
	case 't', 'T':
		return true
	case 'f', 'F':
		return false
	}
	if b, ok := parseBool(v); ok {
		return b
	}
	return true
}

// processDirs reads the files of each LOCAL_CONFIG_DIR directory in name
// order, skipping subdirectories and names matching
// LOCAL_CONFIG_DIR_EXCLUDE_REGEXP. Unreadable directories are ignored.
func (l *loader) processDirs(dirs string) error {
	if dirs == "" {
		return nil
	}
	exclude, err := l.excludeRegexp()
	if err != nil {
		return err
	}
	required := l.requireLocal()
	for _, dir := range splitList(dirs, ", \t\r\n") {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		var files []string
		for _, e := range ents {
			full := filepath.Join(dir, e.Name())
			if st, err := os.Stat(full); err == nil && st.IsDir() {
				continue
			}
			if exclude != nil && exclude.MatchString(e.Name()) {
				continue
			}
			files = append(files, full)
		}
		sort.Strings(files)
		for _, f := range files {
			if err := l.readSource(f, 1, required, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

// ExcludeRegexp compiles LOCAL_CONFIG_DIR_EXCLUDE_REGEXP (nil when empty).
// The token and key directory readers skip the same names.
func (c *Config) ExcludeRegexp() (*regexp.Regexp, error) {
	v, _, err := c.Value("LOCAL_CONFIG_DIR_EXCLUDE_REGEXP")
	if err != nil {
		return nil, err
	}
	c.exclude.Lock()
	defer c.exclude.Unlock()
	if c.exclude.re != nil && c.exclude.src == v {
		return c.exclude.re, nil
	}
	re, err := compileExclude(v, c.where("LOCAL_CONFIG_DIR_EXCLUDE_REGEXP"))
	if err == nil {
		c.exclude.src, c.exclude.re = v, re
	}
	return re, err
}

func (l *loader) excludeRegexp() (*regexp.Regexp, error) {
	v, err := l.expandNow("$(LOCAL_CONFIG_DIR_EXCLUDE_REGEXP)")
	if err != nil {
		return nil, l.knobError("LOCAL_CONFIG_DIR_EXCLUDE_REGEXP", err)
	}
	return compileExclude(v, l.lookup("LOCAL_CONFIG_DIR_EXCLUDE_REGEXP").src)
}

func compileExclude(v string, src Source) (*regexp.Regexp, error) {
	if v == "" {
		return nil, nil
	}
	re, err := regexp.Compile(v)
	if err != nil {
		return nil, &ParseError{File: src.File, Line: src.Line, Err: err,
			Msg: fmt.Sprintf("LOCAL_CONFIG_DIR_EXCLUDE_REGEXP config parameter is not a valid regular expression.  Value: %s: %v", v, err)}
	}
	return re, nil
}

// processLocals reads the LOCAL_CONFIG_FILE list in order. When a file
// changes LOCAL_CONFIG_FILE, the new list (minus the files already read)
// is processed from its beginning (process_locals).
func (l *loader) processLocals() error {
	list, err := l.expandNow("$(LOCAL_CONFIG_FILE)")
	if err != nil {
		return l.knobError("LOCAL_CONFIG_FILE", err)
	}
	split := func(v string) []string {
		if isCommandSource(v) {
			return []string{v}
		}
		return splitList(v, ", \t\r\n")
	}
	todo := split(list)
	done := map[string]bool{}
	for i := 0; i < len(todo); {
		src := todo[i]
		r := l.lookup("LOCAL_CONFIG_FILE")
		ref := &ParseError{File: r.src.File, Line: r.src.Line, Msg: "LOCAL_CONFIG_FILE: "}
		if err := l.readSource(src, 1, l.requireLocal(), ref); err != nil {
			return err
		}
		done[src] = true
		now, err := l.expandNow("$(LOCAL_CONFIG_FILE)")
		if err != nil {
			return l.knobError("LOCAL_CONFIG_FILE", err)
		}
		if now != list {
			list, todo, i = now, nil, 0
			for _, s := range split(now) {
				if !done[s] {
					todo = append(todo, s)
				}
			}
			continue
		}
		i++
	}
	return nil
}

// processUserConfig reads ~/.condor/<USER_CONFIG_FILE> (or an absolute
// USER_CONFIG_FILE) when the process cannot switch ids (find_user_file).
func (l *loader) processUserConfig() error {
	name, err := l.expandNow("$(USER_CONFIG_FILE)")
	if err != nil {
		return l.knobError("USER_CONFIG_FILE", err)
	}
	if name == "" || l.id.UID == 0 {
		return nil
	}
	path := name
	if !filepath.IsAbs(name) {
		if l.id.Home == "" {
			return nil
		}
		path = filepath.Join(l.id.Home, ".condor", name)
	}
	return l.readSource(path, 1, false, nil)
}

// applyEnv inserts the _CONDOR_<KNOB> / _condor_<knob> overrides (prefix
// case-insensitive). "_CONDOR_TOOL.KNOB" sets the subsystem-specific knob.
// An empty value makes the knob undefined.
func (l *loader) applyEnv(env []string) {
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || len(k) <= len("_condor_") || !strings.EqualFold(k[:len("_condor_")], "_condor_") {
			continue
		}
		name := strings.TrimRight(k[len("_condor_"):], " \t\r\n\v\f")
		if name == "" {
			continue
		}
		v = strings.TrimLeft(v, " \t\r\n\v\f")
		l.c.t.set(name, l.selfExpand(name, v), Source{File: SourceEnvironment})
	}
}
