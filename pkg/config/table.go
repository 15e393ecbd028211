package config

import (
	"fmt"
	"strings"
)

// Special values of Source.File for values that do not come from a file.
const (
	SourceEnvironment = "<environment>" // a _CONDOR_<KNOB> variable
	SourceDefault     = "<default>"     // the built-in defaults table
	SourceDetected    = "<detected>"    // computed by Load (HOSTNAME, USERNAME, ...)
	SourceOverride    = "<override>"    // Config.Set
)

// Source tells where a value was defined.
type Source struct {
	// File is the configuration file, or one of the Source* markers.
	File string
	// Line is the 1-based line in File; 0 when File is a marker. For a
	// statement continued over several lines (backslash or @= block) it is
	// the last line, as HTCondor records it.
	Line int
	// Meta is "CATEGORY:template" when the value was set by a metaknob
	// ("use SECURITY : recommended" → "SECURITY:recommended_v24_0" for the
	// knobs of that template); File and Line are then those of the use line.
	Meta string
}

// describe renders a Source for error messages.
func (s Source) describe() string {
	var b strings.Builder
	if s.Line > 0 {
		fmt.Fprintf(&b, "config file %s line %d", s.File, s.Line)
	} else if strings.HasPrefix(s.File, "<") {
		b.WriteString(s.File)
	} else {
		fmt.Fprintf(&b, "config file %s", s.File)
	}
	if s.Meta != "" {
		fmt.Fprintf(&b, " (use %s)", s.Meta)
	}
	return b.String()
}

// entry is one knob defined by a configuration source.
type entry struct {
	name  string // spelling at first definition
	value string // raw value; self references already resolved
	src   Source
}

// table holds the defined knobs keyed by upper-case name (knob names are
// case-insensitive). It is not safe for concurrent mutation; Config guards it.
type table map[string]*entry

// set defines or redefines name. A redefinition keeps the first spelling,
// as HTCondor's insert_macro does.
func (t table) set(name, value string, src Source) {
	k := upper(name)
	if e, ok := t[k]; ok {
		e.value, e.src = value, src
		return
	}
	t[k] = &entry{name: name, value: value, src: src}
}

// upper is an ASCII-only upper-casing: knob names compare with strcasecmp.
func upper(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'a' && c <= 'z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'a' && b[j] <= 'z' {
					b[j] -= 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// resolved is the outcome of a knob lookup.
type resolved struct {
	key   string // upper-case key that matched (e.g. "TOOL.SEC_X")
	name  string // its display spelling
	raw   string
	src   Source
	found bool
}

// lookupIn resolves name the way HTCondor's lookup_macro does
// (config.cpp): <localname>.<name> in the sources then in the defaults,
// <subsys>.<name> likewise, then <name> likewise. A knob explicitly set to
// the empty string is found (and hides its default).
func lookupIn(t table, subsys, local, name string) resolved {
	var prefixes [2]string
	n := 0
	if local != "" {
		prefixes[n] = local
		n++
	}
	if subsys != "" {
		prefixes[n] = subsys
		n++
	}
	for i := 0; i < n; i++ {
		if r := lookupExact(t, prefixes[i]+"."+name); r.found {
			return r
		}
	}
	return lookupExact(t, name)
}

// lookupExact looks one exact (case-insensitive) name up in the sources,
// then in the defaults table.
func lookupExact(t table, name string) resolved {
	k := upper(name)
	if e, ok := t[k]; ok {
		return resolved{key: k, name: e.name, raw: e.value, src: e.src, found: true}
	}
	if d, ok := defaults[k]; ok {
		return resolved{key: k, name: d.Name, raw: d.Value, src: Source{File: SourceDefault}, found: true}
	}
	return resolved{}
}
