//go:build linux

package main

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestOthersSince: other processes' cores are the machine's busy time less
// this process's (and its children's), per second of wall time.
func TestOthersSince(t *testing.T) {
	t0 := time.Now()
	c0 := cpuClock{at: t0, busy: 10 * time.Second, steal: time.Second, own: 3 * time.Second, ok: true}
	c1 := cpuClock{at: t0.Add(2 * time.Second), busy: 14 * time.Second, steal: 1500 * time.Millisecond, own: 5 * time.Second, ok: true}
	others, steal, ok := c1.othersSince(c0)
	require.True(t, ok)
	require.InDelta(t, 1.0, others, 1e-9) // 4 s busy, 2 s of them ours, over 2 s
	require.InDelta(t, 0.25, steal, 1e-9)
	// Our time counted before the machine's tick caught up: never negative.
	c1.own = 10 * time.Second
	others, _, _ = c1.othersSince(c0)
	require.Zero(t, others)
	_, _, ok = c1.othersSince(cpuClock{})
	require.False(t, ok)

	// This machine's clock reads (its figures depend on what else runs).
	require.True(t, readCPUClock().ok)
}
