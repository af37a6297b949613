package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// stdFlags declares flags with package flag, as the benchmarks do.
func stdFlags(out *bytes.Buffer) (*flag.FlagSet, *int, *bool, *string) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(out)
	n := fs.Int("batch", 10, "batch size")
	quick := fs.Bool("quick", false, "smoke run")
	name := fs.String("cell", "lstm", "the `encoder`")
	return fs, n, quick, name
}

// TestParseOnce: a package-flag FlagSet parsed by ParseOnce refuses a flag
// given twice in FlagSet.Parse's words, and otherwise parses as fs.Parse.
func TestParseOnce(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"int", []string{"-batch", "5", "--batch=50"}, "--batch given twice (5, then 50): give it once"},
		{"switch", []string{"--quick", "-quick"}, "--quick given twice (true, then true): give it once"},
		{"three times", []string{"--cell", "gru", "--cell", "a b", "--cell", "cnn"},
			`--cell given 3 times (gru, "a b", then cnn): give it once`},
		{"two flags", []string{"--batch", "1", "--quick", "--batch", "2", "--quick=false", "--cell", "gru"},
			"--batch given twice (1, then 2): give it once\n--quick given twice (true, then false): give it once"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			fs, _, _, _ := stdFlags(&out)
			err := ParseOnce(fs, tc.args)
			require.EqualError(t, err, tc.want)
			require.ErrorIs(t, err, ErrUsage)
			require.Empty(t, out.String(), "the caller prints the error")
		})
	}

	var out bytes.Buffer
	fs, n, quick, cell := stdFlags(&out)
	require.NoError(t, ParseOnce(fs, []string{"--batch", "7", "-quick", "--cell=gru", "rest", "--batch", "8"}))
	require.Equal(t, 7, *n)
	require.True(t, *quick)
	require.Equal(t, "gru", *cell)
	require.Equal(t, []string{"rest", "--batch", "8"}, fs.Args(), "flags after the first argument are arguments")
	_, isInt := fs.Lookup("batch").Value.(flag.Getter).Get().(int)
	require.True(t, isInt, "the flags keep their own values after ParseOnce")

	// Package flag's own errors keep fs.Parse's text; they are usage
	// errors that fs.Parse has already printed (ErrShown).
	out.Reset()
	fs, _, _, _ = stdFlags(&out)
	err := ParseOnce(fs, []string{"--batch", "x", "--batch", "2"})
	require.ErrorIs(t, err, ErrUsage)
	require.ErrorIs(t, err, ErrShown)
	require.Contains(t, err.Error(), `invalid value "x" for flag -batch`)
	require.Contains(t, out.String(), `invalid value "x" for flag -batch`, "package flag printed it")
	fs, _, _, _ = stdFlags(&bytes.Buffer{})
	err = ParseOnce(fs, []string{"--nope"})
	require.EqualError(t, err, "flag provided but not defined: -nope")
	require.ErrorIs(t, err, ErrShown)
	// Not shown where package flag printed it to io.Discard.
	fs, _, _, _ = stdFlags(&bytes.Buffer{})
	fs.SetOutput(io.Discard)
	err = ParseOnce(fs, []string{"--nope"})
	require.ErrorIs(t, err, ErrUsage)
	require.False(t, errors.Is(err, ErrShown))
	// The flags given twice are not printed yet.
	fs, _, _, _ = stdFlags(&bytes.Buffer{})
	require.False(t, errors.Is(ParseOnce(fs, []string{"--batch", "1", "--batch", "2"}), ErrShown))
}

// TestReport: a program's run error becomes one printed line per problem
// and its exit status: 0 for none or -h, 2 for the command line (printed
// unless package flag has printed it), 1 for a failure.
func TestReport(t *testing.T) {
	parse := func(args ...string) error {
		fs, _, _, _ := stdFlags(&bytes.Buffer{})
		return ParseOnce(fs, args)
	}
	for _, tc := range []struct {
		name    string
		err     error
		code    int
		printed string
	}{
		{"none", nil, 0, ""},
		{"help", parse("-h"), 0, ""},
		{"flag's own, already printed", parse("--nope"), 2, ""},
		{"given twice", parse("--batch", "1", "--batch", "2", "-quick", "-quick"), 2,
			"prog: --batch given twice (1, then 2): give it once\nprog: --quick given twice (true, then true): give it once\n"},
		{"found after parsing", Usage(errors.New("--steps 0: want at least 1")), 2, "prog: --steps 0: want at least 1\n"},
		{"wrapped usage error", fmt.Errorf("checking: %w", Usage(errors.New("bad"))), 2, "prog: checking: bad\n"},
		{"failure", errors.New("data.csv: no such file"), 1, "prog: data.csv: no such file\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var w bytes.Buffer
			require.Equal(t, tc.code, Report(&w, "prog", tc.err))
			require.Equal(t, tc.code, ExitStatus(tc.err))
			require.Equal(t, tc.printed, w.String())
		})
	}
	require.NoError(t, Usage(nil))
}

// TestParseOnceHelp: -h prints the same usage as fs.Parse would, the
// flags' types and defaults included, with or without fs.Usage.
func TestParseOnceHelp(t *testing.T) {
	for _, custom := range []bool{false, true} {
		var want, got bytes.Buffer
		plain, _, _, _ := stdFlags(&want)
		once, _, _, _ := stdFlags(&got)
		if custom {
			plain.Usage = func() { want.WriteString("usage: bench\n"); plain.PrintDefaults() }
			once.Usage = func() { got.WriteString("usage: bench\n"); once.PrintDefaults() }
		}
		require.ErrorIs(t, plain.Parse([]string{"-h"}), flag.ErrHelp)
		require.ErrorIs(t, ParseOnce(once, []string{"-h"}), flag.ErrHelp)
		require.Equal(t, want.String(), got.String())
		require.True(t, strings.Contains(got.String(), "-batch int") && strings.Contains(got.String(), "(default 10)") &&
			strings.Contains(got.String(), "-cell encoder"), got.String())
		require.NotContains(t, got.String(), "panic")
	}
}
