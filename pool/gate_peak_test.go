package pool

import (
	"context"
	"runtime"
	"testing"
)

func TestGateTakeStateReportsPeakSinceLastCall(t *testing.T) {
	g := newGate(10)
	for range 4 {
		if !g.tryAcquire() {
			t.Fatal("tryAcquire refused below the limit")
		}
	}
	g.release()
	g.release()
	if limit, held, waiting, peak := g.takeState(); limit != 10 || held != 2 || waiting != 0 || peak != 4 {
		t.Fatalf("takeState = %d, %d, %d, %d; want 10, 2, 0, 4", limit, held, waiting, peak)
	}
	// The next period starts at the permits still held.
	if _, held, _, peak := g.takeState(); held != 2 || peak != 2 {
		t.Fatalf("second takeState held %d peak %d, want 2, 2", held, peak)
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
	if _, held, _, peak := g.takeState(); held != 3 || peak != 3 {
		t.Fatalf("after a grant: held %d peak %d, want 3, 3", held, peak)
	}
}
