package adaptive

import (
	"fmt"
	"testing"
	"time"
)

func BenchmarkWindowAdd(b *testing.B) {
	for _, size := range []int{256, 4096} {
		b.Run(fmt.Sprintf("Size=%d/Goroutines=1", size), func(b *testing.B) {
			w := NewWindow(size)
			b.ReportAllocs()
			d := time.Millisecond
			for b.Loop() {
				w.Add(d)
				d++
			}
		})
		b.Run(fmt.Sprintf("Size=%d/Goroutines=GOMAXPROCS", size), func(b *testing.B) {
			w := NewWindow(size)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				d := time.Millisecond
				for pb.Next() {
					w.Add(d)
					d++
				}
			})
		})
	}
}

func BenchmarkWindowPercentiles(b *testing.B) {
	for _, size := range []int{256, 4096} {
		b.Run(fmt.Sprintf("Size=%d", size), func(b *testing.B) {
			w := NewWindow(size)
			for i := range size {
				w.Add(time.Duration(i*7919%size) * time.Microsecond)
			}
			dst := make([]time.Duration, 2)
			b.ReportAllocs()
			for b.Loop() {
				w.Percentiles(dst, 0.5, 0.95)
			}
		})
	}
}

func BenchmarkEvaluate(b *testing.B) {
	cases := []struct {
		name  string
		inUse int
	}{
		{"Path=hold", 10}, // utilization 0.5: steady
		{"Path=down", 1},  // utilization 0.05: hysteresis bookkeeping
		{"Path=up", 20},   // utilization 1.0: up-step every QueueReactEvery
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			p := mustNew(b, 5, 50, nil)
			now := t0
			var n int64
			b.ReportAllocs()
			for b.Loop() {
				now = now.Add(time.Second)
				n += 100
				p.Evaluate(Sample{Now: now, Target: 20, InUse: tc.inUse, Acquires: n, Ops: n,
					OpLatencyP50: 10 * time.Millisecond})
			}
		})
	}
}

func BenchmarkOnQueue(b *testing.B) {
	p := mustNew(b, 5, 50, nil)
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(10 * time.Millisecond) // most calls are rate-limited holds
		p.OnQueue(Sample{Now: now, Target: 20, InUse: 20, Waiting: 3})
	}
}
