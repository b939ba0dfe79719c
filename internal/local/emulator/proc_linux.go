package emulator

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// sysProcAttr asks the kernel to end the emulator when its parent dies, so a
// crashed test or an interrupted make dev leaves no java process behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}

// waitStopped waits until every thread of process pid is stopped, as
// /proc/<pid>/task/<tid>/stat tells.
func waitStopped(name string, pid int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for {
		stopped, err := allStopped(name, pid)
		if err != nil || stopped {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: process %d did not stop within %s", name, pid, timeout)
		}
		<-tick.C
	}
}

func allStopped(name string, pid int) (bool, error) {
	stats, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/stat", pid))
	if err != nil || len(stats) == 0 {
		return false, fmt.Errorf("%s: no threads of process %d in /proc", name, pid)
	}
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			return false, nil // a thread that ended meanwhile: look again
		}
		// The state follows the command name, which is in parentheses
		// and may itself hold spaces or parentheses.
		i := strings.LastIndexByte(string(b), ')')
		if i < 0 || i+2 >= len(b) {
			return false, fmt.Errorf("%s: unreadable %s", name, p)
		}
		if state := b[i+2]; state != 'T' && state != 't' {
			return false, nil
		}
	}
	return true, nil
}
