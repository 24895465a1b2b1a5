package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// Variants of the cachemiss workload.
const (
	varMiss = "miss"
	varHit  = "hit"
)

// hitKey is the key the hit variant reads again and again.
const hitKey = 7

// cacheMiss measures, at RTT 0 on transport tr, what cache=on costs when it
// never hits (the same query with a new argument each time) and what a hit
// costs end to end through database/sql (the same query and argument each
// time). Both configurations are open at once and the loop alternates
// between them, so that they share the machine's conditions; the order
// within a pair is rotated by run.
func (b *bench) cacheMiss(ctx context.Context, tr transportSpec, run int) error {
	cfgs := rotate(cacheMissConfigs, run-1)
	ts := make([]*target, len(cfgs))
	dbs := make([]*sql.DB, len(cfgs))
	for i, c := range cfgs {
		ts[i] = b.e.target(c.Name, tr.Name)
		ts[i].proxy.SetRTT(0)
		defer ts[i].proxy.SetRTT(b.o.RTT)
		db, err := b.openWarm(ctx, ts[i])
		if err != nil {
			return err
		}
		defer db.Close()
		dbs[i] = db
	}
	var next int64 // the miss argument: never repeats within the run
	for _, variant := range []string{varMiss, varHit} {
		b.prog.step(fmt.Sprintf("cachemiss %s %s run %d/%d", variant, tr.Name, run, b.o.Runs))
		arg := func() int64 { return hitKey }
		if variant == varMiss {
			arg = func() int64 { next++; return next }
		}
		readers := make([]func() error, len(dbs))
		for i, db := range dbs {
			q := "SELECT k, v FROM " + tablesFor(ts[i].prefix).kv + " WHERE k = ? % " + fmt.Sprint(kvKeys)
			readers[i] = func() error {
				var (
					k int64
					v []byte
				)
				return db.QueryRowContext(ctx, q, arg()).Scan(&k, &v)
			}
		}
		alternate(ctx, b.warmup(), readers) // fills the hit entry; warms both paths
		before := cacheCounters(dbs)
		a := alternate(ctx, b.o.Duration, readers)
		after := cacheCounters(dbs)
		for i := range dbs {
			k := b.key(wlCacheMiss, ts[i], 1)
			k.RTTms, k.Variant = 0, variant
			c := cacheCell(k, run, a.lat[i], a.errs[i], a.elapsed, after[i], before[i])
			a.cost[i].put(c.Metrics, len(a.lat[i]))
			b.add(c)
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// altBlock is how many calls of one reader alternate runs in a row, so
// that the client CPU and allocations of each block belong to one reader.
const altBlock = 32

// alternated is what alternate measured: per reader, the latencies, the
// errors (the first one kept) and the client cost; and the time spent.
type alternated struct {
	lat     [][]time.Duration
	errs    []errCount
	cost    []opCost
	elapsed time.Duration
}

// opCost is the client process's CPU time and allocations during one
// reader's blocks.
type opCost struct {
	cpu    time.Duration
	allocs allocSnap
}

// put stores the cost per operation of n operations in m.
func (c opCost) put(m Metrics, n int) {
	if n <= 0 {
		return
	}
	if c.cpu > 0 {
		m["client_cpu_us_per_op"] = float64(c.cpu) / float64(time.Microsecond) / float64(n)
	}
	m["allocs_per_op"] = float64(c.allocs.objects) / float64(n)
	m["alloc_bytes_per_op"] = float64(c.allocs.bytes) / float64(n)
}

// alternate calls each reader in turn, altBlock times in a row, until d has
// passed or ctx ends. Each block's client CPU time and allocations count
// for its reader.
func alternate(ctx context.Context, d time.Duration, readers []func() error) alternated {
	a := alternated{lat: make([][]time.Duration, len(readers)), errs: make([]errCount, len(readers)), cost: make([]opCost, len(readers))}
	start := time.Now()
	deadline := start.Add(d)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		for i, r := range readers {
			cpu0, alloc0 := processCPU(), readAllocs()
			for range altBlock {
				t0 := time.Now()
				if err := r(); err != nil {
					a.errs[i].add(err)
					continue
				}
				a.lat[i] = append(a.lat[i], time.Since(t0))
			}
			al := readAllocs().sub(alloc0)
			a.cost[i].cpu += processCPU() - cpu0
			a.cost[i].allocs.objects += al.objects
			a.cost[i].allocs.bytes += al.bytes
		}
	}
	a.elapsed = time.Since(start)
	return a
}

// errCount counts errors and keeps the first.
type errCount struct {
	n     int64
	first error
}

// add counts err.
func (e *errCount) add(err error) {
	e.n++
	if e.first == nil {
		e.first = err
	}
}

// cacheCounters returns the cache hits and misses of each DB (zero for
// cache=off).
func cacheCounters(dbs []*sql.DB) [][2]uint64 {
	out := make([][2]uint64, len(dbs))
	for i, db := range dbs {
		if st, ok := tursopooled.StatsOf(db); ok && st.CacheOn {
			out[i] = [2]uint64{st.Cache.Hits, st.Cache.Misses}
		}
	}
	return out
}

// cacheCell builds the cell of one reader: latency percentiles in ms and
// µs, operations per second, and the cache counters' deltas.
func cacheCell(k cellKey, run int, lat []time.Duration, e errCount, elapsed time.Duration, after, before [2]uint64) Cell {
	m := Metrics{}
	l := summarize(lat)
	l.put(m, "")
	m["p50_us"], m["p95_us"], m["p99_us"] = 1000*l.P50, 1000*l.P95, 1000*l.P99
	m["units"] = float64(l.N)
	m["throughput"] = float64(l.N) / elapsed.Seconds()
	hits, misses := float64(after[0]-before[0]), float64(after[1]-before[1])
	if hits+misses > 0 {
		m["cache_hits"], m["cache_misses"], m["cache_hit_ratio"] = hits, misses, hits/(hits+misses)
	}
	c := Cell{cellKey: k, Run: run, Metrics: m, Errors: e.n}
	if e.first != nil {
		c.FirstError = e.first.Error()
	}
	return c
}
