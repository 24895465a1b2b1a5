package pool_test

import (
	"context"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/pool"
	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// quietAdaptive is the default policy with a tick too long to fire during a
// test, so that only the test (and OnQueue) moves the target.
func quietAdaptive() *adaptive.Config {
	c := adaptive.DefaultConfig(1, 2)
	c.Interval = time.Hour
	c.DownStableFor = time.Hour
	return &c
}

func adaptivePool(t testing.TB, db *fakeDB, maxConns int32) *pool.Pool[int] {
	t.Helper()
	cfg := db.config()
	cfg.MaxConns = maxConns
	cfg.Adaptive = quietAdaptive()
	return newPool(t, cfg)
}

func TestAdaptiveTargetStartsAtMinAndGrowsOnQueue(t *testing.T) {
	db := &fakeDB{}
	p := adaptivePool(t, db, 8)
	if got := p.Stat().TargetConns(); got != 1 {
		t.Fatalf("initial target = %d, want 1 (MinConns 0 counts as 1)", got)
	}
	held := mustAcquire(t, p)
	c := mustAcquire(t, p) // queues; OnQueue must raise the target at once
	s := p.Stat()
	if s.TargetConns() < 2 || s.Resizes() != 1 || s.LastResizeReason() == "" {
		t.Errorf("after a queued acquire: target %d, resizes %d, reason %q", s.TargetConns(), s.Resizes(), s.LastResizeReason())
	}
	c.Release()
	held.Release()
	p.Evaluate() // a periodic tick must not fail either
}

func TestAdaptiveConfigErrors(t *testing.T) {
	db := &fakeDB{}
	cfg := db.config()
	bad := adaptive.DefaultConfig(1, 4)
	bad.Interval = 0
	cfg.Adaptive = &bad
	if p, err := pool.New(cfg); err == nil {
		p.Close()
		t.Fatal("New accepted an adaptive config with Interval 0")
	}
	cfg.Adaptive = &adaptive.Config{} // zero: the default policy
	p := newPool(t, cfg)
	if got := p.Stat().TargetConns(); got != 1 {
		t.Errorf("target = %d, want 1", got)
	}
}

func TestShrinkClosesIdleConnectionsAboveTarget(t *testing.T) {
	db := &fakeDB{}
	p := adaptivePool(t, db, 8)
	p.SetTarget(8)
	var conns []*pool.Conn[int]
	for range 6 {
		conns = append(conns, mustAcquire(t, p))
	}
	for _, c := range conns {
		c.Release()
	}
	p.SetTarget(2)
	// puddle counts a connection until its destructor has returned.
	waitFor(t, "4 destructors", func() bool { return db.destroyed.Load() == 4 && p.Stat().TotalConns() == 2 })
	if s := p.Stat(); s.TotalConns() != 2 || s.Destroyed(pool.ReasonShrink) != 4 || s.TargetConns() != 2 {
		t.Errorf("TotalConns, Destroyed(shrink), TargetConns = %d, %d, %d; want 2, 4, 2",
			s.TotalConns(), s.Destroyed(pool.ReasonShrink), s.TargetConns())
	}
}

func TestReleaseAboveTargetDestroys(t *testing.T) {
	db := &fakeDB{}
	p := adaptivePool(t, db, 8)
	p.SetTarget(4)
	var conns []*pool.Conn[int]
	for range 4 {
		conns = append(conns, mustAcquire(t, p))
	}
	p.SetTarget(2)
	if limit, held, _ := p.GateState(); limit != 2 || held != 4 {
		t.Fatalf("gate limit, held = %d, %d; want 2, 4 (nobody is preempted)", limit, held)
	}
	for _, c := range conns {
		c.Release()
	}
	waitFor(t, "2 destructors", func() bool { return db.destroyed.Load() == 2 && p.Stat().TotalConns() == 2 })
	if s := p.Stat(); s.IdleConns() != 2 || s.Destroyed(pool.ReasonShrink) != 2 {
		t.Errorf("IdleConns, Destroyed(shrink) = %d, %d; want 2, 2", s.IdleConns(), s.Destroyed(pool.ReasonShrink))
	}
}

func TestWaitersSurviveShrinkThenGrow(t *testing.T) {
	db := &fakeDB{}
	p := adaptivePool(t, db, 4) // OnQueue cannot grow past 4
	p.SetTarget(4)
	var held []*pool.Conn[int]
	for range 4 {
		held = append(held, mustAcquire(t, p))
	}
	const waiters = 8
	var wg sync.WaitGroup
	var got atomic.Int32
	for range waiters {
		wg.Go(func() {
			c, err := p.Acquire(ctxT(t))
			if err != nil {
				t.Errorf("waiter: %v", err)
				return
			}
			got.Add(1)
			c.Release()
		})
	}
	waitFor(t, "queued waiters", func() bool { _, _, w := p.GateState(); return w == waiters })
	p.SetTarget(1)
	for _, c := range held {
		c.Release()
	}
	p.SetTarget(4)
	wg.Wait()
	if got.Load() != waiters {
		t.Errorf("%d of %d waiters got a connection", got.Load(), waiters)
	}
	if _, h, w := p.GateState(); h != 0 || w != 0 {
		t.Errorf("gate held %d, waiting %d after all released", h, w)
	}
}

// TestGateStress moves the target up and down as fast as it can while 64
// goroutines acquire, release and destroy. No more than MaxConns may ever
// be alive, no waiter may starve, and everything must be closed at the end.
func TestGateStress(t *testing.T) {
	const maxConns, clients = 8, 64
	iterations := 300
	if testing.Short() {
		iterations = 50
	}
	db := &fakeDB{}
	cfg := db.config()
	cfg.MaxConns = maxConns
	cfg.MinConns = 2
	cfg.Adaptive = quietAdaptive()
	cfg.ConnectTimeout = 20 * time.Second
	p, err := pool.New(cfg)
	if err != nil {
		t.Fatal(err)
	}

	stop := make(chan struct{})
	resized := make(chan struct{})
	go func() {
		defer close(resized)
		for {
			select {
			case <-stop:
				p.SetTarget(maxConns)
				return
			default:
				p.SetTarget(1 + rand.IntN(maxConns))
			}
		}
	}()
	var wg sync.WaitGroup
	var failures atomic.Int64
	for i := range clients {
		wg.Go(func() {
			for j := range iterations {
				c, err := p.Acquire(context.Background())
				if err != nil {
					failures.Add(1)
					t.Errorf("client %d: %v", i, err)
					return
				}
				c.ObserveOperation(time.Microsecond, nil)
				if j%17 == 0 {
					c.Destroy(pool.ReasonBroken)
				} else {
					c.Release()
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-resized
	p.Close()

	if failures.Load() > 0 {
		t.Fatalf("%d clients failed", failures.Load())
	}
	if m := db.maxAlive.Load(); m > maxConns {
		t.Errorf("%d connections alive at once, MaxConns is %d", m, maxConns)
	}
	if db.alive.Load() != 0 {
		t.Errorf("%d connections alive after Close", db.alive.Load())
	}
	s := p.Stat()
	if want := int64(clients * iterations); s.AcquireCount() != want {
		t.Errorf("AcquireCount = %d, want %d", s.AcquireCount(), want)
	}
	if s.Resizes() < 2 {
		t.Errorf("only %d resizes happened", s.Resizes())
	}
}

// TestIdlePoolShrinksDespiteBurstWaits: the waits of a finished burst must
// not hold an idle pool at its burst size (the policy sees the mean wait of
// each tick's period, not a window that only new acquires would flush).
func TestIdlePoolShrinksDespiteBurstWaits(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MaxConns, cfg.Now = 2, clock.Now
	ad := adaptive.DefaultConfig(1, 2)
	cfg.Adaptive = &ad // background ticks see the fake clock stand still
	p := newPool(t, cfg)
	p.SetTarget(2)
	a, b := mustAcquire(t, p), mustAcquire(t, p)
	got := make(chan *pool.Conn[int])
	go func() { got <- mustAcquire(t, p) }() // waits: the pool is at MaxConns
	waitFor(t, "a queued acquirer", func() bool { _, _, waiting := p.GateState(); return waiting == 1 })
	time.Sleep(60 * time.Millisecond) // a long wait, so the recent-waits mean is far above DownWait
	a.Release()
	c := <-got
	b.Release()
	c.Release()
	if mean := p.Stat().WaitP95(); mean < 50*time.Millisecond {
		t.Fatalf("recent wait p95 = %v, want ≥ 50ms (the test needs a long wait on record)", mean)
	}
	p.Evaluate() // closes the period that holds the wait
	before := p.Stat().TargetConns()
	for range 25 {
		clock.Advance(time.Second)
		p.Evaluate()
	}
	if s := p.Stat(); before != 2 || s.TargetConns() != 1 {
		t.Fatalf("target %d before the idle ticks, %d after 25 idle seconds; want 2 then 1 (reason %q)",
			before, s.TargetConns(), s.LastResizeReason())
	}
}
