package cred

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/config"
	"github.com/condor-auth/condor-auth/pkg/credstore"
	"github.com/condor-auth/condor-auth/pkg/iostreams"
)

// What condor_store_cred and the cred verbs share: where an operation
// goes, what is sent, and how secrets are read (credentials.md §1.4,
// §4.2, §5).

// Input limits (credentials.md §1.4): -p - reads at most 1024 bytes of
// stdin, -i - at most 1 MiB, a prompted password at most 255 characters;
// a credential file is refused above the daemon's 100 MiB limit.
const (
	maxPasswordStdin = 1024
	maxCredStdin     = 1 << 20
	maxCredFile      = credstore.MaxCredLen
)

// timeZone renders the time stamps of stored credentials; the original
// prints local time (credentials.md §7.1). Tests set UTC.
var timeZone = time.Local

// operation is one resolved credential operation.
type operation struct {
	// mode is the mode integer sent (credentials.md §2).
	mode int
	// pool selects STORE_POOL_CRED (the pool password, §5.3).
	pool bool
	// user is the account sent; "" means the authenticated identity.
	user string
	// ad is the options ad of a modern STORE_CRED (§5.1).
	ad map[string]any
	// target is the daemon; nil means the operation is done locally, as
	// root's condor_store_cred -c does (§4.2).
	target *client.Target
}

func (op *operation) action() int { return op.mode & credstore.ModeMask }

func (op *operation) isQuery() bool { return op.action() == credstore.OpQuery }

// route picks the daemon the way condor_store_cred does (credentials.md
// §4.2): -n names a master for the pool password and a schedd otherwise;
// without it CREDD_HOST's credd for everything but the pool password,
// the local credd for Kerberos and OAuth, and for passwords the local
// master (pool) or schedd — or no daemon at all when running as root.
func route(f *cmdutil.Factory, cfg *config.Config, op *operation, name string, timeout time.Duration) {
	credType := op.mode & credstore.TypeMask
	t := &client.Target{Name: name, Timeout: timeout}
	_, creddHost := cfg.Get("CREDD_HOST")
	switch {
	case name != "" && op.pool && !op.isQuery():
		t.Type = "master"
	case name != "":
		t.Type = "schedd"
	case !op.pool && creddHost:
		t.Type = "credd"
	case credType == credstore.TypeKrb || credType == credstore.TypeOAuth:
		t.Type = "credd"
	case f.Euid == 0:
		t = nil
	case op.pool:
		t.Type = "master"
	default:
		t.Type = "schedd"
	}
	op.target = t
}

// execute performs op with the credential bytes secret (nil for delete and
// query). Locally (root) it uses the credd's own pool-password logic; over
// the network it sends STORE_POOL_CRED or STORE_CRED through the client.
// logf receives the local store's diagnostics.
func execute(ctx context.Context, f *cmdutil.Factory, cfg *config.Config, op *operation, secret []byte, logf func(string, ...any)) (client.StoreCredReply, error) {
	if op.target == nil {
		so := credstore.DefaultOptions()
		so.PoolPasswordFile = cfg.Lookup("SEC_PASSWORD_FILE")
		so.Logf = logf
		return client.StoreCredReply{Code: credstore.New(so).PoolPassword(op.user, op.mode, secret)}, nil
	}
	c, err := f.Client(cmdutil.ClientOptions{})
	if err != nil {
		return client.StoreCredReply{}, err
	}
	req := client.StoreCredRequest{User: op.user, Mode: op.mode, PoolCred: op.pool}
	switch {
	case op.pool:
		// STORE_POOL_CRED: domain and password, "" deletes (§5.3).
		req.Password = string(secret)
	case op.mode&credstore.FlagLegacy != 0:
		// Legacy STORE_CRED: user, password, mode (§5.2).
		req.Password = string(secret)
	default:
		req.Cred = secret
		req.Ad = op.ad
	}
	return c.StoreCred(ctx, *op.target, req)
}

// optionsAd is the options ad the tool sends (credentials.md §5.1):
// service, handle, scopes, audience when given, and NeedRefresh (true
// unless the credential is a plain access token) for OAuth.
func optionsAd(credType int, service, handle, scopes, audience *string, plain bool) map[string]any {
	ad := map[string]any{}
	for name, v := range map[string]*string{"service": service, "handle": handle, "scopes": scopes, "audience": audience} {
		if v != nil {
			ad[name] = *v
		}
	}
	if credType == credstore.TypeOAuth {
		ad["NeedRefresh"] = !plain
	}
	return ad
}

// poolAccount is condor_pool@SEC_PASSWORD_DOMAIN, else @UID_DOMAIN
// (credentials.md §4.1).
func poolAccount(cfg *config.Config) (string, bool) {
	dom, ok := cfg.Get("SEC_PASSWORD_DOMAIN")
	if !ok {
		dom, ok = cfg.Get("UID_DOMAIN")
	}
	if !ok {
		return "", false
	}
	return credstore.PoolUser + "@" + dom, true
}

// readPrompted prints prompt on w and reads one line from stdin, with
// echo off when stdin is a terminal (get_password, credentials.md §1.4).
// The newline typed is not part of the result, which keeps at most
// credstore.MaxPasswordLength bytes.
func readPrompted(ios *iostreams.IOStreams, w io.Writer, prompt string) (string, error) {
	fmt.Fprint(w, prompt)
	var line string
	if fd := ios.StdinFd(); ios.IsStdinTTY() && fd >= 0 {
		_ = ios.Flush()
		b, err := term.ReadPassword(fd)
		if err != nil {
			return "", fmt.Errorf("cannot read the password from the terminal: %w", err)
		}
		line = string(b)
	} else {
		line, _ = cmdutil.ReadLine(ios.In)
	}
	if len(line) > credstore.MaxPasswordLength {
		line = line[:credstore.MaxPasswordLength]
	}
	return line, nil
}

// readLimited reads r to its end, at most limit bytes.
func readLimited(r io.Reader, limit int64) ([]byte, error) {
	return io.ReadAll(io.LimitReader(r, limit))
}

// readCredFile reads a credential file as is (no permission checks,
// credentials.md §1.2), refusing one larger than the daemon accepts.
func readCredFile(path string) ([]byte, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	b, err := readLimited(fh, maxCredFile+1)
	if err != nil {
		return nil, err
	}
	if len(b) > maxCredFile {
		return nil, fmt.Errorf("%s is larger than the %d bytes a credd accepts", path, maxCredFile)
	}
	return b, nil
}

// infoLines renders a reply ad as condor_store_cred's "Credential info"
// block: "Name = value" lines sorted bytewise by name (fPrintAd,
// credentials.md §7.2).
func infoLines(ad *classad.Ad) string {
	names := ad.Names()
	sort.Strings(names)
	var b strings.Builder
	for _, n := range names {
		if e, ok := ad.Lookup(n); ok {
			b.WriteString(classad.UnparseAssignment(n, e))
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// infoJSON is the reply ad for -o json.
func infoJSON(ad *classad.Ad) map[string]any {
	m := map[string]any{}
	for _, n := range ad.Names() {
		v := ad.Get(n)
		if s, ok := v.StringVal(); ok {
			m[n] = s
		} else if i, ok := v.IntVal(); ok {
			m[n] = i
		} else if bv, ok := v.BoolVal(); ok {
			m[n] = bv
		} else if e, ok := ad.Lookup(n); ok {
			m[n] = strings.TrimPrefix(classad.UnparseAssignment(n, e), n+" = ")
		}
	}
	return m
}

// stampText formats a store time stamp as the original does: local time,
// "YYYY-MM-DD HH:MM:SS" (credentials.md §7.1).
func stampText(stamp int64) string {
	return time.Unix(stamp, 0).In(timeZone).Format("2006-01-02 15:04:05")
}

// resolveCNAME is the name service used to canonicalise -n values; tests
// replace it.
var resolveCNAME = func(ctx context.Context, host string) (string, error) {
	return net.DefaultResolver.LookupCNAME(ctx, host)
}

// canonicalDaemonName is get_daemon_name: a name with '@' is kept; a host
// name must resolve to a fully qualified name (one with a dot, or with
// DEFAULT_DOMAIN_NAME appended), else the name is invalid
// (real-tools.md S24–S26, §22 "Routing").
func canonicalDaemonName(cfg *config.Config, name string) (string, bool) {
	if strings.Contains(name, "@") {
		return name, true
	}
	if name == "" {
		return "", false
	}
	if strings.Contains(name, ".") {
		return name, true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cn, err := resolveCNAME(ctx, name)
	if err != nil {
		return "", false
	}
	if cn = strings.TrimSuffix(cn, "."); strings.Contains(cn, ".") {
		return cn, true
	}
	if dom, ok := cfg.Get("DEFAULT_DOMAIN_NAME"); ok {
		return name + "." + strings.TrimPrefix(dom, "."), true
	}
	return "", false
}
