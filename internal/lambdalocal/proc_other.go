//go:build !linux

package lambdalocal

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
