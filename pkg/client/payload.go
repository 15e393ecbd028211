package client

import (
	"context"
	"fmt"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// call locates the daemon of t (default type def), opens a connection for
// sp and runs body on it. Location failures come back as they are
// (*locate.ToolError), a failed connect as DAEMON:1:Failed to connect to
// remote daemon at '<addr>', a failed handshake as its chain under
// sp.startFail. fn names the C++ method in -debug lines.
func (c *Client) call(ctx context.Context, t Target, def locate.DaemonType, fn string, sp startSpec,
	body func(ctx context.Context, cn *conn) error) error {
	ctx, cancel := callContext(ctx, t)
	defer cancel()
	if c.h.open != nil {
		cn, err := c.h.open(ctx, sp)
		if err != nil {
			return err
		}
		defer cn.close()
		return body(ctx, cn)
	}
	loc, err := c.locateTarget(ctx, t, def)
	if err != nil {
		return err
	}
	c.debugf("Daemon::%s() making connection to '%s'", fn, loc.Addr)
	cn, err := c.open(ctx, loc, sp)
	if err != nil {
		return connectFailed(ctx, err, loc.Addr)
	}
	defer cn.close()
	return body(ctx, cn)
}

// writeAd sends ad as putClassAd does (attributes in flat-map order, two
// empty type strings, cedar.md §3.1) and ends the message.
func writeAd(s *cedar.Stream, ad *classad.Ad) error {
	if err := s.PutAdLines(ad.AssignmentLines(classad.FlatMapOrder), "", ""); err != nil {
		return err
	}
	return s.EndOfMessage()
}

// getAd reads one ClassAd (without ending the message).
func getAd(s *cedar.Stream) (*classad.Ad, error) {
	lines, _, _, err := s.GetAdLines()
	if err != nil {
		return nil, err
	}
	return classad.ParseLines(lines)
}

// replyTexts are a command's messages for a failed request or reply
// (Daemon::*TokenRequest in daemon.cpp; spelling as there).
type replyTexts struct {
	send, recv, eom string
}

// sendAd sends the request ad, or returns DAEMON:1:<send>.
func sendAd(ctx context.Context, cn *conn, ad *classad.Ad, tx replyTexts) error {
	if err := writeAd(cn.s, ad); err != nil {
		return condorerr.New("DAEMON", 1, tx.send, cn.addr).WithCause(ctxCause(ctx, err))
	}
	return nil
}

// recvAd reads the one-ad reply, or returns DAEMON:1:<recv> (ad missing
// or unreadable) or DAEMON:1:<eom> (bytes left over).
func recvAd(ctx context.Context, cn *conn, tx replyTexts) (*classad.Ad, error) {
	ad, err := getAd(cn.s)
	if err != nil {
		return nil, condorerr.New("DAEMON", 1, tx.recv, cn.addr).WithCause(ctxCause(ctx, err))
	}
	if err := cn.s.EndOfMessage(); err != nil {
		return nil, condorerr.New("DAEMON", 1, tx.eom, cn.addr).WithCause(ctxCause(ctx, err))
	}
	return ad, nil
}

// exchangeAd sends the request ad and reads the one-ad reply: the
// request/reply shape every token command but LIST has.
func exchangeAd(ctx context.Context, cn *conn, req *classad.Ad, tx replyTexts) (*classad.Ad, error) {
	if err := sendAd(ctx, cn, req, tx); err != nil {
		return nil, err
	}
	return recvAd(ctx, cn, tx)
}

// adString is EvaluateAttrString: the attribute evaluated, if a string.
func adString(ad *classad.Ad, name string) (string, bool) {
	v, ok := ad.EvaluateAttr(name)
	if !ok {
		return "", false
	}
	return v.StringVal()
}

// adInt is EvaluateAttrInt: the attribute evaluated, if an integer.
func adInt(ad *classad.Ad, name string) (int64, bool) {
	v, ok := ad.EvaluateAttr(name)
	if !ok {
		return 0, false
	}
	return v.IntVal()
}

// errorCode is the reply's ErrorCode read into a C++ int (32 bits), as
// EvaluateAttrInt(…, int&) does.
func errorCode(ad *classad.Ad) (int, bool) {
	v, ok := adInt(ad, attrErrorCode)
	return int(int32(v)), ok
}

// errorStringReply returns the DAEMON:<code>:<ErrorString> entry of a
// reply that carries ErrorString (GET_SESSION_TOKEN, START, FINISH): a
// missing or zero ErrorCode becomes -1 (tokens.md §0).
func errorStringReply(ad *classad.Ad) (*condorerr.Error, bool) {
	msg, ok := adString(ad, attrErrorString)
	if !ok {
		return nil, false
	}
	code, _ := errorCode(ad)
	if code == 0 {
		code = -1
	}
	return condorerr.New("DAEMON", code, "%s", msg), true
}

// errorCodeReply interprets the reply of APPROVE and AUTO_APPROVE, which
// count on ErrorCode (tokens.md §3.5, §3.6): missing → "did not return a
// result", non-zero → its ErrorString or "Unknown error.".
func errorCodeReply(ad *classad.Ad, addr string) error {
	code, ok := errorCode(ad)
	if !ok {
		return condorerr.New("DAEMON", 1, "Remote daemon at '%s' did not return a result.", addr)
	}
	if code == 0 {
		return nil
	}
	msg, _ := adString(ad, attrErrorString)
	if msg == "" {
		msg = "Unknown error."
	}
	return condorerr.New("DAEMON", code, "%s", msg)
}

// newAd returns an ad built from name/value pairs (string or int64).
func newAd(kv ...any) (*classad.Ad, error) {
	ad := classad.NewAd()
	for i := 0; i+1 < len(kv); i += 2 {
		name := kv[i].(string)
		var err error
		switch v := kv[i+1].(type) {
		case string:
			err = ad.SetString(name, v)
		case int64:
			err = ad.SetInt(name, v)
		default:
			err = fmt.Errorf("unsupported value type %T", v)
		}
		if err != nil {
			return nil, fmt.Errorf("attribute %s: %w", name, err)
		}
	}
	return ad, nil
}
