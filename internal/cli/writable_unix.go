//go:build unix

package cli

import "golang.org/x/sys/unix"

// checkWritable asks whether this process may write an existing file
// without opening it: opening a FIFO for writing blocks until it has a
// reader.
func checkWritable(path string) error { return unix.Access(path, unix.W_OK) }
