package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/shareddata"
	"github.com/emberml/ember/models/gbt"
	"github.com/emberml/ember/selection"
	"github.com/emberml/ember/tabular"
)

// decodeLast decodes the last line of a command's output.
func decodeLast(t *testing.T, out string, v any) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), v), out)
}

// smallTable writes a CSV with a numeric, a categorical and a token-list
// feature, missing values, and a target that depends on all three.
func smallTable(t *testing.T, dir string, n int, extra func(i int) string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,x,city,genres,label\n")
	for i := range n {
		x := strconv.Itoa(i % 17)
		if i%11 == 0 {
			x = ""
		}
		city := []string{"Oslo", "Rome", "Lima"}[i%3]
		genres := []string{"Action|Drama", "Drama", "Comedy|Action", ""}[i%4]
		label := "no"
		if (i%17 > 8) != (i%3 == 1) || strings.Contains(genres, "Comedy") {
			label = "yes"
		}
		if extra != nil {
			city = extra(i)
		}
		b.WriteString(strings.Join([]string{strconv.Itoa(1000 + i), x, city, genres, label}, ",") + "\n")
	}
	p := filepath.Join(dir, "t.csv")
	require.NoError(t, os.WriteFile(p, []byte(b.String()), 0o644))
	return p
}

func TestGBTFitSaveScore(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 600, nil)
	model := filepath.Join(dir, "m.model")
	prefix := filepath.Join(dir, "p")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--features", "x",
		"--categorical", "city", "--tokens", "genres", "--token-sep", "|", "--trees", "30", "--max-depth", "3",
		"--save", model, "--plot", prefix, "--json")
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, []string{"no", "yes"}, res.Classes)
	require.Equal(t, 7, res.NFeatures) // x, city=Lima/Oslo/Rome, genres=Action/Comedy/Drama
	require.Greater(t, *res.ROCAUC, 0.95)
	require.InDelta(t, 150, res.NTest, 1) // a quarter of each class, rounded up
	require.FileExists(t, prefix+"-roc.png")
	require.FileExists(t, prefix+"-confusion.png")
	require.FileExists(t, prefix+"-importance.png")
	require.Contains(t, out, "held-out ROC AUC")

	// Score a new file with an unseen city, streamed in small batches.
	newData := smallTable(t, t.TempDir(), 40, func(i int) string {
		if i == 3 {
			return "Paris"
		}
		return []string{"Oslo", "Rome", "Lima"}[i%3]
	})
	pred := filepath.Join(dir, "pred.csv")
	code, out, errOut = runCmd(t, "score", "--model", model, "--data", newData, "--id", "id", "--out", pred, "--batch-rows", "7", "--json")
	require.Equal(t, 0, code, errOut)
	var sr scoreResult
	decodeLast(t, out, &sr)
	require.EqualValues(t, 40, sr.Rows)
	require.Equal(t, 6, sr.Batches)
	require.Equal(t, map[string]int{"city": 1}, sr.Unseen)
	require.Contains(t, errOut, `"Paris" (`+newData+": line 5)")
	recs := readCSV(t, pred)
	require.Equal(t, []string{"id", "prediction"}, recs[0])
	require.Len(t, recs, 41)
	require.Equal(t, "1000", recs[1][0])
	for _, r := range recs[1:] {
		p, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err)
		require.True(t, p > 0 && p < 1)
	}

	// ember predict reads the same file, with its classes, and scores the
	// label column the data has.
	pred2 := filepath.Join(dir, "pred2.csv")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", newData, "--id", "id", "--out", pred2)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `accuracy against column "label"`)
	recs2 := readCSV(t, pred2)
	require.Equal(t, []string{"id", "prediction", "p_no", "p_yes"}, recs2[0])
	for i := 1; i < len(recs2); i++ {
		require.Equal(t, recs[i][1], recs2[i][3])
	}
}

func TestGBTBadInput(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 60, nil)
	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("x,label\n1,a\n2,b\nseven,a\n"), 0o644))
	inf := filepath.Join(dir, "inf.csv")
	require.NoError(t, os.WriteFile(inf, []byte("x,label\n1,a\n2,b\ninf,a\n3,b\n"), 0o644))
	var ids strings.Builder
	ids.WriteString("id,x,label\n")
	for i := range 120 {
		fmt.Fprintf(&ids, "C%d,%d,%c\n", i, i%5, 'a'+i%2)
	}
	idFile := filepath.Join(dir, "ids.csv")
	require.NoError(t, os.WriteFile(idFile, []byte(ids.String()), 0o644))
	two := filepath.Join(dir, "two.csv")
	require.NoError(t, os.WriteFile(two, []byte("x,label\n1,a\n2,b\n"), 0o644))
	three := filepath.Join(dir, "three.csv")
	require.NoError(t, os.WriteFile(three, []byte("x,label\n1,a\n2,b\n3,c\n"), 0o644))
	naFile := filepath.Join(dir, "na.csv")
	require.NoError(t, os.WriteFile(naFile, []byte("x,region\n1,EU\n2,NA\n3,APAC\n"), 0o644))
	var num strings.Builder
	num.WriteString("x,label\n")
	for i := range 60 {
		fmt.Fprintf(&num, "%d,%d\n", i, i%30)
	}
	numFile := filepath.Join(dir, "num.csv")
	require.NoError(t, os.WriteFile(numFile, []byte(num.String()), 0o644))
	var rare strings.Builder // 60 rows of class a, 3 of b
	rare.WriteString("x,label\n")
	for i := range 63 {
		fmt.Fprintf(&rare, "%d,%c\n", i, map[bool]byte{true: 'b', false: 'a'}[i%21 == 0])
	}
	rareFile := filepath.Join(dir, "rare.csv")
	require.NoError(t, os.WriteFile(rareFile, []byte(rare.String()), 0o644))
	huge := filepath.Join(dir, "huge.csv")
	require.NoError(t, os.WriteFile(huge, []byte("x,label\n1,a\n2,b\n1e400,a\n4,b\n5,a\n6,b\n7,a\n8,b\n"), 0o644))
	bigTarget := filepath.Join(dir, "big.csv")
	require.NoError(t, os.WriteFile(bigTarget, []byte("x,y\n1,2\n2,1e39\n3,4\n4,5\n"), 0o644))
	oneFile := filepath.Join(dir, "one.csv") // 40 rows of a, 1 of b
	require.NoError(t, os.WriteFile(oneFile, []byte("x,label\n"+strings.Repeat("1,a\n", 40)+"2,b\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"missing target", []string{"--data", data, "--target", "nope"}, 1, `no column "nope"; the columns are: id, x, city, genres, label`},
		{"missing feature", []string{"--data", data, "--target", "label", "--features", "x,zz"}, 1, `no column "zz"`},
		{"not a number", []string{"--data", bad, "--target", "label", "--features", "x"}, 1, bad + `: line 4, column "x": "seven" is not a number`},
		// Three classes fit multi:softprob by themselves; binary:logistic
		// asked for is an error that names the way out.
		{"three classes as binary", []string{"--data", three, "--target", "label", "--objective", "binary:logistic"}, 1,
			three + `: column "label" has 3 classes (a, b, c); binary:logistic needs two: use --objective multi:softprob`},
		// "NA" is pandas' missing marker (a region code here): the error
		// says why a cell with text is a missing label.
		{"NA as a class", []string{"--data", naFile, "--target", "region"}, 1,
			naFile + `: line 3, column "region": missing class label ("NA" reads as a missing value, as in pandas' read_csv)`},
		// Many distinct numbers look like a quantity, not classes.
		{"numeric target of many values", []string{"--data", numFile, "--target", "label"}, 1,
			numFile + `: column "label" has 30 distinct numbers (0, 1, 2, 3, 4, 5, …): to predict the number, --objective reg:squarederror; to treat each as a class, --objective multi:softprob`},
		// A text ID column left in the default features would become one
		// one-hot feature per row (30,000 on the credit data: hours of work).
		{"identifier column", []string{"--data", idFile, "--target", "label"}, 1,
			idFile + `: column "id" has 120 distinct values in 120 rows, as an identifier does: leave it out with --exclude id`},
		{"infinite value", []string{"--data", inf, "--target", "label"}, 1, inf + `: line 4, column "x": "inf" is infinite`},
		// Beyond float64's range: a number too large, not a word.
		{"value beyond float64", []string{"--data", huge, "--target", "label"}, 1, huge + `: line 4, column "x": "1e400" is infinite or beyond float32's range`},
		// Five folds of a class with three rows: two folds have none, and
		// their ROC AUC is undefined. Said before any fit.
		{"class rarer than folds", []string{"--data", rareFile, "--target", "label", "--test-frac", "0", "--cv", "5", "--grid", "max_depth=2,3"}, 1,
			"--cv 5: class b has only 3 training rows, so some folds would have none and their ROC AUC is undefined: use --cv 3 or fewer, or --metric log_loss"},
		{"class of one row", []string{"--data", oneFile, "--target", "label", "--test-frac", "0", "--cv", "2", "--grid", "max_depth=2,3"}, 1,
			"--cv 2: class b has only 1 training row, so a fold would have none and its ROC AUC is undefined: use --metric log_loss, or more data"},
		// A stratified split keeps a row of every class for training: of
		// classes of one row each, none can be held out. Said before any
		// fit, not scored on the training rows as if --test-frac were 0.
		{"no class of two rows", []string{"--data", two, "--target", "label"}, 1,
			`--test-frac 0.25 holds out no row: the split is stratified, keeping a row of every class for training, and each of the 2 classes of "label" has a single row in ` + two +
				"; holding out a row needs a class of 2 rows or more: use more data, --test FILE, or --test-frac 0 to score on the training rows"},
		{"no class of two rows, three classes", []string{"--data", three, "--target", "label", "--cv", "2", "--grid", "max_depth=2", "--metric", "log_loss"}, 1,
			`--test-frac 0.25 holds out no row: the split is stratified, keeping a row of every class for training, and each of the 3 classes of "label" has a single row in ` + three},
		{"no class of two training rows", []string{"--data", two, "--target", "label", "--test-frac", "0", "--early-stopping", "2"}, 1,
			`--early-stopping's --valid-frac 0.1 holds out no row: the split is stratified, keeping a row of every class for training, and each of the 2 classes of "label" has a single training row; holding out a row needs a class of 2 rows or more: use more data, or no --early-stopping`},
		// A command-line conflict, found before the data is read.
		{"categorical and tokens", []string{"--data", data, "--target", "label", "--categorical", "city,genres", "--tokens", "genres"}, 2,
			"--categorical and --tokens both list genres: a column is one-hot encoded or counted as tokens, not both"},
		{"grid without cv", []string{"--data", data, "--target", "label", "--grid", "max_depth=3"}, 2, "--cv and --grid go together"},
		{"unknown grid setting", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "depth_max=3"}, 2, `unknown setting "depth_max"`},
		{"bad grid value", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "max_depth=2.5"}, 2, "not a whole number"},
		{"target as feature", []string{"--data", data, "--target", "label", "--features", "x,label"}, 1, "includes the --target"},
		// A stray word in a numeric column is a typo to fix, not a reason
		// to one-hot encode the whole column.
		{"stray non-number in a numeric column", []string{"--data", bad, "--target", "label"}, 1,
			bad + `: line 4, column "x": "seven" is not a number, though 2 of its 3 values are`},
		// Grid values are checked before any fit, as the flags are.
		{"grid depth too deep", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "max_depth=3,1000"}, 2, "--grid max_depth: 1000 is not a whole number from 1 to 30"},
		{"grid bins too many", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "max_bins=300"}, 2, "--grid max_bins: 300 is not a whole number from 2 to 255"},
		{"grid zero learning rate", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "eta=0,0.1"}, 2, "--grid learning_rate: 0 is not above 0"},
		{"grid subsample above 1", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "subsample=0.5,2"}, 2, "--grid subsample: 2 is not in (0, 1]"},
		{"grid negative l2", []string{"--data", data, "--target", "label", "--cv", "3", "--grid", "lambda=-1"}, 2, "--grid l2: -1 is negative"},
		// Options of a mode the run is not in would be ignored: say so.
		{"metric without cv", []string{"--data", data, "--target", "label", "--metric", "log_loss"}, 2, "--metric is what --cv selects by; it needs --cv and --grid"},
		{"parallel without cv", []string{"--data", data, "--target", "label", "--parallel", "2"}, 2, "--parallel runs cross-validation fits at once; it needs --cv and --grid"},
		{"valid-frac without early stopping", []string{"--data", data, "--target", "label", "--valid-frac", "0.2"}, 2, "--valid-frac is the validation share of --early-stopping; it needs --early-stopping N"},
		{"max-vocab without tokens", []string{"--data", data, "--target", "label", "--max-vocab", "10"}, 2, "--max-vocab applies to --tokens columns; there are none"},
		{"token-sep without tokens", []string{"--data", data, "--target", "label", "--token-sep", "|"}, 2, "--token-sep applies to --tokens columns; there are none"},
		// The features are float32: a fill value beyond its range would be
		// +Inf, and a target beyond it an infinite starting margin.
		{"empty features", []string{"--data", data, "--target", "label", "--features", ""}, 2, `--features "" is empty: give the feature columns`},
		{"fill value beyond float32", []string{"--data", data, "--target", "label", "--impute", "constant", "--fill-value", "1e39"}, 2, "--fill-value 1e39: must be from -3.4028234663852886e+38 to 3.4028234663852886e+38"},
		{"regression target beyond float32", []string{"--data", bigTarget, "--target", "y", "--objective", "reg:squarederror"}, 1,
			bigTarget + `: line 3, column "y": "1e39" is beyond float32's range (±3.4e38)`},
		{"fill value without constant", []string{"--data", data, "--target", "label", "--impute", "mean", "--fill-value", "3"}, 2, "--fill-value is the value of --impute constant"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireExitError(t, tc.code, tc.want, append([]string{"gbt"}, tc.args...)...)
		})
	}
}

func TestScoreBadInput(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 200, nil)
	model := filepath.Join(dir, "m.model")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--features", "x", "--categorical", "city", "--trees", "5", "--save", model)
	require.Equal(t, 0, code, errOut)
	noCity := filepath.Join(dir, "nocity.csv")
	require.NoError(t, os.WriteFile(noCity, []byte("x,label\n1,yes\n"), 0o644))
	notNum := filepath.Join(dir, "notnum.csv")
	require.NoError(t, os.WriteFile(notNum, []byte("x,city\n1,Oslo\n2,Rome\nabc,Lima\n"), 0o644))
	infRows := filepath.Join(dir, "inf.csv")
	require.NoError(t, os.WriteFile(infRows, []byte("f0,f1,f2,f3,f4,f5,f6,f7\n1,2,3,4,5,6,7,8\n1,2,3,4,5,1e39,7,8\n"), 0o644))
	textModel := filepath.Join(dir, "model.json")
	require.NoError(t, os.WriteFile(textModel, []byte(`{"hello": "world"}`), 0o644))
	pred := filepath.Join(dir, "pred.csv")
	require.NoError(t, os.WriteFile(pred, []byte("keep me\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"missing column", []string{"--model", model, "--data", noCity}, `no column "city"`},
		{"not a number", []string{"--model", model, "--data", notNum, "--out", pred}, notNum + `: line 4, column "x": "abc" is not a number`},
		{"not a model", []string{"--model", textModel, "--data", data}, "not an XGBoost model"},
		{"data as model", []string{"--model", data, "--data", data}, "neither JSON nor UBJSON"},
		{"xgboost without names", []string{"--model", "../../models/gbt/testdata/xgb_binary.json", "--data", data}, "name its 8 feature columns in order with --features"},
		{"xgboost infinite value", []string{"--model", "../../models/gbt/testdata/xgb_binary.json", "--data", infRows, "--features", "f0,f1,f2,f3,f4,f5,f6,f7"},
			infRows + `: line 3, column "f5": "1e39" is infinite or beyond float32's range`},
		{"xgboost feature named twice", []string{"--model", "../../models/gbt/testdata/xgb_binary.json", "--data", data, "--features", "x,x,id,x,x,x,x,x"},
			`--features names "x" twice (as features 1 and 2)`},
		{"parquet unsupported type", []string{"--model", "../../models/gbt/testdata/xgb_binary.json", "--data", "../../tabular/testdata/arrow.parquet",
			"--features", "a,b,c,flag,day,price,id,cat"}, `column "price" is FIXED_LEN_BYTE_ARRAY, which is not supported`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireExitError(t, 1, tc.want, append([]string{"score"}, tc.args...)...)
		})
	}
	b, err := os.ReadFile(pred)
	require.NoError(t, err)
	require.Equal(t, "keep me\n", string(b), "a failed score must not touch --out")
}

// TestScoreXGBoostParquet: an XGBoost model scores a Parquet file (nulls
// as missing values) exactly as XGBoost scored the same rows.
func TestScoreXGBoostParquet(t *testing.T) {
	rows := readCSV(t, "../../models/gbt/testdata/xgb_rows.csv")
	want := readCSV(t, "../../models/gbt/testdata/xgb_expected.csv")
	// Optional float columns written through pointers: parquet-go writes
	// a nil pointer as null (a zero value in a map would be null too).
	type rec struct {
		ID string   `parquet:"id"`
		F0 *float32 `parquet:"f0,optional"`
		F1 *float32 `parquet:"f1,optional"`
		F2 *float32 `parquet:"f2,optional"`
		F3 *float32 `parquet:"f3,optional"`
		F4 *float32 `parquet:"f4,optional"`
		F5 *float32 `parquet:"f5,optional"`
		F6 *float32 `parquet:"f6,optional"`
		F7 *float32 `parquet:"f7,optional"`
	}
	path := filepath.Join(t.TempDir(), "rows.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[rec](f, parquet.MaxRowsPerRowGroup(300))
	var batch []rec
	for i, r := range rows[1:] {
		var vals [8]*float32
		for j, s := range r {
			if s == "" {
				continue
			}
			v, err := strconv.ParseFloat(s, 32)
			require.NoError(t, err)
			x := float32(v)
			vals[j] = &x
		}
		batch = append(batch, rec{"c" + strconv.Itoa(i), vals[0], vals[1], vals[2], vals[3], vals[4], vals[5], vals[6], vals[7]})
	}
	_, err = w.Write(batch)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())

	pred := filepath.Join(t.TempDir(), "pred.csv")
	code, _, errOut := runCmd(t, "score", "--model", "../../models/gbt/testdata/xgb_binary.ubj", "--data", path,
		"--id", "id", "--out", pred, "--features", "f0,f1,f2,f3,f4,f5,f6,f7")
	require.Equal(t, 0, code, errOut)
	got := readCSV(t, pred)
	require.Len(t, got, len(want))
	for i := 1; i < len(got); i++ {
		require.Equal(t, "c"+strconv.Itoa(i-1), got[i][0])
		g, err := strconv.ParseFloat(got[i][1], 64)
		require.NoError(t, err)
		w, err := strconv.ParseFloat(want[i][0], 64)
		require.NoError(t, err)
		require.InDelta(t, w, g, 1e-6, "row %d", i)
	}
}

// TestGBTCreditCV runs the notebook's grid on the credit data (fewer trees
// to keep the test short): every point gets a mean AUC and the best one is
// refitted.
func TestGBTCreditCV(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-validates 8 grid points")
	}
	data := shareddata.TestPath(t, "tabular", "UCI_Credit_Card.csv")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "default.payment.next.month",
		"--features", "LIMIT_BAL,AGE,PAY_0,PAY_2,PAY_3,BILL_AMT1,PAY_AMT1,PAY_AMT2", "--categorical", "SEX,EDUCATION,MARRIAGE",
		"--cv", "3", "--grid", "maxDepth=3,4;minInstancesPerNode=2,3;maxBins=50,55", "--trees", "20", "--json")
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.Len(t, res.CV.Points, 8)
	best := res.CV.Points[res.CV.Best]
	for _, p := range res.CV.Points {
		require.Len(t, p.Scores, 3)
		require.Greater(t, p.Mean, 0.7)
		require.LessOrEqual(t, p.Mean, best.Mean)
	}
	require.Equal(t, best.Point["max_depth"], res.Params["max_depth"])
	require.Equal(t, best.Point["max_bins"], res.Params["max_bins"])
	require.Contains(t, out, "<- best")
}

// TestGBTLatin1Categories: a model fitted on a latin-1 file scores the same
// file with every category known (the saved categories used to come back
// as U+FFFD, and every row was "never seen in training").
func TestGBTLatin1Categories(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("city,x,y\n")
	for i := range 120 {
		city := []string{"Z\xfcrich", "Malm\xf6", "Oslo"}[i%3]
		y := 0
		if i%3 != 2 {
			y = 1
		}
		fmt.Fprintf(&b, "%s,%d,%d\n", city, i%7, y)
	}
	data := filepath.Join(dir, "latin.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.model")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "y", "--categorical", "city", "--trees", "3", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `"feature":"city=Zürich"`)
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--out", filepath.Join(dir, "p.csv"))
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, errOut, "never seen")
}

// TestGBTMatrixTooLarge: a feature matrix larger than the memory available
// is refused before it is built, with what makes it large.
func TestGBTMatrixTooLarge(t *testing.T) {
	data := smallTable(t, t.TempDir(), 200, nil)
	defer func(f func() (uint64, bool)) { availableMemory = f }(availableMemory)
	availableMemory = func() (uint64, bool) { return 4000, true }
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "city", "--tokens", "genres")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "200 rows × 7 features make a feature matrix of about 6.8 KiB, and 3.9 KiB of memory is available")
}

// TestGBTUnseenWarningsSorted: warnings about unseen categories come in
// the columns' alphabetical order, the same every run (they came in map
// order, different from run to run).
func TestGBTUnseenWarningsSorted(t *testing.T) {
	var b strings.Builder
	b.WriteString("c,a,b,y\n")
	for i := range 80 {
		v := strconv.Itoa(i % 4)
		fmt.Fprintf(&b, "%s,%s,%s,%d\n", v, v, v, i%2)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	test := filepath.Join(dir, "t.csv")
	require.NoError(t, os.WriteFile(test, []byte("c,a,b,y\nzz,zz,zz,0\n1,1,1,1\n"), 0o644))
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--test", test, "--target", "y", "--categorical", "c,a,b", "--trees", "2", "--json")
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.Len(t, res.Warnings, 3)
	for i, col := range []string{"a", "b", "c"} {
		require.Contains(t, res.Warnings[i], "have a value of "+col+" never seen")
	}
}

// TestImportanceTitle: the chart shows the top 20 features; with more, its
// title says so (it read as if every feature were there).
func TestImportanceTitle(t *testing.T) {
	require.Equal(t, "GBT feature importance (50 trees)", importanceTitle(20, 50))
	require.Equal(t, "GBT feature importance: top 20 of 1000 features (50 trees)", importanceTitle(1000, 50))
}

// TestGBTOutputHasNoTrailingSpaces: the text report's lines end where
// their text does ("… 13 more" used to carry tab padding).
func TestGBTOutputHasNoTrailingSpaces(t *testing.T) {
	var b strings.Builder
	b.WriteString("city,x,y\n")
	for i := range 240 {
		fmt.Fprintf(&b, "c%d,%d,%d\n", i%12, i%7, (i%12+i%7)%2)
	}
	data := filepath.Join(t.TempDir(), "d.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "y", "--categorical", "city", "--trees", "5")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, " more\n")
	for _, line := range strings.Split(out, "\n") {
		require.Equal(t, strings.TrimRight(line, " \t"), line)
	}
}

// TestGBTPlotWithoutSplits: when the trees make no split there is no
// importance chart to draw, and the run says so instead of leaving the
// file silently missing.
func TestGBTPlotWithoutSplits(t *testing.T) {
	dir := t.TempDir()
	data := filepath.Join(dir, "d.csv")
	require.NoError(t, os.WriteFile(data, []byte("x,y\n1,0\n1,1\n1,0\n1,1\n"), 0o644))
	prefix := filepath.Join(dir, "p")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "y", "--test-frac", "0", "--trees", "3", "--plot", prefix)
	require.Equal(t, 0, code, errOut)
	require.NoFileExists(t, prefix+"-importance.png")
	require.Contains(t, errOut, "no "+prefix+"-importance.png: the trees made no split")
}

// TestGBTMulticlass: a target of three classes fits multi:softprob by
// itself; the report, the saved model, ember predict and ember score give
// each class's probability, and --cv selects by log-loss.
func TestGBTMulticlass(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("id,x,city,band\n")
	for i := range 300 {
		x := i % 30
		band := []string{"low", "mid", "high"}[min(x/10, 2)]
		if i%13 == 0 { // some noise
			band = "mid"
		}
		fmt.Fprintf(&b, "%d,%d,%s,%s\n", 1000+i, x, []string{"Oslo", "Rome"}[i%2], band)
	}
	data := filepath.Join(dir, "bands.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.model")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "band", "--exclude", "id", "--trees", "20",
		"--max-depth", "3", "--save", model, "--plot", filepath.Join(dir, "p"), "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `target "band": 3 classes (high, low, mid)`)
	require.Contains(t, out, "model: multi:softprob, 60 trees (20 rounds of 3 classes)")
	require.NotContains(t, out, "held-out ROC AUC:", "the binary ROC AUC is for two classes")
	require.Contains(t, out, "held-out ROC AUC, one-vs-rest: macro ")
	require.NoFileExists(t, filepath.Join(dir, "p-roc.png"), "a ROC curve is for two classes")
	require.FileExists(t, filepath.Join(dir, "p-confusion.png"))
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, "multi:softprob", res.Objective)
	require.Equal(t, []string{"high", "low", "mid"}, res.Classes)
	require.Nil(t, res.ROCAUC)
	require.Greater(t, *res.Accuracy, 0.85)
	require.Less(t, *res.LogLoss, 0.5)
	require.Len(t, res.Confusion, 3)
	require.Len(t, res.Report, 3)

	// ember predict: the class, then each class's probability.
	pred := filepath.Join(dir, "pred.csv")
	code, out, errOut = runCmd(t, "predict", "--model", model, "--data", data, "--id", "id", "--out", pred)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, `accuracy against column "band"`)
	recs := readCSV(t, pred)
	require.Equal(t, []string{"id", "prediction", "p_high", "p_low", "p_mid"}, recs[0])
	// ember score: the same, streamed.
	scored := filepath.Join(dir, "scored.csv")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--id", "id", "--out", scored)
	require.Equal(t, 0, code, errOut)
	recs2 := readCSV(t, scored)
	require.Equal(t, recs[0], recs2[0])
	for i := 1; i < len(recs); i++ {
		require.Equal(t, recs[i], recs2[i], "row %d", i)
		var sum float64
		for _, s := range recs[i][2:] {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			sum += v
		}
		require.InDelta(t, 1, sum, 1e-12)
	}
	require.Equal(t, "low", recs[1][1]) // x = 0

	// Cross-validation of three classes selects by log-loss.
	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "band", "--exclude", "id", "--trees", "10",
		"--cv", "3", "--grid", "max_depth=2,3", "--json")
	require.Equal(t, 0, code, errOut)
	decodeLast(t, out, &res)
	require.Equal(t, "log_loss", res.CV.Metric)
	require.Len(t, res.CV.Points, 2)
}

// TestScoreOldGBTFiles: gbt model files saved before multi-class models
// (testdata/gbt-1bc528e: binary with early stopping, and a regressor) load
// and score byte for byte as the Ember that saved them scored them.
func TestScoreOldGBTFiles(t *testing.T) {
	dir := "testdata/gbt-1bc528e"
	for _, name := range []string{"old_binary", "old_reg"} {
		out := filepath.Join(t.TempDir(), "p.csv")
		code, _, errOut := runCmd(t, "score", "--model", filepath.Join(dir, name+".ember"), "--data", filepath.Join(dir, "crx100.csv"), "--out", out)
		require.Equal(t, 0, code, errOut)
		got, err := os.ReadFile(out)
		require.NoError(t, err)
		want, err := os.ReadFile(filepath.Join(dir, name+".expected.csv"))
		require.NoError(t, err)
		require.Equal(t, string(want), string(got), name)
	}
}

// TestGBTClassOfOneRow: a class with a single row stays in the training
// rows (held out, the model would never learn it), and the report says
// the held-out scores cannot speak for it.
func TestGBTClassOfOneRow(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range 90 {
		fmt.Fprintf(&b, "%d,%c\n", i, 'a'+i/30)
	}
	b.WriteString("5,d\n")
	data := filepath.Join(t.TempDir(), "one.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--trees", "5", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "no held-out rows of class d (too few rows to hold one out)")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, 91-3*8, res.NTrain, "ceil(0.25·30) = 8 of each of a, b, c held out; d's one row trains")
	require.Equal(t, 5, res.Rounds)
	require.Equal(t, 20, res.Trees)
	// Held out, d's row alone would add about log(2^52)/25 = 1.4.
	require.Less(t, *res.LogLoss, 1.0, "no held-out row of an unlearned class")
}

// TestGBTTwoClassSoftprob: multi:softprob asked for on two classes (as
// XGBClassifier allows) is scored as a two-class model: ROC AUC from the
// second class's probability, its ROC chart, and --cv by roc_auc.
func TestGBTTwoClassSoftprob(t *testing.T) {
	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range 80 {
		fmt.Fprintf(&b, "%d,%c\n", i, 'a'+(i/7)%2)
	}
	dir := t.TempDir()
	data := filepath.Join(dir, "two.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--objective", "multi:softprob", "--trees", "5",
		"--plot", filepath.Join(dir, "p"), "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "held-out ROC AUC")
	require.FileExists(t, filepath.Join(dir, "p-roc.png"))
	var res gbtResult
	decodeLast(t, out, &res)
	require.NotNil(t, res.ROCAUC)
	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--objective", "multi:softprob",
		"--trees", "5", "--cv", "2", "--grid", "max_depth=2,3", "--metric", "roc_auc", "--json")
	require.Equal(t, 0, code, errOut)
	decodeLast(t, out, &res)
	require.Equal(t, "roc_auc", res.CV.Metric)
}

// TestGBTMulticlassParquet: iris as Parquet, the species as a string
// column and, in turn, as an int32 code column (with missing petal
// lengths), fits multi:softprob and scores with a p_ column a class.
func TestGBTMulticlassParquet(t *testing.T) {
	rows := readCSV(t, shareddata.TestPath(t, "iris.csv"))
	type rec struct {
		SL      float64  `parquet:"sepal_length"`
		SW      float64  `parquet:"sepal_width"`
		PL      *float64 `parquet:"petal_length,optional"`
		PW      float64  `parquet:"petal_width"`
		Species string   `parquet:"species"`
		Code    int32    `parquet:"code"`
	}
	var batch []rec
	for i, r := range rows[1:] {
		f := func(s string) float64 {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			return v
		}
		pl := f(r[2])
		var plp *float64
		if i%17 != 0 {
			plp = &pl
		}
		code := map[string]int32{"setosa": 0, "versicolor": 1, "virginica": 2}[r[4]]
		batch = append(batch, rec{f(r[0]), f(r[1]), plp, f(r[3]), r[4], code})
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "iris.parquet")
	fh, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[rec](fh, parquet.MaxRowsPerRowGroup(40))
	_, err = w.Write(batch)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, fh.Close())
	for _, tc := range []struct {
		target, other string
		header        []string
	}{
		{"species", "code", []string{"prediction", "p_setosa", "p_versicolor", "p_virginica"}},
		{"code", "species", []string{"prediction", "p_0", "p_1", "p_2"}},
	} {
		model := filepath.Join(dir, tc.target+".model")
		code, out, errOut := runCmd(t, "gbt", "--data", path, "--target", tc.target, "--exclude", tc.other, "--trees", "20", "--save", model)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "multi:softprob")
		pred := filepath.Join(dir, "p.csv")
		code, _, errOut = runCmd(t, "score", "--model", model, "--data", path, "--out", pred)
		require.Equal(t, 0, code, errOut)
		recs := readCSV(t, pred)
		require.Equal(t, tc.header, recs[0])
		require.Len(t, recs, 151)
	}
}

// TestGBTWeights: --weight names a column of sample weights, which is not
// a feature and changes the fit; --scale-pos-weight weighs the positive
// class; bad weights are refused naming their line, before any fit.
func TestGBTWeights(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,z,w,label\n")
	for i := range 200 {
		label := "no"
		if (i%10 > 6) != (i%13 == 0) {
			label = "yes"
		}
		fmt.Fprintf(&b, "%d,%d,%d,%s\n", i%10, i%4, 1+i%3, label)
	}
	data := filepath.Join(dir, "w.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	fit := func(args ...string) gbtResult {
		t.Helper()
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--target", "label", "--trees", "10", "--json"}, args...)...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		return res
	}
	plain := fit("--exclude", "w")
	weighted := fit("--weight", "w")
	require.Equal(t, "w", weighted.Weight)
	require.Equal(t, plain.NFeatures, weighted.NFeatures, "the weight column is not a feature")
	require.Equal(t, []string{"x", "z"}, weighted.Numeric)
	require.NotEqual(t, *plain.LogLoss, *weighted.LogLoss)
	spw := fit("--exclude", "w", "--scale-pos-weight", "4")
	require.Equal(t, 4.0, spw.Params["scale_pos_weight"])
	// Weighing the positives up predicts "yes" more often.
	require.Greater(t, spw.Confusion[0][1]+spw.Confusion[1][1], plain.Confusion[0][1]+plain.Confusion[1][1])

	// Tuned by --cv as XGBoost users tune it.
	cv := fit("--exclude", "w", "--cv", "2", "--grid", "scalePosWeight=1,3")
	require.Len(t, cv.CV.Points, 2)
	require.Contains(t, cv.CV.Points[1].Point, "scale_pos_weight")

	bad := filepath.Join(dir, "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("x,w,label\n1,1,a\n2,-3,b\n3,1,a\n4,1,b\n"), 0o644))
	two := filepath.Join(dir, "two.csv")
	require.NoError(t, os.WriteFile(two, []byte("x,label\n1,a\n2,b\n"), 0o644))
	three := filepath.Join(dir, "three.csv")
	require.NoError(t, os.WriteFile(three, []byte("x,label\n1,a\n2,b\n3,c\n4,a\n5,b\n6,c\n"), 0o644))
	missing := filepath.Join(dir, "missing.csv")
	require.NoError(t, os.WriteFile(missing, []byte("x,w,label\n1,1,a\n2,,b\n3,1,a\n4,1,b\n"), 0o644))
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"negative weight", []string{"--data", bad, "--target", "label", "--weight", "w"}, 1, `--weight w: ` + bad + `: line 3: weight "-3" is not a number from 0 to 3.4e38`},
		{"missing weight", []string{"--data", missing, "--target", "label", "--weight", "w"}, 1, `--weight w: ` + missing + `: line 3: missing weight`},
		{"no such column", []string{"--data", data, "--target", "label", "--weight", "ww"}, 1, `--weight: ` + data + `: no column "ww"`},
		{"weight is target", []string{"--data", data, "--target", "label", "--weight", "label"}, 2, "--weight label is the --target column"},
		{"weight is a feature", []string{"--data", data, "--target", "label", "--weight", "w", "--features", "x,w"}, 1, "--weight w is also a feature column"},
		{"scale_pos_weight for three classes", []string{"--data", three, "--target", "label", "--scale-pos-weight", "2"}, 1,
			`--scale-pos-weight weighs the positive class of binary:logistic; "label" has 3 classes (multi:softprob): weigh rows with --weight instead`},
		{"scale_pos_weight on a regressor XGBoost fits without it", []string{"--data", data, "--target", "x", "--objective", "count:poisson", "--scale-pos-weight", "2"}, 2,
			"--scale-pos-weight weighs the rows whose target is 1 (XGBoost's scale_pos_weight) of binary:logistic, binary:logitraw, reg:logistic, reg:squarederror and reg:squaredlogerror; XGBoost fits --objective count:poisson without reading it"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireExitError(t, tc.code, tc.want, append([]string{"gbt"}, tc.args...)...)
		})
	}
}

// TestGBTMaxLeaves: --max-leaves grows best first (and is a --grid axis
// under LightGBM's and scikit-learn's names too); 1 is refused.
func TestGBTMaxLeaves(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 300, nil)
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "5",
		"--max-leaves", "6", "--max-depth", "30", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "best first to 6 leaves, max depth 30")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, 6.0, res.Params["max_leaves"])
	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "5",
		"--cv", "2", "--grid", "num_leaves=0,4;max_leaf_nodes=3", "--json")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, `"max_leaves" is given twice`)
	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "5",
		"--cv", "2", "--grid", "num_leaves=0,4", "--json")
	require.Equal(t, 0, code, errOut)
	decodeLast(t, out, &res)
	require.Len(t, res.CV.Points, 2)
	// Without --max-depth the depth is no practical bound (as LightGBM's);
	// a depth that caps the leaves is said.
	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "2", "--max-leaves", "6")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "best first to 6 leaves, max depth 30")
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "2", "--max-leaves", "6", "--max-depth", "2")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, errOut, "--max-leaves 6 cannot be reached within --max-depth 2 (at most 4 leaves)")
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--max-leaves", "1")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, "--max-leaves 1 would make every tree a single leaf")
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--cv", "2", "--grid", "num_leaves=1")
	require.Equal(t, 2, code, errOut)
	require.Contains(t, errOut, "--grid max_leaves: 1 is not a whole number from 2 to 65536")
}

// TestScoreContributions: ember score --contributions adds each feature's
// contribution and the bias; for a binary model they add up to the
// prediction's log-odds, and a multi-class model has a block per class.
func TestScoreContributions(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 200, nil)
	model := filepath.Join(dir, "m.model")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--features", "x",
		"--categorical", "city", "--trees", "10", "--max-depth", "3", "--save", model)
	require.Equal(t, 0, code, errOut)
	out := filepath.Join(dir, "c.csv")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--id", "id", "--contributions", "--out", out)
	require.Equal(t, 0, code, errOut)
	recs := readCSV(t, out)
	require.Equal(t, []string{"id", "prediction", "contrib_x", "contrib_city=Lima", "contrib_city=Oslo", "contrib_city=Rome", "contrib_bias"}, recs[0])
	for _, r := range recs[1:] {
		p, err := strconv.ParseFloat(r[1], 64)
		require.NoError(t, err)
		var sum float64
		for _, s := range r[2:] {
			v, err := strconv.ParseFloat(s, 64)
			require.NoError(t, err)
			sum += v
		}
		require.InDelta(t, math.Log(p/(1-p)), sum, 1e-9, "row %s", r[0])
	}

	xgbOut := filepath.Join(dir, "x.csv")
	code, _, errOut = runCmd(t, "score", "--model", "../../models/gbt/testdata/xgb_multi.json", "--data", "../../models/gbt/testdata/multi_rows.csv",
		"--features", "f0,f1,f2,f3,f4,f5", "--contributions", "--out", xgbOut)
	require.Equal(t, 0, code, errOut)
	recs = readCSV(t, xgbOut)
	require.Len(t, recs[0], 1+4+4*7)
	require.Equal(t, []string{"contrib_0_f0", "contrib_0_f1"}, recs[0][5:7])
	require.Equal(t, "contrib_3_bias", recs[0][len(recs[0])-1])

	// A model file saved before node covers says so, before reading data.
	code, _, errOut = runCmd(t, "score", "--model", "testdata/gbt-1bc528e/old_binary.ember", "--data", "testdata/gbt-1bc528e/crx100.csv", "--contributions")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--contributions: testdata/gbt-1bc528e/old_binary.ember: gbt: the model has no node covers")
}

// TestApplyPointLeavesDepth: a grid point growing best first has no
// practical depth bound unless it or --max-depth gives one, as
// --max-leaves alone has.
func TestApplyPointLeavesDepth(t *testing.T) {
	for _, tc := range []struct {
		point    selection.Point
		depthSet bool
		want     int
	}{
		{selection.Point{"max_leaves": 4}, false, 30},
		{selection.Point{"max_leaves": 4}, true, 6},
		{selection.Point{"max_leaves": 4, "max_depth": 3}, false, 3},
		{selection.Point{"max_leaves": 0}, false, 6},
	} {
		m := gbt.New()
		require.NoError(t, applyPoint(m, tc.point, tc.depthSet))
		require.Equal(t, tc.want, m.MaxDepth, "%v", tc.point)
	}
}

// TestGBTPositive: --positive picks the class whose probability a binary
// model gives, without changing the held-out rows or the folds (the same
// ROC AUC, per-point CV scores and accuracy); the scored probabilities are
// the default model's complements. A class the target lacks, or a target
// of more than two classes, is an error.
func TestGBTPositive(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 600, nil)
	fit := func(extra ...string) (gbtResult, []float64) {
		t.Helper()
		model := filepath.Join(t.TempDir(), "m.model")
		args := append([]string{"gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "city", "--tokens", "genres",
			"--token-sep", "|", "--trees", "20", "--cv", "3", "--grid", "max_depth=2,3", "--save", model, "--json"}, extra...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		pred := filepath.Join(t.TempDir(), "p.csv")
		code, out, errOut = runCmd(t, "score", "--model", model, "--data", data, "--out", pred, "--json")
		require.Equal(t, 0, code, errOut)
		var sr scoreResult
		decodeLast(t, out, &sr)
		require.Equal(t, res.Classes[1], sr.Positive)
		require.Contains(t, out, fmt.Sprintf("prediction: the probability of class %q", res.Classes[1]))
		raw, err := os.ReadFile(pred)
		require.NoError(t, err)
		var p []float64
		for _, line := range strings.Split(strings.TrimSpace(string(raw)), "\n")[1:] {
			v, err := strconv.ParseFloat(line, 64)
			require.NoError(t, err)
			p = append(p, v)
		}
		return res, p
	}
	yes, pYes := fit()
	no, pNo := fit("--positive", "no")
	require.Equal(t, []string{"no", "yes"}, yes.Classes)
	require.Equal(t, []string{"yes", "no"}, no.Classes)
	require.InDelta(t, *yes.ROCAUC, *no.ROCAUC, 1e-12)
	require.InDelta(t, *yes.Accuracy, *no.Accuracy, 1e-12)
	require.Equal(t, yes.CV.Best, no.CV.Best)
	for k, pt := range yes.CV.Points {
		require.InDeltaSlice(t, pt.Scores, no.CV.Points[k].Scores, 1e-12, "grid point %d", k)
	}
	for i := range pYes {
		require.InDelta(t, 1, pYes[i]+pNo[i], 1e-6, "row %d", i)
	}

	// --early-stopping's validation rows do not move either.
	var stops [2]gbtResult
	for k, extra := range [][]string{nil, {"--positive", "no"}} {
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "city",
			"--tokens", "genres", "--token-sep", "|", "--trees", "200", "--early-stopping", "3", "--seed", "3", "--json"}, extra...)...)
		require.Equal(t, 0, code, errOut)
		decodeLast(t, out, &stops[k])
	}
	require.Equal(t, *stops[0].BestRound, *stops[1].BestRound)
	require.InDelta(t, *stops[0].ROCAUC, *stops[1].ROCAUC, 1e-12)

	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--positive", "maybe")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--positive "maybe" is not a class of column "label" (no, yes)`)
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "city", "--positive", "Oslo")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--positive names the positive class of a two-class target; column "city" has 3 classes`)
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "x", "--objective", "reg:squarederror", "--positive", "1")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--positive names the positive class of a classifier; --objective reg:squarederror predicts a number")
}

// TestGBTRegressionHeldOut: a regressor scored on a held-out split (the
// default) runs; the check for classes missing from the held-out rows
// indexed the class list a regressor does not have.
func TestGBTRegressionHeldOut(t *testing.T) {
	data := uciData(t, t.TempDir(), "r.data", 200)
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--sep", "whitespace", "--no-header", "--target", "1",
		"--objective", "reg:squarederror", "--trees", "10", "--json")
	require.Equal(t, 0, code, errOut)
	var res gbtResult
	decodeLast(t, out, &res)
	require.NotNil(t, res.RMSE)
	require.Equal(t, 50, res.NTest)
}

// TestGBTLearningRateOverflow: a learning rate that takes a leaf value
// beyond float32's range stops the fit with an error naming --lr, for
// every objective, and nothing is saved (it used to save a NaN model that
// ember score refused as malformed). A large rate whose leaves stay finite
// still fits, and its model scores.
func TestGBTLearningRateOverflow(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 200, nil)
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"binary", []string{"--target", "label", "--lr", "1e39"}},
		{"binary 1e308", []string{"--target", "label", "--lr", "1e308"}},
		{"multi-class", []string{"--target", "city", "--lr", "1e39"}},
		{"regression", []string{"--target", "id", "--objective", "reg:squarederror", "--lr", "1e39"}},
		{"regression 1e30, second round", []string{"--target", "id", "--objective", "reg:squarederror", "--lr", "1e30"}},
		{"no L2", []string{"--target", "label", "--lr", "1e30", "--l2", "0"}},
		{"grid", []string{"--target", "label", "--cv", "2", "--grid", "eta=0.1,1e39"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			model := filepath.Join(t.TempDir(), "m.model")
			args := append([]string{"gbt", "--data", data, "--features", "x", "--trees", "3", "--save", model}, tc.args...)
			code, _, errOut := runCmd(t, args...)
			require.Equal(t, 1, code, errOut)
			require.Contains(t, errOut, "is beyond float32's range (3.4e38), where leaf values are kept: lower --lr")
			require.NoFileExists(t, model)
		})
	}
	model := filepath.Join(dir, "big.model")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--features", "x", "--trees", "3", "--lr", "1e30", "--save", model)
	require.Equal(t, 0, code, errOut)
	require.NotContains(t, errOut, "NaN")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data)
	require.Equal(t, 0, code, errOut)
}

// TestGBTTestFracZero: --test-frac 0 scores on the training rows, and the
// output says no row was held out (it used to count the training rows as
// held out).
func TestGBTTestFracZero(t *testing.T) {
	data := writeFile(t, "two.csv", "x,label\n1,a\n2,b\n")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--trees", "3", "--test-frac", "0", "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "split: 2 training rows, no held-out rows (--test-frac 0)\n")
	require.Contains(t, out, "training (no held-out rows: --test-frac 0) ROC AUC")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, "train", res.EvalOn)
	require.Equal(t, 2, res.NTrain)
	require.Zero(t, res.NTest)
}

// TestChooseColumnsNAHint: a "?" among numbers is pointed at --na-values
// in a text table, not in a Parquet file, where the flag does nothing.
func TestChooseColumnsNAHint(t *testing.T) {
	col := func() *tabular.Column {
		return &tabular.Column{Name: "x", Kind: tabular.Text, Str: []string{"1", "2", "?", "4"}}
	}
	text := &tabular.Batch{Source: "t.csv", Rows: 4, Lines: []int{2, 3, 4, 5}, Columns: []*tabular.Column{col()}}
	err := chooseColumns(text, &tabular.Spec{}, "", []string{"y"}, func(string, ...any) {})
	require.ErrorContains(t, err, `t.csv: line 4, column "x": "?" is not a number, though 3 of its 4 values are (--na-values "?" reads it as a missing value;`)
	pq := &tabular.Batch{Source: "t.parquet", Rows: 4, Columns: []*tabular.Column{col()}}
	err = chooseColumns(pq, &tabular.Spec{}, "", []string{"y"}, func(string, ...any) {})
	require.ErrorContains(t, err, `t.parquet: row 3, column "x": "?" is not a number, though 3 of its 4 values are (fix it, or leave the cell empty`)
}

// TestGBTRegularisation: --l1, --max-delta-step and --monotone reach the
// model (and its file), --grid takes l1 and max_delta_step under their
// XGBoost names, the fitted model is monotone in the --monotone column,
// and a bad --monotone is an error naming the entry before any fit.
func TestGBTRegularisation(t *testing.T) {
	dir := t.TempDir()
	data := smallTable(t, dir, 300, nil)
	model := filepath.Join(dir, "m.model")
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "20",
		"--l1", "0.5", "--max-delta-step", "2", "--monotone", "x:+1", "--save", model, "--json")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "l2 1, l1 0.5, max delta step 2, monotone in x +1;")
	var res gbtResult
	decodeLast(t, out, &res)
	require.Equal(t, 0.5, res.Params["l1"])
	require.Equal(t, 2.0, res.Params["max_delta_step"])
	require.Equal(t, map[string]int{"x": 1}, res.Monotone)
	s, err := gbt.Load(model)
	require.NoError(t, err)
	m := s.Model
	require.Equal(t, 0.5, m.L1)
	require.Equal(t, 2.0, m.MaxDeltaStep)
	x := s.Pipeline.Spec.Numeric
	require.Equal(t, []string{"x"}, x)
	want := make([]int, len(s.Pipeline.Features))
	want[0] = 1
	require.Equal(t, want, m.Monotone)
	// Every feature row of the table, x swept over -1..17: margins never fall.
	tb, err := readBatch(data, nil, tabular.Layout{})
	require.NoError(t, err)
	X, _, err := s.Pipeline.Transform(tb, nil)
	require.NoError(t, err)
	S := tabular.NewMatrix(19, X.Cols)
	for i := range X.Rows {
		for v := range 19 {
			copy(S.Row(v), X.Row(i))
			S.Row(v)[0] = float32(v - 1)
		}
		mg, err := m.Margins(S)
		require.NoError(t, err)
		for v := 1; v < len(mg); v++ {
			require.GreaterOrEqual(t, mg[v], mg[v-1], "row %d, x %d", i, v-1)
		}
	}

	code, out, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "id", "--trees", "5",
		"--monotone", "x:-1", "--cv", "2", "--grid", "reg_alpha=0,2;max_delta_step=0,1", "--json")
	require.Equal(t, 0, code, errOut)
	decodeLast(t, out, &res)
	require.Len(t, res.CV.Points, 4)
	best := res.CV.Points[res.CV.Best].Point
	require.Equal(t, best["l1"], res.Params["l1"])
	require.Equal(t, best["max_delta_step"], res.Params["max_delta_step"])
	require.Equal(t, map[string]int{"x": -1}, res.Monotone)

	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--monotone", "x:+2"}, 2, `--monotone x: the sign is "+2"; give +1 (predictions rise with the column) or -1 (they fall)`},
		{[]string{"--monotone", "x"}, 2, `--monotone: "x" is not COLUMN:SIGN`},
		{[]string{"--monotone", "x:1,x:-1"}, 2, "--monotone lists x twice"},
		{[]string{"--monotone", "size:1"}, 1, `--monotone size: ` + data + ` has no column "size" (the features are: x, city, genres)`},
		{[]string{"--monotone", "city:1"}, 1, "--monotone city: city is categorical"},
		{[]string{"--monotone", "city:1", "--categorical-mode", "native"}, 1, "--monotone city: city is categorical"},
		{[]string{"--monotone", "genres:-1"}, 1, "--monotone genres: genres holds --tokens"},
		{[]string{"--monotone", "id:-1"}, 1, "--monotone id: id is not a feature (see --features and --exclude)"},
		{[]string{"--monotone", "label:1"}, 1, "--monotone label: label is the --target"},
		{[]string{"--l1", "-1"}, 2, "--l1"},
		{[]string{"--cv", "2", "--grid", "alpha=-1"}, 2, "--grid l1: -1 is negative"},
	} {
		requireRefusedBeforeFit(t, []string{"gbt", "--data", data, "--target", "label", "--exclude", "id", "--categorical", "city", "--tokens", "genres", "--trees", "2"},
			tc.args, tc.code, tc.want)
	}
}

// TestGBTNumericClassesTooSmallHint: a target of a few distinct numbers
// (too few to be taken for a quantity) is taken as classes, and a split
// then finds each class a single row. Where its values are all numbers and
// no --objective was given, the error says how to predict the number; not
// for text classes, nor for classes asked for.
func TestGBTNumericClassesTooSmallHint(t *testing.T) {
	dir := t.TempDir()
	var nums, words strings.Builder
	nums.WriteString("x,y\n")
	words.WriteString("x,y\n")
	for i := range 15 {
		fmt.Fprintf(&nums, "%d,%.2f\n", i, float64(i)*1.7)
		fmt.Fprintf(&words, "%d,w%d\n", i, i)
	}
	numFile, wordFile := filepath.Join(dir, "nums.csv"), filepath.Join(dir, "words.csv")
	require.NoError(t, os.WriteFile(numFile, []byte(nums.String()), 0o644))
	require.NoError(t, os.WriteFile(wordFile, []byte(words.String()), 0o644))
	const hint = `; the values of "y" are all numbers, taken as classes: to predict the number, --objective reg:squarederror`
	for _, tc := range []struct {
		args     []string
		wantHint bool
	}{
		{[]string{"--data", numFile}, true},
		{[]string{"--data", numFile, "--test-frac", "0", "--early-stopping", "2"}, true},
		{[]string{"--data", numFile, "--objective", "multi:softprob"}, false},
		{[]string{"--data", wordFile}, false},
	} {
		code, _, errOut := runCmd(t, append([]string{"gbt", "--target", "y"}, tc.args...)...)
		require.Equal(t, 1, code, errOut)
		require.Contains(t, errOut, "holds out no row", tc.args)
		if tc.wantHint {
			require.True(t, strings.HasSuffix(errOut, hint+"\n"), "%v: %s", tc.args, errOut)
		} else {
			require.NotContains(t, errOut, "--objective reg:squarederror", tc.args)
		}
	}
}
