package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestContribHeaderUnique: a feature column named "bias" gets the header
// contrib_bias, and the bias contrib_bias.1 (as pandas would rename it):
// every header of the output is distinct, so no column hides another.
func TestContribHeaderUnique(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,bias,label\n")
	for i := range 200 {
		b.WriteString(strings.Join([]string{strconv.Itoa(i % 17), strconv.Itoa(i % 5), strconv.Itoa(boolInt(i%17 > 8 != (i%5 == 1)))}, ",") + "\n")
	}
	data := filepath.Join(dir, "t.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	model := filepath.Join(dir, "m.model")
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--trees", "5", "--save", model)
	require.Equal(t, 0, code, errOut)
	out := filepath.Join(dir, "c.csv")
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--contributions", "--out", out)
	require.Equal(t, 0, code, errOut)
	header := readCSV(t, out)[0]
	require.Contains(t, header, "contrib_bias.1")
	seen := map[string]bool{}
	for _, h := range header {
		require.False(t, seen[h], "header %q twice: %v", h, header)
		seen[h] = true
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestTooDeepNamesTheModel: an XGBoost model with a tree deeper than
// Contributions takes (a chain of 4,097 splits) still scores; with
// --contributions it is refused before any data is read, naming the model
// (not the data file, as a first version did).
func TestTooDeepNamesTheModel(t *testing.T) {
	raw, err := os.ReadFile("../../models/gbt/testdata/xgb_binary.json")
	require.NoError(t, err)
	var doc map[string]any
	require.NoError(t, json.Unmarshal(raw, &doc))
	gb := doc["learner"].(map[string]any)["gradient_booster"].(map[string]any)["model"].(map[string]any)
	tree := gb["trees"].([]any)[0].(map[string]any)
	const depth = 4097
	n := 2*depth + 1
	var left, right, split, def, types, parents []int
	var cond, hess, zeros []float64
	for i := range n {
		if i%2 == 0 && i/2 < depth {
			left, right, split, cond, def = append(left, i+1), append(right, i+2), append(split, (i/2)%8), append(cond, 0.5), append(def, 1)
		} else {
			left, right, split, cond, def = append(left, -1), append(right, -1), append(split, 0), append(cond, 0.01), append(def, 0)
		}
		hess, zeros, types = append(hess, float64(n-i)), append(zeros, 0), append(types, 0)
		parents = append(parents, max(0, (i-1)/2*2))
	}
	tree["left_children"], tree["right_children"], tree["split_indices"] = left, right, split
	tree["split_conditions"], tree["default_left"], tree["sum_hessian"] = cond, def, hess
	tree["loss_changes"], tree["base_weights"], tree["split_type"], tree["parents"] = zeros, zeros, types, parents
	tree["tree_param"].(map[string]any)["num_nodes"] = strconv.Itoa(n)
	gb["trees"] = []any{tree}
	gb["tree_info"] = []int{0}
	gb["gbtree_model_param"].(map[string]any)["num_trees"] = "1"
	if _, ok := gb["iteration_indptr"]; ok {
		gb["iteration_indptr"] = []int{0, 1}
	}
	out, err := json.Marshal(doc)
	require.NoError(t, err)
	dir := t.TempDir()
	model := filepath.Join(dir, "deep.json")
	require.NoError(t, os.WriteFile(model, out, 0o644))
	data := filepath.Join(dir, "t.csv")
	require.NoError(t, os.WriteFile(data, []byte("f0,f1,f2,f3,f4,f5,f6,f7\n1,1,1,1,1,1,1,1\n"), 0o644))
	code, _, errOut := runCmd(t, "score", "--model", model, "--data", data, "--features", "f0,f1,f2,f3,f4,f5,f6,f7")
	require.Equal(t, 0, code, errOut) // it scores
	code, _, errOut = runCmd(t, "score", "--model", model, "--data", data, "--features", "f0,f1,f2,f3,f4,f5,f6,f7", "--contributions")
	require.NotEqual(t, 0, code)
	require.Contains(t, errOut, "4097 levels deep")
	require.Contains(t, errOut, model, "the error should name the model file")
	require.NotContains(t, errOut, data+":", "the error blames the data file")
}
