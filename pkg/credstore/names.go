package credstore

import "strings"

// ValidName reports whether s may be used as an OAuth service name, handle
// or user directory name: every byte is an ASCII letter, digit or one of
// "-+=_." (okay_for_oauth_filename, credentials.md §6.2). Like HTCondor it
// accepts the empty string; callers decide what empty means.
func ValidName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case c == '-', c == '+', c == '=', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// validUserName reports whether a user name may become a path component
// of the credential directories: ValidName, non-empty, and not "." or ".."
// (HTCondor's check lets "." and ".." through, which would make
// "<dir>/<user>" the directory itself or its parent; refusing them is a
// deliberate hardening).
func validUserName(s string) bool {
	return s != "" && s != "." && s != ".." && ValidName(s)
}

// MatchWildcard reports whether str matches pattern the way HTCondor's
// CRED_SUPER_USERS check does (contains_withwildcard, case-sensitive on
// Unix; credentials.md §5.5): a pattern without '*' must equal str; a
// pattern "pre*post" matches when str starts with "pre" and the rest ends
// with "post"; "pre*" matches any str starting with "pre"; a '*' ending
// "post" as well makes "post" match anywhere in the rest ("*mid*"). Other
// asterisks are literal characters.
func MatchWildcard(pattern, str string) bool {
	star := strings.IndexByte(pattern, '*')
	if star < 0 {
		return pattern == str
	}
	start, end := pattern[:star], pattern[star+1:]
	anywhere := false
	if strings.HasSuffix(end, "*") {
		end = end[:len(end)-1]
		anywhere = true
	}
	if !strings.HasPrefix(str, start) {
		return false
	}
	if end == "" {
		return true
	}
	tail := str[len(start):]
	if anywhere {
		return strings.Contains(tail, end)
	}
	return strings.HasSuffix(tail, end)
}

// urlHost returns the host part of a URL as HTCondor's ParseURL finds it
// (the text after the first "<scheme>://" up to the next '/', port and
// user information included), and false when s does not look like a URL.
func urlHost(s string) (string, bool) {
	for off := 0; ; {
		i := strings.Index(s[off:], "://")
		if i < 0 {
			return "", false
		}
		i += off
		// The scheme is one or more characters other than ':'.
		if i > 0 && s[i-1] != ':' {
			rest := s[i+3:]
			if j := strings.IndexByte(rest, '/'); j >= 0 {
				rest = rest[:j]
			}
			if rest != "" {
				return rest, true
			}
		}
		off = i + 1
	}
}

// userPart returns the part of a fully qualified user name before its last
// '@' and whether that part is non-empty (the server's user@domain check,
// credentials.md §5.5).
func userPart(fqu string) (string, bool) {
	at := strings.LastIndexByte(fqu, '@')
	if at <= 0 {
		return "", false
	}
	return fqu[:at], true
}

// isPoolUser reports whether the name before the first '@' (or the whole
// name) is condor_pool (username_is_pool_password).
func isPoolUser(user string) bool {
	if at := strings.IndexByte(user, '@'); at >= 0 {
		user = user[:at]
	}
	return user == PoolUser
}
