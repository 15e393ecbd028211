package idtoken

import (
	"bytes"
	"crypto/hkdf"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"syscall"

	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// PoolKeyID is the key id of the pool signing key; an empty kid means the
// same key (tokens.md §5.1).
const PoolKeyID = "POOL"

// KeyConfig locates the signing keys (tokens.md §5.1). The caller fills it
// from the configuration.
type KeyConfig struct {
	// PoolKeyFile is SEC_TOKEN_POOL_SIGNING_KEY_FILE ("" = unset).
	PoolKeyFile string
	// PasswordDir is SEC_PASSWORD_DIRECTORY ("" = unset); named keys are
	// PasswordDir/<kid>.
	PasswordDir string
	// PoolKeyIsPassword is SEC_TOKEN_POOL_SIGNING_KEY_IS_PASSWORD: truncate
	// the POOL key at NUL bytes like a pre-9.0 pool password (tokens.md §5.3).
	PoolKeyIsPassword bool
	// Uid is the real uid key files must be owned by (os.Getuid() in
	// production); -1 skips the owner check (tests only).
	Uid int
	// Exclude is LOCAL_CONFIG_DIR_EXCLUDE_REGEXP, used by IssuerKeys to skip
	// files in PasswordDir (nil = skip nothing).
	Exclude *regexp.Regexp
}

// isPoolKid reports whether kid names the pool key.
func isPoolKid(kid string) bool { return kid == "" || kid == PoolKeyID }

// dircat joins a directory and a file name like HTCondor's dircat: a "/"
// is added only when dir does not already end with one. The name is not
// cleaned (so "<dir>/.." stays as written, real-tools.md §15).
func dircat(dir, name string) string {
	if strings.HasSuffix(dir, "/") {
		return dir + name
	}
	return dir + "/" + name
}

// checkKeyName refuses key ids that are not plain file names. HTCondor
// does not sanitize them (tokens.md §5.1); condor-auth refuses them so that
// a kid from the network can never name a file outside PasswordDir.
func checkKeyName(kid string) string {
	switch {
	case strings.TrimSpace(kid) == "":
		return "key name is blank"
	case strings.ContainsRune(kid, '/'):
		return "key name contains '/'"
	case strings.ContainsRune(kid, 0):
		return "key name contains a NUL byte"
	case strings.Contains(kid, ".."):
		return `key name contains ".."`
	case kid == ".":
		return `key name is "."`
	}
	return ""
}

// Path returns the file holding the key kid: PoolKeyFile for "" and "POOL",
// PasswordDir/<kid> otherwise (getTokenSigningKeyPath, tokens.md §5.1).
// Errors are *condorerr.Error: HTCondor's texts for a missing knob, and
// "TOKEN:1:Invalid signing key name ..." for a kid that is not a plain
// file name (the cause is a *KeyFileError).
func (kc KeyConfig) Path(kid string) (string, error) {
	if isPoolKid(kid) {
		if kc.PoolKeyFile == "" {
			return "", condorerr.New("TOKEN", 1, "No master pool token key setup in SEC_TOKEN_POOL_SIGNING_KEY_FILE")
		}
		return kc.PoolKeyFile, nil
	}
	if kc.PasswordDir == "" {
		return "", condorerr.New("TOKEN", 1, "SEC_PASSWORD_DIRECTORY is undefined")
	}
	p := dircat(kc.PasswordDir, kid)
	if why := checkKeyName(kid); why != "" {
		return "", condorerr.New("TOKEN", 1, "Invalid signing key name %q: %s.", kid, why).
			WithCause(&KeyFileError{Path: p, Reason: "invalid key name: " + why})
	}
	return p, nil
}

// SigningKey reads the key file of kid securely and returns the 32-byte
// HS256 key (tokens.md §5.3): unscramble; for the POOL key with
// PoolKeyIsPassword truncate at NUL before and after unscrambling; double
// the POOL key (K‖K); HKDF-SHA256(salt "htcondor", info "master jwt").
//
// Errors are *condorerr.Error with HTCondor's text, e.g.
// "TOKEN:1:Failed to read file /etc/condor/passwords.d/POOL securely.",
// carrying a *KeyFileError (reachable with errors.As) that says exactly why.
func (kc KeyConfig) SigningKey(kid string) ([]byte, error) {
	raw, _, err := kc.readKey(kid)
	if err != nil {
		return nil, err
	}
	return DeriveSigningKey(raw, isPoolKid(kid)), nil
}

// readKey returns the unscrambled key bytes of kid and the file's path.
func (kc KeyConfig) readKey(kid string) ([]byte, string, error) {
	path, err := kc.Path(kid)
	if err != nil {
		var kfe *KeyFileError
		if errors.As(err, &kfe) {
			// An invalid name: report it the way HTCondor reports the failed
			// read of that path, keeping the precise cause.
			return nil, kfe.Path, readFailed(kfe)
		}
		return nil, "", err
	}
	data, kfe := readSecureFile(path, kc.Uid, MaxSecureFileSize)
	if kfe != nil {
		return nil, path, readFailed(kfe)
	}
	var key []byte
	if isPoolKid(kid) && kc.PoolKeyIsPassword {
		// Pre-9.0 pool password compatibility (tokens.md §5.2–§5.3).
		if i := bytes.IndexByte(data, 0); i >= 0 {
			data = data[:i]
		}
		key = Scramble(data)
		if i := bytes.IndexByte(key, 0); i >= 0 {
			key = key[:i]
		}
	} else {
		key = Scramble(data)
	}
	if len(key) == 0 {
		// HTCondor would accept this; a key of zero bytes lets anyone forge
		// tokens, so condor-auth refuses it.
		return nil, path, readFailed(&KeyFileError{Path: path, Reason: "holds no key material (an empty key would let anyone forge tokens)"})
	}
	return key, path, nil
}

func readFailed(kfe *KeyFileError) error {
	return condorerr.New("TOKEN", 1, "Failed to read file %s securely.", kfe.Path).WithCause(kfe)
}

// DeriveSigningKey turns unscrambled key bytes into the 32-byte HS256 key:
// the POOL key is doubled first (K‖K), named keys are used as they are;
// then HKDF-SHA256 with salt "htcondor" and info "master jwt"
// (tokens.md §5.3, vectors/jwt.md §2).
func DeriveSigningKey(raw []byte, pool bool) []byte {
	material := raw
	if pool {
		material = make([]byte, 0, 2*len(raw))
		material = append(append(material, raw...), raw...)
	}
	key, err := hkdf.Key(sha256.New, material, []byte("htcondor"), "master jwt", 32)
	if err != nil {
		// Only possible for output lengths HKDF cannot produce; 32 is fine.
		panic(fmt.Sprintf("idtoken: HKDF failed: %v", err))
	}
	return key
}

// IssuerKeys returns the sorted key names a server advertises in
// IssuerKeys (tokens.md §6.4): "POOL" if PoolKeyFile is readable, plus
// every readable non-directory entry of PasswordDir whose name Exclude does
// not match. Readability is access(R_OK) for the real uid, as in HTCondor.
func (kc KeyConfig) IssuerKeys() []string {
	set := map[string]bool{}
	if kc.PoolKeyFile != "" && syscall.Access(kc.PoolKeyFile, 4) == nil {
		set[PoolKeyID] = true
	}
	if kc.PasswordDir != "" {
		if d, err := os.Open(kc.PasswordDir); err == nil {
			names, _ := d.Readdirnames(-1)
			d.Close()
			for _, name := range names {
				if kc.Exclude != nil && kc.Exclude.MatchString(name) {
					continue
				}
				full := dircat(kc.PasswordDir, name)
				if st, err := os.Stat(full); err != nil || st.IsDir() {
					continue
				}
				if syscall.Access(full, 4) == nil {
					set[name] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// IssuerKeysString joins IssuerKeys with ", ", the attribute's wire form
// (e.g. "AP, POOL").
func (kc KeyConfig) IssuerKeysString() string { return strings.Join(kc.IssuerKeys(), ", ") }

// ParseIssuerKeys splits an advertised IssuerKeys value on commas and
// trims the spaces around each name (tokens.md §6.4).
func ParseIssuerKeys(s string) []string {
	var out []string
	for _, item := range strings.Split(s, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}
