package lineends

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"testing"
)

// benchCSV is numeric rows as in UCI's credit-card file: short fields, the
// Reader's slowest case, as it looks at every separator.
func benchCSV() []byte {
	var b bytes.Buffer
	for i := range 20000 {
		fmt.Fprintf(&b, "%d,20000.0,2,2,1,24,2,2,-1,-1,-2,-2,3913.0,3102.0,689.0,0.0,0.0,0.0,0.0,689.0,0.0,0.0,0.0,0.0,1\n", i)
	}
	return b.Bytes()
}

// BenchmarkCSV is encoding/csv reading benchCSV, without and with a
// Reader before it: the Reader's cost in a table reader.
func BenchmarkCSV(b *testing.B) {
	data := benchCSV()
	for _, with := range []bool{false, true} {
		b.Run(fmt.Sprintf("lineends=%v", with), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				var src io.Reader = bytes.NewReader(data)
				if with {
					r := NewReader(src, 64<<20)
					r.SetQuoting(Quoting{Comma: ',', Strict: true})
					src = r
				}
				cr := csv.NewReader(src)
				cr.ReuseRecord = true
				for {
					if _, err := cr.Read(); err != nil {
						break
					}
				}
			}
		})
	}
}
