package server

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth/ssl"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
	"github.com/condor-auth/condor-auth/pkg/locate"
)

// prepareKeys does what a collector does at start-up and on every reconfig
// (tokens.md §5.2, real-tools.md §0.1): create the POOL signing key when
// it is absent and, when SSL is offered and COLLECTOR_BOOTSTRAP_SSL_CERTIFICATE
// is true, the pool CA and host certificate in $(ETC). The IssuerKeys the
// daemon advertises are refreshed afterwards.
func (s *Server) prepareKeys(st *settings) error {
	if path := st.keys.PoolKeyFile; path != "" {
		created, err := idtoken.CreatePoolKey(path, s.rand)
		if err != nil {
			return fmt.Errorf("cannot create the POOL signing key (SEC_TOKEN_POOL_SIGNING_KEY_FILE): %w", err)
		}
		if created {
			s.logf("Created POOL token signing key in file %s", path)
		}
	}
	if st.bootstrapSSL {
		res, err := ssl.Bootstrap(st.sslBootstrap)
		if err != nil {
			// Like the collector, carry on: SSL then fails per connection
			// with a clear reason, the other methods still work.
			s.logf("cannot create the pool CA or host certificate in %s: %v", filepath.Dir(st.sslBootstrap.CAFile), err)
		}
		if res.CA {
			s.logf("Created CA certificate %s (key %s) for trust domain %s", st.sslBootstrap.CAFile, st.sslBootstrap.CAKeyFile, st.sslBootstrap.TrustDomain)
		}
		if res.Cert {
			s.logf("Created host certificate %s (key %s) for %s", st.sslBootstrap.CertFile, st.sslBootstrap.KeyFile, st.sslBootstrap.HostAlias)
		}
	}
	keys := st.keys.IssuerKeys()
	for _, p := range st.policies {
		p.IssuerKeys = slices.Clone(keys)
	}
	return nil
}

// publicDirs are the directories every user's tools read address files
// from (cedar.md §6.3: $(LOG)/.collector_address, $(SPOOL)/.schedd_address)
// and LOCAL_DIR above them.
var publicDirs = []string{"LOCAL_DIR", "LOG", "SPOOL"}

// ensureDirs creates LOCAL_DIR, LOG and SPOOL when they are missing, mode
// 0755 as an HTCondor installation has them. Otherwise the first file
// written below them would make them: the POOL key (whose 0700 directory's
// parents MkdirAll would create 0700 too) and the token-request state file
// (0700 SPOOL), and a non-root tool could then not read the address files
// and locate the daemon. Existing directories are left as they are.
func ensureDirs(st *settings) error {
	for _, knob := range publicDirs {
		p := st.cfg.Lookup(knob)
		if p == "" {
			continue
		}
		if err := os.MkdirAll(p, 0o755); err != nil {
			return fmt.Errorf("cannot create %s (%s): %w", knob, p, err)
		}
	}
	return nil
}

// publish writes the address files of every role (drop_addr_file,
// cedar.md §6.3): <SUBSYS>_ADDRESS_FILE and <SUBSYS>_SUPER_ADDRESS_FILE
// hold this daemon's one address, <SUBSYS>_DAEMON_AD_FILE (when set) its
// ad for that role. Their directories are created when missing. It
// returns the files written.
func (s *Server) publish(st *settings, ads []*classad.Ad) ([]string, error) {
	addr := s.sinful.String()
	var written []string
	fail := func(err error) ([]string, error) {
		_ = locate.RemoveAddressFiles(written)
		return nil, err
	}
	for i, r := range st.roles() {
		for _, knob := range []string{r.Subsystem + "_ADDRESS_FILE", r.Subsystem + "_SUPER_ADDRESS_FILE", r.Subsystem + "_DAEMON_AD_FILE"} {
			if p, ok := st.cfg.Get(knob); ok {
				if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
					return fail(fmt.Errorf("%s: cannot create the directory of %s: %w", knob, p, err))
				}
			}
		}
		files, err := locate.PublishAddress(st.cfg, r.Subsystem, "", addr, addr, s.version, s.platform, nil)
		if err != nil {
			return fail(err)
		}
		written = append(written, files...)
		if p, ok := st.cfg.Get(r.Subsystem + "_DAEMON_AD_FILE"); ok {
			if err := locate.WriteDaemonAdFile(p, ads[i]); err != nil {
				return fail(fmt.Errorf("%s_DAEMON_AD_FILE: %w", r.Subsystem, err))
			}
			written = append(written, p)
		}
	}
	return written, nil
}

// unpublish removes address files, logging those it cannot remove.
func (s *Server) unpublish(files []string) {
	for _, p := range files {
		if err := locate.RemoveAddressFile(p); err != nil && !errors.Is(err, os.ErrNotExist) {
			s.logf("cannot remove %s: %v", p, err)
		}
	}
}
