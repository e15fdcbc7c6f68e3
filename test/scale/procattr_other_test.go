//go:build !linux

package scale

import "syscall"

func childProcAttr() *syscall.SysProcAttr { return nil }
