//go:build linux

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// peakRSS returns the process's peak resident set size (VmHWM) in bytes.
func peakRSS() (int64, bool) {
	raw, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	sc := bufio.NewScanner(bytes.NewReader(raw))
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), "VmHWM:")
		if !ok {
			continue
		}
		f := strings.Fields(rest) // "123456 kB"
		if len(f) != 2 || f[1] != "kB" {
			return 0, false
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, false
		}
		return kb << 10, true
	}
	return 0, false
}

// resetPeakRSS sets VmHWM back to the current RSS (Linux 4.0 and later), so
// that each batch size gets its own peak instead of the largest one so far.
func resetPeakRSS() error {
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		return fmt.Errorf("cannot reset the peak RSS: %w", err)
	}
	return nil
}

// processCPU is the CPU time (user + system) the process has used, which
// divided by wall time shows whether other work was taking the cores.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// childPeakRSS is a finished child's peak RSS in bytes (ru_maxrss is in
// kilobytes on Linux).
func childPeakRSS(cmd *exec.Cmd) (int64, bool) {
	if cmd.ProcessState == nil {
		return 0, false
	}
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok || ru.Maxrss <= 0 {
		return 0, false
	}
	return ru.Maxrss << 10, true
}

// cpuClock is where the machine's and this process's CPU time stood at a
// moment: the machine's busy time (every CPU's user, nice, system, irq
// and softirq time in /proc/stat), the time the hypervisor took from the
// guest (steal), and this process's and its waited-for children's
// (PyTorch's) time.
type cpuClock struct {
	at          time.Time
	busy, steal time.Duration
	own         time.Duration
	ok          bool
}

// userHZ is /proc/stat's clock tick (USER_HZ, 100 on every Linux
// architecture Go supports).
const userHZ = 100

func readCPUClock() cpuClock {
	c := cpuClock{at: time.Now()}
	raw, err := os.ReadFile("/proc/stat")
	if err != nil {
		return c
	}
	line, _, _ := strings.Cut(string(raw), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return c
	}
	ticks := make([]int64, 8) // user nice system idle iowait irq softirq steal
	for i := range ticks {
		if ticks[i], err = strconv.ParseInt(f[i+1], 10, 64); err != nil {
			return c
		}
	}
	tick := time.Second / userHZ
	c.busy = time.Duration(ticks[0]+ticks[1]+ticks[2]+ticks[5]+ticks[6]) * tick
	c.steal = time.Duration(ticks[7]) * tick
	var self, children syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &self) != nil || syscall.Getrusage(syscall.RUSAGE_CHILDREN, &children) != nil {
		return c
	}
	c.own = time.Duration(self.Utime.Nano() + self.Stime.Nano() + children.Utime.Nano() + children.Stime.Nano())
	c.ok = true
	return c
}

// othersSince is how many cores, on average since c0, other processes
// kept busy and the hypervisor took; ok is false when unknown.
func (c cpuClock) othersSince(c0 cpuClock) (others, steal float64, ok bool) {
	wall := c.at.Sub(c0.at)
	if !c.ok || !c0.ok || wall <= 0 {
		return 0, 0, false
	}
	others = max(0, (c.busy-c0.busy-(c.own-c0.own)).Seconds()/wall.Seconds())
	steal = max(0, (c.steal-c0.steal).Seconds()/wall.Seconds())
	return others, steal, true
}

// loadAvg is the 1, 5 and 15-minute load averages, nil when unknown.
func loadAvg() []float64 {
	raw, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return nil
	}
	f := strings.Fields(string(raw))
	if len(f) < 3 {
		return nil
	}
	out := make([]float64, 3)
	for i := range out {
		if out[i], err = strconv.ParseFloat(f[i], 64); err != nil {
			return nil
		}
	}
	return out
}
