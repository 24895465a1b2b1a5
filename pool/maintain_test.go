package pool_test

import (
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/pool"
)

func TestIdleConnectionsAboveMinAreClosed(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MinConns = 1
	cfg.MaxConnIdleTime = time.Minute
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	waitFor(t, "the warm connection", func() bool { return p.Stat().IdleConns() == 1 })

	conns := []*pool.Conn[int]{mustAcquire(t, p), mustAcquire(t, p), mustAcquire(t, p)}
	for _, c := range conns {
		c.Release()
	}
	clock.Advance(30 * time.Second)
	p.HealthCheck()
	if got := p.Stat().TotalConns(); got != 3 {
		t.Fatalf("after 30s idle: %d connections, want 3", got)
	}
	clock.Advance(time.Minute)
	p.HealthCheck()
	waitFor(t, "destructors", func() bool { return db.destroyed.Load() == 2 && p.Stat().TotalConns() == 1 })
	s := p.Stat()
	if s.TotalConns() != 1 || s.Destroyed(pool.ReasonIdle) != 2 {
		t.Errorf("TotalConns, Destroyed(idle) = %d, %d; want 1, 2", s.TotalConns(), s.Destroyed(pool.ReasonIdle))
	}
}

func TestLifetimeIsJitteredAndRecycled(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MaxConns = 10
	cfg.MaxConnLifetime = time.Hour
	cfg.LifetimeJitter = 0.5
	cfg.Now = clock.Now
	p := newPool(t, cfg)

	seen := map[time.Time]bool{}
	var conns []*pool.Conn[int]
	for range 10 {
		c := mustAcquire(t, p)
		conns = append(conns, c)
		exp, created := c.ExpiresAt(), c.CreatedAt()
		if exp.Before(created.Add(30*time.Minute)) || exp.After(created.Add(time.Hour)) {
			t.Errorf("expiry %v not within [30m, 1h] of creation", exp.Sub(created))
		}
		seen[exp] = true
	}
	if len(seen) < 9 {
		t.Errorf("only %d distinct expiry times among 10 connections", len(seen))
	}
	for _, c := range conns[1:] {
		c.Release()
	}
	clock.Advance(time.Hour)
	p.HealthCheck()
	conns[0].Release() // past its lifetime: destroyed, not returned
	waitFor(t, "destructors", func() bool { return db.destroyed.Load() == 10 && p.Stat().TotalConns() == 0 })
	if s := p.Stat(); s.Destroyed(pool.ReasonLifetime) != 10 || s.TotalConns() != 0 {
		t.Errorf("Destroyed(lifetime), TotalConns = %d, %d; want 10, 0", s.Destroyed(pool.ReasonLifetime), s.TotalConns())
	}
}

func TestAcquireSkipsExpiredIdleConnection(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MaxConnLifetime = time.Minute
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	c := mustAcquire(t, p)
	old := c.Value()
	c.Release()
	clock.Advance(time.Hour)
	c = mustAcquire(t, p)
	defer c.Release()
	if c.Value() == old {
		t.Error("Acquire returned a connection past its lifetime")
	}
	if got := p.Stat().Destroyed(pool.ReasonLifetime); got != 1 {
		t.Errorf("Destroyed(lifetime) = %d, want 1", got)
	}
}

func TestHealthCheckReplacesDeadConnections(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MinConns = 3
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	waitFor(t, "3 warm connections", func() bool { return p.Stat().IdleConns() == 3 })

	p.HealthCheck() // all were just created: no ping
	if got := db.pings.Load(); got != 0 {
		t.Errorf("pinged %d fresh connections", got)
	}
	db.kill(1)
	db.kill(2)
	clock.Advance(2 * time.Second)
	p.HealthCheck()
	if got := db.pings.Load(); got != 3 {
		t.Errorf("pinged %d connections, want 3", got)
	}
	waitFor(t, "3 healthy connections", func() bool {
		s := p.Stat()
		return s.IdleConns() == 3 && s.NewConnsCount() == 5
	})
	if got := p.Stat().Destroyed(pool.ReasonHealthCheck); got != 2 {
		t.Errorf("Destroyed(health-check) = %d, want 2", got)
	}
}

// TestTopUpAfterSlowDestructors: puddle counts a connection until its
// destructor has returned, so a top-up right after a health check destroyed
// dead connections finds the pool full; it must retry, not give up until
// the next health check.
func TestTopUpAfterSlowDestructors(t *testing.T) {
	db := &fakeDB{destructDelay: 200 * time.Millisecond}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MinConns = 3
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	waitFor(t, "3 warm connections", func() bool { return p.Stat().IdleConns() == 3 })
	db.kill(1)
	db.kill(2)
	clock.Advance(2 * time.Second)
	p.HealthCheck() // destroys 1 and 2; puddle counts them for 200 ms more
	waitFor(t, "3 healthy connections", func() bool {
		s := p.Stat()
		return s.IdleConns() == 3 && s.TotalConns() == 3
	})
}

func TestKeepAlivePingsWithoutResettingIdleTime(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MinConns = 1
	cfg.KeepAlivePeriod = time.Hour // the real ticker then stays out of the way
	cfg.MaxConnIdleTime = 90 * time.Minute
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	waitFor(t, "the warm connection", func() bool { return p.Stat().IdleConns() == 1 })
	a, b := mustAcquire(t, p), mustAcquire(t, p)
	a.Release()
	b.Release()

	clock.Advance(30 * time.Minute)
	p.KeepAlive()
	if got := db.pings.Load(); got != 0 {
		t.Fatalf("pinged %d connections used 30m ago, want 0", got)
	}
	clock.Advance(31 * time.Minute)
	p.KeepAlive()
	p.KeepAlive() // just pinged: nothing more to do
	if got := db.pings.Load(); got != 2 {
		t.Fatalf("pinged %d times after 61m idle, want 2", got)
	}
	clock.Advance(30 * time.Minute) // 91m since last use, 30m since the ping
	p.HealthCheck()
	if got := p.Stat().Destroyed(pool.ReasonIdle); got != 1 {
		t.Errorf("Destroyed(idle) = %d, want 1: a ping must not count as use", got)
	}
}

func TestStaleConnectionIsPingedOnAcquire(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.KeepAlivePeriod = time.Hour
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	c := mustAcquire(t, p)
	stale := c.Value()
	c.Release()
	db.kill(stale)
	clock.Advance(3 * time.Hour) // the keep-alive evidently never ran
	c = mustAcquire(t, p)
	defer c.Release()
	if c.Value() == stale || db.pings.Load() != 1 {
		t.Errorf("got connection %d after %d pings; want a fresh one after 1 ping", c.Value(), db.pings.Load())
	}
	if got := p.Stat().Destroyed(pool.ReasonHealthCheck); got != 1 {
		t.Errorf("Destroyed(health-check) = %d, want 1", got)
	}
}

func TestMaintenanceLoopRunsInBackground(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	cfg := db.config()
	cfg.MinConns = 2
	cfg.HealthCheckPeriod = 5 * time.Millisecond
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	waitFor(t, "2 warm connections", func() bool { return p.Stat().IdleConns() == 2 })
	db.kill(1)
	waitFor(t, "the background health check to replace connection 1", func() bool {
		clock.Advance(time.Second)
		s := p.Stat()
		return s.Destroyed(pool.ReasonHealthCheck) == 1 && s.IdleConns() == 2
	})
}
