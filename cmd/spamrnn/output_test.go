package main

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/fifotest"

	"github.com/emberml/ember/spam"
)

// TestTrainToDevNull: --out and --state /dev/null discard the model and the
// state, no training state is written beside /dev/null by default, and a
// directory is refused, named. --plot /dev/null discards the chart, as
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

	code, out, errOut = runCmd(t, "", append([]string{"train", "--data", path, "--out", os.DevNull, "--state", os.DevNull}, smallModel...)...)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, out, "--resume /dev/null", "nothing to resume from there")
	require.Contains(t, out, "training state: /dev/null (written at every epoch's end; not a file --resume can read)")
	require.NotContains(t, out, "--resume continues from it")

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
