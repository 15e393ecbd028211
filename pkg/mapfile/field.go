package mapfile

import (
	"errors"
	"fmt"
)

// field is one whitespace-separated field of a map-file line.
type field struct {
	text  string
	regex bool   // written as /.../ (only when regexes may be delimited)
	flags string // regex flags after the closing '/': any of "i", "U"
}

// parseField reads the field starting at or after off, following HTCondor's
// MapFile::ParseField: leading spaces and tabs are skipped; a field starting
// with '"' (or with '/' when allowRegex) runs to the matching unescaped
// delimiter, inside which "\<delim>" stands for the delimiter, "\\" for one
// backslash and any other "\x" is kept as written; a /regex/ may be followed
// directly by the flags i (caseless) and U (ungreedy); any other field runs
// to the next space or tab. It returns the field and the offset after it.
//
// Where HTCondor would silently give an odd result, this refuses instead:
// an unterminated quote or regex (HTCondor would keep the newline in the
// field), a backslash ending the line inside one (HTCondor reads past the
// line), and text glued to the closing delimiter (HTCondor would start the
// next field there, e.g. /x/s would give the canonical name "s").
func parseField(line string, off int, allowRegex bool) (field, int, error) {
	for off < len(line) && (line[off] == ' ' || line[off] == '\t') {
		off++
	}
	if off >= len(line) {
		return field{}, off, nil
	}
	delim := line[off]
	if delim != '"' && (delim != '/' || !allowRegex) {
		start := off
		for off < len(line) && line[off] != ' ' && line[off] != '\t' {
			off++
		}
		return field{text: line[start:off]}, off, nil
	}
	f := field{regex: delim == '/'}
	var buf []byte
	off++
	for {
		if off >= len(line) {
			if f.regex {
				return field{}, off, fmt.Errorf("regular expression starting with '/' has no closing '/'")
			}
			return field{}, off, errors.New(`unterminated quoted string (no closing '"')`)
		}
		c := line[off]
		if c == delim {
			off++
			break
		}
		if c == '\\' {
			if off+1 >= len(line) {
				return field{}, off, errors.New("backslash at end of line inside a quoted string or regular expression")
			}
			d := line[off+1]
			switch d {
			case delim, '\\':
				buf = append(buf, d)
			default:
				buf = append(buf, '\\', d)
			}
			off += 2
			continue
		}
		buf = append(buf, c)
		off++
	}
	if f.regex {
		start := off
		for off < len(line) && (line[off] == 'i' || line[off] == 'U') {
			off++
		}
		f.flags = line[start:off]
	}
	if off < len(line) && line[off] != ' ' && line[off] != '\t' {
		if f.regex {
			return field{}, off, fmt.Errorf("unexpected %q after the closing '/' (HTCondor accepts only the flags i and U there, followed by a space)", line[off])
		}
		return field{}, off, fmt.Errorf("unexpected %q after the closing '\"' (a space must follow)", line[off])
	}
	f.text = string(buf)
	return f, off, nil
}
