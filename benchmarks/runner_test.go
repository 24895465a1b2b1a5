package main

import (
	"context"
	"math"
	"testing"
	"time"
)

// TestDriveCell checks the window bookkeeping of driveCell with a unit of
// two operations: the probe starts once, after every worker finished a
// unit; latencies are those of units started in the window, and the
// window's counts are consistent with them.
func TestDriveCell(t *testing.T) {
	fn := func(ctx context.Context, w *worker) error {
		for range 2 {
			if err := w.op(func() error { time.Sleep(2 * time.Millisecond); return nil }); err != nil {
				return err
			}
		}
		return nil
	}
	begins := 0
	r, p := driveCell(t.Context(), 3, 10*time.Millisecond, 60*time.Millisecond, 1, fn, func() *probe {
		begins++
		return &probe{t: &target{}, cpu: startCPUWindow(nil, false)}
	})
	if begins != 1 || p == nil {
		t.Fatalf("begin called %d times, probe %v", begins, p)
	}
	if r.window < 60*time.Millisecond || r.window > time.Second {
		t.Errorf("window %v, want about 60ms", r.window)
	}
	if r.winUnits == 0 || r.winOps < r.winUnits || len(r.units) == 0 || len(r.ops) != 2*len(r.units) {
		t.Errorf("window units %d ops %d, recorded units %d ops %d", r.winUnits, r.winOps, len(r.units), len(r.ops))
	}
	m := r.metrics()
	if got, want := m["throughput"], float64(r.winOps)/2/r.window.Seconds(); math.Abs(got-want) > 1e-9 {
		t.Errorf("throughput %v, want the window's operations per second over 2 per unit, %v", got, want)
	}
	canceled, cancel := context.WithCancel(t.Context())
	cancel()
	if r, p := driveCell(canceled, 2, time.Hour, time.Hour, 1, fn, func() *probe {
		return &probe{t: &target{}, cpu: startCPUWindow(nil, false)}
	}); p == nil || r.winUnits != 0 {
		t.Errorf("canceled cell: probe %v, %d units", p, r.winUnits)
	}
}
