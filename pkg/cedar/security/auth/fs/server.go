package fs

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"net/netip"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/osuser"
)

// DefaultDir is the directory used when FS_LOCAL_DIR is unset; HTCondor
// hard-codes /tmp (cedar.md §5.6).
const DefaultDir = "/tmp"

// maxNameTries bounds the attempts to find an unused directory name.
const maxNameTries = 100

// ServerConfig configures the server side of FS.
type ServerConfig struct {
	// Dir is FS_LOCAL_DIR; "" means DefaultDir.
	Dir string
	// UIDDomain is UID_DOMAIN; the identity is <owner>@<UIDDomain>
	// (lower-cased like every remote domain).
	UIDDomain string
	// RootUser is the name a root-owned directory maps to: the HTCondor
	// service account's name when FS_ROOT_TO_CONDOR is true (its default)
	// and such an account exists; "" keeps "root".
	RootUser string
	// NoChannelBinding sends names of the form before 25.12.2,
	// "<Dir>/FS_XXX" + 6 characters, which ask for no client extension.
	NoChannelBinding bool
	// LookupUser maps an owner uid to a user name; nil reads the password
	// file through osuser.LookupUid (no NSS).
	LookupUser func(uid int) (string, error)
	// Rand supplies the random name characters; nil means crypto/rand.
	Rand io.Reader

	sys *sysOps // nil = the real system (tests replace it)
}

// Server is the server side of FS. It is safe for concurrent use.
type Server struct {
	cfg ServerConfig
	sys *sysOps
}

// NewServer returns the FS server for cfg.
func NewServer(cfg ServerConfig) *Server {
	if cfg.Dir == "" {
		cfg.Dir = DefaultDir
	}
	sys := cfg.sys
	if sys == nil {
		sys = realOps
	}
	return &Server{cfg: cfg, sys: sys}
}

// Name returns "FS".
func (sv *Server) Name() string { return "FS" }

// Bit returns auth.BitFS.
func (sv *Server) Bit() int { return auth.BitFS }

// Authenticate runs the server side (cedar.md §5.6): it sends a fresh
// directory name, reads the client's result and channel-binding extension,
// checks the directory, removes it and sends its verdict. A refused
// directory is a clean failure wrapping auth.ErrFailed (condorerr.As gives
// the HTCondor entry, e.g. "FS:1005:Bad attributes on (…)"). Other errors
// leave the connection unusable. Cancelling ctx closes the connection.
func (sv *Server) Authenticate(ctx context.Context, s *cedar.Stream, peer *auth.Peer) (auth.Identity, error) {
	if err := ctx.Err(); err != nil {
		return auth.Identity{}, err
	}
	if peer == nil {
		peer = &auth.Peer{}
	}
	stop := watch(ctx, s)
	defer stop()
	id, err := sv.authenticate(s, peer)
	if err != nil {
		return auth.Identity{}, fatal(ctx, err)
	}
	return id, nil
}

func (sv *Server) authenticate(s *cedar.Stream, peer *auth.Peer) (auth.Identity, error) {
	local, haveLocal := addrPort(peer.Local)
	if !haveLocal {
		local, haveLocal = addrPort(s.LocalAddr())
	}
	name, nameErr := sv.pickName(local, haveLocal)

	// S→C: the directory name ("" tells the client the server failed).
	if err := s.PutString(name); err != nil {
		return auth.Identity{}, fmt.Errorf("FS: sending the directory name: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return auth.Identity{}, fmt.Errorf("FS: sending the directory name: %w", err)
	}

	// C→S: int result · [string ext].
	clientResult, ext, err := readClientReply(s)
	if err != nil {
		return auth.Identity{}, err
	}

	id, refusal := sv.verify(name, nameErr, clientResult, ext, local, peer.SharedPortID)
	result := int64(0)
	if refusal != nil {
		result = -1
	}
	if err := s.PutInt(result); err != nil {
		return auth.Identity{}, fmt.Errorf("FS: sending the result: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return auth.Identity{}, fmt.Errorf("FS: sending the result: %w", err)
	}
	if refusal != nil {
		peer.Note("%v", refusal)
		return auth.Identity{}, refusal
	}
	peer.Note("FS: the client proved it is %s", id.FQU())
	return id, nil
}

// readClientReply reads the client's result and its optional extension
// (present only when the message is not yet consumed, cedar.md §5.6 step
// 3). Decoding errors are fatal, as in C++.
func readClientReply(s *cedar.Stream) (int32, string, error) {
	result, err := s.GetInt32()
	if err != nil {
		s.DiscardMessage()
		return 0, "", fmt.Errorf("FS: reading the client's result: %w", err)
	}
	ext := ""
	if !s.MessageConsumed() {
		if ext, _, err = s.GetString(); err != nil {
			s.DiscardMessage()
			return 0, "", fmt.Errorf("FS: reading the client's channel-binding extension: %w", err)
		}
	}
	if err := s.EndOfMessage(); err != nil {
		return 0, "", fmt.Errorf("FS: the client's result message: %w", err)
	}
	return result, ext, nil
}

// pickName chooses an unused name like mkstemp: the template
// "<Dir>/FS_<ip>_<port>_XXXXXXXXX" with the last six X replaced, the file
// created exclusively and removed, then "_" appended (cedar.md §5.6 step
// 1). Without channel binding the template is "<Dir>/FS_XXXXXXXXX" and
// nothing is appended.
func (sv *Server) pickName(local netip.AddrPort, haveLocal bool) (string, error) {
	template := sv.cfg.Dir + "/FS_"
	if !sv.cfg.NoChannelBinding {
		if !haveLocal {
			return "", newFailure(codeMkstemp, "the connection has no TCP address to bind the name to",
				"condor_mkstemp(%sXXXXXXXXX) failed", template)
		}
		template += namePrefix(local)[len("FS_"):]
	}
	template += "XXX"
	r := sv.cfg.Rand
	if r == nil {
		r = rand.Reader
	}
	var lastErr error
	for range maxNameTries {
		suffix, err := randomChars(r, 6)
		if err != nil {
			return "", newFailure(codeMkstemp, "random source: "+err.Error(), "condor_mkstemp(%sXXXXXX) failed", template)
		}
		candidate := template + suffix
		err = sv.sys.probe(candidate)
		if err == nil {
			if sv.cfg.NoChannelBinding {
				return candidate, nil
			}
			return candidate + "_", nil
		}
		lastErr = err
		if !errors.Is(err, iofs.ErrExist) {
			break
		}
	}
	msg, errno := strerror(lastErr)
	return "", newFailure(codeMkstemp, "FS_LOCAL_DIR is likely misconfigured",
		"condor_mkstemp(%sXXXXXX) failed: %s (%d)", template, msg, errno)
}

// verify checks the client's directory (authenticate_continue) and
// returns the identity or the refusal.
func (sv *Server) verify(name string, nameErr error, clientResult int32, ext string, local netip.AddrPort, sockID string) (auth.Identity, error) {
	if name == "" {
		if nameErr == nil {
			nameErr = newFailure(codeMkstemp, "", "no directory name")
		}
		return auth.Identity{}, nameErr
	}
	if clientResult == -1 {
		return auth.Identity{}, newFailure(codeClientFail, "the client reported that it could not create it",
			"Client unable to create dir (%s)", name)
	}
	path := name
	if ext != "" {
		if sv.cfg.NoChannelBinding || !strings.HasSuffix(name, "_") {
			return auth.Identity{}, newFailure(codeBinding, fmt.Sprintf("the client sent extension %q, but the name asked for none", ext),
				"Channel binding refused for (%s)", name)
		}
		if err := checkBindingExt(ext, local, sockID); err != nil {
			return auth.Identity{}, newFailure(codeBinding, err.Error(), "Channel binding refused for (%s%s)", name, ext)
		}
		path = name + ext
	}

	fi, err := sv.sys.lstat(path)
	if err != nil {
		msg, _ := strerror(err)
		return auth.Identity{}, newFailure(codeLstat, msg, "Unable to lstat(%s)", path)
	}
	uid, nlink, ok := statInfo(fi)
	var why string
	switch mode := fi.Mode(); {
	case !ok:
		why = "no owner information"
	case mode&iofs.ModeSymlink != 0:
		why = "it is a symbolic link"
	case !mode.IsDir():
		why = "it is not a directory"
	case nlink != 1 && nlink != 2:
		why = fmt.Sprintf("it has %d links, want 1 or 2", nlink)
	case mode&(iofs.ModePerm|iofs.ModeSetuid|iofs.ModeSetgid|iofs.ModeSticky) != 0o700:
		why = fmt.Sprintf("its mode is %s, want drwx------", mode)
	}
	if why != "" {
		return auth.Identity{}, newFailure(codeBadAttrs, why, "Bad attributes on (%s)", path)
	}
	user, err := sv.lookupUser(uid)
	if err != nil || user == "" {
		detail := "not in the password file"
		if err != nil {
			detail = err.Error()
		}
		return auth.Identity{}, newFailure(codeLookupUID, detail, "Unable to lookup uid %d", uid)
	}
	if uid == 0 && sv.cfg.RootUser != "" {
		user = sv.cfg.RootUser // FS_ROOT_TO_CONDOR
	}
	// The client removes it too; whoever comes second gets ENOENT.
	_ = sv.sys.rmdir(path)
	return auth.Identity{
		User:              user,
		Domain:            strings.ToLower(sv.cfg.UIDDomain),
		Method:            "FS",
		AuthenticatedName: user,
	}, nil
}

func (sv *Server) lookupUser(uid int) (string, error) {
	if sv.cfg.LookupUser != nil {
		return sv.cfg.LookupUser(uid)
	}
	u, err := osuser.LookupUid(uid)
	if err != nil {
		return "", err
	}
	return u.Name, nil
}

var _ auth.Server = (*Server)(nil)
