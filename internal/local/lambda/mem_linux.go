package lambda

import (
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// peakMemoryKB returns a running process's peak resident memory: VmHWM in
// /proc/<pid>/status, in kB.
func peakMemoryKB(pid int) (int64, bool) {
	status, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, false
	}
	for line := range bytes.Lines(status) {
		if rest, ok := bytes.CutPrefix(line, []byte("VmHWM:")); ok {
			fields := bytes.Fields(rest) // "21504", "kB"
			if len(fields) == 0 {
				return 0, false
			}
			kb, err := strconv.ParseInt(string(fields[0]), 10, 64)
			return kb, err == nil
		}
	}
	return 0, false
}

// exitedPeakKB returns an ended process's peak resident memory from its
// resource usage, which Linux counts in kB.
func exitedPeakKB(ps *os.ProcessState) (int64, bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, false
	}
	return ru.Maxrss, true
}
