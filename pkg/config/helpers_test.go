package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// testIdentity is a non-root user with no condor account, so tests never
// depend on the machine's /etc/passwd.
func testIdentity(home string) *Identity {
	return &Identity{UID: 1000, GID: 1000, Name: "alice", Home: home}
}

// writeFile creates dir/name (and parent directories) with content.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// opts returns Options reading global as CONDOR_CONFIG plus extra
// environment entries, with a fixed host name and identity.
func opts(t *testing.T, global string, env ...string) Options {
	t.Helper()
	return Options{
		Env:      append([]string{"CONDOR_CONFIG=" + global}, env...),
		Hostname: "submit.example.org",
		Identity: testIdentity(t.TempDir()),
	}
}

// loadText writes text as the global configuration and loads it.
func loadText(t *testing.T, text string, env ...string) *Config {
	t.Helper()
	dir := t.TempDir()
	c, err := Load(opts(t, writeFile(t, dir, "condor_config", text), env...))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	return c
}

// loadErr writes text as the global configuration and returns Load's error.
func loadErr(t *testing.T, text string, env ...string) (string, error) {
	t.Helper()
	dir := t.TempDir()
	path := writeFile(t, dir, "condor_config", text)
	_, err := Load(opts(t, path, env...))
	if err == nil {
		t.Fatalf("Load succeeded, want an error")
	}
	return path, err
}

// get fails the test unless the knob is defined.
func get(t *testing.T, c *Config, name string) string {
	t.Helper()
	v, ok, err := c.Value(name)
	if err != nil {
		t.Fatalf("Value(%s): %v", name, err)
	}
	if !ok {
		t.Fatalf("%s is not defined", name)
	}
	return v
}

// wantParseError checks that err is a *ParseError at file:line whose
// message contains msg.
func wantParseError(t *testing.T, err error, file string, line int, msg string) {
	t.Helper()
	var pe *ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *ParseError", err, err)
	}
	if pe.File != file || pe.Line != line || !strings.Contains(pe.Msg, msg) {
		t.Fatalf("got %q (file %s line %d), want file %s line %d containing %q", err, pe.File, pe.Line, file, line, msg)
	}
}
