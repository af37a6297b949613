package tabular

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzReadCSV feeds arbitrary bytes to the CSV/TSV reader (ember gbt and
// ember score read files from anyone), in every layout the flags give
// (the low bits of layout pick Sep and NoHeader): no panic, errors
// that name the file, batches whose columns and line numbers have a value
// per row, and text that is valid UTF-8 (names and categories go into JSON
// and model files).
func FuzzReadCSV(f *testing.F) {
	for _, s := range []string{
		"a,b\n1,2\n", "\ufeffid, x ,c\n1,1.5,red\n2,,NA\n", "x\ty\n1\t\t\n", "v1,v2,,,\r\nham,hi,,,\r\n",
		"city,y\nZ\xfcrich,1\n", "a,a\n1,2\n", "a,b\n\"1\n2\",3\n", "", "\n\n", "a,\"b\n", "a,b\n1\n",
		"\x00\x01", "PAR1", "x\ninf\n1e400\n", "a,b\r1,\"x\ry\"\r2,3\r", "a,b\n1,5\" x\n", "a,b\n1,\"x\"y\n",
	} {
		f.Add([]byte(s), uint8(2), uint8(0))
	}
	f.Add([]byte("A11 6  A34 1\nA12 48 A32 2 \n\n"), uint8(1), uint8(5))
	f.Add([]byte("1;2\n3;4\n"), uint8(3), uint8(6))
	f.Fuzz(func(t *testing.T, in []byte, batch, layout uint8) {
		path := filepath.Join(t.TempDir(), "f.csv")
		if err := os.WriteFile(path, in, 0o644); err != nil {
			t.Fatal(err)
		}
		l := Layout{Sep: []rune{0, ' ', Whitespace, ';'}[layout>>1&3], NoHeader: layout&1 == 1}
		r, err := OpenLayout(path, nil, int(batch%8)+1, l)
		if err != nil {
			if !strings.Contains(err.Error(), path) {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		defer r.Close()
		for _, h := range r.Header() {
			if !utf8.ValidString(h) {
				t.Fatalf("column name %q is not UTF-8", h)
			}
		}
		for {
			b, err := r.Next()
			if errors.Is(err, io.EOF) {
				return
			}
			if err != nil {
				if !strings.Contains(err.Error(), path) {
					t.Fatalf("error does not name the file: %v", err)
				}
				return
			}
			if b.Lines != nil && len(b.Lines) != b.Rows {
				t.Fatalf("%d line numbers for %d rows", len(b.Lines), b.Rows)
			}
			for _, c := range b.Columns {
				if c.Len() != b.Rows {
					t.Fatalf("column %q has %d values for %d rows", c.Name, c.Len(), b.Rows)
				}
				for i := range b.Rows {
					if s, ok := c.Text(i); ok && !utf8.ValidString(s) {
						t.Fatalf("%s, column %q: %q is not UTF-8", b.Where(i), c.Name, s)
					}
				}
			}
			if b.Rows > 0 {
				sel := SelectRows(b, []int{b.Rows - 1, 0})
				_ = sel.Where(0)
			}
		}
	})
}
