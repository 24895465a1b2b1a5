package pool_test

import (
	"log/slog"
	"strings"
	"testing"
	"time"
)

func TestLeakIsLoggedOnceWithAcquirerStack(t *testing.T) {
	db := &fakeDB{}
	clock := newFakeClock()
	logs := &syncBuffer{}
	cfg := db.config()
	cfg.LeakThreshold = time.Hour // the real ticker then stays out of the way
	cfg.Now = clock.Now
	cfg.Logger = slog.New(slog.NewTextHandler(logs, nil))
	p := newPool(t, cfg)

	leaked := mustAcquire(t, p)
	returned := mustAcquire(t, p)
	clock.Advance(30 * time.Minute)
	returned.Release()
	p.CheckLeaks()
	if logs.String() != "" {
		t.Fatalf("logged before the threshold:\n%s", logs)
	}
	clock.Advance(31 * time.Minute)
	p.CheckLeaks()
	p.CheckLeaks()
	out := logs.String()
	if n := strings.Count(out, "held longer than LeakThreshold"); n != 1 {
		t.Errorf("leak logged %d times, want once:\n%s", n, out)
	}
	for _, want := range []string{"level=WARN", "held=1h1m0s", "TestLeakIsLoggedOnceWithAcquirerStack", "leak_test.go"} {
		if !strings.Contains(out, want) {
			t.Errorf("leak log lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "pool.(*Pool") {
		t.Errorf("stack should start at the acquirer, not inside the pool:\n%s", out)
	}
	if got := p.Stat().Leaks(); got != 1 {
		t.Errorf("Stat().Leaks() = %d, want 1", got)
	}
	leaked.Release()
}

func TestLeakDetectionOff(t *testing.T) {
	db := &fakeDB{}
	p := newPool(t, db.config())
	c := mustAcquire(t, p)
	p.CheckLeaks() // no registry: must not panic
	c.Release()
	if got := p.Stat().Leaks(); got != 0 {
		t.Errorf("Leaks() = %d, want 0", got)
	}
}
