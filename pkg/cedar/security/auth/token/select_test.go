package token

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/cedar/security/auth"
	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// LOCAL_CONFIG_DIR_EXCLUDE_REGEXP's default (tokens.md §5.1).
var excludeRE = regexp.MustCompile(`^((\..*)|(.*\.pl)|(.*\.py)|(.*\.sh)|(.*~)|(#.*)|(.*\.rpmsave)|(.*\.rpmnew)|(.*\.dpkg-old)|(.*\.dpkg-dist)|(.*\.cfsaved))$`)

func writeToken(t *testing.T, dir, name, content string, mode os.FileMode) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, mode); err != nil {
		t.Fatal(err)
	}
	return p
}

type notes []string

func (n *notes) peer(td string, keys ...string) *auth.Peer {
	return &auth.Peer{TrustDomain: td, IssuerKeys: keys, Explain: func(f string, a ...any) {
		*n = append(*n, fmt.Sprintf(f, a...))
	}}
}

func (n notes) has(t *testing.T, want string) {
	t.Helper()
	for _, s := range n {
		if strings.Contains(s, want) {
			return
		}
	}
	t.Errorf("no note contains %q; notes:\n%s", want, strings.Join(n, "\n"))
}

func TestSelectFromDirectory(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	dir := t.TempDir()
	good := mint(t, kc, idtoken.MintOptions{Subject: "alice@example.org"})
	other := mint(t, kc, idtoken.MintOptions{Subject: "bob@other.org", Issuer: "other.org"})
	bad := writeToken(t, dir, "a_group_readable", good+"\n", 0o640)
	wrongIss := writeToken(t, dir, "b_other_issuer", other+"\n", 0o600)
	goodPath := writeToken(t, dir, "c_good", "# comment\n\n  "+good+"  \n", 0o600)
	writeToken(t, dir, ".hidden", good, 0o600)

	cli := NewClient(ClientConfig{
		Dirs: idtoken.DirConfig{TokenDir: dir, Exclude: excludeRE},
		Uid:  os.Getuid(), Subsys: "TOOL",
	})
	var n notes
	ok, why := cli.Usable(n.peer("example.org", "POOL"))
	if !ok {
		t.Fatalf("Usable: %s", why)
	}
	n.has(t, "skipped "+bad+": cannot read securely")
	n.has(t, "skipped token in "+wrongIss+` line 1: issued by trust domain "other.org", the server's is "example.org"`)
	n.has(t, "LOCAL_CONFIG_DIR_EXCLUDE_REGEXP")
	n.has(t, "using token in "+goodPath+` line 3 (kid "POOL", iss "example.org", sub "alice@example.org")`)

	// Authenticate reuses the selection made by Usable for the same peer.
	p := n.peer("example.org", "POOL")
	if ok, _ := cli.Usable(p); !ok {
		t.Fatal("not usable")
	}
	before := len(n)
	cerr, s := run(t, cli, NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow }}), p)
	if cerr != nil || s.err != nil || s.id.FQU() != "alice@example.org" {
		t.Fatalf("client %v, server %v, identity %q", cerr, s.err, s.id.FQU())
	}
	for _, note := range n[before:] {
		if strings.Contains(note, "looking for a token") {
			t.Errorf("Authenticate searched again: %q", note)
		}
	}
}

func TestSelectOrder(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	dir := t.TempDir()
	tokA := mint(t, kc, idtoken.MintOptions{Subject: "a@example.org"})
	tokAuto := mint(t, kc, idtoken.MintOptions{Subject: "auto@example.org"})
	tokAPI := mint(t, kc, idtoken.MintOptions{Subject: "api@example.org"})
	writeToken(t, dir, "a", tokA, 0o600)
	writeToken(t, dir, "tool_AUTO_GENERATED_TOKEN", tokAuto, 0o600)
	dirs := idtoken.DirConfig{TokenDir: dir, Exclude: excludeRE}

	for _, c := range []struct {
		name string
		cfg  ClientConfig
		want string
	}{
		{"auto-generated first", ClientConfig{Dirs: dirs, Uid: -1, Subsys: "TOOL"}, "auto@example.org"},
		{"sorted order otherwise", ClientConfig{Dirs: dirs, Uid: -1, Subsys: "SCHEDD"}, "a@example.org"},
		{"direct tokens before the directory", ClientConfig{Dirs: dirs, Uid: -1, Subsys: "TOOL",
			Tokens: []string{"garbage", tokAPI}}, "api@example.org"},
	} {
		var n notes
		ch, why := NewClient(c.cfg).choose(n.peer("example.org", "POOL"))
		if ch == nil || ch.name != c.want {
			t.Errorf("%s: chose %+v (%s), want %s", c.name, ch, why, c.want)
		}
		if len(c.cfg.Tokens) > 0 {
			n.has(t, "skipped token #1 given directly: undecodable")
		}
	}
}

func TestSelectEdgeCases(t *testing.T) {
	kc := poolKeys(t, keyA, nil)
	expired := mint(t, kc, idtoken.MintOptions{Subject: "old@example.org", Lifetime: 1})
	dir := t.TempDir()
	writeToken(t, dir, "old", expired, 0o600)
	cli := NewClient(ClientConfig{Dirs: idtoken.DirConfig{TokenDir: dir, Exclude: excludeRE}, Uid: -1,
		Now: func() time.Time { return testNow.Add(time.Hour) }})
	var n notes
	ch, _ := cli.choose(n.peer("example.org", "POOL"))
	if ch == nil || ch.name != "old@example.org" {
		t.Fatalf("expired-only: chose %+v", ch)
	}
	n.has(t, "it is the only match, so it is tried")

	// The server refuses it; the client's error names the expiry.
	cerr, s := run(t, cli, NewServer(ServerConfig{Keys: kc, Now: func() time.Time { return testNow.Add(time.Hour) }}),
		&auth.Peer{TrustDomain: "example.org", IssuerKeys: []string{"POOL"}})
	if cerr == nil || !strings.Contains(cerr.Error(), "the token expired at 2027-01-15T08:00:01Z") || s.err == nil {
		t.Errorf("client %v, server %v", cerr, s.err)
	}

	emptySub := mint(t, kc, idtoken.MintOptions{Subject: ""})
	fine := mint(t, kc, idtoken.MintOptions{Subject: "x@example.org"})
	noSig := fine[:strings.LastIndexByte(fine, '.')+1]
	for _, c := range []struct{ token, want string }{
		{emptySub, `"sub" is empty`},
		{noSig, "no signature"},
	} {
		var n notes
		ch, why := NewClient(ClientConfig{Tokens: []string{c.token}, NoDirectory: true}).choose(n.peer(""))
		if ch != nil || !strings.Contains(why, "no token") {
			t.Errorf("chose %+v (%s)", ch, why)
		}
		n.has(t, c.want)
	}

	// No exclusion pattern: HTCondor searches no directory at all.
	var n2 notes
	if ok, _ := NewClient(ClientConfig{Dirs: idtoken.DirConfig{TokenDir: dir}}).Usable(n2.peer("example.org")); ok {
		t.Error("usable without LOCAL_CONFIG_DIR_EXCLUDE_REGEXP")
	}
	n2.has(t, "LOCAL_CONFIG_DIR_EXCLUDE_REGEXP is unset")
}
