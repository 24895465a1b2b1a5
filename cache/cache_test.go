package cache

import (
	"database/sql/driver"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewValidation(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string // substring of the error; "" means success
	}{
		{"zero is defaults", Config{}, ""},
		{"small MaxBytes", Config{MaxBytes: 100}, "MaxBytes 100"},
		{"negative MaxBytes", Config{MaxBytes: -1}, "MaxBytes -1"},
		{"negative TTL", Config{TTL: -time.Second}, "TTL -1s"},
		{"MaxTTL below TTL", Config{TTL: 10 * time.Second, MaxTTL: time.Second}, "MaxTTL 1s is below TTL 10s"},
		{"MaxEntryBytes above MaxBytes", Config{MaxBytes: 1 << 20, MaxEntryBytes: 2 << 20}, "MaxEntryBytes 2097152"},
		{"negative MaxEntryBytes", Config{MaxEntryBytes: -5}, "MaxEntryBytes -5"},
		{"MaxTTL equal TTL", Config{TTL: time.Second, MaxTTL: time.Second}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := fmt.Sprintf("%+v", tt.cfg)
			c, err := New(tt.cfg)
			if c != nil {
				defer c.Close()
			}
			if fmt.Sprintf("%+v", tt.cfg) != before {
				t.Errorf("New modified its Config argument")
			}
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "cache: ")):
				t.Fatalf("New error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestDefaults(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	if c.cfg.MaxBytes != DefaultMaxBytes || c.cfg.TTL != DefaultTTL ||
		c.cfg.MaxTTL != DefaultTTL*5/2 || c.cfg.MaxEntryBytes != DefaultMaxBytes/64 {
		t.Fatalf("defaults not applied: %+v", c.cfg)
	}
}

func TestHitMiss(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	k := mustKey(t, "SELECT v FROM t WHERE id = ?", int64(1))
	if _, ok := c.Get(k); ok {
		t.Fatal("hit on empty cache")
	}
	r := smallResult("a")
	store(t, c, k, r, "t")
	got, ok := c.Get(k)
	if !ok || got != r {
		t.Fatalf("Get = %v, %v; want the stored result", got, ok)
	}
	if _, ok := c.Get(mustKey(t, "SELECT v FROM t WHERE id = ?", int64(2))); ok {
		t.Fatal("hit for a different argument")
	}
	s := c.Stats()
	if s.Hits != 2 || s.Misses != 2 || s.Sets != 1 || s.Entries != 1 || s.Bytes <= 0 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestStalenessBound(t *testing.T) {
	const ttl, maxTTL = 10 * time.Second, 25 * time.Second
	c, clk := newTestCache(t, Config{TTL: ttl, MaxTTL: maxTTL})
	k := mustKey(t, "SELECT 1")
	store(t, c, k, smallResult("x"), "t")
	// Hit as often as possible: the entry becomes as hot as it can be.
	var lived time.Duration
	for lived = 0; lived < 2*maxTTL; lived += 100 * time.Millisecond {
		if _, ok := c.Get(k); !ok {
			break
		}
		clk.Advance(100 * time.Millisecond)
	}
	if lived >= maxTTL+100*time.Millisecond || lived < maxTTL-time.Second {
		t.Fatalf("hot entry lived %v; want just under MaxTTL %v", lived, maxTTL)
	}
	if s := c.Stats(); s.ExpiredByScore != 1 {
		t.Fatalf("ExpiredByScore = %d, want 1", s.ExpiredByScore)
	}
}

func TestColdEntryLivesTTL(t *testing.T) {
	const ttl = 10 * time.Second
	c, clk := newTestCache(t, Config{TTL: ttl})
	k := mustKey(t, "SELECT 1")
	if !c.Set(k, smallResult("x"), nil, c.Snapshot(nil), 0) {
		t.Fatal("Set refused")
	}
	c.Wait()
	clk.Advance(ttl - time.Millisecond)
	if _, ok := c.Get(k); !ok {
		t.Fatal("entry gone before TTL")
	}
	// One hit raises the score; idle for long, it decays to the base TTL.
	clk.Advance(c.cfg.MaxTTL)
	if _, ok := c.Get(k); ok {
		t.Fatal("entry alive past MaxTTL")
	}
}

func TestScoreBounds(t *testing.T) {
	const ttl, maxTTL = 5 * time.Second, 12500 * time.Millisecond
	for _, hits := range []uint32{0, 1, 2, 5, 100, 1 << 31, ^uint32(0)} {
		prev := 2.0
		for idle := time.Duration(0); idle <= 3*maxTTL; idle += 250 * time.Millisecond {
			s := score(hits, idle, ttl, maxTTL)
			if s < 0 || s > 1 {
				t.Fatalf("score(%d, %v) = %v outside [0,1]", hits, idle, s)
			}
			if s > prev {
				t.Fatalf("score(%d, %v) = %v rose with idle time", hits, idle, s)
			}
			prev = s
			if d := effectiveTTL(s, ttl, maxTTL); d < ttl || d > maxTTL {
				t.Fatalf("effectiveTTL = %v outside [%v, %v]", d, ttl, maxTTL)
			}
		}
	}
	for _, s := range []float64{-1, 2, 0, 1} {
		if d := effectiveTTL(s, ttl, maxTTL); d < ttl || d > maxTTL {
			t.Fatalf("effectiveTTL(%v) = %v outside bounds", s, d)
		}
	}
}

func TestScoreGrowth(t *testing.T) {
	const ttl, maxTTL = 5 * time.Second, 12500 * time.Millisecond
	prev := -1.0
	for hits := uint32(0); hits < 50; hits++ {
		s := score(hits, time.Second, ttl, maxTTL)
		if s <= prev && hits > 0 {
			t.Fatalf("score did not grow at %d hits: %v <= %v", hits, s, prev)
		}
		prev = s
	}
	if score(0, 0, ttl, maxTTL) != 0 {
		t.Fatal("an entry never hit must have score 0")
	}
	if score(50, maxTTL, ttl, maxTTL) != 0 {
		t.Fatal("an entry idle for MaxTTL must have score 0")
	}
}

func TestInvalidate(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	kt, ku, kboth := mustKey(t, "SELECT * FROM t"), mustKey(t, "SELECT * FROM u"), mustKey(t, "SELECT * FROM t, u")
	store(t, c, kt, smallResult("t"), "t")
	store(t, c, ku, smallResult("u"), "u")
	store(t, c, kboth, smallResult("tu"), "t", "u")
	c.Invalidate([]string{"T"}) // case-insensitive
	if _, ok := c.Get(kt); ok {
		t.Error("entry reading t survived Invalidate(t)")
	}
	if _, ok := c.Get(kboth); ok {
		t.Error("entry reading t and u survived Invalidate(t)")
	}
	if _, ok := c.Get(ku); !ok {
		t.Error("entry reading u lost by Invalidate(t)")
	}
	c.InvalidateAll()
	if _, ok := c.Get(ku); ok {
		t.Error("entry survived InvalidateAll")
	}
	if s := c.Stats(); s.Invalidations != 1 || s.InvalidateAlls != 1 || s.GetsStale != 3 {
		t.Fatalf("stats = %+v", s)
	}
}

func TestBornStale(t *testing.T) {
	tests := []struct {
		name       string
		invalidate func(c *Cache)
		setTables  []string
	}{
		{"table invalidated", func(c *Cache) { c.Invalidate([]string{"t"}) }, []string{"t"}},
		{"all invalidated", func(c *Cache) { c.InvalidateAll() }, []string{"t"}},
		{"table not in snapshot", func(*Cache) {}, []string{"t", "other"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(t, Config{})
			k := mustKey(t, "SELECT * FROM t")
			snap := c.Snapshot([]string{"t"})
			tt.invalidate(c)
			if c.Set(k, smallResult("old"), tt.setTables, snap, 0) {
				t.Fatal("Set accepted a born-stale result")
			}
			c.Wait()
			if _, ok := c.Get(k); ok {
				t.Fatal("born-stale result served")
			}
			if s := c.Stats(); s.SetsStale != 1 {
				t.Fatalf("SetsStale = %d, want 1", s.SetsStale)
			}
		})
	}
}

func TestSetAfterMaxTTLRefused(t *testing.T) {
	c, clk := newTestCache(t, Config{TTL: time.Second})
	snap := c.Snapshot(nil)
	clk.Advance(c.cfg.MaxTTL)
	if c.Set(mustKey(t, "SELECT 1"), smallResult("x"), nil, snap, 0) {
		t.Fatal("Set accepted a result older than MaxTTL")
	}
}

func TestFixedTTL(t *testing.T) {
	c, clk := newTestCache(t, Config{TTL: 10 * time.Second})
	k := mustKey(t, "SELECT 1")
	if !c.Set(k, smallResult("x"), nil, c.Snapshot(nil), time.Second) {
		t.Fatal("Set refused")
	}
	c.Wait()
	clk.Advance(999 * time.Millisecond)
	if _, ok := c.Get(k); !ok {
		t.Fatal("gone before its fixed TTL")
	}
	clk.Advance(time.Millisecond)
	if _, ok := c.Get(k); ok {
		t.Fatal("alive at its fixed TTL")
	}
	if c.Set(k, smallResult("x"), nil, c.Snapshot(nil), -time.Second) {
		t.Fatal("negative TTL accepted")
	}
}

func TestOversizedNotCached(t *testing.T) {
	c, _ := newTestCache(t, Config{MaxBytes: 1 << 20, MaxEntryBytes: 1000})
	k := mustKey(t, "SELECT big FROM t")
	if c.Set(k, smallResult(strings.Repeat("x", 2000)), []string{"t"}, c.Snapshot([]string{"t"}), 0) {
		t.Fatal("oversized result accepted")
	}
	c.Wait()
	if _, ok := c.Get(k); ok {
		t.Fatal("oversized result served")
	}
	if s := c.Stats(); s.SetsRejectedTooLarge != 1 {
		t.Fatalf("SetsRejectedTooLarge = %d", s.SetsRejectedTooLarge)
	}
}

func TestMemoryBound(t *testing.T) {
	const maxBytes = 256 << 10
	c, _ := newTestCache(t, Config{MaxBytes: maxBytes})
	payload := strings.Repeat("x", 1000)
	var stored int64
	for i := range 2000 { // ~2 MB offered to a 256 KiB cache
		r := smallResult(payload)
		k := mustKey(t, fmt.Sprintf("SELECT %d", i))
		if c.Set(k, r, nil, c.Snapshot(nil), 0) {
			stored += r.Size()
		}
		if i%100 == 0 {
			c.Wait()
		}
	}
	c.Wait()
	s := c.Stats()
	if s.Bytes > maxBytes || s.Bytes <= 0 {
		t.Fatalf("Bytes = %d, want in (0, %d]", s.Bytes, maxBytes)
	}
	if stored <= maxBytes {
		t.Fatalf("test offered only %d bytes", stored)
	}
	if s.Evictions+s.SetsRejected+s.SetsDropped == 0 {
		t.Fatalf("nothing evicted or rejected: %+v", s)
	}
}

func TestNilCache(t *testing.T) {
	var c *Cache
	k := mustKey(t, "SELECT 1")
	if _, ok := c.Get(k); ok {
		t.Error("nil cache hit")
	}
	if c.Set(k, smallResult("x"), nil, c.Snapshot(nil), 0) {
		t.Error("nil cache stored")
	}
	c.Invalidate([]string{"t"})
	c.InvalidateAll()
	c.Wait()
	c.Close()
	if c.Stats() != (Stats{}) {
		t.Error("nil cache has stats")
	}
}

func TestClosedCache(t *testing.T) {
	c, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	k := mustKey(t, "SELECT 1")
	c.Close()
	c.Close()
	if c.Set(k, smallResult("x"), nil, c.Snapshot(nil), 0) {
		t.Error("closed cache stored")
	}
	if _, ok := c.Get(k); ok {
		t.Error("closed cache hit")
	}
	_ = c.Stats()
}

func TestZeroKey(t *testing.T) {
	c, _ := newTestCache(t, Config{})
	if c.Set(Key{}, smallResult("x"), nil, c.Snapshot(nil), 0) {
		t.Fatal("zero Key accepted")
	}
}

func TestConcurrent(t *testing.T) {
	c, clk := newTestCache(t, Config{MaxBytes: 1 << 20})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 2000 {
				table := fmt.Sprintf("t%d", i%7)
				k, _ := MakeKey("db", "SELECT * FROM "+table, []driver.NamedValue{{Ordinal: 1, Value: int64(i % 13)}})
				switch (g + i) % 10 {
				case 0:
					c.Invalidate([]string{table})
				case 1:
					clk.Advance(time.Millisecond)
				case 2, 3, 4:
					c.Set(k, smallResult(table), []string{table}, c.Snapshot([]string{table}), 0)
				default:
					if r, ok := c.Get(k); ok && r.Rows[0][0] != table {
						t.Errorf("got result of %v for %s", r.Rows[0][0], table)
					}
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for range 50 {
			_ = c.Stats()
			c.InvalidateAll()
		}
	}()
	wg.Wait()
}
