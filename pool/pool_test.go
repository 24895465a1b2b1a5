package pool_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/pool"
)

func TestNewRejectsInvalidConfig(t *testing.T) {
	db := &fakeDB{}
	tests := []struct {
		name  string
		edit  func(c *pool.Config[int])
		field string
	}{
		{"nil constructor", func(c *pool.Config[int]) { c.Constructor = nil }, "Constructor"},
		{"negative max", func(c *pool.Config[int]) { c.MaxConns = -1 }, "MaxConns -1"},
		{"negative min", func(c *pool.Config[int]) { c.MinConns = -1 }, "MinConns -1"},
		{"min above max", func(c *pool.Config[int]) { c.MinConns = 5 }, "MinConns 5"},
		{"negative idle time", func(c *pool.Config[int]) { c.MaxConnIdleTime = -time.Second }, "MaxConnIdleTime -1s"},
		{"negative lifetime", func(c *pool.Config[int]) { c.MaxConnLifetime = -time.Second }, "MaxConnLifetime -1s"},
		{"jitter of 1", func(c *pool.Config[int]) { c.LifetimeJitter = 1 }, "LifetimeJitter 1"},
		{"negative health period", func(c *pool.Config[int]) { c.HealthCheckPeriod = -1 }, "HealthCheckPeriod"},
		{"negative keep-alive", func(c *pool.Config[int]) { c.KeepAlivePeriod = -1 }, "KeepAlivePeriod"},
		{"negative connect timeout", func(c *pool.Config[int]) { c.ConnectTimeout = -1 }, "ConnectTimeout"},
		{"negative leak threshold", func(c *pool.Config[int]) { c.LeakThreshold = -1 }, "LeakThreshold"},
		{"negative breaker failures", func(c *pool.Config[int]) { c.Breaker.Failures = -2 }, "Breaker.Failures -2"},
		{"negative loss window", func(c *pool.Config[int]) { c.Breaker.LossWindow = -1 }, "Breaker.LossWindow"},
		{"negative probe interval", func(c *pool.Config[int]) { c.Breaker.ProbeInterval = -1 }, "Breaker.ProbeInterval"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := db.config()
			tt.edit(&cfg)
			p, err := pool.New(cfg)
			if err == nil {
				p.Close()
				t.Fatal("New accepted an invalid config")
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "turso-pooled: pool:") || !strings.Contains(msg, tt.field) || !strings.Contains(msg, "accepted") {
				t.Errorf("error %q should start with the prefix, name %q and say what is accepted", msg, tt.field)
			}
		})
	}
}

func TestNewAppliesDefaults(t *testing.T) {
	db := &fakeDB{}
	p := newPool(t, pool.Config[int]{Constructor: db.construct})
	s := p.Stat()
	if s.MaxConns() != pool.DefaultMaxConns || s.TargetConns() != pool.DefaultMaxConns {
		t.Errorf("MaxConns, TargetConns = %d, %d; want %d", s.MaxConns(), s.TargetConns(), pool.DefaultMaxConns)
	}
	if s.BreakerState() != pool.BreakerClosed {
		t.Errorf("BreakerState = %q, want closed", s.BreakerState())
	}
}

func TestAcquireReleaseReusesConnection(t *testing.T) {
	db := &fakeDB{}
	p := newPool(t, db.config())

	c := mustAcquire(t, p)
	first := c.Value()
	if c.AcquiredAt().IsZero() || c.CreatedAt().IsZero() {
		t.Error("AcquiredAt or CreatedAt is zero")
	}
	c.Release()
	c.Release() // a second Release is a no-op
	c = mustAcquire(t, p)
	if c.Value() != first {
		t.Errorf("second Acquire got connection %d, want the released %d", c.Value(), first)
	}
	c.Release()

	s := p.Stat()
	for name, got := range map[string]int64{
		"NewConnsCount":     s.NewConnsCount(),
		"HandshakesSaved":   s.HandshakesSaved(),
		"EmptyAcquireCount": s.EmptyAcquireCount(),
		"IdleConns":         int64(s.IdleConns()),
		"TotalConns":        int64(s.TotalConns()),
	} {
		if got != 1 {
			t.Errorf("%s = %d, want 1", name, got)
		}
	}
	if s.AcquireCount() != 2 || s.AcquireDuration() <= 0 {
		t.Errorf("AcquireCount, AcquireDuration = %d, %v; want 2 and > 0", s.AcquireCount(), s.AcquireDuration())
	}
	if db.dials.Load() != 1 {
		t.Errorf("dialed %d times, want 1", db.dials.Load())
	}
}

func TestMinConnsArePrewarmedInBackground(t *testing.T) {
	db := &fakeDB{}
	unblock := make(chan struct{})
	db.setFail(func(_ int64, ctx context.Context) error {
		select {
		case <-unblock:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	cfg := db.config()
	cfg.MinConns = 3
	p := newPool(t, cfg) // must return although every dial blocks

	waitFor(t, "3 dials in flight", func() bool { return p.Stat().ConstructingConns() == 3 })
	close(unblock)
	waitFor(t, "3 idle connections", func() bool { return p.Stat().IdleConns() == 3 })
	c := mustAcquire(t, p)
	c.Release()
	if s := p.Stat(); s.HandshakesSaved() != 1 || s.NewConnsCount() != 3 {
		t.Errorf("HandshakesSaved, NewConnsCount = %d, %d; want 1, 3", s.HandshakesSaved(), s.NewConnsCount())
	}
}

func TestDestroyCountsByReason(t *testing.T) {
	reasons := []struct {
		reason pool.DestroyReason
		name   string
	}{
		{pool.ReasonBroken, "broken"}, {pool.ReasonInTx, "in-tx"}, {pool.ReasonLifetime, "lifetime"},
		{pool.ReasonIdle, "idle"}, {pool.ReasonHealthCheck, "health-check"}, {pool.ReasonShrink, "shrink"},
		{pool.ReasonClosed, "closed"}, {pool.ReasonOther, "other"},
	}
	for _, tt := range reasons {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.reason.String(); got != tt.name {
				t.Errorf("String() = %q, want %q", got, tt.name)
			}
			db := &fakeDB{}
			p := newPool(t, db.config())
			c := mustAcquire(t, p)
			c.Destroy(tt.reason)
			c.Destroy(tt.reason) // no-op
			waitFor(t, "destructor", func() bool { return db.destroyed.Load() == 1 })
			s := p.Stat()
			if s.Destroyed(tt.reason) != 1 || s.DestroyedTotal() != 1 {
				t.Errorf("Destroyed(%v), DestroyedTotal = %d, %d; want 1, 1", tt.reason, s.Destroyed(tt.reason), s.DestroyedTotal())
			}
		})
	}
	if got := pool.DestroyReason(42).String(); got != "DestroyReason(42)" {
		t.Errorf("unknown reason String() = %q", got)
	}
}

func TestObserveOperationFeedsStat(t *testing.T) {
	db := &fakeDB{}
	p := newPool(t, db.config())
	c := mustAcquire(t, p)
	for i := 1; i <= 100; i++ {
		var err error
		if i%10 == 0 {
			err = errors.New("boom")
		}
		c.ObserveOperation(time.Duration(i)*time.Millisecond, err)
	}
	c.Release()
	s := p.Stat()
	if s.OpCount() != 100 || s.OpErrorCount() != 10 {
		t.Errorf("OpCount, OpErrorCount = %d, %d; want 100, 10", s.OpCount(), s.OpErrorCount())
	}
	if s.OpLatencyP50() != 50*time.Millisecond || s.OpLatencyP95() != 95*time.Millisecond {
		t.Errorf("OpLatencyP50, P95 = %v, %v; want 50ms, 95ms", s.OpLatencyP50(), s.OpLatencyP95())
	}
}

func TestCloseDestroysEverythingAndRejectsAcquire(t *testing.T) {
	db := &fakeDB{}
	cfg := db.config()
	cfg.MinConns = 2
	cfg.MaxConns = 2
	p, err := pool.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "2 idle", func() bool { return p.Stat().IdleConns() == 2 })
	held := mustAcquire(t, p)
	held2 := mustAcquire(t, p)
	held2.Release()

	held2 = mustAcquire(t, p)
	waiterErr := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctxT(t))
		waiterErr <- err
	}()
	waitFor(t, "a queued waiter", func() bool { _, _, w := p.GateState(); return w == 1 })

	closed := make(chan struct{})
	go func() { p.Close(); close(closed) }()
	if err := <-waiterErr; !errors.Is(err, pool.ErrClosed) {
		t.Errorf("waiter got %v, want ErrClosed", err)
	}
	select {
	case <-closed:
		t.Fatal("Close returned while a connection was still acquired")
	default:
	}
	held.Release()
	held2.Release()
	<-closed
	p.Close() // idempotent

	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, pool.ErrClosed) {
		t.Errorf("Acquire after Close = %v, want ErrClosed", err)
	}
	if db.alive.Load() != 0 || db.destroyed.Load() != db.made.Load() {
		t.Errorf("after Close: alive %d, destroyed %d of %d made", db.alive.Load(), db.destroyed.Load(), db.made.Load())
	}
	if got := p.Stat().Destroyed(pool.ReasonClosed); got != 2 {
		t.Errorf("Destroyed(ReasonClosed) = %d, want 2", got)
	}
}
