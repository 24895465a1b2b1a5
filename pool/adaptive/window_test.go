package adaptive

import (
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"
)

// refPercentile is the sort-based reference for nearest-rank percentiles.
func refPercentile(vals []time.Duration, q float64) time.Duration {
	if len(vals) == 0 {
		return 0
	}
	s := slices.Clone(vals)
	slices.Sort(s)
	rank := int(math.Ceil(q * float64(len(s))))
	return s[min(max(rank, 1), len(s))-1]
}

func TestWindowPercentileMatchesReference(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	qs := []float64{0, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1}
	for iter := range 200 {
		size := 1 + rng.IntN(300)
		adds := rng.IntN(3 * size)
		w := NewWindow(size)
		var all []time.Duration
		for range adds {
			d := time.Duration(rng.Int64N(int64(time.Second)))
			w.Add(d)
			all = append(all, d)
		}
		kept := all[max(0, len(all)-size):]
		for _, q := range append(qs, rng.Float64()) {
			if got, want := w.Percentile(q), refPercentile(kept, q); got != want {
				t.Fatalf("iter %d size %d adds %d: Percentile(%v) = %v, want %v", iter, size, adds, q, got, want)
			}
		}
		var sum time.Duration
		for _, d := range kept {
			sum += d
		}
		wantMean := time.Duration(0)
		if len(kept) > 0 {
			wantMean = sum / time.Duration(len(kept))
		}
		if got := w.Mean(); got != wantMean {
			t.Fatalf("iter %d: Mean() = %v, want %v", iter, got, wantMean)
		}
		if got := w.Len(); got != len(kept) {
			t.Fatalf("iter %d: Len() = %d, want %d", iter, got, len(kept))
		}
	}
}

func TestWindowEdgeCases(t *testing.T) {
	empty := NewWindow(8)
	if got := empty.Percentile(0.5); got != 0 {
		t.Errorf("empty Percentile(0.5) = %v, want 0", got)
	}
	if got := empty.Mean(); got != 0 {
		t.Errorf("empty Mean() = %v, want 0", got)
	}
	w := NewWindow(0) // treated as 1
	w.Add(3 * time.Millisecond)
	w.Add(7 * time.Millisecond)
	if w.Len() != 1 || w.Percentile(0.5) != 7*time.Millisecond {
		t.Errorf("NewWindow(0): Len %d, p50 %v; want 1, 7ms", w.Len(), w.Percentile(0.5))
	}
	w = NewWindow(4)
	for _, d := range []time.Duration{4, 1, 3, 2} {
		w.Add(d)
	}
	cases := []struct {
		q    float64
		want time.Duration
	}{{-1, 1}, {math.NaN(), 1}, {0, 1}, {0.25, 1}, {0.26, 2}, {0.5, 2}, {0.75, 3}, {0.99, 4}, {2, 4}}
	for _, tc := range cases {
		if got := w.Percentile(tc.q); got != tc.want {
			t.Errorf("Percentile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	dst := make([]time.Duration, 2)
	w.Percentiles(dst, 0.5, 1, 0.25) // extra q ignored
	if dst[0] != 2 || dst[1] != 4 {
		t.Errorf("Percentiles = %v, want [2 4]", dst)
	}
}

func TestWindowBoundedMemory(t *testing.T) {
	const size = 256
	w := NewWindow(size)
	for i := range 100 * size {
		w.Add(time.Duration(i))
	}
	if w.Len() != size || len(w.vals) != size || cap(w.scratch) != size {
		t.Fatalf("after %d adds: Len %d, ring %d, scratch cap %d; want all %d",
			100*size, w.Len(), len(w.vals), cap(w.scratch), size)
	}
	// Only the newest size values remain: the minimum is the oldest kept.
	if got, want := w.Percentile(0), time.Duration(99*size); got != want {
		t.Errorf("Percentile(0) = %v, want %v", got, want)
	}
	if allocs := testing.AllocsPerRun(1000, func() { w.Add(time.Millisecond) }); allocs != 0 {
		t.Errorf("Add allocates %v times per call, want 0", allocs)
	}
	dst := make([]time.Duration, 2)
	if allocs := testing.AllocsPerRun(100, func() { w.Percentiles(dst, 0.5, 0.95) }); allocs != 0 {
		t.Errorf("Percentiles allocates %v times per call, want 0", allocs)
	}
}

func TestWindowConcurrentAdd(t *testing.T) {
	const (
		writers = 8
		perG    = 2000
		size    = 128
	)
	w := NewWindow(size)
	var wg sync.WaitGroup
	for g := range writers {
		wg.Go(func() {
			for i := range perG {
				w.Add(time.Duration(g*perG + i + 1))
				if i%100 == 0 {
					_ = w.Percentile(0.95) // readers race with writers
					_ = w.Mean()
				}
			}
		})
	}
	wg.Wait()
	if w.Len() != size {
		t.Fatalf("Len() = %d, want %d", w.Len(), size)
	}
	var sum time.Duration
	for _, d := range w.vals {
		if d <= 0 {
			t.Fatalf("ring holds %v, want only added values", d)
		}
		sum += d
	}
	if w.sum != sum {
		t.Errorf("running sum %v, want %v", w.sum, sum)
	}
}
