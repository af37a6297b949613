package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestColumnListedTwice: a column named twice in one of the column-list
// flags is a command-line error naming the flag and the column, before
// the data is read, for every command that takes the lists.
func TestColumnListedTwice(t *testing.T) {
	data := filepath.Join(t.TempDir(), "d.csv")
	require.NoError(t, os.WriteFile(data, []byte("a,b,c,g,id,y\n1,2,x,p q,1,0\n3,4,z,q,2,1\n"), 0o644))
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"gbt", "--target", "y", "--features", "a,b,a"}, `ember gbt: --features: column "a" is listed twice`},
		{[]string{"gbt", "--target", "y", "--exclude", "id,id"}, `ember gbt: --exclude: column "id" is listed twice`},
		{[]string{"gbt", "--target", "y", "--categorical", "c, c"}, `ember gbt: --categorical: column "c" is listed twice`},
		{[]string{"gbt", "--target", "y", "--tokens", "g,g"}, `ember gbt: --tokens: column "g" is listed twice`},
		{[]string{"logreg", "--target", "y", "--categorical", "c,c"}, `ember logreg: --categorical: column "c" is listed twice`},
		{[]string{"logreg", "--target", "y", "--exclude", "id,id"}, `ember logreg: --exclude: column "id" is listed twice`},
		{[]string{"kmeans", "--exclude", "id,id"}, `ember kmeans: --exclude: column "id" is listed twice`},
	} {
		args := append(tc.args, "--data", data)
		code, out, errOut := runCmd(t, args...)
		require.Equal(t, 2, code, "%v: %s", tc.args, errOut)
		require.Contains(t, errOut, tc.want+"\n", tc.args)
		require.Empty(t, out, "%v: the data was read", tc.args)
	}
}
