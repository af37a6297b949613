package main

import (
	"bytes"
	"errors"
	"flag"
	"regexp"
	"testing"

	"github.com/emberml/ember/internal/cli"
	"github.com/stretchr/testify/require"
)

func TestRun(t *testing.T) {
	var out, errOut bytes.Buffer
	if err := run([]string{"-batch", "2", "-steps", "1", "-warm", "1"}, &out, &errOut); err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`^batch=2 seq/s=[\d.]+ ms/step=[\d.]+ best-ms/step=[\d.]+ best-seq/s=[\d.]+ cpu-ms/step=[\d.]+ seq/cpu-s=[\d.]+ allocs/step=[\d.]+\n$`)
	if !re.MatchString(out.String()) {
		t.Errorf("output %q", out.String())
	}
	if err := run([]string{"-batch", "0"}, &out, &errOut); err == nil {
		t.Error("batch 0 accepted")
	}
}

// TestFlags: -h is help (exit 0) and says what the command does; a
// positional argument, which used to end the flags silently (stepbench 64
// -steps 2 ran batch 10 for 20 steps), a flag given twice (which kept the
// last value without a word) and a batch beyond memory are usage errors
// found before any step.
func TestFlags(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run([]string{"-h"}, &out, &errOut)
	require.ErrorIs(t, err, flag.ErrHelp)
	require.Equal(t, 0, cli.ExitStatus(err))
	require.Contains(t, errOut.String(), "Times training steps of the reference spam model")
	require.Contains(t, errOut.String(), "-batch")

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"64", "-steps", "2"}, `unexpected argument "64"`},
		{[]string{"-batch", "10", "x"}, `unexpected argument "x"`},
		{[]string{"-batch", "100000000"}, "-batch 100000000: training needs about"},
		{[]string{"-batch", "x"}, `invalid value "x" for flag -batch`},
		{[]string{"-batch", "100000000", "-batch", "2"}, "--batch given twice (100000000, then 2): give it once"},
		{[]string{"-steps", "1", "--steps=1"}, "--steps given twice (1, then 1): give it once"},
	} {
		out.Reset()
		errOut.Reset()
		err := run(tc.args, &out, &errOut)
		require.ErrorContains(t, err, tc.want, tc.args)
		require.Equal(t, 2, cli.ExitStatus(err), tc.args)
		require.Empty(t, out.String(), "no step was timed")
	}
	require.Equal(t, 1, cli.ExitStatus(errors.New("step failed")))
	require.Equal(t, 0, cli.ExitStatus(nil))
}
