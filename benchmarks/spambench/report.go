package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"
)

// schema names the layout of results.json; bump it when fields change meaning.
const schema = "ember.spambench/1"

// Report is results.json.
type Report struct {
	Schema    string   `json:"schema"`
	Date      string   `json:"date"` // RFC 3339, when the run started
	Command   string   `json:"command"`
	Argv      []string `json:"argv"` // the flags exactly as given
	GitCommit string   `json:"git_commit"`
	// Env is the threading-related environment both engines ran under.
	Env         map[string]string `json:"env"`
	Machine     Machine           `json:"machine"`
	Settings    Settings          `json:"settings"`
	Data        DataInfo          `json:"data"`
	PyTorch     TorchInfo         `json:"pytorch"`
	Results     []Result          `json:"results"`
	Unavailable []Unavailable     `json:"unavailable"`
	Notes       []string          `json:"notes"`
	WallSeconds float64           `json:"wall_seconds"`
}

// Settings are what was measured, and how.
type Settings struct {
	BatchSizes   []int    `json:"batch_sizes"`
	Warmup       int      `json:"warmup"`
	Steps        int      `json:"steps"`
	Repeats      int      `json:"repeats"`
	Devices      string   `json:"devices"`
	CUDAGraphs   string   `json:"cuda_graphs"` // on, or both (also timed without graph replay)
	Seed         uint64   `json:"seed"`
	Model        ModelCfg `json:"model"`
	LR           float64  `json:"lr"`
	ClipNorm     float64  `json:"clip_norm"`
	Optimizer    string   `json:"optimizer"`
	TorchThreads int      `json:"torch_threads"`
	Quick        bool     `json:"quick"`
	ProfileSteps int      `json:"profile_steps,omitempty"` // --profile: steps profiled per run (0: not profiled)
	// Packed: each engine was also timed packed on length-bucketed batches
	// (chunks of Bucket batches), PackedSteps steps per repeat (0: one epoch).
	Packed      bool `json:"packed,omitempty"`
	PackedSteps int  `json:"packed_steps,omitempty"`
	Bucket      int  `json:"bucket,omitempty"`
	// Interleave: this engine's padded and packed repeats took turns.
	Interleave bool `json:"interleave,omitempty"`
}

// ModelCfg is the architecture timed.
type ModelCfg struct {
	Cell     string  `json:"cell"` // lstm, gru or cnn
	SeqLen   int     `json:"seq_len"`
	Embed    int     `json:"embed"`
	Hidden   int     `json:"hidden,omitempty"`
	Layers   int     `json:"layers,omitempty"`
	Widths   []int   `json:"widths,omitempty"`
	Channels int     `json:"channels,omitempty"`
	Dropout  float64 `json:"dropout"`
	Vocab    int     `json:"vocab"`
	// Bidirectional: each recurrent layer also ran over the message
	// backwards (spamrnn --bidirectional): about 2.6 times the
	// unidirectional model's products. Written either way, so that no
	// reader takes one model's figures for the other's.
	Bidirectional bool `json:"bidirectional"`
}

// modelName is the trained model as titles name it ("LSTM",
// "bidirectional GRU").
func modelName(m ModelCfg) string {
	name := "LSTM"
	if m.Cell != "" {
		name = strings.ToUpper(m.Cell)
	}
	if m.Bidirectional {
		name = "bidirectional " + name
	}
	return name
}

// directions names a model's recurrent directions.
func directions(bidirectional bool) string {
	if bidirectional {
		return "bidirectional"
	}
	return "unidirectional"
}

// Result is one engine on one device at one batch size.
type Result struct {
	Engine string `json:"engine"` // "ember" or "pytorch"
	Device string `json:"device"` // "cpu", "cuda" or "cuda-nograph" (CUDA without graph replay)
	Batch  int    `json:"batch"`
	// Mode is "padded" (every message run over all SeqLen steps, random
	// batches) or "packed" (each from its first word, bucketed batches).
	Mode  string `json:"mode"`
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"` // why a run that was attempted failed

	SeqPerS        float64   `json:"seq_per_s"` // median over repeats
	SeqPerSRepeats []float64 `json:"seq_per_s_repeats"`
	MsPerStep      float64   `json:"ms_per_step"` // median over repeats
	MsPerStepMin   float64   `json:"ms_per_step_min"`
	MsPerStepMax   float64   `json:"ms_per_step_max"`
	MsRepeats      []float64 `json:"ms_per_step_repeats"`
	StepsPerRepeat int       `json:"steps_per_repeat"`
	// MeanTokens is the mean tokens per message of a packed run's last
	// repeat, at which its FLOPs are counted.
	MeanTokens float64 `json:"mean_tokens,omitempty"`
	// CPUUtil is process CPU seconds per wall second in each repeat: about
	// the thread count on an idle machine, less when other work takes the cores.
	CPUUtil []float64 `json:"cpu_util_repeats"`

	PeakHostMB *float64 `json:"peak_host_mb"` // null when unknown
	// PeakHostScope says what the peak covers: "batch" (reset before this
	// batch size), "batch, both modes" (--interleave: the padded and packed
	// trainers alive together), "process" (since the process started) or
	// "" if unknown.
	PeakHostScope string `json:"peak_host_scope"`
	// Interleaved: this run's repeats took turns with the other mode's
	// (--interleave).
	Interleaved  bool     `json:"interleaved,omitempty"`
	PeakDeviceMB *float64 `json:"peak_device_mb"` // null: not applicable (CPU) or not reported

	FinalLoss *float64 `json:"final_loss"` // the last timed step's batch loss
	// MeanLossLastRepeat smooths the batch-to-batch noise (this engine only;
	// the PyTorch script reports the final loss alone).
	MeanLossLastRepeat *float64 `json:"mean_loss_last_repeat,omitempty"`
	LossCheck          string   `json:"loss_check,omitempty"`

	FlopsPerStep float64 `json:"flops_per_step"`
	GFlopsPerS   float64 `json:"gflops_per_s"`
	// SpeedupVsPyTorch is this engine's seq/s over PyTorch's on the same
	// device and batch size.
	SpeedupVsPyTorch *float64 `json:"speedup_vs_pytorch,omitempty"`
	// SpeedupVsPadded is a packed run's seq/s over the same engine's
	// padded run on the same device and batch size.
	SpeedupVsPadded *float64 `json:"speedup_vs_padded,omitempty"`
	// SpeedupVsPaddedRepeats, for an interleaved packed run, is each
	// repeat's seq/s over the padded repeat run just before it: pairs a
	// few seconds apart, so the host's drift weighs on each ratio less
	// than on the ratio of the medians.
	SpeedupVsPaddedRepeats []float64 `json:"speedup_vs_padded_repeats,omitempty"`

	// Profile is where this engine's step spends its time, op by op
	// (--profile only).
	Profile *OpProfile `json:"profile,omitempty"`
}

// Unavailable is an engine and device that could not be measured at all.
type Unavailable struct {
	Engine string `json:"engine"`
	Device string `json:"device"`
	Reason string `json:"reason"`
}

func ptr(v float64) *float64 { return &v }

// median is the middle value (the mean of the two middle ones for an even
// count), as Python's statistics.median, so both engines summarise alike.
func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	s := slices.Clone(v)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// pairedRatios is an interleaved packed run's seq/s over its padded twin's,
// repeat by repeat (nil unless both took turns, repeat for repeat).
func pairedRatios(packed, padded *Result) []float64 {
	if !packed.Interleaved || !padded.Interleaved || len(packed.SeqPerSRepeats) != len(padded.SeqPerSRepeats) {
		return nil
	}
	var out []float64
	for k, v := range packed.SeqPerSRepeats {
		if padded.SeqPerSRepeats[k] <= 0 {
			return nil
		}
		out = append(out, v/padded.SeqPerSRepeats[k])
	}
	return out
}

// lossTolerance is how far apart two engines' single-batch losses may be
// and still be consistent. At these step counts the model predicts little
// more than the spam rate (about 13%), where one sample's BCE is about 2.0
// for spam and 0.14 for ham, so a batch mean of B samples has a standard
// deviation of about 0.63/√B, and two independent batches differ by √2 of
// that. Three standard deviations, plus 0.1 for the different rows and
// dropout masks the engines draw, is the band.
func lossTolerance(batch int) float64 {
	return 0.1 + 3*math.Sqrt2*0.63/math.Sqrt(float64(batch))
}

// compare fills in speed-ups and loss checks, pairing each ember result with
// PyTorch's on the same device, batch and mode, and each packed result with
// the same engine's padded one, and returns notes for the reader. steps is
// the number of timed steps per repeat, for the notes.
func compare(results []Result, steps int) []string {
	var notes []string
	find := func(engine, dev string, batch int, mode string) *Result {
		for i := range results {
			r := &results[i]
			if r.Engine == engine && r.Device == dev && r.Batch == batch && r.Mode == mode && r.OK {
				return r
			}
		}
		return nil
	}
	for i := range results {
		r := &results[i]
		if !r.OK {
			continue
		}
		if r.Mode == "packed" {
			if p := find(r.Engine, r.Device, r.Batch, "padded"); p != nil && p.SeqPerS > 0 {
				r.SpeedupVsPadded = ptr(r.SeqPerS / p.SeqPerS)
				r.SpeedupVsPaddedRepeats = pairedRatios(r, p)
			}
		}
		if r.Engine != "ember" {
			continue
		}
		t := find("pytorch", r.Device, r.Batch, r.Mode)
		if t == nil {
			continue
		}
		if t.SeqPerS > 0 {
			r.SpeedupVsPyTorch = ptr(r.SeqPerS / t.SeqPerS)
		}
		if r.Mode == "packed" {
			// Whole epochs of training: compare the last repeat's mean loss,
			// an average over its batch×steps messages.
			if r.MeanLossLastRepeat == nil || t.MeanLossLastRepeat == nil {
				continue
			}
			tol := lossTolerance(r.Batch * max(r.StepsPerRepeat, 1))
			if d := math.Abs(*r.MeanLossLastRepeat - *t.MeanLossLastRepeat); d > tol {
				r.LossCheck = fmt.Sprintf("mean loss of the last repeat differs from PyTorch's %.4f by %.3f, more than %.2f", *t.MeanLossLastRepeat, d, tol)
				notes = append(notes, fmt.Sprintf("ember %s batch %d packed: mean loss %.4f over the last repeat is not in PyTorch's range (%.4f, tolerance %.2f); check the run",
					r.Device, r.Batch, *r.MeanLossLastRepeat, *t.MeanLossLastRepeat, tol))
			} else {
				r.LossCheck = fmt.Sprintf("mean loss of the last repeat consistent with PyTorch's %.4f (within %.2f)", *t.MeanLossLastRepeat, tol)
			}
			continue
		}
		if r.FinalLoss == nil || t.FinalLoss == nil {
			continue
		}
		tol := lossTolerance(r.Batch)
		if d := math.Abs(*r.FinalLoss - *t.FinalLoss); d > tol {
			r.LossCheck = fmt.Sprintf("differs from PyTorch's %.4f by %.3f, more than the batch noise (%.2f)", *t.FinalLoss, d, tol)
			notes = append(notes, fmt.Sprintf("ember %s batch %d: loss %.4f after %d steps is not in PyTorch's range (%.4f, tolerance %.2f); check the run",
				r.Device, r.Batch, *r.FinalLoss, steps, *t.FinalLoss, tol))
		} else {
			r.LossCheck = fmt.Sprintf("consistent with PyTorch's %.4f (within %.2f)", *t.FinalLoss, tol)
		}
	}
	return notes
}

// writeJSON writes the report as indented JSON to path.
func writeJSON(path string, rep *Report) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// printTable writes the human summary: one row per engine, device and batch
// size, then what could not be measured, then notes.
func printTable(w io.Writer, rep *Report, pngPath, jsonPath string) {
	fmt.Fprintf(w, "\nSMS-spam %s training: %s, %d cores; Go %s, GEMM %s", modelName(rep.Settings.Model), rep.Machine.CPUModel, rep.Machine.Cores,
		strings.TrimPrefix(rep.Machine.GoVersion, "go"), rep.Machine.GEMM)
	if rep.PyTorch.Status == "ok" {
		fmt.Fprintf(w, "; PyTorch %s, %s", rep.PyTorch.Version, plural(rep.PyTorch.Threads, "thread"))
		if len(rep.PyTorch.EnvAdded) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(rep.PyTorch.EnvAdded, " "))
		}
	}
	fmt.Fprintf(w, "\ndata: %s (%d training rows, vocabulary %d); warm-up %d, %d steps × %d repeats; git %s, %s\n",
		rep.Data.Name, rep.Data.Train, rep.Data.Vocab, rep.Settings.Warmup, rep.Settings.Steps, rep.Settings.Repeats,
		rep.GitCommit, rep.Date)
	if st := rep.Settings; st.Packed {
		per := "one epoch of bucketed batches"
		if st.PackedSteps > 0 {
			per = fmt.Sprintf("%d bucketed batches", st.PackedSteps)
		}
		fmt.Fprintf(w, "packed runs: each message from its first word; batches sorted by length in chunks of %d; %s per repeat", st.Bucket, per)
		if st.Interleave {
			fmt.Fprint(w, "; this engine's padded and packed repeats in turn")
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w)

	header := []string{"engine", "device", "batch", "seq/s", "ms/step median [min–max]", "peak host MB", "peak dev MB", "loss", "GFLOP/s", "vs PyTorch"}
	right := []bool{false, false, true, true, true, true, true, true, true, true}
	packed := rep.Settings.Packed
	if packed {
		// A mode column after the device, and the speed-up over padded.
		header = slices.Insert(append(header, "vs padded"), 2, "mode")
		right = slices.Insert(append(right, true), 2, false)
	}
	rows := [][]string{header}
	for _, r := range rep.Results {
		if !r.OK {
			row := []string{r.Engine, r.Device, fmt.Sprint(r.Batch), "failed: " + r.Error, "", "", "", "", "", ""}
			if packed {
				row = slices.Insert(append(row, ""), 2, r.Mode)
			}
			rows = append(rows, row)
			continue
		}
		speed := "—"
		if r.SpeedupVsPyTorch != nil {
			speed = fmt.Sprintf("%.2f×", *r.SpeedupVsPyTorch)
		} else if r.Engine == "pytorch" {
			speed = ""
		}
		loss := "—"
		lossV := r.FinalLoss
		if r.Mode == "packed" {
			lossV = r.MeanLossLastRepeat // the last epoch's mean: see compare
		}
		if lossV != nil {
			loss = fmt.Sprintf("%.4f", *lossV)
			if strings.Contains(r.LossCheck, "differs") {
				loss += " (!)"
			}
		}
		row := []string{
			r.Engine, r.Device, fmt.Sprint(r.Batch),
			fmt.Sprintf("%.1f", r.SeqPerS),
			fmt.Sprintf("%s [%s–%s]", fmtMs(r.MsPerStep), fmtMs(r.MsPerStepMin), fmtMs(r.MsPerStepMax)),
			fmtMB(r.PeakHostMB), fmtMB(r.PeakDeviceMB), loss,
			fmt.Sprintf("%.2f", r.GFlopsPerS), speed,
		}
		if packed {
			vsPadded := ""
			if r.SpeedupVsPadded != nil {
				vsPadded = fmt.Sprintf("%.2f×", *r.SpeedupVsPadded)
				if q := r.SpeedupVsPaddedRepeats; len(q) > 1 {
					// The repeat pairs' range (interleaved runs).
					vsPadded += fmt.Sprintf(" [%.2f–%.2f]", slices.Min(q), slices.Max(q))
				}
			}
			row = slices.Insert(append(row, vsPadded), 2, r.Mode)
		}
		rows = append(rows, row)
	}
	widths := make([]int, len(header))
	for _, row := range rows {
		if slices.ContainsFunc(row, func(c string) bool { return strings.HasPrefix(c, "failed: ") }) {
			continue // spans the columns after it
		}
		for i, c := range row {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for k, row := range rows {
		var b strings.Builder
		for i, c := range row {
			if i > 0 {
				b.WriteString("  ")
			}
			pad := strings.Repeat(" ", max(widths[i]-utf8.RuneCountInString(c), 0))
			if right[i] && !strings.HasPrefix(c, "failed: ") {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
		if k == 0 {
			n := 0
			for _, wd := range widths {
				n += wd
			}
			fmt.Fprintln(w, strings.Repeat("─", n+2*(len(widths)-1)))
		}
	}
	for _, u := range rep.Unavailable {
		fmt.Fprintf(w, "%-*s  %-*s  not available: %s\n", widths[0], u.Engine, widths[1], u.Device, u.Reason)
	}
	printProfiles(w, rep)
	if len(rep.Notes) > 0 {
		fmt.Fprintln(w)
		for _, n := range rep.Notes {
			fmt.Fprintln(w, "note:", n)
		}
	}
	fmt.Fprintf(w, "\nwrote %s and %s (%.0f s)\n", jsonPath, pngPath, rep.WallSeconds)
}

// plural is "1 thread", "2 threads".
func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return fmt.Sprintf("%d %ss", n, unit)
}

func fmtMs(v float64) string {
	if v >= 100 {
		return fmt.Sprintf("%.0f", v)
	}
	return fmt.Sprintf("%.1f", v)
}

func fmtMB(v *float64) string {
	if v == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", *v)
}

// outputPaths are the files written into dir.
func outputPaths(dir string) (jsonPath, pngPath string) {
	return filepath.Join(dir, "results.json"), filepath.Join(dir, "seq_per_s.png")
}
