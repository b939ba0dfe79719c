//go:build !linux

package lambda

import (
	"os"
	"os/exec"
	"strconv"
	"strings"
)

// peakMemoryKB returns a running process's resident memory now, as ps
// reports it in kB; without /proc, the peak is the largest of these
// samples, taken at the end of each invocation.
func peakMemoryKB(pid int) (int64, bool) {
	out, err := exec.Command("ps", "-o", "rss=", "-p", strconv.Itoa(pid)).Output()
	if err != nil {
		return 0, false
	}
	kb, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	return kb, err == nil
}

// exitedPeakKB reports nothing here: units of ru_maxrss differ between
// systems, and the samples already hold a peak.
func exitedPeakKB(*os.ProcessState) (int64, bool) { return 0, false }
