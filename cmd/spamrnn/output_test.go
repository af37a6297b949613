package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/fifotest"

	"github.com/emberml/ember/spam"
)

// TestTrainToDevNull: --out /dev/null discards the model, no training
// state is written beside /dev/null by default, and a directory is
// refused, named. --plot /dev/null discards the chart, as
// --out /dev/null the model; a file given to --plot still must be named
// .png, and is refused before training.
func TestTrainToDevNull(t *testing.T) {
	path := fixture(t)
	t.Cleanup(func() { os.Remove(os.DevNull + ".state") }) // what the bug left in /dev as root
	code, out, errOut := runCmd(t, "", append([]string{"train", "--data", path, "--out", os.DevNull, "--plot", os.DevNull, "--json"}, smallModel...)...)
	require.Equal(t, 0, code, errOut)
	require.NoFileExists(t, os.DevNull+".state")
	require.NotContains(t, out, "training state:")
	require.Contains(t, out, "training curve: /dev/null")
	require.Equal(t, os.DevNull, lastJSON(t, out)["model_file"])
	fi, err := os.Stat(os.DevNull)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeCharDevice, "/dev/null is still a device")

	dir := t.TempDir()
	code, _, errOut = runCmd(t, "", append([]string{"train", "--data", path, "--out", dir}, smallModel...)...)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--out "+dir+": is a directory")
	jpg := filepath.Join(dir, "curve.jpg")
	code, out, errOut = runCmd(t, "", append([]string{"train", "--data", path, "--out", os.DevNull, "--plot", jpg}, smallModel...)...)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--plot "+jpg+": must end in .png")
	require.NotContains(t, out, "epoch", "refused before training")
}

// TestTrainToFIFO: a FIFO given as --out gets the final model once, not
// the best model of every epoch as it comes (which would block on a second
// reader, or run several models together). One given as --plot, named
// without .png, gets the training curve as a PNG.
func TestTrainToFIFO(t *testing.T) {
	path := fixture(t)
	dir := t.TempDir()
	// One reader each, reading once: a second save would block on the FIFO.
	fifo, curve := fifotest.New(t, "model.pipe"), fifotest.New(t, "curve.pipe")
	done := make(chan int, 1)
	go func() {
		code, _, errOut := runCmd(t, "", append([]string{"train", "--data", path, "--out", fifo.Path, "--plot", curve.Path, "--state", ""}, smallModel...)...)
		if code != 0 {
			t.Log(errOut)
		}
		done <- code
	}()
	select {
	case code := <-done:
		require.Equal(t, 0, code)
	case <-time.After(time.Minute):
		t.Fatal("train blocked writing the FIFO a second time")
	}
	model := fifo.Read(t, 10*time.Second)
	saved := filepath.Join(dir, "saved.model")
	require.NoError(t, os.WriteFile(saved, model, 0o644))
	_, err := spam.Load(saved)
	require.NoError(t, err, "what came through is a whole model file")
	_, err = png.Decode(bytes.NewReader(curve.Read(t, 10*time.Second)))
	require.NoError(t, err, "what came through the plot's FIFO is a PNG")
}

// TestStateNotSpecial: --state naming a device, a FIFO or a directory is
// refused before training, naming it and saying what to give instead, and
// the special file is left as it was: the state is rewritten at every
// epoch's end (a FIFO blocked the run there until something read it) and
// read back by --resume. So is a default state path (--out with .state
// added) that is one.
func TestStateNotSpecial(t *testing.T) {
	path := fixture(t)
	dir := t.TempDir()
	fifo := filepath.Join(dir, "run.state")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	hint := ", not a regular file; the state is rewritten at every epoch's end for --resume to read back; give a file name, or --state '' to keep none"
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--state", os.DevNull}, "--state /dev/null: is a device" + hint},
		{[]string{"--state", fifo}, "--state " + fifo + ": is a FIFO" + hint},
		{[]string{"--out", filepath.Join(dir, "run")}, "--state " + fifo + ": is a FIFO" + hint},
		{[]string{"--state", dir}, "--state " + dir + ": is a directory; give a file name"},
	} {
		args := append([]string{"train", "--data", path}, tc.args...)
		if !slices.Contains(tc.args, "--out") {
			args = append(args, "--out", filepath.Join(dir, "m.model"))
		}
		code, out, errOut := runCmd(t, "", append(args, smallModel...)...)
		require.Equal(t, 2, code, errOut)
		require.Equal(t, "spamrnn train: "+tc.want+"\n", errOut)
		require.Empty(t, out, "refused before any work")
	}
	fi, err := os.Stat(fifo)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeNamedPipe, "still a FIFO")
	require.NoFileExists(t, filepath.Join(dir, "m.model"))
}

// TestOutputIsStdout: --out, --plot or --state naming the file train's
// standard output goes to (/dev/stdout, or its file's own name) is refused
// before training: the model would be mixed with the progress lines, and,
// through /dev/stdout, a redirected stdout's link would be replaced rather
// than its file.
func TestOutputIsStdout(t *testing.T) {
	path := fixture(t)
	dir := t.TempDir()
	log := filepath.Join(dir, "train.log")
	stdout, err := os.Create(log)
	require.NoError(t, err)
	defer stdout.Close()
	var stderr bytes.Buffer
	code := run(context.Background(), append([]string{"train", "--data", path, "--out", log, "--plot", log + ".png", "--state", ""}, smallModel...),
		strings.NewReader(""), stdout, &stderr)
	require.Equal(t, 2, code, stderr.String())
	require.Equal(t, "spamrnn train: --out "+log+": is this command's standard output, where its messages go; give a file name\n", stderr.String())
	b, err := os.ReadFile(log)
	require.NoError(t, err)
	require.Empty(t, b, "nothing trained, nothing written")
}
