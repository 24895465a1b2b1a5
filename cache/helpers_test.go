package cache

import (
	"database/sql/driver"
	"sync"
	"testing"
	"time"
)

// fakeClock is a manually advanced clock, safe for concurrent use.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1_700_000_000, 0)} }

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	f.now = f.now.Add(d)
	f.mu.Unlock()
}

// newTestCache returns a cache on a fake clock, closed at the end of the test.
func newTestCache(t *testing.T, cfg Config) (*Cache, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	cfg.Now = clk.Now
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New(%+v): %v", cfg, err)
	}
	t.Cleanup(c.Close)
	return c, clk
}

func mustKey(t testing.TB, sql string, args ...any) Key {
	t.Helper()
	nv := make([]driver.NamedValue, len(args))
	for i, a := range args {
		nv[i] = driver.NamedValue{Ordinal: i + 1, Value: a}
	}
	k, ok := MakeKey("db", sql, nv)
	if !ok {
		t.Fatalf("MakeKey(%q, %v) not ok", sql, args)
	}
	return k
}

func smallResult(v string) *Result {
	return &Result{Columns: []string{"v"}, Rows: [][]driver.Value{{v}}}
}

// store sets r under k reading tables, waits for ristretto, and checks it is visible.
func store(t *testing.T, c *Cache, k Key, r *Result, tables ...string) {
	t.Helper()
	if !c.Set(k, r, tables, c.Snapshot(tables), 0) {
		t.Fatalf("Set refused")
	}
	c.Wait()
	if _, ok := c.Get(k); !ok {
		t.Fatalf("entry not visible right after Set+Wait")
	}
}
