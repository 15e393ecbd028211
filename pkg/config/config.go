package config

import (
	"errors"
	"regexp"
	"sort"
	"strings"
	"sync"

	"github.com/condor-auth/condor-auth/pkg/classad"
)

// Config is a loaded HTCondor configuration for one subsystem. It is safe
// for concurrent use; values are expanded on first use and cached.
type Config struct {
	subsys, local string
	env           map[string]string

	mu       sync.RWMutex
	t        table
	files    []string
	warnings []string
	cache    map[string]cached
	gen      uint64 // bumped by Set; guards cache fills against races

	// exclude memoizes ExcludeRegexp for the value it was compiled from.
	exclude struct {
		sync.Mutex
		src string
		re  *regexp.Regexp
	}
}

// cached is one memoized Value result.
type cached struct {
	val string
	ok  bool
	err error
}

// Entry describes where a knob's raw value comes from.
type Entry struct {
	// Name is the knob that matched, in its defining spelling; it may carry
	// the subsystem or local-name prefix ("TOOL.SEC_CLIENT_...").
	Name string
	// Raw is the unexpanded value.
	Raw string
	// Source tells where Raw was set.
	Source Source
}

// getenv serves $ENV() from Options.Env.
func (c *Config) getenv(name string) (string, bool) {
	v, ok := c.env[name]
	return v, ok
}

// lookup resolves a knob for the configured subsystem; callers hold mu.
func (c *Config) lookup(name string) resolved {
	return lookupIn(c.t, c.subsys, c.local, name)
}

// Subsystem returns the subsystem the configuration was loaded for.
func (c *Config) Subsystem() string { return c.subsys }

// LocalName returns the local name the configuration was loaded for.
func (c *Config) LocalName() string { return c.local }

// Value returns the fully expanded value of a knob, looked up as
// <LOCALNAME>.<name>, <SUBSYS>.<name>, then <name>, each in the
// configuration and then in the defaults table. ok is false when the knob
// is undefined or expands to the empty string (HTCondor's param() returns
// NULL then). err reports a value that cannot be expanded (a recursive
// definition, a failing macro function such as $INT(NOT_A_NUMBER)).
func (c *Config) Value(name string) (string, bool, error) {
	k := upper(name)
	c.mu.RLock()
	if r, hit := c.cache[k]; hit {
		c.mu.RUnlock()
		return r.val, r.ok, r.err
	}
	gen := c.gen
	r := c.compute(name)
	c.mu.RUnlock()
	c.mu.Lock()
	if c.gen == gen && c.cache != nil {
		c.cache[k] = r
	}
	c.mu.Unlock()
	return r.val, r.ok, r.err
}

// compute expands one knob; callers hold mu (read).
func (c *Config) compute(name string) cached {
	r := c.lookup(name)
	if !r.found || r.raw == "" {
		return cached{}
	}
	x := newExpander(c.lookup, c.getenv)
	v, err := x.knob(r)
	if err == nil {
		v, err = x.full(v)
	}
	if err != nil {
		return cached{err: newExpandError(r.name, r.src, err)}
	}
	return cached{val: v, ok: v != ""}
}

// Get returns the fully expanded, subsystem-aware value of a knob with the
// environment overrides applied; ok is false when it is undefined or
// empty. A value that cannot be expanded reads as undefined here (Load
// already refused such values for every knob condor-auth uses; see Value).
func (c *Config) Get(name string) (string, bool) {
	v, ok, err := c.Value(name)
	if err != nil {
		return "", false
	}
	return v, ok
}

// Lookup returns Get's value, or "" when the knob is undefined.
func (c *Config) Lookup(name string) string {
	v, _ := c.Get(name)
	return v
}

// Bool reads an HTCondor boolean: true/false, yes/no or 1/0, any case,
// surrounding blanks ignored. def is returned when the knob is undefined;
// an unparsable value returns def and a *ValueError naming knob and value.
func (c *Config) Bool(name string, def bool) (bool, error) {
	v, ok, err := c.Value(name)
	if err != nil {
		return def, err
	}
	if !ok {
		return def, nil
	}
	if b, ok := parseBool(v); ok {
		return b, nil
	}
	return def, &ValueError{Knob: name, Value: v, Want: "boolean", Source: c.where(name)}
}

// parseBool reads a boolean knob as HTCondor's string_is_boolean_param
// does: a leading "true", "1", "false" or "0" (case-insensitive, tried in
// that order) followed only by white space; otherwise the text is a ClassAd
// expression whose value must be boolean-equivalent (a number counts:
// non-zero is true). "yes" and "no" are not booleans (an attribute
// reference, UNDEFINED), as in HTCondor.
func parseBool(v string) (bool, bool) {
	s := strings.TrimLeft(v, " \t")
	var result bool
	var rest string
	switch {
	case len(s) >= 4 && strings.EqualFold(s[:4], "true"):
		result, rest = true, s[4:]
	case strings.HasPrefix(s, "1"):
		result, rest = true, s[1:]
	case len(s) >= 5 && strings.EqualFold(s[:5], "false"):
		result, rest = false, s[5:]
	case strings.HasPrefix(s, "0"):
		result, rest = false, s[1:]
	default:
		rest = "x"
	}
	if strings.TrimLeft(rest, " \t\n\r\v\f") == "" {
		return result, true
	}
	e, err := classad.ParseExpr(s)
	if err != nil {
		return false, false
	}
	return classad.EvalBool(e, classad.NewAd())
}

// Int reads an integer knob. Like HTCondor, the value may be an integer
// expression ("24 * 3600"). def is returned when the knob is undefined; an
// invalid value returns def and a *ValueError.
func (c *Config) Int(name string, def int64) (int64, error) {
	v, ok, err := c.Value(name)
	if err != nil {
		return def, err
	}
	if !ok {
		return def, nil
	}
	n, err := evalInt(v)
	if err != nil {
		var detail error
		if !errors.Is(err, errNotInteger) {
			detail = err
		}
		return def, &ValueError{Knob: name, Value: v, Want: "integer", Source: c.where(name), Err: detail}
	}
	return n, nil
}

// List splits a knob's value on commas and blanks, dropping empty items.
func (c *Config) List(name string) []string {
	v, ok := c.Get(name)
	if !ok {
		return nil
	}
	return splitList(v, ", \t\r\n")
}

// Raw returns the unexpanded value of the knob that name resolves to and
// where it was defined: a file and line, or File "<environment>",
// "<default>", "<detected>" or "<override>" with line 0. ok is false when
// the knob is neither configured nor in the defaults table. A knob
// explicitly set to nothing is found, with an empty value.
func (c *Config) Raw(name string) (value, file string, line int, ok bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r := c.lookup(name)
	return r.raw, r.src.File, r.src.Line, r.found
}

// Describe is Raw with the matched knob name and the metaknob, if any.
func (c *Config) Describe(name string) (Entry, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	r := c.lookup(name)
	if !r.found {
		return Entry{}, false
	}
	return Entry{Name: r.name, Raw: r.raw, Source: r.src}, true
}

// where returns the Source of the knob name resolves to.
func (c *Config) where(name string) Source {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.lookup(name).src
}

// Names returns every knob the configuration or the defaults table knows,
// sorted case-insensitively, in their defining spelling.
func (c *Config) Names() []string {
	c.mu.RLock()
	seen := make(map[string]string, len(c.t)+len(defaults))
	for k, e := range c.t {
		seen[k] = e.name
	}
	c.mu.RUnlock()
	for k, d := range defaults {
		if _, ok := seen[k]; !ok {
			seen[k] = d.Name
		}
	}
	keys := make([]string, 0, len(seen))
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = seen[k]
	}
	return out
}

// Set defines a knob programmatically (daemon flags, tests). Like a
// configuration line, $(NAME) in value refers to the previous value.
func (c *Config) Set(name, value string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := expandSelf(value, name, []string{c.local, c.subsys}, c.lookup)
	c.t.set(name, v, Source{File: SourceOverride})
	c.cache = map[string]cached{}
	c.gen++
}

// Expand expands macros in arbitrary text in this configuration's context.
func (c *Config) Expand(text string) (string, error) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	v, err := newExpander(c.lookup, c.getenv).full(text)
	if err != nil {
		return "", newExpandError("(text)", Source{File: SourceOverride}, err)
	}
	return v, nil
}

// Files returns the configuration sources read, in order: the global file,
// LOCAL_CONFIG_DIR and LOCAL_CONFIG_FILE entries, included files, the user
// file. Command sources appear as "cmd args |".
func (c *Config) Files() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string(nil), c.files...)
}

// Warnings returns the non-fatal diagnostics of Load ("warning :"
// statements, "NAME : value" assignments, ignored metaknobs), each
// prefixed with its file and line.
func (c *Config) Warnings() []string {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return append([]string(nil), c.warnings...)
}

// validate expands every configured knob once. Any error in a knob
// condor-auth reads (the defaults table, SEC_*, AUTH_SSL_*, ALLOW_*,
// DENY_*), and recursive or runaway definitions anywhere, fail the Load;
// other errors in an unrelated knob (a failing or unsupported macro
// function, bad $RANDOM_INTEGER arguments) only make that knob unreadable
// (Value).
//
// Only the knobs the configuration sets are expanded: a built-in default
// can only fail through a configured knob it references, and that knob is
// expanded here itself. Expanding the whole defaults table as well cost a
// short-lived tool about 5% of its run time (issue #4's fetch benchmark).
func (c *Config) validate() error {
	c.mu.RLock()
	names := make([]string, 0, len(c.t))
	for _, e := range c.t {
		names = append(names, e.name)
	}
	c.mu.RUnlock()
	sort.Strings(names)
	for _, n := range names {
		_, _, err := c.Value(n)
		if err == nil {
			continue
		}
		var ee *ExpandError
		if errors.As(err, &ee) && (relevant(n) || ee.structural) {
			return err
		}
	}
	return nil
}

func newExpandError(knob string, src Source, err error) *ExpandError {
	ee := &ExpandError{Knob: knob, Source: src, Msg: err.Error()}
	var xe *expandErr
	if errors.As(err, &xe) {
		ee.Unsupported, ee.structural = xe.unsupported, xe.structural
		if xe.src != nil {
			ee.Knob, ee.Source = xe.knob, *xe.src
		}
	}
	return ee
}

// relevant reports whether condor-auth reads the knob (any subsystem or
// local-name prefix removed).
func relevant(name string) bool {
	n := upper(name)
	if i := strings.LastIndexByte(n, '.'); i >= 0 {
		n = n[i+1:]
	}
	if _, ok := defaults[n]; ok {
		return true
	}
	for _, p := range []string{"SEC_", "AUTH_SSL_", "ALLOW_", "DENY_"} {
		if strings.HasPrefix(n, p) {
			return true
		}
	}
	return false
}
