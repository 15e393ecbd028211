package ssl

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"time"
)

// File names the collector uses in $(ETC) when it bootstraps the pool's
// SSL material (real-tools.md §0 "SSL"; knobs TRUST_DOMAIN_CAFILE,
// TRUST_DOMAIN_CAKEY, AUTH_SSL_AUTOGENERATE_CERTFILE,
// AUTH_SSL_AUTOGENERATE_KEYFILE).
const (
	DefaultCAFileName    = "trust_domain_ca.pem"
	DefaultCAKeyFileName = "trust_domain_ca_privkey.pem"
	DefaultCertFileName  = "hostcert.pem"
	DefaultKeyFileName   = "hostkey.pem"
)

// Validity of bootstrapped certificates (ca_utils.cpp: 10*365 and 2*365
// days, ending one second early).
const (
	caLifetime   = 10 * 365 * 24 * time.Hour
	certLifetime = 2 * 365 * 24 * time.Hour
)

// BootstrapConfig says where and for whom Bootstrap creates the pool CA
// and the host certificate.
type BootstrapConfig struct {
	// CAFile and CAKeyFile are TRUST_DOMAIN_CAFILE and TRUST_DOMAIN_CAKEY.
	CAFile, CAKeyFile string
	// CertFile and KeyFile are AUTH_SSL_AUTOGENERATE_CERTFILE and
	// AUTH_SSL_AUTOGENERATE_KEYFILE; empty skips the host certificate.
	CertFile, KeyFile string
	// TrustDomain is TRUST_DOMAIN, the CA's common name (O=condor,
	// CN=<TrustDomain>).
	TrustDomain string
	// HostAlias is HOST_ALIAS, the host certificate's CN and only SAN DNS
	// name.
	HostAlias string
	// Now and Rand default to time.Now and crypto/rand.Reader.
	Now  func() time.Time
	Rand io.Reader
}

// DefaultBootstrapConfig returns the collector's default file locations
// in the directory etc ($(ETC)).
func DefaultBootstrapConfig(etc, trustDomain, hostAlias string) BootstrapConfig {
	return BootstrapConfig{
		CAFile:      filepath.Join(etc, DefaultCAFileName),
		CAKeyFile:   filepath.Join(etc, DefaultCAKeyFileName),
		CertFile:    filepath.Join(etc, DefaultCertFileName),
		KeyFile:     filepath.Join(etc, DefaultKeyFileName),
		TrustDomain: trustDomain,
		HostAlias:   hostAlias,
	}
}

// BootstrapResult reports which files Bootstrap created.
type BootstrapResult struct {
	CA, CAKey, Cert, Key bool
}

// Bootstrap creates the pool CA and a host certificate signed by it when
// they do not exist yet, as the collector does at start-up
// (collector_main.cpp, ca_utils.cpp): if CAFile cannot be read, a CA
// certificate is made with the key in CAKeyFile (an existing key is
// reused, else a new P-256 key is written 0600); then, if CertFile cannot
// be read and both CA files can, a host certificate for HostAlias is made
// with the key in KeyFile and written followed by the CA certificate.
// Existing files are never overwritten; missing parent directories are
// created 0755. CA and certificate files are 0644.
func Bootstrap(cfg BootstrapConfig) (BootstrapResult, error) {
	var res BootstrapResult
	if cfg.Rand == nil {
		cfg.Rand = rand.Reader
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.CAFile == "" || cfg.CAKeyFile == "" {
		return res, errors.New("SSL bootstrap: TRUST_DOMAIN_CAFILE and TRUST_DOMAIN_CAKEY must be set")
	}
	if !readable(cfg.CAFile) {
		if err := mkParents(cfg.CAFile, cfg.CAKeyFile); err != nil {
			return res, err
		}
		keyNew, err := generateCA(cfg)
		if err != nil {
			return res, err
		}
		res.CA, res.CAKey = true, keyNew
	}
	if cfg.CertFile == "" || cfg.KeyFile == "" || readable(cfg.CertFile) ||
		!readable(cfg.CAFile) || !readable(cfg.CAKeyFile) {
		return res, nil
	}
	if err := mkParents(cfg.CertFile, cfg.KeyFile); err != nil {
		return res, err
	}
	keyNew, err := generateHostCert(cfg)
	if err != nil {
		return res, err
	}
	res.Cert, res.Key = true, keyNew
	return res, nil
}

func mkParents(files ...string) error {
	for _, f := range files {
		if err := os.MkdirAll(filepath.Dir(f), 0o755); err != nil {
			return fmt.Errorf("SSL bootstrap: creating the directory of %s: %w", f, err)
		}
	}
	return nil
}

// generateCA makes the self-signed pool CA (generate_x509_ca).
func generateCA(cfg BootstrapConfig) (keyCreated bool, err error) {
	if cfg.TrustDomain == "" {
		return false, errors.New("SSL bootstrap: cannot name the CA: TRUST_DOMAIN is not set")
	}
	key, keyCreated, err := loadOrGenerateKey(cfg.CAKeyFile, cfg.Rand)
	if err != nil {
		return keyCreated, err
	}
	name, err := utf8Name([2]string{"2.5.4.10", "condor"}, [2]string{"2.5.4.3", cfg.TrustDomain})
	if err != nil {
		return keyCreated, err
	}
	ski, err := keyID(key.Public())
	if err != nil {
		return keyCreated, err
	}
	tmpl, err := certTemplate(cfg, name, caLifetime)
	if err != nil {
		return keyCreated, err
	}
	tmpl.ExtraExtensions = []pkix.Extension{
		mustExt(oidSKI, false, ski),
		mustExt(oidAKI, false, authKeyID{ID: ski}),
		mustExt(oidBasicConstraints, true, basicConstraints{IsCA: true}),
		// keyCertSign is bit 5.
		mustExt(oidKeyUsage, true, asn1.BitString{Bytes: []byte{0x04}, BitLength: 6}),
	}
	der, err := x509.CreateCertificate(cfg.Rand, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return keyCreated, fmt.Errorf("SSL bootstrap: signing the CA certificate: %w", err)
	}
	if err := writeExclusive(cfg.CAFile, pemCert(der), 0o644); err != nil {
		return keyCreated, fmt.Errorf("SSL bootstrap: writing the CA certificate: %w", err)
	}
	return keyCreated, nil
}

// generateHostCert makes the host certificate (generate_x509_cert).
func generateHostCert(cfg BootstrapConfig) (keyCreated bool, err error) {
	if cfg.HostAlias == "" {
		return false, errors.New("SSL bootstrap: cannot generate the host certificate: HOST_ALIAS is not set")
	}
	caKey, _, err := loadOrGenerateKey(cfg.CAKeyFile, cfg.Rand)
	if err != nil {
		return false, err
	}
	caPEM, err := readBounded(cfg.CAFile)
	if err != nil {
		return false, fmt.Errorf("SSL bootstrap: reading the CA certificate: %w", err)
	}
	cas, err := parsePEMCerts(caPEM)
	if err != nil || len(cas) == 0 {
		return false, fmt.Errorf("SSL bootstrap: no CA certificate in %s (%v)", cfg.CAFile, err)
	}
	ca := cas[0]
	key, keyCreated, err := loadOrGenerateKey(cfg.KeyFile, cfg.Rand)
	if err != nil {
		return keyCreated, err
	}
	name, err := utf8Name([2]string{"2.5.4.3", cfg.HostAlias})
	if err != nil {
		return keyCreated, err
	}
	ski, err := keyID(key.Public())
	if err != nil {
		return keyCreated, err
	}
	caID := ca.SubjectKeyId
	if len(caID) == 0 {
		if caID, err = keyID(ca.PublicKey); err != nil {
			return keyCreated, err
		}
	}
	tmpl, err := certTemplate(cfg, name, certLifetime)
	if err != nil {
		return keyCreated, err
	}
	tmpl.ExtraExtensions = []pkix.Extension{
		mustExt(oidSKI, false, ski),
		mustExt(oidAKI, false, authKeyID{ID: caID}),
		mustExt(oidBasicConstraints, true, basicConstraints{}),
		mustExt(oidExtKeyUsage, true, []asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 1}}),
		mustExt(oidSAN, false, []asn1.RawValue{{Class: asn1.ClassContextSpecific, Tag: 2, Bytes: []byte(cfg.HostAlias)}}),
	}
	der, err := x509.CreateCertificate(cfg.Rand, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return keyCreated, fmt.Errorf("SSL bootstrap: signing the host certificate with %s: %w", cfg.CAKeyFile, err)
	}
	out := append(pemCert(der), pemCert(ca.Raw)...)
	if err := writeExclusive(cfg.CertFile, out, 0o644); err != nil {
		return keyCreated, fmt.Errorf("SSL bootstrap: writing the host certificate: %w", err)
	}
	return keyCreated, nil
}

var (
	oidSKI              = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidSAN              = asn1.ObjectIdentifier{2, 5, 29, 17}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidAKI              = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
)

type authKeyID struct {
	ID []byte `asn1:"optional,tag:0"`
}

type basicConstraints struct {
	IsCA bool `asn1:"optional"`
}

func mustExt(oid asn1.ObjectIdentifier, critical bool, v any) pkix.Extension {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("ssl: encoding extension %v: %v", oid, err)) // fixed types: cannot fail
	}
	return pkix.Extension{Id: oid, Critical: critical, Value: b}
}

// certTemplate fills serial and validity: a 64-bit random serial with its
// top bit set (BN_rand(64, 0, 0)), notBefore now, notAfter one second
// before now + lifetime.
func certTemplate(cfg BootstrapConfig, rawSubject []byte, lifetime time.Duration) (*x509.Certificate, error) {
	var b [8]byte
	if _, err := io.ReadFull(cfg.Rand, b[:]); err != nil {
		return nil, fmt.Errorf("SSL bootstrap: random serial number: %w", err)
	}
	b[0] |= 0x80
	now := cfg.Now().UTC().Truncate(time.Second)
	return &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes(b[:]),
		RawSubject:   rawSubject,
		NotBefore:    now,
		NotAfter:     now.Add(lifetime - time.Second),
	}, nil
}

// utf8Name encodes a Name with one attribute per RDN, values as
// UTF8String as OpenSSL's default string mask does.
func utf8Name(attrs ...[2]string) ([]byte, error) {
	var seq []rawRDNSET
	for _, a := range attrs {
		var oid asn1.ObjectIdentifier
		for _, part := range splitOID(a[0]) {
			oid = append(oid, part)
		}
		seq = append(seq, rawRDNSET{{Type: oid, Value: asn1.RawValue{Tag: asn1.TagUTF8String, Bytes: []byte(a[1])}}})
	}
	b, err := asn1.Marshal(seq)
	if err != nil {
		return nil, fmt.Errorf("SSL bootstrap: encoding name: %w", err)
	}
	return b, nil
}

func splitOID(s string) []int {
	var out []int
	n := 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			out = append(out, n)
			n = 0
			continue
		}
		n = n*10 + int(s[i]-'0')
	}
	return out
}

// keyID is the SHA-1 of the subjectPublicKey bits (RFC 5280 method 1, the
// OpenSSL "hash" key identifier).
func keyID(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("SSL bootstrap: encoding public key: %w", err)
	}
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(der, &spki); err != nil {
		return nil, fmt.Errorf("SSL bootstrap: decoding public key: %w", err)
	}
	sum := sha1.Sum(spki.Key.Bytes) //nolint:gosec // key identifier, not a security hash
	return sum[:], nil
}

// loadOrGenerateKey reads a PEM private key from path, or creates a new
// P-256 key there (PKCS#8, mode 0600, exclusive create) when the file
// cannot be read (generate_key).
func loadOrGenerateKey(path string, rnd io.Reader) (crypto.Signer, bool, error) {
	if readable(path) {
		data, err := readBounded(path)
		if err != nil {
			return nil, false, fmt.Errorf("SSL bootstrap: reading private key: %w", err)
		}
		for b, rest := pem.Decode(data); b != nil; b, rest = pem.Decode(rest) {
			var k any
			switch b.Type {
			case "PRIVATE KEY":
				k, err = x509.ParsePKCS8PrivateKey(b.Bytes)
			case "EC PRIVATE KEY":
				k, err = x509.ParseECPrivateKey(b.Bytes)
			case "RSA PRIVATE KEY":
				k, err = x509.ParsePKCS1PrivateKey(b.Bytes)
			default:
				continue
			}
			if err != nil {
				return nil, false, fmt.Errorf("SSL bootstrap: parsing private key in %s: %w", path, err)
			}
			if s, ok := k.(crypto.Signer); ok {
				return s, false, nil
			}
		}
		return nil, false, fmt.Errorf("SSL bootstrap: no usable PEM private key in %s", path)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rnd)
	if err != nil {
		return nil, false, fmt.Errorf("SSL bootstrap: generating a key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, false, fmt.Errorf("SSL bootstrap: encoding the key: %w", err)
	}
	if err := writeExclusive(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return nil, false, fmt.Errorf("SSL bootstrap: writing private key: %w", err)
	}
	return key, true, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// writeExclusive creates path with data atomically and only if it does
// not exist (HTCondor's safe_fcreate_fail_if_exists): the data goes to a
// temporary file in the same directory, is synced, and is hard-linked to
// path, which fails if path exists; then the directory is synced.
func writeExclusive(path string, data []byte, perm os.FileMode) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmpName := tmp.Name()
	defer os.Remove(tmpName)
	if err := tmp.Chmod(perm); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Link(tmpName, path); err != nil {
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}
