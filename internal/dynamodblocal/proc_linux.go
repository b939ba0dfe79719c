package dynamodblocal

import "syscall"

// sysProcAttr asks the kernel to end the emulator when its parent dies, so a
// crashed test or an interrupted make dev leaves no java process behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
