// Command condor-auth is HTCondor's token and credential tools in one
// binary. The name it is run under (argv[0]) selects the personality.
package main

import (
	"os"

	"github.com/condor-auth/condor-auth/commands"
	"github.com/condor-auth/condor-auth/commands/cmdutil"
)

func main() {
	tool, _ := commands.ToolName(os.Args[0], os.Readlink)
	os.Exit(commands.Main(cmdutil.New(), tool, os.Args))
}
