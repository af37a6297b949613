package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// weightFile writes x,w,label rows: weight(i) is row i's weight.
func weightFile(t *testing.T, weight func(i int) string) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("x,w,label\n")
	for i := range 200 {
		label := "no"
		if i%3 == 0 {
			label = "yes"
		}
		fmt.Fprintf(&b, "%d,%s,%s\n", i%17, weight(i), label)
	}
	path := filepath.Join(t.TempDir(), "w.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path
}

// TestGBTWeightErrorsNameTheFlag: weights that sum to 0 only after a split
// (the --valid-frac split, the --test-frac one) are refused before the fit,
// naming --weight and the rows.
func TestGBTWeightErrorsNameTheFlag(t *testing.T) {
	two := weightFile(t, func(i int) string {
		if i == 0 || i == 1 {
			return "1"
		}
		return "0"
	})
	code, _, errOut := runCmd(t, "gbt", "--data", two, "--target", "label", "--weight", "w", "--trees", "5", "--early-stopping", "2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--weight w: ")

	one := weightFile(t, func(i int) string {
		if i == 7 {
			return "1"
		}
		return "0"
	})
	code, _, errOut = runCmd(t, "gbt", "--data", one, "--target", "label", "--weight", "w", "--trees", "5", "--seed", "2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--weight w: ")
	require.NotContains(t, errOut, "gbt: gbt:")
}

// TestGBTPositivesWeighNothing: a --weight column that gives every
// positive row weight 0 is refused before the fit, naming the class.
func TestGBTPositivesWeighNothing(t *testing.T) {
	data := weightFile(t, func(i int) string {
		if i%3 == 0 {
			return "0"
		}
		return "1"
	})
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--weight", "w", "--trees", "5")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--weight w: of the training rows, only those of class no weigh more than 0; a classifier needs two classes of weighted rows")
}

// TestGBTWeightsBeyondFloat32: weights of 1e300 (NaN leaves in float32
// gradients) are refused naming the flag and line, as XGBoost refuses
// weights beyond float32.
func TestGBTWeightsBeyondFloat32(t *testing.T) {
	data := weightFile(t, func(int) string { return "1e300" })
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--weight", "w", "--trees", "5")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, "--weight w: "+data+`: line 2: weight "1e300" is not a number from 0 to 3.4e38`)
}

// TestGBTGridScalePosWeightMulticlass: scale_pos_weight as a --grid axis
// on a three-class target is refused before any fit, as the flag is.
func TestGBTGridScalePosWeightMulticlass(t *testing.T) {
	three := filepath.Join(t.TempDir(), "three.csv")
	var b strings.Builder
	b.WriteString("x,label\n")
	for i := range 60 {
		fmt.Fprintf(&b, "%d,%c\n", i, 'a'+i%3)
	}
	require.NoError(t, os.WriteFile(three, []byte(b.String()), 0o644))
	code, _, errOut := runCmd(t, "gbt", "--data", three, "--target", "label", "--trees", "3", "--cv", "2", "--grid", "scale_pos_weight=1,2")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, `--grid scale_pos_weight weighs the positive class of binary:logistic; "label" has 3 classes`)
}
