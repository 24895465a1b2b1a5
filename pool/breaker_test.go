package pool_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/pool"
)

func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	db := &fakeDB{}
	var down atomic.Bool
	down.Store(true)
	refused := errors.New("connection refused")
	db.setFail(func(int64, context.Context) error {
		if down.Load() {
			return refused
		}
		return nil
	})
	clock := newFakeClock()
	logs := &syncBuffer{}
	cfg := db.config()
	cfg.ConnectTimeout = time.Minute
	cfg.Breaker = pool.BreakerConfig{Failures: 3, OpenFor: 2 * time.Second}
	cfg.Now = clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p := newPool(t, cfg)

	for i := range 3 {
		if _, err := p.Acquire(ctxT(t)); !errors.Is(err, refused) || errors.Is(err, pool.ErrCircuitOpen) {
			t.Fatalf("Acquire %d = %v, want the dial error", i, err)
		}
	}
	start := time.Now()
	_, err := p.Acquire(ctxT(t))
	var open *pool.CircuitOpenError
	if !errors.As(err, &open) || !errors.Is(err, pool.ErrCircuitOpen) || !errors.Is(err, refused) {
		t.Fatalf("Acquire with the breaker open = %v, want *CircuitOpenError wrapping the dial error", err)
	}
	if waited := time.Since(start); waited > cfg.ConnectTimeout/2 {
		t.Errorf("open breaker took %v to fail", waited)
	}
	if db.dials.Load() != 3 || open.Failures != 3 || !open.RetryAt.Equal(clock.Now().Add(2*time.Second)) {
		t.Errorf("dials %d, error %+v", db.dials.Load(), *open)
	}
	if s := p.Stat(); s.BreakerState() != pool.BreakerOpen || s.BreakerOpens() != 1 {
		t.Errorf("BreakerState, BreakerOpens = %q, %d", s.BreakerState(), s.BreakerOpens())
	}
	if !strings.Contains(err.Error(), "circuit breaker open after 3 consecutive connection failures") {
		t.Errorf("Error() = %q", err)
	}

	clock.Advance(2 * time.Second) // half-open: one probe, which fails
	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, refused) || errors.Is(err, pool.ErrCircuitOpen) {
		t.Fatalf("probe Acquire = %v, want the dial error", err)
	}
	_, err = p.Acquire(ctxT(t))
	if !errors.As(err, &open) || !open.RetryAt.Equal(clock.Now().Add(4*time.Second)) {
		t.Fatalf("after a failed probe: %v; want the breaker open for twice as long", err)
	}

	down.Store(false)
	clock.Advance(4 * time.Second)
	c := mustAcquire(t, p) // the successful probe closes the breaker
	c.Release()
	if s := p.Stat(); s.BreakerState() != pool.BreakerClosed || s.BreakerOpens() != 2 {
		t.Errorf("BreakerState, BreakerOpens = %q, %d; want closed, 2", s.BreakerState(), s.BreakerOpens())
	}
	out := logs.String()
	for _, want := range []string{"level=WARN msg=\"turso-pooled: pool: circuit breaker open\"", "half-open", "level=INFO msg=\"turso-pooled: pool: circuit breaker closed\""} {
		if !strings.Contains(out, want) {
			t.Errorf("log lacks %q:\n%s", want, out)
		}
	}
}

func TestBreakerAllowsOneProbeAtATime(t *testing.T) {
	db := &fakeDB{}
	probing := make(chan struct{})
	finish := make(chan struct{})
	db.setFail(func(n int64, ctx context.Context) error {
		if n == 1 {
			return errors.New("refused")
		}
		close(probing)
		<-finish
		return nil
	})
	clock := newFakeClock()
	cfg := db.config()
	cfg.Breaker = pool.BreakerConfig{Failures: 1}
	cfg.Now = clock.Now
	p := newPool(t, cfg)
	if _, err := p.Acquire(ctxT(t)); err == nil {
		t.Fatal("first dial should fail")
	}
	clock.Advance(pool.DefaultBreakerOpenFor)
	got := make(chan *pool.Conn[int], 1)
	go func() {
		c, _ := p.Acquire(context.Background())
		got <- c
	}()
	<-probing
	if s := p.Stat().BreakerState(); s != pool.BreakerHalfOpen {
		t.Errorf("BreakerState during the probe = %q, want half-open", s)
	}
	if _, err := p.Acquire(ctxT(t)); !errors.Is(err, pool.ErrCircuitOpen) {
		t.Errorf("second Acquire during the probe = %v, want ErrCircuitOpen", err)
	}
	close(finish)
	c := <-got
	if c == nil {
		t.Fatal("probe Acquire failed")
	}
	c.Release()
}

func TestBreakerDisabled(t *testing.T) {
	db := &fakeDB{}
	db.setFail(func(int64, context.Context) error { return errors.New("refused") })
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
