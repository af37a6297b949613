// Command spamrnn trains, evaluates and applies the spam classifier: the
// reference LSTM, or a GRU or text CNN in its place (--cell).
//
//	spamrnn train   [--data PATH] [--cell lstm|gru|cnn] [--epochs 10] [--batch 10] ... [--out FILE] [--json]
//	spamrnn eval    --model FILE --data PATH [--json]
//	spamrnn predict --model FILE [TEXT...]   (or one message per line on stdin)
//
// With no --data, train uses the embedded demo corpus and says so.
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
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emberml/ember/data"
	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/plots"
	"github.com/emberml/ember/spam"
	"github.com/emberml/ember/train"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage:
  spamrnn train   [--data PATH] [--format auto|tsv|csv] [--cell lstm|gru|cnn] [--epochs 10] [--batch 10] [--seq-len 44]
                  [--embed 100] [--hidden 256] [--layers 2] [--widths 3,4,5] [--channels 100]
                  [--dropout 0.5] [--lr 0.001] [--clip 5]
                  [--seed 1234] [--patience 0] [--select accuracy|loss] [--device auto|cpu|cuda[:N]] [--out spam.model] [--plot FILE.png] [--json]
  spamrnn eval    --model FILE --data PATH [--format auto|tsv|csv] [--json]
  spamrnn predict --model FILE [TEXT...]      (no TEXT: one message per line on stdin)

--cell: the sequence encoder. lstm (the default) and gru stack --layers
recurrent layers of --hidden units; cnn is a text CNN (Kim 2014): for each of
--widths a convolution of --channels filters, ReLU and max over time. The
model file records the cell; eval and predict read it from there.

--device: cpu; cuda[:N] trains on CUDA device N (a build with -tags embercuda);
auto (the default) uses CUDA device 0 when the build and the machine have one,
otherwise the CPU with a notice. Models are saved from host memory, so a model
trained on either device loads and predicts on the other (eval and predict run
on the CPU).
`

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
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "spamrnn: unknown command %q\n%s", args[0], usage)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "spamrnn %s: %v\n", args[0], err)
		return 1
	}
	return 0
}

func newFlags(name string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("spamrnn "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	return fs
}

func loadExamples(path, format string) ([]data.Example, data.LoadReport, error) {
	f, err := data.ParseFormat(format)
	if err != nil {
		return nil, data.LoadReport{}, err
	}
	return data.LoadSMSFile(path, f)
}

func cmdTrain(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlags("train", stderr)
	def := spam.DefaultConfig()
	var o spam.Options
	dataPath := fs.String("data", "", "training data: UCI TSV (label<TAB>text) or CSV with a header; default: the embedded demo corpus")
	format := fs.String("format", "auto", "data format: auto, tsv or csv")
	fs.IntVar(&o.Epochs, "epochs", 10, "training epochs")
	fs.IntVar(&o.BatchSize, "batch", 10, "batch size")
	fs.IntVar(&o.Model.SeqLen, "seq-len", def.SeqLen, "tokens per message (left-padded, truncated)")
	fs.IntVar(&o.Model.Embed, "embed", def.Embed, "embedding size")
	fs.StringVar(&o.Model.Cell, "cell", def.Cell, "sequence encoder: "+strings.Join(spam.Cells, ", "))
	fs.IntVar(&o.Model.Hidden, "hidden", def.Hidden, "hidden size (lstm, gru)")
	fs.IntVar(&o.Model.Layers, "layers", def.Layers, "recurrent layers (lstm, gru)")
	widths := fs.String("widths", "3,4,5", "filter widths, comma-separated (cnn)")
	fs.IntVar(&o.Model.Channels, "channels", 100, "filters per width (cnn)")
	fs.Float64Var(&o.Model.Dropout, "dropout", def.Dropout, "dropout between recurrent layers, or on the cnn's features")
	fs.Float64Var(&o.LR, "lr", 1e-3, "Adam learning rate")
	fs.Float64Var(&o.Clip, "clip", 5, "gradient-norm clip (0 disables)")
	seed := fs.Uint64("seed", 1234, "seed for initialisation, split, shuffling and dropout")
	fs.IntVar(&o.Patience, "patience", 0, "stop after this many epochs without a better validation figure (0: never)")
	selectBy := fs.String("select", "accuracy", "keep the epoch with the best validation accuracy or loss")
	device := fs.String("device", "auto", "auto (CUDA when built with -tags embercuda and a device is present, else the CPU), cpu or cuda[:N]")
	out := fs.String("out", "spam.model", "where to save the trained model")
	plotPath := fs.String("plot", "", "write a training-curve PNG here")
	asJSON := fs.Bool("json", false, "make the last line of output one JSON object with the results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := cellFlags(fs, &o.Model, *widths); err != nil {
		return err
	}
	if o.Clip == 0 {
		o.Clip = -1 // the flag's 0 means off; Options' 0 means default
	}
	o.Seed = *seed
	var err error
	if o.Select, err = train.ParseSelect(*selectBy); err != nil {
		return err
	}
	dev, note, err := selectDevice(*device)
	if err != nil {
		return err
	}
	defer dev.close()
	o.Device = dev.dev
	if note != "" {
		fmt.Fprintln(stdout, note)
	}

	var examples []data.Example
	var load data.LoadReport
	if *dataPath == "" {
		examples, load, err = data.DemoCorpus()
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, "data: "+data.DemoDescription)
	} else {
		examples, load, err = loadExamples(*dataPath, *format)
		if err != nil {
			return err
		}
	}
	fmt.Fprintln(stdout, "data: "+load.String())
	for _, s := range load.FirstSkips {
		fmt.Fprintf(stdout, "  skipped %s\n", s)
	}
	o.Progress = stdout
	saved := false
	o.OnBest = func(c *spam.Classifier) error {
		if err := c.Save(*out); err != nil {
			return fmt.Errorf("saving the best model so far: %w", err)
		}
		saved = true
		return nil
	}
	fmt.Fprintf(stdout, "device: %s\n", dev.info)
	start := time.Now()
	clf, rep, err := spam.Train(ctx, examples, load, o)
	if err != nil {
		if saved {
			fmt.Fprintf(stderr, "spamrnn train: the best model so far is in %s\n", *out)
		}
		return err
	}
	fmt.Fprintf(stdout, "model: %s\n", clf.Summary())
	fmt.Fprintf(stdout, "split: %d train, %d validation, %d test (%d empty messages dropped)\n",
		rep.Train, rep.Val, rep.Test, rep.EmptyDropped)
	if rep.Fit.Interrupted {
		fmt.Fprintf(stdout, "interrupted after %d complete epochs\n", len(rep.Fit.History))
	}
	if rep.Fit.StoppedEarly {
		fmt.Fprintf(stdout, "stopped early: no better validation %s for %d epochs\n", o.Select, o.Patience)
	}
	if rep.Fit.BestEpoch > 0 {
		if err := clf.Save(*out); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "saved the best model by validation %s (epoch %d: accuracy %.4f, loss %.4f) to %s\n",
			o.Select, rep.Fit.BestEpoch, rep.Fit.Best.ValAcc, rep.Fit.Best.ValLoss, *out)
	}
	if *plotPath != "" && len(rep.Fit.History) > 0 {
		if err := plotHistory(*plotPath, rep.Fit.BestEpoch, rep.Fit.History); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "training curve: %s\n", *plotPath)
	}
	res := map[string]any{
		"device":        dev.name,
		"epochs":        len(rep.Fit.History),
		"best_epoch":    rep.Fit.BestEpoch,
		"train_seconds": rep.Fit.TrainSeconds,
		"seq_per_s":     rep.Fit.SeqPerSec,
		"rows_loaded":   load.Loaded,
		"rows_skipped":  load.Skipped,
		"vocab_size":    clf.Vocab.Size(),
		"interrupted":   rep.Fit.Interrupted,
		"model_file":    *out,
		"wall_seconds":  time.Since(start).Seconds(),
		"data":          load.Source,
	}
	if rep.ValResult != nil {
		res["val_accuracy"], res["val_loss"] = rep.ValResult.Accuracy, rep.ValResult.Loss
	}
	if rep.TestResult != nil {
		res["test_accuracy"], res["test_loss"] = rep.TestResult.Accuracy, rep.TestResult.Loss
		printReport(stdout, "test", rep.TestResult)
	}
	if *asJSON {
		return json.NewEncoder(stdout).Encode(res)
	}
	return nil
}

// cellFlags checks that the size flags given on the command line fit the
// cell (--hidden with cnn, or --widths with gru, is a mistake worth
// saying), parses --widths for the cnn, and checks the model's settings
// before any data is read.
func cellFlags(fs *flag.FlagSet, cfg *spam.Config, widths string) error {
	if !slices.Contains(spam.Cells, cfg.Cell) {
		return fmt.Errorf("--cell %q: want one of %s", cfg.Cell, strings.Join(spam.Cells, ", "))
	}
	var misplaced []string
	fs.Visit(func(f *flag.Flag) {
		cnnOnly := f.Name == "widths" || f.Name == "channels"
		rnnOnly := f.Name == "hidden" || f.Name == "layers"
		if cfg.Cell == "cnn" && rnnOnly || cfg.Cell != "cnn" && cnnOnly {
			misplaced = append(misplaced, "--"+f.Name)
		}
	})
	if len(misplaced) > 0 {
		takes := "--hidden and --layers"
		if cfg.Cell == "cnn" {
			takes = "--widths and --channels"
		}
		return fmt.Errorf("%s: not used by --cell %s (it takes %s)", strings.Join(misplaced, ", "), cfg.Cell, takes)
	}
	if cfg.Cell == "cnn" {
		for _, w := range strings.Split(widths, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(w))
			if err != nil || n < 1 {
				return fmt.Errorf("--widths %q: want positive whole numbers separated by commas", widths)
			}
			cfg.Widths = append(cfg.Widths, n)
		}
	} else {
		cfg.Widths, cfg.Channels = nil, 0
	}
	check := *cfg
	check.Vocab = 3 // known only after loading the data
	return check.Validate()
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
// classification report of an evaluation.
func printReport(w io.Writer, name string, r *train.EvalResult) {
	yTrue, yPred := make([]int, len(r.Probs)), make([]int, len(r.Probs))
	for i, p := range r.Probs {
		if r.Labels[i] >= 0.5 {
			yTrue[i] = 1
		}
		if p >= 0.5 {
			yPred[i] = 1
		}
	}
	cm := metrics.ConfusionMatrix(yTrue, yPred, 2)
	fmt.Fprintf(w, "%s: accuracy %.4f, loss %.4f on %d messages\n", name, r.Accuracy, r.Loss, len(r.Probs))
	fmt.Fprintf(w, "confusion (rows true, columns predicted):\n          ham  spam\n  ham  %5d %5d\n  spam %5d %5d\n",
		cm[0][0], cm[0][1], cm[1][0], cm[1][1])
	fmt.Fprint(w, metrics.Classification(yTrue, yPred, []string{"ham", "spam"}).String())
}

func cmdEval(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("eval", stderr)
	modelPath := fs.String("model", "", "model file written by spamrnn train")
	dataPath := fs.String("data", "", "labelled messages (TSV or CSV)")
	format := fs.String("format", "auto", "data format: auto, tsv or csv")
	asJSON := fs.Bool("json", false, "make the last line of output one JSON object with the results")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelPath == "" || *dataPath == "" {
		return errors.New("--model and --data are required")
	}
	clf, err := spam.Load(*modelPath)
	if err != nil {
		return err
	}
	examples, load, err := loadExamples(*dataPath, *format)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, "data: "+load.String())
	r, dropped, err := clf.Evaluate(examples)
	if err != nil {
		return err
	}
	if dropped > 0 {
		fmt.Fprintf(stdout, "%d messages without words were left out\n", dropped)
	}
	printReport(stdout, "eval", r)
	if *asJSON {
		return json.NewEncoder(stdout).Encode(map[string]any{
			"accuracy": r.Accuracy, "loss": r.Loss, "messages": len(r.Probs), "rows_loaded": load.Loaded,
			"rows_skipped": load.Skipped, "empty_dropped": dropped, "model_file": *modelPath,
		})
	}
	return nil
}

func cmdPredict(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("predict", stderr)
	modelPath := fs.String("model", "", "model file written by spamrnn train")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *modelPath == "" {
		return errors.New("--model is required")
	}
	clf, err := spam.Load(*modelPath)
	if err != nil {
		return err
	}
	texts := fs.Args()
	if len(texts) == 0 {
		sc := bufio.NewScanner(stdin)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			texts = append(texts, sc.Text())
		}
		if err := sc.Err(); err != nil {
			return fmt.Errorf("reading messages from stdin: %w", err)
		}
	}
	preds, err := clf.Predict(texts)
	if err != nil {
		return err
	}
	for _, p := range preds {
		if p.Label == "empty" {
			fmt.Fprintf(stdout, "empty -      (%q has no words to classify)\n", strings.TrimSpace(p.Text))
			continue
		}
		fmt.Fprintf(stdout, "%-4s %.4f\n", p.Label, p.Prob)
	}
	return nil
}
