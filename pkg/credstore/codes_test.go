package credstore

import "testing"

// TestResultText checks every row of credentials.md §3, typos included.
func TestResultText(t *testing.T) {
	tests := []struct {
		code int64
		want string
	}{
		{0, "Operation failed"},
		{1, "Operation succeeded"},
		{2, "A credential is stored, but it is invalid"},
		{3, "Operation failed because the target daemon is not running as SYSTEM"},
		{4, "Operation aborted because communiction was not secure"},
		{5, "No credential is stored"},
		{6, "A credential is stored, but it has not yet been processed"},
		{7, "Operation failed because it is not allowed"},
		{8, "Operation aborted due to missing or bad arguments"},
		{9, "Arguments are missing, client and server my be mismatched"},
		{10, "The credmon did not process credentials within the timeout period"},
		{11, "Operation failed because of a configuration error"},
		{12, "Failure parsing credential as JSON"},
		{13, "Credential was found but it did not match requested scopes or audience"},
		{14, "Credential requires interacting with an untrusted host"},
		{15, "Operation failed: unknown error code 15"},
		{-1, "Operation failed: unknown error code -1"},
		{1 << 32, "Operation failed: unknown error code 0"}, // (int) cast of the tool
	}
	for _, tt := range tests {
		if got := ResultText(tt.code); got != tt.want {
			t.Errorf("ResultText(%d) = %q, want %q", tt.code, got, tt.want)
		}
	}
}

// TestClassify checks the client-side reading of replies and the exit
// statuses of credentials.md §7.3.
func TestClassify(t *testing.T) {
	tests := []struct {
		code      int64
		mode      int
		want      Outcome
		wantStamp int64
		exit      int
	}{
		{Success, 40, OutcomeSuccess, 0, 0},
		{SuccessPending, 40, OutcomePending, 0, 0},
		{1795640672, 40, OutcomeSuccess, 1795640672, 0}, // store_cred_oauth.json add reply
		{1795640672, 42, OutcomeSuccess, 1795640672, 0},
		{101, ModeLegacyPwd, OutcomeSuccess, 101, 0},
		{100, 42, OutcomeFailure, 0, 1},
		{1795640672, 41, OutcomeFailure, 0, 1}, // a time stamp is no success for delete
		{Success, 41, OutcomeSuccess, 0, 0},
		{FailureCredMismatch, 42, OutcomeMismatch, 0, 2},
		{FailureNotFound, 42, OutcomeFailure, 0, 1},
		{FailureConfigError, 160, OutcomeFailure, 0, 1},
		{Failure, 100, OutcomeFailure, 0, 1},
		{FailureAborted, 40, OutcomeFailure, 0, 1},
	}
	for _, tt := range tests {
		got, stamp := Classify(tt.code, tt.mode)
		if got != tt.want || stamp != tt.wantStamp {
			t.Errorf("Classify(%d, %d) = %v, %d; want %v, %d", tt.code, tt.mode, got, stamp, tt.want, tt.wantStamp)
		}
		if e := got.ExitCode(); e != tt.exit {
			t.Errorf("Classify(%d, %d).ExitCode() = %d, want %d", tt.code, tt.mode, e, tt.exit)
		}
	}
	for o, s := range map[Outcome]string{OutcomeFailure: "failure", OutcomeSuccess: "success", OutcomePending: "pending", OutcomeMismatch: "mismatch"} {
		if o.String() != s {
			t.Errorf("%d.String() = %q, want %q", o, o.String(), s)
		}
	}
}

// TestModeValues pins the mode integers of credentials.md §2.
func TestModeValues(t *testing.T) {
	tests := []struct {
		name string
		got  int
		want int
	}{
		{"add (legacy)", ModeLegacyPwd | OpAdd, 100},
		{"query (legacy)", ModeLegacyPwd | OpQuery, 102},
		{"add-pwd", TypePwd | OpAdd, 36},
		{"delete-pwd", TypePwd | OpDelete, 37},
		{"add-krb", TypeKrb | OpAdd | FlagWaitForCredmon, 160},
		{"query-krb", TypeKrb | OpQuery, 34},
		{"add-oauth", TypeOAuth | OpAdd, 40},
		{"query-oauth", TypeOAuth | OpQuery, 42},
		{"first", FirstMode, 0x20},
		{"last", LastMode, 0x66},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.got, tt.want)
		}
	}
}
