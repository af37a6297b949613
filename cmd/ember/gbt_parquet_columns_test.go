package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/parquet-go/parquet-go"
	"github.com/stretchr/testify/require"
)

// writeListParquet writes a Parquet file of two numeric features, a 0/1
// label and a list column, a type the reader does not decode (as a
// Parquet export often has: tags, or a decimal stored as bytes).
func writeListParquet(t *testing.T) string {
	t.Helper()
	type rec struct {
		X     float64  `parquet:"x"`
		Z     int32    `parquet:"z"`
		Label int32    `parquet:"label"`
		Tags  []string `parquet:"tags,list"`
	}
	var rows []rec
	for i := range 200 {
		rows = append(rows, rec{X: float64(i % 10), Z: int32(i % 4), Label: int32(min(1, i%10/6)), Tags: []string{"a", "b"}[:i%3%2+1]})
	}
	path := filepath.Join(t.TempDir(), "tags.parquet")
	f, err := os.Create(path)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[rec](f)
	_, err = w.Write(rows)
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	return path
}

// TestGBTParquetUnreadColumn: a Parquet column of a type ember does not
// read stops a fit only when the fit would use it. --exclude or
// --features leaving it out fits the other columns (as pandas'
// read_parquet(columns=...)), and the model scores the same file; taken
// as a default feature, the error says how to leave it out.
func TestGBTParquetUnreadColumn(t *testing.T) {
	data := writeListParquet(t)
	dir := t.TempDir()
	for _, args := range [][]string{{"--exclude", "tags"}, {"--features", "x,z"}} {
		model := filepath.Join(dir, "m.gbt")
		code, out, errOut := runCmd(t, append([]string{"gbt", "--data", data, "--target", "label", "--trees", "5", "--save", model}, args...)...)
		require.Equal(t, 0, code, errOut)
		require.Contains(t, out, "2 features from 2 numeric")
		for _, cmd := range []string{"score", "predict"} {
			code, _, errOut = runCmd(t, cmd, "--model", model, "--data", data, "--out", filepath.Join(dir, cmd+".csv"))
			require.Equal(t, 0, code, "%s: %s", cmd, errOut)
			require.Len(t, readCSV(t, filepath.Join(dir, cmd+".csv")), 201, cmd)
		}
	}
	code, _, errOut := runCmd(t, "gbt", "--data", data, "--target", "label", "--trees", "5")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `column "tags" is a nested column`)
	require.Contains(t, errOut, "--exclude tags")
	// An --exclude naming no column is still an error naming the columns.
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--exclude", "tag")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, `--exclude: `+data+`: no column "tag"; the columns are: x, z, label, tags`)
}

// TestParquetNoRowsRefused: a Parquet file with columns but no rows is an
// error naming it in gbt, score and predict, as a header-only CSV file
// is; gbt used to exit 0 having printed nothing, and predict to name no
// file.
func TestParquetNoRowsRefused(t *testing.T) {
	dir := t.TempDir()
	type rec struct {
		X     float64 `parquet:"x"`
		Label int32   `parquet:"label"`
	}
	empty := filepath.Join(dir, "empty.parquet")
	f, err := os.Create(empty)
	require.NoError(t, err)
	w := parquet.NewGenericWriter[rec](f)
	require.NoError(t, w.Close())
	require.NoError(t, f.Close())
	want := empty + ": no data rows"

	code, _, errOut := runCmd(t, "gbt", "--data", empty, "--target", "label")
	require.Equal(t, 1, code, errOut)
	require.Contains(t, errOut, want)

	data := writeFile(t, "d.csv", "x,label\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n7,0\n8,1\n")
	model := filepath.Join(dir, "m.gbt")
	code, _, errOut = runCmd(t, "gbt", "--data", data, "--target", "label", "--trees", "2", "--save", model)
	require.Equal(t, 0, code, errOut)
	for _, cmd := range []string{"score", "predict"} {
		code, _, errOut = runCmd(t, cmd, "--model", model, "--data", empty)
		require.Equal(t, 1, code, "%s: %s", cmd, errOut)
		require.Contains(t, errOut, want, cmd)
	}
}
