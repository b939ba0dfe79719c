//go:build !linux

package emulator

import (
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// waitStopped cannot tell here when every thread has stopped.
func waitStopped(name string, pid int, timeout time.Duration) error { return nil }
