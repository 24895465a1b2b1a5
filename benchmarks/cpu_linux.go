package main

import (
	"bufio"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"

	"golang.org/x/sys/unix"
)

// allowedCPUs returns the CPUs this process may run on, in ascending order.
func allowedCPUs() ([]int, error) {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	var cpus []int
	for i := 0; i < len(set)*64; i++ {
		if set.IsSet(i) {
			cpus = append(cpus, i)
		}
	}
	return cpus, nil
}

// pinProcess restricts every thread of this process to cpus and sets
// GOMAXPROCS to their number. Threads created later inherit the affinity
// of the thread that creates them. restore puts the previous affinity and
// GOMAXPROCS back.
func pinProcess(cpus []int) (restore func(), err error) {
	var old unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return nil, fmt.Errorf("sched_getaffinity: %w", err)
	}
	var set unix.CPUSet
	for _, c := range cpus {
		set.Set(c)
	}
	if err := setAllThreads(&set); err != nil {
		_ = setAllThreads(&old)
		return nil, err
	}
	procs := runtime.GOMAXPROCS(len(cpus))
	return func() {
		_ = setAllThreads(&old)
		runtime.GOMAXPROCS(procs)
	}, nil
}

// setAllThreads sets the affinity of every thread of this process, listing
// the threads again until no new one appears (a thread created meanwhile
// by a thread not yet pinned would otherwise keep the old affinity).
func setAllThreads(set *unix.CPUSet) error {
	done := map[int]bool{}
	for range 10 {
		tids, err := threadIDs()
		if err != nil {
			return err
		}
		fresh := 0
		for _, tid := range tids {
			if done[tid] {
				continue
			}
			fresh++
			if err := unix.SchedSetaffinity(tid, set); err != nil && err != unix.ESRCH {
				return fmt.Errorf("sched_setaffinity(thread %d): %w", tid, err)
			}
			done[tid] = true
		}
		if fresh == 0 {
			return nil
		}
	}
	return nil
}

// threadIDs lists the threads of this process.
func threadIDs() ([]int, error) {
	ents, err := os.ReadDir("/proc/self/task")
	if err != nil {
		return nil, fmt.Errorf("list threads: %w", err)
	}
	tids := make([]int, 0, len(ents))
	for _, e := range ents {
		if tid, err := strconv.Atoi(e.Name()); err == nil {
			tids = append(tids, tid)
		}
	}
	return tids, nil
}

// coreTicks returns the busy and total ticks of cpus (nil: the whole
// machine) from /proc/stat, every process counted; zeros when unreadable.
// Busy is everything but idle and iowait; steal counts as busy (the time
// was not ours to use).
func coreTicks(cpus []int) (busy, all uint64) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0
	}
	defer f.Close()
	want := map[string]bool{}
	for _, c := range cpus {
		want["cpu"+strconv.Itoa(c)] = true
	}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 8 || !strings.HasPrefix(fields[0], "cpu") {
			continue
		}
		if (len(cpus) == 0 && fields[0] != "cpu") || (len(cpus) > 0 && !want[fields[0]]) {
			continue
		}
		for i, v := range fields[1:min(len(fields), 9)] { // user nice system idle iowait irq softirq steal
			n, _ := strconv.ParseUint(v, 10, 64)
			all += n
			if i != 3 && i != 4 {
				busy += n
			}
		}
	}
	return busy, all
}

// childSysProcAttr makes the kernel kill the server process when the
// thread that started it exits (Pdeathsig); startAndWait keeps that thread
// locked for the child's lifetime.
func childSysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}

// withThreadAffinity calls start with the calling thread's affinity set to
// cpus (nil: unchanged), then sets it back: a process it starts inherits
// cpus. The caller must have locked its OS thread. When the affinity
// cannot be read or set, start runs with it unchanged.
func withThreadAffinity(cpus []int, start func() error) error {
	if len(cpus) == 0 {
		return start()
	}
	var old, set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &old); err != nil {
		return start()
	}
	for _, c := range cpus {
		set.Set(c)
	}
	if err := unix.SchedSetaffinity(0, &set); err != nil {
		return start()
	}
	defer func() { _ = unix.SchedSetaffinity(0, &old) }()
	return start()
}
