package redistest

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the kernel kill cmd's redis-server when the thread
// that started it exits, so that a test binary killed by -timeout leaves no
// server behind.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
