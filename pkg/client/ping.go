package client

import (
	"context"
	"strconv"
	"strings"

	"github.com/condor-auth/condor-auth/pkg/cedar/security"
	"github.com/condor-auth/condor-auth/pkg/classad"
	"github.com/condor-auth/condor-auth/pkg/condorerr"
)

// PingResult is what a DC_SEC_QUERY reveals about the session a command
// would get (condor_ping -verbose, real-tools.md §10).
type PingResult struct {
	// Addr is the daemon's address.
	Addr string
	// Identity is how the daemon mapped us ("unauthenticated@unmapped"
	// without authentication); Method the authentication method
	// ("IDTOKENS", "FS", …, "" for none); Sid the session id.
	Identity, Method, Sid string
	// Encrypted reports AES-GCM on the connection; Authenticated that a
	// method succeeded.
	Encrypted, Authenticated bool
	// ValidCommands are the commands the session may be resumed for.
	ValidCommands []int
	// ReturnCode is the post-auth ReturnCode ("AUTHORIZED").
	ReturnCode string
	// Notes are the handshake's explanations (which methods were offered
	// and why, which token was chosen), never secrets.
	Notes []string

	// Command is the command whose authorization was queried.
	Command int
	// Authorized is the daemon's AuthorizationSucceeded answer.
	Authorized bool
	// RemoteVersion and AuthMethodsList are the daemon's.
	RemoteVersion, AuthMethodsList string
	// Answer is the DC_SEC_QUERY answer ad: AuthorizationSucceeded and the
	// AuthToken* attributes of a token-authenticated session.
	Answer *classad.Ad
}

// pingCommands maps permission levels to the command condor_ping uses to
// test them (getSampleCommand: the DC_NOP_<LEVEL> commands, condor_commands.h).
var pingCommands = map[string]int{
	"ALLOW": 60011, "READ": 60020, "WRITE": 60021, "NEGOTIATOR": 60022, "ADMINISTRATOR": 60023,
	"OWNER": 60024, "CONFIG": 60025, "DAEMON": 60026, "ADVERTISE_STARTD": 60027,
	"ADVERTISE_SCHEDD": 60028, "ADVERTISE_MASTER": 60029,
}

// commandNames are the command names accepted besides permission levels
// and numbers (getCommandNum, for the commands of this tool set).
var commandNames = map[string]int{
	"DC_NOP": 60011, "DC_NOP_READ": 60020, "DC_NOP_WRITE": 60021, "DC_NOP_NEGOTIATOR": 60022,
	"DC_NOP_ADMINISTRATOR": 60023, "DC_NOP_OWNER": 60024, "DC_NOP_CONFIG": 60025, "DC_NOP_DAEMON": 60026,
	"DC_NOP_ADVERTISE_STARTD": 60027, "DC_NOP_ADVERTISE_SCHEDD": 60028, "DC_NOP_ADVERTISE_MASTER": 60029,
	"DC_GET_SESSION_TOKEN": CmdGetSessionToken, "DC_START_TOKEN_REQUEST": CmdStartTokenRequest,
	"DC_FINISH_TOKEN_REQUEST": CmdFinishTokenRequest, "DC_LIST_TOKEN_REQUEST": CmdListTokenRequest,
	"DC_APPROVE_TOKEN_REQUEST": CmdApproveTokenRequest, "DC_AUTO_APPROVE_TOKEN_REQUEST": CmdAutoApproveTokenRequest,
	"DC_EXCHANGE_SCITOKEN": 60052, "STORE_CRED": CmdStoreCred, "STORE_POOL_CRED": CmdStorePoolCred,
	"QUERY_STARTD_ADS": 5, "QUERY_SCHEDD_ADS": 6, "QUERY_MASTER_ADS": 7, "QUERY_COLLECTOR_ADS": 20,
	"QUERY_ANY_ADS": 48, "QUERY_NEGOTIATOR_ADS": 50, "QUERY_MULTIPLE_ADS": 53, "QUERY_GENERIC_ADS": 74,
	"CREDD_GET_TOKEN": 81004, "CREDD_CHECK_CREDS": 81030,
}

// PingCommand resolves condor_ping's TOKEN argument: a permission level
// (case-insensitive, tested with its DC_NOP_<LEVEL> command), a command
// name (case-insensitive) or a command number.
func PingCommand(permOrCommand string) (int, bool) {
	s := strings.ToUpper(strings.TrimSpace(permOrCommand))
	if n, ok := pingCommands[s]; ok {
		return n, true
	}
	if n, ok := commandNames[s]; ok {
		return n, true
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 1<<31-1 {
		return n, true
	}
	return 0, false
}

// Ping asks the daemon whether permOrCommand would be authorized, over a
// new session, as condor_ping does (DC_SEC_QUERY with AuthCommand,
// cedar.md §4.11). Default target: the schedd. A refusal in the handshake
// is an error (SECMAN:2010:Received "DENIED" …, AUTHENTICATE:1003:…).
func (c *Client) Ping(ctx context.Context, t Target, permOrCommand string) (*PingResult, error) {
	cmd, ok := PingCommand(permOrCommand)
	if !ok {
		return nil, condorerr.New("DAEMON", 1, "%q is neither a permission level, a command name nor a command number", permOrCommand)
	}
	res := &PingResult{Command: cmd}
	err := c.call(ctx, t, defaultPingType, "ping",
		startSpec{cmd: security.DCSecQuery, authCmd: cmd, newSession: true, notes: &res.Notes},
		func(_ context.Context, cn *conn) error {
			r := cn.res
			res.Addr = cn.addr
			res.Identity, res.Method, res.Sid = r.MyIdentity, r.Method, r.SessionID
			res.Encrypted, res.Authenticated = r.Encrypted, r.Method != ""
			res.ValidCommands = append([]int(nil), r.ValidCommands...)
			res.RemoteVersion, res.AuthMethodsList = r.RemoteVersion, r.AuthMethodsList
			res.ReturnCode = security.ReturnAuthorized
			if r.PostAuth != nil {
				if rc, ok := adString(r.PostAuth, security.AttrReturnCode); ok && rc != "" {
					res.ReturnCode = rc
				}
			}
			if r.SecQuery != nil {
				res.Answer = r.SecQuery
				if v, ok := r.SecQuery.EvaluateAttr(security.AttrAuthorizationSucceeded); ok {
					res.Authorized, _ = v.BoolVal()
				}
			}
			return nil
		})
	if err != nil {
		return nil, err
	}
	return res, nil
}
