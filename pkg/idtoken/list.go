package idtoken

import (
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"syscall"
)

// ListEntry is one token line found by ListDir or ListFile.
type ListEntry struct {
	// Path is the file, as condor_token_list prints it: the directory
	// joined with the name, or the -file argument as given.
	Path string
	// Line is the 1-based line number in the file.
	Line int
	// Token is the decoded token (nil when Err is set).
	Token *Token
	// Err says why the line did not decode. condor_token_list skips such
	// lines silently; a modern listing can show them.
	Err error
}

// FileProblem is a file or directory ListDir could not read.
type FileProblem struct {
	// Path is the file or directory.
	Path string
	// Err is the cause.
	Err error
}

// ErrExcludeUnset is reported by ListDir when no exclude expression is
// given: condor_token_list lists nothing when LOCAL_CONFIG_DIR_EXCLUDE_REGEXP
// is unset (tokens.md §9.8).
var ErrExcludeUnset = errors.New("LOCAL_CONFIG_DIR_EXCLUDE_REGEXP is unset, so nothing is listed")

// ListDir does what condor_token_list does with a directory (tokens.md
// §9.8, real-tools.md §4): files in directory (readdir) order — not sorted
// —, subdirectories and names exclude matches skipped, no ownership or mode
// check, each line trimmed, empty and '#' lines skipped. Lines that do not
// decode become entries with Err set. Unreadable files and directories
// are reported in problems (the legacy tool prints nothing for them and
// still exits 0).
func ListDir(dir string, exclude *regexp.Regexp) (entries []ListEntry, problems []FileProblem) {
	if exclude == nil {
		return nil, []FileProblem{{Path: dir, Err: ErrExcludeUnset}}
	}
	f, err := os.Open(dir)
	if err != nil {
		return nil, []FileProblem{{Path: dir, Err: err}}
	}
	// (*os.File).ReadDir keeps the directory's own order; os.ReadDir would
	// sort the names, which condor_token_list does not do.
	des, err := f.ReadDir(-1)
	f.Close()
	if err != nil {
		problems = append(problems, FileProblem{Path: dir, Err: err})
	}
	for _, de := range des {
		full := dircat(dir, de.Name())
		// Directory::IsDirectory follows symbolic links.
		if st, err := os.Stat(full); err == nil && st.IsDir() {
			continue
		}
		if exclude.MatchString(de.Name()) {
			continue
		}
		es, err := ListFile(full)
		if err != nil {
			problems = append(problems, FileProblem{Path: full, Err: err})
		}
		entries = append(entries, es...)
	}
	return entries, problems
}

// ListFile reads the token lines of one file like condor_token_list -file
// (tokens.md §9.8): no ownership or mode check, but a symbolic link as the
// last path component is refused (safe_fopen_no_create) and so are
// directories, FIFOs and devices; at most MaxSecureFileSize bytes are read.
// Lines are trimmed; empty and '#' lines are skipped; undecodable lines are
// returned with Err set.
func ListFile(path string) ([]ListEntry, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		if errors.Is(err, syscall.ELOOP) {
			return nil, fmt.Errorf("%s: is a symbolic link, which is not followed", path)
		}
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory", path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: is not a regular file", path)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxSecureFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxSecureFileSize {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, MaxSecureFileSize)
	}
	var out []ListEntry
	for i, line := range strings.Split(string(data), "\n") {
		line = trimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		tok, err := Parse(line)
		out = append(out, ListEntry{Path: path, Line: i + 1, Token: tok, Err: err})
	}
	return out, nil
}

// FormatListLine renders an entry the way condor_token_list prints it:
// "Header: <header JSON> Payload: <payload JSON> File: <path>" (without the
// newline). Entries with Err set have no legacy rendering; "" is returned.
func FormatListLine(e ListEntry) string {
	if e.Token == nil {
		return ""
	}
	return "Header: " + e.Token.HeaderJSON + " Payload: " + e.Token.PayloadJSON + " File: " + e.Path
}
