package client

import (
	"fmt"
	"path/filepath"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/anonymous"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/claimtobe"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/fs"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/token"
	"github.com/condor-auth/condor-auth/pkg/knobs"
)

// buildMethods creates the client side of every method named in the
// policy's AuthMethods that this implementation has, in that order
// (KERBEROS, SCITOKENS, MUNGE, … are left to the handshake, which notes
// them as not implemented). It also sets the policy's IssuerKeys to the
// signing keys this process can read, which the C++ client advertises
// when it offers TOKEN (cedar.md §4.3).
func (c *Client) buildMethods() error {
	cfg := c.cfg
	isRoot := c.opts.Euid == 0
	keys, err := knobs.Keys(cfg, c.opts.Uid)
	if err != nil {
		return fmt.Errorf("signing key configuration: %w", err)
	}
	for _, name := range c.policy.AuthMethods {
		switch auth.CanonicalName(name) {
		case "FS":
			binding, err := cfg.Bool("SEC_FS_ENFORCE_CHANNEL_BINDING", true)
			if err != nil {
				return err
			}
			c.methods = append(c.methods, fs.NewClient(fs.ClientConfig{
				NoChannelBinding: !binding,
				CondorIDs:        cfg.Lookup("CONDOR_IDS"),
			}))
		case "TOKEN":
			dirs, err := knobs.TokenDirs(cfg, isRoot, c.opts.Home)
			if err != nil {
				return fmt.Errorf("token directory configuration: %w", err)
			}
			k := keys
			c.methods = append(c.methods, token.NewClient(token.ClientConfig{
				Dirs:        dirs,
				Subsys:      "TOOL",
				Uid:         c.opts.Uid,
				Keys:        &k,
				TrustDomain: knobs.TrustDomain(cfg),
				Now:         c.opts.Now,
				Rand:        c.opts.Rand,
			}))
			c.policy.IssuerKeys = keys.IssuerKeys()
		case ssl.Name:
			o, err := c.sslOptions(isRoot)
			if err != nil {
				return err
			}
			c.methods = append(c.methods, ssl.NewClient(o))
		case claimtobe.Name:
			include, err := cfg.Bool("SEC_CLAIMTOBE_INCLUDE_DOMAIN", true)
			if err != nil {
				return err
			}
			user := cfg.Lookup("SEC_CLAIMTOBE_USER")
			if user == "" {
				user = claimtobe.DefaultUser()
			}
			c.methods = append(c.methods, claimtobe.NewClient(claimtobe.ClientOptions{
				User: user, Domain: cfg.Lookup("UID_DOMAIN"), IncludeDomain: include,
			}))
		case anonymous.Name:
			c.methods = append(c.methods, anonymous.Client{})
		}
	}
	return nil
}

// sslOptions reads the client's AUTH_SSL_CLIENT_* knobs, the host check and
// the trust-on-first-use settings (real-tools.md §14, §17).
func (c *Client) sslOptions(isRoot bool) (ssl.Options, error) {
	cfg := c.cfg
	o := ssl.Options{
		ClientCAFile:   cfg.Lookup("AUTH_SSL_CLIENT_CAFILE"),
		ClientCADir:    cfg.Lookup("AUTH_SSL_CLIENT_CADIR"),
		ClientCertFile: cfg.Lookup("AUTH_SSL_CLIENT_CERTFILE"),
		ClientKeyFile:  cfg.Lookup("AUTH_SSL_CLIENT_KEYFILE"),
		Rand:           c.opts.Rand,
		Now:            c.opts.Now,
	}
	bools := []struct {
		knob string
		def  bool
		dst  *bool
		neg  bool
	}{
		{"AUTH_SSL_CLIENT_USE_DEFAULT_CAS", true, &o.ClientSkipDefaultCAs, true},
		{"SSL_SKIP_HOST_CHECK", false, &o.SkipHostCheck, false},
		{"BOOTSTRAP_SSL_SERVER_TRUST", false, &o.BootstrapTrust, false},
		{"AUTH_SSL_REQUIRE_CLIENT_CERTIFICATE", false, &o.RequireClientCertificate, false},
	}
	for _, b := range bools {
		v, err := cfg.Bool(b.knob, b.def)
		if err != nil {
			return ssl.Options{}, err
		}
		*b.dst = v != b.neg
	}
	prompt, err := cfg.Bool("BOOTSTRAP_SSL_SERVER_TRUST_PROMPT_USER", true)
	if err != nil {
		return ssl.Options{}, err
	}
	if prompt && c.opts.Prompt != nil {
		o.ConfirmUntrusted = c.opts.Prompt
	}
	if path := knownHostsPath(c, isRoot); path != "" {
		o.KnownHosts = ssl.NewKnownHosts(path)
	}
	return o, nil
}

// recordKnownHost notes a host the tool authenticated to in known_hosts,
// as HTCondor's client does after every successful authentication other
// than SSL (which keeps its own entries): "<alias> <METHOD> <server
// identity or unknown>", once, and only when the address carries an alias
// (real-tools.md §17; authentication.cpp). A failure to write is logged
// and otherwise ignored, as there.
func (c *Client) recordKnownHost(alias string, res *security.Result) {
	if alias == "" || res.Method == "" || res.Method == ssl.Name {
		return
	}
	path := knownHostsPath(c, c.opts.Euid == 0)
	if path == "" {
		return
	}
	info := res.ServerIdentity
	if info == "" {
		info = "unknown"
	}
	if err := ssl.NewKnownHosts(path).Add(alias, true, res.Method, info); err != nil {
		c.debugf("Failed to record details for hostname %s into known hosts file: %v", alias, err)
	}
}

// knownHostsPath is SEC_KNOWN_HOSTS if set; else, for a user that cannot
// switch ids, ~/.condor/known_hosts; else SEC_SYSTEM_KNOWN_HOSTS
// (real-tools.md §14).
func knownHostsPath(c *Client, isRoot bool) string {
	if p := c.cfg.Lookup("SEC_KNOWN_HOSTS"); p != "" {
		return p
	}
	if !isRoot && c.opts.Home != "" {
		return filepath.Join(c.opts.Home, ".condor", "known_hosts")
	}
	return c.cfg.Lookup("SEC_SYSTEM_KNOWN_HOSTS")
}

// securityClient returns the handshake client of one call: the policy,
// the methods with SSL expecting alias as the server's host name (the
// alias= of its address, pitfall 31), the session cache and the call's
// explain function.
func (c *Client) securityClient(alias string, explain func(string, ...any)) *security.Client {
	pol := c.policy.Clone()
	if c.h.policy != nil {
		c.h.policy(pol)
	}
	var methods []auth.Client
	if c.h.methods != nil {
		methods = c.h.methods()
	} else {
		methods = make([]auth.Client, len(c.methods))
		for i, m := range c.methods {
			if s, ok := m.(*ssl.Client); ok && alias != "" {
				m = s.WithHostAlias(alias)
			}
			methods[i] = m
		}
	}
	return &security.Client{
		Policy:    pol,
		Methods:   methods,
		Version:   c.h.version,
		Subsystem: "TOOL",
		Pid:       c.h.pid,
		Sessions:  c.sessions,
		Explain:   explain,
		Now:       c.opts.Now,
		Rand:      c.opts.Rand,
		ECDHKey:   c.h.ecdhKey,
	}
}
