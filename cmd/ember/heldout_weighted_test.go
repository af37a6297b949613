package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/metrics"
	"github.com/emberml/ember/models/gbt"
)

// heldOutFixture is testdata/heldout_weighted.json, written by
// make_heldout_weighted.py with scikit-learn 1.2.1.
type heldOutFixture struct {
	Classes struct {
		Y, Pred []int
		W       []float64
		K       int
		sklearnReport
	}
	Regression struct {
		Y, Mu, W []float64
		Scores   map[string]float64
	}
	LogregBinary logregCase `json:"logreg_binary"`
	LogregMulti  logregCase `json:"logreg_multi"`
}

// sklearnReport is precision_recall_fscore_support per class and averaged
// ([precision, recall, F1]), accuracy_score and confusion_matrix, all with
// sample_weight.
type sklearnReport struct {
	Precision, Recall, F1, Support []float64
	Macro, Weighted                []float64
	Accuracy                       float64
	Confusion                      [][]float64
}

type logregCase struct {
	Train, Test string
	Classes     []string
	Proba       []float64
	LogLoss     float64                            `json:"log_loss"`
	ROCAUC      *float64                           `json:"roc_auc"`
	ROCAUCOVR   *struct{ Macro, Weighted float64 } `json:"roc_auc_ovr"`
	sklearnReport
}

func loadHeldOutFixture(t *testing.T) heldOutFixture {
	t.Helper()
	b, err := os.ReadFile("testdata/heldout_weighted.json")
	require.NoError(t, err)
	var f heldOutFixture
	require.NoError(t, json.Unmarshal(b, &f))
	return f
}

const sklearnTol = 1e-12

func requireMatrixClose(t *testing.T, want, got [][]float64) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		require.InDeltaSlice(t, want[i], got[i], sklearnTol, "row %d", i)
	}
}

// TestWeightedConfusionReportSklearn: the weighted confusion matrix and
// classification report the commands score with (package metrics') are
// scikit-learn's confusion_matrix and precision_recall_fscore_support
// with sample_weight, within 1e-12, on four classes, one never true and
// one predicted only in rows of weight 0.
func TestWeightedConfusionReportSklearn(t *testing.T) {
	c := loadHeldOutFixture(t).Classes
	labels := classNumbers(c.K)
	requireMatrixClose(t, c.Confusion, metrics.WeightedConfusionMatrix(c.Y, c.Pred, c.W, c.K))
	r := metrics.WeightedClassification(c.Y, c.Pred, c.W, labels)
	require.InDelta(t, c.Accuracy, r.Accuracy, sklearnTol)
	for k, row := range r.Classes {
		got := []float64{row.Precision, row.Recall, row.F1, row.SupportWeight}
		require.InDeltaSlice(t, []float64{c.Precision[k], c.Recall[k], c.F1[k], c.Support[k]}, got, sklearnTol, "class %d", k)
	}
	require.InDeltaSlice(t, c.Macro, []float64{r.MacroAvg.Precision, r.MacroAvg.Recall, r.MacroAvg.F1}, sklearnTol)
	require.InDeltaSlice(t, c.Weighted, []float64{r.WeightedAvg.Precision, r.WeightedAvg.Recall, r.WeightedAvg.F1}, sklearnTol)
	require.Len(t, r.Notes, 2)
	require.Contains(t, r.Notes[0], "precision is ill-defined for 2 (never predicted in a row of weight above 0)")
	require.Contains(t, r.Notes[1], "recall is ill-defined for 3 (no true rows of weight above 0)")
	require.Contains(t, r.String(), "    accuracy                           0.")
}

// TestRegressionScoresWeightedSklearn: a gbt regressor's weighted
// held-out RMSE and mean deviance (each objective's) are scikit-learn's
// mean_squared_error(squared=False) and mean_*_deviance with
// sample_weight (numpy's weighted average for the pseudo-Huber loss),
// within 1e-12.
func TestRegressionScoresWeightedSklearn(t *testing.T) {
	c := loadHeldOutFixture(t).Regression
	for _, obj := range []gbt.Objective{gbt.SquaredError, gbt.CountPoisson, gbt.Gamma, gbt.Tweedie, gbt.PseudoHuber, gbt.AbsoluteError} {
		m := gbt.New()
		m.Objective, m.TweedieVariancePower, m.HuberSlope = obj, 1.5, 1.5
		rmse, name, dev, err := regressionScores(m, c.Y, c.Mu, c.W)
		require.NoError(t, err)
		require.InDelta(t, c.Scores["rmse"], rmse, sklearnTol, obj)
		if obj == gbt.SquaredError {
			require.Empty(t, name)
			continue
		}
		require.InDelta(t, c.Scores[string(obj)], dev, sklearnTol, "%s (%s)", obj, name)
	}
}

// TestLogregHeldOutWeightedSklearn: ember logreg --weight scores its
// --test file as scikit-learn's metrics with sample_weight score
// LogisticRegression fitted with the same weights: accuracy, ROC AUC, the
// confusion matrix (sums of weights) and the report within 1e-12. The
// fits agree to 2e-6 in every probability (lbfgs stops a little apart),
// which the discrete scores do not see (no test row is near a tie) and
// which moves the log-loss by at most about that over the smallest
// probability of a true class: 1e-5.
func TestLogregHeldOutWeightedSklearn(t *testing.T) {
	f := loadHeldOutFixture(t)
	for name, c := range map[string]logregCase{"binary": f.LogregBinary, "multi": f.LogregMulti} {
		t.Run(name, func(t *testing.T) {
			train, test := writeFile(t, "train.csv", c.Train), writeFile(t, "test.csv", c.Test)
			save := writeFile(t, "m.ember", "")
			code, out, errOut := runCmd(t, "logreg", "--data", train, "--test", test, "--target", "label", "--weight", "w",
				"--tol", "1e-10", "--max-iter", "10000", "--save", save, "--json")
			require.Equal(t, 0, code, errOut)
			res := lastJSON(t, out)

			// The fit: every test probability, through ember predict.
			code, pred, errOut := runCmd(t, "predict", "--model", save, "--data", test)
			require.Equal(t, 0, code, errOut)
			rows, err := csv.NewReader(strings.NewReader(pred)).ReadAll()
			require.NoError(t, err)
			k := len(c.Classes)
			require.Len(t, rows, 1+len(c.Proba)/k)
			for i, row := range rows[1:] {
				for j, s := range row[1:] {
					p, err := strconv.ParseFloat(s, 64)
					require.NoError(t, err)
					require.InDelta(t, c.Proba[i*k+j], p, 2e-6, "row %d, class %s", i, c.Classes[j])
				}
			}

			require.True(t, res.ScoresWeighted)
			require.InDelta(t, c.Accuracy, res.Accuracy, sklearnTol)
			require.InDelta(t, c.LogLoss, res.LogLoss, 1e-5)
			if c.ROCAUC != nil {
				require.NotNil(t, res.ROCAUC)
				require.InDelta(t, *c.ROCAUC, *res.ROCAUC, sklearnTol)
			} else {
				require.Nil(t, res.ROCAUC)
			}
			// Three classes: scikit-learn's one-vs-rest ROC AUC, both
			// averages, weighted by the rows' weights.
			if c.ROCAUCOVR != nil {
				require.NotNil(t, res.ROCAUCOVR)
				require.NotNil(t, res.ROCAUCOVR.Macro)
				require.InDelta(t, c.ROCAUCOVR.Macro, *res.ROCAUCOVR.Macro, sklearnTol)
				require.InDelta(t, c.ROCAUCOVR.Weighted, res.ROCAUCOVR.Weighted, sklearnTol)
				require.Contains(t, out, fmt.Sprintf("test-file weighted ROC AUC, one-vs-rest: macro %.4f (the classes' mean), weighted %.4f (by class support)\n",
					*res.ROCAUCOVR.Macro, res.ROCAUCOVR.Weighted))
			} else {
				require.Nil(t, res.ROCAUCOVR)
			}
			requireMatrixClose(t, c.Confusion, res.WeightedConfusion)
			counts := 0
			for _, row := range res.Confusion {
				for _, n := range row {
					counts += n
				}
			}
			require.Equal(t, len(c.Proba)/k, counts, "confusion still counts rows")
			for j, row := range res.Report {
				require.InDeltaSlice(t, []float64{c.Precision[j], c.Recall[j], c.F1[j], c.Support[j]},
					[]float64{row.Precision, row.Recall, row.F1, *row.SupportWeight}, sklearnTol, "class %s", row.Label)
			}
			require.InDeltaSlice(t, c.Macro, []float64{res.MacroAvg.Precision, res.MacroAvg.Recall, res.MacroAvg.F1}, sklearnTol)
			require.InDeltaSlice(t, c.Weighted, []float64{res.Weighted.Precision, res.Weighted.Recall, res.Weighted.F1}, sklearnTol)

			for _, want := range []string{
				`weights: rows weighted by column "w" (the fit and the held-out scores)`,
				fmt.Sprintf("test-file weighted accuracy: %.4f (weight ", c.Accuracy),
				fmt.Sprintf("test-file weighted log loss: %.4f\n", res.LogLoss),
				`confusion matrix weighted by column "w" (sums of weights; rows: true class, columns: predicted):`,
				`classification report weighted by column "w" (support: sums of weights):`,
			} {
				require.Contains(t, out, want)
			}
			require.NotContains(t, out, "unweighted")
		})
	}
}

// heldOutTable is n rows of x,w,label,y: label is yes from x = 0 up, with
// a noisy band around it, y a count that grows with x.
func heldOutTable(n, offset int, weight func(i int) string) string {
	var b strings.Builder
	b.WriteString("x,w,label,y\n")
	for i := range n {
		j := i + offset
		x := float64(j*37%101)/10 - 5
		label := "no"
		if x+float64(j*13%7-3)/2 >= 0 {
			label = "yes"
		}
		fmt.Fprintf(&b, "%g,%s,%s,%d\n", x, weight(i), label, (j*7%5)+int(x+5)/2)
	}
	return b.String()
}

// weightedHeldOutFiles writes heldOutTable's files for the weighted
// held-out tests: 160 training rows and 40 test rows (from offset 1000),
// weighing 0, 0.5, 1 and 1.5 in turn. It returns their paths and the test
// file's text.
func weightedHeldOutFiles(t *testing.T) (train, test, testCSV string) {
	t.Helper()
	weight := func(i int) string { return fmt.Sprint(float64(i%4) / 2) } // 0, 0.5, 1, 1.5
	train = writeFile(t, "train.csv", heldOutTable(160, 0, weight))
	testCSV = heldOutTable(40, 1000, weight)
	return train, writeFile(t, "test.csv", testCSV), testCSV
}

// weightedHeldOutFits are the gbt fits of the weighted held-out tests, by
// name: a classifier of label and a Poisson regressor of y.
var weightedHeldOutFits = []struct {
	name string
	args []string
}{
	{"classifier", []string{"--target", "label"}},
	{"poisson", []string{"--target", "y", "--objective", "count:poisson"}},
}

// gbtHeldOut runs ember gbt on data with args and returns its summary.
func gbtHeldOut(t *testing.T, data string, args ...string) (gbtResult, string) {
	t.Helper()
	code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--features", "x", "--trees", "15", "--json"}, args...)...)
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	return res, out
}

// TestGBTHeldOutWeighted: ember gbt --weight scores its --test file
// weighted, as scikit-learn's metrics with sample_weight: the weighted
// accuracy, log-loss, RMSE and mean Poisson deviance of the model's own
// predictions (ember score's, of the saved model) are recomputed here
// from their definitions, and a test row of weight 2 scores as that row
// twice of weight 1, one of weight 0 as no row at all.
func TestGBTHeldOutWeighted(t *testing.T) {
	train, test, testCSV := weightedHeldOutFiles(t)

	for _, tc := range weightedHeldOutFits {
		t.Run(tc.name, func(t *testing.T) {
			save := writeFile(t, "m.ember", "")
			args := append([]string{"--weight", "w", "--test", test, "--save", save}, tc.args...)
			res, out := gbtHeldOut(t, train, args...)
			require.True(t, res.ScoresWeighted)
			require.Contains(t, out, `rows weighted by column "w" (the fit and the held-out scores)`)

			// The model's predictions of the test rows, and the scores by
			// their definitions.
			code, pred, errOut := runCmd(t, "score", "--model", save, "--data", test)
			require.Equal(t, 0, code, errOut)
			preds, err := csv.NewReader(strings.NewReader(pred)).ReadAll()
			require.NoError(t, err)
			rows, err := csv.NewReader(strings.NewReader(testCSV)).ReadAll()
			require.NoError(t, err)
			var sw, hits, loss, sse, dev float64
			for i, row := range rows[1:] {
				w, _ := strconv.ParseFloat(row[1], 64)
				p, err := strconv.ParseFloat(preds[i+1][0], 64)
				require.NoError(t, err)
				sw += w
				if tc.name == "classifier" {
					yes := row[2] == "yes"
					if (p > 0.5) == yes {
						hits += w
					}
					if !yes {
						p = 1 - p
					}
					loss -= w * math.Log(p)
					continue
				}
				y, _ := strconv.ParseFloat(row[3], 64)
				sse += w * (p - y) * (p - y)
				d := p - y
				if y > 0 {
					d += y * math.Log(y/p)
				}
				dev += w * 2 * d
			}
			if tc.name == "classifier" {
				require.InDelta(t, hits/sw, *res.Accuracy, 1e-12)
				require.InDelta(t, loss/sw, *res.LogLoss, 1e-12)
				require.NotNil(t, res.ROCAUC)
				var wc float64
				for _, r := range res.WeightedConfusion {
					for _, v := range r {
						wc += v
					}
				}
				require.InDelta(t, sw, wc, 1e-12)
				require.Contains(t, out, "held-out weighted accuracy: ")
				require.Contains(t, out, `confusion matrix weighted by column "w" (sums of weights;`)
			} else {
				require.InDelta(t, math.Sqrt(sse/sw), *res.RMSE, 1e-12)
				require.InDelta(t, dev/sw, *res.Deviance, 1e-12)
				require.Contains(t, out, "held-out weighted RMSE: ")
				require.Contains(t, out, "held-out weighted mean Poisson deviance: ")
			}

			// Row 2 (weight 1) doubled in weight, against it twice; rows
			// of weight 0 added with their labels and targets flipped.
			lines := strings.Split(strings.TrimSpace(testCSV), "\n")
			heavy := slices.Clone(lines)
			heavy[3] = strings.Replace(heavy[3], ",1,", ",2,", 1)
			twice := append(slices.Clone(lines), lines[3])
			ghosts := slices.Clone(lines)
			for _, l := range lines[1:6] {
				f := strings.Split(l, ",")
				f[1], f[2], f[3] = "0", map[string]string{"yes": "no", "no": "yes"}[f[2]], "40"
				ghosts = append(ghosts, strings.Join(f, ","))
			}
			score := func(name string, lines []string) gbtResult {
				p := writeFile(t, name, strings.Join(lines, "\n")+"\n")
				r, _ := gbtHeldOut(t, train, append([]string{"--weight", "w", "--test", p}, tc.args...)...)
				return r
			}
			base := score("base.csv", lines)
			heavyRes, twiceRes, ghostRes := score("heavy.csv", heavy), score("twice.csv", twice), score("ghosts.csv", ghosts)
			if tc.name == "classifier" {
				require.NotEqual(t, *base.LogLoss, *heavyRes.LogLoss, "a row's weight moves the scores")
			} else {
				require.NotEqual(t, *base.RMSE, *heavyRes.RMSE, "a row's weight moves the scores")
			}
			requireSameScores(t, heavyRes, twiceRes, "a row of weight 2 and the row twice")
			requireSameScores(t, base, ghostRes, "rows of weight 0")
		})
	}
}

// requireSameScores: a and b report the same held-out scores within 1e-12.
func requireSameScores(t *testing.T, a, b gbtResult, what string) {
	t.Helper()
	for _, p := range [][2]*float64{{a.Accuracy, b.Accuracy}, {a.LogLoss, b.LogLoss}, {a.ROCAUC, b.ROCAUC}, {a.RMSE, b.RMSE}, {a.Deviance, b.Deviance}} {
		require.Equal(t, p[0] == nil, p[1] == nil, what)
		if p[0] != nil {
			require.InDelta(t, *p[0], *p[1], 1e-12, what)
		}
	}
	if a.WeightedConfusion != nil {
		requireMatrixClose(t, a.WeightedConfusion, b.WeightedConfusion)
	}
}

// TestHeldOutWeightErrors: with --weight, the rows scored must carry
// weights too: a --test file without the column, or with a missing or bad
// weight, or one whose rows all weigh 0, and a --test-frac split whose
// held-out rows all weigh 0, are errors naming the file, line and column,
// before any fit.
func TestHeldOutWeightErrors(t *testing.T) {
	train := writeFile(t, "train.csv", heldOutTable(40, 0, func(int) string { return "1" }))
	// The split never holds out a class's last row: only rows of class c,
	// which all weigh 0, are held out.
	zeroHeld := writeFile(t, "zeroheld.csv", "x,w,label\n1,1,a\n2,1,b\n3,0,c\n4,0,c\n5,0,c\n6,0,c\n")
	noCol := writeFile(t, "nocol.csv", "x,label\n1,yes\n-1,no\n")
	missing := writeFile(t, "missing.csv", "x,w,label\n1,1,yes\n-1,,no\n")
	negative := writeFile(t, "negative.csv", "x,w,label\n1,1,yes\n-1,-2,no\n")
	zero := writeFile(t, "zero.csv", "x,w,label\n1,0,yes\n-1,0,no\n")
	for _, cmd := range []string{"gbt", "logreg"} {
		for _, tc := range []struct {
			name string
			args []string
			want string
		}{
			{"no weight column", []string{"--data", train, "--test", noCol}, `--weight w: ` + noCol + `: no column "w"; the columns are: x, label (the held-out scores are weighted, so the --test file needs the weight column too)`},
			{"missing weight", []string{"--data", train, "--test", missing}, `--weight w: ` + missing + `: line 3: missing weight`},
			{"negative weight", []string{"--data", train, "--test", negative}, `--weight w: ` + negative + `: line 3: weight "-2" is not a`},
			{"all weigh 0", []string{"--data", train, "--test", zero}, `--weight w: ` + zero + `: every weight is 0`},
		} {
			if cmd == "logreg" && tc.name == "all weigh 0" {
				tc.want = `--weight w: every one of the rows of ` + zero + ` weighs 0, so the weighted held-out scores are undefined: give some rows a weight above 0`
			}
			code, out, errOut := runCmd(t, append([]string{cmd, "--target", "label", "--features", "x", "--weight", "w"}, tc.args...)...)
			require.Equal(t, 1, code, "%s, %s: %s", cmd, tc.name, out)
			require.Contains(t, errOut, tc.want, "%s, %s", cmd, tc.name)
		}
		code, out, errOut := runCmd(t, cmd, "--data", zeroHeld, "--target", "label", "--features", "x", "--weight", "w", "--test-frac", "0.5")
		require.Equal(t, 1, code, "%s: %s", cmd, out)
		require.Contains(t, errOut, "--weight w: every one of the held-out rows weighs 0, so the weighted held-out scores are undefined: use a larger --test-frac, or other weights", cmd)
	}
}
