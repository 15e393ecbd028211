package credstore

import (
	"context"
	"encoding/base64"
	"strings"
	"time"
)

// AttrFullyQualifiedUser is the reply-ad attribute naming the
// authenticated identity (credentials.md §5.1).
const AttrFullyQualifiedUser = "fully_qualified_user"

// Request is one decoded STORE_CRED (479) message together with what the
// daemon knows about its connection (credentials.md §5.1, §5.2).
type Request struct {
	// Caller is the authenticated fully qualified user of the connection
	// (e.g. "condor@example.net"); its part before the first '@' is the
	// socket owner that authorization compares.
	Caller string
	// Authenticated is true when the connection authenticated.
	Authenticated bool
	// Encrypted is true when the connection is encrypted.
	Encrypted bool
	// User is the target user as sent ("" = the caller).
	User string
	// Password is the password string of the message: "" in the modern
	// protocol; in the legacy one (mode with FlagLegacy) a base64-encoded
	// Kerberos/OAuth credential for non-password types.
	Password string
	// Mode is the mode integer (credentials.md §2).
	Mode int
	// Cred is the credential (modern protocol; nil when credlen is 0).
	Cred []byte
	// Ad is the options ad (modern protocol): service, handle, scopes,
	// audience, NeedRefresh, looked up case-insensitively. Values are
	// string, bool, integers or floats; other types count as absent.
	Ad map[string]any
	// Incomplete is true when the message could not be decoded completely
	// (missing fields, credlen outside 0…MaxCredLen, no end of message):
	// the reply is FAILURE_PROTOCOL_MISMATCH (Mode is what was read, 0 if
	// none).
	Incomplete bool
}

// Reply is what the server sends back for a STORE_CRED request.
type Reply struct {
	// Code is the result int: a return code, or for non-delete operations
	// a Unix time stamp (> 100) meaning success.
	Code int64
	// Ad is the reply ad: fully_qualified_user (string) once the mode is
	// valid, plus query results as int64 Unix times: "<file>.top|.use"
	// per stored file, "<base>" and "Top<base>Time" for one service,
	// "CredTime" for Kerberos. Names derived from files may contain the
	// characters "-+=." of service names. Nil when Legacy. On the wire the
	// credd sends it in ClassAd flat-map order (shortest name first), e.g.
	// "mysvc" before "fully_qualified_user".
	Ad map[string]any
	// Legacy is true when the request mode carried FlagLegacy: the reply
	// is the int alone, without a ClassAd (credentials.md §5.2).
	Legacy bool
	// NoReply is true when the server must close the connection without
	// answering (an unauthenticated peer, credentials.md §5.4).
	NoReply bool
}

// Handle answers a STORE_CRED request; see HandleContext.
func (s *Store) Handle(req Request) Reply {
	return s.HandleContext(context.Background(), req)
}

// HandleContext answers a STORE_CRED request with the credd's semantics
// (credentials.md §5.1–§5.6, §6):
//
//   - an unauthenticated caller (or the SSL "unauthenticated@unmapped"
//     identity) gets no reply; an unencrypted connection gets
//     FAILURE_NOT_SECURE;
//   - an incomplete message gets FAILURE_PROTOCOL_MISMATCH; a mode outside
//     0x20…0x66 (after stripping FlagWaitForCredmon) FAILURE_BAD_ARGS;
//   - the target user ("" = Caller) must be "name@domain" with a non-empty
//     name (FAILURE_BAD_ARGS), and name must equal the caller's name or the
//     caller must match CRED_SUPER_USERS (FAILURE_NOT_ALLOWED); changing
//     condor_pool's password through STORE_CRED is FAILURE_NOT_ALLOWED;
//   - password types go to the pool-password logic, Kerberos and OAuth to
//     the on-disk stores;
//   - after a successful store with a completion file (<svc>.use or
//     <user>.cc): its mtime if it exists, else, when a credmon was woken and
//     the client asked to wait, the result of polling for it (which honours
//     ctx: cancellation ends the wait with FAILURE_CREDMON_TIMEOUT), else
//     SUCCESS becomes SUCCESS_PENDING.
//
// The operation GENERIC_CONFIG (3) behaves as an add for Kerberos and OAuth
// and fails for passwords, as in HTCondor on Unix.
func (s *Store) HandleContext(ctx context.Context, req Request) Reply {
	mode := req.Mode
	if !req.Authenticated || strings.HasSuffix(req.Caller, "@unmapped") {
		s.opts.Logf("store_cred: refusing a request from an unauthenticated peer (%q)", req.Caller)
		return Reply{Code: FailureNotSecure, NoReply: true}
	}
	if !req.Encrypted {
		s.opts.Logf("store_cred: refusing a request from %s over an unencrypted connection", req.Caller)
		return finish(FailureNotSecure, mode, map[string]any{})
	}
	if req.Incomplete || len(req.Cred) > MaxCredLen {
		s.opts.Logf("store_cred: did not receive a valid command from %s", req.Caller)
		return finish(FailureProtocolMismatch, mode, map[string]any{})
	}
	wait := mode&FlagWaitForCredmon != 0
	mode &^= FlagWaitForCredmon
	if mode < FirstMode || mode > LastMode {
		s.opts.Logf("store_cred: %d is not a valid mode", mode)
		return finish(FailureBadArgs, mode, map[string]any{})
	}

	ad := map[string]any{AttrFullyQualifiedUser: req.Caller}
	code, ccfile, mode := s.dispatch(req, mode, ad)

	if !failed(code, mode) && ccfile != "" {
		if t, ok := mtime(ccfile); ok {
			code = t
		} else if s.kickCredmon(mode&TypeMask) && wait {
			code = s.poll(ctx, ccfile)
		} else if code == Success {
			code = SuccessPending
		}
	}
	return finish(code, mode, ad)
}

// finish builds the reply; legacy modes get no ad.
func finish(code int64, mode int, ad map[string]any) Reply {
	if mode&FlagLegacy != 0 {
		return Reply{Code: code, Legacy: true}
	}
	return Reply{Code: code, Ad: ad}
}

// dispatch authorizes the request and runs the operation. It returns the
// result, the completion file to wait for ("" for none) and the mode, whose
// type changes to OAuth when a Kerberos "LOCAL:" credential was redirected.
func (s *Store) dispatch(req Request, mode int, ad map[string]any) (int64, string, int) {
	fulluser := req.User
	if fulluser == "" {
		fulluser = req.Caller
	}
	if fulluser == "" {
		return Failure, "", mode
	}
	user, ok := userPart(fulluser)
	if !ok {
		s.opts.Logf("store_cred: user %q not in user@domain format", fulluser)
		return FailureBadArgs, "", mode
	}
	owner := req.Caller
	if at := strings.IndexByte(owner, '@'); at >= 0 {
		owner = owner[:at]
	}
	if owner == "" || !s.authorized(owner, user) {
		s.opts.Logf("store_cred: credential of %q requested by %q, rejecting", fulluser, req.Caller)
		return FailureNotAllowed, "", mode
	}
	op := mode & ModeMask
	if op != OpQuery && isPoolUser(fulluser) {
		s.opts.Logf("store_cred: refusing to change the pool password through STORE_CRED (use STORE_POOL_CRED)")
		return FailureNotAllowed, "", mode
	}
	if mode&^(ModeMask|FlagLegacy) == TypePwd {
		return s.PoolPassword(fulluser, mode, []byte(req.Password)), "", mode
	}

	credType := mode & TypeMask
	cred := req.Cred
	if mode&FlagLegacy != 0 && req.Password != "" {
		// Legacy protocol: the credential travels base64-encoded in the
		// password field; CREDD_OAUTH_MODE picks its type (§5.2).
		raw := decodeBase64(req.Password)
		if len(raw) == 0 {
			s.opts.Logf("store_cred: cannot decode the legacy credential of %q", fulluser)
			return Failure, "", mode
		}
		cred = raw
		credType = TypeKrb
		if s.opts.LegacyOAuth {
			credType = TypeOAuth
		}
	}
	switch credType {
	case TypeKrb:
		code, ccfile, local := s.krb(user, cred, op|TypeKrb, ad)
		if local {
			// A "LOCAL:" credential became an OAuth one: wake that credmon.
			mode = mode&^TypeMask | TypeOAuth
		}
		return code, ccfile, mode
	case TypeOAuth:
		code, ccfile := s.oauth(user, cred, op|TypeOAuth, req.Ad, ad)
		return code, ccfile, mode
	}
	s.opts.Logf("store_cred: unknown credential type %#x", credType)
	return FailureBadArgs, "", mode
}

// decodeBase64 decodes a legacy credential, tolerating white space and
// missing padding; nil when it is not base64.
func decodeBase64(s string) []byte {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r == '\r' || r == '\n' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b
	}
	if b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "=")); err == nil {
		return b
	}
	return nil
}

// poll waits for the credmon's completion file: one check now, then up to
// PollCount more, PollInterval apart (credentials.md §5.6). It returns the
// file's mtime, or FAILURE_CREDMON_TIMEOUT.
func (s *Store) poll(ctx context.Context, ccfile string) int64 {
	for retries := s.opts.PollCount; ; retries-- {
		if t, ok := mtime(ccfile); ok {
			return t
		}
		if retries <= 0 {
			break
		}
		timer := time.NewTimer(s.opts.PollInterval)
		select {
		case <-ctx.Done():
			timer.Stop()
			s.opts.Logf("store_cred: stopped waiting for %s: %v", ccfile, ctx.Err())
			return FailureCredmonTimeout
		case <-timer.C:
		}
	}
	s.opts.Logf("store_cred: the credmon did not create %s in time", ccfile)
	return FailureCredmonTimeout
}

// lookup finds name in ad case-insensitively (ClassAd attribute names are
// case-insensitive). An exact spelling wins over other spellings; among
// those the smallest key wins, so the result never depends on map order.
func lookup(ad map[string]any, name string) (any, bool) {
	if v, ok := ad[name]; ok {
		return v, true
	}
	best, found := "", false
	for k := range ad {
		if strings.EqualFold(k, name) && (!found || k < best) {
			best, found = k, true
		}
	}
	if !found {
		return nil, false
	}
	return ad[best], true
}

// lookupString is ClassAd LookupString: only string values count.
func lookupString(ad map[string]any, name string) (string, bool) {
	v, ok := lookup(ad, name)
	if !ok {
		return "", false
	}
	str, ok := v.(string)
	return str, ok
}

// lookupBool is ClassAd LookupBool: booleans, and numbers (non-zero is
// true).
func lookupBool(ad map[string]any, name string) (bool, bool) {
	v, ok := lookup(ad, name)
	if !ok {
		return false, false
	}
	switch x := v.(type) {
	case bool:
		return x, true
	case int:
		return x != 0, true
	case int8:
		return x != 0, true
	case int16:
		return x != 0, true
	case int32:
		return x != 0, true
	case int64:
		return x != 0, true
	case uint:
		return x != 0, true
	case uint8:
		return x != 0, true
	case uint16:
		return x != 0, true
	case uint32:
		return x != 0, true
	case uint64:
		return x != 0, true
	case float32:
		return x != 0, true
	case float64:
		return x != 0, true
	}
	return false, false
}

// setAttr assigns name in ad, replacing an attribute whose name differs
// only in case (ClassAd Assign), keeping the first spelling.
func setAttr(ad map[string]any, name string, v any) {
	for k := range ad {
		if k != name && strings.EqualFold(k, name) {
			ad[k] = v
			return
		}
	}
	ad[name] = v
}
