package credstore

import (
	"os"
	"path/filepath"
	"strings"
)

// Reply-ad attributes of CREDD_GET_TOKEN (credentials.md §5.7).
const (
	AttrToken       = "Token"
	AttrErrorString = "ErrorString"
)

// TokenRequest is one decoded CREDD_GET_TOKEN (81004) request.
type TokenRequest struct {
	// Caller is the authenticated fully qualified user; the part before
	// the first '@' names the user directory.
	Caller string
	// Authenticated and Encrypted describe the connection.
	Authenticated, Encrypted bool
	// Peer is the peer's address as it should appear in messages (e.g.
	// "<127.0.0.1:40000>"); optional.
	Peer string
	// Ad is the request ad: Service (required), Handle (optional).
	Ad map[string]any
}

// GetToken answers CREDD_GET_TOKEN (cred_get_token_handler,
// credentials.md §5.7): it reads
// "<OAuthDir>/<caller's name>/<service>[_<handle>].use", which must be an
// existing regular file, and returns the reply ad {Token = contents}; on
// any failure the reply ad is {ErrorString = message} with HTCondor's
// message, after which the daemon closes the connection. The token is
// returned as a string holding the file's bytes.
func (s *Store) GetToken(req TokenRequest) map[string]any {
	fail := func(msg string) map[string]any {
		s.opts.Logf("%s", msg)
		return map[string]any{AttrErrorString: msg}
	}
	const who = "cred_get_token_handler(): "
	if !req.Authenticated || strings.HasSuffix(req.Caller, "@unmapped") {
		return fail(who + "WARNING - authentication failed for credential fetch attempt from " + req.Peer)
	}
	if !req.Encrypted {
		return fail(who + "WARNING - credential fetch attempt without encryption from " + req.Peer)
	}
	service, ok := lookupString(req.Ad, "Service")
	switch {
	case !ok:
		return fail(who + "invalid command ad, no Service attribute.")
	case service == "":
		return fail(who + "invalid command ad, empty Service attribute.")
	case !ValidName(service):
		return fail(who + "illegal character in service name.")
	}
	name := service
	if handle, ok := lookupString(req.Ad, "Handle"); ok {
		switch {
		case handle == "":
			return fail(who + "invalid command ad, empty Handle attribute.")
		case !ValidName(handle):
			return fail(who + "illegal character in handle name.")
		}
		name += "_" + handle
	}
	if s.opts.OAuthDir == "" {
		return fail(who + "SEC_CREDENTIAL_DIRECTORY_OAUTH not defined.")
	}
	owner := req.Caller
	if at := strings.IndexByte(owner, '@'); at >= 0 {
		owner = owner[:at]
	}
	if !validUserName(owner) {
		// HTCondor joins the owner into the path unchecked.
		return fail(who + "illegal character in user name.")
	}
	userDir := filepath.Join(s.opts.OAuthDir, owner)
	path := filepath.Join(userDir, name+extUse)
	if st, err := os.Lstat(userDir); err != nil || !st.IsDir() {
		return fail(who + path + " not an existing regular file.")
	}
	if st, err := os.Lstat(path); err != nil || !st.Mode().IsRegular() {
		return fail(who + path + " not an existing regular file.")
	}
	data, err := readCredFile(path, MaxCredLen)
	if err != nil {
		return fail(who + "read_secure_file(" + path + ") failed.")
	}
	return map[string]any{AttrToken: string(data)}
}
