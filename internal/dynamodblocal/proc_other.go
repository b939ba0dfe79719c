//go:build !linux

package dynamodblocal

import "syscall"

func sysProcAttr() *syscall.SysProcAttr { return nil }
