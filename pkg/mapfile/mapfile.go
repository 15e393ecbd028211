// Package mapfile reads HTCondor's authentication map file (the file named by
// the CERTIFICATE_MAPFILE knob) and maps authenticated names to canonical
// HTCondor user names the way a real HTCondor daemon does (cedar.md §4.6 step 5;
// HTCondor's MapFile, src/condor_utils/MapFile.cpp, and the admin manual's
// "The Authentication Map File" section). IDTOKENS names are never mapped
// (tokens.md §6); that is the caller's decision.
//
// Each significant line is "METHOD PRINCIPAL CANONICAL" or "@include PATH";
// a line whose first field starts with '#' is a comment, text after the third
// field is ignored, there is no line continuation. Fields are separated by
// spaces or tabs; a field may be written in double quotes ("\"" is a quote,
// "\\" a backslash, other escapes are kept as written).
//
// Lookups are per authentication method (compared ignoring ASCII case, like
// HTCondor's method table; "*" is not a wildcard) and return the first line of
// that method, in file order, whose principal matches. HTCondor keeps runs of
// consecutive literal lines in one hash table and each regex as its own list
// element, scanned in order, which is the same as "first matching line wins";
// of two literal lines with the same principal the first one counts.
// Literal principals (only with Options.AssumeHashKeys, like
// CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS) are compared exactly, case
// sensitively. Regular-expression principals are searched for anywhere in the
// name unless anchored, case sensitively unless the i flag is given. In the
// canonical name \0..\9 are replaced by the match groups.
//
// HTCondor uses PCRE2 (on bytes, without PCRE2_UTF); this package uses Go's
// RE2-based regexp with a translation that keeps PCRE2's byte semantics.
// Patterns that RE2 cannot express (backreferences, lookaround, atomic
// groups, possessive quantifiers, ...) or that would mean something else
// (\v, {,n}, caseless non-ASCII) make the whole file fail to load with an
// error naming the file and line, so a map file is never silently applied
// with a different meaning. Lines HTCondor would skip with a log message
// (missing fields, bad regexes, nested @include, unreadable includes) are
// errors here too. One difference remains: PCRE2's "$" also matches before a
// final newline of the name, RE2's only at the very end.
package mapfile

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
)

// Bounds applied while reading map files. HTCondor itself has no such limits;
// they protect the daemon from absurd or hostile inputs.
const (
	// MaxFileSize is the largest map file (top-level or included) accepted, in bytes.
	MaxFileSize = 4 << 20
	// MaxTotalSize bounds the bytes read for one Load/Parse including all includes.
	MaxTotalSize = 64 << 20
	// MaxLineLength is the longest line accepted, in bytes, without its newline.
	MaxLineLength = 64 << 10
	// MaxRegexEntries bounds the number of regular-expression lines (each
	// compiled expression costs several KiB and is tried in turn by Map).
	MaxRegexEntries = 10000
	// MaxIncludedFiles bounds the number of files read through @include.
	MaxIncludedFiles = 1000
	// MaxIncludeDepth is how deep @include may nest. HTCondor reads an included
	// file with @include disabled, so only the top-level file may include.
	MaxIncludeDepth = 1
)

// DefaultExcludePattern is HTCondor's default LOCAL_CONFIG_DIR_EXCLUDE_REGEXP
// (param_info.in). Files of an @include'd directory whose name matches it are
// skipped, as HTCondor's get_config_dir_file_list does.
const DefaultExcludePattern = `^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|(.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$`

// defaultExclude is compiled on first use: every condor-auth process links this
// package, few read a map file.
var defaultExclude = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(DefaultExcludePattern) })

// Options tunes how a map file is read. The zero value reproduces HTCondor's
// defaults.
type Options struct {
	// AssumeHashKeys mirrors CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS (default
	// false). When false every principal is a regular expression (a leading
	// '/' is an ordinary character). When true a principal is a regular
	// expression only when written /.../ (optionally followed by the flags
	// i and U); otherwise it is a literal compared exactly.
	AssumeHashKeys bool
	// Exclude mirrors LOCAL_CONFIG_DIR_EXCLUDE_REGEXP: file names (not paths)
	// in an @include'd directory that match it are skipped. Nil means
	// DefaultExcludePattern unless NoExclude is set.
	Exclude *regexp.Regexp
	// NoExclude disables the exclusion (LOCAL_CONFIG_DIR_EXCLUDE_REGEXP
	// set to an empty value).
	NoExclude bool
	// NoInclude makes any @include line an error, so that parsing never
	// touches the file system (useful for untrusted text).
	NoInclude bool
}

// MapFile is a parsed map file. It is immutable after loading and safe for
// concurrent use by multiple goroutines.
type MapFile struct {
	// methods is keyed by the ASCII-lower-cased method name (HTCondor keys
	// its method table with a case-insensitive comparator).
	methods map[string][]group
}

// group is one element of a method's lookup list. Like HTCondor, consecutive
// literal lines of the same method share one hash table (first definition of
// a name wins), while each regular expression is its own element; the list is
// scanned in file order, so the first matching line wins.
type group struct {
	literals map[string]string // non-nil for a literal group
	re       *regexp.Regexp    // non-nil for a regex entry
	canon    string            // canonical pattern of a regex entry
}

// Error describes a problem with a map file, naming the file and line.
type Error struct {
	// File is the path (or the name given to Parse) of the offending file.
	File string
	// Line is the 1-based line number, or 0 when the problem is not tied to a line.
	Line int
	// Msg says what is wrong.
	Msg string
	// Err is the underlying cause, if any (I/O or regexp error).
	Err error
}

// Error implements error: "mapfile: FILE:LINE: MSG[: CAUSE]".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("mapfile: ")
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	return b.String()
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// Map looks name up among the lines for method (ASCII case-insensitive, as
// HTCondor's method table) and returns the canonical name of the first
// matching line with \0..\9 substituted, and ok=true. It returns "", false
// when no line matches. A nil MapFile maps nothing.
func (m *MapFile) Map(method, name string) (canonical string, ok bool) {
	if m == nil {
		return "", false
	}
	lname, converted := "", false // name as the regexes see it (see compilePCRE)
	for _, g := range m.methods[asciiLower(method)] {
		if g.literals != nil {
			if c, found := g.literals[name]; found {
				// For a literal line the only group is \0, the whole name.
				return substitute(c, []string{name}), true
			}
			continue
		}
		if !converted {
			lname, converted = toLatin1(name), true
		}
		loc := g.re.FindStringSubmatchIndex(lname)
		if loc == nil {
			continue
		}
		// PCRE2 reports one more than the highest group that took part in
		// the match; HTCondor only substitutes groups below that count,
		// unset groups below it are empty.
		n := len(loc) / 2
		for n > 1 && loc[2*(n-1)] < 0 {
			n--
		}
		groups := make([]string, n)
		for i := range n {
			if loc[2*i] >= 0 {
				groups[i] = fromLatin1(lname[loc[2*i]:loc[2*i+1]])
			}
		}
		return substitute(g.canon, groups), true
	}
	return "", false
}

// substitute expands \0..\9 in pattern from groups, as HTCondor's
// MapFile::PerformSubstitution: a reference to a group that does not exist
// (or did not take part, above the last one that did) stays as written, and
// any other backslash is copied together with the character after it. The
// parser refuses a pattern ending in a lone backslash.
func substitute(pattern string, groups []string) string {
	var b strings.Builder
	for i := 0; i < len(pattern); i++ {
		c := pattern[i]
		if c == '\\' && i+1 < len(pattern) {
			d := pattern[i+1]
			if d >= '0' && d <= '9' && int(d-'0') < len(groups) {
				b.WriteString(groups[d-'0'])
				i++
				continue
			}
			b.WriteByte('\\')
			b.WriteByte(d)
			i++
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// asciiLower lower-cases ASCII letters only (strcasecmp semantics).
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}
