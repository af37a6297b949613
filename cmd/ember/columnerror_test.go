package main

import (
	"errors"
	"os"
	"path/filepath"
	"runtime/debug"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/emberml/ember/tabular"
)

// TestColumnError: columnError is the reader's error for a column the
// file lacks (naming the columns it has), and for one it has, which a
// caller should not have asked about, an error saying it was not read,
// the reader closed rather than leaked (the open file descriptors do not
// grow).
func TestColumnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "t.csv")
	require.NoError(t, os.WriteFile(path, []byte("a,b\n1,2\n3,4\n"), 0o644))

	err := columnError(path, "zzz", tabular.Layout{})
	require.True(t, errors.Is(err, tabular.ErrColumn), "%v", err)
	require.ErrorContains(t, err, "zzz")

	fds := func() int {
		entries, err := os.ReadDir("/proc/self/fd")
		if err != nil {
			t.Skipf("counting open files needs /proc/self/fd: %v", err)
		}
		return len(entries)
	}
	// A leaked *os.File is closed by the collector, so it must not run.
	defer debug.SetGCPercent(debug.SetGCPercent(-1))
	before := fds()
	for range 50 {
		require.EqualError(t, columnError(path, "a", tabular.Layout{}), path+`: column "a" was not read`)
	}
	require.Less(t, fds()-before, 10, "columnError leaks the reader it opened")
}
