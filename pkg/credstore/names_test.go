package credstore

import "testing"

func TestValidName(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"mysvc", true},
		{"Svc-1+2=3_4.5", true},
		{"", true}, // HTCondor accepts it; callers give "" its meaning
		{".", true},
		{"..", true},
		{"bad/name", false},
		{"../x", false},
		{"a/b", false},
		{"a b", false},
		{"a\x00b", false},
		{"é", false},
		{"a@b", false},
		{"a*", false},
		{`a\b`, false},
	}
	for _, tt := range tests {
		if got := ValidName(tt.in); got != tt.want {
			t.Errorf("ValidName(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
	for _, u := range []string{"", ".", "..", "a/b"} {
		if validUserName(u) {
			t.Errorf("validUserName(%q) = true, want false", u)
		}
	}
	if !validUserName("htcuser") {
		t.Error(`validUserName("htcuser") = false`)
	}
}

func TestMatchWildcard(t *testing.T) {
	tests := []struct {
		pattern, str string
		want         bool
	}{
		{"condor", "condor", true},
		{"condor", "Condor", false}, // case-sensitive on Unix
		{"condor", "condor2", false},
		{"*", "anything", true},
		{"*", "", true},
		{"cond*", "condor", true},
		{"cond*", "con", false},
		{"*dor", "condor", true},
		{"*dor", "dorcon", false},
		{"c*r", "condor", true},
		{"c*r", "cr", true},
		{"c*r", "c", false},
		{"ab*b", "ab", false}, // the suffix may not overlap the prefix
		{"*on*", "condor", true},
		{"*on*", "cdr", false},
		{"a*b*c", "axb*c", true}, // a second '*' inside is literal
		{"a*b*c", "axbyc", false},
		{"a**", "abc", true},
		{"", "", true},
		{"", "x", false},
	}
	for _, tt := range tests {
		if got := MatchWildcard(tt.pattern, tt.str); got != tt.want {
			t.Errorf("MatchWildcard(%q, %q) = %v, want %v", tt.pattern, tt.str, got, tt.want)
		}
	}
}

func TestURLHost(t *testing.T) {
	tests := []struct {
		in, host string
		ok       bool
	}{
		{"https://trusted.org", "trusted.org", true},
		{"https://trusted.org/v1/path", "trusted.org", true},
		{"https://Vault.Example:8200/x", "Vault.Example:8200", true},
		{"https://user@h/x", "user@h", true},
		{"trusted.org", "", false},
		{"://host", "", false},
		{"https:///path", "", false},
		{"a:///b://c", "c", true},
		{"x://y://z", "y:", true},
		{"", "", false},
	}
	for _, tt := range tests {
		host, ok := urlHost(tt.in)
		if host != tt.host || ok != tt.ok {
			t.Errorf("urlHost(%q) = %q, %v; want %q, %v", tt.in, host, ok, tt.host, tt.ok)
		}
	}
}

func TestParsePid(t *testing.T) {
	tests := []struct {
		in   string
		pid  int
		want bool
	}{
		{"1234", 1234, true},
		{"1234\n", 1234, true},
		{"  +42 junk", 42, true},
		{"0", 0, false},
		{"-5", 0, false},
		{"", 0, false},
		{"abc", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		pid, ok := parsePid([]byte(tt.in))
		if pid != tt.pid || ok != tt.want {
			t.Errorf("parsePid(%q) = %d, %v; want %d, %v", tt.in, pid, ok, tt.pid, tt.want)
		}
	}
}

func TestUserHelpers(t *testing.T) {
	for in, want := range map[string]string{"alice@dom": "alice", "a@b@c": "a@b", "@dom": "", "alice": "", "": ""} {
		got, ok := userPart(in)
		if got != want || ok != (want != "") {
			t.Errorf("userPart(%q) = %q, %v", in, got, ok)
		}
	}
	for in, want := range map[string]bool{"condor_pool@x": true, "condor_pool": true, "condor_pool2@x": false, "x@condor_pool": false, "": false} {
		if got := isPoolUser(in); got != want {
			t.Errorf("isPoolUser(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestCredSorter(t *testing.T) {
	clientID := func(s string) bool { return s == "box" || s == "gh" }
	tests := []struct {
		name   string
		sorter *CredSorter
		svc    string
		want   CredType
	}{
		{"default scitokens", DefaultCredSorter(), "scitokens", LocalIssuerType},
		{"default other", DefaultCredSorter(), "plain", UnknownType},
		{"client", &CredSorter{ClientNames: []string{"c1"}}, "c1", LocalClientType},
		{"oauth2 listed", &CredSorter{OAuth2Names: []string{"box"}}, "box", OAuth2Type},
		{"oauth2 wildcard", &CredSorter{ClientIDDefined: clientID}, "gh", OAuth2Type},
		{"oauth2 listed, other has id", &CredSorter{OAuth2Names: []string{"box"}, ClientIDDefined: clientID}, "gh", UnknownType},
		{"vault listed", &CredSorter{VaultNames: []string{"v"}, VaultEnabled: true}, "v", VaultType},
		{"vault wildcard", &CredSorter{VaultEnabled: true}, "anything", VaultType},
		{"vault wildcard, has id", &CredSorter{VaultEnabled: true, ClientIDDefined: clientID}, "box", OAuth2Type},
		{"pelican", &CredSorter{PelicanNames: []string{"p"}, VaultEnabled: true}, "p", PelicanType},
		{"local beats vault", &CredSorter{LocalNames: []string{"x"}, VaultNames: []string{"x"}}, "x", LocalIssuerType},
	}
	for _, tt := range tests {
		if got := tt.sorter.Sort(tt.svc); got != tt.want {
			t.Errorf("%s: Sort(%q) = %v, want %v", tt.name, tt.svc, got, tt.want)
		}
	}
}
