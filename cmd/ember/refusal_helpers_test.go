package main

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

// requireExitError runs ember with args and requires it to exit with
// code (1: bad input, 2: bad usage) and an error that contains want. It
// returns stdout and stderr for the caller's further checks.
func requireExitError(t *testing.T, code int, want string, args ...string) (out, errOut string) {
	t.Helper()
	got, out, errOut := runCmd(t, args...)
	require.Equal(t, code, got, errOut)
	require.Contains(t, errOut, want)
	return out, errOut
}

// requireRefusedBeforeFit runs ember with base and then caseArgs, and
// requires exit code code, an error that contains want, and no fitted
// model (no "model:" line): the refusal came before any fit. caseArgs,
// what the case adds to the shared base, name it in failure messages. It
// returns stdout and stderr for the caller's further checks.
func requireRefusedBeforeFit(t *testing.T, base, caseArgs []string, code int, want string) (out, errOut string) {
	t.Helper()
	got, out, errOut := runCmd(t, slices.Concat(base, caseArgs)...)
	require.Equal(t, code, got, "%v: %s", caseArgs, errOut)
	require.Contains(t, errOut, want, caseArgs)
	require.NotContains(t, out, "model:", "%v: fitted", caseArgs)
	return out, errOut
}

// cliErrorCase is a command line that ember refuses, and what its error
// says.
type cliErrorCase struct {
	name string
	args []string // after the command's name
	msg  []string // each stands in stderr
}

// runCLIErrorCases runs each case as a subtest of `ember command args...`:
// it exits with code and every msg stands in stderr; with emptyStdout, it
// prints nothing to stdout either.
func runCLIErrorCases(t *testing.T, command string, code int, emptyStdout bool, cases []cliErrorCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, out, errOut := runCmd(t, append([]string{command}, tc.args...)...)
			require.Equal(t, code, got, out)
			if emptyStdout {
				require.Empty(t, out)
			}
			for _, m := range tc.msg {
				require.Contains(t, errOut, m)
			}
		})
	}
}
