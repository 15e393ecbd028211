package security

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// reconciled is the server's decision on a client policy ad.
type reconciled struct {
	ad                 *classad.Ad
	auth, enc, integ   Decision
	authRequired       bool
	methods            []string // AuthMethodsList, server order, client spelling
	crypto             []string // CryptoMethodsList
	duration           time.Duration
	cliLevel, srvLevel Level // the authentication levels that were compared
}

// reconcile is SecMan::ReconcileSecurityPolicyAds plus the additions of
// DaemonCommandProtocol (cedar.md §4.4): the response ad without the
// session key attributes, which the caller adds. srvMethods are the
// server's implemented methods in preference order.
func reconcile(cli *classad.Ad, pol *Policy, lv adLevels, srvMethods []string, version string) (*reconciled, error) {
	r := &reconciled{ad: classad.NewAd()}

	// Authentication compares AuthenticationNew, falling back to the
	// raised Authentication on both sides when the client sent only that
	// (pre-23.10 peers), §4.5.
	r.cliLevel, r.srvLevel = adLevel(cli, AttrAuthenticationNew), lv.authNew
	if _, ok := adString(cli, AttrAuthenticationNew); !ok {
		if _, alt := adString(cli, AttrAuthentication); alt {
			r.cliLevel, r.srvLevel = adLevel(cli, AttrAuthentication), lv.auth
		}
	}
	r.auth = Reconcile(r.cliLevel, r.srvLevel)
	r.authRequired = r.cliLevel == Required || r.srvLevel == Required
	r.enc = Reconcile(adLevel(cli, AttrEncryption), lv.enc)
	r.integ = Reconcile(adLevel(cli, AttrIntegrity), lv.integ)
	if r.auth == Fail || r.enc == Fail || r.integ == Fail {
		return nil, fmt.Errorf("%w: policies cannot be reconciled: authentication client %s / server %s → %s, encryption client %s / server %s → %s, integrity client %s / server %s → %s",
			ErrRejected, r.cliLevel, r.srvLevel, r.auth, adLevel(cli, AttrEncryption), lv.enc, r.enc, adLevel(cli, AttrIntegrity), lv.integ, r.integ)
	}
	setStr(r.ad, AttrAuthentication, r.auth.String())
	if r.auth == Yes && !r.authRequired {
		// Absent means required (cedar.md §4.4).
		setBool(r.ad, AttrAuthRequired, false)
	}
	setStr(r.ad, AttrEncryption, r.enc.String())
	setStr(r.ad, AttrIntegrity, r.integ.String())

	if cm, ok := adString(cli, AttrAuthMethods); ok && len(srvMethods) > 0 {
		r.methods = reconcileMethodLists(splitList(cm), srvMethods)
		list := strings.Join(r.methods, ",")
		setStr(r.ad, AttrAuthMethodsList, list)
		first, _, _ := strings.Cut(list, ",")
		setStr(r.ad, AttrAuthMethods, first)
	}
	if cc, ok := adString(cli, AttrCryptoMethods); ok && len(pol.CryptoMethods) > 0 {
		r.crypto = reconcileMethodLists(splitList(cc), pol.CryptoMethods)
		list := strings.Join(r.crypto, ",")
		setStr(r.ad, AttrCryptoMethods, list)
		setStr(r.ad, AttrCryptoMethodsList, list)
		// AES-GCM always encrypts and checks integrity; say so (§4.4).
		if r.auth == Yes && len(r.crypto) > 0 && r.crypto[0] == CryptoAES {
			r.enc, r.integ = Yes, Yes
			setStr(r.ad, AttrEncryption, "YES")
			setStr(r.ad, AttrIntegrity, "YES")
		}
	}

	// SessionDuration: the shorter of the two; a client value that is
	// missing or not a string counts as 0 (pitfall 14).
	var cliDur int64
	if d, ok := adString(cli, AttrSessionDuration); ok {
		cliDur = atoiPrefix(d)
	}
	srvDur := int64(pol.SessionDuration / time.Second)
	dur := min(cliDur, srvDur)
	r.duration = time.Duration(max(dur, 0)) * time.Second
	setStr(r.ad, AttrSessionDuration, strconv.FormatInt(dur, 10))
	// SessionLease: the shorter non-zero value, only if both sent one.
	if cl, ok := adInt(cli, AttrSessionLease); ok {
		sl := int64(pol.SessionLease / time.Second)
		if cl == 0 {
			cl = sl
		}
		if sl == 0 {
			sl = cl
		}
		setInt(r.ad, AttrSessionLease, min(cl, sl))
	}

	setStr(r.ad, AttrEnact, "YES")
	if pol.TrustDomain != "" {
		setStr(r.ad, AttrTrustDomain, pol.TrustDomain)
	}
	if offersToken(srvMethods) && len(pol.IssuerKeys) > 0 {
		setStr(r.ad, AttrIssuerKeys, issuerKeysString(pol.IssuerKeys))
	}
	setBool(r.ad, AttrNegotiatedSession, true)
	setStr(r.ad, AttrRemoteVersion, version)
	return r, nil
}

// reconcileMethodLists is SecMan::ReconcileMethodLists: the methods common
// to both lists in the server's order, spelled as the client spelled them.
// Unlike C++, whose normalisation bug makes a client's IDTOKENS never match
// (pitfall 15), every TOKEN spelling matches here.
func reconcileMethodLists(cli, srv []string) []string {
	var out []string
	for _, sm := range srv {
		for _, cm := range cli {
			if strings.EqualFold(normMethod(sm), normMethod(cm)) {
				out = append(out, cm)
			}
		}
	}
	return out
}

// normMethod maps the IDTOKENS spellings to TOKEN for comparison.
func normMethod(m string) string {
	if b, ok := auth.Bit(m); ok && b == auth.BitToken {
		return "TOKEN"
	}
	return m
}
