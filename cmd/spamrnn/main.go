// Command spamrnn trains, evaluates and applies the spam classifier: the
// reference LSTM, or a GRU or text CNN in its place (--cell), on SMS data
// or any two-class labelled text (--positive).
//
//	spamrnn train   [--data PATH] [--positive LABEL] [--cell lstm|gru|cnn] [--epochs 10] ... [--out FILE] [--json]
//	spamrnn eval    --model FILE --data PATH [--threshold 0.5] [--plot PREFIX] [--json]
//	spamrnn predict --model FILE [--threshold 0.5] [--json] [TEXT...]   (or one message per line on stdin)
//	spamrnn export  --model FILE --out DIR   (for PyTorch)
//	spamrnn import  DIR --out FILE           (from an export, Ember's or PyTorch's)
//
// With no --data, train uses the embedded demo corpus and says so. Every
// flag is checked before any work (package internal/cli): a bad command
// line exits 2, a failure 1. SIGINT or SIGTERM stops training after the
// current step, keeps the best model saved so far, says what was saved,
// and exits 130 or 143, also when it comes after the last step (in the
// last validation, or while the test split is scored).
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberml/ember/cpu"
	"github.com/emberml/ember/data"
	"github.com/emberml/ember/internal/atomicfile"
	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

func main() {
	args := os.Args[1:]
	name, graceful := "spamrnn", false
	if len(args) > 0 {
		// Training stops gracefully and keeps its best model; eval and
		// predict write nothing and just quit.
		name, graceful = "spamrnn "+args[0], args[0] == "train"
	}
	ctx, in := cli.Notify(context.Background(), name, os.Stderr, graceful)
	code := run(ctx, args, os.Stdin, os.Stdout, os.Stderr)
	in.Stop()
	os.Exit(code)
}

const usage = `usage:
  spamrnn train   [--data PATH] [--positive LABEL] [options]                          train and save a model
  spamrnn eval    --model FILE --data PATH [--threshold X] [--plot PREFIX] [--json]   score a saved model on labelled data
  spamrnn predict --model FILE [--threshold X] [--json] [TEXT...]                     classify messages (no TEXT: one per line on stdin)
  spamrnn export  --model FILE --out DIR                                              write the model for PyTorch (safetensors, vocab.txt, config.json)
  spamrnn import  DIR --out FILE                                                      read an export (Ember's or PyTorch's) into a model file

Run 'spamrnn <command> -h' for a command's options, ranges and defaults.
`

// errInterrupted reports that a signal stopped the command after it said
// what it kept; run turns it into the signal's exit status.
var errInterrupted = errors.New("interrupted")

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "train":
		err = cmdTrain(ctx, args[1:], stdout, stderr)
	case "eval":
		err = cmdEval(args[1:], stdout, stderr)
	case "predict":
		err = cmdPredict(args[1:], stdin, stdout, stderr)
	case "export":
		err = cmdExport(args[1:], stdout, stderr)
	case "import":
		err = cmdImport(args[1:], stdout)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "spamrnn: unknown command %q\n%s", args[0], usage)
		return 2
	}
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errInterrupted):
		if s := cli.InterruptSignal(ctx); s != nil {
			return cli.ExitCode(s)
		}
		return 130
	case errors.Is(err, cli.ErrUsage), errors.Is(err, train.ErrStateMismatch):
		cli.PrintError(stderr, "spamrnn "+args[0], err)
		return 2
	}
	cli.PrintError(stderr, "spamrnn "+args[0], err)
	return 1
}

// trainFlags are spamrnn train's options, as parsed.
type trainFlags struct {
	fs                                           *cli.FlagSet
	data, format, positive, labelCol, textCol    *string
	cell, widths, padding                        *string
	epochs, batch, seqLen, embed, hidden, layers *int
	channels, patience, bucket                   *int
	dropout, lr, clip                            *float64
	seed                                         *uint64
	selectBy, device, out, plot, resume, state   *string
	asJSON, packed, bidirectional                *bool
}

// Bounds of the model's sizes: far above any use of this model, they keep
// absurd values (--hidden 100000000) from reaching the memory check as
// overflowing products; the memory check then judges what is left.
const (
	maxEpochs = 100_000
	maxBatch  = 1 << 16
	maxSeqLen = 10_000
	maxWidth  = 1 << 16 // --embed, --hidden
	maxLayers = 64
)

// newTrainFlags declares spamrnn train's flags: every bound and default in
// one place, checked together by Parse.
func newTrainFlags(stdout io.Writer) *trainFlags {
	fs := cli.NewFlagSet("spamrnn train", "usage: spamrnn train [options]\n"+
		"\nTrains the text classifier (embedding, stacked LSTMs or GRUs or a text CNN,\n"+
		"dense, sigmoid; binary cross-entropy, Adam, gradient-norm clipping) on\n"+
		"labelled messages split 70/15/15 into training, validation and test; keeps the\n"+
		"epoch with the best validation figure, saving it after every improvement, and\n"+
		"reports accuracy on the test split. SMS data (ham/spam labels) needs no\n"+
		"--positive; for any other two-class labelled text, name the positive label\n"+
		"with --positive.\n"+
		"\n--cell picks the sequence encoder: lstm (the reference) and gru stack --layers\n"+
		"recurrent layers of --hidden units; cnn is a text CNN (Kim 2014): for each of\n"+
		"--widths a convolution of --channels filters, ReLU and max over time. The model\n"+
		"file records the cell; eval and predict read it from there.\n"+
		"\nThe run's training state (weights, Adam's moments and step count, the position\n"+
		"in the epoch's order, dropout counters, best weights, history) is kept in\n"+
		"--state at every epoch's end and when SIGINT or SIGTERM stops the run;\n"+
		"--resume FILE continues the run from there, mid-epoch too, and ends with the\n"+
		"same model, bit for bit, as the run would have had it not been stopped (on\n"+
		"the same device: the CPU and CUDA round differently).\n"+
		"\n--packed runs the recurrent layers on each message's own length (PyTorch's\n"+
		"pack_padded_sequence): the recurrence starts at the message's first word, not\n"+
		"over its padding, so its probability does not depend on --seq-len's padding,\n"+
		"and training batches are bucketed by length (shuffled, sorted within chunks of\n"+
		"--bucket batches, batches shuffled) so that each step runs about as many time\n"+
		"steps as its longest message has words. The model file records it.\n"+
		"\n--bidirectional runs every recurrent layer in both directions (PyTorch's\n"+
		"bidirectional=True): a second cell per layer reads each message from its last\n"+
		"word to its first, and the dense layer reads both directions' final states.\n"+
		"It doubles the recurrent work. The model file and exports record it.\n", stdout)
	def := spam.DefaultConfig()
	f := &trainFlags{
		fs: fs,
		data: fs.Input("data", "", "training data: TSV (label<TAB>text, or text<TAB>label with --positive) or CSV with a header",
			cli.DefaultText("the embedded demo corpus"), cli.NotEmpty("a data file")),
		format: fs.Choice("format", "auto", []string{"auto", "tsv", "csv"}, "data format"),
		positive: fs.String("positive", "", "the positive class's `label`, for any two-class labelled text (the other label is the negative class)",
			cli.DefaultText("spam, with ham the negative class"), cli.NotEmpty("a label")),
		labelCol: fs.String("label", "", "CSV `column` holding the labels", cli.DefaultText("label, v1, category or class"), cli.NotEmpty("a column")),
		textCol:  fs.String("text", "", "CSV `column` holding the messages", cli.DefaultText("text, v2, message or sms"), cli.NotEmpty("a column")),
		cell:     fs.Choice("cell", def.Cell, spam.Cells, "sequence encoder"),
		epochs:   fs.Int("epochs", 10, 1, maxEpochs, "training epochs"),
		batch:    fs.Int("batch", 10, 1, maxBatch, "batch size"),
		seqLen:   fs.Int("seq-len", def.SeqLen, 1, maxSeqLen, "tokens per message (left-padded, truncated)"),
		embed:    fs.Int("embed", def.Embed, 1, maxWidth, "embedding size"),
		hidden:   fs.Int("hidden", def.Hidden, 1, maxWidth, "hidden size (lstm, gru)"),
		layers:   fs.Int("layers", def.Layers, 1, maxLayers, "recurrent layers (lstm, gru)"),
		widths:   fs.String("widths", "3,4,5", "filter `widths`, comma-separated (cnn)"),
		channels: fs.Int("channels", 100, 1, maxWidth, "filters per width (cnn)"),
		dropout: fs.Float("dropout", def.Dropout, cli.Range{Min: 0, Max: 1, MaxOpen: true},
			"dropout between recurrent layers, or on the cnn's features"),
		padding: fs.Choice("padding", spam.PaddingZero, []string{spam.PaddingZero, spam.PaddingLearned},
			"the padding word's embedding: zero (fixed, as nn.Embedding(padding_idx=0)) or learned (like any word, as the reference notebook's nn.Embedding)"),
		lr:       fs.Float("lr", 1e-3, cli.Range{Min: 0, MinOpen: true, Max: 10}, "Adam learning rate"),
		clip:     fs.Float("clip", 5, cli.AtLeast(0), "gradient-norm clip (0: no clipping)"),
		seed:     fs.Uint64("seed", 1234, "seed for initialisation, split, shuffling and dropout"),
		patience: fs.Int("patience", 0, 0, maxEpochs, "stop after this many epochs without a better validation figure (0: never stop early)"),
		selectBy: fs.Choice("select", "accuracy", []string{"accuracy", "loss"}, "keep the epoch with the best validation accuracy or loss"),
		device: fs.Custom("device", "auto", "auto|cpu|cuda[:N]",
			"auto (CUDA device 0 when built with -tags embercuda and present, else the CPU), cpu or cuda[:N]", checkDeviceSpec),
		out:           fs.Output("out", "spam.model", "where to save the trained model", cli.Replaces(replacesOnly(spam.FileKind))),
		plot:          fs.Output("plot", "", "write a training-curve PNG here", cli.Ext(".png")),
		asJSON:        fs.Bool("json", false, "make the last line of output one JSON object with the results"),
		packed:        fs.Bool("packed", false, "run the recurrent layers on each message's own length, with length-bucketed batches (lstm, gru)"),
		bidirectional: fs.Bool("bidirectional", false, "run every recurrent layer in both directions, as PyTorch's bidirectional=True (lstm, gru)"),
		bucket:        fs.Int("bucket", train.DefaultChunk, 1, maxBatch, "with --packed: batches sorted by length together (1: only within each batch)"),
		resume: fs.Input("resume", "", "continue the run whose training state this `file` holds, on the same data, with the same settings; "+
			"--epochs, --patience, --out, --plot and --device may change", cli.Updated(), cli.NotEmpty("the training state file to resume")),
		state: fs.Output("state", "", "where to keep the run's training state: a regular file, rewritten at every epoch's end and on an interrupt (--state '' keeps none)",
			cli.DefaultText("--out with .state added; with --resume, the file resumed"), cli.Replaces(replacesOnly(train.StateKind)),
			cli.RegularFile("the state is rewritten at every epoch's end for --resume to read back; give a file name, or --state '' to keep none")),
	}
	fs.Check(f.checkCell)
	fs.Check(func() error {
		if fs.IsSet("bucket") && !*f.packed {
			return errors.New("--bucket: sorts the batches of a --packed run; add --packed")
		}
		return nil
	})
	fs.Check(func() error {
		if *f.data == "" && (*f.positive != "" || *f.labelCol != "" || *f.textCol != "") {
			return errors.New("--positive, --label and --text describe a --data file; the demo corpus is ham/spam")
		}
		return nil
	})
	return f
}

// checkCell checks that the size flags given fit the cell (--hidden with
// cnn, or --widths with gru, is a mistake worth saying), that --widths
// parses, and the model's settings as a whole (a filter wider than the
// sequence), before any data is read.
func (f *trainFlags) checkCell() error {
	cnn := *f.cell == "cnn"
	var misplaced []string
	for _, name := range []string{"hidden", "layers", "widths", "channels"} {
		cnnOnly := name == "widths" || name == "channels"
		if f.fs.IsSet(name) && cnn != cnnOnly {
			misplaced = append(misplaced, "--"+name)
		}
	}
	if len(misplaced) > 0 {
		takes := "--hidden and --layers"
		if cnn {
			takes = "--widths and --channels"
		}
		return fmt.Errorf("%s: not used by --cell %s (it takes %s)", strings.Join(misplaced, ", "), *f.cell, takes)
	}
	if *f.packed && cnn {
		return errors.New("--packed: applies to the recurrent cells (--cell lstm or gru), not to the cnn")
	}
	if *f.bidirectional && cnn {
		return errors.New("--bidirectional: applies to the recurrent cells (--cell lstm or gru), not to the cnn")
	}
	cfg, err := f.config()
	if err != nil {
		return err
	}
	cfg.Vocab = 3 // known only after loading the data
	return cfg.Validate()
}

// config is the model the flags describe (the vocabulary comes from the
// data).
func (f *trainFlags) config() (spam.Config, error) {
	cfg := spam.Config{Cell: *f.cell, SeqLen: *f.seqLen, Embed: *f.embed, Dropout: *f.dropout, Packed: *f.packed,
		Padding: *f.padding}
	if *f.cell != "cnn" {
		cfg.Hidden, cfg.Layers, cfg.Bidirectional = *f.hidden, *f.layers, *f.bidirectional
		return cfg, nil
	}
	cfg.Channels = *f.channels
	for _, w := range strings.Split(*f.widths, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 1 || n > maxSeqLen {
			return cfg, fmt.Errorf("--widths %q: want whole numbers from 1 to %d separated by commas", *f.widths, maxSeqLen)
		}
		cfg.Widths = append(cfg.Widths, n)
	}
	if len(cfg.Widths) > 64 {
		return cfg, fmt.Errorf("--widths %q: at most 64 widths", *f.widths)
	}
	return cfg, nil
}

// options are the parsed flags as spam.Options.
func (f *trainFlags) options() (spam.Options, error) {
	cfg, err := f.config()
	if err != nil {
		return spam.Options{}, err
	}
	o := spam.Options{
		Model:  cfg,
		Epochs: *f.epochs, BatchSize: *f.batch, LR: *f.lr, Clip: *f.clip, Seed: *f.seed, Patience: *f.patience,
		Bucket: *f.bucket,
	}
	if o.Clip == 0 {
		o.Clip = -1 // the flag's 0 means off; Options' 0 means the default
	}
	if o.Seed == 0 {
		// Options' zero seed means the default; a seed of 0 is a seed
		// like any other, so give it a value of its own.
		o.Seed = 1<<64 - 1
	}
	o.Select, err = train.ParseSelect(*f.selectBy)
	return o, err
}

func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f := newTrainFlags(stdout)
	if err := f.fs.Parse(args); err != nil {
		return err
	}
	var run *spam.Run
	var rec *runRecord
	if *f.resume != "" {
		var err error
		if run, err = spam.LoadRun(*f.resume); err != nil {
			return notAState(*f.resume, err)
		}
		if rec, err = f.resumeDefaults(run, stdout); err != nil {
			return err
		}
	} else if !f.fs.IsSet("state") && !atomicfile.InPlace(*f.out) {
		// Not beside a device or a FIFO: /dev/null.state would land in /dev.
		if err := f.fs.Default(map[string]string{"state": *f.out + ".state"}); err != nil {
			return err
		}
	}
	o, err := f.options()
	if err != nil {
		return err
	}
	dev, note, err := selectDevice(*f.device)
	if err != nil {
		return err
	}
	defer dev.close()
	o.Device = dev.dev
	if note != "" {
		fmt.Fprintln(stdout, note)
	}
	if m := o.Model; m.Cell != "cnn" && m.Layers == 1 && m.Dropout > 0 {
		fmt.Fprintf(stdout, "note: --dropout %g acts between recurrent layers: with --layers 1 it has no effect (as in PyTorch's nn.%s)\n",
			m.Dropout, strings.ToUpper(m.Cell))
	}
	if rec != nil && rec.Device != dev.name {
		fmt.Fprintf(stdout, "  device %s: the run trained on %s; float rounding differs between devices, so the figures will not be exactly those of an uninterrupted run\n",
			dev.name, rec.Device)
	}
	if o.StateFile = *f.state; o.StateFile != "" {
		if o.StateExtra, err = f.record(dev.name); err != nil {
			return err
		}
	}
	if run != nil {
		if d := run.RunDiff(o); len(d) > 0 { // the flags were checked: a bug if this fails
			return fmt.Errorf("resuming %s: the settings differ from the run's: %s", run.State.Path, strings.Join(d, ", "))
		}
		o.Resume = run
	}
	if !dev.dev.IsCUDA() && !cpu.OpenBLAS() {
		fmt.Fprintf(stderr, "spamrnn train: notice: OpenBLAS is not loaded, so matrix products use the pure-Go GEMM, several times slower (%s). "+
			"Install OpenBLAS (scripts/setup.sh, or the libopenblas0 package) for full speed.\n", cpu.GEMMName())
	}
	o.MaxBytes = dev.freeMemory()

	var examples []data.Example
	var load data.LoadReport
	if *f.data == "" {
		examples, load, err = data.DemoCorpus()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "data: "+data.DemoDescription)
	} else {
		hint := ""
		if *f.positive == "" {
			hint = "for labels other than ham and spam, name the positive one with --positive"
		}
		examples, load, err = loadExamples(f.fs, *f.data, *f.format, *f.positive, *f.labelCol, *f.textCol, hint)
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "data: "+load.String())
	for _, s := range load.FirstSkips {
		fmt.Fprintf(stdout, "  skipped %s\n", s)
	}
	o.Progress = stdout
	saved := 0 // the epoch saved in --out, 0 for none
	// Each best model so far is saved, to survive an interrupt, except into
	// a device or a FIFO, which get the final model once: a FIFO's reader
	// takes one file, and /dev/null keeps nothing to fall back on.
	if !atomicfile.InPlace(*f.out) {
		o.OnBest = func(c *spam.Classifier) error {
			if err := c.Save(*f.out); err != nil {
				return fmt.Errorf("saving the best model so far: %w", err)
			}
			saved = c.Info.BestEpoch
			return nil
		}
	}
	fmt.Fprintf(stdout, "device: %s\n", dev.describe())
	if o.StateFile != "" { // a regular file (cli.RegularFile)
		fmt.Fprintf(stdout, "training state: %s (at every epoch's end and on an interrupt; --resume continues from it)\n", o.StateFile)
	}
	start := time.Now()
	clf, rep, err := spam.Train(ctx, examples, load, o)
	err = inFlagNames(err)
	// A signal after the last step (in the last epoch's validation, or
	// while the splits are scored) finds no step left to stop after, so
	// training ends on its own; but the user was told it would stop, and
	// expects what a signal between two epochs gives: the best model and
	// the state kept, the interrupt said, and 128+signal.
	finished := false // every epoch trained: nothing left to resume
	if err == nil && rep.Fit != nil && !rep.Fit.Interrupted && ctx.Err() != nil {
		rep.Fit.Interrupted, finished = true, true
	}
	// resumeNote says where the run can be continued from.
	resumeNote := func(w io.Writer, what string) {
		if o.StateFile == "" || rep == nil || rep.Fit == nil || rep.Fit.Steps == 0 || finished {
			return
		}
		if fi, err := os.Stat(o.StateFile); err == nil && fi.Mode().IsRegular() {
			fmt.Fprintf(w, "%sthe training state%s is in %s: continue with spamrnn train --resume %s\n", what, stateWhen(rep.Fit), o.StateFile, o.StateFile)
		}
	}
	if err != nil {
		if saved > 0 {
			fmt.Fprintf(stderr, "spamrnn train: the best model so far (epoch %d) is in %s\n", saved, *f.out)
		}
		if rep != nil && rep.Fit != nil && len(rep.Fit.History) > 0 && !errors.Is(err, train.ErrStateMismatch) {
			resumeNote(stderr, "spamrnn train: ")
		}
		return err
	}
	fmt.Fprintf(stdout, "model: %s\n", clf.Summary())
	fmt.Fprintf(stdout, "split: %d train, %d validation, %d test (%d empty messages dropped)\n",
		rep.Train, rep.Val, rep.Test, rep.EmptyDropped)
	if rep.Fit.Interrupted {
		why := "interrupted"
		if s := cli.InterruptSignal(ctx); s != nil {
			why += " by " + cli.SignalName(s)
		}
		if rep.Fit.BestEpoch == 0 {
			fmt.Fprintf(stdout, "%s before the first epoch finished: no model was saved", why)
			if fi, err := os.Stat(*f.out); err == nil && fi.Mode().IsRegular() {
				fmt.Fprintf(stdout, " (%s is from an earlier run and was left as it was)", *f.out)
			}
			fmt.Fprintln(stdout)
			resumeNote(stdout, "")
			return errInterrupted
		}
		n := len(rep.Fit.History)
		fmt.Fprintf(stdout, "%s after %d complete %s\n", why, n, map[bool]string{true: "epoch", false: "epochs"}[n == 1])
		resumeNote(stdout, "")
	}
	if rep.Fit.StoppedEarly {
		fmt.Fprintf(stdout, "stopped early: no better validation %s for %d epochs\n", o.Select, o.Patience)
	}
	if rep.Fit.BestEpoch > 0 {
		if err := clf.Save(*f.out); err != nil {
			fmt.Fprintf(stderr, "spamrnn train: the best model (epoch %d) is in %s, without its test figures\n", saved, *f.out)
			return err
		}
		fmt.Fprintf(stdout, "saved the best model by validation %s (epoch %d: accuracy %.4f, loss %.4f) to %s\n",
			o.Select, rep.Fit.BestEpoch, rep.Fit.Best.ValAcc, rep.Fit.Best.ValLoss, *f.out)
	}
	var plotErr error
	if *f.plot != "" && len(rep.Fit.History) > 0 {
		// The model is saved: a chart that fails to draw is reported, and
		// the run still counts as failed, but nothing is lost.
		if plotErr = plotHistory(*f.plot, rep.Fit.BestEpoch, rep.Fit.History); plotErr == nil {
			fmt.Fprintf(stdout, "training curve: %s\n", *f.plot)
		}
	}
	res := map[string]any{
		"device":        dev.name,
		"packed":        clf.Model.Cfg.Packed,
		"bidirectional": clf.Model.Cfg.Bidirectional,
		"gemm":          dev.gemm(),
		"epochs":        len(rep.Fit.History),
		"best_epoch":    rep.Fit.BestEpoch,
		"train_seconds": rep.Fit.TrainSeconds,
		"seq_per_s":     rep.Fit.SeqPerSec,
		"rows_loaded":   load.Loaded,
		"rows_skipped":  load.Skipped,
		"vocab_size":    clf.Vocab.Size(),
		"interrupted":   rep.Fit.Interrupted,
		"model_file":    *f.out,
		"state_file":    o.StateFile,
		"wall_seconds":  time.Since(start).Seconds(),
		"data":          load.Source,
		"labels":        []string{clf.Labels.Negative, clf.Labels.Positive},
	}
	if rep.ValResult != nil {
		res["val_accuracy"], res["val_loss"] = rep.ValResult.Accuracy, rep.ValResult.Loss
	}
	if rep.TestResult != nil {
		res["test_accuracy"], res["test_loss"] = rep.TestResult.Accuracy, rep.TestResult.Loss
		printReport(stdout, "test", rep.TestResult, clf.Labels)
	}
	if rep.Fit.Interrupted {
		fmt.Fprintf(stdout, "the best model (epoch %d) is saved in %s\n", rep.Fit.BestEpoch, *f.out)
	}
	if *f.asJSON {
		if err := cli.WriteJSON(stdout, res, nil); err != nil {
			return err
		}
	}
	if plotErr != nil {
		return fmt.Errorf("the model is saved in %s, but the training curve is not: %w", *f.out, plotErr)
	}
	if rep.Fit.Interrupted {
		return errInterrupted
	}
	return nil
}

// optionFlags are the flags of spamrnn train that set the spam.Options
// fields spam.Train's advice names.
var optionFlags = map[string]string{
	"Seed": "--seed", "BatchSize": "--batch", "Model.SeqLen": "--seq-len", "Model.Embed": "--embed",
	"Model.Hidden": "--hidden", "Model.Layers": "--layers", "Model.Channels": "--channels", "Model.Widths": "--widths",
}

// inFlagNames words the advice of a spam.Train error (a *spam.AdviceError,
// which names spam.Options fields) in the flags that set them; other
// errors are returned as they are.
func inFlagNames(err error) error {
	var advice *spam.AdviceError
	if !errors.As(err, &advice) {
		return err
	}
	flagged := advice.Advise(func(field string) string {
		if name, ok := optionFlags[field]; ok {
			return name
		}
		return "spam.Options." + field // a field without a flag: a bug, but still a name
	})
	return reworded{strings.Replace(err.Error(), advice.Error(), flagged, 1), err}
}

// reworded is err with another text.
type reworded struct {
	text string
	err  error
}

func (r reworded) Error() string { return r.text }
func (r reworded) Unwrap() error { return r.err }

// loadExamples reads labelled messages. An undetectable format gets
// hint, what the command's flags can do about it. --label and --text on
// data read as TSV, which has no named columns, are refused (a usage
// error of fs) rather than ignored.
func loadExamples(fs *cli.FlagSet, path, format, positive, labelCol, textCol, hint string) ([]data.Example, data.LoadReport, error) {
	f, err := data.ParseFormat(format)
	if err != nil {
		return nil, data.LoadReport{}, err
	}
	ex, rep, err := data.LoadFile(path, data.Options{Format: f, Positive: positive, LabelColumn: labelCol, TextColumn: textCol})
	if errors.Is(err, data.ErrLooksLikeCSV) {
		err = fmt.Errorf("%w (--format csv)", err)
	}
	if errors.Is(err, data.ErrUnknownFormat) {
		err = fmt.Errorf("%w; if the file is one of these, say which with --format tsv or --format csv", err)
		if hint != "" {
			err = fmt.Errorf("%w; %s", err, hint)
		}
	}
	if err == nil && rep.Format == data.FormatTSV && (labelCol != "" || textCol != "") {
		var given []string
		for _, c := range []struct{ flag, v string }{{"label", labelCol}, {"text", textCol}} {
			if c.v != "" {
				given = append(given, "--"+c.flag+" "+c.v)
			}
		}
		return nil, rep, fs.Problem(fmt.Errorf("%s: flags that name the columns of a CSV file; %s is read as TSV, which has no named columns (drop them, or give --format csv)",
			strings.Join(given, ", "), path))
	}
	return ex, rep, err
}

func plotHistory(path string, kept int, h []train.EpochStats) error {
	var ep []int
	var tl, vl, ta, va []float64
	for _, s := range h {
		ep = append(ep, s.Epoch)
		tl, vl, ta, va = append(tl, s.TrainLoss), append(vl, s.ValLoss), append(ta, s.TrainAcc), append(va, s.ValAcc)
	}
	return plots.TrainingCurveKept(path, kept, ep, tl, vl, ta, va)
}

// printReport prints accuracy, loss, the confusion matrix and the
// classification report of an evaluation, the classes decided at 0.5.
func printReport(w io.Writer, name string, r *train.EvalResult, l spam.Labels) {
	yTrue, yPred := decide(r, spam.DefaultThreshold)
	fmt.Fprintf(w, "%s: accuracy %.4f, loss %.4f on %d messages\n", name, metrics.Accuracy(yTrue, yPred), r.Loss, len(r.Probs))
	printDecisions(w, yTrue, yPred, l)
}

// decide is an evaluation's true classes and the classes a threshold
// gives its probabilities (spam.IsPositive), 1 for the positive class.
func decide(r *train.EvalResult, threshold float64) (yTrue, yPred []int) {
	yTrue, yPred = make([]int, len(r.Probs)), make([]int, len(r.Probs))
	for i, p := range r.Probs {
		if r.Labels[i] >= 0.5 { // the targets are 0 or 1
			yTrue[i] = 1
		}
		if spam.IsPositive(p, threshold) {
			yPred[i] = 1
		}
	}
	return yTrue, yPred
}

// printDecisions prints the confusion matrix and the classification
// report of decided classes.
func printDecisions(w io.Writer, yTrue, yPred []int, l spam.Labels) {
	cm := metrics.ConfusionMatrix(yTrue, yPred, 2)
	width := max(len(l.Negative), len(l.Positive), 5)
	fmt.Fprintf(w, "confusion (rows true, columns predicted):\n  %*s %*s %*s\n", width, "", width, l.Negative, width, l.Positive)
	fmt.Fprintf(w, "  %*s %*d %*d\n  %*s %*d %*d\n", width, l.Negative, width, cm[0][0], width, cm[0][1],
		width, l.Positive, width, cm[1][0], width, cm[1][1])
	fmt.Fprint(w, metrics.Classification(yTrue, yPred, []string{l.Negative, l.Positive}).String())
}

// thresholdFlag declares --threshold, the decision threshold of eval and
// predict.
func thresholdFlag(fs *cli.FlagSet, what string) *float64 {
	return fs.Float("threshold", spam.DefaultThreshold, cli.Range{Min: 0, MinOpen: true, Max: 1, MaxOpen: true},
		"decision threshold: a message is the positive class (spam, or train's --positive) when its probability is at least this, the other class below it; "+what)
}

// rankingScores are eval's threshold-free figures of the positive class's
// probability: ROC AUC and average precision, NaN when the data lacks a
// class they need, with why (for the report and the JSON's null_reasons).
type rankingScores struct {
	auc, ap         float64
	whyAUC, whyAP   string
	positives, rows int
}

func scoreRanking(r *train.EvalResult) rankingScores {
	yTrue, _ := decide(r, spam.DefaultThreshold)
	s := rankingScores{rows: len(yTrue)}
	for _, y := range yTrue {
		s.positives += y
	}
	var err error
	if s.auc, err = metrics.ROCAUC(yTrue, r.Probs); err != nil {
		s.whyAUC = "undefined: the data has messages of one class only"
	}
	if s.ap, err = metrics.AveragePrecision(yTrue, r.Probs); err != nil {
		s.whyAP = "undefined: the data has no message of the positive class"
	}
	return s
}

// figure writes a score to four places, or "-" with why it has none.
func figure(v float64, why string) string {
	if why != "" {
		return "- (" + why + ")"
	}
	return strconv.FormatFloat(v, 'f', 4, 64)
}

func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("spamrnn eval", "usage: spamrnn eval --model FILE --data FILE [--threshold X] [--plot PREFIX] [--format auto|tsv|csv] [--label COLUMN] [--text COLUMN] [--json]\n"+
		"\nScores a model saved by spamrnn train or import on labelled data, read with\n"+
		"the model's labels (ham/spam, or those of the data it was trained on with\n"+
		"--positive).\n"+
		"\nThreshold-free, from the probabilities of the positive class (spam): the loss\n"+
		"(binary cross-entropy), ROC AUC and average precision (scikit-learn's\n"+
		"roc_auc_score and average_precision_score: how well the probabilities rank\n"+
		"the positive messages above the others).\n"+
		"\nAt --threshold (a message is positive when its probability is at least the\n"+
		"threshold, so one exactly at it is positive): accuracy, the confusion matrix\n"+
		"and per-class precision, recall and F1. Raise the threshold for fewer false\n"+
		"positives (ham called spam) at the cost of recall; --plot shows the trade.\n", stdout)
	modelPath := fs.Input("model", "", "model `file` written by spamrnn train or import", cli.Required())
	dataPath := fs.Input("data", "", "labelled messages (TSV or CSV)", cli.Required())
	threshold := thresholdFlag(fs, "sets the accuracy, confusion matrix and per-class figures, and the point marked on --plot's curves (the loss, ROC AUC and average precision do not depend on it)")
	plotPrefix := fs.OutputPrefix("plot", "write PREFIX-roc.png and PREFIX-pr.png: the ROC and precision-recall curves, with the point --threshold puts the model at marked",
		[]string{"-roc.png", "-pr.png"})
	format := fs.Choice("format", "auto", []string{"auto", "tsv", "csv"}, "data format")
	labelCol := fs.String("label", "", "CSV `column` holding the labels", cli.DefaultText("label, v1, category or class"), cli.NotEmpty("a column"))
	textCol := fs.String("text", "", "CSV `column` holding the messages", cli.DefaultText("text, v2, message or sms"), cli.NotEmpty("a column"))
	asJSON := fs.Bool("json", false, "make the last line of output one JSON object with the results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	clf, err := loadModel(*modelPath, stderr)
	if err != nil {
		return err
	}
	positive := ""
	if clf.Labels != spam.SMSLabels {
		positive = clf.Labels.Positive
	}
	examples, load, err := loadExamples(fs, *dataPath, *format, positive, *labelCol, *textCol,
		fmt.Sprintf("the model's labels are %q and %q", clf.Labels.Negative, clf.Labels.Positive))
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "data: "+load.String())
	if positive != "" && load.Negative != "" && load.Negative != clf.Labels.Negative {
		return fmt.Errorf("%s: the labels are %q and %q, but the model's are %q and %q",
			*dataPath, load.Negative, load.Positive, clf.Labels.Negative, clf.Labels.Positive)
	}
	if *plotPrefix != "" {
		// The curves need both classes among the messages scored: say so
		// before scoring them.
		kept, _ := data.DropEmpty(examples)
		if pos := countPositive(kept); len(kept) > 0 && (pos == 0 || pos == len(kept)) {
			return fs.Problem(fmt.Errorf("--plot %s: the ROC and precision-recall curves need messages of both classes, but every message with words in %s is %s",
				*plotPrefix, *dataPath, map[bool]string{true: clf.Labels.Positive, false: clf.Labels.Negative}[pos > 0]))
		}
	}
	r, dropped, err := clf.Evaluate(examples)
	if err != nil {
		return err
	}
	if dropped > 0 {
		fmt.Fprintf(stdout, "%d messages without words were left out\n", dropped)
	}
	rank := scoreRanking(r)
	yTrue, yPred := decide(r, *threshold)
	accuracy := metrics.Accuracy(yTrue, yPred)
	fmt.Fprintf(stdout, "eval on %d messages (%d %s): loss %.4f, ROC AUC %s, average precision %s (threshold-free)\n",
		rank.rows, rank.positives, clf.Labels.Positive, r.Loss, figure(rank.auc, rank.whyAUC), figure(rank.ap, rank.whyAP))
	th := strconv.FormatFloat(*threshold, 'g', -1, 64)
	fmt.Fprintf(stdout, "at threshold %s (%s when P(%s) >= %s): accuracy %.4f\n", th, clf.Labels.Positive, clf.Labels.Positive, th, accuracy)
	printDecisions(stdout, yTrue, yPred, clf.Labels)
	var written []string
	if *plotPrefix != "" {
		if written, err = plotCurves(*plotPrefix, yTrue, r.Probs, *threshold, clf.Labels, *dataPath); err != nil {
			return err
		}
		for _, p := range written {
			fmt.Fprintln(stdout, "wrote "+p)
		}
	}
	if *asJSON {
		cm := metrics.ConfusionMatrix(yTrue, yPred, 2)
		return cli.WriteJSON(stdout, map[string]any{
			"accuracy": accuracy, "loss": r.Loss, "roc_auc": rank.auc, "average_precision": rank.ap,
			"threshold": *threshold, "confusion": cm, "labels": []string{clf.Labels.Negative, clf.Labels.Positive},
			"messages": len(r.Probs), "rows_loaded": load.Loaded, "rows_skipped": load.Skipped, "empty_dropped": dropped,
			"model_file": *modelPath, "plot_files": written,
		}, map[string]string{"roc_auc": rank.whyAUC, "average_precision": rank.whyAP})
	}
	return nil
}

// countPositive counts the examples of the positive class.
func countPositive(ex []data.Example) int {
	n := 0
	for _, e := range ex {
		if e.Spam {
			n++
		}
	}
	return n
}

// plotCurves writes eval's ROC and precision-recall curves, PREFIX-roc.png
// and PREFIX-pr.png, with the threshold's operating point, and returns the
// files written.
func plotCurves(prefix string, yTrue []int, probs []float64, threshold float64, l spam.Labels, dataPath string) ([]string, error) {
	about := fmt.Sprintf("P(%s) on %s", l.Positive, clipText(filepath.Base(dataPath), 28))
	roc, pr := prefix+"-roc.png", prefix+"-pr.png"
	if err := plots.ROCCurveAt(roc, yTrue, probs, threshold, "ROC curve of "+about); err != nil {
		return nil, err
	}
	if err := plots.PrecisionRecallCurveAt(pr, yTrue, probs, threshold, "Precision-recall curve of "+about); err != nil {
		return []string{roc}, fmt.Errorf("wrote %s, but not %s: %w", roc, pr, err)
	}
	return []string{roc, pr}, nil
}

// loadModel reads a model file, telling stderr when it was converted from
// an older layout and how to rewrite it.
func loadModel(path string, stderr io.Writer) (*spam.Classifier, error) {
	clf, err := spam.Load(path)
	if err != nil {
		return nil, notAModel(path, err)
	}
	if clf.LoadNote != "" {
		fmt.Fprintf(stderr, "note: %s; to rewrite it in the new layout: spamrnn export --model %s --out DIR, then spamrnn import DIR --out %[2]s\n",
			clf.LoadNote, path)
	}
	return clf, err
}

// predictChunk is how many stdin messages are classified at a time: the
// answers to earlier lines are out before later lines are read, and a
// read error stops only what follows.
const predictChunk = 256

func cmdPredict(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := cli.NewFlagSet("spamrnn predict", "usage: spamrnn predict --model FILE [--threshold X] [--json] [TEXT...]\n"+
		"\nClassifies each TEXT, or, when no TEXT is given, each line of standard input\n"+
		"(of any length; a line ends in LF, CRLF or a lone CR). Each message gets one\n"+
		"line: its class and the probability of the positive class (spam, or the label\n"+
		"train was given with --positive), or \"empty -\" for a message with no words.\n"+
		"The class is the positive one when the probability is at least --threshold\n"+
		"(one exactly at it is positive); the probability does not depend on it.\n"+
		"With --json each line is a JSON object instead: text, label, probability (the\n"+
		"positive class's, at full precision; null for a message with no words), words\n"+
		"and unknown_words (words not in the model's vocabulary). Options go before the\n"+
		"TEXTs; after --, every argument is a TEXT, even one that starts with -.\n", stdout)
	fs.Args(cli.ArgSpec{Name: "TEXT", Max: -1})
	modelPath := fs.Input("model", "", "model `file` written by spamrnn train or import", cli.Required())
	threshold := thresholdFlag(fs, "the probability printed does not depend on it")
	asJSON := fs.Bool("json", false, "one JSON object per message (JSON Lines), the probability at full precision")
	err := fs.Parse(args)
	if opt := optionAfterText(args, fs.Arg()); opt != "" && !errors.Is(err, flag.ErrHelp) {
		return fs.Problem(fmt.Errorf("%q comes after the first message %q: options go before the messages (after --, everything is a message)",
			opt, clipText(fs.Arg()[0], 40)))
	}
	if err != nil {
		return err
	}
	write := printPredictions
	if *asJSON {
		write = printPredictionsJSON
	}
	writePredictions := func(w io.Writer, clf *spam.Classifier, texts []string) error {
		preds, err := clf.PredictAt(texts, *threshold)
		if err != nil {
			return err
		}
		return write(w, clf, preds)
	}
	clf, err := loadModel(*modelPath, stderr)
	if err != nil {
		return err
	}
	if texts := fs.Arg(); len(texts) > 0 {
		return writePredictions(stdout, clf, texts)
	}
	r := bufio.NewReaderSize(stdin, 64<<10)
	var chunk []string
	for line := 1; ; line++ {
		s, err := readLine(r)
		if line == 1 {
			s = strings.TrimPrefix(s, "\ufeff") // a byte-order mark is not text
		}
		if strings.IndexByte(s, 0) >= 0 {
			// NUL is no character of a message: the input is binary, or
			// UTF-16 (whose ASCII letters each carry one), and its
			// "words" would be classified as nonsense.
			return fmt.Errorf("standard input, line %d: has NUL bytes, so it is not UTF-8 text (UTF-16? convert it first, e.g. iconv -f UTF-16 -t UTF-8)", line)
		}
		if s != "" || err == nil {
			chunk = append(chunk, s)
		}
		if len(chunk) == predictChunk || (err != nil && len(chunk) > 0) {
			if perr := writePredictions(stdout, clf, chunk); perr != nil {
				return perr
			}
			chunk = chunk[:0]
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading messages from standard input, line %d: %w", line, err)
		}
	}
}

// readLine reads one line of r, of any length, without its end: "\n",
// "\r\n" or a lone "\r" (old Mac text, whose messages would otherwise be
// read as one). The error is r's, io.EOF after the last line; the text
// read before it is returned with it.
func readLine(r *bufio.Reader) (string, error) {
	var b []byte
	for {
		c, err := r.ReadByte()
		switch {
		case err != nil:
			return string(b), err
		case c == '\n':
			return string(b), nil
		case c == '\r':
			if next, err := r.Peek(1); err == nil && next[0] == '\n' {
				r.ReadByte() // CRLF is one line end
			}
			return string(b), nil
		}
		b = append(b, c)
	}
}

func printPredictions(w io.Writer, clf *spam.Classifier, preds []spam.Prediction) error {
	bw := bufio.NewWriter(w)
	width := max(len(clf.Labels.Negative), len(clf.Labels.Positive), 4)
	for _, p := range preds {
		if p.Label == "empty" {
			fmt.Fprintf(bw, "%-*s -      (%s has no words to classify)\n", width+1, "empty", shownText(p.Text))
			continue
		}
		fmt.Fprintf(bw, "%-*s %.4f\n", width, p.Label, p.Prob)
	}
	return bw.Flush()
}

// optionAfterText returns the first of texts, predict's arguments, that is
// one of predict's options: flag parsing stops at the first message, so
// an option after it would be classified as a message, or leave --model
// unset. Nothing after a "--" counts.
func optionAfterText(args, texts []string) string {
	if n := len(args) - len(texts); n > 0 && args[n-1] == "--" {
		return ""
	}
	for _, a := range texts {
		name, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimPrefix(a, "-"), "-"), "=")
		if strings.HasPrefix(a, "-") && slices.Contains([]string{"model", "threshold", "json", "h", "help"}, name) {
			return a
		}
	}
	return ""
}

// printPredictionsJSON writes one JSON object per message (JSON Lines).
func printPredictionsJSON(w io.Writer, _ *spam.Classifier, preds []spam.Prediction) error {
	type line struct {
		Text    string   `json:"text"`
		Label   string   `json:"label"`
		Prob    *float64 `json:"probability"` // of the positive class; nil for "empty"
		Words   int      `json:"words"`
		Unknown int      `json:"unknown_words"`
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	enc.SetEscapeHTML(false)
	for _, p := range preds {
		l := line{Text: p.Text, Label: p.Label, Words: p.Words, Unknown: p.Unknown}
		if p.Label != "empty" {
			l.Prob = &p.Prob
		}
		if err := enc.Encode(l); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// shownText names a message in predict's output: quoted, shortened, or
// "a blank message" when it is nothing but white space (quoting it
// trimmed would show "", which is not what was given).
func shownText(s string) string {
	if t := strings.TrimSpace(s); t != "" {
		return strconv.Quote(clipText(t, 60))
	}
	return "a blank message"
}

// clipText shortens a message for display.
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "..."
}
