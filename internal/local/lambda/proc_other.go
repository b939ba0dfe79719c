//go:build !linux

package lambda

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
