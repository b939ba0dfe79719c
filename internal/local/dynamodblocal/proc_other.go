//go:build !linux

package dynamodblocal

import (
	"syscall"
	"time"
)

func sysProcAttr() *syscall.SysProcAttr { return nil }

// waitStopped cannot tell here when every thread has stopped.
func waitStopped(pid int, timeout time.Duration) error { return nil }
