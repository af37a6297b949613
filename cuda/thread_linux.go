//go:build linux

package cuda

import "syscall"

// osThreadID identifies the calling OS thread (gettid).
func osThreadID() int { return syscall.Gettid() }
