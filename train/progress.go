package train

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// progress draws a live bar on a terminal (rewritten in place, at most
// ten times a second) and plain per-epoch lines anywhere else.
type progress struct {
	w            io.Writer
	tty          bool
	epochs       int
	steps        int
	last         time.Time
	epochStart   time.Time
	currentEpoch int
	validated    bool // the epochs are validated; else the lines say they are not
}

func newProgress(w io.Writer, epochs, steps int, validated bool) *progress {
	p := &progress{w: w, epochs: epochs, steps: steps, validated: validated}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.tty = true
		}
	}
	return p
}

func (p *progress) step(epoch, step int, loss, acc, seqPerSec float64) {
	if p.w == nil {
		return
	}
	now := time.Now()
	if epoch != p.currentEpoch {
		p.currentEpoch, p.epochStart = epoch, now
	}
	if !p.tty || (now.Sub(p.last) < 100*time.Millisecond && step != p.steps) {
		return
	}
	p.last = now
	const width = 24
	done := width * step / p.steps
	eta := time.Duration(0)
	if step > 0 {
		eta = time.Duration(float64(now.Sub(p.epochStart)) / float64(step) * float64(p.steps-step))
	}
	fmt.Fprintf(p.w, "\r\033[Kepoch %d/%d [%s%s] %d/%d loss %.4f acc %.4f %.0f seq/s ETA %s",
		epoch, p.epochs, strings.Repeat("=", done), strings.Repeat(" ", width-done), step, p.steps,
		loss, acc, seqPerSec, eta.Round(time.Second))
}

func (p *progress) epoch(s EpochStats, improved bool) {
	if p.w == nil {
		return
	}
	mark := ""
	if improved {
		mark = " *best"
	}
	if p.tty {
		fmt.Fprint(p.w, "\r\033[K")
	}
	val := "no validation data"
	if p.validated {
		val = fmt.Sprintf("val loss %.4f acc %.4f", s.ValLoss, s.ValAcc)
	}
	fmt.Fprintf(p.w, "epoch %d/%d  train loss %.4f acc %.4f  %s  %.0f seq/s  %.1fs%s\n",
		s.Epoch, p.epochs, s.TrainLoss, s.TrainAcc, val, s.SeqPerSec, s.Seconds, mark)
}
