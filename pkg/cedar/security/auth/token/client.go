package token

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/rand"
	"io"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// ClientConfig configures the client side of TOKEN. The caller fills it
// from the configuration (SEC_TOKEN_DIRECTORY, SEC_TOKEN_SYSTEM_DIRECTORY,
// LOCAL_CONFIG_DIR_EXCLUDE_REGEXP, TRUST_DOMAIN, the signing-key knobs).
type ClientConfig struct {
	// Tokens are tokens handed over directly (a tool's token option,
	// SecMan::setToken); they are tried first, in order.
	Tokens []string
	// Dirs locates the token directory (idtoken.FindTokens). A nil
	// Dirs.Exclude means LOCAL_CONFIG_DIR_EXCLUDE_REGEXP is unset, in which
	// case HTCondor searches no directory.
	Dirs idtoken.DirConfig
	// NoDirectory skips the token directory entirely.
	NoDirectory bool
	// Subsys is the subsystem name: "<Subsys>_auto_generated_token" is
	// tried first in the directory (e.g. "TOOL").
	Subsys string
	// Uid is the real uid token files must be owned by (os.Getuid());
	// -1 skips the owner check (tests only).
	Uid int
	// Keys are the local signing keys; when the server lists one of them
	// and TrustDomain equals the server's, a 60-second token for
	// condor@password is minted (cedar.md §5.2). nil disables minting.
	Keys *idtoken.KeyConfig
	// TrustDomain is this process's TRUST_DOMAIN.
	TrustDomain string
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Rand supplies the 256-byte nonce Ra; nil means crypto/rand.
	Rand io.Reader
}

// Client is the client side of TOKEN. It is safe for concurrent use.
type Client struct {
	cfg ClientConfig

	mu    sync.Mutex
	cache map[*auth.Peer]cached // selections made by Usable for Authenticate
}

// maxCached bounds the selections kept between Usable and Authenticate.
const maxCached = 64

// cached is a selection made by Usable, valid for the same peer view.
type cached struct {
	td, keys string
	ch       *choice
}

// NewClient returns the TOKEN client for cfg.
func NewClient(cfg ClientConfig) *Client {
	cfg.Tokens = slices.Clone(cfg.Tokens)
	return &Client{cfg: cfg, cache: map[*auth.Peer]cached{}}
}

// Name returns "TOKEN", the method's name on the wire (pitfall 7).
func (c *Client) Name() string { return "TOKEN" }

// Bit returns auth.BitToken.
func (c *Client) Bit() int { return auth.BitToken }

func (c *Client) now() time.Time {
	if c.cfg.Now != nil {
		return c.cfg.Now()
	}
	return time.Now()
}

// Usable reports whether TOKEN can be offered to the server described by
// peer (should_try_auth, cedar.md §5.2): a token matching the server's
// TrustDomain and IssuerKeys exists, or one can be minted. Before the
// server's response is known (empty TrustDomain and IssuerKeys) a readable
// local signing key also counts, as in HTCondor. The reason says why not;
// every candidate considered is noted on peer.
func (c *Client) Usable(peer *auth.Peer) (bool, string) {
	if peer == nil {
		peer = &auth.Peer{}
	}
	ch, why := c.choose(peer)
	if ch != nil {
		c.mu.Lock()
		if len(c.cache) >= maxCached {
			// Usable without a following Authenticate (another method
			// was chosen): forget old selections rather than grow.
			clear(c.cache)
		}
		c.cache[peer] = cached{td: peer.TrustDomain, keys: strings.Join(peer.IssuerKeys, ","), ch: ch}
		c.mu.Unlock()
		return true, ""
	}
	if peer.TrustDomain == "" && len(peer.IssuerKeys) == 0 && c.cfg.Keys != nil && len(c.cfg.Keys.IssuerKeys()) > 0 {
		peer.Note("TOKEN: offered because a local signing key could mint a token once the server's trust domain is known")
		return true, ""
	}
	return false, why
}

// selection returns the token for peer: the one Usable chose for the same
// peer and server view, or a fresh choice.
func (c *Client) selection(peer *auth.Peer) (*choice, string) {
	c.mu.Lock()
	e, ok := c.cache[peer]
	delete(c.cache, peer)
	c.mu.Unlock()
	if ok && e.td == peer.TrustDomain && e.keys == strings.Join(peer.IssuerKeys, ",") {
		return e.ch, ""
	}
	return c.choose(peer)
}

// Authenticate runs the client side of the AKEP2 exchange (cedar.md §5.1).
// Without a usable token it still sends the three messages, with error
// status, and fails cleanly. Errors wrapping auth.ErrFailed are clean
// failures; others (I/O, malformed server messages) leave the connection
// unusable. Cancelling ctx aborts blocked I/O by closing the connection.
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
	ch, why := c.selection(peer)
	var localErr error // a local failure: finish the exchange, then report it
	var k, ra []byte
	if ch == nil {
		localErr = failed(nil, "%s", why)
	} else {
		var err error
		if k, _, err = deriveK(ch.sig, ch.hp); err != nil {
			localErr = failed(err, "using the %s", ch.describe())
		} else {
			ra = make([]byte, NonceLen)
			if _, err := io.ReadFull(c.rand(), ra); err != nil {
				localErr = failed(err, "generating the random nonce Ra")
			}
		}
	}

	// Message 1 (client_send_one).
	m1 := errorMessage1("")
	if ch != nil {
		m1.HP = ch.hp
	}
	if localErr == nil {
		m1 = message1{Status: statusOK, ALen: int32(len(ch.name)), A: ch.name, HP: ch.hp, RaLen: NonceLen, Ra: ra}
	}
	if err := m1.put(s); err != nil {
		return err
	}

	// Message 2 (client_receive, client_check_t_validity).
	m2, err := readMessage2(s)
	if err != nil {
		return err
	}
	if localErr == nil {
		localErr = c.checkMessage2(&m2, ch, k, ra)
	}
	if localErr == nil {
		peer.Note("TOKEN: the server (%s) proved it holds the signing key; sending the proof", m2.B)
		peer.ServerIdentity = m2.B
	}

	// Message 3 (client_send_two).
	m3 := errorMessage3()
	if localErr == nil {
		m3 = message3{Status: statusOK, ALen: int32(len(ch.name)), A: ch.name, RbLen: NonceLen, Rb: m2.Rb,
			HKLen: macLen, HK: computeHK(k, ch.name, m2.Rb)}
	}
	if err := m3.put(s); err != nil {
		return err
	}
	if localErr != nil {
		peer.Note("%v", localErr)
		return localErr
	}
	// The server's verdict on message 3 is not sent (cedar.md §5.1): a
	// failure there shows up as a stalled handshake.
	return nil
}

// checkMessage2 applies client_receive's and client_check_t_validity's
// checks to the server's answer.
func (c *Client) checkMessage2(m *message2, ch *choice, k, ra []byte) error {
	switch {
	case m.Status != statusOK:
		if ch.hasExp && c.now().Unix() > ch.exp {
			return failed(nil, "the server refused the %s: the token expired at %s", ch.describe(), fmtUnix(ch.exp))
		}
		return failed(nil, "the server refused the %s: it does not have signing key %q, or the token expired, "+
			"was revoked, is older than SEC_TOKEN_MAX_AGE or otherwise invalid (the server's log says which)",
			ch.describe(), ch.kid)
	case m.RaLen != NonceLen || m.RbLen != NonceLen:
		return failed(nil, "the server sent nonces of %d and %d bytes, want %d", m.RaLen, m.RbLen, NonceLen)
	case m.A != ch.name:
		return failed(nil, "the server echoed the client name %q, want %q", m.A, ch.name)
	case m.B == "":
		return failed(nil, "the server sent an empty name")
	case !bytes.Equal(m.Ra, ra):
		return failed(nil, "the server echoed a different nonce Ra than the one sent")
	case !hmac.Equal(m.HKT, computeHKT(k, m.A, m.B, m.Ra, m.Rb)):
		return failed(nil, "the server's proof (hkt) does not match the %s: the server derived a different "+
			"signature, so its signing key %q differs from the one that signed the token", ch.describe(), ch.kid)
	}
	return nil
}

func (c *Client) rand() io.Reader {
	if c.cfg.Rand != nil {
		return c.cfg.Rand
	}
	return rand.Reader
}

// fmtUnix formats a Unix time for messages.
func fmtUnix(t int64) string { return time.Unix(t, 0).UTC().Format(time.RFC3339) }

var _ auth.Client = (*Client)(nil)
