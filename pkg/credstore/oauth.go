package credstore

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"

	"github.com/condor-auth/condor-auth/pkg/classad"
)

// OAuth credential files (credentials.md §6.2): "<dir>/<user>/<base>.top"
// holds a refresh token for a credmon, "<base>.use" an access token ready
// for jobs; <base> is "<service>" or "<service>_<handle>".
const (
	extTop = ".top"
	extUse = ".use"
)

// oauth runs one OAuth operation for user (OAUTH_STORE_CRED). mode is the
// operation | TypeOAuth; reqAd the request's options ad; results go to ret.
// It returns the result and, for a successful add or a pending query, the
// completion file to wait for.
func (s *Store) oauth(user string, cred []byte, mode int, reqAd, ret map[string]any) (int64, string) {
	if !validUserName(user) {
		s.opts.Logf("OAuth store cred: illegal user name %q", user)
		return FailureBadArgs, ""
	}
	dir := s.opts.OAuthDir
	if dir == "" {
		s.opts.Logf("OAuth store cred: SEC_CREDENTIAL_DIRECTORY_OAUTH is not defined")
		return FailureConfigError, ""
	}
	// Any interest in a user's credentials cancels a pending sweep (§6.4).
	clearMark(dir, user)
	userDir := filepath.Join(dir, user)

	service, _ := lookupString(reqAd, "Service")
	if !ValidName(service) {
		s.opts.Logf("OAuth store cred: illegal character in service name %q", service)
		return FailureBadArgs, ""
	}
	handle, _ := lookupString(reqAd, "Handle")
	if !ValidName(handle) {
		s.opts.Logf("OAuth store cred: illegal character in handle name %q", handle)
		return FailureBadArgs, ""
	}
	// A handle only counts together with a service (§6.2 file base name).
	base := service
	if service != "" && handle != "" {
		base = service + "_" + handle
	}

	// Never act through a symbolic link or a non-directory in place of the
	// user's directory (hardening; HTCondor would follow it).
	if st, err := os.Lstat(userDir); err == nil && !st.IsDir() {
		s.opts.Logf("OAuth store cred: %s is not a directory", userDir)
		switch mode & ModeMask {
		case OpQuery:
			return FailureNotFound, ""
		case OpDelete:
			if base == "" {
				break // removing the stray entry is what was asked for
			}
			return Success, ""
		default:
			return Failure, ""
		}
	}

	switch mode & ModeMask {
	case OpQuery:
		if base == "" {
			return s.oauthQueryAll(dir, user, ret), ""
		}
		return s.oauthQuery(userDir, base, reqAd, ret)
	case OpDelete:
		if base == "" {
			if _, err := os.Lstat(userDir); err == nil {
				if err := os.RemoveAll(userDir); err != nil {
					s.opts.Logf("OAuth store cred: cannot remove %s: %v", userDir, err)
					return FailureNotAllowed, ""
				}
				syncDir(dir)
			}
			return Success, ""
		}
		os.Remove(filepath.Join(userDir, base+extTop))
		os.Remove(filepath.Join(userDir, base+extUse))
		syncDir(userDir)
		return Success, ""
	}
	return s.oauthAdd(userDir, base, cred, reqAd)
}

// oauthQueryAll lists every *.top and *.use file of the user with its
// mtime: SUCCESS_PENDING when some .top has no .use, FAILURE_NOT_FOUND
// when there is none (credentials.md §6.2 "Query without a service").
func (s *Store) oauthQueryAll(dir, user string, ret map[string]any) int64 {
	entries, err := os.ReadDir(filepath.Join(dir, user))
	if err != nil {
		return FailureNotFound
	}
	tops, uses := map[string]bool{}, map[string]bool{}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	for _, n := range names {
		switch {
		case strings.HasSuffix(n, extTop):
			tops[strings.TrimSuffix(n, extTop)] = true
		case strings.HasSuffix(n, extUse):
			uses[strings.TrimSuffix(n, extUse)] = true
		default:
			continue
		}
		if t, ok := mtime(filepath.Join(dir, user, n)); ok {
			setAttr(ret, n, t)
		}
	}
	if len(tops) == 0 && len(uses) == 0 {
		return FailureNotFound
	}
	for b := range tops {
		if !uses[b] {
			return SuccessPending
		}
	}
	return Success
}

// oauthQuery reports one credential: Top<base>Time and the scopes/audience
// check when a .top exists, then <base> = the .use mtime (SUCCESS), or
// SUCCESS_PENDING with the .use as completion file when only the .top
// exists, or FAILURE_NOT_FOUND (credentials.md §6.2 "Query with a
// service").
func (s *Store) oauthQuery(userDir, base string, reqAd, ret map[string]any) (int64, string) {
	top := filepath.Join(userDir, base+extTop)
	topFound := false
	if t, ok := mtime(top); ok {
		topFound = true
		setAttr(ret, "Top"+base+"Time", t)
		if rc := credMatches(top, reqAd); rc != Success {
			return rc, ""
		}
	}
	use := filepath.Join(userDir, base+extUse)
	if t, ok := mtime(use); ok {
		setAttr(ret, base, t)
		return Success, ""
	}
	if topFound {
		return SuccessPending, use
	}
	return FailureNotFound, ""
}

// credMatches compares the request's Scopes and Audience (empty if not
// given) with the "scopes" and "audience" of the stored JSON credential
// (empty if absent): FAILURE_CRED_MISMATCH when either differs,
// FAILURE_JSON_PARSE when the file cannot be read as JSON (cred_matches).
func credMatches(path string, reqAd map[string]any) int64 {
	data, err := readCredFile(path, MaxCredLen)
	if err != nil {
		return FailureJSONParse
	}
	stored, err := parseJSONCred(data)
	if err != nil {
		return FailureJSONParse
	}
	scopes, _ := lookupString(reqAd, "Scopes")
	audience, _ := lookupString(reqAd, "Audience")
	oldScopes, _ := stored.GetString("scopes")
	oldAudience, _ := stored.GetString("audience")
	if scopes != oldScopes || audience != oldAudience {
		return FailureCredMismatch
	}
	return Success
}

// parseJSONCred parses a credential as a JSON object the way the credd's
// ClassAd JSON parser sees it: as a C string, so it ends at the first NUL.
func parseJSONCred(data []byte) (*classad.Ad, error) {
	if i := bytes.IndexByte(data, 0); i >= 0 {
		data = data[:i]
	}
	return classad.ParseJSON(data)
}

// oauthAdd stores an OAuth credential (credentials.md §6.2): Vault tokens
// must come from a trusted host; NeedRefresh, else a Vault token, else the
// credmon sorter chooses between .top and .use; scopes and audience are
// merged into a .top credential as JSON. The per-user directory is created
// 0700 (inheriting a set-group-ID parent's group) and given to
// DirUid/DirGid; the file is written atomically, 0600, FileUid/FileGid.
func (s *Store) oauthAdd(userDir, base string, cred []byte, reqAd map[string]any) (int64, string) {
	if base == "" {
		s.opts.Logf("OAuth store cred: name of the service credential to add not given")
		return FailureBadArgs, ""
	}
	isVault := false
	if parsed, err := classad.ParseJSON(cred); err == nil {
		if url, ok := parsed.GetString("vault_url"); ok {
			isVault = true
			if host, ok := urlHost(url); ok && len(s.opts.TrustedVaultHosts) > 0 && !containsFold(s.opts.TrustedVaultHosts, host) {
				s.opts.Logf("OAuth store cred: rejecting a Vault token from untrusted host %q", host)
				return FailureUntrustedHost, ""
			}
		}
	}
	useTop, given := lookupBool(reqAd, "NeedRefresh")
	if !given {
		useTop = isVault || s.opts.Sorter.Sort(base) != UnknownType
	}

	if code := s.makeUserDir(userDir); code != Success {
		return code, ""
	}

	data := cred
	path := filepath.Join(userDir, base+extUse)
	if useTop {
		path = filepath.Join(userDir, base+extTop)
		scopes, _ := lookupString(reqAd, "Scopes")
		audience, _ := lookupString(reqAd, "Audience")
		if scopes != "" || audience != "" {
			var code int64
			if data, code = mergeScopes(cred, scopes, audience); code != Success {
				s.opts.Logf("OAuth store cred: cannot add scopes/audience to the credential for %s", path)
				return code, ""
			}
		}
	}
	if err := writeAtomic(path, data, s.opts.FileUid, s.opts.FileGid); err != nil {
		s.opts.Logf("OAuth store cred: %v", err)
		return Failure, ""
	}
	return Success, filepath.Join(userDir, base+extUse)
}

// mergeScopes sets "scopes"/"audience" (the non-empty ones) in a JSON
// credential and re-serialises it as the credd does: multi-line JSON,
// two-space indent, ClassAd flat-map key order, then "\n" (credentials.md
// §6.2).
func mergeScopes(cred []byte, scopes, audience string) ([]byte, int64) {
	ad, err := parseJSONCred(cred)
	if err != nil {
		return nil, FailureJSONParse
	}
	if scopes != "" {
		if ad.SetString("scopes", scopes) != nil {
			return nil, FailureBadArgs
		}
	}
	if audience != "" {
		if ad.SetString("audience", audience) != nil {
			return nil, FailureBadArgs
		}
	}
	out := ad.MarshalJSONIndent(classad.FlatMapOrder)
	return append(out, '\n'), Success
}

// makeUserDir creates "<oauth dir>/<user>" (mode 0700 plus the set-group-ID
// bit a 2770 parent passes on) unless it exists. EACCES, EPERM, ENOENT and
// ENOTDIR — a parent that does not allow it — are FAILURE_CONFIG_ERROR as
// in HTCondor. An existing entry that is not a real directory (a symbolic
// link included) is refused with FAILURE.
func (s *Store) makeUserDir(userDir string) int64 {
	err := os.Mkdir(userDir, dirMode)
	switch {
	case err == nil:
	case errors.Is(err, fs.ErrExist):
		st, lerr := os.Lstat(userDir)
		if lerr != nil || !st.IsDir() {
			s.opts.Logf("OAuth store cred: %s exists and is not a directory", userDir)
			return Failure
		}
		return Success
	default:
		s.opts.Logf("OAuth store cred: cannot create %s: %v", userDir, err)
		switch errno(err) {
		case syscall.EACCES, syscall.EPERM, syscall.ENOENT, syscall.ENOTDIR:
			return FailureConfigError
		}
		return Failure
	}
	if err := fixDir(userDir, s.opts.DirUid, s.opts.DirGid); err != nil {
		s.opts.Logf("OAuth store cred: cannot set up %s: %v", userDir, err)
		os.Remove(userDir)
		return FailureConfigError
	}
	syncDir(filepath.Dir(userDir))
	return Success
}

// fixDir gives a new directory its owner and group and mode 0700, keeping
// the set-group-ID bit it inherited (chown may clear it).
func fixDir(dir string, uid, gid int) error {
	st, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	mode := os.FileMode(dirMode) | st.Mode()&os.ModeSetgid
	if uid >= 0 || gid >= 0 {
		f, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = chownIfNeeded(f, uid, gid)
		f.Close()
		if err != nil {
			return err
		}
	}
	return os.Chmod(dir, mode)
}

// containsFold reports whether list holds s, ignoring ASCII case.
func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
