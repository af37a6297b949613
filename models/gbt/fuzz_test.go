package gbt

import (
	"math"
	"os"
	"testing"

	"github.com/emberml/ember/tabular"
)

// FuzzParseXGBoost feeds arbitrary bytes to the XGBoost JSON/UBJSON reader
// (ember score reads such files from anyone): no panic, no hang, an error
// matching ErrXGBoostModel, and a model that reads predicts every row.
func FuzzParseXGBoost(f *testing.F) {
	small := `{"learner":{"attributes":{},"feature_names":["a","b"],"feature_types":["float","float"],` +
		`"gradient_booster":{"model":{"gbtree_model_param":{"num_parallel_tree":"1","num_trees":"1"},"tree_info":[0],` +
		`"trees":[{"base_weights":[0,-0.5,0.5],"default_left":[1,0,0],"id":0,"left_children":[1,-1,-1],` +
		`"right_children":[2,-1,-1],"split_conditions":[0.5,-0.5,0.5],"split_indices":[1,0,0],"split_type":[0,0,0],` +
		`"tree_param":{"num_deleted":"0","num_feature":"2","num_nodes":"3","size_leaf_vector":"1"}}]},"name":"gbtree"},` +
		`"learner_model_param":{"base_score":"5E-1","num_class":"0","num_feature":"2","num_target":"1"},` +
		`"objective":{"name":"binary:logistic","reg_loss_param":{"scale_pos_weight":"1"}}},"version":[1,7,4]}`
	f.Add([]byte(small))
	// The same tree twice, for two classes of multi:softprob.
	tree := `{"base_weights":[0,-0.5,0.5],"default_left":[1,0,0],"id":0,"left_children":[1,-1,-1],` +
		`"right_children":[2,-1,-1],"split_conditions":[0.5,-0.5,0.5],"split_indices":[1,0,0],"split_type":[0,0,0],` +
		`"tree_param":{"num_deleted":"0","num_feature":"2","num_nodes":"3","size_leaf_vector":"0"}}`
	f.Add([]byte(`{"learner":{"feature_names":["a","b"],"gradient_booster":{"model":{"tree_info":[0,1],"trees":[` + tree + `,` + tree +
		`]},"name":"gbtree"},"learner_model_param":{"base_score":"5E-1","num_class":"2","num_feature":"2"},` +
		`"objective":{"name":"multi:softprob"}},"version":[1,7,4]}`))
	f.Add([]byte(`{"learner":{}}`))
	f.Add([]byte("{L\x00\x00\x00\x00\x00\x00\x00\x07learner{}}"))
	f.Add([]byte("{i\x07learner{i\x0bfeature_names[$S#i\x01i\x01a}}"))
	f.Add([]byte("[1,2]"))
	for _, p := range []string{"testdata/xgb_reg.ubj", "testdata/xgb_binary.json", "testdata/xgb_multi.ubj"} {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b[:min(len(b), 4096)]) // a cut file: the seed stays small
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParseXGBoost(b)
		if err != nil {
			return
		}
		n := m.NumFeatures()
		if n <= 0 || n > 1<<16 {
			t.Fatalf("a model with %d features was accepted", n)
		}
		X := tabular.NewMatrix(3, n)
		for j := range n {
			X.Data[j], X.Data[n+j], X.Data[2*n+j] = float32(math.NaN()), -1e30, float32(j)
		}
		p, err := m.Ensemble.Predict(X, 1, nil)
		if err != nil {
			t.Fatalf("a model that reads does not predict: %v", err)
		}
		if len(p) != 3*m.NumClass() {
			t.Fatalf("%d predictions for 3 rows of %d classes", len(p), m.NumClass())
		}
		if m.CheckContributions() == nil {
			if c, err := m.Contributions(X, 1, nil); err == nil && len(c) != 3*m.NumClass()*(n+1) {
				t.Fatalf("%d contributions for 3 rows of %d classes and %d features", len(c), m.NumClass(), n)
			}
		}
	})
}
