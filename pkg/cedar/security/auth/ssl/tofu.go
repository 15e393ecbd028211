package ssl

import (
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"strings"
)

// trustOnFirstUse decides about a server certificate whose chain did not
// verify because its CA is unknown, as HTCondor's verify callback does
// (condor_auth_ssl.cpp:1430-1495):
//
//   - the first known_hosts entry for the host is trusted, method SSL,
//     with this very certificate → accepted;
//   - it is trusted for SSL with another certificate → the new one is
//     recorded as untrusted and refused;
//   - it is untrusted ("!…") or for another method → refused;
//   - no entry: trusted if BOOTSTRAP_SSL_SERVER_TRUST, else if the
//     confirmation callback (the terminal prompt) says yes; the decision is
//     recorded ("! SSL <cert>" when not trusted, the non-interactive case
//     of real-tools.md §17 R9) and a trusted entry is accepted if it can
//     be found again — never for an empty host, whose trusted line
//     (" SSL …") has only two fields (R10).
//
// why explains a refusal and names the CA problem.
func (r *clientRun) trustOnFirstUse(anchor *x509.Certificate, isCA bool) (accepted bool, why string) {
	o := r.opts
	host := o.HostAlias
	kind := "self-signed server certificate"
	if isCA {
		kind = "CA certificate"
	}
	fp := Fingerprint(anchor.Raw)
	subject := subjectOneline(anchor)
	problem := fmt.Sprintf("the server's %s %s (SHA-256 %s) is not trusted: it is not in %s", kind, subject, fp, strings.Join(r.caNames(), ", "))
	if o.KnownHosts == nil {
		return false, problem + " (no known_hosts file is configured for trust on first use)"
	}
	kh := o.KnownHosts
	encoded := base64.StdEncoding.EncodeToString(anchor.Raw)

	entry, found, err := kh.FirstMatch(host)
	if err != nil {
		return false, fmt.Sprintf("%s; %v", problem, err)
	}
	if found {
		if entry.Permitted && entry.Method == "SSL" {
			if entry.Info == encoded {
				return true, ""
			}
			msg := fmt.Sprintf("%s; known_hosts file %s trusts a different certificate for host %q", problem, kh.Path(), host)
			if err := kh.Add(host, false, "SSL", encoded); err != nil {
				return false, fmt.Sprintf("%s (recording the new one failed: %v)", msg, err)
			}
			return false, msg + "; the new certificate was recorded there as untrusted"
		}
		if !entry.Permitted {
			return false, fmt.Sprintf("%s; known_hosts file %s marks host %q as untrusted (line %q)%s", problem, kh.Path(), host, entry.String(), trustHint(host))
		}
		return false, fmt.Sprintf("%s; known_hosts file %s records host %q for method %s, not SSL", problem, kh.Path(), host, entry.Method)
	}

	permitted := o.BootstrapTrust
	if !permitted && o.ConfirmUntrusted != nil {
		permitted = o.ConfirmUntrusted(UntrustedCert{Host: host, Fingerprint: fp, Subject: subject, IsCA: isCA, DER: anchor.Raw})
	}
	if err := kh.Add(host, permitted, "SSL", encoded); err != nil {
		return false, fmt.Sprintf("%s; %v", problem, err)
	}
	if permitted {
		if e, ok, err := kh.FirstMatch(host); err == nil && ok && e.Permitted && e.Method == "SSL" {
			return true, ""
		}
		return false, fmt.Sprintf("%s; it was recorded as trusted in known_hosts file %s, but an entry for an empty host name can never match: address the daemon by host name or add its CA to AUTH_SSL_CLIENT_CAFILE", problem, kh.Path())
	}
	return false, fmt.Sprintf("%s; recorded as untrusted in known_hosts file %s%s", problem, kh.Path(), trustHint(host))
}

// trustHint tells the user how to trust a recorded certificate.
func trustHint(host string) string {
	if host == "" {
		return " (the daemon was addressed without a host name, so no known_hosts entry can make it trusted: add its CA to AUTH_SSL_CLIENT_CAFILE)"
	}
	return " (remove the leading '!' of that line to trust it, or add the CA to AUTH_SSL_CLIENT_CAFILE)"
}

// caNames lists where trusted CAs came from, for messages.
func (r *clientRun) caNames() []string {
	if len(r.caSources) == 0 {
		return []string{"any configured CA (AUTH_SSL_CLIENT_CAFILE and AUTH_SSL_CLIENT_CADIR are unset and the system CAs are disabled)"}
	}
	return r.caSources
}
