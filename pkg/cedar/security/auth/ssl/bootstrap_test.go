package ssl

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func extByOID(c *x509.Certificate, oid asn1.ObjectIdentifier) (critical, ok bool) {
	for _, e := range c.Extensions {
		if e.Id.Equal(oid) {
			return e.Critical, true
		}
	}
	return false, false
}

func fileMode(t *testing.T, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

func TestBootstrap(t *testing.T) {
	now := time.Date(2026, 11, 25, 21, 4, 23, 500, time.UTC)
	dir := t.TempDir()
	cfg := DefaultBootstrapConfig(filepath.Join(dir, "etc"), "htc.local", "vm.htc.local")
	cfg.Now = func() time.Time { return now }
	if base := filepath.Base(cfg.CAFile) + " " + filepath.Base(cfg.CAKeyFile) + " " + filepath.Base(cfg.CertFile) + " " + filepath.Base(cfg.KeyFile); base != "trust_domain_ca.pem trust_domain_ca_privkey.pem hostcert.pem hostkey.pem" {
		t.Errorf("default file names: %s", base)
	}
	res, err := Bootstrap(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if res != (BootstrapResult{CA: true, CAKey: true, Cert: true, Key: true}) {
		t.Errorf("result %+v, want everything created", res)
	}
	for path, want := range map[string]os.FileMode{cfg.CAFile: 0o644, cfg.CAKeyFile: 0o600, cfg.CertFile: 0o644, cfg.KeyFile: 0o600, filepath.Dir(cfg.CAFile): 0o755} {
		if got := fileMode(t, path); got != want {
			t.Errorf("%s: mode %o, want %o", filepath.Base(path), got, want)
		}
	}
	if leftovers, _ := filepath.Glob(filepath.Join(dir, "etc", ".*tmp*")); len(leftovers) != 0 {
		t.Errorf("temporary files left: %v", leftovers)
	}

	ca := readCerts(t, cfg.CAFile)[0]
	if got := subjectOneline(ca); got != "/O=condor/CN=htc.local" {
		t.Errorf("CA subject %q", got)
	}
	if !bytes.Equal(ca.RawIssuer, ca.RawSubject) || ca.CheckSignatureFrom(ca) != nil {
		t.Error("CA is not self-signed")
	}
	attrs, _ := parseName(ca.RawSubject)
	for _, a := range attrs {
		if a.tag != asn1.TagUTF8String {
			t.Errorf("CA name attribute %s has tag %d, want UTF8String", a.oid, a.tag)
		}
	}
	if !ca.IsCA || !ca.BasicConstraintsValid || ca.KeyUsage != x509.KeyUsageCertSign {
		t.Errorf("CA constraints: IsCA %v, KeyUsage %v", ca.IsCA, ca.KeyUsage)
	}
	for _, oid := range []asn1.ObjectIdentifier{oidBasicConstraints, oidKeyUsage} {
		if crit, ok := extByOID(ca, oid); !ok || !crit {
			t.Errorf("CA extension %v: present %v critical %v, want critical", oid, ok, crit)
		}
	}
	if len(ca.SubjectKeyId) != 20 || !bytes.Equal(ca.SubjectKeyId, ca.AuthorityKeyId) {
		t.Errorf("CA key ids: SKI %x AKI %x", ca.SubjectKeyId, ca.AuthorityKeyId)
	}
	if ca.SerialNumber.BitLen() != 64 {
		t.Errorf("CA serial has %d bits, want 64 with the top bit set", ca.SerialNumber.BitLen())
	}
	start := now.Truncate(time.Second)
	if !ca.NotBefore.Equal(start) || !ca.NotAfter.Equal(start.Add(3650*24*time.Hour-time.Second)) {
		t.Errorf("CA validity %v .. %v", ca.NotBefore, ca.NotAfter)
	}
	// The recorded pending line of real-tools.md §17 (R9) starts
	// "! SSL MIIBpTCCAUqgAwIBAgIJ": a TBSCertificate of 0x14a bytes
	// (30 82 01 4a), version 3, a 9-byte serial. Same trust domain, same
	// layout: only the ECDSA signature length may differ.
	if tbs := ca.RawTBSCertificate; len(tbs) != 4+0x14a || !bytes.Equal(tbs[4:12], []byte{0xa0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x09, 0x00}) {
		t.Errorf("CA TBSCertificate: %d bytes, starts % x; the collector's is 334 bytes, a0 03 02 01 02 02 09 00", len(tbs), tbs[:12])
	}
	if ca.SignatureAlgorithm != x509.ECDSAWithSHA256 {
		t.Errorf("CA signature %v", ca.SignatureAlgorithm)
	}

	chain := readCerts(t, cfg.CertFile)
	if len(chain) != 2 || !chain[1].Equal(ca) {
		t.Fatalf("host certificate file holds %d certificates, want host + CA", len(chain))
	}
	host := chain[0]
	if got := subjectOneline(host); got != "/CN=vm.htc.local" {
		t.Errorf("host subject %q", got)
	}
	if len(host.DNSNames) != 1 || host.DNSNames[0] != "vm.htc.local" {
		t.Errorf("host SAN %q", host.DNSNames)
	}
	if host.IsCA || !host.BasicConstraintsValid {
		t.Error("host certificate must say CA:false")
	}
	if len(host.ExtKeyUsage) != 1 || host.ExtKeyUsage[0] != x509.ExtKeyUsageServerAuth {
		t.Errorf("host EKU %v", host.ExtKeyUsage)
	}
	for _, oid := range []asn1.ObjectIdentifier{oidBasicConstraints, oidExtKeyUsage} {
		if crit, ok := extByOID(host, oid); !ok || !crit {
			t.Errorf("host extension %v: present %v critical %v, want critical", oid, ok, crit)
		}
	}
	if !bytes.Equal(host.AuthorityKeyId, ca.SubjectKeyId) || len(host.SubjectKeyId) != 20 {
		t.Errorf("host key ids: SKI %x AKI %x", host.SubjectKeyId, host.AuthorityKeyId)
	}
	if !host.NotAfter.Equal(start.Add(730*24*time.Hour - time.Second)) {
		t.Errorf("host validity ends %v", host.NotAfter)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	if _, err := host.Verify(x509.VerifyOptions{Roots: roots, DNSName: "vm.htc.local", CurrentTime: now.Add(time.Hour)}); err != nil {
		t.Errorf("host certificate does not verify against the CA: %v", err)
	}

	// A second run changes nothing.
	before := map[string][]byte{}
	for _, f := range []string{cfg.CAFile, cfg.CAKeyFile, cfg.CertFile, cfg.KeyFile} {
		before[f], _ = os.ReadFile(f)
	}
	res, err = Bootstrap(cfg)
	if err != nil || res != (BootstrapResult{}) {
		t.Errorf("second Bootstrap = %+v, %v; want nothing created", res, err)
	}
	for f, b := range before {
		if after, _ := os.ReadFile(f); !bytes.Equal(after, b) {
			t.Errorf("%s changed on the second run", filepath.Base(f))
		}
	}

	// Without the CA certificate, a new one is made with the existing key.
	if err := os.Remove(cfg.CAFile); err != nil {
		t.Fatal(err)
	}
	res, err = Bootstrap(cfg)
	if err != nil || res != (BootstrapResult{CA: true}) {
		t.Errorf("Bootstrap after removing the CA = %+v, %v", res, err)
	}
	if ca2 := readCerts(t, cfg.CAFile)[0]; !bytes.Equal(ca2.SubjectKeyId, ca.SubjectKeyId) {
		t.Error("the CA key was not reused")
	}
}

func TestBootstrapErrors(t *testing.T) {
	dir := t.TempDir()
	cfg := DefaultBootstrapConfig(dir, "", "vm")
	if _, err := Bootstrap(cfg); err == nil || !strings.Contains(err.Error(), "TRUST_DOMAIN") {
		t.Errorf("without a trust domain: %v", err)
	}
	cfg = DefaultBootstrapConfig(dir, "td", "")
	res, err := Bootstrap(cfg)
	if err == nil || !strings.Contains(err.Error(), "HOST_ALIAS") || !res.CA {
		t.Errorf("without a host alias: %+v, %v (the CA is still made)", res, err)
	}
	if _, err := Bootstrap(BootstrapConfig{}); err == nil {
		t.Error("Bootstrap without file names succeeded")
	}
	bad := DefaultBootstrapConfig(t.TempDir(), "td", "vm")
	if err := os.WriteFile(bad.CAKeyFile, []byte("garbage"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Bootstrap(bad); err == nil || !strings.Contains(err.Error(), bad.CAKeyFile) {
		t.Errorf("with a garbage CA key: %v", err)
	}
	// Only the CA: no host certificate files configured.
	only := DefaultBootstrapConfig(t.TempDir(), "td", "vm")
	only.CertFile, only.KeyFile = "", ""
	if res, err := Bootstrap(only); err != nil || res != (BootstrapResult{CA: true, CAKey: true}) {
		t.Errorf("CA only: %+v, %v", res, err)
	}
}

func TestWriteExclusive(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	if err := writeExclusive(path, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeExclusive(path, []byte("two"), 0o600); err == nil {
		t.Error("second exclusive write succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "one" {
		t.Errorf("content %q", b)
	}
	if m := fileMode(t, path); m != 0o600 {
		t.Errorf("mode %o", m)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d directory entries, want 1 (no temporary file left)", len(entries))
	}
}
