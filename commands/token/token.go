// Package token wires the `condor-auth token …` verbs and runs them for the
// legacy condor_token_* names too (with Legacy set).
package token

import (
	"github.com/spf13/cobra"

	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

// NewCmdToken returns the `token` command group.
func NewCmdToken(f *cmdutil.Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "token",
		Short: "Create, list, fetch, request and approve IDTOKENS",
	}
	cmd.AddCommand(
		NewCmdCreate(f, nil),
		NewCmdList(f, nil),
		NewCmdFetch(f, nil),
		NewCmdRequest(f, nil),
		NewCmdApprove(f, nil),
		NewCmdRequests(f, nil),
		NewCmdAutoApprove(f, nil),
		NewCmdKeygen(f, nil),
	)
	return cmd
}
