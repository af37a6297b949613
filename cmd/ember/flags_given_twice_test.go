package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestFlagGivenTwice: a flag given twice is refused before any work, exit
// status 2, naming it and both values. package flag kept the last value,
// so --class-weight x:2 --class-weight y:3 fitted with y's weight alone,
// and a list flag does not gather its values either.
func TestFlagGivenTwice(t *testing.T) {
	data := writeFile(t, "d.csv", "a,b,cls\n"+strings.Repeat("1,2,x\n3,1,y\n2,2,x\n0,3,y\n", 10))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"logreg", "--target", "cls", "--class-weight", "x:2", "--class-weight", "y:3"},
			"ember logreg: --class-weight given twice (x:2, then y:3): give it once\n"},
		{[]string{"gbt", "--target", "cls", "--trees", "5", "--features", "a", "--trees", "50"},
			"ember gbt: --trees given twice (5, then 50): give it once\n"},
		{[]string{"gbt", "--target", "cls", "--features", "a", "--features", "b"},
			"ember gbt: --features given twice (a, then b): give it once\n"},
		{[]string{"kmeans", "--k", "2", "--json", "--json"},
			"ember kmeans: --json given twice (true, then true): give it once\n"},
	} {
		save := filepath.Join(t.TempDir(), "m.model")
		args := append(tc.args, "--data", data, "--save", save)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		require.Empty(t, out, "%v: nothing was done", tc.args)
		require.Equal(t, tc.want, errOut)
		_, err := os.Stat(save)
		require.True(t, os.IsNotExist(err), "%v: no model saved", tc.args)
	}
}
