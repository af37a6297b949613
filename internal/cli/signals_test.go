package cli

import (
	"bytes"
	"context"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/atomicfile"
)

// syncBuffer is a bytes.Buffer safe to write from the signal goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestExitCodes(t *testing.T) {
	require.Equal(t, 130, ExitCode(os.Interrupt))
	require.Equal(t, 143, ExitCode(syscall.SIGTERM))
	require.Equal(t, "SIGINT", SignalName(os.Interrupt))
	require.Equal(t, "SIGTERM", SignalName(syscall.SIGTERM))
}

// TestGracefulThenForced sends the process real signals: the first cancels
// the context, the second quits at once, removing the temporary file of a
// write in progress and leaving the destination as it was.
func TestGracefulThenForced(t *testing.T) {
	var stderr syncBuffer
	ctx, in := Notify(context.Background(), "tool train", &stderr, true)
	defer in.Stop()
	exited := make(chan int, 1)
	in.exit = func(code int) { exited <- code }
	require.Equal(t, 0, in.ExitCode(0))

	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGTERM))
	select {
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("SIGTERM did not cancel the context")
	}
	require.Equal(t, syscall.SIGTERM, in.Signal())
	require.Equal(t, syscall.SIGTERM, InterruptSignal(ctx))
	require.EqualError(t, context.Cause(ctx), "interrupted by SIGTERM")
	require.Equal(t, 143, in.ExitCode(0))
	require.Contains(t, stderr.String(), "tool train: SIGTERM: stopping after the current step")

	// A save in progress when the second signal comes.
	dir := t.TempDir()
	dest := filepath.Join(dir, "model.bin")
	require.NoError(t, os.WriteFile(dest, []byte("old"), 0o644))
	writing, release := make(chan struct{}), make(chan struct{})
	go atomicfile.Write(dest, func(w io.Writer) error {
		w.Write([]byte("half"))
		close(writing)
		<-release
		return nil
	})
	<-writing
	require.Len(t, dirEntries(t, dir), 2)
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case code := <-exited:
		require.Equal(t, 130, code, "the exit status is that of the signal that quit")
	case <-time.After(10 * time.Second):
		t.Fatal("the second signal did not quit")
	}
	require.Equal(t, []string{"model.bin"}, dirEntries(t, dir), "no temporary file survives")
	old, err := os.ReadFile(dest)
	require.NoError(t, err)
	require.Equal(t, "old", string(old))
	require.Contains(t, stderr.String(), "1 temporary file(s) removed")
	close(release)
}

func TestNotGracefulQuitsAtOnce(t *testing.T) {
	var stderr syncBuffer
	ctx, in := Notify(context.Background(), "tool fit", &stderr, false)
	defer in.Stop()
	exited := make(chan int, 1)
	in.exit = func(code int) { exited <- code }
	require.NoError(t, syscall.Kill(os.Getpid(), syscall.SIGINT))
	select {
	case code := <-exited:
		require.Equal(t, 130, code)
	case <-time.After(10 * time.Second):
		t.Fatal("SIGINT did not quit")
	}
	require.NoError(t, ctx.Err(), "quitting at once does not wait on the context")
	require.Nil(t, InterruptSignal(ctx))
	require.Regexp(t, `tool fit: SIGINT: quitting; (nothing was written|written before the signal: .*)\n$`, stderr.String())
}

func TestWriteJSON(t *testing.T) {
	type row struct {
		Label string  `json:"label"`
		F1    float64 `json:"f1"`
	}
	type inner struct{ Z float32 }
	type result struct {
		inner
		Name     string             `json:"name"`
		Loss     float64            `json:"loss"`
		ARI      *float64           `json:"ari,omitempty"`
		Skip     string             `json:"-"`
		Empty    []int              `json:"empty,omitempty"`
		Rows     []row              `json:"rows"`
		ByClass  map[string]float64 `json:"by_class"`
		Raw      []byte             `json:"raw"`
		Duration time.Duration      `json:"duration"`
	}
	nan := math.NaN()
	r := result{inner: inner{Z: 2.5}, Name: "x", Loss: math.Inf(1), ARI: &nan, Skip: "no",
		Rows: []row{{"a", 0.5}, {"b", nan}}, ByClass: map[string]float64{"b": 1, "a": math.Inf(-1)},
		Raw: []byte("hi"), Duration: time.Second}
	var b bytes.Buffer
	require.NoError(t, WriteJSON(&b, r, map[string]string{"ari": "undefined for a single row"}))
	require.Equal(t, `{"Z":2.5,"name":"x","loss":null,"ari":null,"rows":[{"label":"a","f1":0.5},{"label":"b","f1":null}],`+
		`"by_class":{"a":null,"b":1},"raw":"aGk=","duration":1000000000,`+
		`"null_reasons":{"loss":"not a finite number: +Inf","ari":"undefined for a single row",`+
		`"rows[1].f1":"not a finite number: NaN","by_class.a":"not a finite number: -Inf"}}`+"\n", b.String())

	// Without non-finite numbers the output is encoding/json's.
	b.Reset()
	m := map[string]any{"b": []float64{1, 2.5e-7}, "a": "q\"<", "c": nil, "d": 1e21}
	require.NoError(t, WriteJSON(&b, m, nil))
	require.Equal(t, `{"a":"q\"\u003c","b":[1,2.5e-7],"c":null,"d":1e+21}`+"\n", b.String())
}
