package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/tabular"
)

// nativeTable writes a CSV whose target depends on a 12-level category
// in no order of its codes (levels 2, 5, 7 and 10 against the rest) and
// on a number; the category is missing in every 19th row. level(i) picks
// a row's category (nil: the pattern).
func nativeTable(t *testing.T, path string, n int, level func(i int) string) {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,x,c,label\n")
	for i := range n {
		k := (i * 7) % 12
		c := fmt.Sprintf("k%02d", k)
		if i%19 == 0 {
			c = ""
		}
		if level != nil {
			c = level(i)
		}
		label := "no"
		if (k == 2 || k == 5 || k == 7 || k == 10) != (i%13 > 9) {
			label = "yes"
		}
		fmt.Fprintf(&b, "%d,%d,%s,%s\n", 1000+i, i%13, c, label)
	}
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
}

// TestGBTNativeCategorical: --categorical-mode native makes one code
// feature per categorical column, fits set splits on it (Model.Categorical),
// and a saved model's predict and score code the columns as training did,
// sending an unseen category the non-member way (left), not past every
// threshold.
func TestGBTNativeCategorical(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "train.csv")
	nativeTable(t, data, 800, nil)
	model := filepath.Join(dir, "m.ember")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "c",
		"--categorical-mode", "native", "--trees", "20", "--max-depth", "3", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, "native", res.CatMode)
	require.Equal(t, 2, res.NFeatures) // x and c's codes
	require.Contains(t, out, "1 categorical (native)")
	require.Greater(t, *res.ROCAUC, 0.99)

	// One-hot, the default, is as before: a feature per level.
	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "c",
		"--trees", "20", "--max-depth", "3", "--json")
	require.Equal(t, 0, code, errOut)
	var oh gbtResult
	decodeLast(t, out, &oh)
	require.Empty(t, oh.CatMode)
	require.Equal(t, 13, oh.NFeatures)

	s, err := gbt.Load(model)
	require.NoError(t, err)
	require.Equal(t, []int{1}, s.Model.Categorical)
	require.Equal(t, tabular.EncodeCodes, s.Pipeline.Spec.CategoricalEncoding)
	require.Len(t, s.Pipeline.Categories[0], 12)

	// New rows: row 3 has a category never seen in training.
	newData := filepath.Join(dir, "new.csv")
	nativeTable(t, newData, 30, func(i int) string {
		if i == 3 {
			return "k99"
		}
		return fmt.Sprintf("k%02d", (i*7)%12)
	})
	pred := filepath.Join(dir, "pred.csv")
	code, _, errOut = runCmd(t, "predict", "--model", model, "--data", newData, "--id", "id", "--out", pred)
	require.Equal(t, 0, code, errOut)
	recs := readCSV(t, pred)
	require.Equal(t, []string{"id", "prediction", "p_no", "p_yes"}, recs[0])
	require.Len(t, recs, 31)

	// The same rows coded by hand: the known levels by their sorted place,
	// the unseen one as -1, which is in no split's set (a threshold on the
	// codes would send -1 and the pipeline's unseen code 12 opposite ways).
	X := tabular.NewMatrix(30, 2)
	for i := range 30 {
		X.Data[i*2] = float32(i % 13)
		X.Data[i*2+1] = float32((i * 7) % 12)
	}
	X.Data[3*2+1] = -1
	p, err := s.Model.Predict(X)
	require.NoError(t, err)
	for i := range 30 {
		got, err := strconv.ParseFloat(recs[i+1][3], 64)
		require.NoError(t, err)
		require.InDelta(t, p[i], got, 1e-6, "row %d", i)
	}
	X.Data[3*2+1] = 12
	p12, err := s.Model.Predict(X)
	require.NoError(t, err)
	require.InDelta(t, p[3], p12[3], 1e-7)

	// ember score agrees and says where the unseen row went.
	scored := filepath.Join(dir, "scored.csv")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", newData, "--out", scored)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, `1 rows have a value of c never seen in training, e.g. "k99"`)
	require.Contains(t, errOut, "in no split's set, so they go left")
	require.NotContains(t, errOut, "DictVectorizer")
	for i, r := range readCSV(t, scored)[1:] {
		require.Equal(t, recs[i+1][3], r[0], "row %d", i)
	}
}

// TestGBTNativeCategoricalLimits: a column with more categories than a
// native split takes is refused before any fit, naming the column and the
// bound; an auto-detected categorical column says it is coded; and
// cross-validation fits the coded columns too.
func TestGBTNativeCategoricalLimits(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "train.csv")
	nativeTable(t, data, 400, nil)
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "c",
		"--categorical-mode", "native", "--max-bins", "10")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, data+`: column "c" has 12 categories; --categorical-mode native splits at most 10 a column (--max-bins 10)`)
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "c",
		"--categorical-mode", "native", "--cv", "2", "--grid", "max_bins=8,64")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `column "c" has 12 categories; --categorical-mode native splits at most 8 a column (--grid max_bins=8)`)

	many := filepath.Join(dir, "many.csv")
	nativeTable(t, many, 600, func(i int) string { return fmt.Sprintf("v%d", i%300) })
	code, _, errOut = runCmd(t, "gbt", "--data", many, "--target", "label", "--exclude", "id", "--categorical", "c",
		"--categorical-mode", "native")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `column "c" has 300 categories; --categorical-mode native splits at most 254 a column (the most native categories, 254)`)
	// One-hot takes it.
	code, _, errOut = runCmd(t, "gbt", "--data", many, "--target", "label", "--exclude", "id", "--categorical", "c", "--trees", "2")
	require.Equal(t, 0, code, errOut)

	// Without --categorical, c is found to be categorical and coded.
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id",
		"--categorical-mode", "native", "--cv", "2", "--grid", "max_depth=2,3", "--trees", "10", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, `column "c" has non-numeric values ("k07", `+data+": line 3): taking it as categorical (native)")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, 2, res.NFeatures)
	require.Len(t, res.CV.Points, 2)
	require.False(t, math.IsNaN(res.CV.Points[0].Mean))

	code, out, _ = runCmd(t, "gbt", "--help")
	require.Equal(t, 0, code)
	require.Contains(t, out, "--categorical-mode")
	require.Contains(t, out, "enable_categorical")
}

// TestGBTNativeCredit runs the gbt doc's comparison on the credit approval
// data, seed 1: both modes fit, native with one feature per categorical
// column, and neither far from the other.
func TestGBTNativeCredit(t *testing.T) {
	data := shareddata.TestPath(t, "tabular", "crx.csv")
	auc := map[string]float64{}
	for mode, features := range map[string]int{"onehot": 46, "native": 15} {
		code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "approved", "--categorical", "A1,A4,A5,A6,A7,A9,A10,A12,A13",
			"--categorical-mode", mode, "--seed", "1", "--json")
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		require.Equal(t, features, res.NFeatures, mode)
		require.Greater(t, *res.ROCAUC, 0.85, mode)
		auc[mode] = *res.ROCAUC
	}
	require.InDelta(t, auc["onehot"], auc["native"], 0.03)
}
