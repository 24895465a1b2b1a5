package pool_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/turso-pooled/tursopooled/pool"
)

// errRefused is the dial error of a server that is down.
var errRefused = errors.New("connection refused")

// switchable makes db's dials fail with errRefused while down is set, and
// records how many dials ran at once at most.
type switchable struct {
	down             atomic.Bool
	inFlight, maxFly atomic.Int64
}

func (s *switchable) install(db *fakeDB) {
	db.setFail(func(int64, context.Context) error {
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for m := s.maxFly.Load(); n > m && !s.maxFly.CompareAndSwap(m, n); m = s.maxFly.Load() {
		}
		if s.down.Load() {
			return errRefused
		}
		return nil
	})
}

// testWindow is the breakers' LossWindow in these tests, on the fake clock.
const testWindow = 100 * time.Millisecond

// breakerConfig is db.config() with the breaker opening after failures
// dials in a row, probing every interval, on clock.
func breakerConfig(db *fakeDB, clock *fakeClock, failures int, interval time.Duration) pool.Config[int] {
	cfg := db.config()
	cfg.ConnectTimeout = time.Minute
	cfg.Breaker = pool.BreakerConfig{Failures: failures, LossWindow: testWindow, ProbeInterval: interval}
	cfg.Now = clock.Now
	return cfg
}

// openBreaker makes failing Acquire calls one after the other, advancing
// clock past any loss window after each, until the breaker is open.
func openBreaker(t *testing.T, p *pool.Pool[int], clock *fakeClock) {
	t.Helper()
	for range 10 {
		if p.Stat().BreakerState() != pool.BreakerClosed {
			return
		}
		if _, err := p.Acquire(ctxT(t)); err == nil {
			t.Fatal("Acquire succeeded; the dial should fail")
		}
		clock.Advance(testWindow)
	}
	t.Fatalf("the breaker is still %s after 10 failed dials", p.Stat().BreakerState())
}

// waitClosed waits at most 10 s for ch to be closed.
func waitClosed(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}

// TestBreakerSequentialFailuresOpenIt: dials that fail one after the other
// count, the breaker opens at the threshold, and callers then fail fast
// with a CircuitOpenError that wraps the dial error, while the pool probes
// in the background and no caller dials.
func TestBreakerSequentialFailuresOpenIt(t *testing.T) {
	db := &fakeDB{}
	var srv switchable
	srv.down.Store(true)
	srv.install(db)
	clock := newFakeClock()
	logs := &syncBuffer{}
	cfg := breakerConfig(db, clock, 3, time.Hour) // no probe during the test
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p := newPool(t, cfg)

	for i := range 3 {
		if _, err := p.Acquire(ctxT(t)); !errors.Is(err, errRefused) || errors.Is(err, pool.ErrCircuitOpen) {
			t.Fatalf("Acquire %d = %v, want the dial error", i, err)
		}
	}
	for range 5 {
		_, err := p.Acquire(ctxT(t))
		var open *pool.CircuitOpenError
		if !errors.As(err, &open) || !errors.Is(err, pool.ErrCircuitOpen) || !errors.Is(err, errRefused) {
			t.Fatalf("Acquire with the breaker open = %v, want *CircuitOpenError wrapping the dial error", err)
		}
		if open.Failures != 3 || !open.RetryAt.Equal(clock.Now().Add(time.Hour)) {
			t.Errorf("CircuitOpenError %+v, want 3 failures and the next probe an hour from now", *open)
		}
		if !strings.Contains(err.Error(), "circuit breaker open after 3 consecutive connection failures") {
			t.Errorf("Error() = %q", err)
		}
	}
	if got := db.dials.Load(); got != 3 {
		t.Errorf("%d dials, want 3: callers must not dial while the breaker is open", got)
	}
	if s := p.Stat(); s.BreakerState() != pool.BreakerOpen || s.BreakerOpens() != 1 {
		t.Errorf("BreakerState, BreakerOpens = %q, %d; want open, 1", s.BreakerState(), s.BreakerOpens())
	}
	if out := logs.String(); !strings.Contains(out, `level=WARN msg="turso-pooled: pool: circuit breaker open; probing in the background"`) {
		t.Errorf("log lacks the opening at Warn:\n%s", out)
	}
}

// TestBreakerFailuresAfterLossCountOnce: after an open connection is found
// broken, the dials that fail within LossWindow of the loss (callers
// dialing again in waves right after a restart of a few milliseconds)
// count as one failure; the ones after the window count again.
func TestBreakerFailuresAfterLossCountOnce(t *testing.T) {
	db := &fakeDB{}
	var srv switchable
	srv.install(db)
	clock := newFakeClock()
	p := newPool(t, breakerConfig(db, clock, 3, time.Hour))
	c := mustAcquire(t, p)
	srv.down.Store(true) // the server restarts: the connection is lost
	c.Destroy(pool.ReasonBroken)
	for i := range 10 {
		if _, err := p.Acquire(ctxT(t)); !errors.Is(err, errRefused) || errors.Is(err, pool.ErrCircuitOpen) {
			t.Fatalf("Acquire %d = %v, want the dial error", i, err)
		}
		clock.Advance(testWindow / 20)
	}
	if s := p.Stat().BreakerState(); s != pool.BreakerClosed {
		t.Fatalf("after 10 failures within %v of a lost connection the breaker is %s, want closed", testWindow, s)
	}
	clock.Advance(testWindow / 2) // past the window
	for i := range 2 {
		if _, err := p.Acquire(ctxT(t)); !errors.Is(err, errRefused) {
			t.Fatalf("Acquire %d after the window = %v, want the dial error", i, err)
		}
	}
	if s := p.Stat(); s.BreakerState() != pool.BreakerOpen || s.BreakerOpens() != 1 {
		t.Errorf("after 1 + 2 counted failures: BreakerState, BreakerOpens = %q, %d; want open, 1", s.BreakerState(), s.BreakerOpens())
	}
}

// TestBreakerConcurrentFailuresCountOnce: dials that run at the same time
// and fail together (in-flight calls all broken by one restart) count as
// one failure, however many there are; a dial started after them counts
// again.
func TestBreakerConcurrentFailuresCountOnce(t *testing.T) {
	const n = 4
	db := &fakeDB{}
	var started sync.WaitGroup
	started.Add(n)
	all := make(chan struct{})
	go func() { started.Wait(); close(all) }()
	var concurrent atomic.Bool
	db.setFail(func(int64, context.Context) error {
		if concurrent.Load() {
			started.Done()
			<-all // every dial has started before any fails
		}
		return errRefused
	})
	cfg := breakerConfig(db, newFakeClock(), 3, time.Hour)
	cfg.MaxConns = n
	p := newPool(t, cfg)

	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, errRefused) { // failure 1
		t.Fatalf("Acquire = %v, want the dial error", err)
	}
	concurrent.Store(true)
	errs := make(chan error, n)
	for range n {
		go func() {
			_, err := p.Acquire(ctxT(t))
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; !errors.Is(err, errRefused) || errors.Is(err, pool.ErrCircuitOpen) {
			t.Fatalf("concurrent Acquire = %v, want the dial error", err)
		}
	}
	concurrent.Store(false)
	if s := p.Stat().BreakerState(); s != pool.BreakerClosed {
		t.Fatalf("after 1 + %d concurrent failures the breaker is %s, want closed (they count as 2, threshold 3)", n, s)
	}
	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, errRefused) || errors.Is(err, pool.ErrCircuitOpen) { // failure 3
		t.Fatalf("sequential Acquire = %v, want the dial error", err)
	}
	if s := p.Stat(); s.BreakerState() != pool.BreakerOpen || s.BreakerOpens() != 1 {
		t.Errorf("after one more failure in sequence: BreakerState, BreakerOpens = %q, %d; want open, 1",
			s.BreakerState(), s.BreakerOpens())
	}
	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, pool.ErrCircuitOpen) {
		t.Errorf("Acquire after the breaker opened = %v, want ErrCircuitOpen", err)
	}
}

// TestBreakerProbeSuccessClosesIt: while the breaker is open the pool
// probes in the background, one dial at a time; the first probe that
// succeeds closes the breaker at once, and its connection goes to the
// pool, where the next caller finds it without dialing.
func TestBreakerProbeSuccessClosesIt(t *testing.T) {
	db := &fakeDB{}
	var srv switchable
	srv.down.Store(true)
	srv.install(db)
	logs := &syncBuffer{}
	clock := newFakeClock()
	cfg := breakerConfig(db, clock, 1, time.Millisecond)
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p := newPool(t, cfg)

	openBreaker(t, p, clock)
	opened := db.dials.Load()
	waitFor(t, "background probes", func() bool { return db.dials.Load() >= opened+3 })
	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, pool.ErrCircuitOpen) {
		t.Fatalf("Acquire while the probes fail = %v, want ErrCircuitOpen", err)
	}
	srv.down.Store(false)
	waitFor(t, "the probe's connection in the pool", func() bool { return p.Stat().IdleConns() == 1 })
	if s := p.Stat().BreakerState(); s != pool.BreakerClosed {
		t.Errorf("BreakerState after a successful probe = %q, want closed", s)
	}
	dials := db.dials.Load()
	c := mustAcquire(t, p)
	c.Release()
	if got := db.dials.Load(); got != dials {
		t.Errorf("Acquire dialed (%d dials, %d before): the probe's connection should have been in the pool", got, dials)
	}
	if m := srv.maxFly.Load(); m != 1 {
		t.Errorf("up to %d dials ran at once, want 1 (one probe at a time)", m)
	}
	if s := p.Stat(); s.BreakerOpens() != 1 {
		t.Errorf("BreakerOpens = %d, want 1 (failed probes keep it open, they do not re-open it)", s.BreakerOpens())
	}
	if out := logs.String(); !strings.Contains(out, `level=INFO msg="turso-pooled: pool: circuit breaker closed"`) {
		t.Errorf("log lacks the closing at Info:\n%s", out)
	}
}

// TestBreakerHalfOpenDuringProbe: while the probe's dial is in flight the
// breaker is half-open and callers still fail fast; the probe's success
// closes it and serves the next caller.
func TestBreakerHalfOpenDuringProbe(t *testing.T) {
	db := &fakeDB{}
	probing := make(chan struct{})
	finish := make(chan struct{})
	var up atomic.Bool
	var probeDial atomic.Int64
	db.setFail(func(n int64, ctx context.Context) error {
		if !up.Load() {
			return errRefused
		}
		probeDial.Store(n)
		close(probing) // a second probe would panic here
		<-finish
		return nil
	})
	clock := newFakeClock()
	p := newPool(t, breakerConfig(db, clock, 1, time.Millisecond))
	openBreaker(t, p, clock)
	up.Store(true) // the next probe hangs until finish is closed
	waitClosed(t, probing, "a background probe")
	if s := p.Stat().BreakerState(); s != pool.BreakerHalfOpen {
		t.Errorf("BreakerState during the probe = %q, want half-open", s)
	}
	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, pool.ErrCircuitOpen) {
		t.Errorf("Acquire during the probe = %v, want ErrCircuitOpen", err)
	}
	close(finish)
	waitFor(t, "the probe's connection in the pool", func() bool { return p.Stat().IdleConns() == 1 })
	if s := p.Stat().BreakerState(); s != pool.BreakerClosed {
		t.Errorf("BreakerState after the probe succeeded = %q, want closed", s)
	}
	c := mustAcquire(t, p)
	if want := probeDial.Load(); int64(c.Value()) != want {
		t.Errorf("Acquire got connection %d, want the probe's (%d)", c.Value(), want)
	}
	c.Release()
}

// TestBreakerTopsUpAfterClosing: connections lost while the breaker was
// open are dialed back up to MinConns as soon as it closes.
func TestBreakerTopsUpAfterClosing(t *testing.T) {
	db := &fakeDB{}
	var srv switchable
	srv.down.Store(true)
	srv.install(db)
	clock := newFakeClock()
	cfg := breakerConfig(db, clock, 1, time.Millisecond)
	cfg.MinConns = 3
	p := newPool(t, cfg)
	openBreaker(t, p, clock)
	srv.down.Store(false)
	// At least MinConns: a background dial admitted before the breaker
	// opened may still land after the probe.
	waitFor(t, "MinConns connections", func() bool { return p.Stat().IdleConns() >= 3 })
	if s := p.Stat().BreakerState(); s != pool.BreakerClosed {
		t.Errorf("BreakerState = %q, want closed", s)
	}
}

// TestFailedTopUpIsRetried: when the dials that keep MinConns warm fail
// (a short restart that does not open the breaker), the pool retries them
// soon instead of waiting for the next health check.
func TestFailedTopUpIsRetried(t *testing.T) {
	db := &fakeDB{}
	var srv switchable
	srv.down.Store(true)
	srv.install(db)
	cfg := breakerConfig(db, newFakeClock(), 1000, time.Millisecond) // the breaker stays closed
	cfg.MinConns = 2
	p := newPool(t, cfg)
	waitFor(t, "the pre-warm dials to fail", func() bool { return db.dials.Load() >= 2 })
	srv.down.Store(false)
	waitFor(t, "MinConns connections", func() bool { return p.Stat().IdleConns() == 2 })
	if s := p.Stat(); s.BreakerOpens() != 0 {
		t.Errorf("BreakerOpens = %d, want 0", s.BreakerOpens())
	}
}

// TestBreakerCloseStopsProber: Close stops the background prober, including
// a probe dial in flight, and leaves no goroutine behind.
func TestBreakerCloseStopsProber(t *testing.T) {
	db := &fakeDB{}
	var hang atomic.Bool // the next probe hangs until Close cancels it
	var hung atomic.Int64
	blocked := make(chan struct{})
	db.setFail(func(n int64, ctx context.Context) error {
		if hang.Load() && hung.CompareAndSwap(0, n) {
			close(blocked)
			<-ctx.Done()
			return ctx.Err()
		}
		return errRefused
	})
	clock := newFakeClock()
	p, err := pool.New(breakerConfig(db, clock, 1, time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	openBreaker(t, p, clock)
	opened := db.dials.Load()
	waitFor(t, "background probes", func() bool { return db.dials.Load() >= opened+2 })
	hang.Store(true)
	waitClosed(t, blocked, "a background probe")
	done := make(chan struct{})
	go func() { p.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Close hangs while a probe dial is in flight")
	}
	goleak.VerifyNone(t)
	if got, want := db.dials.Load(), hung.Load(); got != want {
		t.Errorf("%d dials after Close, want %d: the prober must stop", got, want)
	}
	if s := p.Stat().BreakerState(); s != pool.BreakerOpen {
		t.Errorf("BreakerState = %q, want open (a probe canceled by Close is not a failure or a success)", s)
	}
}

func TestBreakerDisabled(t *testing.T) {
	db := &fakeDB{}
	db.setFail(func(int64, context.Context) error { return errRefused })
	cfg := db.config()
	cfg.Breaker.Disabled = true
	p := newPool(t, cfg)
	for range 2 * pool.DefaultBreakerFailures {
		if _, err := p.Acquire(ctxT(t)); errors.Is(err, pool.ErrCircuitOpen) {
			t.Fatal("disabled breaker opened")
		}
	}
	if got := db.dials.Load(); got != 2*pool.DefaultBreakerFailures {
		t.Errorf("dialed %d times, want %d", got, 2*pool.DefaultBreakerFailures)
	}
}
