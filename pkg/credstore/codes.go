package credstore

import "fmt"

// Return codes of STORE_CRED / STORE_POOL_CRED (credentials.md §3,
// htcondor/htcondor: src/condor_utils/store_cred.h). A reply value above
// 100 for an operation other than delete is not a code but a Unix time
// stamp meaning success (see Classify).
const (
	Failure                 = 0  // FAILURE
	Success                 = 1  // SUCCESS
	FailureBadPassword      = 2  // FAILURE_BAD_PASSWORD
	FailureNoImpersonate    = 3  // FAILURE_NO_IMPERSONATE
	FailureNotSecure        = 4  // FAILURE_NOT_SECURE
	FailureNotFound         = 5  // FAILURE_NOT_FOUND
	SuccessPending          = 6  // SUCCESS_PENDING
	FailureNotAllowed       = 7  // FAILURE_NOT_ALLOWED
	FailureBadArgs          = 8  // FAILURE_BAD_ARGS
	FailureProtocolMismatch = 9  // FAILURE_PROTOCOL_MISMATCH
	FailureCredmonTimeout   = 10 // FAILURE_CREDMON_TIMEOUT
	FailureConfigError      = 11 // FAILURE_CONFIG_ERROR
	FailureJSONParse        = 12 // FAILURE_JSON_PARSE
	FailureCredMismatch     = 13 // FAILURE_CRED_MISMATCH
	FailureUntrustedHost    = 14 // FAILURE_UNTRUSTED_HOST
	// FailureAborted is tool-internal and never sent on the wire.
	FailureAborted = -1 // FAILURE_ABORTED
)

// Mode bits: mode = operation | type | flags (credentials.md §2).
const (
	OpAdd    = 0 // GENERIC_ADD
	OpDelete = 1 // GENERIC_DELETE
	OpQuery  = 2 // GENERIC_QUERY
	OpConfig = 3 // GENERIC_CONFIG (Windows only; see Handle)

	TypeKrb   = 0x20 // STORE_CRED_USER_KRB
	TypePwd   = 0x24 // STORE_CRED_USER_PWD
	TypeOAuth = 0x28 // STORE_CRED_USER_OAUTH

	FlagLegacy         = 0x40 // STORE_CRED_LEGACY
	FlagWaitForCredmon = 0x80 // STORE_CRED_WAIT_FOR_CREDMON

	// ModeLegacyPwd is STORE_CRED_LEGACY_PWD, the mode of the untyped
	// "add"/"delete"/"query" actions (100/101/102).
	ModeLegacyPwd = 0x64

	// ModeMask selects the operation, TypeMask the credential type.
	ModeMask = 3
	TypeMask = 0x2C

	// FirstMode and LastMode bound the modes the Unix server accepts after
	// the wait flag is stripped (STORE_CRED_FIRST_MODE = 0x20,
	// STORE_CRED_LAST_MODE = 0x64 + GENERIC_QUERY).
	FirstMode = TypeKrb
	LastMode  = ModeLegacyPwd + OpQuery
)

// PoolUser is the account name that designates the pool password
// (POOL_PASSWORD_USERNAME).
const PoolUser = "condor_pool"

// MaxPasswordLength is the longest pool password accepted
// (MAX_PASSWORD_LENGTH, credentials.md §6.1).
const MaxPasswordLength = 255

// MaxCredLen is the largest credential the server accepts in a modern
// STORE_CRED message (100 MiB, credentials.md §5.1); a longer credlen is a
// protocol mismatch.
const MaxCredLen = 100 * 1024 * 1024

// resultTexts are store_cred_failed's texts, verbatim including the typos
// "communiction" and "my be mismatched" (credentials.md §3, §9 item 4).
var resultTexts = [...]string{
	Failure:                 "Operation failed",
	Success:                 "Operation succeeded",
	FailureBadPassword:      "A credential is stored, but it is invalid",
	FailureNoImpersonate:    "Operation failed because the target daemon is not running as SYSTEM",
	FailureNotSecure:        "Operation aborted because communiction was not secure",
	FailureNotFound:         "No credential is stored",
	SuccessPending:          "A credential is stored, but it has not yet been processed",
	FailureNotAllowed:       "Operation failed because it is not allowed",
	FailureBadArgs:          "Operation aborted due to missing or bad arguments",
	FailureProtocolMismatch: "Arguments are missing, client and server my be mismatched",
	FailureCredmonTimeout:   "The credmon did not process credentials within the timeout period",
	FailureConfigError:      "Operation failed because of a configuration error",
	FailureJSONParse:        "Failure parsing credential as JSON",
	FailureCredMismatch:     "Credential was found but it did not match requested scopes or audience",
	FailureUntrustedHost:    "Credential requires interacting with an untrusted host",
}

// ResultText returns the text condor_store_cred prints on stderr for a
// result code it has no special message for (credentials.md §3, §7.2 last
// row): the §3 table entry for codes 0–14, otherwise "Operation failed:
// unknown error code N" with N truncated to a C int as the tool does.
func ResultText(code int64) string {
	if code >= 0 && code < int64(len(resultTexts)) {
		return resultTexts[code]
	}
	return fmt.Sprintf("Operation failed: unknown error code %d", int32(code))
}

// Outcome is the client-side meaning of a STORE_CRED reply.
type Outcome int

// The four outcomes condor_store_cred distinguishes (credentials.md §7.3).
const (
	// OutcomeFailure: any failure; exit status 1.
	OutcomeFailure Outcome = iota
	// OutcomeSuccess: SUCCESS or a time stamp; exit status 0.
	OutcomeSuccess
	// OutcomePending: SUCCESS_PENDING; exit status 0.
	OutcomePending
	// OutcomeMismatch: FAILURE_CRED_MISMATCH; exit status 2.
	OutcomeMismatch
)

// String returns "failure", "success", "pending" or "mismatch".
func (o Outcome) String() string {
	switch o {
	case OutcomeSuccess:
		return "success"
	case OutcomePending:
		return "pending"
	case OutcomeMismatch:
		return "mismatch"
	}
	return "failure"
}

// ExitCode is condor_store_cred's exit status for the outcome: 0 for
// success and pending, 2 for a scopes/audience mismatch, 1 otherwise
// (credentials.md §7.3).
func (o Outcome) ExitCode() int {
	switch o {
	case OutcomeSuccess, OutcomePending:
		return 0
	case OutcomeMismatch:
		return 2
	}
	return 1
}

// Classify interprets a reply value the way condor_store_cred does
// (store_cred_failed and the time-stamp unpacking, credentials.md §3, §7.1):
// for a mode whose operation is not delete, a value above 100 is the Unix
// time stamp of the stored credential and means success (stamp is then
// that value, otherwise 0). SUCCESS is success, SUCCESS_PENDING pending,
// FAILURE_CRED_MISMATCH a mismatch, anything else a failure — including a
// value above 100 for a delete.
func Classify(code int64, mode int) (o Outcome, stamp int64) {
	if mode&ModeMask != OpDelete && code > 100 {
		return OutcomeSuccess, code
	}
	switch code {
	case Success:
		return OutcomeSuccess, 0
	case SuccessPending:
		return OutcomePending, 0
	case FailureCredMismatch:
		return OutcomeMismatch, 0
	}
	return OutcomeFailure, 0
}

// failed reports whether code is a failure for mode (store_cred_failed).
func failed(code int64, mode int) bool {
	o, _ := Classify(code, mode)
	return o == OutcomeFailure || o == OutcomeMismatch
}
