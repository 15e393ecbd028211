package ssl

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"strings"
)

// HTCondor names an SSL peer by X509_NAME_oneline of its certificate
// subject (condor_auth_ssl.cpp:1893-1940, buffer of 1024 bytes), e.g.
// "/O=condor/CN=htc.local" (real-tools.md §5, block R10). The format is
// OpenSSL's: "/" + short name + "=" + value per attribute in encoding
// order; bytes outside ' '..'~' are written as \xHH. [inferred] The
// 25.14.0 build used OpenSSL 3.0 (Debian 12), whose oneline form neither
// escapes '/' nor joins multi-valued RDNs with '+'; both are reproduced.

// onelineMax is the size of HTCondor's subject buffer minus the NUL.
const onelineMax = 1023

// shortNames are OpenSSL's short names (OBJ_nid2sn) for the attribute
// types that occur in certificate names.
var shortNames = map[string]string{
	"2.5.4.3":                    "CN",
	"2.5.4.4":                    "SN",
	"2.5.4.5":                    "serialNumber",
	"2.5.4.6":                    "C",
	"2.5.4.7":                    "L",
	"2.5.4.8":                    "ST",
	"2.5.4.9":                    "street",
	"2.5.4.10":                   "O",
	"2.5.4.11":                   "OU",
	"2.5.4.12":                   "title",
	"2.5.4.13":                   "description",
	"2.5.4.15":                   "businessCategory",
	"2.5.4.17":                   "postalCode",
	"2.5.4.41":                   "name",
	"2.5.4.42":                   "GN",
	"2.5.4.43":                   "initials",
	"2.5.4.44":                   "generationQualifier",
	"2.5.4.46":                   "dnQualifier",
	"2.5.4.65":                   "pseudonym",
	"2.5.4.97":                   "organizationIdentifier",
	"0.9.2342.19200300.100.1.1":  "UID",
	"0.9.2342.19200300.100.1.25": "DC",
	"1.2.840.113549.1.9.1":       "emailAddress",
	"1.3.6.1.4.1.311.60.2.1.1":   "jurisdictionL",
	"1.3.6.1.4.1.311.60.2.1.2":   "jurisdictionST",
	"1.3.6.1.4.1.311.60.2.1.3":   "jurisdictionC",
}

// rawATV is one AttributeTypeAndValue with its value kept raw.
type rawATV struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// rawRDNSET is one RelativeDistinguishedName (the SET suffix makes
// encoding/asn1 treat it as SET OF).
type rawRDNSET []rawATV

// nameAttr is one attribute of a name, in encoding order.
type nameAttr struct {
	oid   string
	tag   int
	value []byte
}

// parseName decodes a DER Name (RDNSequence) keeping every value's raw
// bytes and string tag.
func parseName(der []byte) ([]nameAttr, error) {
	var seq []rawRDNSET
	rest, err := asn1.Unmarshal(der, &seq)
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, errors.New("trailing data after name")
	}
	var out []nameAttr
	for _, rdn := range seq {
		for _, atv := range rdn {
			out = append(out, nameAttr{oid: atv.Type.String(), tag: atv.Value.Tag, value: atv.Value.Bytes})
		}
	}
	return out, nil
}

// OnelineDN formats a DER-encoded X.509 name (a certificate's RawSubject)
// as OpenSSL's X509_NAME_oneline does, the form HTCondor uses as the SSL
// authenticated name and in its prompts. Attributes that do not fit
// HTCondor's 1024-byte buffer are dropped, as there.
func OnelineDN(der []byte) (string, error) {
	attrs, err := parseName(der)
	if err != nil {
		return "", fmt.Errorf("parsing X.509 name: %w", err)
	}
	var b strings.Builder
	for _, a := range attrs {
		name, ok := shortNames[a.oid]
		if !ok {
			name = a.oid
		}
		var one strings.Builder
		one.WriteByte('/')
		one.WriteString(name)
		one.WriteByte('=')
		writeOnelineValue(&one, a.tag, a.value)
		if b.Len()+one.Len() > onelineMax {
			break
		}
		b.WriteString(one.String())
	}
	return b.String(), nil
}

// writeOnelineValue writes a value's bytes, escaping non-printables as
// \xHH. A GeneralString whose length is a multiple of 4 and that holds
// non-zero bytes only in every fourth position is printed from those bytes
// alone (OpenSSL's UCS-4 shortcut).
func writeOnelineValue(b *strings.Builder, tag int, v []byte) {
	const hexDigits = "0123456789ABCDEF"
	keep := [4]bool{true, true, true, true}
	if tag == asn1.TagGeneralString && len(v)%4 == 0 {
		var nz [4]bool
		for i, c := range v {
			if c != 0 {
				nz[i&3] = true
			}
		}
		if !nz[0] && !nz[1] && !nz[2] {
			keep = [4]bool{false, false, false, true}
		}
	}
	for i, c := range v {
		if !keep[i&3] {
			continue
		}
		if c < ' ' || c > '~' {
			b.WriteString(`\x`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xf])
			continue
		}
		b.WriteByte(c)
	}
}

// subjectOneline is OnelineDN of a certificate's subject, falling back to
// Go's RFC 2253 form if the raw name cannot be decoded.
func subjectOneline(c *x509.Certificate) string {
	if s, err := OnelineDN(c.RawSubject); err == nil {
		return s
	}
	return c.Subject.String()
}

// firstCommonName returns the raw bytes of the first CN of a certificate's
// subject, truncated to 255 bytes (X509_NAME_get_text_by_NID into a
// 256-byte buffer, condor_auth_ssl.cpp:1838-1852).
func firstCommonName(c *x509.Certificate) (string, bool) {
	attrs, err := parseName(c.RawSubject)
	if err != nil {
		return c.Subject.CommonName, c.Subject.CommonName != ""
	}
	for _, a := range attrs {
		if a.oid == "2.5.4.3" {
			v := a.value
			if len(v) > 255 {
				v = v[:255]
			}
			return string(v), true
		}
	}
	return "", false
}

// Fingerprint returns the SHA-256 digest of a DER certificate as
// lowercase hex pairs joined by ':', as HTCondor prints it
// (ca_utils.cpp generate_fingerprint; real-tools.md §5 block R10).
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	var b strings.Builder
	for i, c := range sum {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02x", c)
	}
	return b.String()
}

// hostnameMatch compares a SAN DNS pattern with a host name like
// HTCondor's hostname_match (condor_auth_ssl.cpp:70-130): case-insensitive,
// label by label (empty labels are skipped, as strtok does); a '*' ends a
// pattern label's literal prefix and matches the rest of the host label,
// provided nothing follows it in the pattern label; a '*' in the host
// never matches; both names need the same number of labels. Names over 255
// bytes never match.
func hostnameMatch(pattern, host string) bool {
	if len(pattern) > 255 || len(host) > 255 {
		return false
	}
	pl := labels(asciiLower(pattern))
	hl := labels(asciiLower(host))
	if len(pl) != len(hl) {
		return false
	}
	for i := range pl {
		p, h := pl[i], hl[i]
		j := 0
		for j < len(p) && j < len(h) && p[j] == h[j] {
			if h[j] == '*' {
				return false
			}
			j++
		}
		switch {
		case j < len(p) && p[j] == '*':
			if j+1 != len(p) {
				return false
			}
		case j < len(p) || j < len(h):
			return false
		}
	}
	return true
}

// asciiLower lower-cases ASCII letters only, like C tolower in the "C"
// locale.
func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + ('a' - 'A')
		}
	}
	return string(b)
}

// labels splits at '.' dropping empty labels.
func labels(s string) []string {
	var out []string
	for l := range strings.SplitSeq(s, ".") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}
