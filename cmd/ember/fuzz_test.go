package main

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"

	"github.com/emberml/ember/checkpoint"
	"github.com/emberml/ember/graph"
	"github.com/emberml/ember/tabular"
)

// fuzzFixtures writes, into dir, the small inputs the fuzzed command
// lines refer to by name: a numeric table, a text table, an SMS file, an
// image and a saved model of each kind. It returns their contents, for
// restoring them after a run that wrote over one.
func fuzzFixtures(f *testing.F, dir string) map[string][]byte {
	f.Helper()
	// Not f.Chdir: the fuzzing engine writes failing inputs to testdata
	// relative to the working directory, which must stay the package's.
	wd, err := os.Getwd()
	if err != nil {
		f.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		f.Fatal(err)
	}
	defer os.Chdir(wd)
	files := map[string]string{
		"t.csv": "a,b,c,cls\n1,2,0.5,x\n2,1,1.5,y\n3,3,2.5,x\n4,2,0.1,y\n5,1,3,x\n6,0,2,y\n1.5,2.5,1,x\n2.5,0.5,0,y\n",
		"u.csv": "\ufeffa,,b,cls\n1,z,2,x\n2,z,1,y\n3,w,3,x\n4,w,2,y\n5,q,1,x\n6,q,0,y\n",
		"d.csv": "text,label\nfree prize now,spam\nsee you soon,ham\nwin cash,spam\nlunch today,ham\nclaim reward,spam\ndinner?,ham\n",
		"s.tsv": "ham\thello there\nspam\twin a prize\nham\tsee you\nspam\tfree cash now\nham\tok\nspam\tclaim\n",
	}
	for name, content := range files {
		if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
			f.Fatal(err)
		}
	}
	img := image.NewNRGBA(image.Rect(0, 0, 12, 8))
	for y := range 8 {
		for x := range 12 {
			img.SetNRGBA(x, y, color.NRGBA{R: uint8(20 * x), G: uint8(30 * y), B: 90, A: 0xff})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		f.Fatal(err)
	}
	if err := os.WriteFile("i.png", b.Bytes(), 0o644); err != nil {
		f.Fatal(err)
	}
	for _, args := range [][]string{
		{"logreg", "--data", "t.csv", "--target", "cls", "--standardize", "--save", "lr.ember"},
		{"naivebayes", "--data", "d.csv", "--text", "text", "--label", "label", "--save", "nb.ember"},
		{"kmeans", "--data", "t.csv", "--features", "a,b", "--k", "2", "--save", "km.ember"},
	} {
		var out, errb bytes.Buffer
		if code := run(context.Background(), args, &out, &errb); code != 0 {
			f.Fatalf("%v: %s", args, errb.String())
		}
	}
	saved := map[string][]byte{}
	for _, n := range []string{"t.csv", "u.csv", "d.csv", "s.tsv", "i.png", "lr.ember", "nb.ember", "km.ember"} {
		b, err := os.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		saved[n] = b
	}
	return saved
}

// FuzzCommandLine runs ember with fuzzed command lines over small files.
// Whatever the flags, it must not panic, must leave no temporary file, and
// a failed run must leave no output file behind (no partial output). The
// arguments are the fuzz input split at spaces; names with a path
// separator are skipped so that every file written stays in the test's
// directory. Run it with
//
//	go test ./cmd/ember -run '^$' -fuzz FuzzCommandLine -fuzztime 3m
func FuzzCommandLine(f *testing.F) {
	dir := f.TempDir()
	fixtures := fuzzFixtures(f, dir)
	for _, s := range []string{
		"logreg --data t.csv --target cls --json",
		"logreg --data t.csv --target cls --test u.csv --save m.ember --plot p",
		"logreg --data t.csv --target cls --features a,b --plot p --standardize --C 1e-300",
		"logreg --data t.csv --target cls --C nan --max-iter 0 --tol -1",
		"logreg --data u.csv --target cls --test-frac 0.9 --seed 3",
		"logreg --data t.csv --target a --multi ovr --save t.csv",
		"kmeans --data t.csv --k 8 --target cls --plot k --json",
		"kmeans --data u.csv --k 1 --n-init 1000 --max-iter 1 --tol 0",
		"kmeans --data t.csv --features cls --k 2",
		"naivebayes --data s.tsv --json --save n.ember --plot n",
		"naivebayes --data d.csv --text text --label label --test d.csv --alpha 0",
		"naivebayes --data s.tsv --format tsv --text t --label l",
		"naivebayes --data d.csv --format sms",
		"palette i.png --k 3 --swatch w.png --json",
		"palette --k 200 --max-side 1 i.png",
		"palette i.png --swatch i.png",
		"predict --model lr.ember --data t.csv --out o.csv --json --id cls",
		"predict --model nb.ember --data d.csv",
		"predict --model km.ember --data u.csv --out t.csv",
		"predict --model t.csv --data t.csv --out x.csv",
		"logreg -h",
		"help",
		"",
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
		before := listDir(t)
		var out, errb bytes.Buffer
		code := run(context.Background(), args, &out, &errb)
		after := listDir(t)
		for _, n := range after {
			if strings.Contains(n, ".tmp-") || strings.HasPrefix(n, ".ember-write-check-") {
				t.Fatalf("%q: temporary file %s left behind", line, n)
			}
		}
		var created []string
		for _, n := range after {
			if !slices.Contains(before, n) {
				created = append(created, n)
			}
		}
		if code != 0 && len(created) > 0 {
			t.Fatalf("%q failed (exit %d: %s) but wrote %v", line, code, errb.String(), created)
		}
		// Keep the directory as the fixtures left it (a run may write
		// over a fixture, as an output that is not one of its inputs).
		for _, n := range created {
			os.Remove(n)
		}
		for n, b := range fixtures {
			if now, err := os.ReadFile(n); err != nil || !bytes.Equal(now, b) {
				if code != 0 {
					t.Fatalf("%q failed (exit %d: %s) but changed %s", line, code, errb.String(), n)
				}
				if err := os.WriteFile(n, b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		if code == 0 && strings.Contains(line, "--json") && !strings.Contains(line, "-h") && args[0] != "predict" {
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if !json.Valid([]byte(lines[len(lines)-1])) {
				t.Fatalf("%q: the last line is not JSON: %q", line, lines[len(lines)-1])
			}
		}
	})
}

func listDir(t *testing.T) []string {
	t.Helper()
	es, err := os.ReadDir(".")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

// FuzzParseTable feeds arbitrary bytes to the CSV/TSV reader, in every
// layout --sep and --no-header give: no panic, and a table that reads has
// rows as wide as its header and increasing line numbers.
func FuzzParseTable(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "\ufeffv1,v2,,,\r\nham,hi,,,\r\n", "x\ty\n1\t2\n", ",,\n1,2,3\n", "a,a\n1,2\n",
		"a,b\n\"1\n2\",3\n", "a\n\xff\xfe\n", "", "\n\n", "a,\"b\n", "a,b\n1\n", "a\tb\tc\n\t\t\n1\t \t\n", "y\nNaN\n",
		"PAR1\x15\x04", "\xff\xfea\x00\n\x00", "a,b\n\x00,1\n", "a,b\r1,\"x\ry\"\r2,3\r", "a,b\n1,5\" x\n", "a,b\n1,\"x\"y\n",
	} {
		f.Add([]byte(s), false, uint8(0))
		f.Add([]byte(s), true, uint8(0))
	}
	f.Add([]byte("A11 6  A34 1\nA12 48 A32 2 \n\n"), false, uint8(5))
	f.Add([]byte("1;2\n3;4\n"), false, uint8(7))
	f.Fuzz(func(t *testing.T, in []byte, tsv bool, layout uint8) {
		name := "f.csv"
		if tsv {
			name = "f.tsv"
		}
		// The low bits of layout pick --sep and --no-header.
		l := tabular.Layout{Sep: []rune{0, ' ', tabular.Whitespace, ';'}[layout>>1&3], NoHeader: layout&1 == 1, Terms: flagTerms}
		tab, err := parseTable(bytes.NewReader(in), name, l)
		if err != nil {
			if !strings.Contains(err.Error(), name) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(tab.rows) == 0 || len(tab.rows) != len(tab.lines) {
			t.Fatalf("%d rows, %d line numbers", len(tab.rows), len(tab.lines))
		}
		for i, r := range tab.rows {
			if len(r) != len(tab.header) {
				t.Fatalf("row %d has %d fields, header %d", i, len(r), len(tab.header))
			}
			if i > 0 && tab.lines[i] <= tab.lines[i-1] {
				t.Fatalf("line numbers not increasing: %v", tab.lines)
			}
		}
		if len(tab.names()) == 0 {
			t.Fatal("a table without a named column was accepted")
		}
		for _, n := range tab.names() {
			if _, err := tab.column(n); err != nil {
				t.Fatal(err)
			}
		}
		tab.floats(tab.names())
		labelsOf(tab.names()[0], tab)
	})
}

// FuzzReadDocuments reads arbitrary bytes as documents in each layout
// naive Bayes takes: no panic, and documents and labels line up.
func FuzzReadDocuments(f *testing.F) {
	for _, s := range []string{
		"ham\thi\nspam\twin\n", "text,label\na,b\n", "label\ttext\nx\ty\n", "\ufeffham\tx\n",
		"v1,v2,,,\nham,\"a, b\",c,,\n", "a\tb\tc\n", "", "x\n\ny\n", "text\nonly text\n",
		"good film\t1\nbad\t0\n", "caf\xe9\tx\n", "PAR1\x00", "\xff\xfeh\x00",
	} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, in []byte) {
		path := filepath.Join(dir, "docs.txt")
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ format, text, label, id string }{
			{"sms", "", "", ""}, {"text-label", "", "", ""}, {"tsv", "text", "label", ""}, {"csv", "text", "label", ""}, {"csv", "v2", "v1", "v1"},
		} {
			for _, need := range []bool{true, false} {
				docs, labels, ids, err := nbRead(path, c.format, c.text, c.label, c.id, need)
				if err != nil {
					continue
				}
				if labels != nil && len(labels) != len(docs) || ids != nil && len(ids) != len(docs) {
					t.Fatalf("%v: %d documents, %d labels, %d ids", c, len(docs), len(labels), len(ids))
				}
				if need && labels == nil {
					t.Fatalf("%v: labels needed, none returned", c)
				}
			}
		}
	})
}

// FuzzModelMetadata writes model files whose metadata is fuzzed (the
// checksums are right, so the loaders' own checks are what is tested) and
// scores a table with them: an error, never a panic.
func FuzzModelMetadata(f *testing.F) {
	for _, s := range []string{
		`{"version":1,"command":"logreg","input":{"kind":"table","features":["a","b"],"standardize":true},"classes":["x","y"],"state":{"scheme":"binary","classes":[0,1]}}`,
		`{"version":1,"command":"kmeans","input":{"kind":"table","features":["a","b"]}}`,
		`{"version":1,"command":"naivebayes","input":{"kind":"text","format":"csv","text":"text","label":"label","vocabulary":["a","b"]},"classes":["x","y"],"state":{"classes":[0,1]}}`,
		`{"version":1,"command":"logreg","input":{"kind":"table","features":["a"]},"classes":["x"],"state":{"scheme":"ovr","classes":[0,5]}}`,
		`{"version":2}`, `{}`, `null`, `[]`,
	} {
		f.Add(s, "logreg", uint8(2), uint8(2))
		f.Add(s, "kmeans", uint8(1), uint8(3))
		f.Add(s, "naivebayes", uint8(2), uint8(2))
	}
	dir := f.TempDir()
	data := filepath.Join(dir, "t.csv")
	if err := os.WriteFile(data, []byte("a,b,text,label\n1,2,a b,x\n3,4,b,y\n"), 0o644); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, meta, command string, rows, cols uint8) {
		if !json.Valid([]byte(meta)) {
			return
		}
		r, c := int(rows%5), int(cols%5)
		mat := func(name string) checkpoint.Tensor {
			b := graph.NewBuf(tensor.Float64, r, c)
			for i := range b.F64 {
				b.F64[i] = float64(i%3) - 0.5
			}
			return checkpoint.Tensor{Name: name, Buf: b}
		}
		vec := func(name string, n int) checkpoint.Tensor {
			b := graph.NewBuf(tensor.Float64, n)
			for i := range b.F64 {
				b.F64[i] = 1 + float64(i)
			}
			return checkpoint.Tensor{Name: name, Buf: b}
		}
		tensors := []checkpoint.Tensor{mat("coef"), vec("intercept", r), vec("scaler.mean", c), vec("scaler.std", c),
			vec("mean", c), mat("centroids"), vec("class_log_prior", r), mat("feature_log_prob")}
		path := filepath.Join(dir, "m.ember")
		if err := checkpoint.Save(path, "ember."+command, json.RawMessage(meta), tensors); err != nil {
			return
		}
		mf, err := loadModelFile(path)
		if err != nil {
			return
		}
		sc, err := scorers[mf.meta.Command](mf)
		if err != nil {
			return
		}
		s, err := sc.score(data, tabular.Layout{}, "", "")
		if err != nil {
			return
		}
		for i, rec := range s.rows {
			if len(rec) != len(s.header) {
				t.Fatalf("row %d has %d fields, header %d", i, len(rec), len(s.header))
			}
		}
	})
}
