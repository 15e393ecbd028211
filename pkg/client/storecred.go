package client

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// STORE_CRED mode bits and result codes (store_cred.h, credentials.md §2,
// §3) that the client itself produces.
const (
	modeMask       = 3
	modeQuery      = 2
	modeAdd        = 0
	credTypePWD    = 0x24
	credTypeLegacy = 0x64 // STORE_CRED_LEGACY_PWD
	flagLegacy     = 0x40

	// Result codes the client returns without (or after) talking to the
	// daemon, as do_store_cred does.
	resultFailure          = 0
	resultNotSecure        = 4
	resultBadArgs          = 8
	resultProtocolMismatch = 9
)

// maxCredLen is the largest credential a credd accepts (100 MiB,
// credentials.md §5.1); a longer one is refused before connecting.
const maxCredLen = 100 << 20

// StoreCredRequest is one condor_store_cred operation (credentials.md §5).
type StoreCredRequest struct {
	// User is "user@domain", or "" for the authenticated identity (the
	// credd uses the socket's user).
	User string
	// Password is the password of the legacy forms (Mode with 0x40) and
	// of STORE_POOL_CRED ("" deletes the pool password).
	Password string
	// Mode is operation | type | flags (credentials.md §2).
	Mode int
	// Cred is the credential of a modern add (sent raw after its length).
	Cred []byte
	// Ad holds the options of a modern request (service, handle, scopes,
	// audience as strings, NeedRefresh as bool); values may be string,
	// bool, int, int64 or float64.
	Ad map[string]any
	// PoolCred selects STORE_POOL_CRED (497) to a master: the domain of
	// User (condor_pool@domain) and Password are sent (§5.3).
	PoolCred bool
}

// StoreCredReply is the daemon's answer: Code is the result (credentials.md
// §3; > 100 is a time stamp meaning success) and Ad the return ad of the
// modern form (nil for the legacy and pool forms).
type StoreCredReply struct {
	Code int64
	Ad   *classad.Ad
}

// StoreCred performs a STORE_CRED or STORE_POOL_CRED operation
// (credentials.md §5; do_store_cred, do_store_cred_passwd). Default target:
// the credd.
//
// Results the C++ client decides itself come back as a Code with a nil
// error, as there: FAILURE_NOT_SECURE (4) when the session is not both
// encrypted and authenticated — nothing is sent then (§5.4) —,
// FAILURE_BAD_ARGS (8) for arguments no daemon accepts, FAILURE (0) for an
// add without a credential or a user without '@', and
// FAILURE_PROTOCOL_MISMATCH (9) when a modern reply lacks its ad. A daemon
// that cannot be located, reached or authenticated to, or that breaks off
// before the result, is an error (the tool's FAILURE).
func (c *Client) StoreCred(ctx context.Context, t Target, req StoreCredRequest) (StoreCredReply, error) {
	ad, err := optionsAd(req.Ad)
	if err != nil {
		return StoreCredReply{Code: resultBadArgs}, nil
	}
	legacy := req.Mode&flagLegacy != 0
	pool := req.PoolCred
	cmd := CmdStoreCred
	user := req.User
	switch {
	case pool:
		ctype := req.Mode &^ modeMask
		if ctype != credTypeLegacy && ctype != credTypePWD {
			return StoreCredReply{Code: resultBadArgs}, nil
		}
		at := strings.LastIndexByte(user, '@')
		if at <= 0 {
			return StoreCredReply{Code: resultBadArgs}, nil
		}
		if req.Mode&modeMask != modeQuery {
			// Only the domain travels with STORE_POOL_CRED.
			cmd, user = CmdStorePoolCred, user[at+1:]
		} else {
			legacy = true // a query goes as a legacy STORE_CRED
		}
	case legacy:
		if ad.Len() > 0 {
			return StoreCredReply{Code: resultBadArgs}, nil
		}
	default:
		if req.Mode&modeMask == modeAdd && req.Cred == nil {
			return StoreCredReply{Code: resultFailure}, nil
		}
		if user != "" && strings.LastIndexByte(user, '@') <= 0 {
			return StoreCredReply{Code: resultFailure}, nil
		}
		if len(req.Cred) > maxCredLen {
			return StoreCredReply{Code: resultBadArgs}, nil
		}
	}
	pw := req.Password
	if legacy && pw == "" && len(req.Cred) > 0 {
		pw = string(req.Cred)
	}
	if strings.IndexByte(pw, 0) >= 0 || strings.IndexByte(user, 0) >= 0 {
		return StoreCredReply{Code: resultBadArgs}, nil
	}

	var out StoreCredReply
	err = c.call(ctx, t, defaultStoreCredType, "storeCred", startSpec{cmd: cmd},
		func(ctx context.Context, cn *conn) error {
			// do_store_cred refuses to send a secret over a channel that is
			// not authenticated and encrypted (credentials.md §5.4); this
			// client also insists that a method actually succeeded.
			if !cn.res.Encrypted || !cn.res.TriedAuthentication || cn.res.Method == "" {
				c.debugf("STORE_CRED: blocking attempt to update over insecure channel (encrypted %v, authenticated %v)",
					cn.res.Encrypted, cn.res.Method != "")
				out.Code = resultNotSecure
				return nil
			}
			s := cn.s
			if err := s.PutString(user); err != nil {
				return storeSendErr(ctx, cn, err)
			}
			if err := s.PutString(pw); err != nil {
				return storeSendErr(ctx, cn, err)
			}
			if cmd == CmdStoreCred {
				if err := s.PutInt(int64(req.Mode)); err != nil {
					return storeSendErr(ctx, cn, err)
				}
				if !legacy {
					// Modern form: int credlen, the raw bytes, the options
					// ad (an empty one when there are none), §5.1.
					if err := s.PutInt(int64(len(req.Cred))); err != nil {
						return storeSendErr(ctx, cn, err)
					}
					if len(req.Cred) > 0 {
						if err := s.PutBytes(req.Cred); err != nil {
							return storeSendErr(ctx, cn, err)
						}
					}
					if err := s.PutAdLines(ad.AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
						return storeSendErr(ctx, cn, err)
					}
				}
			}
			if err := s.EndOfMessage(); err != nil {
				return storeSendErr(ctx, cn, err)
			}
			code, err := s.GetInt()
			if err != nil {
				return condorerr.New("DAEMON", 1, "Failed to receive the result of the credential operation from remote daemon at '%s'", cn.addr).
					WithCause(ctxCause(ctx, err))
			}
			out.Code = code
			if cmd == CmdStoreCred && !legacy {
				if out.Ad, err = getAd(s); err != nil {
					// "possibly protocol mismatch - remote store_cred did
					// not return a classad"
					c.debugf("store_cred: mode=%d possibly protocol mismatch - remote store_cred did not return a classad: %v", req.Mode, err)
					out = StoreCredReply{Code: resultProtocolMismatch}
					return nil
				}
			}
			if err := s.EndOfMessage(); err != nil {
				c.debugf("store_cred: mode=%d possibly protocol mismatch - end_of_message failed: %v", req.Mode, err)
				out = StoreCredReply{Code: resultProtocolMismatch}
			}
			return nil
		})
	if err != nil {
		return StoreCredReply{}, err
	}
	return out, nil
}

// storeSendErr reports a request that could not be sent.
func storeSendErr(ctx context.Context, cn *conn, err error) error {
	return condorerr.New("DAEMON", 1, "Failed to send the credential request to remote daemon at '%s'", cn.addr).
		WithCause(ctxCause(ctx, err))
}

// optionsAd builds the options ad of a modern STORE_CRED from m.
func optionsAd(m map[string]any) (*classad.Ad, error) {
	ad := classad.NewAd()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names) // deterministic insertion; the wire order is flat-map
	for _, n := range names {
		var err error
		switch v := m[n].(type) {
		case string:
			err = ad.SetString(n, v)
		case bool:
			err = ad.SetBool(n, v)
		case int:
			err = ad.SetInt(n, int64(v))
		case int64:
			err = ad.SetInt(n, v)
		case float64:
			err = ad.SetReal(n, v)
		default:
			err = fmt.Errorf("unsupported value type %T", v)
		}
		if err != nil {
			return nil, errors.Join(fmt.Errorf("credential option %s", n), err)
		}
	}
	return ad, nil
}
