package adaptive

import (
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is the synthetic clock's origin.
var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// at returns the synthetic instant d after t0.
func at(d time.Duration) time.Time { return t0.Add(d) }

// mustNew builds a policy from DefaultConfig(min, max) edited by edit.
func mustNew(t testing.TB, min, max int, edit func(*Config)) *Policy {
	t.Helper()
	cfg := DefaultConfig(min, max)
	if edit != nil {
		edit(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// planTiming restores the timing the mechanism tests were written for: the
// plan's ×DownFactor down-steps (DownTo 0), 10s down hysteresis and a 30s
// dwell, so that step spacing and dwell doubling are visible in a few ticks.
func planTiming(c *Config) {
	c.DownTo, c.DownStableFor, c.UpDwell = 0, 10*time.Second, 30*time.Second
}
