package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/models/gbt"
	"github.com/stretchr/testify/require"
)

// TestMain runs the command itself when the test binary is started with
// GBTBENCH_MAIN=1, so that TestExitStatus can run main as a process and
// read its exit status.
func TestMain(m *testing.M) {
	if os.Getenv("GBTBENCH_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

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
		{[]string{"--binning", "exact"}, `--binning "exact": want sklearn or xgboost`},
		{[]string{"--trees", "5", "--trees", "50"}, "--trees given twice (5, then 50): give it once"},
		{[]string{"--no-credit", "--no-credit"}, "--no-credit given twice (true, then true): give it once"},
	} {
		var out, errOut bytes.Buffer
		err := run(tc.args, &out, &errOut)
		require.ErrorContains(t, err, tc.want, "%v", tc.args)
		require.Equal(t, 2, cli.ExitStatus(err), "%v: a bad command line", tc.args)
		require.NotContains(t, errOut.String(), "round", "%v: work started", tc.args)
	}
	var out, errOut bytes.Buffer
	require.True(t, errors.Is(run([]string{"-h"}, &out, &errOut), flag.ErrHelp))
}

// TestExitStatus runs gbtbench's main in a child process (the test binary,
// see TestMain): a bad command line exits 2, as Ember's commands and the
// other benchmarks do (gbtbench used to exit 1), with its error said once;
// -h exits 0; a run that fails exits 1, and so does a worker that fails.
func TestExitStatus(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, tc := range []struct {
		args   []string
		status int
		stderr string // a line of stderr
	}{
		{[]string{"--trees", "0"}, 2, "gbtbench: --trees 0: must be 1 to 1000000"},
		{[]string{"--trees", "5", "--trees", "50"}, 2, "gbtbench: --trees given twice (5, then 50): give it once"},
		// One line, as the other benchmarks and Ember's commands say it:
		// flag's own line and the whole usage used to follow.
		{[]string{"--no-such-flag"}, 2, "gbtbench: flag provided but not defined: -no-such-flag"},
		{[]string{"--rows", "many"}, 2, `gbtbench: invalid value "many" for flag -rows: parse error`},
		{[]string{"extra"}, 2, `gbtbench: unexpected argument "extra" (gbtbench takes options only; see gbtbench -h)`},
		{[]string{"-h"}, 0, "usage: go run ./benchmarks/gbtbench [options]"},
		// The work directory cannot be made: a failure of the run, not of
		// the command line.
		{[]string{"--no-credit", "--no-multiclass", "--rows", "2", "--cols", "1", "--workdir", filepath.Join(file, "sub")}, 1,
			"gbtbench: --workdir " + filepath.Join(file, "sub") + ": mkdir " + file + ": not a directory"},
		{[]string{"worker", "--data", filepath.Join(dir, "missing.bin")}, 1,
			"gbtbench worker: open " + filepath.Join(dir, "missing.bin") + ": no such file or directory"},
		{[]string{"worker", "--trees", "x"}, 2, `gbtbench worker: invalid value "x" for flag -trees: parse error`},
	} {
		cmd := exec.Command(os.Args[0], tc.args...)
		cmd.Env = append(os.Environ(), "GBTBENCH_MAIN=1")
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		status := 0
		if err != nil {
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "%v", tc.args)
			status = ee.ExitCode()
		}
		require.Equal(t, tc.status, status, "%v: stderr %s", tc.args, stderr.String())
		lines := strings.Split(stderr.String(), "\n")
		require.Contains(t, lines, tc.stderr, "%v", tc.args)
		for _, l := range lines {
			if strings.HasSuffix(l, tc.stderr) && l != tc.stderr {
				t.Errorf("%v: the error is said twice:\n%s", tc.args, stderr.String())
			}
		}
		require.Empty(t, stdout.String(), "%v", tc.args)
		if tc.status == 2 {
			require.Equal(t, tc.stderr+"\n", stderr.String(), "%v: a bad command line is said on one line", tc.args)
		}
	}
	// -h says what --threads 0 means, as its error does.
	var stdout, stderr bytes.Buffer
	require.ErrorIs(t, run([]string{"-h"}, &stdout, &stderr), flag.ErrHelp)
	require.Contains(t, stderr.String(), "0: all cores")
}

// TestEmberModelStart: with --binning xgboost, Ember's multi-class model
// starts from XGBoost's default base_score 0.5, as the Python side's does
// (its log class shares put the two fits 0.6 apart in probability); the
// binary model keeps its estimate, the log-odds of the positive rate,
// which is where XGBoost is started (base_score = the rate), and with the
// default binning both keep Ember's own start.
func TestEmberModelStart(t *testing.T) {
	multi := emberModel(7, 10, 6, 0, 1, gbt.BinningXGBoost)
	require.Equal(t, gbt.MultiSoftprob, multi.Objective)
	require.NotNil(t, multi.BaseScore)
	require.Equal(t, 0.5, *multi.BaseScore)
	require.Nil(t, emberModel(2, 10, 6, 0, 1, gbt.BinningXGBoost).BaseScore)
	require.Nil(t, emberModel(7, 10, 6, 0, 1, gbt.BinningSklearn).BaseScore)
	require.Nil(t, emberModel(2, 10, 6, 0, 1, gbt.BinningSklearn).BaseScore)
}

// TestCheckOptionsBeforeTheRun: a --json file that cannot be written was
// found only when the run had ended, minutes later; an --omp-wait value
// that OpenMP does not know was passed to XGBoost, whose libgomp ignored
// it (and spun at its barriers) while the report recorded it. Both are
// refused with the other bad flags, before any work. (checkOptions is
// called directly: run would start the benchmark where it let one pass.)
func TestCheckOptionsBeforeTheRun(t *testing.T) {
	dir := t.TempDir()
	valid := options{rows: 2, cols: 1, trees: 1, depth: 1, repeat: 1, ompWait: "passive", binning: string(gbt.BinningSklearn)}
	require.NoError(t, checkOptions(valid, 1, nil))
	missing := filepath.Join(dir, "missing", "r.json")
	file := filepath.Join(dir, "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	for _, tc := range []struct {
		change func(o *options)
		want   string
	}{
		{func(o *options) { o.jsonOut = dir }, "--json " + dir + ": is a directory; give a file name"},
		{func(o *options) { o.jsonOut = missing }, "--json " + missing + ": directory " + filepath.Dir(missing) + " does not exist"},
		{func(o *options) { o.jsonOut = filepath.Join(file, "r.json") }, "--json " + filepath.Join(file, "r.json") + ": " + file + " is not a directory"},
		{func(o *options) { o.ompWait = "spin" }, `--omp-wait "spin": want passive, active or "" (the environment's)`},
	} {
		o := valid
		tc.change(&o)
		require.EqualError(t, checkOptions(o, 1, nil), tc.want)
	}
	for _, ok := range []func(o *options){
		func(o *options) { o.jsonOut = filepath.Join(dir, "r.json") },
		func(o *options) { o.ompWait = "" },
		func(o *options) { o.ompWait = "ACTIVE" },
	} {
		o := valid
		ok(&o)
		require.NoError(t, checkOptions(o, 1, nil))
	}
}

// TestThreadCount: --threads 0 runs and reports the machine's cores, not
// "0 threads".
func TestThreadCount(t *testing.T) {
	require.Equal(t, runtime.NumCPU(), threadCount(0))
	require.Equal(t, 3, threadCount(3))
}
