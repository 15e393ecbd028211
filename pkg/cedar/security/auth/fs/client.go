package fs

import (
	"context"
	"fmt"
	"path"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
)

// ClientConfig configures the client side of FS.
type ClientConfig struct {
	// NoChannelBinding is SEC_FS_ENFORCE_CHANNEL_BINDING = false: the
	// directory the server names is created as it is, with no address
	// check and no extension.
	NoChannelBinding bool
	// CondorIDs is the CONDOR_IDS knob ("uid.gid"); a client running as
	// root creates the directory as that account (cedar.md §5.6).
	CondorIDs string
	// ServiceAccount finds the account a root client creates the directory
	// as; nil means LookupServiceAccount(CondorIDs). When it fails the
	// directory stays root's (HTCondor's tools would not start at all).
	ServiceAccount func() (Account, error)

	sys *sysOps // nil = the real system (tests replace it)
}

// Client is the client side of FS. It is safe for concurrent use.
type Client struct {
	cfg ClientConfig
	sys *sysOps
}

// NewClient returns the FS client for cfg.
func NewClient(cfg ClientConfig) *Client {
	sys := cfg.sys
	if sys == nil {
		sys = realOps
	}
	return &Client{cfg: cfg, sys: sys}
}

// Name returns "FS".
func (c *Client) Name() string { return "FS" }

// Bit returns auth.BitFS.
func (c *Client) Bit() int { return auth.BitFS }

// Usable reports true: FS can always be tried; it only succeeds when
// client and server share the directory, i.e. run on the same host.
func (c *Client) Usable(*auth.Peer) (bool, string) { return true, "" }

// Authenticate runs the client side (cedar.md §5.6): it reads the
// directory name, creates the directory (bound to this connection), sends
// its result and extension, reads the server's verdict and removes the
// directory. Errors wrapping auth.ErrFailed are clean failures; others
// leave the connection unusable. Cancelling ctx closes the connection.
func (c *Client) Authenticate(ctx context.Context, s *cedar.Stream, peer *auth.Peer) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if peer == nil {
		peer = &auth.Peer{}
	}
	stop := watch(ctx, s)
	defer stop()
	if err := c.authenticate(s, peer); err != nil {
		return fatal(ctx, err)
	}
	return nil
}

func (c *Client) authenticate(s *cedar.Stream, peer *auth.Peer) error {
	// S→C: the directory name.
	name, _, err := s.GetString()
	if err != nil {
		s.DiscardMessage()
		return fmt.Errorf("FS: reading the directory name: %w", err)
	}
	if err := s.EndOfMessage(); err != nil {
		return fmt.Errorf("FS: the directory name message: %w", err)
	}

	dir, ext, refusal := c.target(name, s, peer)
	if refusal == nil {
		refusal = c.create(dir, peer)
	}
	created := refusal == nil

	// C→S: int result · [string ext].
	result := int64(0)
	if !created {
		result = -1
	}
	err = s.PutInt(result)
	if err == nil && created && ext != "" {
		err = s.PutString(ext)
	}
	if err == nil {
		err = s.EndOfMessage()
	}
	if err != nil {
		c.cleanup(created, dir)
		return fmt.Errorf("FS: sending the result: %w", err)
	}

	// S→C: the server's verdict.
	verdict, err := s.GetInt32()
	if err == nil {
		err = s.EndOfMessage()
	} else {
		s.DiscardMessage()
	}
	c.cleanup(created, dir)
	if err != nil {
		return fmt.Errorf("FS: reading the server's result: %w", err)
	}
	switch {
	case refusal != nil:
		peer.Note("%v", refusal)
		return refusal
	case verdict != 0:
		f := newFailure(codeRefused, "the server checked it and refused (owner, mode or channel binding; its log says why)",
			"Server could not verify directory (%s)", dir)
		peer.Note("%v", f)
		return f
	}
	peer.Note("FS: the server verified directory %s", dir)
	return nil
}

// target decides which directory to create (cedar.md §5.6 step 2). A
// non-nil failure means the client refuses and reports −1.
func (c *Client) target(name string, s *cedar.Stream, peer *auth.Peer) (dir, ext string, refusal *failure) {
	if name == "" {
		return "", "", newFailure(codeServerError, "the server could not pick a directory name", "Server Error, check server log.")
	}
	base := path.Base(name)
	if !path.IsAbs(name) || !strings.HasPrefix(base, "FS_") || strings.Contains(name, "/../") {
		return "", "", newFailure(codeBinding, fmt.Sprintf("%q is not an FS rendezvous name (<dir>/FS_…)", name),
			"Refusing to create (%s)", name)
	}
	if c.cfg.NoChannelBinding {
		return name, "", nil
	}
	server, ok := addrPort(peer.Remote)
	if !ok {
		server, ok = addrPort(s.RemoteAddr())
	}
	if !ok {
		return "", "", newFailure(codeBinding, "the connection has no TCP peer address to bind the directory to",
			"Cannot bind (%s) to this connection", name)
	}
	if strings.HasSuffix(name, "_") {
		if strings.ContainsAny(peer.SharedPortID, "/?") {
			return "", "", newFailure(codeBinding, fmt.Sprintf("the shared-port id %q contains '/' or '?'", peer.SharedPortID),
				"Cannot bind (%s) to this connection", name)
		}
		ext = bindingExt(server, peer.SharedPortID)
		peer.Note("FS: creating %s%s (channel binding to %s)", name, ext, ext)
		return name + ext, ext, nil
	}
	// A 25.12.2 server: the name itself must carry the server's address.
	if want := namePrefix(server); !strings.HasPrefix(base, want) {
		return "", "", newFailure(codeBinding, fmt.Sprintf("the name does not start with %s: an older server without "+
			"channel binding, or a relayed connection (SEC_FS_ENFORCE_CHANNEL_BINDING)", want),
			"Directory (%s) is not bound to this connection", name)
	}
	return name, "", nil
}

// create makes the directory, as the HTCondor service account when the
// process runs as root (set_condor_priv, cedar.md §5.6).
func (c *Client) create(dir string, peer *auth.Peer) *failure {
	var owner *Account
	if c.sys.euid() == 0 {
		find := c.cfg.ServiceAccount
		if find == nil {
			find = func() (Account, error) { return LookupServiceAccount(c.cfg.CondorIDs) }
		}
		a, err := find()
		switch {
		case err != nil:
			peer.Note("FS: running as root without an HTCondor service account (%v); the directory stays root's", err)
		case a.Uid != 0:
			owner = &a
			peer.Note("FS: running as root, creating the directory as the service account %s (uid %d, gid %d)", a.Name, a.Uid, a.Gid)
		}
	}
	if err := c.sys.mkdir(dir); err != nil {
		msg, errno := strerror(err)
		return newFailure(codeMkdir, "", "mkdir(%s, 0700): %s (%d)", dir, msg, errno)
	}
	if owner != nil {
		if err := c.sys.lchown(dir, owner.Uid, owner.Gid); err != nil {
			_ = c.sys.rmdir(dir)
			msg, errno := strerror(err)
			return newFailure(codeOwner, "", "chown(%s, %d, %d): %s (%d)", dir, owner.Uid, owner.Gid, msg, errno)
		}
	}
	return nil
}

// cleanup removes the directory the client created (the server may have
// removed it already).
func (c *Client) cleanup(created bool, dir string) {
	if created {
		_ = c.sys.rmdir(dir)
	}
}

var _ auth.Client = (*Client)(nil)
