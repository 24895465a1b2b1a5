package pool

import (
	"context"
	"sync"
	"sync/atomic"
)

// gate is a FIFO counting semaphore whose capacity (the target) can change
// at any time. It sits in front of puddle's Acquire, whose own capacity is
// fixed at MaxConns.
//
// held may exceed limit after a shrink: nobody is preempted, and waiters are
// granted again once enough permits come back. Every path that lowers held
// or raises limit calls grantLocked, so a waiter cannot be left behind while
// a permit is free.
type gate struct {
	mu      sync.Mutex
	limit   int
	held    int
	peak    int       // highest held since the last takePeak
	waiters []*waiter // FIFO
	closed  bool

	// queued mirrors len(waiters) for lock-free reads (Pool.Contended).
	queued atomic.Int32
}

// waiter is one blocked acquire. ch receives exactly one value: the grant,
// or the close of the gate (then closed is set before the send).
type waiter struct {
	ch     chan struct{}
	closed bool
}

func newGate(limit int) *gate { return &gate{limit: limit} }

// tryAcquire takes a permit if one is free and nobody is queued.
func (g *gate) tryAcquire() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.closed || g.held >= g.limit || len(g.waiters) > 0 {
		return false
	}
	g.hold()
	return true
}

// acquire takes a permit, waiting in FIFO order when none is free. queued,
// if not nil, is called once (without the lock) after the caller joined the
// queue, with the queue length.
func (g *gate) acquire(ctx context.Context, queued func(n int)) error {
	g.mu.Lock()
	if g.closed {
		g.mu.Unlock()
		return ErrClosed
	}
	if g.held < g.limit && len(g.waiters) == 0 {
		g.hold()
		g.mu.Unlock()
		return nil
	}
	w := &waiter{ch: make(chan struct{}, 1)}
	g.waiters = append(g.waiters, w)
	n := len(g.waiters)
	g.queued.Store(int32(n))
	g.mu.Unlock()

	if queued != nil {
		queued(n)
	}
	select {
	case <-w.ch:
		if w.closed {
			return ErrClosed
		}
		return nil
	case <-ctx.Done():
		return g.abandon(w, ctx.Err())
	}
}

// abandon removes a waiter whose context ended. If it was granted in the
// meantime the permit is passed on.
func (g *gate) abandon(w *waiter, err error) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	select {
	case <-w.ch:
		if !w.closed {
			g.held--
			g.grantLocked()
		}
	default:
		for i, x := range g.waiters {
			if x == w {
				copy(g.waiters[i:], g.waiters[i+1:])
				g.waiters[len(g.waiters)-1] = nil
				g.waiters = g.waiters[:len(g.waiters)-1]
				g.queued.Store(int32(len(g.waiters)))
				break
			}
		}
	}
	return err
}

// release returns a permit.
func (g *gate) release() {
	g.mu.Lock()
	g.held--
	g.grantLocked()
	g.mu.Unlock()
}

// setLimit changes the capacity; growing wakes waiters at once.
func (g *gate) setLimit(n int) {
	g.mu.Lock()
	g.limit = n
	g.grantLocked()
	g.mu.Unlock()
}

// close wakes every waiter with ErrClosed and rejects later acquires.
// Permits still held may be released afterwards.
func (g *gate) close() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.closed = true
	for i, w := range g.waiters {
		w.closed = true
		w.ch <- struct{}{}
		g.waiters[i] = nil
	}
	g.waiters = nil
	g.queued.Store(0)
}

// state returns the capacity, the permits held and the queue length.
func (g *gate) state() (limit, held, waiting int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.limit, g.held, len(g.waiters)
}

// takePeak returns the highest number of permits held at once since its
// previous call (at least the number held now), and starts the next period
// at the number held now.
func (g *gate) takePeak() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	peak := max(g.peak, g.held)
	g.peak = g.held
	return peak
}

// hold takes a permit and records the peak.
//
// WARNING: the caller must hold g.mu.
func (g *gate) hold() {
	g.held++
	g.peak = max(g.peak, g.held)
}

// grantLocked hands free permits to waiters in FIFO order.
//
// WARNING: the caller must hold g.mu.
func (g *gate) grantLocked() {
	for g.held < g.limit && len(g.waiters) > 0 && !g.closed {
		w := g.waiters[0]
		g.waiters[0] = nil
		g.waiters = g.waiters[1:]
		g.hold()
		w.ch <- struct{}{}
	}
	g.queued.Store(int32(len(g.waiters)))
}
