package cli

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"
)

// testFlags declares one flag of each kind, as a command would.
type testFlags struct {
	fs      *FlagSet
	epochs  *int
	seed    *uint64
	dropout *float64
	lr      *float64
	json    *bool
	select_ *string
	col     *string
	data    *string
	out     *string
	plot    *string
	prefix  *string
}

func newTestFlags(stdout *bytes.Buffer) *testFlags {
	fs := NewFlagSet("tool train", "usage: tool train [options]\n", stdout)
	return &testFlags{
		fs:      fs,
		epochs:  fs.Int("epochs", 10, 1, 1000, "training epochs"),
		seed:    fs.Uint64("seed", 1234, "random seed"),
		dropout: fs.Float("dropout", 0.5, Range{Min: 0, Max: 1, MaxOpen: true}, "dropout"),
		lr:      fs.Float("lr", 1e-3, Above(0), "learning rate"),
		json:    fs.Bool("json", false, "JSON on the last line"),
		select_: fs.Choice("select", "accuracy", []string{"accuracy", "loss"}, "kept epoch"),
		col:     fs.String("label", "", "label `column`"),
		data:    fs.Input("data", "", "training data", DefaultText("the demo corpus")),
		out:     fs.Output("out", "model.bin", "where to save the model"),
		plot:    fs.Output("plot", "", "training-curve PNG", Ext(".png")),
		prefix:  fs.OutputPrefix("charts", "chart files", []string{"-a.png", "-b.png"}),
	}
}

// TestLeadingZeroDecimal: a whole number with a leading zero is decimal,
// as a user typing --epochs 010 means, not Go's octal.
func TestLeadingZeroDecimal(t *testing.T) {
	f := newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--epochs", "010", "--seed", "0012"}))
	require.Equal(t, 10, *f.epochs)
	require.Equal(t, uint64(12), *f.seed)
}

func TestParseValues(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.tsv")
	require.NoError(t, os.WriteFile(data, []byte("x"), 0o644))
	f := newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--epochs", "0x10", "-seed=0", "--dropout", "0", "--lr", "2.5e-2", "--json",
		"--select", "loss", "--label", "y", "--data", data, "--out", filepath.Join(dir, "m"), "--plot", filepath.Join(dir, "C.PNG"),
		"--charts", filepath.Join(dir, "c")}))
	require.Equal(t, 16, *f.epochs)
	require.Equal(t, uint64(0), *f.seed)
	require.Equal(t, 0.0, *f.dropout, "zero is an ordinary value, not the default")
	require.Equal(t, 2.5e-2, *f.lr)
	require.True(t, *f.json)
	require.Equal(t, "loss", *f.select_)
	require.Equal(t, "y", *f.col)
	require.True(t, f.fs.IsSet("epochs"))
	require.False(t, (&testFlags{fs: NewFlagSet("x", "", nil)}).fs.IsSet("epochs"))
	require.Equal(t, []string{filepath.Join(dir, "c-a.png"), filepath.Join(dir, "c-b.png")}, f.fs.OutputPaths("charts"))
	require.Empty(t, dirEntries(t, dir)[1:], "the writability check leaves nothing behind")
}

// TestOutputPrefixDropsTheFilesExtension: "--plot iris.png" means the
// iris-*.png charts, not iris.png-*.png.
func TestOutputPrefixDropsTheFilesExtension(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ value, want string }{
		{"c.png", "c"},
		{"c.PNG", "c"},
		{"c.png.png", "c.png"},
		{"c.svg", "c.svg"},
		{"c", "c"},
	} {
		f := newTestFlags(&bytes.Buffer{})
		require.NoError(t, f.fs.Parse([]string{"--out", filepath.Join(dir, "m"), "--charts", filepath.Join(dir, tc.value)}), tc.value)
		require.Equal(t, filepath.Join(dir, tc.want), *f.prefix, tc.value)
		require.Equal(t, []string{filepath.Join(dir, tc.want+"-a.png"), filepath.Join(dir, tc.want+"-b.png")},
			f.fs.OutputPaths("charts"), tc.value)
	}
}

func TestParseDefaults(t *testing.T) {
	f := newTestFlags(&bytes.Buffer{})
	// The default output is in the working directory: make that a fresh one.
	t.Chdir(t.TempDir())
	require.NoError(t, f.fs.Parse(nil))
	require.Equal(t, 10, *f.epochs)
	require.Equal(t, 0.5, *f.dropout)
	require.Equal(t, "model.bin", *f.out)
	require.Nil(t, f.fs.OutputPaths("plot"))
}

func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

// TestParseProblems: every bad value is one line of the error, all of
// them at once, before the command does anything.
func TestParseProblems(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.tsv")
	require.NoError(t, os.WriteFile(data, []byte("x"), 0o644))
	fifo := filepath.Join(t.TempDir(), "pipe.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	tests := []struct {
		name string
		args []string
		want []string // one per line, in order
	}{
		{"zero below the range", []string{"--epochs", "0"}, []string{"--epochs 0: must be 1 to 1000"}},
		{"negative", []string{"--epochs", "-5"}, []string{"--epochs -5: must be 1 to 1000"}},
		{"huge", []string{"--epochs", "100000000"}, []string{"--epochs 100000000: must be 1 to 1000"}},
		{"overflow", []string{"--epochs", "99999999999999999999"}, []string{`--epochs "99999999999999999999": out of range`}},
		{"not a number", []string{"--epochs", "ten"}, []string{`--epochs "ten": not a whole number`}},
		{"fraction for an int", []string{"--epochs", "1.5"}, []string{`--epochs "1.5": not a whole number`}},
		{"negative seed", []string{"--seed", "-1"}, []string{`--seed "-1": not a whole number from 0 up`}},
		// A value out of range is shown as typed, not as parsed (+Inf for
		// 1e999, 0 for 1e-400, 16 for 0x10), which the user may not know.
		{"NaN", []string{"--dropout", "nan"}, []string{"--dropout nan: must be a finite number, from 0 to 1, 1 excluded"}},
		{"Inf", []string{"--lr", "inf"}, []string{"--lr inf: must be a finite number, above 0"}},
		{"overflowing float", []string{"--lr", "1e999"}, []string{"--lr 1e999: must be a finite number, above 0"}},
		{"underflowing float", []string{"--lr", "1e-400"}, []string{"--lr 1e-400: must be above 0"}},
		{"float with spaces", []string{"--dropout", " 2.50 "}, []string{"--dropout 2.50: must be from 0 to 1, 1 excluded"}},
		{"hex int", []string{"--epochs", "0x1000"}, []string{"--epochs 0x1000: must be 1 to 1000"}},
		{"leading zero is decimal, not octal", []string{"--epochs", "01001"}, []string{"--epochs 01001: must be 1 to 1000"}},
		{"int with underscores", []string{"--epochs", "1_000_000"}, []string{"--epochs 1_000_000: must be 1 to 1000"}},
		{"open bound", []string{"--dropout", "1"}, []string{"--dropout 1: must be from 0 to 1, 1 excluded"}},
		{"zero learning rate", []string{"--lr", "0"}, []string{"--lr 0: must be above 0"}},
		{"float garbage", []string{"--lr", "fast"}, []string{`--lr "fast": not a number`}},
		{"bool garbage", []string{"--json=maybe"}, []string{`--json "maybe": want true or false`}},
		{"choice", []string{"--select", "f1"}, []string{`--select "f1": want accuracy or loss`}},
		{"unknown flag", []string{"--epoch", "3"}, []string{"flag provided but not defined: --epoch (see tool train -h)"}},
		{"missing value", []string{"--epochs"}, []string{"flag needs an argument: --epochs (see tool train -h)"}},
		{"stray argument", []string{"3"}, []string{`unexpected argument "3": tool train takes options only`}},
		{"missing input", []string{"--data", filepath.Join(dir, "nope.tsv")}, []string{"--data " + filepath.Join(dir, "nope.tsv") + ": no such file"}},
		{"input is a directory", []string{"--data", dir}, []string{"--data " + dir + ": is a directory, not a file"}},
		{"empty output", []string{"--out", ""}, []string{"--out: empty path (the default is model.bin)"}},
		{"output over the input", []string{"--data", data, "--out", data}, []string{"--out " + data + ": is an input of this command; writing it would replace the input"}},
		{"output over the input by another name", []string{"--data", data, "--out", dir + "/./d.tsv"}, []string{"is the input " + data}},
		{"output in a missing directory", []string{"--out", filepath.Join(dir, "no", "m")}, []string{"directory " + filepath.Join(dir, "no") + " does not exist"}},
		{"output is a directory", []string{"--out", dir}, []string{"--out " + dir + ": is a directory; give a file name"}},
		{"plot output is a directory", []string{"--plot", dir}, []string{"--plot " + dir + ": is a directory; give a file name"}},
		{"two outputs, one FIFO", []string{"--out", fifo, "--plot", fifo}, []string{"--plot " + fifo + ": --out writes the same file"}},
		{"output in an unwritable directory", []string{"--out", "/proc/m.bin"}, []string{"--out /proc/m.bin: cannot write in directory /proc"}},
		{"plot extension", []string{"--plot", filepath.Join(dir, "c.jpg")}, []string{"must end in .png"}},
		{"two outputs, one file", []string{"--out", filepath.Join(dir, "x.png"), "--plot", filepath.Join(dir, "x.png")}, []string{"--plot " + filepath.Join(dir, "x.png") + ": --out writes the same file"}},
		{"prefix in a missing directory", []string{"--charts", filepath.Join(dir, "no", "c")}, []string{"--charts " + filepath.Join(dir, "no", "c-a.png") + ": directory", "--charts " + filepath.Join(dir, "no", "c-b.png") + ": directory"}},
		// A directory as the prefix wrote dir/-a.png, or dir-a.png beside it.
		{"prefix is a directory", []string{"--charts", dir + "/"}, []string{"--charts " + dir + "/: names a directory; --charts takes a prefix of file names: --charts " + filepath.Join(dir, "plot") + " writes " + filepath.Join(dir, "plot") + "-a.png"}},
		{"prefix names a directory", []string{"--charts", dir}, []string{"--charts " + dir + ": names a directory"}},
		{"prefix is the working directory", []string{"--charts", "."}, []string{"--charts .: names a directory"}},
		// "--plot --json" (the prefix forgotten) must not write "--json-a.png",
		// nor "--out --json" save a model called --json.
		{"option as an output", []string{"--out", "--json"}, []string{`--out --json: looks like an option, not a file name (the file goes right after --out; a file named so is ./--json)`}},
		{"option as a prefix", []string{"--charts", "--json"}, []string{`--charts --json: looks like an option`}},
		{"dash as an output", []string{"--out", "-"}, []string{`--out -: not a file name; to write to standard output, leave --out out where that is its default`}},
		{"several at once", []string{"--epochs", "0", "--lr", "nan", "--select", "x", "--out", ""},
			[]string{"--epochs 0:", "--lr nan:", `--select "x":`, "--out: empty path"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := newTestFlags(&bytes.Buffer{})
			t.Chdir(dir)
			err := f.fs.Parse(tc.args)
			require.Error(t, err)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tc.want), err.Error())
			for i, w := range tc.want {
				require.Contains(t, lines[i], w)
			}
			require.Equal(t, []string{"d.tsv"}, dirEntries(t, dir), "checks write nothing")
		})
	}
}

// TestSpecialOutputs: an output that exists and is a device or a FIFO is
// written into (package atomicfile), so it is accepted; /dev/null may take
// several outputs, to discard them all. Ext holds for files only: a device's
// name is not the user's to choose, and package plots writes into one
// whatever its name. A prefix flag refuses a device or a FIFO, naming it
// and saying how to write nothing, instead of creating /dev/null-a.png.
func TestSpecialOutputs(t *testing.T) {
	tmp := t.TempDir()
	fifo := filepath.Join(tmp, "pipe.png")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	bare := filepath.Join(tmp, "pipe")
	require.NoError(t, syscall.Mkfifo(bare, 0o600))
	f := newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--out", os.DevNull, "--plot", fifo}))
	require.Equal(t, os.DevNull, *f.out)
	require.Equal(t, fifo, *f.plot)
	fs := NewFlagSet("tool score", "usage: tool score [options]\n", &bytes.Buffer{})
	fs.Output("out", "", "predictions")
	fs.Output("log", "", "log")
	require.NoError(t, fs.Parse([]string{"--out", os.DevNull, "--log", os.DevNull}))
	f = newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--out", os.DevNull, "--plot", os.DevNull}))
	require.Equal(t, os.DevNull, *f.plot)
	f = newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--plot", bare}))
	f = newTestFlags(&bytes.Buffer{})
	require.ErrorContains(t, f.fs.Parse([]string{"--plot", filepath.Join(tmp, "c.jpg")}), "must end in .png", "a file still must")

	for _, prefix := range []string{os.DevNull, os.DevNull + ".png"} {
		f = newTestFlags(&bytes.Buffer{})
		err := f.fs.Parse([]string{"--charts", prefix})
		require.EqualError(t, err, "--charts /dev/null: is a device, not a prefix; --charts takes a prefix of file names (--charts plot writes plot-a.png); to write no files, leave --charts out")
	}
	f = newTestFlags(&bytes.Buffer{})
	require.ErrorContains(t, f.fs.Parse([]string{"--charts", bare}), "--charts "+bare+": is a FIFO, not a prefix")
	_, err := os.Stat(os.DevNull + "-a.png")
	require.True(t, os.IsNotExist(err), "nothing created beside /dev/null")
}

// TestStdoutDash: "-" is standard output for a flag declared with Stdout,
// read as its empty default; other outputs still refuse it.
func TestStdoutDash(t *testing.T) {
	fs := NewFlagSet("tool score", "usage: tool score [options]\n", &bytes.Buffer{})
	out := fs.Output("out", "", "predictions", Stdout())
	plot := fs.Output("plot", "", "chart", Ext(".png"))
	require.NoError(t, fs.Parse([]string{"--out", "-"}))
	require.Equal(t, "", *out, "- reads as the default, standard output")
	require.True(t, fs.IsSet("out"))
	require.Empty(t, fs.OutputPaths("out"))
	require.Equal(t, "", *plot)

	fs = NewFlagSet("tool score", "usage: tool score [options]\n", &bytes.Buffer{})
	fs.Output("out", "", "predictions", Stdout())
	fs.Output("plot", "", "chart", Ext(".png"))
	require.ErrorContains(t, fs.Parse([]string{"--plot", "-"}), "--plot -: not a file name")

	var help bytes.Buffer
	fs = NewFlagSet("tool score", "usage: tool score [options]\n", &help)
	fs.Output("out", "", "predictions", Stdout())
	require.ErrorIs(t, fs.Parse([]string{"-h"}), flag.ErrHelp)
	require.Contains(t, help.String(), "predictions (- for standard output; default standard output)")
}

func TestParseHelpStatesEveryDefault(t *testing.T) {
	var out bytes.Buffer
	f := newTestFlags(&out)
	err := f.fs.Parse([]string{"-h"})
	require.True(t, errors.Is(err, flag.ErrHelp))
	help := out.String()
	require.True(t, strings.HasPrefix(help, "usage: tool train [options]\n"))
	require.Contains(t, help, "\n\noptions (each at most once):\n  --epochs N\n", "the help says a flag is given once")
	for _, want := range []string{
		"--epochs N\n    \ttraining epochs (1 to 1000; default 10)",
		"--seed N\n    \trandom seed (a whole number from 0 up; default 1234)",
		"--dropout X\n    \tdropout (from 0 to 1, 1 excluded; default 0.5)",
		"--lr X\n    \tlearning rate (above 0; default 0.001)",
		"--json\n    \tJSON on the last line (default false)",
		"--select accuracy|loss\n    \tkept epoch (default accuracy)",
		"--label COLUMN\n    \tlabel column (default none)",
		"--data FILE\n    \ttraining data (default the demo corpus)",
		"--out FILE\n    \twhere to save the model (default model.bin)",
		"--charts PREFIX\n",
	} {
		require.Contains(t, help, want)
	}
	require.Equal(t, 11, strings.Count(help, "default "), "every flag states its default")
}

func TestArgs(t *testing.T) {
	dir := t.TempDir()
	img := filepath.Join(dir, "a.png")
	require.NoError(t, os.WriteFile(img, []byte("x"), 0o644))
	newFS := func() (*FlagSet, *int, *string) {
		fs := NewFlagSet("tool palette", "", &bytes.Buffer{})
		fs.Args(ArgSpec{Name: "IMAGE", Min: 1, Max: 1, Inputs: true, Interleaved: true})
		return fs, fs.Int("k", 6, 1, 256, "colours"), fs.Output("swatch", "", "swatch", Ext(".png"))
	}
	fs, k, _ := newFS()
	require.NoError(t, fs.Parse([]string{img, "--k", "3"}))
	require.Equal(t, 3, *k)
	require.Equal(t, []string{img}, fs.Arg())

	fs, _, _ = newFS()
	require.NoError(t, fs.Parse([]string{"--k", "2", "--", img}))
	require.Equal(t, []string{img}, fs.Arg())

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "no IMAGE given"},
		{[]string{img, img}, "one IMAGE at a time, got 2"},
		{[]string{filepath.Join(dir, "b.png")}, "b.png: no such file"},
		{[]string{img, "--swatch", img}, "--swatch " + img + ": is an input of this command"},
	} {
		fs, _, _ := newFS()
		require.ErrorContains(t, fs.Parse(tc.args), tc.want)
	}
}

func TestCheckRunsAfterTheFlags(t *testing.T) {
	fs := NewFlagSet("tool", "", &bytes.Buffer{})
	a := fs.Int("a", 1, 0, 10, "a")
	b := fs.Int("b", 2, 0, 10, "b")
	fs.Check(func() error {
		if *a > *b {
			return errors.New("--a must not exceed --b")
		}
		return nil
	})
	require.EqualError(t, fs.Parse([]string{"--a", "5"}), "--a must not exceed --b")
	fs2 := NewFlagSet("tool", "", &bytes.Buffer{})
	fs2.Int("a", 1, 0, 10, "a")
	called := false
	fs2.Check(func() error { called = true; return nil })
	require.Error(t, fs2.Parse([]string{"--a", "11"}))
	require.False(t, called, "cross-flag checks see only values that passed their own")
}

func TestRangeString(t *testing.T) {
	inf := math.Inf(1)
	for _, tc := range []struct {
		r    Range
		want string
	}{
		{Above(0), "above 0"},
		{AtLeast(1e-9), "at least 1e-09"},
		{Between(0, 1), "from 0 to 1"},
		{Range{Min: 0, Max: 1, MinOpen: true, MaxOpen: true}, "from 0 to 1, both excluded"},
		{Range{Min: 0, Max: 1, MinOpen: true}, "from 0 to 1, 0 excluded"},
		{Range{Min: -inf, Max: 3}, "at most 3"},
		{Range{Min: -inf, Max: 3, MaxOpen: true}, "below 3"},
		{Range{Min: -inf, Max: inf}, "any finite number"},
	} {
		require.Equal(t, tc.want, tc.r.String())
	}
	require.False(t, Range{Min: -inf, Max: inf}.Contains(inf))
	require.False(t, Range{Min: -inf, Max: inf}.Contains(math.NaN()))
}

func TestPrintError(t *testing.T) {
	var b bytes.Buffer
	PrintError(&b, "tool train", Problems{errors.New("one"), errors.New("two")})
	require.Equal(t, "tool train: one\ntool train: two\n", b.String())
}

func TestDeclaredTwicePanics(t *testing.T) {
	fs := NewFlagSet("tool", "", nil)
	fs.Int("a", 1, 0, 1, "")
	require.Panics(t, func() { fs.Bool("a", false, "") })
}

func TestUsageErrors(t *testing.T) {
	fs := NewFlagSet("tool", "", &bytes.Buffer{})
	fs.Int("a", 1, 0, 10, "a")
	fs.Int("b", 1, 0, 10, "b")
	err := fs.Parse([]string{"--a", "11", "--b", "x"})
	require.ErrorIs(t, err, ErrUsage)
	var p Problems
	require.ErrorAs(t, err, &p)
	require.Len(t, p, 2)
	require.ErrorIs(t, NewFlagSet("t", "", nil).Parse([]string{"x"}), ErrUsage)
}

// TestDefault: values learnt after Parse fill the flags the command line
// left out, and are checked as Parse checks them.
func TestDefault(t *testing.T) {
	dir := t.TempDir()
	f := newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--epochs", "3", "--out", filepath.Join(dir, "m")}))
	require.Equal(t, "3", f.fs.Value("epochs"))
	require.Equal(t, "0.5", f.fs.Value("dropout"))
	require.NoError(t, f.fs.Default(map[string]string{"epochs": "7", "dropout": "0.25", "plot": filepath.Join(dir, "p.png")}))
	require.Equal(t, 3, *f.epochs, "a flag given keeps its value")
	require.Equal(t, 0.25, *f.dropout)
	require.False(t, f.fs.IsSet("dropout"))
	require.Equal(t, filepath.Join(dir, "p.png"), *f.plot)

	f = newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--out", filepath.Join(dir, "m")}))
	err := f.fs.Default(map[string]string{"dropout": "2", "plot": filepath.Join(dir, "m")})
	require.ErrorIs(t, err, ErrUsage)
	require.ErrorContains(t, err, "--dropout 2: must be from 0 to 1")
	require.ErrorContains(t, err, "must end in .png", "outputs are checked as Parse checks them")
	require.Panics(t, func() { _ = f.fs.Default(map[string]string{"nope": "1"}) })

	require.NoError(t, f.fs.Problem())
	err = f.fs.Problem(errors.New("one"), errors.New("two"))
	require.ErrorIs(t, err, ErrUsage)
	require.Equal(t, "one\ntwo", err.Error())
}

// TestUpdatedInput: an output may name an input the command writes back,
// and no other.
func TestUpdatedInput(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "run.state")
	require.NoError(t, os.WriteFile(state, []byte("x"), 0o644))
	for _, updated := range []bool{false, true} {
		fs := NewFlagSet("tool", "", &bytes.Buffer{})
		var opts []Option
		if updated {
			opts = append(opts, Updated())
		}
		fs.Input("resume", "", "state to resume", opts...)
		fs.Output("state", "", "state to write")
		err := fs.Parse([]string{"--resume", state, "--state", state})
		if updated {
			require.NoError(t, err)
		} else {
			require.ErrorContains(t, err, "is an input of this command")
		}
	}
}

// TestReplaces: an output's Replaces check runs on a file that exists
// already, and only then, for each file of a prefix flag, and its error is
// a usage error naming the flag and the file.
func TestReplaces(t *testing.T) {
	dir := t.TempDir()
	keep := filepath.Join(dir, "keep.model")
	require.NoError(t, os.WriteFile(keep, []byte("a model"), 0o644))
	var checked []string
	check := func(path string) error {
		checked = append(checked, path)
		if data, _ := os.ReadFile(path); string(data) == "a model" {
			return errors.New("holds a model")
		}
		return nil
	}
	fs := NewFlagSet("tool", "", &bytes.Buffer{})
	fs.Output("state", "", "state to write", Replaces(check))
	require.NoError(t, fs.Parse([]string{"--state", filepath.Join(dir, "new.state")}))
	require.Empty(t, checked, "a file that does not exist yet is not checked")

	fs = NewFlagSet("tool", "", &bytes.Buffer{})
	fs.Output("state", "", "state to write", Replaces(check))
	err := fs.Parse([]string{"--state", keep})
	require.ErrorIs(t, err, ErrUsage)
	require.EqualError(t, err, "--state "+keep+": holds a model")
	require.Equal(t, []string{keep}, checked)

	checked = nil
	other := filepath.Join(dir, "p-a.png")
	require.NoError(t, os.WriteFile(other, []byte("png"), 0o644))
	fs = NewFlagSet("tool", "", &bytes.Buffer{})
	fs.OutputPrefix("plot", "plots", []string{"-a.png", "-b.png"}, Replaces(check))
	require.NoError(t, fs.Parse([]string{"--plot", filepath.Join(dir, "p")}))
	require.Equal(t, []string{other}, checked)
}

// TestNotEmpty: an empty value given on purpose is an error saying so,
// not the default it would otherwise silently mean; left out, the flag
// keeps its default, and an empty value is fine for other flags.
func TestNotEmpty(t *testing.T) {
	newFS := func() (*FlagSet, *string) {
		fs := NewFlagSet("tool", "", &bytes.Buffer{})
		cols := fs.String("features", "", "feature `columns`", DefaultText("every other column"), NotEmpty("the feature columns"))
		fs.String("id", "", "id `column`", NotEmpty("a column"))
		fs.String("note", "", "anything")
		return fs, cols
	}
	fs, cols := newFS()
	require.NoError(t, fs.Parse([]string{"--note", ""}))
	require.Equal(t, "", *cols)
	fs, _ = newFS()
	require.NoError(t, fs.Parse([]string{"--features", "a,b", "--id", "x"}))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--features", ""}, `--features "" is empty: give the feature columns, or leave --features out (default: every other column)`},
		{[]string{"--features= "}, `--features " " is empty: give the feature columns, or leave --features out (default: every other column)`},
		{[]string{"--id", ""}, `--id "" is empty: give a column, or leave --id out`},
	} {
		fs, _ := newFS()
		require.EqualError(t, fs.Parse(tc.args), tc.want, "%q", tc.args)
	}
}

// TestRegularFile: an output declared RegularFile refuses an existing
// device or FIFO, naming it and what it is, with the hint; a new name or a
// regular file is fine, and other outputs still take /dev/null. Nothing is
// written to the special files.
func TestRegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "state.pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	regular := filepath.Join(t.TempDir(), "run.state")
	require.NoError(t, os.WriteFile(regular, []byte("old"), 0o644))
	newFS := func() *FlagSet {
		fs := NewFlagSet("tool", "", &bytes.Buffer{})
		fs.Output("state", "", "state", RegularFile("give a file name, or --state '' to keep none"))
		fs.Output("out", "", "model")
		return fs
	}
	for path, what := range map[string]string{os.DevNull: "a device", fifo: "a FIFO"} {
		err := newFS().Parse([]string{"--state", path})
		require.ErrorIs(t, err, ErrUsage)
		require.EqualError(t, err, "--state "+path+": is "+what+", not a regular file; give a file name, or --state '' to keep none")
	}
	require.NoError(t, newFS().Parse([]string{"--state", regular, "--out", os.DevNull}))
	require.NoError(t, newFS().Parse([]string{"--state", filepath.Join(t.TempDir(), "new.state"), "--out", fifo}))
	fi, err := os.Stat(fifo)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeNamedPipe, "still a FIFO")
}

// TestOutputIsOwnStream: an output that is the file the command's
// standard output goes to (the writer given to NewFlagSet, when a file)
// is refused: what it writes would be mixed with the command's messages,
// and through /dev/stdout a regular file's link would be replaced, not the
// file. A flag that takes - for standard output says so. /dev/null is
// fine whatever the streams are.
func TestOutputIsOwnStream(t *testing.T) {
	log := filepath.Join(t.TempDir(), "log.txt")
	stdout, err := os.Create(log)
	require.NoError(t, err)
	defer stdout.Close()
	fs := NewFlagSet("tool", "", stdout)
	fs.Output("out", "model.bin", "model")
	fs.Output("pred", "", "predictions", Stdout())
	err = fs.Parse([]string{"--out", log, "--pred", log})
	require.ErrorIs(t, err, ErrUsage)
	require.EqualError(t, err, "--out "+log+": is this command's standard output, where its messages go; give a file name\n"+
		"--pred "+log+": is this command's standard output, where its messages go; for standard output, give - (or leave --pred out)")
	fs = NewFlagSet("tool", "", stdout)
	fs.Output("out", "model.bin", "model")
	require.NoError(t, fs.Parse([]string{"--out", os.DevNull}))

	devNull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	require.NoError(t, err)
	defer devNull.Close()
	fs = NewFlagSet("tool", "", devNull)
	fs.Output("out", "model.bin", "model")
	require.NoError(t, fs.Parse([]string{"--out", os.DevNull}), "messages and model both discarded")
	fs = NewFlagSet("tool", "", devNull)
	fs.Output("out", "model.bin", "model")
	require.NoError(t, fs.Parse([]string{"--out", log}), "another file than standard output's")
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Empty(t, b)
}

// TestOutputSocket: a socket, which cannot be opened as a file, is
// refused as an output before any work, instead of failing when the
// output is written at the end.
func TestOutputSocket(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "s")
	l, err := net.Listen("unix", sock)
	require.NoError(t, err)
	defer l.Close()
	fs := NewFlagSet("tool", "", &bytes.Buffer{})
	fs.Output("out", "model.bin", "model")
	require.EqualError(t, fs.Parse([]string{"--out", sock}), "--out "+sock+": is a socket; give a file name")
}

// TestFlagGivenTwice: a flag given twice is refused by Parse, naming it and
// its values in order, whatever its kind and whether or not the values
// agree; package flag kept the last one silently.
func TestFlagGivenTwice(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.tsv")
	require.NoError(t, os.WriteFile(data, []byte("x"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want []string // the error's lines, in order
	}{
		{"int", []string{"--epochs", "5", "--epochs", "50"}, []string{"--epochs given twice (5, then 50): give it once"}},
		{"same value", []string{"--epochs", "5", "--epochs=5"}, []string{"--epochs given twice (5, then 5): give it once"}},
		{"three times", []string{"--seed", "1", "--seed", "2", "-seed=3"}, []string{"--seed given 3 times (1, 2, then 3): give it once"}},
		{"float", []string{"--lr", "0.1", "--lr", "0.01"}, []string{"--lr given twice (0.1, then 0.01): give it once"}},
		{"switch", []string{"--json", "--json"}, []string{"--json given twice (true, then true): give it once"}},
		{"switch, then off", []string{"--json", "--json=false"}, []string{"--json given twice (true, then false): give it once"}},
		{"choice", []string{"--select", "loss", "--select", "accuracy"}, []string{"--select given twice (loss, then accuracy): give it once"}},
		// A list's value is quoted, so that its commas do not read as
		// separating the values given; so is an empty one.
		{"list", []string{"--label", "a,b", "--label", "c"}, []string{`--label given twice ("a,b", then c): give it once`}},
		{"empty", []string{"--label", "", "--label", "y"}, []string{`--label given twice ("", then y): give it once`}},
		// Neither value's own problem: which one was meant is not known.
		{"bad values", []string{"--epochs", "ten", "--epochs", "0"}, []string{"--epochs given twice (ten, then 0): give it once"}},
		{"input", []string{"--data", data, "--data", filepath.Join(dir, "nope")},
			[]string{"--data given twice (" + data + ", then " + filepath.Join(dir, "nope") + "): give it once"}},
		{"output", []string{"--out", filepath.Join(dir, "no", "m"), "--out", dir},
			[]string{"--out given twice (" + filepath.Join(dir, "no", "m") + ", then " + dir + "): give it once"}},
		{"prefix", []string{"--charts", "a", "--charts", "b"}, []string{"--charts given twice (a, then b): give it once"}},
		{"with other problems", []string{"--epochs", "0", "--lr", "1", "--dropout", "2", "--lr", "2"},
			[]string{"--epochs 0: must be 1 to 1000", "--dropout 2: must be from 0 to 1, 1 excluded", "--lr given twice (1, then 2): give it once"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Chdir(dir)
			f := newTestFlags(&bytes.Buffer{})
			err := f.fs.Parse(tc.args)
			require.ErrorIs(t, err, ErrUsage)
			require.Equal(t, tc.want, strings.Split(err.Error(), "\n"))
			require.Equal(t, []string{"d.tsv"}, dirEntries(t, dir), "checks write nothing")
		})
	}

	// Custom values, and options after a positional argument.
	fs := NewFlagSet("tool palette", "", &bytes.Buffer{})
	fs.Args(ArgSpec{Name: "IMAGE", Min: 1, Max: 1, Inputs: true, Interleaved: true})
	fs.Int("k", 6, 1, 256, "colours")
	fs.Custom("device", "auto", "auto|cpu", "device", func(string) error { return nil })
	err := fs.Parse([]string{"--k", "2", "--device", "cpu", data, "--k", "3", "--device", "auto"})
	require.EqualError(t, err, "--k given twice (2, then 3): give it once\n--device given twice (cpu, then auto): give it once")

	// The checks of several flags together wait for the flags' own.
	fs = NewFlagSet("tool", "", &bytes.Buffer{})
	fs.Int("a", 1, 0, 10, "a")
	ran := false
	fs.Check(func() error { ran = true; return nil })
	require.Error(t, fs.Parse([]string{"--a", "1", "--a", "2"}))
	require.False(t, ran)

	// Once each, and values a command fills in after Parse, are fine.
	f := newTestFlags(&bytes.Buffer{})
	require.NoError(t, f.fs.Parse([]string{"--epochs", "5", "--out", filepath.Join(dir, "m")}))
	require.NoError(t, f.fs.Default(map[string]string{"epochs": "7", "lr": "0.5"}))
	require.Equal(t, 5, *f.epochs)
	require.Equal(t, 0.5, *f.lr)
}

// TestFloatAnyFiniteNumber: a float flag that takes any finite number
// refuses NaN and ±Inf saying so, without repeating itself ("must be a
// finite number, any finite number", as ember gbt --base-score nan said).
func TestFloatAnyFiniteNumber(t *testing.T) {
	for _, v := range []string{"nan", "inf", "-1e999"} {
		fs := NewFlagSet("tool fit", "usage: tool fit [options]\n", &bytes.Buffer{})
		fs.Float("base-score", 0, Range{Min: math.Inf(-1), Max: math.Inf(1)}, "the start")
		err := fs.Parse([]string{"--base-score", v})
		require.EqualError(t, err, "--base-score "+v+": must be a finite number")
	}
}
