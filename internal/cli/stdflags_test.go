package cli

import (
	"bytes"
	"errors"
	"flag"
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

	// Package flag's own errors come back as fs.Parse returns them.
	out.Reset()
	fs, _, _, _ = stdFlags(&out)
	err := ParseOnce(fs, []string{"--batch", "x", "--batch", "2"})
	require.Error(t, err)
	require.False(t, errors.Is(err, ErrUsage))
	require.Contains(t, err.Error(), `invalid value "x" for flag -batch`)
	fs, _, _, _ = stdFlags(&bytes.Buffer{})
	require.EqualError(t, ParseOnce(fs, []string{"--nope"}), "flag provided but not defined: -nope")
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
