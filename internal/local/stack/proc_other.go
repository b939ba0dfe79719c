//go:build !unix

package stack

import "os/exec"

// stopGroupOnCancel leaves cmd to exec.CommandContext's default, which
// kills make alone.
func stopGroupOnCancel(cmd *exec.Cmd) {}
