package credstore

import (
	"bytes"
	"os"
	"path/filepath"
)

// Kerberos credential files (credentials.md §6.3): "<dir>/<user>.cred" is
// the credential as given; the credmon writes "<dir>/<user>.cc".
const (
	extCred = ".cred"
	extCC   = ".cc"
)

// localPrefix marks a "Kerberos" credential that really asks for a locally
// issued OAuth token for the service named after it (§6.3).
const localPrefix = "LOCAL:"

// krb runs one Kerberos operation for user (KRB_STORE_CRED). mode is the
// operation | TypeKrb. It returns the result, the completion file and
// whether the credential was a "LOCAL:" redirection to OAuth.
func (s *Store) krb(user string, cred []byte, mode int, ret map[string]any) (int64, string, bool) {
	op := mode & ModeMask
	if len(cred) > len(localPrefix) && bytes.HasPrefix(cred, []byte(localPrefix)) {
		if op != OpAdd {
			s.opts.Logf("Kerberos store cred: a LOCAL: credential supports only add")
			return Failure, "", false
		}
		service := cred[len(localPrefix):]
		if i := bytes.IndexByte(service, 0); i >= 0 {
			service = service[:i]
		}
		// LOCAL_STORE_CRED: an OAuth add whose content is the user name;
		// its query results are discarded.
		code, ccfile := s.oauth(user, []byte(user), OpAdd|TypeOAuth,
			map[string]any{"Service": string(service)}, map[string]any{})
		return code, ccfile, code == Success
	}

	if !validUserName(user) {
		// HTCondor does not check Kerberos user names; a name with '/' or
		// ".." would escape the directory.
		s.opts.Logf("Kerberos store cred: illegal user name %q", user)
		return FailureBadArgs, "", false
	}
	dir := s.opts.KrbDir
	if dir == "" {
		s.opts.Logf("Kerberos store cred: SEC_CREDENTIAL_DIRECTORY_KRB is not defined")
		return FailureConfigError, "", false
	}
	clearMark(dir, user)

	cc := filepath.Join(dir, user+extCC)
	ccTime, gotCC := mtime(cc)
	if gotCC && op == OpAdd {
		// SEC_CREDENTIAL_REFRESH_INTERVAL: negative never refreshes an
		// existing .cc; otherwise only one at least that old.
		fresh := int64(s.opts.KrbRefreshInterval)
		if fresh < 0 || s.opts.Now().Unix()-ccTime < fresh {
			return ccTime, "", false
		}
	}
	if op == OpQuery && gotCC {
		return ccTime, "", false
	}

	credFile := filepath.Join(dir, user+extCred)
	switch op {
	case OpQuery:
		if t, ok := mtime(credFile); ok {
			setAttr(ret, "CredTime", t)
			return SuccessPending, cc, false
		}
		return FailureNotFound, "", false
	case OpDelete:
		if gotCC {
			os.Remove(cc)
		}
		os.Remove(credFile)
		syncDir(dir)
		return Success, "", false
	}
	if err := writeAtomic(credFile, cred, s.opts.FileUid, s.opts.FileGid); err != nil {
		s.opts.Logf("Kerberos store cred: %v", err)
		return Failure, "", false
	}
	return Success, cc, false
}
