package ssl

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// HTCondor's known_hosts file (real-tools.md §14, §17; ca_utils.cpp): one
// entry per line, "[!]HOST METHOD INFO"; a leading '!' marks an entry that
// is recorded but not trusted. Blank lines, '#' lines and lines with fewer
// than three fields are ignored. The file is appended to in place (mode
// 0644, missing parent directories 0755), never rewritten, and an
// identical entry is not appended twice. For SSL, INFO is the untrusted
// certificate as single-line base64 DER, or "@trusted" once a server
// verified through the CAs.

// maxKnownHostsFile bounds how much of the file is read.
const maxKnownHostsFile = 16 << 20

// KnownHostEntry is one parsed known_hosts line.
type KnownHostEntry struct {
	// Host is the host alias (may be empty: a daemon addressed by IP).
	Host string
	// Permitted is false for a '!' entry.
	Permitted bool
	// Method is the authentication method ("SSL", "FS", …).
	Method string
	// Info is the method's data: base64 DER certificate, "@trusted", or
	// for other methods the authenticated identity.
	Info string
}

// String renders the entry as its file line, without the newline.
func (e KnownHostEntry) String() string {
	bang := ""
	if !e.Permitted {
		bang = "!"
	}
	return bang + e.Host + " " + e.Method + " " + e.Info
}

// ParseKnownHostsLine parses one line like HTCondor: the line is trimmed,
// blank and '#' lines are skipped, fields are separated by runs of spaces
// (each field trimmed of other white space), and a line needs at least
// three fields; extra fields are ignored. Note that a line written for an
// empty host and trusted (" SSL …") thus has only two fields and never
// matches, while "! SSL …" is a valid untrusted entry for the empty host
// (real-tools.md §17, R10).
func ParseKnownHostsLine(line string) (KnownHostEntry, bool) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return KnownHostEntry{}, false
	}
	var fields []string
	for f := range strings.SplitSeq(line, " ") {
		if f = strings.TrimSpace(f); f != "" {
			fields = append(fields, f)
		}
	}
	if len(fields) < 3 {
		return KnownHostEntry{}, false
	}
	e := KnownHostEntry{Host: fields[0], Permitted: true, Method: fields[1], Info: fields[2]}
	if strings.HasPrefix(e.Host, "!") {
		e.Host, e.Permitted = e.Host[1:], false
	}
	return e, true
}

// KnownHosts is a known_hosts file. Its methods are safe for concurrent
// use within the process; other processes append with O_APPEND, one line
// per write, as HTCondor does.
type KnownHosts struct {
	path string
	mu   sync.Mutex
}

// NewKnownHosts returns the known_hosts file at path. Choosing the path is
// the caller's business (SEC_KNOWN_HOSTS; else, for a non-root user,
// ~/.condor/known_hosts; else SEC_SYSTEM_KNOWN_HOSTS, real-tools.md §14).
func NewKnownHosts(path string) *KnownHosts { return &KnownHosts{path: path} }

// Path returns the file name.
func (k *KnownHosts) Path() string { return k.path }

// Entries returns the valid entries in file order. A missing file has no
// entries.
func (k *KnownHosts) Entries() ([]KnownHostEntry, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.entries()
}

func (k *KnownHosts) entries() ([]KnownHostEntry, error) {
	f, err := os.Open(k.path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading known_hosts file: %w", err)
	}
	defer f.Close()
	var out []KnownHostEntry
	sc := bufio.NewScanner(io.LimitReader(f, maxKnownHostsFile))
	sc.Buffer(make([]byte, 0, 4096), maxKnownHostsFile)
	for sc.Scan() {
		if e, ok := ParseKnownHostsLine(sc.Text()); ok {
			out = append(out, e)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading known_hosts file %s: %w", k.path, err)
	}
	return out, nil
}

// FirstMatch returns the first entry for host, trusted or not
// (get_known_hosts_first_match).
func (k *KnownHosts) FirstMatch(host string) (KnownHostEntry, bool, error) {
	entries, err := k.Entries()
	if err != nil {
		return KnownHostEntry{}, false, err
	}
	for _, e := range entries {
		if e.Host == host {
			return e, true, nil
		}
	}
	return KnownHostEntry{}, false, nil
}

// Add appends "[!]host method info" unless an identical entry exists
// (add_known_hosts). Missing parent directories are created 0755 and a new
// file 0644, as HTCondor does (real-tools.md §14).
func (k *KnownHosts) Add(host string, permitted bool, method, info string) error {
	if strings.ContainsAny(host+method+info, " \t\n\r") || strings.HasPrefix(host, "!") || method == "" || info == "" {
		return fmt.Errorf("known_hosts entry %q/%q/%q cannot be written as one line", host, method, info)
	}
	e := KnownHostEntry{Host: host, Permitted: permitted, Method: method, Info: info}
	k.mu.Lock()
	defer k.mu.Unlock()
	entries, err := k.entries()
	if err != nil {
		return err
	}
	for _, old := range entries {
		if old == e {
			return nil
		}
	}
	if err := os.MkdirAll(filepath.Dir(k.path), 0o755); err != nil {
		return fmt.Errorf("creating the directory of known_hosts file %s: %w", k.path, err)
	}
	f, err := os.OpenFile(k.path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return fmt.Errorf("opening known_hosts file for append: %w", err)
	}
	if _, err := f.WriteString(e.String() + "\n"); err != nil {
		_ = f.Close()
		return fmt.Errorf("recording host %q in known_hosts file %s: %w", host, k.path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("recording host %q in known_hosts file %s: %w", host, k.path, err)
	}
	return nil
}

// UntrustedCert describes a server certificate that did not verify
// against the configured CAs, for a trust-on-first-use decision.
type UntrustedCert struct {
	// Host is the host alias the client knows the server by ("" when it
	// was addressed by IP).
	Host string
	// Fingerprint is the SHA-256 fingerprint (see Fingerprint).
	Fingerprint string
	// Subject is the certificate subject in OpenSSL one-line form.
	Subject string
	// IsCA reports whether the certificate is presented as the chain's
	// (untrusted) CA rather than a self-signed server certificate.
	IsCA bool
	// DER is the certificate.
	DER []byte
}

// Prompt asks on a terminal whether to trust an untrusted server
// certificate, with HTCondor's exact text (ask_cert_confirmation,
// real-tools.md §5 block R10), writing to out and reading answers from
// in until "yes" or "no" or end of input. It reads in one byte at a time
// so that nothing after the answer is consumed. Use it as
// Options.ConfirmUntrusted only when stdin is a terminal, the program is
// a tool, and BOOTSTRAP_SSL_SERVER_TRUST_PROMPT_USER is true.
func Prompt(in io.Reader, out io.Writer) func(UntrustedCert) bool {
	return func(c UntrustedCert) bool {
		ca := ""
		if c.IsCA {
			ca = "CA "
		}
		fmt.Fprintf(out, "The remote host %s presented an untrusted %scertificate with the following fingerprint:\n", c.Host, ca)
		fmt.Fprintf(out, "SHA-256: %s\n", c.Fingerprint)
		fmt.Fprintf(out, "Subject: %s\n", c.Subject)
		fmt.Fprintf(out, "Would you like to trust this server for current and future communications?\n")
		for {
			fmt.Fprintf(out, "Please type 'yes' or 'no':\n")
			resp, more := readAnswer(in)
			if resp == "yes" {
				return true
			}
			if resp == "no" || !more {
				return false
			}
		}
	}
}

// readAnswer reads one line (without its newline) like std::getline;
// more is false at end of input or on a read error.
func readAnswer(in io.Reader) (string, bool) {
	var line []byte
	var b [1]byte
	for len(line) < 4096 {
		n, err := in.Read(b[:])
		if n == 1 {
			if b[0] == '\n' {
				return string(line), true
			}
			line = append(line, b[0])
			continue
		}
		if err != nil {
			return string(line), false
		}
	}
	return string(line), true
}
