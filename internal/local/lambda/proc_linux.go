package lambda

import "syscall"

// sysProcAttr asks the kernel to kill a function process when its parent
// dies, so that an interrupted make dev or test run leaves none behind.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
