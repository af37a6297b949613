// Package sysmem tells how much memory the machine has left, so that
// commands refuse work that cannot fit before they start it, and formats
// byte counts for their messages.
package sysmem

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Available returns the bytes of memory a new allocation can count on:
// the kernel's MemAvailable, lowered to the cgroup's limit minus its usage
// when the process runs in a memory-limited container. ok is false where
// neither is known (not Linux); callers then skip their memory check.
func Available() (bytes uint64, ok bool) {
	if v, found := memInfo("/proc/meminfo", "MemAvailable:"); found {
		bytes, ok = v, true
	}
	if limit, found := readUint("/sys/fs/cgroup/memory.max"); found {
		if used, found := readUint("/sys/fs/cgroup/memory.current"); found && used < limit {
			if !ok || limit-used < bytes {
				bytes, ok = limit-used, true
			}
		}
	}
	return bytes, ok
}

func memInfo(path, key string) (uint64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), key); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// readUint reads a cgroup file holding a number ("max" means no limit).
func readUint(path string) (uint64, bool) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, false
	}
	v, err := strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
	return v, err == nil
}

// Format formats a byte count for messages: "512 MiB", "3.2 GiB".
func Format(n uint64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit && exp < 5; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	prec := 1
	if v >= 100 {
		prec = 0
	}
	return fmt.Sprintf("%.*f %ciB", prec, v, "KMGTPE"[exp])
}
