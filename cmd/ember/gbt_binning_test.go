package main

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/models/gbt"
)

// TestGBTBinning: --binning xgboost reaches the model (the saved one
// records it) and cuts a continuous column otherwise than the default
// sklearn binning, which a saved model leaves unrecorded, as before the
// flag; an unknown binning is refused before any work.
func TestGBTBinning(t *testing.T) {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("x,z,label\n")
	for i := range 3000 {
		// Two continuous columns of thousands of distinct values.
		x := math.Sin(float64(i)*12.9898) * 43758.5453
		x -= math.Floor(x)
		z := math.Mod(float64(i)*0.618034, 1) * 100
		label := 0
		if x+z/200+0.3*math.Sin(float64(i)) > 0.8 {
			label = 1
		}
		fmt.Fprintf(&b, "%.6f,%.4f,%d\n", x, z, label)
	}
	data := filepath.Join(dir, "cont.csv")
	require.NoError(t, os.WriteFile(data, []byte(b.String()), 0o644))
	fit := func(args ...string) (gbtResult, *gbt.Saved) {
		t.Helper()
		model := filepath.Join(dir, "m.model")
		args = append([]string{"gbt", "--data", data, "--target", "label", "--trees", "10", "--max-bins", "32",
			"--save", model, "--json"}, args...)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 0, code, errOut)
		var res gbtResult
		decodeLast(t, out, &res)
		s, err := gbt.Load(model)
		require.NoError(t, err)
		return res, s
	}
	xres, xs := fit("--binning", "xgboost")
	require.Equal(t, gbt.BinningXGBoost, xs.Model.Binning)
	sres, ss := fit()
	require.Equal(t, gbt.Binning(""), ss.Model.Binning)
	_, ss2 := fit("--binning", "sklearn")
	require.Equal(t, gbt.Binning(""), ss2.Model.Binning)
	require.NotEqual(t, xres.Importance, sres.Importance, "the cuts, and so the trees, differ")

	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--binning", "lightgbm")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--binning")
	require.Contains(t, errOut, "lightgbm")
	require.NotContains(t, out, "model:")
}
