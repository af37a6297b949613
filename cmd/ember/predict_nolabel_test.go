package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestPredictSaysWhyNoScore: a model fitted with a label (or target)
// column, scored on data without it, says in its summary that the data
// has no such column, so no accuracy (a regressor: no RMSE) is given; it
// said nothing, and a missing accuracy read as a lost one. The note is in
// the summary only: not in the predictions, not in --json. A model fitted
// without labels (k-means) and data that has the column get no note.
func TestPredictSaysWhyNoScore(t *testing.T) {
	dir := t.TempDir()
	model := func(name string, args ...string) string {
		path := filepath.Join(dir, name+".ember")
		code, _, errOut := runCmd(t, append(args, "--save", path)...)
		require.Equal(t, 0, code, errOut)
		return path
	}
	table := writeFile(t, "t.csv", "x,z,y\n1,0,a\n2,1,a\n3,0,a\n4,1,b\n5,0,b\n6,1,b\n1,1,a\n2,0,a\n3,1,a\n4,0,b\n5,1,b\n6,0,b\n")
	numeric := writeFile(t, "n.csv", "x,z,v\n1,0,1.5\n2,1,2.5\n3,0,3\n4,1,4.5\n5,0,5\n6,1,6.5\n1,1,1\n2,0,2\n3,1,3.5\n4,0,4\n5,1,5.5\n6,0,6\n")
	texts := writeFile(t, "d.csv", "label,text\nspam,WIN a free prize now\nham,see you at lunch\n"+
		"spam,claim your cash prize\nham,are we meeting today\nspam,free entry win\nham,lunch at noon ok\n")
	sms := writeFile(t, "sms.txt", "ham\tsee you at lunch\nspam\twin a free prize now\nham\tmeeting today ok\nspam\tclaim your cash prize\n")

	logreg := model("lr", "logreg", "--data", table, "--target", "y", "--features", "x,z")
	gbtClass := model("gc", "gbt", "--data", table, "--target", "y", "--trees", "3", "--test-frac", "0")
	gbtReg := model("gr", "gbt", "--data", numeric, "--target", "v", "--objective", "reg:squarederror", "--trees", "3", "--test-frac", "0")
	nbCSV := model("nb", "naivebayes", "--data", texts, "--text", "text", "--label", "label", "--test-frac", "0")
	nbSMS := model("nbs", "naivebayes", "--data", sms, "--format", "sms", "--test-frac", "0")
	km := model("km", "kmeans", "--data", table, "--k", "2", "--features", "x,z")

	features := writeFile(t, "f.csv", "x,z\n1,0\n6,1\n")
	docs := writeFile(t, "docs.csv", "text\nfree prize\nsee you\n")
	lines := writeFile(t, "lines.txt", "free prize\nsee you\n")
	for _, tc := range []struct {
		name, model, data, want string
	}{
		{"logreg", logreg, features, features + ` has no column "y", so no accuracy is given`},
		{"gbt classifier", gbtClass, features, features + ` has no column "y", so no accuracy is given`},
		{"gbt regressor", gbtReg, features, features + ` has no column "v", so no RMSE is given`},
		{"naive Bayes, csv", nbCSV, docs, docs + ` has no column "label", so no accuracy is given`},
		{"naive Bayes, sms", nbSMS, lines, lines + ` is lines of text without labels (the model reads label<TAB>text lines), so no accuracy is given`},
		{"k-means", km, features, ""},
		{"labelled", logreg, table, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// Predictions on standard output: the summary on standard error.
			code, out, errOut := runCmd(t, "predict", "--model", tc.model, "--data", tc.data)
			require.Equal(t, 0, code, errOut)
			require.NotContains(t, out, "given")
			if tc.want == "" {
				require.NotContains(t, errOut, "so no ")
				return
			}
			require.Contains(t, errOut, "\n"+tc.want+"\n")
			require.Equal(t, 1, strings.Count(errOut, "so no "), errOut)

			// Predictions in a file: the summary on standard output, with
			// --json's object last, which has no field for it.
			preds := filepath.Join(t.TempDir(), "p.csv")
			code, out, errOut = runCmd(t, "predict", "--model", tc.model, "--data", tc.data, "--out", preds, "--json")
			require.Equal(t, 0, code, errOut)
			require.Contains(t, out, "\n"+tc.want+"\n")
			lines := strings.Split(strings.TrimSpace(out), "\n")
			require.NotContains(t, lines[len(lines)-1], "so no ")
			var res predictResult
			decodeLastLine(t, out, &res)
			require.Nil(t, res.Accuracy)
			require.Nil(t, res.RMSE)
			b, err := os.ReadFile(preds)
			require.NoError(t, err)
			require.NotContains(t, string(b), "given")
		})
	}
}
