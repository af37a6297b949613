package main

import (
	"bytes"
	"encoding/csv"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/fifotest"
)

// TestPredictionsToStdout: without --out, or with --out -, the scoring
// commands write the predictions CSV, and nothing else, to standard output,
// as a Unix filter does; the summary, --json's included, goes to standard
// error. --out /dev/null discards the predictions, and a FIFO receives them.
func TestPredictionsToStdout(t *testing.T) {
	train, test := splitIris(t)
	model := filepath.Join(t.TempDir(), "lr.ember")
	code, _, errOut := runCmd(t, "logreg", "--data", train, "--target", "species", "--save", model)
	require.Equal(t, 0, code, errOut)

	for _, tc := range []struct {
		command string
		args    []string
		rows    int
	}{
		{"predict", []string{"--model", model, "--data", test, "--id", "species"}, 37},
		{"score", []string{"--model", "../../models/gbt/testdata/xgb_multi.json", "--data", "../../models/gbt/testdata/multi_rows.csv", "--features", "f0,f1,f2,f3,f4,f5", "--no-progress"}, -1},
	} {
		t.Run(tc.command, func(t *testing.T) {
			run := func(extra ...string) (string, string) {
				t.Helper()
				code, out, errOut := runCmd(t, append(append([]string{tc.command}, tc.args...), extra...)...)
				require.Equal(t, 0, code, errOut)
				return out, errOut
			}
			csvOut, errOut := run("--json")
			recs, err := csv.NewReader(strings.NewReader(csvOut)).ReadAll()
			require.NoError(t, err, "standard output is the CSV and nothing else")
			require.Contains(t, recs[0], "prediction", "the header")
			if tc.rows > 0 {
				require.Len(t, recs, tc.rows+1)
			}
			var res struct {
				Rows int    `json:"rows"`
				Out  string `json:"out"`
			}
			decodeLastLine(t, errOut, &res)
			require.Equal(t, len(recs)-1, res.Rows, "the summary JSON is standard error's last line")
			require.Equal(t, "-", res.Out)
			require.Contains(t, errOut, "predictions in standard output")

			dashOut, _ := run("--out", "-")
			require.Equal(t, csvOut, dashOut, "--out - is standard output")

			nullOut, _ := run("--out", os.DevNull, "--json")
			decodeLastLine(t, nullOut, &res)
			require.Equal(t, os.DevNull, res.Out)
			require.Equal(t, len(recs)-1, res.Rows)
			fi, err := os.Stat(os.DevNull)
			require.NoError(t, err)
			require.NotZero(t, fi.Mode()&os.ModeCharDevice, "/dev/null is still a device")

			pipe := fifotest.New(t, "pipe")
			run("--out", pipe.Path)
			require.Equal(t, csvOut, string(pipe.Read(t, 30*time.Second)), "the FIFO's reader gets the CSV")
		})
	}
}

// TestSaveToDevNull: --save accepts /dev/null (discarding
// the model) and refuses a directory, naming it.
func TestSaveToDevNull(t *testing.T) {
	train, _ := splitIris(t)
	code, out, errOut := runCmd(t, "logreg", "--data", train, "--target", "species", "--save", os.DevNull)
	require.Equal(t, 0, code, errOut)
	require.NotEmpty(t, out)
	dir := t.TempDir()
	code, _, errOut = runCmd(t, "logreg", "--data", train, "--target", "species", "--save", dir)
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "--save "+dir+": is a directory")
}

// TestPlotsToDevNull: --swatch names one file, so /dev/null discards the
// swatch and a FIFO, whatever its name, gets the PNG. --plot takes a prefix
// (PREFIX-confusion.png, ...): /dev/null is refused before any work, saying
// so and how to write no charts, and nothing is created beside it (as root
// /dev is writable, and /dev/null-confusion.png would have been written).
func TestPlotsToDevNull(t *testing.T) {
	two := twoColourPNG(t)
	code, out, errOut := runCmd(t, "palette", two, "--k", "2", "--swatch", os.DevNull)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "wrote "+os.DevNull)

	pipe := fifotest.New(t, "swatch")
	code, _, errOut = runCmd(t, "palette", two, "--k", "2", "--swatch", pipe.Path)
	require.Equal(t, 0, code, errOut)
	_, err := png.Decode(bytes.NewReader(pipe.Read(t, 30*time.Second)))
	require.NoError(t, err, "the FIFO's reader gets a PNG")

	train, _ := splitIris(t)
	for _, command := range []string{"logreg", "naivebayes", "gbt", "kmeans"} {
		t.Run(command, func(t *testing.T) {
			args := []string{command, "--data", train, "--plot", os.DevNull}
			switch command {
			case "naivebayes": // text columns; the flags are checked before the data is read
				args = append(args, "--text", "species", "--label", "species")
			case "kmeans":
				args = append(args, "--k", "3")
			default:
				args = append(args, "--target", "species")
			}
			code, out, errOut := runCmd(t, args...)
			require.Equal(t, 2, code, out)
			require.Contains(t, errOut, "--plot /dev/null: is a device, not a prefix; --plot takes a prefix of file names")
			require.Contains(t, errOut, "leave --plot out")
			matches, err := filepath.Glob(os.DevNull + "-*")
			require.NoError(t, err)
			require.Empty(t, matches)
		})
	}
}
