package tokenreq

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRestartKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "spool", "sub", "token_requests.json")
	opts := Options{Path: path, Rand: ids(642594, 3369998, 5878418, 1103993), Knobs: Knobs{RatePerPeer: -1}}
	s, err := Open(opts)
	noErr(t, err)
	signer := &fakeSigner{}
	alice := start(t, s, t0, requester, "alice@htc.local", []string{"READ", "WRITE"}, 3600, "vm-755")
	bob := start(t, s, t0, requester, "bob@htc.local", nil, 600, "vm-184")
	// A client id that is not UTF-8 must survive the JSON file unchanged.
	odd := start(t, s, t0, user(""), "htcuser@htc.local", nil, -1, "vm-\xff\xfe")
	noErr(t, s.Approve(at(1), admin, bob, "vm-184", signer))
	if _, err := s.AutoApprove(at(2), admin, "10.0.0.0/8", 3600, signer); err != nil {
		t.Fatal(err)
	}
	before, err := s.List(at(3), admin, "")
	noErr(t, err)
	noErr(t, s.Close())

	// Modes: file 0600, created directories 0700.
	for p, want := range map[string]os.FileMode{path: 0o600, filepath.Dir(path): 0o700, filepath.Dir(filepath.Dir(path)): 0o700} {
		fi, err := os.Stat(p)
		noErr(t, err)
		if fi.Mode().Perm() != want {
			t.Errorf("%s mode %04o, want %04o", p, fi.Mode().Perm(), want)
		}
	}

	s = openMem(t, Options{Path: path, Knobs: Knobs{RatePerPeer: -1}})
	after, err := s.List(at(3), admin, "")
	noErr(t, err)
	if diff := cmp.Diff(before, after); diff != "" {
		t.Fatalf("pending requests changed over a restart (-before +after):\n%s", diff)
	}
	if len(after) != 2 || after[0].ID != alice {
		t.Fatalf("listed %+v", after)
	}
	// The approved token is still collectable, once.
	tok, err := s.Finish(at(4), requester, bob, "vm-184")
	if err != nil || tok != "tok1.bob@htc.local..600" {
		t.Fatalf("Finish after restart = %q, %v", tok, err)
	}
	if _, err := s.Finish(at(4), requester, odd, "vm-\xff\xfe"); err != nil {
		t.Fatalf("binary client id lost: %v", err)
	}
	// The rule is still in force.
	res, err := s.Start(at(5), from(requester, "10.1.1.1"), daemonReq("ADVERTISE_STARTD"), signer)
	if err != nil || res.Token == "" {
		t.Fatalf("rule lost over a restart: %+v, %v", res, err)
	}
	// And the collected token stays collected after another restart.
	noErr(t, s.Close())
	s = openMem(t, Options{Path: path})
	_, err = s.Finish(at(6), requester, bob, "vm-184")
	wantErr(t, err, 3, "Request ID is not known.")
}

func TestStateFileFormat(t *testing.T) {
	s, path := openFile(t, Options{Rand: ids(642594)})
	start(t, s, t0, requester, "alice@htc.local", []string{"READ", "WRITE"}, 3600, "vm-755")
	if _, err := s.AutoApprove(t0, admin, "127.0.0.0/8", 600, &fakeSigner{}); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	noErr(t, err)
	want := `{"format":"condor-auth token requests","version":1,"requests":[{"id":"0642594","client_id":"vm-755","requester":"condor@example.net","requested":"alice@htc.local","peer":"127.0.0.1","authz":["READ","WRITE"],"lifetime":3600,"time":1795640663,"state":"pending"}],"rules":[{"netblock":"127.0.0.0/8","issued":1795640663,"expires":1795641263}]}` + "\n"
	if string(data) != want {
		t.Fatalf("state file:\n%s\nwant:\n%s", data, want)
	}
}

// validFile is a state file with one request of each state and a rule.
const validFile = `{"format":"condor-auth token requests","version":1,"requests":[
 {"id":"0000001","client_id":"a","requester":"r@x","requested":"q@x","peer":"127.0.0.1","lifetime":-1,"time":1795640663,"state":"pending"},
 {"id":"0000002","client_id":"b","requester":"r@x","requested":"q@x","peer":"","authz":["READ"],"lifetime":0,"time":1,"state":"successful","token":"t"},
 {"id":"0000003","client_id":{"base64":"/w=="},"requester":"r@x","requested":"q@x","peer":"::1","lifetime":5,"time":2,"state":"failed"},
 {"id":"9999999","client_id":"d","requester":"r@x","requested":"q@x","peer":"x","lifetime":5,"time":3,"state":"expired"}],
 "rules":[{"netblock":"*","issued":1,"expires":1}]}`

func TestCorruptStateFiles(t *testing.T) {
	if _, err := decodeState([]byte(validFile)); err != nil {
		t.Fatalf("the valid file is refused: %v", err)
	}
	mod := func(old, new string) string {
		if !strings.Contains(validFile, old) {
			t.Fatalf("%q not in the valid file", old)
		}
		return strings.Replace(validFile, old, new, 1)
	}
	tests := []struct {
		name, content, want string
	}{
		{"empty", "", "the file is empty"},
		{"blank", " \n", "the file is empty"},
		{"garbage", "\x00\x01garbage", "not a valid state file"},
		{"truncated", validFile[:len(validFile)/2], "not a valid state file"},
		{"trailing data", validFile + "{}", "data after the JSON object"},
		{"null", "null", "not a condor-auth token request state file"},
		{"array", "[]", "not a valid state file"},
		{"other format", mod("condor-auth token requests", "x"), `(format "x")`},
		{"newer version", mod(`"version":1`, `"version":2`), "version 2 is newer"},
		{"version 0", mod(`"version":1`, `"version":0`), "invalid state file version 0"},
		{"unknown field", mod(`"time":1,`, `"time":1,"extra":1,`), "unknown field"},
		{"duplicate id", mod(`"0000002"`, `"0000001"`), "duplicate id 0000001"},
		{"short id", mod(`"0000002"`, `"2"`), "not 7 digits"},
		{"signed id", mod(`"0000002"`, `"+000002"`), "not 7 digits"},
		{"unknown state", mod(`"state":"failed"`, `"state":"done"`), `unknown state "done"`},
		{"no client id", mod(`"client_id":"a"`, `"client_id":""`), "no client id"},
		{"no requested", mod(`"requested":"q@x","peer":"127`, `"requested":"","peer":"127`), "no requested identity"},
		{"no requester", mod(`"requester":"r@x","requested":"q@x","peer":"127`, `"requester":"","requested":"q@x","peer":"127`), "no requester identity"},
		{"lifetime", mod(`"lifetime":-1`, `"lifetime":-2`), "invalid lifetime"},
		{"time", mod(`"time":1795640663`, `"time":-1`), "invalid request time"},
		{"approved without token", mod(`,"token":"t"`, ``), "approved without a token"},
		{"token on pending", mod(`"state":"pending"`, `"state":"pending","token":"t"`), "not approved"},
		{"bad authz", mod(`["READ"]`, `["READ,WRITE"]`), "invalid authorization"},
		{"empty authz", mod(`["READ"]`, `[""]`), "invalid authorization"},
		{"bad base64", mod(`"/w=="`, `"/w="`), "bad base64"},
		{"base64 without key", mod(`{"base64":"/w=="}`, `{}`), `without "base64"`},
		{"base64 extra key", mod(`{"base64":"/w=="}`, `{"base64":"/w==","x":1}`), "unknown field"},
		{"bad netblock", mod(`"netblock":"*"`, `"netblock":"bogus"`), `invalid netblock "bogus"`},
		{"rule expires early", mod(`"issued":1,"expires":1`, `"issued":2,"expires":1`), "expires before"},
		{"wrong type", mod(`"lifetime":5,"time":2`, `"lifetime":"5","time":2`), "not a valid state file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "token_requests.json")
			noErr(t, os.WriteFile(path, []byte(tt.content), 0o600))
			s, err := Open(Options{Path: path})
			if err == nil {
				s.Close()
				t.Fatal("Open accepted a corrupt state file")
			}
			for _, w := range []string{path, "is corrupt", tt.want} {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q does not mention %q", err, w)
				}
			}
			// The file is left alone for inspection, and Open can be retried.
			if data, _ := os.ReadFile(path); string(data) != tt.content {
				t.Fatal("the corrupt file was changed")
			}
			if _, err := Open(Options{Path: path}); err == nil || strings.Contains(err.Error(), "in use") {
				t.Fatalf("second Open: %v", err)
			}
		})
	}
}

func TestStateFileChecks(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	noErr(t, os.WriteFile(path, []byte(validFile), 0o600))
	for _, mode := range []os.FileMode{0o644, 0o640, 0o604, 0o610} {
		noErr(t, os.Chmod(path, mode))
		_, err := Open(Options{Path: path})
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%s has mode %04o", path, mode)) || !strings.Contains(err.Error(), "chmod 600") {
			t.Fatalf("state file with mode %04o: %v", mode, err)
		}
	}
	noErr(t, os.Chmod(path, 0o600))
	s, err := Open(Options{Path: path})
	noErr(t, err)

	// A second process (or store) cannot open the same file.
	_, err = Open(Options{Path: path})
	if err == nil || !strings.Contains(err.Error(), "in use by another process") || !strings.Contains(err.Error(), path) {
		t.Fatalf("second Open: %v", err)
	}
	noErr(t, s.Close())
	s, err = Open(Options{Path: path})
	noErr(t, err)
	s.Close()

	// Symbolic links and directories are refused.
	link := filepath.Join(dir, "link.json")
	noErr(t, os.Symlink(path, link))
	if _, err := Open(Options{Path: link}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("symlink: %v", err)
	}
	sub := filepath.Join(dir, "sub.json")
	noErr(t, os.Mkdir(sub, 0o700))
	if _, err := Open(Options{Path: sub}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Fatalf("directory: %v", err)
	}
	// Too large.
	defer func(old int) { maxStateSize = old }(maxStateSize)
	maxStateSize = len(validFile) - 1
	big := filepath.Join(dir, "big.json")
	noErr(t, os.WriteFile(big, []byte(validFile), 0o600))
	if _, err := Open(Options{Path: big}); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Fatalf("huge file: %v", err)
	}
	maxStateSize = len(validFile)
	s, err = Open(Options{Path: big})
	noErr(t, err)
	s.Close()
	// A directory that cannot be created.
	if _, err := Open(Options{Path: filepath.Join(path, "x", "state.json")}); err == nil || !strings.Contains(err.Error(), "cannot create the directory") {
		t.Fatalf("bad directory: %v", err)
	}
}

func TestStaleTempFilesRemoved(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	stale := filepath.Join(dir, ".state.json.tmp12345")
	other := filepath.Join(dir, ".other.tmp1")
	noErr(t, os.WriteFile(stale, []byte("partial"), 0o600))
	noErr(t, os.WriteFile(other, []byte("x"), 0o600))
	s := openMem(t, Options{Path: path})
	_ = s
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Fatalf("stale temporary file kept: %v", err)
	}
	if _, err := os.Stat(other); err != nil {
		t.Fatalf("unrelated file removed: %v", err)
	}
}

func TestWriteFailureChangesNothing(t *testing.T) {
	s, path := openFile(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	signer := &fakeSigner{}
	id := start(t, s, t0, requester, "a@x", nil, -1, "c")
	approved := start(t, s, t0, requester, "a@x", nil, -1, "s")
	noErr(t, s.Approve(t0, admin, approved, "s", signer))

	// Replace the state file by a non-empty directory: rename fails even as root.
	noErr(t, os.Remove(path))
	noErr(t, os.MkdirAll(filepath.Join(path, "blocker"), 0o700))

	_, err := s.Start(at(1), requester, StartRequest{RequestedIdentity: "a@x", ClientID: "c", Lifetime: -1}, signer)
	wantErr(t, err, CodeNotSaved, "Server could not save the token request state.")
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("the detailed error does not name the file: %v", err)
	}
	wantErr(t, s.Approve(at(1), admin, id, "c", signer), CodeNotSaved, "Server could not save the token request state.")
	_, err = s.AutoApprove(at(1), admin, "*", 60, signer)
	wantErr(t, err, CodeNotSaved, "Server could not save the token request state.")
	wantErr(t, s.Reconfig(at(1)), CodeNotSaved, "Server could not save the token request state.")
	// The token is not handed out when its collection cannot be recorded.
	tok, err := s.Finish(at(1), requester, approved, "s")
	wantErr(t, err, CodeNotSaved, "Server could not save the token request state.")
	if tok != "" {
		t.Fatal("token handed out")
	}
	if ids := listIDs(t, s, at(1), admin, ""); !cmp.Equal(ids, []string{id}) {
		t.Fatalf("state changed by failed writes: %v", ids)
	}
	// Polling a pending request needs no write.
	if tok, err := s.Finish(at(1), requester, id, "c"); err != nil || tok != "" {
		t.Fatalf("poll: %q, %v", tok, err)
	}
	// Once the file can be written again, everything works and no
	// temporary file was left behind.
	noErr(t, os.RemoveAll(path))
	if tok, err := s.Finish(at(2), requester, approved, "s"); err != nil || tok == "" {
		t.Fatalf("Finish after recovery: %q, %v", tok, err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Fatalf("temporary file left: %s", e.Name())
		}
	}
}

func TestBstrRoundTrip(t *testing.T) {
	for _, s := range []string{"", "plain", "üñí", "\xff", "a\x00b", "<>&\"\\", "\xed\xa0\x80"} {
		data, err := json.Marshal(bstr(s))
		noErr(t, err)
		var back bstr
		noErr(t, json.Unmarshal(data, &back))
		if string(back) != s {
			t.Errorf("%q → %s → %q", s, data, back)
		}
	}
}

// TestEncodeMatchesEncodingJSON checks the hand-written encoder against
// encoding/json on the file structure (HTML escaping off, as appendStr
// does not escape <, > and &).
func TestEncodeMatchesEncodingJSON(t *testing.T) {
	st := newState()
	st.reqs[42] = record{id: 42, clientID: "q\"uo\\te\n\r\t\x01\x1f<>&", requester: "ünï", requested: "a@x",
		peer: "::1", authz: []string{"READ", "WRITE"}, lifetime: -1, time: 7, state: Successful, token: "t.o.k"}
	st.reqs[7] = record{id: 7, clientID: "\xff", requester: "r", requested: "q", state: Expired, lifetime: 0}
	st.rules = []rule{{netblock: "10.*", issued: 1, expires: 2}, {netblock: "*", issued: 3, expires: 3}}
	got, err := encodeState(st)
	noErr(t, err)

	f := fileState{Format: fileFormat, Version: fileVersion}
	for _, id := range []int{7, 42} {
		r := st.reqs[id]
		var authz []bstr
		for _, a := range r.authz {
			authz = append(authz, bstr(a))
		}
		f.Requests = append(f.Requests, fileRequest{ID: formatID(id), ClientID: bstr(r.clientID), Requester: bstr(r.requester),
			Requested: bstr(r.requested), Peer: bstr(r.peer), Authz: authz, Lifetime: r.lifetime, Time: r.time,
			State: r.state.String(), Token: bstr(r.token)})
	}
	for _, r := range st.rules {
		f.Rules = append(f.Rules, fileRule{Netblock: bstr(r.netblock), Issued: r.issued, Expires: r.expires})
	}
	var want bytes.Buffer
	enc := json.NewEncoder(&want)
	enc.SetEscapeHTML(false)
	noErr(t, enc.Encode(f))
	if diff := cmp.Diff(want.String(), string(got)); diff != "" {
		t.Fatalf("encodeState differs from encoding/json (-json +ours):\n%s", diff)
	}
	back, err := decodeState(got)
	noErr(t, err)
	if back.reqs[42].clientID != st.reqs[42].clientID || back.reqs[7].clientID != "\xff" {
		t.Fatal("round trip changed a client id")
	}
}

func TestStateSizeLimit(t *testing.T) {
	defer func(old int) { maxStateSize = old }(maxStateSize)
	maxStateSize = 1000
	s, path := openFile(t, Options{Knobs: Knobs{RatePerPeer: -1}})
	var err error
	n := 0
	for ; n < 20 && err == nil; n++ {
		_, err = s.Start(t0, requester, StartRequest{RequestedIdentity: "someone@example.net", ClientID: "c", Lifetime: -1}, &fakeSigner{})
	}
	wantErr(t, err, CodeNotSaved, "Server could not save the token request state.")
	if !strings.Contains(err.Error(), "would exceed 1000 bytes") {
		t.Fatalf("cause: %v", err)
	}
	if got := len(listIDs(t, s, t0, admin, "")); got != n-1 {
		t.Fatalf("%d requests stored, want %d", got, n-1)
	}
	// What was written can be read back.
	noErr(t, s.Close())
	s2, err := Open(Options{Path: path})
	noErr(t, err)
	s2.Close()
}
