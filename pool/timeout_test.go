package pool_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/pool"
)

func TestAcquireTimeoutWhileWaitingShowsPoolState(t *testing.T) {
	db := &fakeDB{}
	cfg := db.config()
	cfg.MaxConns = 2
	cfg.ConnectTimeout = 50 * time.Millisecond
	p := newPool(t, cfg)
	a, b := mustAcquire(t, p), mustAcquire(t, p)
	defer a.Release()
	defer b.Release()

	_, err := p.Acquire(context.Background())
	var te *pool.AcquireTimeoutError
	if !errors.As(err, &te) {
		t.Fatalf("Acquire = %v, want *AcquireTimeoutError", err)
	}
	if te.Constructing || te.InUse != 2 || te.Total != 2 || te.Max != 2 || te.Target != 2 || te.Waited <= 0 {
		t.Errorf("AcquireTimeoutError = %+v", *te)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("error does not match context.DeadlineExceeded")
	}
	want := "waiting for a connection (2 of 2 in use, target 2)"
	if msg := err.Error(); !strings.HasPrefix(msg, "turso-pooled: pool: timed out after ") || !strings.Contains(msg, want) {
		t.Errorf("Error() = %q, want it to contain %q", msg, want)
	}
	if got := p.Stat().CanceledAcquireCount(); got != 1 {
		t.Errorf("CanceledAcquireCount = %d, want 1", got)
	}
}

func TestAcquireTimeoutWhileDialingShowsCause(t *testing.T) {
	db := &fakeDB{}
	refused := errors.New("connection refused")
	db.setFail(func(n int64, ctx context.Context) error {
		if n == 1 {
			return refused
		}
		<-ctx.Done() // a dial that hangs until ConnectTimeout
		return ctx.Err()
	})
	cfg := db.config()
	cfg.ConnectTimeout = 50 * time.Millisecond
	cfg.Breaker.Disabled = true
	cfg.Now = newFakeClock().Now
	p := newPool(t, cfg)

	_, err := p.Acquire(context.Background())
	if !errors.Is(err, refused) || !strings.HasPrefix(err.Error(), "turso-pooled: pool: creating a connection: ") {
		t.Fatalf("first Acquire = %v, want the wrapped dial error", err)
	}
	var te *pool.AcquireTimeoutError
	if errors.As(err, &te) {
		t.Fatal("a failed dial is not a timeout")
	}

	_, err = p.Acquire(context.Background())
	if !errors.As(err, &te) || !te.Constructing {
		t.Fatalf("second Acquire = %v, want *AcquireTimeoutError while constructing", err)
	}
	if !errors.Is(err, refused) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v should match both the cause and DeadlineExceeded", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "creating a connection: connection refused") {
		t.Errorf("Error() = %q, want the dial cause", msg)
	}
}

func TestAcquireHonoursContext(t *testing.T) {
	db := &fakeDB{}
	cfg := db.config()
	cfg.MaxConns = 1
	p := newPool(t, cfg)

	canceled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := p.Acquire(canceled); !errors.Is(err, context.Canceled) {
		t.Errorf("Acquire(canceled ctx) = %v, want context.Canceled", err)
	}

	held := mustAcquire(t, p)
	defer held.Release()
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctx)
		errc <- err
	}()
	waitFor(t, "a queued waiter", func() bool { _, _, w := p.GateState(); return w == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("waiting Acquire = %v, want context.Canceled", err)
	}
	if _, held, w := p.GateState(); held != 1 || w != 0 {
		t.Errorf("gate after cancel: held %d, waiting %d; want 1, 0", held, w)
	}
	if got := p.Stat().CanceledAcquireCount(); got != 2 {
		t.Errorf("CanceledAcquireCount = %d, want 2", got)
	}

	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	_, err := p.Acquire(short)
	var te *pool.AcquireTimeoutError
	if !errors.As(err, &te) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Acquire past the caller's deadline = %v, want *AcquireTimeoutError", err)
	}
}

func TestSlowDialStillLandsInPool(t *testing.T) {
	db := &fakeDB{}
	release := make(chan struct{})
	db.setFail(func(_ int64, ctx context.Context) error {
		select {
		case <-release:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	})
	p := newPool(t, db.config())
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() {
		_, err := p.Acquire(ctx)
		errc <- err
	}()
	waitFor(t, "a dial in flight", func() bool { return p.Stat().ConstructingConns() == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire = %v, want context.Canceled", err)
	}
	close(release)
	waitFor(t, "the dialed connection to become idle", func() bool { return p.Stat().IdleConns() == 1 })
	c := mustAcquire(t, p)
	c.Release()
	if db.dials.Load() != 1 {
		t.Errorf("dialed %d times, want 1", db.dials.Load())
	}
}
