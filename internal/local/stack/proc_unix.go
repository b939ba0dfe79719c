//go:build unix

package stack

import (
	"os/exec"
	"syscall"
)

// stopGroupOnCancel runs cmd in a process group of its own and, when its
// context ends, stops the whole group: make, and the go build and compilers
// it runs, which would otherwise outlive it.
func stopGroupOnCancel(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
}
