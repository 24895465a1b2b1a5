package pool

import (
	"context"
	"runtime"
	"testing"
)

func TestGateTakePeakReportsPeakSinceLastCall(t *testing.T) {
	g := newGate(10)
	for range 4 {
		if !g.tryAcquire() {
			t.Fatal("tryAcquire refused below the limit")
		}
	}
	g.release()
	g.release()
	if limit, held, waiting := g.state(); limit != 10 || held != 2 || waiting != 0 {
		t.Fatalf("state = %d, %d, %d; want 10, 2, 0", limit, held, waiting)
	}
	if peak := g.takePeak(); peak != 4 {
		t.Fatalf("takePeak = %d, want 4", peak)
	}
	// The next period starts at the permits still held.
	if _, held, _ := g.state(); held != 2 || g.takePeak() != 2 {
		t.Fatalf("second takePeak: held %d, want 2 and peak 2", held)
	}
	// Grants to waiters count too.
	g.setLimit(2)
	done := make(chan error, 1)
	go func() { done <- g.acquire(context.Background(), nil) }()
	for g.queued.Load() == 0 {
		runtime.Gosched()
	}
	g.setLimit(3)
	if err := <-done; err != nil {
		t.Fatalf("acquire: %v", err)
	}
	if _, held, _ := g.state(); held != 3 || g.takePeak() != 3 {
		t.Fatalf("after a grant: held %d, want 3 and peak 3", held)
	}
}
