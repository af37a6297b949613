// Package atomicfile writes output files so that a path holds either its old
// content or the complete new file, never a partial one: the content goes to
// a temporary file in the same directory (named ".<base>.tmp-*"), which is
// synced and renamed over the path. Model files (package checkpoint), charts
// (package plots) and the commands' prediction files are written this way.
//
// The temporary files being written are tracked, so that a command stopped
// by a signal can remove them with RemovePending before it exits: an
// interrupted save leaves the old file and nothing else.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sync"
)

var (
	mu        sync.Mutex
	pending   = map[string]bool{} // temporary files being written
	completed []string            // destinations written, in order, once each
)

// Write writes path atomically with the content that write produces. On any
// error, including one returned by write, the temporary file is removed and
// path is left as it was. A new file gets mode 0644; replacing a regular
// file keeps that file's mode. Errors say which step failed ("create
// temporary file: open: permission denied", "rename into place: ...");
// callers prefix the path.
func Write(path string, write func(w io.Writer) error) (err error) {
	mode := fs.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil && fi.Mode().IsRegular() {
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create temporary file: %w", UnwrapPath(err))
	}
	track(tmp.Name(), true)
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		track(tmp.Name(), false)
	}()
	if err := write(tmp); err != nil {
		return err
	}
	// CreateTemp makes the file 0600, which would surprise anyone expecting
	// an output file to be as readable as any other file they write.
	if err := tmp.Chmod(mode); err != nil {
		return fmt.Errorf("chmod temporary file: %w", UnwrapPath(err))
	}
	// Sync before rename: otherwise a crash soon after can leave the new
	// name pointing at a file whose data never reached the disk.
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("sync: %w", UnwrapPath(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close: %w", UnwrapPath(err))
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into place: %w", err)
	}
	mu.Lock()
	if !slices.Contains(completed, path) {
		completed = append(completed, path)
	}
	mu.Unlock()
	// Sync the directory so the rename itself survives a crash. Best
	// effort: some platforms and file systems cannot sync a directory, and
	// the new file is complete either way.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func track(name string, on bool) {
	mu.Lock()
	defer mu.Unlock()
	if on {
		pending[name] = true
	} else {
		delete(pending, name)
	}
}

// RemovePending removes the temporary files of writes still in progress and
// returns their names. A command calls it just before exiting on a signal;
// the destination paths keep their old content. The interrupted writes are
// not stopped: the process is expected to exit at once.
func RemovePending() []string {
	mu.Lock()
	defer mu.Unlock()
	var removed []string
	for name := range pending {
		if err := os.Remove(name); err == nil || errors.Is(err, fs.ErrNotExist) {
			removed = append(removed, name)
		}
		delete(pending, name)
	}
	return removed
}

// Completed lists the paths this process has written with Write so far,
// each once, in the order first written: what a command stopped by a
// signal can say it has left behind.
func Completed() []string {
	mu.Lock()
	defer mu.Unlock()
	return slices.Clone(completed)
}

// UnwrapPath drops the path from an *fs.PathError, keeping the operation
// and the cause: callers' errors already start with the destination path,
// and the temporary file's name is noise.
func UnwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	return err
}
