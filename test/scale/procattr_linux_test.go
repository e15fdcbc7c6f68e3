package scale

import "syscall"

// childProcAttr has the kernel stop the manager if the benchmark dies without stopping it
// (a timeout, a crash).
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
