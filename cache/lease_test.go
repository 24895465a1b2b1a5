package cache

import (
	"context"
	"testing"
	"time"
)

// TestServeUntil: past the bound, Get, Set and Await serve and store
// nothing; a later bound serves again the entries no invalidation touched.
func TestServeUntil(t *testing.T) {
	c, clk := newTestCache(t, Config{TTL: time.Minute})
	k := mustKey(t, "SELECT v FROM t WHERE id = ?", 1)
	store(t, c, k, smallResult("a"), "t")

	steps := []struct {
		name     string
		until    func() time.Time
		advance  time.Duration
		wantHit  bool
		wantSet  bool
		refusals uint64
	}{
		{"within the bound", func() time.Time { return clk.Now().Add(time.Second) }, 0, true, true, 0},
		{"past the bound", func() time.Time { return clk.Now().Add(time.Second) }, time.Second, false, false, 1},
		{"zero time refuses at once", func() time.Time { return time.Time{} }, 0, false, false, 2},
		{"renewed bound serves the entry again", func() time.Time { return clk.Now().Add(time.Second) }, 0, true, true, 2},
	}
	for _, st := range steps {
		c.ServeUntil(st.until())
		clk.Advance(st.advance)
		if _, hit := c.Get(k); hit != st.wantHit {
			t.Errorf("%s: Get hit = %v, want %v", st.name, hit, st.wantHit)
		}
		k2 := mustKey(t, "SELECT v FROM t WHERE id = ?", st.name)
		if set := c.Set(k2, smallResult("b"), []string{"t"}, c.Snapshot([]string{"t"}), 0); set != st.wantSet {
			t.Errorf("%s: Set = %v, want %v", st.name, set, st.wantSet)
		}
		if got := c.Stats().GetsRefused; got != st.refusals {
			t.Errorf("%s: GetsRefused = %d, want %d", st.name, got, st.refusals)
		}
	}
}

// TestServeUntilAwait: a waiter gets no shared result past the bound.
func TestServeUntilAwait(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	c.EnableCoalescing()
	k := mustKey(t, "SELECT 1")
	leader, _ := c.Join(k, nil)
	waiter, isLeader := c.Join(k, nil)
	if isLeader {
		t.Fatal("second Join led")
	}
	c.ServeUntil(time.Time{})
	c.Finish(leader, smallResult("x"), c.Snapshot(nil))
	if _, ok := c.Await(context.Background(), waiter); ok {
		t.Error("Await shared a result past the bound")
	}
}

// TestServeUntilNil: a nil cache ignores ServeUntil.
func TestServeUntilNil(t *testing.T) {
	var c *Cache
	c.ServeUntil(time.Now())
}
