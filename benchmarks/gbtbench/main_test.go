package main

import (
	"bytes"
	"errors"
	"flag"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunRefusesBadFlags: settings that cannot give a result are refused
// before any table is written or either engine starts (a negative --rows
// used to panic, --trees 0 failed only after XGBoost had run, --repeat 0
// printed a table of NaNs, a stray argument ran the full benchmark, and a
// flag given twice ran with its last value without a word).
func TestRunRefusesBadFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--rows", "-5", "--no-credit"}, "--rows -5: must be at least 2"},
		{[]string{"--rows", "0", "--no-credit"}, "--rows 0: must be at least 2"},
		{[]string{"--cols", "0"}, "--cols 0: must be at least 1"},
		{[]string{"--trees", "0"}, "--trees 0: must be 1 to 1000000"},
		{[]string{"--depth", "99"}, "--depth 99: must be 1 to 30"},
		{[]string{"--threads", "-1"}, "--threads -1: must be 0 (all cores) or more"},
		{[]string{"--repeat", "0"}, "--repeat 0: must be at least 1"},
		{[]string{"--repeat-synthetic", "0"}, "--repeat-synthetic 0: must be at least 1"},
		{[]string{"--no-credit", "--no-synthetic", "--no-multiclass"}, "--no-credit, --no-multiclass and --no-synthetic leave nothing to run"},
		{[]string{"extra"}, `unexpected argument "extra"`},
		{[]string{"--max-leaves", "1"}, "--max-leaves 1: must be 0 (depth by depth) or 2 and more"},
		{[]string{"--trees", "5", "--trees", "50"}, "--trees given twice (5, then 50): give it once"},
		{[]string{"--no-credit", "--no-credit"}, "--no-credit given twice (true, then true): give it once"},
	} {
		var out, errOut bytes.Buffer
		err := run(tc.args, &out, &errOut)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
		require.NotContains(t, errOut.String(), "round", "%v: work started", tc.args)
	}
	var out, errOut bytes.Buffer
	require.True(t, errors.Is(run([]string{"-h"}, &out, &errOut), flag.ErrHelp))
}
