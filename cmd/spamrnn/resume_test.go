package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/stepctx"
	"github.com/emberml/ember/spam"
)

// figures keeps the lines of a run's output that carry its figures, less
// the timings.
var timing = regexp.MustCompile(`\s+\d+ seq/s\s+[\d.]+s`)

func figures(out string) []string {
	var lines []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "epoch ") || strings.HasPrefix(l, "test:") || strings.HasPrefix(l, "saved the best model") {
			l = timing.ReplaceAllString(l, "")
			l = regexp.MustCompile(` to \S+$`).ReplaceAllString(l, "")
			lines = append(lines, l)
		}
	}
	return lines
}

// TestResumeMatchesUninterrupted: a run stopped by SIGINT after its first
// epoch, or somewhere in its second, and resumed with --resume alone,
// prints the figures of the run that was never stopped and saves the same
// model file, byte for byte.
func TestResumeMatchesUninterrupted(t *testing.T) {
	for _, mode := range []struct {
		name  string
		flags []string
	}{{"padded", nil}, {"packed", []string{"--packed", "--bucket", "4"}}} {
		t.Run(mode.name, func(t *testing.T) { testResumeMatches(t, mode.flags) })
	}
}

// testResumeMatches is TestResumeMatchesUninterrupted with extra train
// flags (--packed: the bucketing sampler's random state is resumed too).
func testResumeMatches(t *testing.T, extra []string) {
	data := fixture(t)
	args := append([]string{"train", "--data", data, "--dropout", "0.3", "--layers", "2"}, smallModelEpochs(3)...)
	args = append(args, extra...)
	dirA := t.TempDir()
	code, wantOut, errOut := runCmd(t, "", append(args, "--out", filepath.Join(dirA, "spam.model"))...)
	require.Equal(t, 0, code, errOut)
	want, err := os.ReadFile(filepath.Join(dirA, "spam.model"))
	require.NoError(t, err)

	// Stopped as epoch 1 ends, and 5 steps into epoch 2 (of about 40).
	for _, after := range []int{0, 5} {
		dir := t.TempDir()
		model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
		ctx := stepctx.New(cli.Interrupted{Signal: syscall.SIGINT})
		out := ctx.ArmWhen("epoch 1/3", after)
		var errb bytes.Buffer
		code := run(ctx, append(args, "--out", model), strings.NewReader(""), out, &errb)
		ctx.Cancel()
		require.Equal(t, 130, code, errb.String())
		require.Regexp(t, `interrupted by SIGINT after 1 complete epoch\n`, out.String())
		require.Contains(t, out.String(), "the training state (where the run stopped) is in "+state+": continue with spamrnn train --resume "+state)
		first := figures(out.String())
		done := 0
		for done < len(first) && strings.HasPrefix(first[done], "epoch ") {
			done++
		}

		// Too few epochs to go on is refused, the state left as it was.
		stateBefore, err := os.ReadFile(state)
		require.NoError(t, err)
		code, _, errOut := runCmd(t, "", "train", "--resume", state, "--epochs", fmt.Sprint(done))
		require.Equal(t, 2, code, errOut)
		require.Regexp(t, `(stopped in epoch \d+; give --epochs \d+ or more|the run has trained its \d+ epochs; give --epochs above)`, errOut)
		stateAfter, err := os.ReadFile(state)
		require.NoError(t, err)
		require.True(t, bytes.Equal(stateBefore, stateAfter))

		code, resumed, errOut := runCmd(t, "", "train", "--resume", state)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, resumed, fmt.Sprintf("resuming the run in %s: %d of 3 epochs done", state, done))
		t.Logf("stopped %d context checks after the first epoch's line: %s", after, strings.SplitN(resumed, "\n", 2)[0])
		// The figures: the epochs done from the first part (not its model
		// and test lines), the rest from the resumed part.
		got := append(first[:done], figures(resumed)...)
		require.Equal(t, figures(wantOut), got)
		b, err := os.ReadFile(model)
		require.NoError(t, err)
		require.True(t, bytes.Equal(want, b), "the resumed run's model file differs from the uninterrupted run's")
		require.ElementsMatch(t, []string{"spam.model", "spam.model.state"}, dirNames(t, dir))
	}
}

// TestResumeRefused: flags that change the run, other data, and damaged
// or foreign state files are refused, leaving the model file as it was.
func TestResumeRefused(t *testing.T) {
	data := fixture(t)
	dir := t.TempDir()
	model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
	code, _, errOut := runCmd(t, "", append([]string{"train", "--data", data, "--out", model}, smallModelEpochs(1)...)...)
	require.Equal(t, 0, code, errOut)
	before, err := os.ReadFile(model)
	require.NoError(t, err)
	good, err := os.ReadFile(state)
	require.NoError(t, err)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--batch", "8", "--hidden", "12", "--epochs", "3"}, 2,
			"--hidden 12: the run in " + state + " was started with --hidden 16; a resumed run keeps the settings it started with"},
		{[]string{"--batch", "8"}, 2, "--batch 8: the run in " + state + " was started with --batch 16"},
		{[]string{"--cell", "gru"}, 2, "--cell gru: the run in " + state + " was started with --cell lstm"},
		{[]string{"--packed", "--epochs", "3"}, 2, "--packed true: the run in " + state + " was started with --packed false"},
		{[]string{"--padding", "learned", "--epochs", "3"}, 2, "--padding learned: the run in " + state + " was started with --padding zero"},
		{[]string{"--seed", "9", "--epochs", "3"}, 2, "--seed 9: the run in " + state + " was started with --seed"},
		{nil, 2, "the run has trained its 1 epochs; give --epochs above 1 to train on"},
		{[]string{"--epochs", "3", "--data", writeFile(t, "other.tsv", strings.Repeat("ham\thello there friend\nspam\twin a prize now\n", 300))}, 2,
			"the training state is of another run: other data: the vocabulary of its training split"},
	} {
		code, _, errOut := runCmd(t, "", append([]string{"train", "--resume", state}, tc.args...)...)
		require.Equal(t, tc.code, code, errOut)
		require.Contains(t, errOut, tc.want)
	}
	// The same words, one label changed: the vocabulary is the run's, the
	// examples are not.
	b, err := os.ReadFile(data)
	require.NoError(t, err)
	lines := strings.Split(string(b), "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, "ham\t") {
			lines[i] = "spam\t" + strings.TrimPrefix(l, "ham\t")
			break
		}
	}
	relabelled := writeFile(t, "relabelled.tsv", strings.Join(lines, "\n"))
	code, _, errOut = runCmd(t, "", "train", "--resume", state, "--epochs", "2", "--data", relabelled)
	require.Equal(t, 2, code, errOut)
	require.Regexp(t, "the training state is of another run: other (training|validation) data: the \\d+ examples differ", errOut)

	for name, content := range map[string][]byte{
		"truncated": good[:len(good)/2],
		"corrupt":   append(append([]byte(nil), good[:100]...), append([]byte{good[100] ^ 1}, good[101:]...)...),
		"model":     before,
	} {
		p := writeFile(t, name+".state", string(content))
		code, _, errOut := runCmd(t, "", "train", "--resume", p, "--epochs", "2")
		require.Equal(t, 1, code, errOut)
		if name != "model" {
			require.Contains(t, errOut, "training state file "+p+": ")
			require.Contains(t, errOut, name)
		} else {
			require.Contains(t, errOut, "--resume "+p+": holds a spamrnn model, not a training state")
		}
	}
	after, err := os.ReadFile(model)
	require.NoError(t, err)
	require.True(t, bytes.Equal(before, after), "the model file was touched")
}

// TestResumeDataMoved: when the run's data file is no longer where the
// run read it, the error says that it is the run's data (the user gave no
// --data) and how to point at it, and --data with its new path resumes.
func TestResumeDataMoved(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "sms.tsv")
	raw, err := os.ReadFile(fixture(t))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(data, raw, 0o644))
	model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
	code, _, errOut := runCmd(t, "", append([]string{"train", "--data", data, "--out", model}, smallModelEpochs(1)...)...)
	require.Equal(t, 0, code, errOut)
	moved := filepath.Join(dir, "moved.tsv")
	require.NoError(t, os.Rename(data, moved))

	code, _, errOut = runCmd(t, "", "train", "--resume", state, "--epochs", "2")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, "--resume "+state+": the run's data "+data+": no such file; give --data with its path now")
	code, _, errOut = runCmd(t, "", "train", "--resume", state, "--epochs", "2", "--data", moved)
	require.Equal(t, 0, code, errOut)
}

// TestOutputsKeepOtherKinds: a training state is not written over a model,
// nor a model over a training state (train's --state and --out, import's
// --out), before any work; a file that is no Ember file is rewritten as
// outputs are.
func TestOutputsKeepOtherKinds(t *testing.T) {
	data := fixture(t)
	dir := t.TempDir()
	model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
	code, _, errOut := runCmd(t, "", append([]string{"train", "--data", data, "--out", model}, smallModelEpochs(1)...)...)
	require.Equal(t, 0, code, errOut)
	modelBytes, err := os.ReadFile(model)
	require.NoError(t, err)
	stateBytes, err := os.ReadFile(state)
	require.NoError(t, err)
	exported := filepath.Join(dir, "export")
	code, _, errOut = runCmd(t, "", "export", "--model", model, "--out", exported)
	require.Equal(t, 0, code, errOut)

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"train", "--data", data, "--out", filepath.Join(dir, "other.model"), "--state", model},
			"--state " + model + ": holds a spamrnn model, and this writes a training state over it"},
		{[]string{"train", "--data", data, "--out", state, "--state", ""},
			"--out " + state + ": holds a training state, and this writes a spamrnn model over it"},
		{[]string{"train", "--resume", state, "--epochs", "3", "--state", model},
			"--state " + model + ": holds a spamrnn model"},
		{[]string{"import", exported, "--out", state}, "--out " + state + ": holds a training state"},
	} {
		code, _, errOut := runCmd(t, "", tc.args...)
		require.Equal(t, 2, code, errOut)
		require.Contains(t, errOut, tc.want)
	}
	after, err := os.ReadFile(model)
	require.NoError(t, err)
	require.True(t, bytes.Equal(modelBytes, after), "the model file was touched")
	after, err = os.ReadFile(state)
	require.NoError(t, err)
	require.True(t, bytes.Equal(stateBytes, after), "the state file was touched")

	notes := writeFile(t, "notes.txt", "not an Ember file\n")
	code, _, errOut = runCmd(t, "", "import", exported, "--out", notes)
	require.Equal(t, 0, code, errOut)
	kind, err := checkpoint.Kind(notes)
	require.NoError(t, err)
	require.Equal(t, spam.FileKind, kind)
}

// TestWrongKindOfFile: a training state given where a model goes (predict,
// eval, export) is said to be one, with its run's model (the --out it
// records) and how to resume it; a model given to --resume is said to be
// a model, with the state beside it; a model of the ember command is
// named as one. They once said only that the file's kind string differed.
func TestWrongKindOfFile(t *testing.T) {
	data := fixture(t)
	dir := t.TempDir()
	model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
	code, _, errOut := runCmd(t, "", append([]string{"train", "--data", data, "--out", model}, smallModelEpochs(1)...)...)
	require.Equal(t, 0, code, errOut)

	isState := "model file " + state + ": holds a training state, not a spamrnn model: "
	for _, args := range [][]string{
		{"predict", "--model", state, "hello"},
		{"eval", "--model", state, "--data", data},
		{"export", "--model", state, "--out", filepath.Join(dir, "export")},
	} {
		code, _, errOut := runCmd(t, "", args...)
		require.Equal(t, 1, code, errOut)
		require.Contains(t, errOut, isState+"the run's best model is in "+model+", and spamrnn train --resume "+state+" continues the run", args)
	}
	require.NoDirExists(t, filepath.Join(dir, "export"))

	// What the state is and records is read from its header: the rest is
	// not read (a damaged checksum at its end, which only reading all of
	// it finds, changes nothing). It was once loaded whole to say so.
	stateBytes, err := os.ReadFile(state)
	require.NoError(t, err)
	damaged := bytes.Clone(stateBytes)
	damaged[len(damaged)-1] ^= 0xff
	require.NoError(t, os.WriteFile(state, damaged, 0o644))
	code, _, errOut = runCmd(t, "", "predict", "--model", state, "hello")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, isState+"the run's best model is in "+model+", and spamrnn train --resume "+state+" continues the run")
	require.NoError(t, os.WriteFile(state, stateBytes, 0o644))

	code, _, errOut = runCmd(t, "", "train", "--resume", model, "--epochs", "2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--resume "+model+": holds a spamrnn model, not a training state (spamrnn train keeps a run's state in --state, "+
		"by default the model's file with .state added: --resume "+state+")")

	require.NoError(t, os.Rename(model, model+".old"))
	code, _, errOut = runCmd(t, "", "predict", "--model", state, "hello")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, isState+"the run saves its best model to "+model+", which holds none now; spamrnn train --resume "+state+" continues the run")
	code, _, errOut = runCmd(t, "", "train", "--resume", model+".old", "--epochs", "2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--resume "+model+".old: holds a spamrnn model, not a training state (spamrnn train keeps a run's state in --state, "+
		"by default the model's file with .state added)")

	logreg := filepath.Join(dir, "iris.ember")
	require.NoError(t, checkpoint.Save(logreg, "ember.logreg", map[string]int{"version": 1}, nil))
	code, _, errOut = runCmd(t, "", "predict", "--model", logreg, "hello")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "model file "+logreg+": holds a model of ember logreg, not a spamrnn model; ember predict scores it")
	code, _, errOut = runCmd(t, "", "train", "--resume", logreg)
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--resume "+logreg+": holds a model of ember logreg, not a training state")
}

// TestResumeRefusedAnnouncesNoChange: a resume refused for having nothing
// left to train says so without first announcing the changes its flags
// would have made (it used to print "--epochs 1: the run now ends after
// epoch 1" and then refuse to run).
func TestResumeRefusedAnnouncesNoChange(t *testing.T) {
	data := fixture(t)
	dir := t.TempDir()
	model, state := filepath.Join(dir, "spam.model"), filepath.Join(dir, "spam.model.state")
	code, _, errOut := runCmd(t, "", append([]string{"train", "--data", data, "--out", model}, smallModelEpochs(2)...)...)
	require.Equal(t, 0, code, errOut)

	code, out, errOut := runCmd(t, "", "train", "--resume", state, "--epochs", "1", "--patience", "3")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, "--resume "+state+": the run has trained its 2 epochs; give --epochs above 2 to train on")
	require.NotContains(t, out, "--epochs 1:", "a change announced for a run that does not happen")
	require.NotContains(t, out, "--patience 3:", "a change announced for a run that does not happen")
}
