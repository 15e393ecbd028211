package locate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/google/go-cmp/cmp"
)

const (
	testVersion  = "$CondorVersion: 25.14.0 2026-11-25 PRE-RELEASE-UWCS $"
	testPlatform = "$CondorPlatform: X86_64-Debian_12 $"
)

func TestParseAddressFile(t *testing.T) {
	type res struct{ Addr, Version, Platform, Name, Machine string }
	cases := []struct {
		name  string
		text  string
		want  res
		extra map[string]string // string attributes expected in the ad
		err   string
	}{
		{"drop_addr_file form", "<127.0.0.1:46281?alias=vm>\n" + testVersion + "\n" + testPlatform + "\n",
			res{"<127.0.0.1:46281?alias=vm>", testVersion, testPlatform, "", ""}, map[string]string{"MyAddress": "<127.0.0.1:46281?alias=vm>"}, ""},
		{"crlf, blanks and comments", "\r\n# address\r\n  <[::1]:9618>  \r\n\r\n" + testVersion + "\r\n",
			res{"<[::1]:9618>", testVersion, "", "", ""}, nil, ""},
		{"with extra contact info", "<127.0.0.1:1>\n" + testVersion + "\n" + testPlatform + "\nName = \"schedd@vm\"\nMachine = \"vm\"\nX = 3\n",
			res{"<127.0.0.1:1>", testVersion, testPlatform, "schedd@vm", "vm"}, map[string]string{"Name": "schedd@vm"}, ""},
		{"keys only", "MyAddress = \"<10.0.0.1:9618>\"\nCondorVersion = \"" + testVersion + "\"\nName = \"n@h\"\nMachine = \"h\"\n",
			res{"<10.0.0.1:9618>", testVersion, "", "n@h", "h"}, nil, ""},
		{"reading stops at junk", "<127.0.0.1:1>\nv\np\njunk line\n<127.0.0.1:2>\n",
			res{"<127.0.0.1:1>", "v", "p", "", ""}, nil, ""},
		{"host names are not valid", "<localhost:9618>\nv\n", res{}, nil, "no sinful string"},
		{"empty", "\n\n# nothing\n", res{}, nil, "holds no data"},
		{"keys without address", "Name = \"x\"\n", res{}, nil, "no MyAddress"},
		{"first value not a string", "MyAddress = 5\n", res{}, nil, "no sinful string"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			af, err := ParseAddressFile([]byte(c.text))
			if c.err != "" {
				if !errors.Is(err, ErrNoAddress) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want ErrNoAddress with %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := res{af.Addr, af.Version, af.Platform, af.Name, af.Machine}
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for k, v := range c.extra {
				if g, _ := af.Ad.GetString(k); g != v {
					t.Errorf("ad %s = %q, want %q", k, g, v)
				}
			}
		})
	}
}

func TestAddressFileWriteReadRemove(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".schedd_address")
	extra := classad.NewAd()
	_ = extra.SetString("Name", "schedd@vm")
	if err := WriteAddressFile(path, recordedScheddAddr, testVersion, testPlatform, extra); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	want := recordedScheddAddr + "\n" + testVersion + "\n" + testPlatform + "\nName = \"schedd@vm\"\n"
	if string(data) != want {
		t.Errorf("file =\n%s\nwant\n%s", data, want)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != AddressFileMode {
		t.Errorf("mode = %v, %v", fi.Mode(), err)
	}
	af, err := ReadAddressFile(path)
	if err != nil || af.Addr != recordedScheddAddr || af.Name != "schedd@vm" || af.Version != testVersion {
		t.Fatalf("read back %+v, %v", af, err)
	}
	// Rewriting replaces atomically and leaves no temporary file.
	if err := WriteAddressFile(path, "<127.0.0.1:1>", testVersion, testPlatform, nil); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries", len(entries))
	}
	if af, _ := ReadAddressFile(path); af.Addr != "<127.0.0.1:1>" {
		t.Errorf("after rewrite: %+v", af)
	}
	if err := RemoveAddressFile(path); err != nil {
		t.Fatal(err)
	}
	if err := RemoveAddressFile(path); err != nil {
		t.Errorf("removing twice: %v", err)
	}
	if _, err := ReadAddressFile(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("read after remove: %v", err)
	}
	for _, bad := range [][3]string{
		{"<localhost:1>", "v", "p"}, {"<127.0.0.1:1>", "v\nx", "p"}, {"<127.0.0.1:1>", "v", " p"},
	} {
		if err := WriteAddressFile(path, bad[0], bad[1], bad[2], nil); err == nil {
			t.Errorf("WriteAddressFile(%q) must fail", bad)
		}
	}
	if err := WriteAddressFile(filepath.Join(dir, "nodir", "f"), "<127.0.0.1:1>", "v", "p", nil); err == nil {
		t.Error("writing into a missing directory must fail")
	}
	if _, err := os.Stat(filepath.Join(dir, ".schedd_address")); !errors.Is(err, os.ErrNotExist) {
		t.Error("failed writes must not leave a file")
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, maxLocalFileSize+1), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadAddressFile(big); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("oversized file: %v", err)
	}
}

func TestDaemonAdFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".schedd_classad")
	ad, err := classad.ParseLines([]string{`Name = "schedd@vm"`, `MyAddress = "` + recordedScheddAddr + `"`,
		`_condor_PrivRemoteAdminCapability = "secret"`, `ClaimId = "x"`, `Machine = "vm"`, `CondorVersion = "` + testVersion + `"`})
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteDaemonAdFile(path, ad); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if strings.Contains(string(data), "secret") || strings.Contains(string(data), "ClaimId") {
		t.Errorf("private attributes written:\n%s", data)
	}
	if !strings.HasPrefix(string(data), "Name = \"schedd@vm\"\nMachine = \"vm\"\n") {
		t.Errorf("not in flat-map order:\n%s", data)
	}
	got, err := ReadDaemonAdFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := got.GetString("MyAddress"); v != recordedScheddAddr || got.Len() != 4 {
		t.Errorf("read back %d attributes, MyAddress %q", got.Len(), v)
	}
	if err := os.WriteFile(path, []byte("A = 1\n...\nthis is not an ad\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadDaemonAdFile(path); err != nil || got.Len() != 1 {
		t.Errorf("'...' must end the ad: %v, %v", got, err)
	}
	if err := os.WriteFile(path, []byte("A = (\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadDaemonAdFile(path); err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("bad ad: %v", err)
	}
}

func TestIsValidSinful(t *testing.T) {
	for in, want := range map[string]bool{
		"<127.0.0.1:29818>":           true,
		recordedScheddAddr:            true,
		"<[::1]:9618>":                true,
		"<[2001:db8::1]:9618?sock=x>": true,
		"<127.0.0.1:>":                true, // no port check, as in C++
		"127.0.0.1:9618":              false,
		"<localhost:9618>":            false,
		"<127.0.0.1>":                 false,
		"<127.0.0.1:9618":             false,
		"<1.2.3:9618>":                false,
		"<256.1.1.1:9618>":            false,
		"<[::1]>":                     false,
		"<[::1:9618>":                 false,
		"<[fe80::1%eth0]:1>":          false,
		"<1.2.3.4.5:1>":               false,
		"":                            false,
	} {
		if got := IsValidSinful(in); got != want {
			t.Errorf("IsValidSinful(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestPublishAddress(t *testing.T) {
	dir := t.TempDir()
	k := mapKnobs{
		"SCHEDD_ADDRESS_FILE":          filepath.Join(dir, ".schedd_address"),
		"SCHEDD_SUPER_ADDRESS_FILE":    filepath.Join(dir, ".schedd_address.super"),
		"second.SCHEDD_ADDRESS_FILE":   filepath.Join(dir, ".schedd2_address"),
		"COLLECTOR_SUPER_ADDRESS_FILE": filepath.Join(dir, "nodir", "x"),
		"COLLECTOR_ADDRESS_FILE":       filepath.Join(dir, ".collector_address"),
	}
	files, err := PublishAddress(k, "SCHEDD", "", recordedScheddAddr, "<127.0.0.1:46281?alias=vm>", testVersion, testPlatform, nil)
	if err != nil || len(files) != 2 {
		t.Fatalf("%q, %v", files, err)
	}
	if af, err := ReadAddressFile(files[1]); err != nil || af.Addr != "<127.0.0.1:46281?alias=vm>" {
		t.Errorf("super file: %+v, %v", af, err)
	}
	// What a root tool then finds (pitfall 15).
	l := &Locator{Knobs: k, IsRoot: true, LocalFQDN: "vm"}
	if loc, err := l.Locate(context.Background(), Request{Type: TypeSchedd}); err != nil || loc.Addr != "<127.0.0.1:46281?alias=vm>" {
		t.Errorf("root tool finds %+v, %v", loc, err)
	}
	if err := RemoveAddressFiles(files); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if _, err := os.Stat(f); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%s still exists", f)
		}
	}
	files, err = PublishAddress(k, "SCHEDD", "second", "<127.0.0.1:5>", "", testVersion, testPlatform, nil)
	if err != nil || len(files) != 1 || files[0] != filepath.Join(dir, ".schedd2_address") {
		t.Errorf("local name: %q, %v", files, err)
	}
	// A failure removes what was already written.
	files, err = PublishAddress(k, "COLLECTOR", "", "<127.0.0.1:5>", "<127.0.0.1:6>", testVersion, testPlatform, nil)
	if err == nil || !strings.Contains(err.Error(), "COLLECTOR_SUPER_ADDRESS_FILE") || files != nil {
		t.Errorf("%q, %v", files, err)
	}
	if _, err := os.Stat(filepath.Join(dir, ".collector_address")); !errors.Is(err, os.ErrNotExist) {
		t.Error("partial publication left a file")
	}
}
