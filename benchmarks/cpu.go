package main

import (
	"math"
	"runtime/metrics"
	"slices"
	"sync"
	"time"
)

// cpuSampleEvery is the interval at which both processes sample their CPU
// use during a cell.
const cpuSampleEvery = 100 * time.Millisecond

// boundUtil is the share of its cores above which a side counts as
// CPU-bound in a cell: its own process used at least this much of the
// cores it is pinned to (mean over the cell), or those cores were at least
// this busy with every process counted (other processes on a shared
// machine take CPU from it too).
const boundUtil = 0.90

// cpuSnap is one reading of a process's CPU use and of the cores it runs
// on.
type cpuSnap struct {
	wall     time.Time
	proc     time.Duration // user + system CPU time of the whole process (getrusage)
	coreBusy uint64        // busy ticks of the process's cores, every process counted (/proc/stat); 0 when unknown
	coreAll  uint64        // all ticks of those cores
}

// readCPU takes a snapshot for a process running on cpus (nil: all CPUs).
func readCPU(cpus []int) cpuSnap {
	busy, all := coreTicks(cpus)
	return cpuSnap{wall: time.Now(), proc: processCPU(), coreBusy: busy, coreAll: all}
}

// cpuReport is what a CPU window measured. It crosses the process boundary
// as JSON, so unknown values are -1, not NaN.
type cpuReport struct {
	Seconds  float64 `json:"cpu_s"`     // CPU seconds the process used in the window (-1: unknown)
	Wall     float64 `json:"wall_s"`    // length of the window
	Cores    int     `json:"cores"`     // cores the utilization is relative to
	UtilMean float64 `json:"util_mean"` // Seconds / (Wall × Cores)
	UtilP90  float64 `json:"util_p90"`  // 90th percentile of the sampled utilization
	CoreBusy float64 `json:"core_busy"` // mean busy share of those cores, every process counted (-1: unknown)
}

// cpuWindow measures a process's CPU use between start and end, sampling
// its CPU time every cpuSampleEvery on its own goroutine (the cores' busy
// share is read at both ends only). Its methods are safe for
// concurrent use; end may be called more than once.
type cpuWindow struct {
	cpus    []int
	first   cpuSnap
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []float64 // utilization of each sampled interval
	once    sync.Once
	report  cpuReport
}

// startCPUWindow starts measuring the CPU use of this process, which runs
// on cpus (nil when not pinned); with sample, also every cpuSampleEvery.
func startCPUWindow(cpus []int, sample bool) *cpuWindow {
	w := &cpuWindow{cpus: cpus, first: readCPU(cpus), done: make(chan struct{})}
	if !sample {
		close(w.done)
		return w
	}
	w.wg.Go(func() {
		tk := time.NewTicker(cpuSampleEvery)
		defer tk.Stop()
		prev := w.first
		for {
			select {
			case <-w.done:
				return
			case <-tk.C:
				// Only getrusage here: reading /proc/stat costs the kernel
				// about half a millisecond, the core's busy share needs
				// only the window's ends.
				cur := cpuSnap{wall: time.Now(), proc: processCPU()}
				w.mu.Lock()
				w.samples = append(w.samples, utilization(prev, cur, coresOf(w.cpus)))
				w.mu.Unlock()
				prev = cur
			}
		}
	})
	return w
}

// end stops the window and returns what it measured.
func (w *cpuWindow) end() cpuReport {
	w.once.Do(func() {
		last := readCPU(w.cpus)
		select {
		case <-w.done:
		default:
			close(w.done)
		}
		w.wg.Wait()
		cores := coresOf(w.cpus)
		r := cpuReport{Wall: last.wall.Sub(w.first.wall).Seconds(), Cores: cores, Seconds: -1, UtilMean: -1, UtilP90: -1, CoreBusy: -1}
		if last.proc > 0 {
			r.Seconds = (last.proc - w.first.proc).Seconds()
			r.UtilMean = utilization(w.first, last, cores)
		}
		w.mu.Lock()
		samples := slices.Clone(w.samples)
		w.mu.Unlock()
		samples = append(samples, r.UtilMean) // a window shorter than one interval still has a value
		slices.Sort(samples)
		if p := percentile(samples, 0.9); !math.IsNaN(p) && p >= 0 {
			r.UtilP90 = p
		}
		if d := last.coreAll - w.first.coreAll; last.coreAll > 0 && d > 0 {
			// The cores' ticks have 10 ms resolution: their busy share
			// cannot be below the process's own use, which it includes.
			r.CoreBusy = max(float64(last.coreBusy-w.first.coreBusy)/float64(d), r.UtilMean)
		}
		w.report = r
	})
	return w.report
}

// utilization is the share of cores the process used between a and b.
func utilization(a, b cpuSnap, cores int) float64 {
	wall := b.wall.Sub(a.wall)
	if wall <= 0 || cores <= 0 || b.proc <= 0 {
		return -1
	}
	return float64(b.proc-a.proc) / (float64(wall) * float64(cores))
}

// allocSnap is the process's cumulative heap allocations (runtime/metrics).
type allocSnap struct{ objects, bytes uint64 }

// allocMetrics are the runtime/metrics samples behind allocSnap: tiny
// allocations are counted apart from the others.
var allocMetrics = []string{"/gc/heap/allocs:objects", "/gc/heap/tiny/allocs:objects", "/gc/heap/allocs:bytes"}

// readAllocs returns the allocations so far.
func readAllocs() allocSnap {
	s := make([]metrics.Sample, len(allocMetrics))
	for i, name := range allocMetrics {
		s[i].Name = name
	}
	metrics.Read(s)
	get := func(i int) uint64 {
		if s[i].Value.Kind() == metrics.KindUint64 {
			return s[i].Value.Uint64()
		}
		return 0
	}
	return allocSnap{objects: get(0) + get(1), bytes: get(2)}
}

// sub returns the allocations from b to a.
func (a allocSnap) sub(b allocSnap) allocSnap {
	return allocSnap{objects: a.objects - b.objects, bytes: a.bytes - b.bytes}
}

// coresOf is the number of cores a process on cpus (nil: every CPU) may use.
func coresOf(cpus []int) int {
	if len(cpus) > 0 {
		return len(cpus)
	}
	return numCPU()
}

// putCPU stores a side's CPU report in m under prefix ("client_" or
// "server_"): CPU µs per operation, the mean and p90 utilization of its
// cores, and their busy share with every process counted.
func putCPU(m Metrics, prefix string, r cpuReport, ops int64) {
	if r.Seconds >= 0 && ops > 0 {
		m[prefix+"cpu_us_per_op"] = 1e6 * r.Seconds / float64(ops)
		m[prefix+"cpu_s"] = r.Seconds
	}
	if r.UtilMean >= 0 {
		m[prefix+"util"] = r.UtilMean
		m[prefix+"util_p90"] = r.UtilP90
	}
	if r.CoreBusy >= 0 {
		m[prefix+"core_busy"] = r.CoreBusy
	}
}

// cpuBound says which side was CPU-bound in a cell: "client", "server",
// "both" or "neither"; "" when unknown. A side is bound when its process
// used at least boundUtil of its cores, or its cores were at least that
// busy counting every process; when, for every bound side, its own process
// used less than that, " (cores shared)" follows: other processes on the
// machine took the CPU.
func cpuBound(m Metrics) string {
	type side struct{ known, bound, own bool }
	read := func(prefix string) side {
		u, busy := m.get(prefix+"util"), m.get(prefix+"core_busy")
		if math.IsNaN(u) && math.IsNaN(busy) {
			return side{}
		}
		own := u >= boundUtil
		return side{known: true, bound: own || busy >= boundUtil, own: own}
	}
	c, s := read("client_"), read("server_")
	if !c.known {
		return ""
	}
	label := "neither"
	switch {
	case c.bound && s.bound:
		label = "both"
	case c.bound:
		label = "client"
	case s.bound:
		label = "server"
	case !s.known:
		label = "not the client"
	}
	if (c.bound || s.bound) && !(c.bound && c.own) && !(s.bound && s.own) {
		label += " (cores shared)"
	}
	return label
}
