//go:build !unix

package main

import (
	"runtime"
	"time"
)

// processCPU returns 0: this platform has no getrusage, so CPU time is
// reported as unknown.
func processCPU() time.Duration { return 0 }

// numCPU is the number of CPUs the process may use.
func numCPU() int { return runtime.NumCPU() }
