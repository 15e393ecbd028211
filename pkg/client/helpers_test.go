package client

import (
	"bytes"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar"
	"github.com/condor-auth/condor-auth/pkg/config"
)

// clockAt is the transcripts' wall clock (README: around 1795640000).
var clockAt = time.Unix(1795640660, 0)

// attr returns the raw value text of attribute name in wire lines.
func attr(lines []string, name string) string {
	for _, l := range lines {
		if n, v, ok := cedar.SplitAdLine(l); ok && n == name {
			return v
		}
	}
	return ""
}

// fakeConn is a net.Conn that reads a recorded byte stream and records
// what is written.
type fakeConn struct {
	mu     sync.Mutex
	r      *bytes.Reader
	w      bytes.Buffer
	local  net.Addr
	remote net.Addr
	closed bool
}

func (c *fakeConn) Read(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.r.Read(p)
}

func (c *fakeConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	return c.w.Write(p)
}

func (c *fakeConn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return nil
}

func (c *fakeConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]byte(nil), c.w.Bytes()...)
}

func (c *fakeConn) unread() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.r.Len()
}

func (c *fakeConn) LocalAddr() net.Addr              { return c.local }
func (c *fakeConn) RemoteAddr() net.Addr             { return c.remote }
func (c *fakeConn) SetDeadline(time.Time) error      { return nil }
func (c *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (c *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// poolConfig writes the transcripts' pool configuration (README.md "Pool
// configuration") with LOCAL_DIR in a temporary directory, plus extra
// lines, and loads it for the TOOL subsystem. It returns the configuration
// and LOCAL_DIR.
func poolConfig(t testing.TB, extra ...string) (*config.Config, string) {
	t.Helper()
	dir := t.TempDir()
	lines := []string{
		"LOCAL_DIR = " + dir,
		"ETC = $(LOCAL_DIR)/etc", "LOG = $(LOCAL_DIR)/log", "SPOOL = $(LOCAL_DIR)/spool",
		"LOCK = $(LOCAL_DIR)/lock", "RUN = $(LOCAL_DIR)/run",
		"LOCAL_CONFIG_FILE =", "LOCAL_CONFIG_DIR =",
		"CONDOR_IDS = 999.995", "CONDOR_HOST = 127.0.0.1", "NETWORK_INTERFACE = 127.0.0.1",
		"ENABLE_IPV6 = False", "COLLECTOR_HOST = 127.0.0.1:29818", "USE_SHARED_PORT = False",
		"SCHEDD_NAME = schedd@vm", "CREDD_ADDRESS_FILE = $(LOG)/.credd_address",
		"UID_DOMAIN = example.net", "TRUST_DOMAIN = example.net",
		"use security:recommended",
		"SEC_DEFAULT_AUTHENTICATION_METHODS = FS, IDTOKENS, SSL",
		"SEC_CLIENT_AUTHENTICATION_METHODS = FS, IDTOKENS, SSL",
		"FS_LOCAL_DIR = /dev/shm",
		"AUTH_SSL_CLIENT_CAFILE = $(ETC)/ssl/server.crt",
		"SSL_SKIP_HOST_CHECK = True",
	}
	lines = append(lines, extra...)
	path := filepath.Join(dir, "condor_config")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc", "log", "spool", "lock", "run"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := config.Load(config.Options{Subsystem: "TOOL", ConfigFile: path, Env: []string{}, Hostname: "vm"})
	if err != nil {
		t.Fatalf("loading configuration: %v", err)
	}
	return cfg, dir
}

// writeAddressFile writes a daemon address file (drop_addr_file format).
func writeAddressFile(t testing.TB, path, sinful string) {
	t.Helper()
	text := sinful + "\n$CondorVersion: 25.14.0 2026-11-25 PRE-RELEASE-UWCS $\n$CondorPlatform: X86_64-Debian_12 $\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}
