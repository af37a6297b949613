//go:build !linux

package main

import (
	"errors"
	"os/exec"
	"time"
)

// Memory and load figures come from /proc; elsewhere they are reported as
// unknown rather than guessed.

func peakRSS() (int64, bool) { return 0, false }

func resetPeakRSS() error { return errors.New("peak RSS reset needs Linux /proc") }

func processCPU() time.Duration { return 0 }

func childPeakRSS(*exec.Cmd) (int64, bool) { return 0, false }

func loadAvg() []float64 { return nil }

type cpuClock struct{}

func readCPUClock() cpuClock { return cpuClock{} }

func (cpuClock) othersSince(cpuClock) (others, steal float64, ok bool) { return 0, 0, false }
