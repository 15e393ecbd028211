package client

import "github.com/condor-auth/condor-auth/pkg/tokenreq"

// validNetblock is the client-side check of an auto-approval netblock
// (tokens.md §3.6), the same parser the daemon uses; it only spares a
// connection for text the daemon would refuse.
func validNetblock(s string) bool { return tokenreq.ValidNetblock(s) }
