package credstore

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/condor-auth/condor-auth/pkg/idtoken"
)

// Environment of the helper process: the directory, and which version to
// write first.
const (
	crashEnv      = "CREDSTORE_CRASH_DIR"
	crashStartEnv = "CREDSTORE_CRASH_START"
)

// crashContents are the two versions the helper alternates between: large
// enough that a kill often lands in the middle of a write.
func crashContents() [2][]byte {
	return [2][]byte{
		bytes.Repeat([]byte("A-old-credential."), 16<<10),
		bytes.Repeat([]byte("B-new-credential!"), 18<<10),
	}
}

// crashPasswords are the two pool passwords (at most 255 bytes).
var crashPasswords = [2][]byte{[]byte(strings.Repeat("a", 200)), []byte(strings.Repeat("b", 255))}

func crashStore(dir string) *Store {
	o := DefaultOptions()
	o.OAuthDir = filepath.Join(dir, "oauth")
	o.KrbDir = filepath.Join(dir, "krb")
	o.PoolPasswordFile = filepath.Join(dir, "POOL")
	o.Signal = func(int) error { return nil }
	return New(o)
}

// writeAll stores version i of every credential kind.
func writeAll(s *Store, i int) error {
	c := crashContents()[i%2]
	for _, r := range []Request{
		req("alice@x", "", TypeOAuth|OpAdd, c, map[string]any{"service": "svc", "NeedRefresh": false}),
		req("alice@x", "", TypeOAuth|OpAdd, c, map[string]any{"service": "svc2", "NeedRefresh": true}),
		req("alice@x", "", TypeKrb|OpAdd, c, nil),
	} {
		if rep := s.Handle(r); rep.Code != SuccessPending && rep.Code <= 100 {
			return fmt.Errorf("store failed: %d", rep.Code)
		}
	}
	if code := s.PoolPassword("condor_pool@x", OpAdd, crashPasswords[i%2]); code != Success {
		return fmt.Errorf("pool password failed: %d", code)
	}
	return nil
}

// TestCrashHelper is the subprocess of TestCrashSafety: it writes every
// credential once in the version given by CREDSTORE_CRASH_START, says
// "ready", then alternates versions until it is killed (or 20 s pass).
func TestCrashHelper(t *testing.T) {
	dir := os.Getenv(crashEnv)
	if dir == "" {
		t.Skip("helper process for TestCrashSafety")
	}
	first, _ := strconv.Atoi(os.Getenv(crashStartEnv))
	s := crashStore(dir)
	deadline := time.Now().Add(20 * time.Second)
	for i := first; time.Now().Before(deadline); i++ {
		if err := writeAll(s, i); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(3)
		}
		if i == first {
			fmt.Println("ready")
		}
	}
}

// TestCrashSafety kills a process rewriting credentials at random moments
// and checks that every credential is always exactly the old or the new
// version, and that leftover temporary files never look like credentials.
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	dir := t.TempDir()
	for _, d := range []string{"oauth", "krb"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	s := crashStore(dir)
	if err := writeAll(s, 0); err != nil {
		t.Fatal(err)
	}
	contents := crashContents()
	creds := map[string][2][]byte{
		"oauth/alice/svc.use":  contents,
		"oauth/alice/svc2.top": contents,
		"krb/alice.cred":       contents,
		"POOL":                 {idtoken.Scramble(crashPasswords[0]), idtoken.Scramble(crashPasswords[1])},
	}
	seen := map[string]map[int]bool{}
	start := time.Now()
	kills, tmpSeen := 0, 0
	for kills < 50 && time.Since(start) < 8*time.Second {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashHelper$", "-test.count=1")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir, crashStartEnv+"="+strconv.Itoa(kills+1))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		ready := make(chan bool, 1)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				if sc.Text() == "ready" {
					ready <- true
					return
				}
			}
			ready <- false
		}()
		select {
		case ok := <-ready:
			if !ok {
				cmd.Wait()
				t.Fatalf("helper did not start: %s", stderr.String())
			}
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("helper did not start in time")
		}
		time.Sleep(time.Duration(rand.IntN(25000)) * time.Microsecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() {
			t.Fatalf("helper ended by itself (%v): %s", err, stderr.String())
		}
		kills++

		for name, versions := range creds {
			got, err := os.ReadFile(filepath.Join(dir, name))
			if err != nil {
				t.Fatalf("after kill %d: %v", kills, err)
			}
			v := -1
			for i, want := range versions {
				if bytes.Equal(got, want) {
					v = i
				}
			}
			if v < 0 {
				t.Fatalf("after kill %d: %s is neither version (%d bytes)", kills, name, len(got))
			}
			if seen[name] == nil {
				seen[name] = map[int]bool{}
			}
			seen[name][v] = true
		}
		tmpSeen += checkNoStrayCredentials(t, dir, creds)
		q := s.Handle(req("alice@x", "", TypeOAuth|OpQuery, nil, nil))
		if len(q.Ad) != 3 || q.Ad["svc.use"] == nil || q.Ad["svc2.top"] == nil || q.Code != SuccessPending {
			t.Fatalf("after kill %d a query lists %v (code %d)", kills, q.Ad, q.Code)
		}
	}
	if kills < 5 {
		t.Fatalf("only %d kills in time", kills)
	}
	for name := range creds {
		if len(seen[name]) != 2 {
			t.Errorf("%s never changed version across %d kills: the test did not exercise rewriting", name, kills)
		}
	}
	t.Logf("%d kills in %v; temporary files found after kills: %d", kills, time.Since(start), tmpSeen)
}

// checkNoStrayCredentials fails if a file under dir has a credential
// suffix but is not a known credential; it returns the number of
// temporary files (left by a kill).
func checkNoStrayCredentials(t *testing.T, dir string, creds map[string][2][]byte) int {
	t.Helper()
	tmp := 0
	for _, rel := range tree(t, dir) {
		if strings.HasSuffix(rel, "/") {
			continue
		}
		if _, ok := creds[rel]; ok {
			continue
		}
		for _, ext := range []string{extTop, extUse, extCred, extCC, extMark} {
			if strings.HasSuffix(rel, ext) {
				t.Fatalf("stray file %s looks like a credential", rel)
			}
		}
		if !strings.Contains(filepath.Base(rel), tmpInfix) {
			t.Fatalf("unexpected file %s", rel)
		}
		tmp++
	}
	return tmp
}
