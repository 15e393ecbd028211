package locate

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/classad"
)

// maxLocalFileSize bounds what is read from an address or daemon ad file.
const maxLocalFileSize = 4 << 20

// AddressFileMode is the mode of address and daemon ad files: they hold
// no secret and every local tool must read them (C++ writes them with the
// default umask).
const AddressFileMode = 0o644

// ErrNoAddress reports an address or daemon ad file that yields no usable
// daemon address.
var ErrNoAddress = errors.New("no daemon address")

// AddressFile is what a daemon's address file says (cedar.md §6.3).
type AddressFile struct {
	// Addr is the daemon's sinful string (line 1, or MyAddress).
	Addr string
	// Version and Platform are the "$CondorVersion: … $" and
	// "$CondorPlatform: … $" strings, if present.
	Version, Platform string
	// Name and Machine come from Name/Machine attributes, if present.
	Name, Machine string
	// Ad is the location ad built from the file: MyAddress, CondorVersion,
	// CondorPlatform and every "Attr = value" line.
	Ad *classad.Ad
}

// ParseAddressFile interprets the contents of an address file like
// Daemon::readAddressFile: white space is trimmed, empty and '#' lines are
// skipped; the file is either line-oriented (line 1 a sinful string with an
// IP-literal host, line 2 the version, line 3 the platform, optionally
// followed by "Attr = value" lines) or made only of "Attr = value" lines
// whose first value is a string (MyAddress = "<…>", CondorVersion, …).
// Reading stops at the first line that fits neither. The result needs an
// address, else the error wraps ErrNoAddress.
func ParseAddressFile(data []byte) (*AddressFile, error) {
	af := &AddressFile{Ad: classad.NewAd()}
	meanings := []string{"MyAddress", "CondorVersion", "CondorPlatform"}
	lines, hasKeys := 0, false
	firstBad := ""
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 4096), maxLocalFileSize)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if name, rhs, ok := cedar.SplitAdLine(line); ok && (hasKeys || (strings.HasPrefix(rhs, "\"") && classad.ValidName(name))) {
			e, err := classad.ParseExpr(rhs)
			if err != nil || af.Ad.Set(name, e) != nil {
				break
			}
			hasKeys = true
		} else if len(meanings) > 0 {
			if lines == 0 && !IsValidSinful(line) {
				firstBad = line
				break
			}
			_ = af.Ad.SetString(meanings[0], line)
			switch meanings[0] {
			case "MyAddress":
				af.Addr = line
			case "CondorVersion":
				af.Version = line
			case "CondorPlatform":
				af.Platform = line
			}
			meanings = meanings[1:]
		} else {
			break
		}
		lines++
	}
	if firstBad != "" {
		return nil, fmt.Errorf("%w: the first line %.80q is no sinful string with an IP address and port", ErrNoAddress, firstBad)
	}
	if lines == 0 {
		return nil, fmt.Errorf("%w: the file holds no data", ErrNoAddress)
	}
	if hasKeys {
		fill := func(dst *string, attr string) {
			if *dst == "" {
				*dst, _ = af.Ad.GetString(attr)
			}
		}
		fill(&af.Addr, "MyAddress")
		fill(&af.Version, "CondorVersion")
		fill(&af.Platform, "CondorPlatform")
		fill(&af.Name, "Name")
		fill(&af.Machine, "Machine")
	}
	if af.Addr == "" {
		return nil, fmt.Errorf("%w: the file has no sinful string on its first line and no MyAddress", ErrNoAddress)
	}
	return af, nil
}

// ReadAddressFile reads and parses an address file. Errors name the file.
func ReadAddressFile(path string) (*AddressFile, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	af, err := ParseAddressFile(data)
	if err != nil {
		return nil, fmt.Errorf("address file %s: %w", path, err)
	}
	return af, nil
}

// FormatAddressFile returns the contents drop_addr_file writes: the sinful
// string, the version and the platform, one per line, then extra (if any)
// as "Attr = value" lines.
func FormatAddressFile(addr, version, platform string, extra *classad.Ad) ([]byte, error) {
	for what, v := range map[string]string{"address": addr, "version": version, "platform": platform} {
		if strings.ContainsAny(v, "\r\n\x00") || strings.TrimSpace(v) != v {
			return nil, fmt.Errorf("address file %s %q cannot be written on one line", what, v)
		}
	}
	if !IsValidSinful(addr) {
		return nil, fmt.Errorf("address file: %q is not a sinful string with an IP address and port", addr)
	}
	var b strings.Builder
	b.WriteString(addr + "\n" + version + "\n" + platform + "\n")
	if extra != nil {
		for _, l := range extra.AssignmentLines(classad.FlatMapOrder) {
			b.WriteString(l + "\n")
		}
	}
	return []byte(b.String()), nil
}

// WriteAddressFile writes an address file atomically (a temporary file in
// the same directory, fsync, rename, fsync of the directory), so a reader
// never sees a partial file. A daemon calls it once it listens and
// RemoveAddressFile when it shuts down.
func WriteAddressFile(path, addr, version, platform string, extra *classad.Ad) error {
	data, err := FormatAddressFile(addr, version, platform, extra)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, AddressFileMode)
}

// RemoveAddressFile removes an address or daemon ad file; a file that is
// already gone is not an error.
func RemoveAddressFile(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("removing %s: %w", path, err)
	}
	return nil
}

// PublishAddress writes a daemon's address files as drop_addr_file does:
// <PREFIX>_ADDRESS_FILE gets addr and <PREFIX>_SUPER_ADDRESS_FILE gets
// superAddr (skipped when either is empty), where PREFIX is
// "LOCALNAME.SUBSYS" for a daemon with a local name, else SUBSYS. It
// returns the files written, for RemoveAddressFiles at shutdown; on error
// the files already written are removed again.
func PublishAddress(k Knobs, subsys, localName, addr, superAddr, version, platform string, extra *classad.Ad) ([]string, error) {
	prefix := subsys
	if localName != "" {
		prefix = localName + "." + subsys
	}
	var written []string
	for _, f := range []struct{ knob, addr string }{
		{prefix + "_ADDRESS_FILE", addr},
		{prefix + "_SUPER_ADDRESS_FILE", superAddr},
	} {
		path, _ := k.Get(f.knob)
		path = strings.TrimSpace(path)
		if path == "" || f.addr == "" {
			continue
		}
		if err := WriteAddressFile(path, f.addr, version, platform, extra); err != nil {
			_ = RemoveAddressFiles(written)
			return nil, fmt.Errorf("%s: %w", f.knob, err)
		}
		written = append(written, path)
	}
	return written, nil
}

// RemoveAddressFiles removes the files PublishAddress wrote (a daemon does
// this when it stops, so tools do not find a dead address). It returns the
// first error but tries every file.
func RemoveAddressFiles(paths []string) error {
	var first error
	for _, p := range paths {
		if err := RemoveAddressFile(p); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ReadDaemonAdFile reads a daemon ad file (<SUBSYS>_DAEMON_AD_FILE, e.g.
// $(SPOOL)/.schedd_classad): the daemon's ad in old syntax, one
// "Attr = value" per line, up to an optional line starting with "...".
func ReadDaemonAdFile(path string) (*classad.Ad, error) {
	data, err := readLimited(path)
	if err != nil {
		return nil, err
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimLeft(l, " \t"), "...") {
			lines = lines[:i]
			break
		}
	}
	ad, err := classad.ParseOld(strings.Join(lines, "\n"))
	if err != nil {
		return nil, fmt.Errorf("daemon ad file %s: %w", path, err)
	}
	return ad, nil
}

// WriteDaemonAdFile writes ad as a daemon ad file atomically, one
// "Attr = value" line per attribute in the order C++ stores them.
// Private attributes are left out: the file is world-readable.
func WriteDaemonAdFile(path string, ad *classad.Ad) error {
	var b strings.Builder
	for _, name := range ad.SortedNames(classad.FlatMapOrder) {
		if classad.IsPrivateAttr(name) {
			continue
		}
		e, _ := ad.Lookup(name)
		b.WriteString(classad.UnparseAssignment(name, e) + "\n")
	}
	return writeFileAtomic(path, []byte(b.String()), AddressFileMode)
}

func readLimited(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLocalFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if len(data) > maxLocalFileSize {
		return nil, fmt.Errorf("%s is larger than %d bytes", path, maxLocalFileSize)
	}
	return data, nil
}

// writeFileAtomic writes data to path through a temporary file in the
// same directory: write, fsync, rename, fsync the directory.
func writeFileAtomic(path string, data []byte, perm os.FileMode) (err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".new*")
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(perm); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if _, err = tmp.Write(data); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// IsValidSinful is is_valid_sinful: "<" followed by an IPv4 literal or a
// bracketed IPv6 literal, then ':' and a closing '>' somewhere after it.
// Host names are not "valid" in this sense; address files must hold IP
// literals.
func IsValidSinful(s string) bool {
	if !strings.HasPrefix(s, "<") {
		return false
	}
	s = s[1:]
	if strings.HasPrefix(s, "[") {
		end := strings.IndexByte(s, ']')
		if end < 0 || end-1 > 46 {
			return false
		}
		if _, ok := parseIPv6Literal(s[1:end]); !ok {
			return false
		}
		s = s[end+1:]
	} else {
		colon := strings.IndexByte(s, ':')
		if colon < 0 || !isDottedQuad(s[:colon]) {
			return false
		}
		s = s[colon:]
	}
	return strings.HasPrefix(s, ":") && strings.Contains(s, ">")
}

// isDottedQuad is is_ipv4_addr_implementation without wildcards: four
// decimal parts 0..255, at most 15 characters.
func isDottedQuad(s string) bool {
	if len(s) < 7 || len(s) > 15 {
		return false
	}
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if !allDigits(p) || len(p) > 3 {
			return false
		}
		n := 0
		for i := 0; i < len(p); i++ {
			n = n*10 + int(p[i]-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}

// parseIPv6Literal accepts an IPv6 address without zone (inet_pton).
func parseIPv6Literal(s string) (netip.Addr, bool) {
	a, err := netip.ParseAddr(s)
	if err != nil || !a.Is6() || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a, true
}
