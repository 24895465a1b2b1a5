package adaptive

import (
	"math"
	"slices"
	"sync"
	"time"
)

// Window is a bounded ring of the most recent durations (acquire waits or
// operation latencies). Memory is fixed at creation: once full, each [Window.Add]
// overwrites the oldest value. All methods are safe for concurrent use; Add
// takes one short mutex section and never allocates, while percentile queries
// copy the values into a preallocated scratch buffer and sort it outside the
// section that Add contends for.
type Window struct {
	mu   sync.Mutex
	vals []time.Duration // ring storage, len == capacity
	next int             // index the next Add writes
	n    int             // number of valid values, ≤ len(vals)
	sum  time.Duration   // sum of the valid values

	smu     sync.Mutex      // serialises users of scratch
	scratch []time.Duration // sorted copy for percentile queries
}

// NewWindow returns an empty window holding at most size durations; a size
// below 1 is treated as 1. It allocates 2 × size durations (16 bytes each).
func NewWindow(size int) *Window {
	if size < 1 {
		size = 1
	}
	return &Window{
		vals:    make([]time.Duration, size),
		scratch: make([]time.Duration, 0, size),
	}
}

// Add records d, evicting the oldest value when the window is full.
func (w *Window) Add(d time.Duration) {
	w.mu.Lock()
	if w.n == len(w.vals) {
		w.sum -= w.vals[w.next]
	} else {
		w.n++
	}
	w.vals[w.next] = d
	w.sum += d
	w.next++
	if w.next == len(w.vals) {
		w.next = 0
	}
	w.mu.Unlock()
}

// Len returns how many values the window currently holds (≤ its size).
func (w *Window) Len() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.n
}

// Mean returns the arithmetic mean of the held values, 0 when empty.
func (w *Window) Mean() time.Duration {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		return 0
	}
	return w.sum / time.Duration(w.n)
}

// Percentile returns the q-quantile of the held values by the nearest-rank
// method: the smallest value v such that at least q × Len values are ≤ v.
// q is clamped to [0, 1] (NaN counts as 0); 0 yields the minimum, 1 the
// maximum. It returns 0 when the window is empty.
func (w *Window) Percentile(q float64) time.Duration {
	var out [1]time.Duration
	w.Percentiles(out[:], q)
	return out[0]
}

// Percentiles writes the qs[i]-quantile into dst[i] for every i < min(len(dst),
// len(qs)) after a single sort, with the semantics of [Window.Percentile].
// It does not allocate.
func (w *Window) Percentiles(dst []time.Duration, qs ...float64) {
	w.smu.Lock()
	defer w.smu.Unlock()
	w.mu.Lock()
	w.scratch = append(w.scratch[:0], w.vals[:w.n]...)
	w.mu.Unlock()
	slices.Sort(w.scratch)
	for i := range min(len(dst), len(qs)) {
		dst[i] = nearestRank(w.scratch, qs[i])
	}
}

// nearestRank returns the q-quantile of the sorted slice s, 0 when empty.
func nearestRank(s []time.Duration, q float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	if !(q > 0) {
		return s[0]
	}
	if q >= 1 {
		return s[len(s)-1]
	}
	i := int(math.Ceil(q*float64(len(s)))) - 1
	return s[max(0, min(i, len(s)-1))]
}
