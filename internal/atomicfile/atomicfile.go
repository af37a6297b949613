// Package atomicfile writes output files so that a path holds either its old
// content or the complete new file, never a partial one: the content goes to
// a temporary file in the same directory (named ".<base>.tmp-*"), which is
// synced and renamed over the path. Model files (package checkpoint), charts
// (package plots) and the commands' prediction files are written this way.
//
// An existing path that is neither a regular file nor a directory (/dev/null,
// a FIFO, a terminal) is written into directly instead: renaming over it
// would replace the device or the pipe its reader holds, and there is no
// old content to keep.
//
// The temporary files being written are tracked, so that a command stopped
// by a signal can remove them with Abandon as it exits: an interrupted save
// leaves the old file and nothing else.
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
// file keeps that file's mode. A path that exists and is neither a regular
// file nor a directory is opened and written in place (see the package
// doc); what write produced before an error has then been written. Errors
// say which step failed ("create temporary file: open: permission
// denied", "rename into place: ..."); callers prefix the path.
func Write(path string, write func(w io.Writer) error) (err error) {
	mode := fs.FileMode(0o644)
	if fi, statErr := os.Stat(path); statErr == nil {
		if InPlaceFile(fi) {
			return writeInPlace(path, write)
		}
		if fi.Mode().IsRegular() {
			mode = fi.Mode().Perm()
		}
	}
	dir := filepath.Dir(path)
	// Created and tracked under mu, so that Abandon, which holds mu until
	// the process exits, never misses a temporary file.
	mu.Lock()
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err == nil {
		pending[tmp.Name()] = true
	}
	mu.Unlock()
	if err != nil {
		return fmt.Errorf("create temporary file: %w", UnwrapPath(err))
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
		mu.Lock()
		delete(pending, tmp.Name())
		mu.Unlock()
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

// InPlace reports whether Write would write into path rather than replace
// it: path exists and is neither a regular file nor a directory. A command
// that saves the same output repeatedly (the best model so far) saves such
// a target once, at the end: each write to a FIFO is one more file for its
// reader, and nothing written to /dev/null can be returned to.
func InPlace(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && InPlaceFile(fi)
}

// InPlaceFile is InPlace for a file already stat'ed: neither a regular
// file nor a directory.
func InPlaceFile(fi fs.FileInfo) bool { return !fi.Mode().IsRegular() && !fi.IsDir() }

// writeInPlace writes into a special file (a device, a FIFO) that exists.
// It is not listed by Completed: it leaves no file behind.
func writeInPlace(path string, write func(w io.Writer) error) error {
	// No O_CREATE: if the file went away since Stat, creating a regular
	// file here would skip the atomic route. Opening a FIFO blocks until it
	// has a reader, as a shell's redirection does.
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("open: %w", UnwrapPath(err))
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("close: %w", UnwrapPath(err))
	}
	return nil
}

// Abandon removes the temporary files of writes in progress and calls exit
// with their names and Completed's list, holding the package's lock
// throughout: no write can create a temporary file between the removal and
// exit, which a command quitting on a signal makes exit the process. The
// interrupted writes are not stopped; their renames fail, so the
// destinations keep their old content. If exit returns (a test's), writes
// work again.
func Abandon(exit func(removed, completed []string)) {
	mu.Lock()
	defer mu.Unlock()
	var removed []string
	for name := range pending {
		// A write that has just renamed its file is not counted.
		if err := os.Remove(name); err == nil {
			removed = append(removed, name)
		}
		delete(pending, name)
	}
	exit(removed, slices.Clone(completed))
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
