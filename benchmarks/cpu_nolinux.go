//go:build !linux

package main

import (
	"errors"
	"syscall"
)

// errNoAffinity is why nothing is pinned on this platform.
var errNoAffinity = errors.New("CPU affinity is only set on Linux")

// allowedCPUs is not known on this platform.
func allowedCPUs() ([]int, error) { return nil, errNoAffinity }

// pinProcess cannot pin on this platform.
func pinProcess([]int) (func(), error) { return nil, errNoAffinity }

// coreTicks is unknown on this platform.
func coreTicks([]int) (busy, all uint64) { return 0, 0 }

// childSysProcAttr has no parent-death signal on this platform: the server
// process ends when its stdin closes (the parent's end of the pipe closes
// when the parent exits, however it exits).
func childSysProcAttr() *syscall.SysProcAttr { return nil }

// withThreadAffinity calls start: there is no affinity to set on this
// platform.
func withThreadAffinity(_ []int, start func() error) error { return start() }
