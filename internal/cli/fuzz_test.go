package cli

import (
	"bytes"
	"errors"
	"flag"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse parses fuzzed command lines with one flag of every kind. It
// must not panic; an accepted command line has every value in range and
// finite, and a refused one says what is wrong, one line per problem, each
// naming a flag or an argument. Paths stay in the test's directory.
//
//	go test ./internal/cli -run '^$' -fuzz FuzzParse -fuzztime 3m
func FuzzParse(f *testing.F) {
	// Not f.Chdir: the fuzzing engine writes failing inputs to testdata
	// relative to the working directory, which must stay the package's.
	dir := f.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "d.tsv"), []byte("x"), 0o644); err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		"--epochs 3 --dropout 0.1 --lr 1e-3 --json --select loss --data d.tsv --out m.bin --plot c.png",
		"--epochs 0 --dropout nan --lr inf --select f1 --out --plot x.jpg",
		"--epochs=-1 -seed=18446744073709551616 --json=maybe --data nope --out d.tsv",
		"--charts c --out c-a.png", "-h", "--help", "-- --epochs 3", "---x", "--", "-", "stray",
		"--epochs 0x7fffffffffffffff --lr 1e-320 --dropout -0", "--label= --data=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		args := strings.Fields(line)
		for _, a := range args {
			if strings.ContainsAny(a, `/\`) || strings.Contains(a, "..") {
				t.Skip("paths stay in the test's directory")
			}
		}
		t.Chdir(dir)
		var stdout bytes.Buffer
		tf := newTestFlags(&stdout)
		err := tf.fs.Parse(args)
		switch {
		case errors.Is(err, flag.ErrHelp):
			if !strings.Contains(stdout.String(), "\noptions (each at most once):\n") {
				t.Fatalf("%q: help without the options", line)
			}
		case err != nil:
			if !errors.Is(err, ErrUsage) {
				t.Fatalf("%q: %v is not a usage error", line, err)
			}
			for _, l := range strings.Split(err.Error(), "\n") {
				if !strings.Contains(l, "--") && !strings.Contains(l, "argument") {
					t.Fatalf("%q: the problem %q names no flag", line, l)
				}
			}
		default:
			if *tf.epochs < 1 || *tf.epochs > 1000 || math.IsNaN(*tf.lr) || !(*tf.lr > 0) || math.IsInf(*tf.lr, 0) ||
				!(*tf.dropout >= 0 && *tf.dropout < 1) || (*tf.select_ != "accuracy" && *tf.select_ != "loss") || *tf.out == "" {
				t.Fatalf("%q: accepted out of range: epochs %d lr %v dropout %v select %q out %q",
					line, *tf.epochs, *tf.lr, *tf.dropout, *tf.select_, *tf.out)
			}
		}
		es, _ := os.ReadDir(".")
		for _, e := range es {
			if e.Name() != "d.tsv" {
				t.Fatalf("%q: Parse left %s behind", line, e.Name())
			}
		}
	})
}
