package cache

import (
	"database/sql/driver"
	"fmt"
	"testing"
	"time"
)

func benchCache(b *testing.B) *Cache {
	b.Helper()
	c, err := New(Config{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(c.Close)
	return c
}

func BenchmarkGet(b *testing.B) {
	c := benchCache(b)
	hit := mustKey(b, "SELECT * FROM t WHERE id = ?", int64(1))
	miss := mustKey(b, "SELECT * FROM t WHERE id = ?", int64(2))
	c.Set(hit, smallResult("x"), []string{"t"}, c.Snapshot([]string{"t"}), 0)
	c.Wait()
	for _, bc := range []struct {
		name string
		k    Key
	}{{"result=hit", hit}, {"result=miss", miss}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				c.Get(bc.k)
			}
		})
	}
}

// BenchmarkGetParallel reads from every core: one hot key (all goroutines
// update the same entry and sketch counters) or 256 keys.
func BenchmarkGetParallel(b *testing.B) {
	c := benchCache(b)
	keys := make([]Key, 256)
	for i := range keys {
		keys[i] = mustKey(b, "SELECT * FROM t WHERE id = ?", int64(i))
		c.Set(keys[i], smallResult("x"), []string{"t"}, c.Snapshot([]string{"t"}), 0)
	}
	c.Wait()
	for _, bc := range []struct {
		name string
		hot  int // distinct keys read
	}{{"keys=1", 1}, {"keys=256", 256}} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					c.Get(keys[i%bc.hot])
					i++
				}
			})
		})
	}
}

func BenchmarkSet(b *testing.B) {
	c := benchCache(b)
	keys := make([]Key, 1024)
	for i := range keys {
		keys[i] = mustKey(b, fmt.Sprintf("SELECT * FROM t WHERE id = %d", i))
	}
	r, tables := smallResult("x"), []string{"t"}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		c.Set(keys[i%len(keys)], r, tables, c.Snapshot(tables), 0)
		i++
	}
}

func BenchmarkMakeKey(b *testing.B) {
	args := []driver.NamedValue{
		{Ordinal: 1, Value: int64(42)}, {Ordinal: 2, Value: "alice@example.com"}, {Ordinal: 3, Value: time.Unix(1e9, 0)},
	}
	b.Run("args=3", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			MakeKey("libsql://db.example", "SELECT id FROM users WHERE org = ? AND email = ? AND created > ?", args)
		}
	})
}

// BenchmarkHitRate runs the workload of TestHitRateSimulation and reports
// both hit ratios as metrics.
func BenchmarkHitRate(b *testing.B) {
	const ttl = 5 * time.Second
	for b.Loop() {
		fixed := simulate(b, defaultSim, ttl, ttl)
		scored := simulate(b, defaultSim, ttl, 0)
		b.ReportMetric(fixed.HitRatio, "fixed-hit-ratio")
		b.ReportMetric(scored.HitRatio, "scored-hit-ratio")
	}
}

// BenchmarkStats reads the counters of a cache holding few or many
// entries: the cost must not grow with the entries (a Prometheus scrape
// calls it).
func BenchmarkStats(b *testing.B) {
	for _, n := range []int{10, 20000} {
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			c := benchCache(b)
			tables := []string{"t"}
			for i := range n {
				c.Set(mustKey(b, "SELECT * FROM t WHERE id = ?", int64(i)), smallResult("x"), tables, c.Snapshot(tables), 0)
			}
			c.Wait()
			if got := c.Stats().Entries; got < int64(n)*9/10 {
				b.Fatalf("%d entries after %d sets", got, n)
			}
			b.ReportAllocs()
			for b.Loop() {
				c.Stats()
			}
		})
	}
}
