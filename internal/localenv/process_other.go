//go:build !linux

package localenv

import "syscall"

// childProcAttr leaves the platform's defaults: only Linux has a parent-death
// signal, and the children exit on their own when the terminal's Ctrl-C
// reaches them.
func childProcAttr() *syscall.SysProcAttr { return nil }
