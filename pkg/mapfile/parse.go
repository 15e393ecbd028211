package mapfile

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Load reads the map file at path with HTCondor's default options
// (CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS = false, default
// LOCAL_CONFIG_DIR_EXCLUDE_REGEXP). Any problem, including in an included
// file, is returned as an *Error naming the file and line. (When HTCondor
// cannot open CERTIFICATE_MAPFILE it maps nothing; the caller decides.)
func Load(path string) (*MapFile, error) {
	return LoadWith(path, Options{})
}

// LoadWith reads the map file at path with the given options.
func LoadWith(path string, opts Options) (*MapFile, error) {
	p := newParser(opts)
	if err := p.file(path, true, ""); err != nil {
		return nil, err
	}
	return p.m, nil
}

// Parse reads a map file from r with HTCondor's default options. name is used
// in error messages and, as HTCondor does, relative @include paths are
// resolved against name's directory when name contains a '/' (else against
// the working directory).
func Parse(name string, r io.Reader) (*MapFile, error) {
	return ParseWith(name, r, Options{})
}

// ParseWith reads a map file from r with the given options; see Parse.
func ParseWith(name string, r io.Reader, opts Options) (*MapFile, error) {
	p := newParser(opts)
	if name == "" {
		name = "(map file)"
	}
	if err := p.reader(name, r, true, ""); err != nil {
		return nil, err
	}
	return p.m, nil
}

type parser struct {
	opts     Options
	m        *MapFile
	total    int64 // bytes read so far
	included int   // files read through @include
	regexes  int   // regular-expression lines so far
}

func newParser(opts Options) *parser {
	return &parser{opts: opts, m: &MapFile{methods: map[string][]group{}}}
}

// file opens and parses one map file. from names the @include line that led
// here ("" for the top-level file).
func (p *parser) file(path string, allowInclude bool, from string) error {
	f, err := os.Open(path)
	if err != nil {
		return &Error{File: path, Msg: "cannot open map file" + from, Err: err}
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() && st.Size() > MaxFileSize {
		return &Error{File: path, Msg: fmt.Sprintf("map file is %d bytes, larger than the %d byte limit%s", st.Size(), MaxFileSize, from)}
	}
	return p.reader(path, f, allowInclude, from)
}

// reader parses one map file's content. HTCondor's
// MapFile::ParseCanonicalization reads it line by line; a line is processed
// even without a final newline.
func (p *parser) reader(name string, r io.Reader, allowInclude bool, from string) error {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return &Error{File: name, Msg: "cannot read map file" + from, Err: err}
	}
	if len(data) > MaxFileSize {
		return &Error{File: name, Msg: fmt.Sprintf("map file is larger than the %d byte limit%s", MaxFileSize, from)}
	}
	p.total += int64(len(data))
	if p.total > MaxTotalSize {
		return &Error{File: name, Msg: fmt.Sprintf("map files read so far exceed the %d byte total limit%s", MaxTotalSize, from)}
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), MaxLineLength+2)
	sc.Split(splitLF)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		if err := p.line(name, lineNo, sc.Text(), allowInclude, from); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return &Error{File: name, Line: lineNo + 1, Msg: fmt.Sprintf("line longer than %d bytes%s", MaxLineLength, from)}
		}
		return &Error{File: name, Line: lineNo + 1, Msg: "cannot read map file" + from, Err: err}
	}
	return nil
}

// line handles one line (newline already removed; a preceding '\r' is kept,
// as HTCondor keeps it).
func (p *parser) line(name string, n int, text string, allowInclude bool, from string) error {
	bad := func(format string, args ...any) error {
		return &Error{File: name, Line: n, Msg: fmt.Sprintf(format, args...) + from}
	}
	if len(text) > MaxLineLength {
		return bad("line longer than %d bytes", MaxLineLength)
	}
	if strings.IndexByte(text, 0) >= 0 {
		return bad("NUL byte in line")
	}
	method, off, err := parseField(text, 0, false)
	if err != nil {
		return bad("method field: %s", err)
	}
	// HTCondor tests for @include before it tests for comments.
	if method.text == "@include" {
		return p.include(name, n, text, off, allowInclude, from, bad)
	}
	if method.text == "" || method.text[0] == '#' {
		return nil // blank line or comment
	}
	principal, off, err := parseField(text, off, p.opts.AssumeHashKeys)
	if err != nil {
		return bad("principal field: %s", err)
	}
	canon, _, err := parseField(text, off, false)
	if err != nil {
		return bad("canonical field: %s", err)
	}
	// Anything after the third field is ignored, as in HTCondor (this is how
	// trailing comments work).
	switch {
	case principal.text == "":
		return bad("missing principal (expected METHOD PRINCIPAL CANONICAL)")
	case canon.text == "":
		return bad("missing canonical name (expected METHOD PRINCIPAL CANONICAL)")
	case method.text == "*":
		// HTCondor looks the method up by name only; "*" is not a wildcard
		// and such a line could never match.
		return bad(`method "*" is not a wildcard in HTCondor map files; write one line per authentication method`)
	}
	for _, f := range []struct{ what, s string }{{"method", method.text}, {"principal", principal.text}, {"canonical name", canon.text}} {
		if strings.IndexByte(f.s, '\r') >= 0 {
			return bad("carriage return inside the %s (DOS line endings?); HTCondor would keep it as part of the name", f.what)
		}
	}
	if endsWithLoneBackslash(canon.text) {
		return bad("canonical name %q ends with a lone backslash", canon.text)
	}
	key := asciiLower(method.text)
	list := p.m.methods[key]
	// With CERTIFICATE_MAPFILE_ASSUME_HASH_KEYS false every principal is a
	// regex; with it true only a /.../ principal is.
	if !p.opts.AssumeHashKeys || principal.regex {
		if p.regexes++; p.regexes > MaxRegexEntries {
			return bad("more than %d regular-expression lines", MaxRegexEntries)
		}
		re, err := compilePCRE(principal.text, principal.flags)
		if err != nil {
			return &Error{File: name, Line: n, Msg: fmt.Sprintf("regular expression %q%s", principal.text, from), Err: err}
		}
		p.m.methods[key] = append(list, group{re: re, canon: canon.text})
		return nil
	}
	if len(list) == 0 || list[len(list)-1].literals == nil {
		list = append(list, group{literals: map[string]string{}})
		p.m.methods[key] = list
	}
	lits := list[len(list)-1].literals
	if _, dup := lits[principal.text]; !dup { // first definition wins
		lits[principal.text] = canon.text
	}
	return nil
}

// endsWithLoneBackslash reports whether s ends in an odd run of backslashes
// with the last one not consumed by a preceding escape pair. HTCondor's
// substitution reads past the end of the string in that case.
func endsWithLoneBackslash(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

// include handles "@include PATH" (manual: "The Authentication Map File").
func (p *parser) include(name string, n int, text string, off int, allowInclude bool, from string, bad func(string, ...any) error) error {
	if !allowInclude {
		return bad("@include inside an included map file (HTCondor ignores it; only the top-level map file may include)")
	}
	if p.opts.NoInclude {
		return bad("@include is disabled")
	}
	f, _, err := parseField(text, off, false)
	if err != nil {
		return bad("@include path: %s", err)
	}
	path := f.text
	if path == "" {
		return bad("@include without a file or directory name")
	}
	// A relative path is relative to the directory of the including file
	// when that file's name has a directory part.
	if !filepath.IsAbs(path) && strings.ContainsRune(name, '/') {
		path = filepath.Join(filepath.Dir(name), path)
	}
	via := fmt.Sprintf(" (included from %s:%d)", name, n)
	st, err := os.Stat(path)
	if err != nil {
		return &Error{File: name, Line: n, Msg: fmt.Sprintf("cannot include %q", path), Err: err}
	}
	if !st.IsDir() {
		if err := p.count(name, n); err != nil {
			return err
		}
		return p.file(path, false, via)
	}
	files, err := p.dirFiles(path)
	if err != nil {
		return &Error{File: name, Line: n, Msg: fmt.Sprintf("cannot include directory %q", path), Err: err}
	}
	for _, fp := range files {
		if err := p.count(name, n); err != nil {
			return err
		}
		if err := p.file(fp, false, via); err != nil {
			return err
		}
	}
	return nil
}

func (p *parser) count(name string, n int) error {
	p.included++
	if p.included > MaxIncludedFiles {
		return &Error{File: name, Line: n, Msg: fmt.Sprintf("more than %d included map files", MaxIncludedFiles)}
	}
	return nil
}

// dirFiles lists the files of an @include'd directory as HTCondor's
// get_config_dir_file_list: entries that are not directories, whose name does
// not match the exclude regexp, sorted by full path.
func (p *parser) dirFiles(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var ex *regexp.Regexp
	if !p.opts.NoExclude {
		ex = p.opts.Exclude
		if ex == nil {
			ex = defaultExclude()
		}
	}
	var files []string
	for _, e := range entries {
		full := filepath.Join(dir, e.Name())
		st, err := os.Stat(full) // follows symlinks
		if err == nil && st.IsDir() {
			continue
		}
		if ex != nil && ex.MatchString(e.Name()) {
			continue
		}
		files = append(files, full)
	}
	sort.Strings(files)
	return files, nil
}

// splitLF splits at '\n' only. Unlike bufio.ScanLines it keeps a '\r' before
// the newline: HTCondor's reader does not strip it either, so it would end up
// in the last field (the parser reports that instead of hiding it).
func splitLF(data []byte, atEOF bool) (advance int, token []byte, err error) {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		return i + 1, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}
