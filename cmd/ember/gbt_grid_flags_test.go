package main

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGBTGridFlagSetTwice: a setting given both as a flag and as a --grid
// axis (under any of its names) is refused as a bad command line: the
// grid's values would replace the flag's, which would silently lose.
// Flags the grid does not name keep applying to every grid point.
func TestGBTGridFlagSetTwice(t *testing.T) {
	data := writeFile(t, "d.csv", "x,label\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n9,0\n10,1\n11,0\n12,1\n")
	for _, tc := range []struct{ flag, value, grid, want string }{
		{"--max-depth", "4", "max_depth=2,3", "--max-depth 4 and --grid max_depth"},
		{"--lr", "0.3", "eta=0.1,0.2", "--lr 0.3 and --grid learning_rate"},
		{"--trees", "7", "n_estimators=5,10", "--trees 7 and --grid num_trees"},
		{"--min-child-weight", "2", "min_child_weight=1", "--min-child-weight 2 and --grid min_child_weight"},
	} {
		code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--cv", "2", "--grid", tc.grid, tc.flag, tc.value)
		require.Equal(t, 2, code, errOut)
		require.Contains(t, errOut, tc.want)
	}
	code, out, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--cv", "2", "--grid", "max_depth=2,3", "--lr", "0.3", "--trees", "3")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "learning rate 0.3")
}

// TestGridFlagNames: every --grid setting has the flag gridFlag names, so
// that none escapes the check above.
func TestGridFlagNames(t *testing.T) {
	_, help, _ := runCmd(t, "gbt", "-h")
	for name := range gbtParams {
		require.Contains(t, help, "\n  --"+gridFlag(name)+" ", name)
	}
}
