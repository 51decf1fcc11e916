// Command gatehouse is the Gatehouse server and its tools: an AWS-compatible
// IAM, STS and IVS service on one endpoint, and a command line for policies.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the command line and returns the process exit status.
func run(args []string, stdout, stderr io.Writer) int {
	root := newRootCmd(stdout, stderr)
	root.SetArgs(args)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "gatehouse:", ee.err)
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "gatehouse:", err)
	return 2
}

// exitError ends the command with a given status; err, if any, is printed.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

func newRootCmd(stdout, stderr io.Writer) *cobra.Command {
	root := &cobra.Command{
		Use:           "gatehouse",
		Short:         "Self-hosted AWS-compatible IAM, STS and IVS",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.AddCommand(newServeCmd(stdout, stderr), newAccountCmd(), newPolicyCmd(), newVersionCmd(), newAuditCmd(), newExplainCmd())
	return root
}
