package localenv

import "syscall"

// childProcAttr puts a child in its own process group, so a Ctrl-C in the
// terminal reaches only us and we stop the children in order, and has the
// kernel terminate it if we die without cleaning up (e.g. a test timeout).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
