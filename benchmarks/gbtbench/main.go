// Command gbtbench times Ember's gradient-boosted trees beside XGBoost's hist
// method in one run, on the same data and settings: training time, scoring
// rows/s and peak memory, on the UCI credit-default data (5% of the feature
// values removed, as the quality test does), on the same data with its
// EDUCATION column as a 7-class target (multi:softprob, a tree per class a
// round) and on a synthetic table (default 1,000,000 rows × 50 features).
//
//	go run ./benchmarks/gbtbench [--rows 1000000] [--cols 50] [--trees 100] [--depth 6] [--max-leaves N] [--threads 2] [--repeat 3] [--json FILE]
//
// A bad command line exits 2, with the problem said on one line; a run
// that fails exits 1.
//
// With --max-leaves both sides grow each tree best first to N leaves
// (Ember's MaxLeaves with no practical depth bound, XGBoost's lossguide
// with max_depth 0), and --depth is not used.
//
// With --binning xgboost Ember cuts the features as XGBoost's hist method
// does (gbt.BinningXGBoost) and XGBoost runs with max_bin 255, Ember's
// most, so that both grow the same trees: the report's "own models" line
// then says how far apart the two engines' models' predictions are. Both
// also start from the same margin: XGBoost is given base_score = the
// positive rate for the binary table, whose log-odds are Ember's estimated
// start (to a float32 ulp: XGBoost takes them in float32), and Ember is
// given XGBoost's default base_score 0.5 (gbt.Model.BaseScore) for the
// multi-class one, where its own start, the log class shares, differs.
// With the default binning (scikit-learn's) XGBoost keeps its max_bin 256
// and Ember its own start.
//
// XGBoost runs with OMP_WAIT_POLICY=passive by default: on a shared 2-core
// machine its OpenMP threads otherwise spin at every barrier and lose their
// time slices to other processes, and 2-thread training measured 5-15x
// slower than with passive waiting (--omp-wait "" keeps the environment's).
//
// Each side runs in its own process (Ember: this binary re-run as a worker;
// XGBoost: /usr/bin/python3 benchmarks/xgboost/gbt_bench.py), so peak
// memory (max RSS) is each engine's own. Both read the same table file,
// written once by this command. Training time includes binning (Ember's Fit)
// and DMatrix construction (XGBoost); scoring is Predict on all rows against
// XGBoost's inplace_predict, each engine scoring its own model, and Ember
// also scoring XGBoost's model loaded from its JSON file.
package main

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/emberml/ember/internal/cli"
	"github.com/emberml/ember/internal/creditdata"
	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

type options struct {
	rows, cols, trees, depth, threads, repeat int
	maxLeaves                                 int // 0: depth by depth
	python, jsonOut, ompWait                  string
	binning                                   string // Ember's: sklearn or xgboost
	skipSynthetic, skipCredit, skipMulti      bool
}

// threadCount is --threads as a count: 0 (all cores) is the machine's
// cores, so that both engines get the same number and the report says it.
func threadCount(n int) int {
	if n == 0 {
		return runtime.NumCPU()
	}
	return n
}

// checkOptions refuses settings that cannot give a result, before any
// table is written or either engine runs.
func checkOptions(o options, repeatSyn int, rest []string) error {
	switch {
	case len(rest) > 0:
		return fmt.Errorf("unexpected argument %q (gbtbench takes options only; see gbtbench -h)", rest[0])
	case o.rows < 2:
		return fmt.Errorf("--rows %d: must be at least 2", o.rows)
	case o.cols < 1:
		return fmt.Errorf("--cols %d: must be at least 1", o.cols)
	case o.trees < 1 || o.trees > 1_000_000:
		return fmt.Errorf("--trees %d: must be 1 to 1000000", o.trees)
	case o.maxLeaves == 1 || o.maxLeaves < 0:
		return fmt.Errorf("--max-leaves %d: must be 0 (depth by depth) or 2 and more", o.maxLeaves)
	case o.depth < 1 || o.depth > 30:
		return fmt.Errorf("--depth %d: must be 1 to 30 (Ember's limit)", o.depth)
	case o.threads < 0:
		return fmt.Errorf("--threads %d: must be 0 (all cores) or more", o.threads)
	case o.repeat < 1:
		return fmt.Errorf("--repeat %d: must be at least 1", o.repeat)
	case repeatSyn < 1:
		return fmt.Errorf("--repeat-synthetic %d: must be at least 1", repeatSyn)
	case o.skipCredit && o.skipSynthetic && o.skipMulti:
		return errors.New("--no-credit, --no-multiclass and --no-synthetic leave nothing to run")
	case o.binning != string(gbt.BinningSklearn) && o.binning != string(gbt.BinningXGBoost):
		return fmt.Errorf("--binning %q: want sklearn or xgboost", o.binning)
	case o.ompWait != "" && !strings.EqualFold(o.ompWait, "passive") && !strings.EqualFold(o.ompWait, "active"):
		// OpenMP's two policies; libgomp ignores another value with a
		// warning, and the report would record a policy it did not run.
		return fmt.Errorf("--omp-wait %q: want passive, active or \"\" (the environment's)", o.ompWait)
	}
	if o.jsonOut != "" {
		// The figures are written when the run ends, minutes on.
		if fi, err := os.Stat(o.jsonOut); err == nil && fi.IsDir() {
			return fmt.Errorf("--json %s: is a directory; give a file name", o.jsonOut)
		}
		dir := filepath.Dir(o.jsonOut)
		switch fi, err := os.Stat(dir); {
		case errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("--json %s: directory %s does not exist", o.jsonOut, dir)
		case err != nil:
			return fmt.Errorf("--json %s: %w", o.jsonOut, err)
		case !fi.IsDir():
			return fmt.Errorf("--json %s: %s is not a directory", o.jsonOut, dir)
		}
	}
	return nil
}

// sideResult is one engine's figures on one data set.
type sideResult struct {
	Engine      string    `json:"engine"`
	Rows        int       `json:"rows"`
	Cols        int       `json:"cols"`
	TrainS      []float64 `json:"train_s"`
	PredictS    []float64 `json:"predict_s"`
	XGBPredictS []float64 `json:"xgb_model_predict_s,omitempty"` // Ember scoring XGBoost's model
	XGBMaxDiff  float64   `json:"xgb_model_max_abs_diff"`
	XGBCompared int       `json:"xgb_model_rows_compared,omitempty"`
	// OwnMaxDiff is the largest |Δp| between this side's own model's
	// predictions and XGBoost's own model's, over the same rows (Ember's
	// side only): how far apart the two fits are.
	OwnMaxDiff   float64 `json:"own_models_max_abs_diff,omitempty"`
	TrainLogLoss float64 `json:"train_log_loss"`    // multi-class log-loss for a multi-class table
	Classes      int     `json:"classes,omitempty"` // of a multi-class table
	PeakRSSBytes int64   `json:"peak_rss_bytes"`
	// CPUS is each run's whole-process CPU time (user+system: loading,
	// training, scoring), which the machine's load affects less than the
	// wall-clock times.
	CPUS []float64 `json:"process_cpu_s"`
}

type dataResult struct {
	Name    string     `json:"name"`
	Rows    int        `json:"rows"`
	Cols    int        `json:"cols"`
	Ember   sideResult `json:"ember"`
	XGBoost sideResult `json:"xgboost"`
}

type report struct {
	Date    string       `json:"date"`
	Commit  string       `json:"commit"`
	CPU     string       `json:"cpu"`
	Cores   int          `json:"cores"`
	Threads int          `json:"threads"`
	Trees   int          `json:"trees"`
	Depth   int          `json:"depth"`
	Leaves  int          `json:"max_leaves,omitempty"` // best first to this many leaves; depth unused
	OMPWait string       `json:"xgboost_omp_wait_policy"`
	Binning string       `json:"binning"` // Ember's; XGBoost's max_bin 255 with xgboost
	LoadAvg []string     `json:"loadavg_start"`
	Results []dataResult `json:"results"`
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "worker" {
		os.Exit(cli.Report(os.Stderr, "gbtbench worker", worker(os.Args[2:])))
	}
	// A bad command line exits 2, as package flag does and as Ember's
	// commands and the other benchmarks do, and a run that failed 1.
	os.Exit(cli.Report(os.Stderr, "gbtbench", run(os.Args[1:], os.Stdout, os.Stderr)))
}

func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("gbtbench", flag.ContinueOnError)
	// A bad flag is one line from main, not flag's line and the whole
	// usage; -h prints the usage (below).
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var o options
	fs.IntVar(&o.rows, "rows", 1_000_000, "rows of the synthetic table")
	fs.IntVar(&o.cols, "cols", 50, "features of the synthetic table")
	fs.IntVar(&o.trees, "trees", 100, "boosting rounds")
	fs.IntVar(&o.depth, "depth", 6, "max tree depth")
	fs.IntVar(&o.maxLeaves, "max-leaves", 0, "grow best first to this many leaves on both sides (XGBoost: lossguide, max_depth 0); 0: depth by depth")
	fs.IntVar(&o.threads, "threads", 2, "threads for both engines (XGBoost's nthread); 0: all cores")
	fs.IntVar(&o.repeat, "repeat", 3, "rounds on the credit data (each side runs once per round, taking turns)")
	repeatSyn := fs.Int("repeat-synthetic", 2, "rounds on the synthetic table")
	fs.StringVar(&o.python, "python", "/usr/bin/python3", "Python with xgboost")
	fs.StringVar(&o.jsonOut, "json", "", "also write the figures to this JSON `file`")
	fs.StringVar(&o.ompWait, "omp-wait", "passive", "OMP_WAIT_POLICY for XGBoost's OpenMP threads: passive or active (\"\": leave the environment's)")
	fs.StringVar(&o.binning, "binning", "sklearn", "Ember's binning: sklearn (its default), or xgboost (XGBoost's hist cuts; XGBoost then runs with max_bin 255, "+
		"so that both sides grow the same trees)")
	fs.BoolVar(&o.skipSynthetic, "no-synthetic", false, "skip the synthetic table")
	fs.BoolVar(&o.skipCredit, "no-credit", false, "skip the credit data's binary default target (--no-multiclass skips its EDUCATION target)")
	fs.BoolVar(&o.skipMulti, "no-multiclass", false, "skip the credit data's 7-class EDUCATION target")
	workdir := fs.String("workdir", "", "keep the table files and XGBoost's model in this `directory` (default: a temporary one, removed)")
	// A flag given twice is refused, as by Ember's commands, rather than
	// timing the last value without a word.
	if err := cli.ParseOnce(fs, args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stderr, "usage: go run ./benchmarks/gbtbench [options]\n\n"+
				"Times Ember's gradient-boosted trees beside XGBoost's hist method in one run\n"+
				"(training time, scoring rows/s, peak memory) on the credit-default data and a\n"+
				"synthetic table. Needs python3 with xgboost (--python).\n\noptions (each at most once):\n")
			fs.SetOutput(stderr)
			fs.PrintDefaults()
		}
		return err
	}
	if err := checkOptions(o, *repeatSyn, fs.Args()); err != nil {
		return cli.Usage(err)
	}
	o.threads = threadCount(o.threads)
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	script := filepath.Join(root, "benchmarks", "xgboost", "gbt_bench.py")
	tmp := *workdir
	if tmp == "" {
		if tmp, err = os.MkdirTemp("", "gbtbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(tmp)
	} else if err := os.MkdirAll(tmp, 0o755); err != nil {
		return fmt.Errorf("--workdir %s: %w", tmp, err)
	}

	rep := report{
		Date: time.Now().UTC().Format(time.RFC3339), Commit: gitCommit(root), CPU: cpuModel(),
		Cores: runtime.NumCPU(), Threads: o.threads, Trees: o.trees, Depth: o.depth, Leaves: o.maxLeaves, LoadAvg: loadAvg(), OMPWait: o.ompWait,
		Binning: o.binning,
	}
	type dataset struct {
		name   string
		path   string
		repeat int
	}
	var sets []dataset
	if !o.skipCredit || !o.skipMulti {
		p, err := shareddata.Path(creditdata.Rel...)
		if err != nil {
			return err
		}
		X, y, names, err := creditdata.Load(p)
		if err != nil {
			return err
		}
		if !o.skipMulti {
			Xm, ym, err := targetColumn(X, names, "EDUCATION")
			if err != nil {
				return err
			}
			creditdata.RemoveValues(Xm, 0.05, 1)
			path := filepath.Join(tmp, "credit-education.bin")
			if err := writeTable(path, Xm, ym); err != nil {
				return err
			}
			sets = append(sets, dataset{"credit, EDUCATION as a 7-class target (30,000 × 22, 5% missing)", path, o.repeat})
		}
		if !o.skipCredit {
			creditdata.RemoveValues(X, 0.05, 1)
			path := filepath.Join(tmp, "credit.bin")
			if err := writeTable(path, X, y); err != nil {
				return err
			}
			sets = append(sets, dataset{"credit (30,000 × 23, 5% missing)", path, o.repeat})
		}
	}
	if !o.skipSynthetic {
		X, y := synthetic(o.rows, o.cols, 1)
		path := filepath.Join(tmp, "synthetic.bin")
		if err := writeTable(path, X, y); err != nil {
			return err
		}
		sets = append(sets, dataset{fmt.Sprintf("synthetic (%s × %d)", thousands(o.rows), o.cols), path, *repeatSyn})
		X, y = nil, nil
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	common := []string{"--data", "", "--trees", strconv.Itoa(o.trees), "--depth", strconv.Itoa(o.depth), "--max-leaves", strconv.Itoa(o.maxLeaves),
		"--threads", strconv.Itoa(o.threads)}
	xgbArgs, emberArgs := []string{}, []string{"--binning", o.binning}
	if o.binning == string(gbt.BinningXGBoost) {
		xgbArgs = []string{"--bins", strconv.Itoa(gbt.MaxBins)}
	}
	for _, ds := range sets {
		args := slices.Clone(common)
		args[1] = ds.path
		args = append(args, "--repeat", "1")
		model := filepath.Join(tmp, "xgb.json")
		predFile := filepath.Join(tmp, "xgb-pred.bin")
		var env []string
		if o.ompWait != "" {
			env = []string{"OMP_WAIT_POLICY=" + o.ompWait}
		}
		// The sides take turns, one run each per round, so that a change
		// in the machine's load hits both alike; the best run of each
		// side is compared.
		var xr, er sideResult
		for round := range ds.repeat {
			fmt.Fprintf(stderr, "%s: round %d/%d: XGBoost...\n", ds.name, round+1, ds.repeat)
			var x sideResult
			if err := runSide(o.python, slices.Concat([]string{script, "--save-model", model, "--save-pred", predFile}, args, xgbArgs), env, &x); err != nil {
				return fmt.Errorf("%s: xgboost side: %w", ds.name, err)
			}
			fmt.Fprintf(stderr, "%s: round %d/%d: Ember...\n", ds.name, round+1, ds.repeat)
			var e sideResult
			if err := runSide(self, slices.Concat([]string{"worker", "--xgb-model", model, "--xgb-pred", predFile}, args, emberArgs), nil, &e); err != nil {
				return fmt.Errorf("%s: ember side: %w", ds.name, err)
			}
			xr.merge(x)
			er.merge(e)
		}
		rep.Results = append(rep.Results, dataResult{Name: ds.name, Rows: er.Rows, Cols: er.Cols, Ember: er, XGBoost: xr})
	}
	printReport(stdout, &rep)
	if o.jsonOut != "" {
		b, err := json.MarshalIndent(rep, "", " ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.jsonOut, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// merge adds one run's figures: times are appended, peak memory and the
// parity figure take the largest.
func (r *sideResult) merge(o sideResult) {
	r.Engine, r.Rows, r.Cols, r.TrainLogLoss, r.XGBCompared = o.Engine, o.Rows, o.Cols, o.TrainLogLoss, o.XGBCompared
	r.TrainS = append(r.TrainS, o.TrainS...)
	r.PredictS = append(r.PredictS, o.PredictS...)
	r.XGBPredictS = append(r.XGBPredictS, o.XGBPredictS...)
	r.CPUS = append(r.CPUS, o.CPUS...)
	r.XGBMaxDiff = max(r.XGBMaxDiff, o.XGBMaxDiff)
	r.OwnMaxDiff = max(r.OwnMaxDiff, o.OwnMaxDiff)
	r.PeakRSSBytes = max(r.PeakRSSBytes, o.PeakRSSBytes)
}

// runSide runs one engine's worker and decodes its JSON line (the worker
// reports its own peak memory); CPU time comes from the kernel's
// accounting of the child.
func runSide(prog string, args, env []string, out *sideResult) error {
	cmd := exec.CommandContext(context.Background(), prog, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	b, err := cmd.Output()
	if err != nil {
		return err
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if err := json.Unmarshal([]byte(lines[len(lines)-1]), out); err != nil {
		return fmt.Errorf("decoding %q: %w", lines[len(lines)-1], err)
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		out.CPUS = []float64{time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()}
	}
	return nil
}

func printReport(w io.Writer, rep *report) {
	growth := fmt.Sprintf("depth %d", rep.Depth)
	if rep.Leaves > 0 {
		growth = fmt.Sprintf("best first to %d leaves (XGBoost: lossguide)", rep.Leaves)
	}
	bins := "Ember's default binning, XGBoost max_bin 256"
	if rep.Binning == string(gbt.BinningXGBoost) {
		bins = "XGBoost's hist cuts on both sides, max_bin 255, the same start"
	}
	fmt.Fprintf(w, "gbtbench %s, commit %s, %s (%d cores), %d threads, %d trees, %s, %s, XGBoost OMP_WAIT_POLICY=%s, load %s\n",
		rep.Date, rep.Commit, rep.CPU, rep.Cores, rep.Threads, rep.Trees, growth, bins, rep.OMPWait, strings.Join(rep.LoadAvg, " "))
	for _, r := range rep.Results {
		e, x := r.Ember, r.XGBoost
		fmt.Fprintf(w, "\n%s\n", r.Name)
		fmt.Fprintf(w, "  %-28s %10s %10s %8s\n", "", "Ember", "XGBoost", "ratio")
		et, xt := minOf(e.TrainS), minOf(x.TrainS)
		fmt.Fprintf(w, "  %-28s %10.3f %10.3f %7.2fx  (runs: %s | %s)\n", "train s (best)", et, xt, et/xt, fmtList(e.TrainS), fmtList(x.TrainS))
		ep, xp := minOf(e.PredictS), minOf(x.PredictS)
		fmt.Fprintf(w, "  %-28s %10s %10s %7.2fx\n", "score rows/s (own model)", thousands(int(float64(r.Rows)/ep)), thousands(int(float64(r.Rows)/xp)), xp/ep)
		if len(e.XGBPredictS) > 0 {
			eq := minOf(e.XGBPredictS)
			fmt.Fprintf(w, "  %-28s %10s %10s %7.2fx  (max |Δp| against XGBoost's own %.2g over %s rows)\n", "score rows/s (XGBoost model)",
				thousands(int(float64(r.Rows)/eq)), thousands(int(float64(r.Rows)/xp)), xp/eq, e.XGBMaxDiff, thousands(e.XGBCompared))
		}
		fmt.Fprintf(w, "  %-28s %10.4f %10.4f\n", "training log-loss", e.TrainLogLoss, x.TrainLogLoss)
		fmt.Fprintf(w, "  %-28s %10.2g  (largest |Δp| between the engines' own models' predictions over %s rows)\n", "own models apart", e.OwnMaxDiff, thousands(r.Rows))
		fmt.Fprintf(w, "  %-28s %10.2f %10.2f %7.2fx  (whole process, best run)\n", "CPU s, user+system", minOf(e.CPUS), minOf(x.CPUS), minOf(e.CPUS)/minOf(x.CPUS))
		fmt.Fprintf(w, "  %-28s %10s %10s\n", "peak RSS", mib(e.PeakRSSBytes), mib(x.PeakRSSBytes))
	}
}

func fmtList(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.FormatFloat(x, 'f', 2, 64)
	}
	return strings.Join(s, " ")
}

func minOf(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	return slices.Min(v)
}

func mib(b int64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// targetColumn makes feature column name the labels (whole numbers 0 and
// up) of a table of the other columns.
func targetColumn(X *tabular.Matrix, names []string, name string) (*tabular.Matrix, []float64, error) {
	j := slices.Index(names, name)
	if j < 0 {
		return nil, nil, fmt.Errorf("the credit data has no column %q", name)
	}
	out := tabular.NewMatrix(X.Rows, X.Cols-1)
	y := make([]float64, X.Rows)
	for i := range X.Rows {
		row := X.Row(i)
		v := row[j]
		if !(v >= 0 && v == float32(math.Trunc(float64(v)))) {
			return nil, nil, fmt.Errorf("row %d: %s is %v, not a class number", i, name, v)
		}
		y[i] = float64(v)
		copy(out.Row(i), row[:j])
		copy(out.Row(i)[j:], row[j+1:])
	}
	return out, y, nil
}

// classes is the number of classes of labels y: 2 for a binary table, else
// the largest label plus one.
func classes(y []float64) int { return max(2, int(slices.Max(y))+1) }

// logLoss is the mean log-loss of predictions p (P(y=1) a row for two
// classes, k probabilities a row for more), clipped as scikit-learn's.
func logLoss(y, p []float64, k int) float64 {
	var ll float64
	for i, c := range y {
		if k == 2 {
			ll -= c*math.Log(max(p[i], 1e-15)) + (1-c)*math.Log(max(1-p[i], 1e-15))
			continue
		}
		ll -= math.Log(max(p[i*k+int(c)], 1e-15))
	}
	return ll / float64(len(y))
}

// synthetic makes a binary classification table: standard normal features,
// 2% of them missing, and labels drawn from a logistic model with linear,
// interaction and threshold terms over the first ten features (the other 40
// are noise), so trees have real structure to find.
func synthetic(rows, cols int, seed uint64) (*tabular.Matrix, []float64) {
	X := tabular.NewMatrix(rows, cols)
	y := make([]float64, rows)
	r := rand.New(rand.NewPCG(seed, 0x5e7))
	for i := range rows {
		row := X.Row(i)
		for j := range row {
			row[j] = float32(r.NormFloat64())
		}
		f := func(j int) float64 { return float64(row[j%cols]) }
		z := 0.8*f(0) - 0.6*f(1) + 0.5*f(2)*f(3) + 1.2*step(f(4) > 0.5) - 0.9*step(f(5) < -1) +
			0.4*math.Sin(2*f(6)) + 0.3*f(7)*f(7) - 0.3 + 0.2*f(8) - 0.2*f(9)
		if r.Float64() < 1/(1+math.Exp(-z)) {
			y[i] = 1
		}
		for j := range row {
			if r.Float64() < 0.02 {
				row[j] = float32(math.NaN())
			}
		}
	}
	return X, y
}

func step(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// writeTable writes the table file both workers read (format in
// benchmarks/xgboost/gbt_bench.py).
func writeTable(path string, X *tabular.Matrix, y []float64) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	binary.Write(w, binary.LittleEndian, [2]uint64{uint64(X.Rows), uint64(X.Cols)})
	binary.Write(w, binary.LittleEndian, X.Data)
	y32 := make([]float32, len(y))
	for i, v := range y {
		y32[i] = float32(v)
	}
	binary.Write(w, binary.LittleEndian, y32)
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func readTable(path string) (*tabular.Matrix, []float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	var hdr [2]uint64
	if err := binary.Read(r, binary.LittleEndian, &hdr); err != nil {
		return nil, nil, err
	}
	X := tabular.NewMatrix(int(hdr[0]), int(hdr[1]))
	if err := binary.Read(r, binary.LittleEndian, X.Data); err != nil {
		return nil, nil, err
	}
	y32 := make([]float32, X.Rows)
	if err := binary.Read(r, binary.LittleEndian, y32); err != nil {
		return nil, nil, err
	}
	y := make([]float64, X.Rows)
	for i, v := range y32 {
		y[i] = float64(v)
	}
	return X, y, nil
}

// worker is Ember's side: train, score, print one JSON line.
func worker(args []string) error {
	fs := flag.NewFlagSet("worker", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // main prints the error, once
	data := fs.String("data", "", "")
	trees := fs.Int("trees", 100, "")
	depth := fs.Int("depth", 6, "")
	maxLeaves := fs.Int("max-leaves", 0, "")
	threads := fs.Int("threads", 2, "")
	repeat := fs.Int("repeat", 1, "")
	xgbModel := fs.String("xgb-model", "", "")
	xgbPred := fs.String("xgb-pred", "", "")
	binning := fs.String("binning", "", "")
	if err := fs.Parse(args); err != nil {
		return cli.Usage(err)
	}
	X, y, err := readTable(*data)
	if err != nil {
		return err
	}
	res := sideResult{Engine: "ember", Rows: X.Rows, Cols: X.Cols}
	k := classes(y)
	if k > 2 {
		res.Classes = k
	}
	var m *gbt.Model
	for range *repeat {
		m = emberModel(k, *trees, *depth, *maxLeaves, *threads, gbt.Binning(*binning))
		runtime.GC()
		t0 := time.Now()
		if err := m.Fit(X, y, nil); err != nil {
			return err
		}
		res.TrainS = append(res.TrainS, time.Since(t0).Seconds())
	}
	n := X.Rows * m.NumClasses()
	p := make([]float64, n)
	for range *repeat {
		t0 := time.Now()
		if _, err := m.Ensemble().Predict(X, *threads, p); err != nil {
			return err
		}
		res.PredictS = append(res.PredictS, time.Since(t0).Seconds())
	}
	res.TrainLogLoss = logLoss(y, p, k)
	if *xgbModel != "" {
		xm, err := gbt.LoadXGBoost(*xgbModel)
		if err != nil {
			return err
		}
		q := make([]float64, n)
		for range *repeat {
			t0 := time.Now()
			if _, err := xm.Predict(X, *threads, q); err != nil {
				return err
			}
			res.XGBPredictS = append(res.XGBPredictS, time.Since(t0).Seconds())
		}
		// XGBoost's own inplace_predict output for the same rows.
		b, err := os.ReadFile(*xgbPred)
		if err != nil {
			return err
		}
		if len(b) != 4*n {
			return fmt.Errorf("%s: %d bytes for %d predictions", *xgbPred, len(b), n)
		}
		res.XGBMaxDiff = 0
		for i, v := range q {
			want := float64(math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:])))
			res.XGBMaxDiff = max(res.XGBMaxDiff, math.Abs(v-want))
			res.OwnMaxDiff = max(res.OwnMaxDiff, math.Abs(p[i]-want))
		}
		res.XGBCompared = X.Rows // rows, each of its k probabilities compared
	}
	res.PeakRSSBytes = peakRSS()
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	fmt.Println(string(b))
	return nil
}

// emberModel is Ember's side's model of a table of k classes, with the
// settings the Python side gives XGBoost (benchmarks/xgboost/gbt_bench.py).
func emberModel(k, trees, depth, maxLeaves, threads int, binning gbt.Binning) *gbt.Model {
	m := gbt.New()
	if k > 2 {
		m.Objective, m.NumClass = gbt.MultiSoftprob, k
	}
	// XGBoost's defaults, as the Python side uses them.
	m.NumTrees, m.MaxDepth, m.LearningRate, m.Threads = trees, depth, 0.1, threads
	if maxLeaves > 0 {
		m.MaxLeaves, m.MaxDepth = maxLeaves, 30
	}
	m.L2, m.MinChildWeight, m.MaxBins = 1, 1, gbt.MaxBins
	m.Binning = binning
	if k > 2 && binning == gbt.BinningXGBoost {
		// XGBoost's default start, where the Python side leaves it, so
		// that the two fits grow the same trees.
		m.BaseScore = new(0.5)
	}
	return m
}

// peakRSS is this process's resident-set high-water mark (VmHWM). Not
// getrusage's ru_maxrss: that keeps the mark of the process before exec,
// which for a child of gbtbench is gbtbench's own memory (the table it
// generated), not the worker's.
func peakRSS() int64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run gbtbench inside the module (no go.mod found above the working directory)")
		}
		dir = parent
	}
}

func gitCommit(root string) string {
	out, err := exec.Command("git", "-C", root, "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	s := strings.TrimSpace(string(out))
	if st, err := exec.Command("git", "-C", root, "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(st) > 0 {
		s += "+dirty"
	}
	return s
}

func cpuModel() string {
	b, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return runtime.GOARCH
	}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return runtime.GOARCH
}

func loadAvg() []string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	f := strings.Fields(string(b))
	return f[:min(3, len(f))]
}
