package tursotest

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// limiter bounds the number of statements executing at once. Its limit can
// change while it is in use; 0 means unlimited.
type limiter struct {
	mu      sync.Mutex
	limit   int
	active  int
	peak    int // highest active, for tests
	waiters []chan struct{}

	contention atomic.Int64 // time.Duration each statement waiting adds to an admitted one
}

// setContention sets the slot time each waiting statement adds to every
// statement admitted while it waits; 0 removes it.
func (l *limiter) setContention(d time.Duration) {
	l.contention.Store(int64(max(d, 0)))
}

// penalty is the extra slot time of a statement admitted now: the
// contention per waiter times the statements still waiting for a slot.
func (l *limiter) penalty() time.Duration {
	per := time.Duration(l.contention.Load())
	if per == 0 {
		return 0
	}
	l.mu.Lock()
	n := len(l.waiters)
	l.mu.Unlock()
	return per * time.Duration(n)
}

// setLimit changes the limit and admits waiters that now fit.
func (l *limiter) setLimit(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.limit = max(n, 0)
	l.wakeLocked()
}

// acquire waits for a slot or for ctx to end.
func (l *limiter) acquire(ctx context.Context) error {
	l.mu.Lock()
	if l.limit == 0 || l.active < l.limit {
		l.active++
		l.peak = max(l.peak, l.active)
		l.mu.Unlock()
		return nil
	}
	ch := make(chan struct{})
	l.waiters = append(l.waiters, ch)
	l.mu.Unlock()
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		l.mu.Lock()
		defer l.mu.Unlock()
		for i, w := range l.waiters {
			if w == ch {
				l.waiters = append(l.waiters[:i], l.waiters[i+1:]...)
				return ctx.Err()
			}
		}
		// Admitted concurrently with the cancellation: give the slot back.
		l.active--
		l.wakeLocked()
		return ctx.Err()
	}
}

// release frees a slot taken by acquire.
func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.active--
	l.wakeLocked()
}

// wakeLocked admits waiters in arrival order while slots are free.
func (l *limiter) wakeLocked() {
	for len(l.waiters) > 0 && (l.limit == 0 || l.active < l.limit) {
		l.active++
		l.peak = max(l.peak, l.active)
		close(l.waiters[0])
		l.waiters = l.waiters[1:]
	}
}

// faults holds the state of the fault controls.
type faults struct {
	delay       atomic.Int64 // time.Duration added before each request
	failLeft    atomic.Int64 // requests still to fail
	failStatus  atomic.Int64 // HTTP status of failed requests
	refuseUntil atomic.Int64 // unix nanoseconds; new connections closed before it
}

// takeFailure reports whether the current request must fail, and with which
// HTTP status.
func (f *faults) takeFailure() (int, bool) {
	for {
		n := f.failLeft.Load()
		if n <= 0 {
			return 0, false
		}
		if f.failLeft.CompareAndSwap(n, n-1) {
			return int(f.failStatus.Load()), true
		}
	}
}

// refusing reports whether new connections are refused now.
func (f *faults) refusing() bool {
	return time.Now().UnixNano() < f.refuseUntil.Load()
}

// wait sleeps for the configured request delay, or until ctx ends.
func (f *faults) wait(ctx context.Context) error {
	return sleepCtx(ctx, time.Duration(f.delay.Load()))
}

// sleepCtx sleeps for d (nothing when d ≤ 0), or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// peakActive returns the highest number of slots held at once.
func (l *limiter) peakActive() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.peak
}
