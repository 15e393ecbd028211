package config

import "strings"

// File-name macro functions: $F<letters>(path), $BASENAME(path[, suffix])
// and $DIRNAME(path), as HTCondor's config reader evaluates them
// (evaluate_macro_func, SPECIAL_MACRO_ID_FILENAME, and its helpers
// strlen_unquote, strcpy_quoted, condor_basename,
// condor_basename_extension_ptr and condor_basename_plus_dirs). The
// letters, in either case:
//
//	p  the directory part, with its trailing '/'
//	d  the last directory (dd the last two, ...), with its trailing '/'
//	n  the file name without its extension
//	x  the extension, with its '.'
//	b  bare: no trailing '/' after p or d, no '.' before x
//	q  put double quotes around the result (quotes are removed otherwise)
//	a  with q: single quotes instead
//	u  turn '\' into '/';  w  turn '/' into '\'
//	f  make a relative path absolute; HTCondor does so only in
//	   condor_submit (the config reader has no working directory), so it
//	   changes nothing here
//
// The parts are located on the (re-)quoted text, so quirks of HTCondor's
// in-place editing carry over (e.g. $Fqx of a dot file in the current
// directory). $BASENAME is $Fnx, $DIRNAME is $Fp.

// File-name parts (the "parts" bit set of HTCondor's code).
const (
	partExt  = 1
	partName = 2
	partPath = 4
	partDir  = 8
)

func (x *expander) fileFunc(m *macroMatch) (string, error) {
	body := m.body
	suffix, hasSuffix := "", false
	if m.kind == kindBasename {
		// The suffix to remove follows the last comma, leading blanks
		// skipped.
		if i := strings.LastIndexByte(body, ','); i >= 0 {
			suffix = strings.TrimLeft(body[i+1:], " \t\n\v\f\r")
			body, hasSuffix = body[:i], true
		}
	}
	a, err := x.lookupArg(body, false)
	if err != nil {
		return "", err
	}
	if i := strings.IndexByte(a.text, 0); i >= 0 {
		a.text = a.text[:i] // HTCondor sees a C string
	}
	parts, dirs := 0, 0
	quoted, argQuote, bare := false, false, false
	var toPath byte
	switch m.kind {
	case kindBasename:
		parts = partName | partExt
	case kindDirname:
		parts = partPath
	default:
		for i := 2; i < len(m.fn); i++ {
			switch m.fn[i] | 0x20 {
			case 'x':
				parts |= partExt
			case 'n':
				parts |= partName
			case 'p':
				parts |= partPath
			case 'd':
				parts |= partDir
				dirs++
			case 'a':
				argQuote = true
			case 'b':
				bare = true
			case 'w':
				toPath = '\\'
			case 'u':
				toPath = '/'
			case 'q':
				quoted = true
			}
		}
	}
	var qc byte
	if quoted {
		qc = '"'
		if argQuote {
			qc = '\''
		}
	}

	// strlen_unquote: one pair of matching quotes around the value goes;
	// the text after it (the closing quote) stays visible to the next step.
	v, n := a.text, len(a.text)
	if n > 1 && v[0] == v[n-1] && (v[0] == '"' || v[0] == '\'') {
		v, n = v[1:], n-2
	}
	// strcpy_quoted: a leading '"' (or the requested quote) goes, and the
	// same quote at the end of the counted text.
	var open byte
	if len(v) > 0 && (v[0] == '"' || qc != 0 && v[0] == qc) {
		open, v, n = v[0], v[1:], n-1
	}
	if n < 0 {
		// HTCondor copies -1 bytes here ($Fn of a value that is just "")
		// and crashes.
		return "", unsupportedf(m.fn, "the value %s crashes HTCondor", clip(a.text))
	}
	if n > 0 && open != 0 && v[n-1] == open {
		n--
	}
	content := []byte(v[:n])
	if toPath != 0 {
		from := byte('\\')
		if toPath == '\\' {
			from = '/'
		}
		for i, c := range content {
			if c == from {
				content[i] = toPath
			}
		}
	}
	// buf models HTCondor's C buffer: the text, its NUL and spare room.
	buf := make([]byte, 0, len(content)+5)
	if qc != 0 {
		buf = append(buf, qc)
	}
	buf = append(buf, content...)
	if qc != 0 {
		buf = append(buf, qc)
	}
	end := len(buf)
	buf = append(buf, 0, 0, 0)

	name := strings.LastIndexByte(string(buf[:end]), '/') + 1 // condor_basename: '/' only
	ext := end                                                // last '.' after the first character of the name
	for p := end - 1; p > name; p-- {
		if buf[p] == '.' {
			ext = p
			break
		}
	}
	if hasSuffix {
		// A matching suffix (any case) is treated as the extension.
		if k := len(suffix); end-k >= name && asciiEqualFold(suffix, string(buf[end-k:end])) {
			ext = end - k
			parts &^= partExt
		}
	}
	if name == 0 && parts&(partName|partExt) != 0 {
		parts &^= partPath | partDir
	}
	start := 0
	switch parts & 0xF {
	case partExt:
		start = ext
		if bare && ext < end {
			start++
		}
	case partName | partExt:
		start = name
	case partName:
		start, end = name, ext
	case 0, partPath | partName | partExt, partPath | partExt:
	case partPath:
		end = name
		if bare && name > 0 {
			end = name - 1
		}
	case partPath | partName:
		end = ext
	default: // d, with or without others
		if name > 0 {
			var ok bool
			if start, ok = basenamePlusDirs(buf[:end], dirs); !ok {
				// HTCondor pops more directories than the path has
				// (undefined behaviour).
				return "", unsupportedf(m.fn, "%s has fewer than %d directories", clip(a.text), dirs)
			}
			switch parts & (partName | partExt) {
			case partName:
				end = ext
			case 0:
				end = name
				if bare {
					end = name - 1
				}
			}
		} else {
			start, end = 1, 1
		}
	}
	if quoted {
		if buf[start] != qc {
			if start == 0 {
				return "", unsupportedf(m.fn, "HTCondor asserts on %s", clip(a.text))
			}
			start--
			buf[start] = qc
		}
		if end > 1 && buf[end-1] == qc {
			end--
		}
		buf[end] = qc
		end++
	}
	buf[end] = 0
	out := buf[start:]
	if i := strings.IndexByte(string(out), 0); i >= 0 {
		out = out[:i]
	}
	return string(out), nil
}

// basenamePlusDirs returns the index in path where its last num+1
// components start; '/' and '\' both separate, and a leading "\\" or
// "\\.\" is one separator (condor_basename_plus_dirs). ok is false when
// the path has fewer separators than num.
func basenamePlusDirs(path []byte, num int) (int, bool) {
	var seps []int
	i := 0
	if len(path) >= 2 && path[0] == '\\' && path[1] == '\\' {
		if len(path) >= 4 && path[2] == '.' && path[3] == '\\' {
			i = 4
		} else {
			i = 2
		}
		seps = append(seps, i)
	}
	for ; i < len(path); i++ {
		if path[i] == '\\' || path[i] == '/' {
			seps = append(seps, i+1)
		}
	}
	if num > len(seps) {
		return 0, false
	}
	seps = seps[:len(seps)-num]
	if len(seps) == 0 {
		return 0, true
	}
	return seps[len(seps)-1], true
}

// asciiEqualFold is strcasecmp() == 0 in the C locale.
func asciiEqualFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		ca, cb := a[i], b[i]
		if ca >= 'A' && ca <= 'Z' {
			ca += 'a' - 'A'
		}
		if cb >= 'A' && cb <= 'Z' {
			cb += 'a' - 'A'
		}
		if ca != cb {
			return false
		}
	}
	return true
}
