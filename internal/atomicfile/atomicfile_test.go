package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/internal/fifotest"
)

func names(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	require.NoError(t, err)
	var out []string
	for _, e := range es {
		out = append(out, e.Name())
	}
	return out
}

func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.csv")
	require.NoError(t, Write(path, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err }))
	fi, err := os.Stat(path)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o644), fi.Mode().Perm())

	require.NoError(t, os.Chmod(path, 0o600))
	boom := errors.New("boom")
	err = Write(path, func(w io.Writer) error { w.Write([]byte("half")); return boom })
	require.ErrorIs(t, err, boom)
	b, _ := os.ReadFile(path)
	require.Equal(t, "new", string(b), "a failed write leaves the old content")
	require.Equal(t, []string{"out.csv"}, names(t, dir), "and no temporary file")

	require.NoError(t, Write(path, func(w io.Writer) error { _, err := w.Write([]byte("newer")); return err }))
	fi, _ = os.Stat(path)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "replacing keeps the mode")
	Abandon(func(removed, _ []string) { require.Empty(t, removed) })
	require.Equal(t, 1, countOf(Completed(), path), "written twice, listed once")
}

func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

func TestWriteErrors(t *testing.T) {
	err := Write(filepath.Join(t.TempDir(), "no", "x"), func(io.Writer) error { return nil })
	require.EqualError(t, err, "create temporary file: open: no such file or directory")
	dir := t.TempDir()
	require.NoError(t, os.Mkdir(filepath.Join(dir, "d"), 0o755))
	err = Write(filepath.Join(dir, "d"), func(io.Writer) error { return nil })
	require.ErrorContains(t, err, "rename into place")
	require.Equal(t, []string{"d"}, names(t, dir))
}

// TestAbandonHoldsOffNewWrites: a write that starts while Abandon's exit
// runs (a save begun by the training loop as the process quits) creates no
// temporary file; once exit returns, as a test's does, writes work again.
func TestAbandonHoldsOffNewWrites(t *testing.T) {
	dir := t.TempDir()
	done := make(chan error, 1)
	Abandon(func(removed, _ []string) {
		require.Empty(t, removed)
		started := make(chan struct{})
		go func() {
			close(started)
			done <- Write(filepath.Join(dir, "late"), func(io.Writer) error { return nil })
		}()
		<-started
		time.Sleep(20 * time.Millisecond) // the write waits for the lock
		require.Empty(t, names(t, dir), "no temporary file appears while the process exits")
	})
	require.NoError(t, <-done)
	require.Equal(t, []string{"late"}, names(t, dir))
}

// An existing file that is not a regular one is written into, not replaced:
// renaming over a FIFO would replace the pipe its reader has open, and over
// /dev/null the device. The FIFO comes first: without the fix it fails the
// test before /dev/null (which root could replace) is touched.
func TestWriteSpecialFile(t *testing.T) {
	pipe := fifotest.New(t, "pipe")
	require.NoError(t, Write(pipe.Path, func(w io.Writer) error { _, err := w.Write([]byte("through the pipe")); return err }))
	fi, err := os.Stat(pipe.Path)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeNamedPipe, "the FIFO is still a FIFO")
	require.Equal(t, "through the pipe", string(pipe.Read(t, 10*time.Second)))
	require.Equal(t, []string{"pipe"}, names(t, filepath.Dir(pipe.Path)), "no temporary file")

	require.NoError(t, Write(os.DevNull, func(w io.Writer) error { _, err := w.Write([]byte("gone")); return err }))
	fi, err = os.Stat(os.DevNull)
	require.NoError(t, err)
	require.NotZero(t, fi.Mode()&os.ModeCharDevice, "/dev/null is still a device")
	boom := errors.New("boom")
	require.ErrorIs(t, Write(os.DevNull, func(io.Writer) error { return boom }), boom)
	require.NotContains(t, Completed(), os.DevNull, "nothing was left behind there")
}

func TestInPlace(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	file := filepath.Join(dir, "f")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	require.True(t, InPlace(os.DevNull))
	require.True(t, InPlace(fifo))
	require.False(t, InPlace(file))
	require.False(t, InPlace(dir))
	require.False(t, InPlace(filepath.Join(dir, "new")))
}
