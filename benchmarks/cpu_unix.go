//go:build unix

package main

import (
	"runtime"
	"syscall"
	"time"
)

// processCPU returns the user + system CPU time of this process, every
// thread counted.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// numCPU is the number of CPUs the process may use.
func numCPU() int { return runtime.NumCPU() }
