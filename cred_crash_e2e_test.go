package main

// The crash test of issue #5: credentials are stored in a loop while serve
// is SIGKILLed at random moments and restarted; every credential file must
// always be exactly one of the contents sent for it (the atomic writes of
// credentials.md §6.2/§6.3), never empty, partial or mixed.

import (
	"context"
	"crypto/sha256"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/condor-auth/condor-auth/pkg/client"
	"github.com/condor-auth/condor-auth/pkg/credstore"
)

// credTarget is one credential the crash test keeps rewriting.
type credTarget struct {
	name  string // service or Kerberos user name
	path  string // its file
	add   func(payload []byte) client.StoreCredRequest
	query client.StoreCredRequest
}

// credPayload is the content number seq of name: JSON (so a .top can be
// queried) of exactly 4 KiB (A, even seq) or 9 KiB (B, odd seq).
func credPayload(name string, seq int) []byte {
	size, kind := 4096, 'A'
	if seq%2 == 1 {
		size, kind = 9216, 'B'
	}
	b := []byte(fmt.Sprintf(`{"refresh_token":"%s-%06d-%c-`, name, seq, kind))
	for i := 0; len(b) < size-2; i++ {
		b = append(b, byte('a'+(i*7+seq)%26))
	}
	return append(b, '"', '}')
}

// credKill SIGKILLs serve and waits for it; stop() is then a no-op.
func credKill(p *credPool) {
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

// credRestart removes the address files a killed serve left behind and
// starts it again.
func credRestart(t *testing.T, p *credPool) {
	t.Helper()
	stale, _ := filepath.Glob(filepath.Join(p.local, "log", ".*_address*"))
	for _, f := range stale {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
	p.up(t)
}

var credTempName = regexp.MustCompile(`^\.(.+)\.tmp[0-9]+$`)

func TestCredCrashSIGKILL(t *testing.T) {
	t.Parallel()
	p := credServe(t, "CRED_SUPER_USERS = root, condor\n", true)
	p.up(t)
	defer func() { p.stop(t) }()
	u := p.userDir()
	oauth := func(svc, ext string, refresh bool) credTarget {
		return credTarget{name: svc, path: filepath.Join(u, svc+ext),
			add: func(b []byte) client.StoreCredRequest {
				return client.StoreCredRequest{Mode: 40, Cred: b, Ad: map[string]any{"service": svc, "NeedRefresh": refresh}}
			},
			query: client.StoreCredRequest{Mode: 42, Ad: map[string]any{"service": svc}}}
	}
	krb := func(user string) credTarget {
		return credTarget{name: user, path: filepath.Join(p.krb, user+".cred"),
			add: func(b []byte) client.StoreCredRequest {
				return client.StoreCredRequest{User: user + "@e2e.local", Mode: 0xA0, Cred: b, Ad: map[string]any{}}
			},
			query: client.StoreCredRequest{User: user + "@e2e.local", Mode: 34, Ad: map[string]any{}}}
	}
	targets := []credTarget{oauth("s0", ".top", true), oauth("s1", ".top", true), oauth("u0", ".use", false), krb("k0"), krb("k1")}

	// Every content ever sent, by target, recorded before it is sent.
	var mu sync.Mutex
	sent := map[string]map[[32]byte]bool{}
	record := func(name string, b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if sent[name] == nil {
			sent[name] = map[[32]byte]bool{}
		}
		sent[name][sha256.Sum256(b)] = true
	}
	strays := map[string]bool{}
	verify := func(final bool) {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		for _, tg := range targets {
			data, err := os.ReadFile(tg.path)
			if os.IsNotExist(err) && !final {
				continue
			}
			fi, serr := os.Lstat(tg.path)
			if err != nil || serr != nil {
				t.Fatalf("%s: %v %v", tg.path, err, serr)
			}
			if !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || (len(data) != 4096 && len(data) != 9216) || !sent[tg.name][sha256.Sum256(data)] {
				t.Fatalf("%s: mode %v, %d bytes starting %.40q: not one of the %d contents sent", tg.path, fi.Mode(), len(data), data, len(sent[tg.name]))
			}
		}
		// Nothing but the credentials and the temporary files of writes a
		// kill interrupted (".<name>.tmp<digits>", never taken for one).
		for _, dir := range []string{u, p.krb} {
			entries, err := os.ReadDir(dir)
			if os.IsNotExist(err) && !final {
				continue // the first store has not happened yet
			}
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range entries {
				known := false
				for _, tg := range targets {
					base := filepath.Base(tg.path)
					if filepath.Dir(tg.path) == dir && (e.Name() == base || credTempName.FindStringSubmatch(e.Name()) != nil && credTempName.FindStringSubmatch(e.Name())[1] == base) {
						known = true
					}
				}
				if !known {
					t.Fatalf("unexpected file %s in %s", e.Name(), dir)
				}
				if e.Name()[0] == '.' {
					strays[filepath.Join(dir, e.Name())] = true
				}
			}
		}
	}

	// The writers: one per credential, each with its own client, storing
	// A and B contents alternately until told to stop.
	var stop atomic.Bool
	var attempts, stored, failed atomic.Int64
	var wg sync.WaitGroup
	var badMu sync.Mutex
	var bad []string
	for _, tg := range targets {
		wg.Add(1)
		c := p.credClient(t)
		go func(tg credTarget) {
			defer wg.Done()
			for seq := 0; !stop.Load(); seq++ {
				b := credPayload(tg.name, seq)
				record(tg.name, b)
				ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
				rep, err := c.StoreCred(ctx, client.Target{Timeout: 3 * time.Second}, tg.add(b))
				cancel()
				attempts.Add(1)
				switch o, _ := credstore.Classify(rep.Code, 40); {
				case err != nil:
					// Expected while serve is down or was killed mid-request.
					failed.Add(1)
					time.Sleep(5 * time.Millisecond)
				case o == credstore.OutcomeSuccess || o == credstore.OutcomePending:
					stored.Add(1)
				default:
					badMu.Lock()
					bad = append(bad, fmt.Sprintf("%s seq %d: answer %d", tg.name, seq, rep.Code))
					badMu.Unlock()
				}
			}
		}(tg)
	}

	seed := time.Now().UnixNano()
	if s := os.Getenv("CONDOR_AUTH_CRASH_SEED"); s != "" {
		seed, _ = strconv.ParseInt(s, 10, 64)
	}
	t.Logf("crash test seed %d (set CONDOR_AUTH_CRASH_SEED to replay the kill schedule)", seed)
	rng := rand.New(rand.NewSource(seed))
	start := time.Now()
	kills := 0
	for ; kills < 40 && time.Since(start) < 7*time.Second; kills++ {
		time.Sleep(time.Duration(20+rng.Intn(250)) * time.Millisecond)
		credKill(p)
		verify(false)
		credRestart(t, p)
	}
	stop.Store(true)
	wg.Wait()
	verify(false)
	if len(bad) > 0 {
		t.Fatalf("the credd answered requests with failures: %v", bad)
	}
	t.Logf("%d kills in %v: %d stores attempted, %d acknowledged, %d failed (connections cut or refused by the kills); %d temporary files left by interrupted writes",
		kills, time.Since(start).Round(time.Millisecond), attempts.Load(), stored.Load(), failed.Load(), len(strays))
	if stored.Load() == 0 || kills == 0 {
		t.Fatalf("the test exercised nothing")
	}

	// After the last restart: a store succeeds and leaves exactly its
	// content, and a query reports that file's time.
	p.credAddr(t)
	c := p.credClient(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	tgt := client.Target{Timeout: 10 * time.Second}
	for _, tg := range targets {
		b := credPayload(tg.name, 1_000_001)
		record(tg.name, b)
		rep, err := c.StoreCred(ctx, tgt, tg.add(b))
		if o, _ := credstore.Classify(rep.Code, 40); err != nil || (o != credstore.OutcomeSuccess && o != credstore.OutcomePending) {
			t.Fatalf("%s: final store: %d %v", tg.name, rep.Code, err)
		}
		credWant(t, tg.path, string(b))
		rep, err = c.StoreCred(ctx, tgt, tg.query)
		if err != nil {
			t.Fatalf("%s: query: %v", tg.name, err)
		}
		mt := credMtime(t, tg.path)
		attr, code := "Top"+tg.name+"Time", int64(credstore.SuccessPending)
		switch {
		case strings.HasSuffix(tg.path, ".use"):
			attr, code = tg.name, credstore.Success
		case strings.HasSuffix(tg.path, ".cred"):
			attr = "CredTime"
		}
		if got, ok := rep.Ad.GetInt(attr); rep.Code != code || !ok || got != mt {
			t.Fatalf("%s: query answered %d with %s = %d, want %d and the file's mtime %d", tg.name, rep.Code, attr, got, code, mt)
		}
	}
	verify(true)
	// The listing names the credentials only, whatever temporary files the
	// kills left.
	rep, err := c.StoreCred(ctx, tgt, client.StoreCredRequest{Mode: 42, Ad: map[string]any{}})
	if err != nil {
		t.Fatal(err)
	}
	names := rep.Ad.Names()
	sort.Strings(names)
	if diff := cmp.Diff([]string{"fully_qualified_user", "s0.top", "s1.top", "u0.use"}, names); diff != "" || rep.Code != credstore.SuccessPending {
		t.Fatalf("query of every OAuth credential answered %d (-want +got):\n%s", rep.Code, diff)
	}
}
