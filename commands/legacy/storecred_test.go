package legacy

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const sc = ToolStoreCred

// TestStoreCredParseErrors: real-tools.md §9.2 rows S1–S23 plus the
// duplicate-switch and ordering rules of credentials.md §1.2.
func TestStoreCredParseErrors(t *testing.T) {
	U := func(msg string) exitCase { return exitCase{tool: sc, code: 1, stderr: msg, usage: true} }
	M := func(msg string) exitCase { return exitCase{tool: sc, code: 1, stderr: msg} }
	rows := []struct {
		id   string
		args []string
		c    exitCase
	}{
		{"S1", []string{"-h"}, U("")},
		{"S2", []string{"-help"}, U("")},
		{"S3", nil, U("")},
		{"S4", []string{"-c"}, U("")},
		{"S5", []string{"frobnicate"}, U("ERROR: Unrecognized command - 'frobnicate'\n\n")},
		{"S6", []string{"add", "-z"}, U("ERROR: Unrecognized option - '-z'\n\n")},
		{"S7", []string{"-x"}, U("ERROR: Unrecognized option - '-x'\n\n")},
		{"S8", []string{"--help"}, U("ERROR: Unrecognized option - '--help'\n\n")},
		{"S9", []string{"add", "-debug", "-zz"}, U("ERROR: Unrecognized option - '-zz'\n\n")},
		{"S10", []string{"add-bogus"}, U("ERROR: -bogus is not a known credential type\n")},
		{"S11", []string{"add-o"}, U("ERROR: -o is not a known credential type\n")},
		{"S12", []string{"add", "delete"}, U("ERROR: exactly one command must be provided\n")},
		{"S13", []string{"-f"}, U("ERROR: Option '-f' requires a filename argument\n\n")},
		{"S14", []string{"add", "-n"}, U("ERROR: Option '-n' requires a name argument\n\n")},
		{"S15", []string{"add", "-p"}, U("ERROR: Option '-p' requires a password argument\n\n")},
		{"S16", []string{"add", "-i"}, U("ERROR: Option '-i' requires a filename argument\n\n")},
		{"S17", []string{"add", "-u", "alice"}, U("ERROR: Username 'alice' is not of the form: account@domain\n")},
		{"S18", []string{"add", "-c", "-u", "a@b"}, U("ERROR: only one of '-s' or '-u' may be provided\n")},
		{"S19", []string{"ADD-OAUTH"}, M("ERROR: add-krb and add-oauth commands require a credential filename argument\nERROR: add-oauth command requires a service name\n")},
		{"S20", []string{"add-oauth", "-s", "myservice"}, M("ERROR: add-krb and add-oauth commands require a credential filename argument\n")},
		{"S21", []string{"add-oauth", "-i", "cred"}, M("ERROR: add-oauth command requires a service name\n")},
		{"S22", []string{"add-krb"}, M("ERROR: add-krb and add-oauth commands require a credential filename argument\n")},
		{"S23", []string{"-c", "query"}, M("Querying the pool password is not supported.\n")},
		{"RB18", []string{"query", "-c"}, M("Querying the pool password is not supported.\n")},
		{"RB19", []string{"add-foo"}, U("ERROR: -foo is not a known credential type\n")},

		// The missing-argument message names the switch as typed.
		{"needs_name_long", []string{"-name"}, U("ERROR: Option '-name' requires a name argument\n\n")},
		{"needs_username", []string{"-u"}, U("ERROR: Option '-u' requires a username argument\n\n")},
		{"needs_service", []string{"add", "-s"}, U("ERROR: Option '-s' requires a service argument\n\n")},
		{"needs_handle", []string{"add", "-H"}, U("ERROR: Option '-H' requires a handle argument\n\n")},
		{"needs_scopes", []string{"add", "-Scopes"}, U("ERROR: Option '-Scopes' requires a scopes argument\n\n")},
		{"needs_audience", []string{"add", "-A"}, U("ERROR: Option '-A' requires a audience argument\n\n")},
		// Duplicates.
		{"dup_n", []string{"add", "-n", "a", "-n", "b"}, U("ERROR: only one '-n' arg may be provided\n")},
		{"dup_p", []string{"add", "-p", "a", "-pw", "b"}, U("ERROR: only one '-p' arg may be provided\n")},
		{"dup_p_empty", []string{"add", "-p", "", "-p", "b"}, U("ERROR: only one '-p' arg may be provided\n")},
		{"dup_c", []string{"add", "-c", "-c"}, U("ERROR: only one '-c' or '-u' arg may be provided\n")},
		{"u_then_c", []string{"add", "-u", "a@b", "-c"}, U("ERROR: only one '-c' or '-u' arg may be provided\n")},
		{"dup_u", []string{"add", "-u", "a@b", "-u", "c@d"}, U("ERROR: only one of '-s' or '-u' may be provided\n")},
		{"dup_i", []string{"add", "-i", "a", "-i", "b"}, U("ERROR: credential filename already specified\n")},
		{"dup_s", []string{"add", "-s", "a", "-s", "b"}, U("ERROR: OAuth service already specified\n")},
		{"dup_H", []string{"add", "-H", "a", "-H", "b"}, U("ERROR: OAuth handle already specified\n")},
		{"dup_S", []string{"add", "-S", "a", "-S", "b"}, U("ERROR: OAuth scopes already specified\n")},
		{"dup_A", []string{"add", "-A", "a", "-A", "b"}, U("ERROR: OAuth audience already specified\n")},
		// -u forms.
		{"u_at_first", []string{"add", "-u", "@b"}, U("ERROR: Username '@b' is not of the form: account@domain\n")},
		{"u_at_last", []string{"add", "-u", "a@"}, U("ERROR: Username 'a@' is not of the form: account@domain\n")},
		{"u_empty", []string{"add", "-u", ""}, U("ERROR: Username '' is not of the form: account@domain\n")},
		// Action words.
		{"prefix_named", []string{"addx-krb"}, U("ERROR: Unrecognized command - 'addx'\n\n")},
		{"whole_word_named", []string{"frob-x"}, U("ERROR: Unrecognized command - 'frob-x'\n\n")},
		{"empty_word", []string{""}, U("ERROR: Unrecognized command - ''\n\n")},
		// A prefix longer than 15 bytes overflows the original's 16-byte
		// buffer (undefined behaviour); here it is cut to 15 bytes.
		{"long_prefix", []string{"addaddaddaddaddadd-krb"}, U("ERROR: Unrecognized command - 'addaddaddaddadd'\n\n")},
		{"prefix_15", []string{"deleteeeeeeeeee-krb"}, U("ERROR: Unrecognized command - 'deleteeeeeeeeee'\n\n")},
		{"bare_dash", []string{"-"}, U("ERROR: Unrecognized option - '-'\n\n")},
		{"uppercase_switch", []string{"add", "-N", "x"}, U("ERROR: Unrecognized option - '-N'\n\n")},
		{"type_case_kept", []string{"query-BOGUS"}, U("ERROR: -BOGUS is not a known credential type\n")},
		{"type_bare_dash", []string{"add-"}, U("ERROR: - is not a known credential type\n")},
		{"type_double_dash_partial", []string{"add--p"}, U("ERROR: --p is not a known credential type\n")},
		{"type_k", []string{"delete-k"}, U("ERROR: -k is not a known credential type\n")},
		{"type_sc", []string{"add-sc"}, U("ERROR: -sc is not a known credential type\n")},
		{"type_extra", []string{"add-krb-x"}, U("ERROR: -krb-x is not a known credential type\n")},
		{"query_then_delete", []string{"query", "delete-krb"}, U("ERROR: exactly one command must be provided\n")},
		// -f forces "add": a later different action is a second command.
		{"f_then_delete", []string{"-f", "pw", "delete"}, U("ERROR: exactly one command must be provided\n")},
		// The loop stops at the first error; -h only sets a flag.
		{"help_then_bad", []string{"-h", "-z"}, U("ERROR: Unrecognized option - '-z'\n\n")},
		{"help_then_validation", []string{"-h", "add-oauth"}, M("ERROR: add-krb and add-oauth commands require a credential filename argument\nERROR: add-oauth command requires a service name\n")},
		{"help_with_action", []string{"add", "-p", "x", "-h"}, U("")},
		{"d_noise_then_no_action", []string{"-dx"}, U("")},
	}
	var cases []exitCase
	for _, r := range rows {
		c := r.c
		c.id, c.args = r.id, r.args
		cases = append(cases, c)
	}
	runExitCases(t, cases)
}

// TestStoreCredUsesBasename: the usage names the basename of argv0; error
// messages carry no program name (real-tools.md §11).
func TestStoreCredUsesBasename(t *testing.T) {
	_, err := ParseStoreCred("/usr/sbin/condor_store_cred", []string{"bogus"})
	wantExit(t, err, 1, "", "ERROR: Unrecognized command - 'bogus'\n\n"+golden(t, sc, "condor_store_cred"))
	_, err = ParseStoreCred("./mysc", nil)
	wantExit(t, err, 1, "", strings.Replace(golden(t, sc, "condor_store_cred"), "Usage: condor_store_cred", "Usage: mysc", 1))
}

// TestStoreCredModes: credentials.md §2's mode table.
func TestStoreCredModes(t *testing.T) {
	tests := []struct {
		args   []string
		mode   int
		action StoreCredAction
		typ    CredType
		legacy bool
	}{
		{[]string{"add"}, 100, ActionAdd, CredPassword, true},
		{[]string{"delete"}, 101, ActionDelete, CredPassword, true},
		{[]string{"query"}, 102, ActionQuery, CredPassword, true},
		{[]string{"add-pwd"}, 36, ActionAdd, CredPassword, false},
		{[]string{"delete-pwd"}, 37, ActionDelete, CredPassword, false},
		{[]string{"query-pwd"}, 38, ActionQuery, CredPassword, false},
		{[]string{"add-krb", "-i", "f"}, 160, ActionAdd, CredKerberos, false},
		{[]string{"delete-krb"}, 33, ActionDelete, CredKerberos, false},
		{[]string{"query-krb"}, 34, ActionQuery, CredKerberos, false},
		{[]string{"add-oauth", "-s", "svc", "-i", "f"}, 40, ActionAdd, CredOAuth, false},
		{[]string{"delete-oauth"}, 41, ActionDelete, CredOAuth, false},
		{[]string{"query-oauth"}, 42, ActionQuery, CredOAuth, false},
		// Type spellings (credentials.md §1.1, real-tools.md §12).
		{[]string{"add-p"}, 36, ActionAdd, CredPassword, false},
		{[]string{"add-pa"}, 36, ActionAdd, CredPassword, false},
		{[]string{"add-PASSWORD"}, 36, ActionAdd, CredPassword, false},
		{[]string{"add--pwd"}, 36, ActionAdd, CredPassword, false},
		{[]string{"query-kr"}, 34, ActionQuery, CredKerberos, false},
		{[]string{"query-ke"}, 34, ActionQuery, CredKerberos, false},
		{[]string{"Query-Kerberos"}, 34, ActionQuery, CredKerberos, false},
		{[]string{"query-oa"}, 42, ActionQuery, CredOAuth, false},
		{[]string{"query-oat"}, 42, ActionQuery, CredOAuth, false},
		{[]string{"query-oath"}, 42, ActionQuery, CredOAuth, false},
		{[]string{"query-sci"}, 42, ActionQuery, CredOAuth, false},
		{[]string{"QUERY-SCITOKENS"}, 42, ActionQuery, CredOAuth, false},
		{[]string{"DeLeTe"}, 101, ActionDelete, CredPassword, true},
		// A repeated action is accepted and its suffix ignored, even a bad one.
		{[]string{"query-krb", "query-bogus"}, 34, ActionQuery, CredKerberos, false},
		{[]string{"add", "add"}, 100, ActionAdd, CredPassword, true},
		// -f resets the mode to a plain add, dropping the type.
		{[]string{"add-krb", "-i", "k", "-f", "pw"}, 100, ActionAdd, CredPassword, true},
		{[]string{"delete-oauth", "-f", "pw"}, 100, ActionAdd, CredPassword, true},
		{[]string{"-f", "pw", "add-krb"}, 100, ActionAdd, CredPassword, true},
		{[]string{"-f", "pw"}, 100, ActionAdd, CredPassword, true},
	}
	for _, tt := range tests {
		got, err := ParseStoreCred(sc, tt.args)
		if err != nil {
			t.Errorf("%q: unexpected error %v", tt.args, err)
			continue
		}
		if got.Mode != tt.mode || got.Action != tt.action || got.Type != tt.typ || got.Legacy != tt.legacy {
			t.Errorf("%q: mode %d action %v type %v legacy %v; want %d %v %v %v",
				tt.args, got.Mode, got.Action, got.Type, got.Legacy, tt.mode, tt.action, tt.typ, tt.legacy)
		}
	}
}

func TestParseStoreCredFields(t *testing.T) {
	long := "a@" + strings.Repeat("d", 300)
	tests := []struct {
		id   string
		args []string
		want *StoreCredArgs
		src  CredSource
	}{
		{"P1", []string{"-c", "add", "-p", "secret123"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PoolPassword: true, Password: "secret123", HasPassword: true, NeedRefresh: true},
			SourcePassword},
		{"P2", []string{"-c", "add", "-p", "-"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PoolPassword: true, Password: "-", HasPassword: true, NeedRefresh: true},
			SourcePasswordStdin},
		{"P3", []string{"-c", "add"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PoolPassword: true, NeedRefresh: true},
			SourcePrompt},
		{"P4", []string{"-c", "delete"},
			&StoreCredArgs{Mode: 101, Action: ActionDelete, Type: CredPassword, Legacy: true, PoolPassword: true, NeedRefresh: true},
			SourcePrompt},
		{"P7", []string{"-c", "add", "-p", "x", "-n", "127.0.0.1"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PoolPassword: true, Password: "x", HasPassword: true, DaemonName: "127.0.0.1", HasDaemonName: true, NeedRefresh: true},
			SourcePassword},
		{"P10", []string{"-f", "pwfile", "-p", "secret"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PasswordFile: "pwfile", HasPasswordFile: true, Password: "secret", HasPassword: true, NeedRefresh: true},
			SourcePassword},
		{"P11", []string{"-f", "pwfile2"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PasswordFile: "pwfile2", HasPasswordFile: true, NeedRefresh: true},
			SourcePrompt},
		// -f short-circuits before the "query with -c" check.
		{"f_with_c", []string{"-c", "-f", "pw"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, PoolPassword: true, PasswordFile: "pw", HasPasswordFile: true, NeedRefresh: true},
			SourcePrompt},
		{"W1", []string{"add", "-p", "userpass"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, Password: "userpass", HasPassword: true, NeedRefresh: true},
			SourcePassword},
		{"empty_p_prompts", []string{"add", "-p", ""},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, HasPassword: true, NeedRefresh: true},
			SourcePrompt},
		{"O4", []string{"add-oauth", "-s", "myservice", "-i", "cred"},
			&StoreCredArgs{Mode: 40, Type: CredOAuth, Service: "myservice", HasService: true, CredentialFile: "cred", HasCredentialFile: true, NeedRefresh: true},
			SourceFile},
		{"O10", []string{"query-oauth", "-s", "jsonsvc", "-S", "read,write"},
			&StoreCredArgs{Mode: 42, Action: ActionQuery, Type: CredOAuth, Service: "jsonsvc", HasService: true, Scopes: "read,write", HasScopes: true, NeedRefresh: true},
			SourceNone},
		{"O12", []string{"add-oauth", "-P", "-s", "plainsvc", "-H", "h1", "-i", "cred"},
			&StoreCredArgs{Mode: 40, Type: CredOAuth, Plain: true, Service: "plainsvc", HasService: true, Handle: "h1", HasHandle: true, CredentialFile: "cred", HasCredentialFile: true},
			SourceFile},
		{"O14", []string{"add-oauth", "-s", "stdinsvc", "-i", "-"},
			&StoreCredArgs{Mode: 40, Type: CredOAuth, Service: "stdinsvc", HasService: true, CredentialFile: "-", HasCredentialFile: true, NeedRefresh: true},
			SourceStdin},
		{"O21", []string{"add-oauth", "-u", "alice@htc.local", "-s", "svc", "-i", "cred", "-A", "https://aud"},
			&StoreCredArgs{Mode: 40, Type: CredOAuth, User: "alice@htc.local", Service: "svc", HasService: true, CredentialFile: "cred", HasCredentialFile: true, Audience: "https://aud", HasAudience: true, NeedRefresh: true},
			SourceFile},
		{"O22", []string{"delete-oauth"},
			&StoreCredArgs{Mode: 41, Action: ActionDelete, Type: CredOAuth, NeedRefresh: true},
			SourceNone},
		{"K3", []string{"add-krb", "-i", "krbfile"},
			&StoreCredArgs{Mode: 160, Type: CredKerberos, CredentialFile: "krbfile", HasCredentialFile: true, NeedRefresh: true},
			SourceFile},
		// -i wins over -p; the second letter alone selects the switch.
		{"i_over_p", []string{"-pool", "pw", "-input", "f", "add"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, Password: "pw", HasPassword: true, CredentialFile: "f", HasCredentialFile: true, NeedRefresh: true},
			SourceFile},
		{"u_truncated", []string{"query", "-u", long},
			&StoreCredArgs{Mode: 102, Action: ActionQuery, Type: CredPassword, Legacy: true, User: long[:255], NeedRefresh: true},
			SourcePrompt},
		{"u_two_ats", []string{"query", "-u", "a@b@"},
			&StoreCredArgs{Mode: 102, Action: ActionQuery, Type: CredPassword, Legacy: true, User: "a@b@", NeedRefresh: true},
			SourcePrompt},
		{"debug_flags", []string{"query", "-debug:D_SECURITY"},
			&StoreCredArgs{Mode: 102, Action: ActionQuery, Type: CredPassword, Legacy: true, Debug: true, DebugFlags: "D_SECURITY", NeedRefresh: true},
			SourcePrompt},
		{"d_alone", []string{"query", "-d"},
			&StoreCredArgs{Mode: 102, Action: ActionQuery, Type: CredPassword, Legacy: true, Debug: true, NeedRefresh: true},
			SourcePrompt},
		{"d_noise_ignored", []string{"query", "-dz"},
			&StoreCredArgs{Mode: 102, Action: ActionQuery, Type: CredPassword, Legacy: true, NeedRefresh: true},
			SourcePrompt},
		{"values_may_start_with_dash", []string{"add", "-n", "-x", "-s", "-h"},
			&StoreCredArgs{Mode: 100, Type: CredPassword, Legacy: true, DaemonName: "-x", HasDaemonName: true, Service: "-h", HasService: true, NeedRefresh: true},
			SourcePrompt},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			got, err := ParseStoreCred(sc, tt.args)
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mismatch (-want +got):\n%s", diff)
			}
			if s := got.Source(); s != tt.src {
				t.Errorf("Source() = %v, want %v", s, tt.src)
			}
		})
	}
}

// TestStoreCredDaemonNameHook: with a canonicaliser, an invalid -n ends the
// parse at once with one line and no usage (real-tools.md S24–S26).
func TestStoreCredDaemonNameHook(t *testing.T) {
	var seen []string
	opt := StoreCredOptions{CanonicalDaemonName: func(n string) (string, bool) {
		seen = append(seen, n)
		if n == "myhost" {
			return "", false
		}
		return n + "@canon", true
	}}
	_, err := ParseStoreCredWith(sc, []string{"-c", "add", "-p", "viaMaster", "-n", "myhost"}, opt)
	wantExit(t, err, 1, "", "ERROR: myhost is not a valid daemon name\n")
	// Stops there: the later bad option is never looked at.
	_, err = ParseStoreCredWith(sc, []string{"add", "-n", "myhost", "-z"}, opt)
	wantExit(t, err, 1, "", "ERROR: myhost is not a valid daemon name\n")
	got, err := ParseStoreCredWith(sc, []string{"-c", "add", "-p", "x", "-n", "h"}, opt)
	if err != nil {
		t.Fatalf("unexpected error %v", err)
	}
	if got.DaemonName != "h@canon" || !got.HasDaemonName {
		t.Errorf("DaemonName = %q, %v; want canonical name", got.DaemonName, got.HasDaemonName)
	}
	if want := []string{"myhost", "myhost", "h"}; !cmp.Equal(seen, want) {
		t.Errorf("canonicaliser calls = %q, want %q", seen, want)
	}
	if e := InvalidDaemonNameExit("x"); e.Code != 1 || e.Stderr != "ERROR: x is not a valid daemon name\n" || e.Stdout != "" {
		t.Errorf("InvalidDaemonNameExit = %+v", e)
	}
}

func TestStoreCredStrings(t *testing.T) {
	for v, want := range map[StoreCredAction]string{ActionAdd: "add", ActionDelete: "delete", ActionQuery: "query", 3: "unknown"} {
		if got := v.String(); got != want {
			t.Errorf("StoreCredAction(%d).String() = %q, want %q", v, got, want)
		}
	}
	for v, want := range map[CredType]string{CredPassword: "password", CredKerberos: "kerberos", CredOAuth: "oauth", 0: "unknown"} {
		if got := v.String(); got != want {
			t.Errorf("CredType(%#x).String() = %q, want %q", int(v), got, want)
		}
	}
}
