package ssl

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// maxPEMFile bounds a certificate, key or CA bundle file read into memory.
const maxPEMFile = 16 << 20

// splitList splits a comma-separated path knob the way HTCondor's
// StringTokenIterator(value, ",") does: empty items are skipped and each
// item is trimmed of white space.
func splitList(v string) []string {
	var out []string
	for item := range strings.SplitSeq(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// readable reports whether path can be opened for reading (HTCondor probes
// with open(O_RDONLY) before using a file).
func readable(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	_ = f.Close()
	return true
}

// openErr returns why path cannot be opened for reading, worded like C's
// strerror ("No such file or directory"), or nil.
func openErr(path string) error {
	f, err := os.Open(path)
	if err == nil {
		_ = f.Close()
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg := err.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return errors.New(msg)
}

func readBounded(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > maxPEMFile {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxPEMFile)
	}
	return os.ReadFile(path)
}

// parsePEMCerts returns every CERTIFICATE block of data.
func parsePEMCerts(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// caPool builds the verification roots like setup_ssl_ctx
// (condor_auth_ssl.cpp:2060-2085): of the comma-separated CA files, the
// last one that can be opened is loaded (a file without certificates is an
// error); every certificate in the CA directory is added (unparsable files
// are skipped, a missing directory adds nothing, as with OpenSSL's lookup
// directories); the system CAs are added unless skipDefault. cafileKnob
// and cadirKnob name the knobs for error messages.
func caPool(cafiles, cadir string, skipDefault bool, cafileKnob, cadirKnob string) (*x509.CertPool, []string, error) {
	pool := x509.NewCertPool()
	if !skipDefault {
		if sys, err := x509.SystemCertPool(); err == nil && sys != nil {
			pool = sys
		}
	}
	var used []string
	preferred := ""
	for _, f := range splitList(cafiles) {
		if readable(f) {
			preferred = f
		}
	}
	if preferred != "" {
		data, err := readBounded(preferred)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: reading CA file %s (%s): %v", ErrSetup, preferred, cafileKnob, err)
		}
		certs, err := parsePEMCerts(data)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: parsing CA file %s (%s): %v", ErrSetup, preferred, cafileKnob, err)
		}
		if len(certs) == 0 {
			return nil, nil, fmt.Errorf("%w: CA file %s (%s) holds no PEM certificate", ErrSetup, preferred, cafileKnob)
		}
		for _, c := range certs {
			pool.AddCert(c)
		}
		used = append(used, fmt.Sprintf("%s %s (%d certificates)", cafileKnob, preferred, len(certs)))
	}
	if cadir = strings.TrimSpace(cadir); cadir != "" {
		n := 0
		entries, _ := os.ReadDir(cadir)
		for _, ent := range entries {
			if ent.IsDir() {
				continue
			}
			data, err := readBounded(filepath.Join(cadir, ent.Name()))
			if err != nil {
				continue
			}
			certs, err := parsePEMCerts(data)
			if err != nil {
				continue
			}
			for _, c := range certs {
				pool.AddCert(c)
				n++
			}
		}
		used = append(used, fmt.Sprintf("%s %s (%d certificates)", cadirKnob, cadir, n))
	}
	if !skipDefault {
		used = append(used, "the system CAs")
	}
	return pool, used, nil
}

// keyPairs loads certificate/key pairs like setup_ssl_ctx: the two knobs
// are parallel comma lists; a pair whose certificate or key cannot be
// opened is skipped; a pair that cannot be parsed is an error. OpenSSL
// replaces an earlier pair with a later one, so the result is in reverse
// order (the last readable pair first, which is the one used).
func keyPairs(certs, keys, certKnob, keyKnob string) ([]tls.Certificate, []string, error) {
	certList, keyList := splitList(certs), splitList(keys)
	var pairs []tls.Certificate
	var used []string
	for i, cf := range certList {
		if i >= len(keyList) {
			break
		}
		kf := keyList[i]
		if !readable(cf) || !readable(kf) {
			continue
		}
		certPEM, err := readBounded(cf)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: reading certificate %s (%s): %v", ErrSetup, cf, certKnob, err)
		}
		keyPEM, err := readBounded(kf)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: reading private key %s (%s): %v", ErrSetup, kf, keyKnob, err)
		}
		pair, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			// The tls error names the mismatch or the bad PEM block; it
			// never contains key material.
			return nil, nil, fmt.Errorf("%w: loading certificate %s (%s) with key %s (%s): %v", ErrSetup, cf, certKnob, kf, keyKnob, err)
		}
		pairs = append([]tls.Certificate{pair}, pairs...)
		used = append(used, cf)
	}
	return pairs, used, nil
}
