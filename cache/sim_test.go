package cache

import (
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"
)

// simParams describes a synthetic read-mostly workload.
type simParams struct {
	Queries   int           // distinct queries, each reading its own table
	Requests  int           // requests simulated
	WriteFrac float64       // fraction of requests that write a uniformly random table
	ZipfS     float64       // Zipf exponent of read popularity
	Step      time.Duration // fake time between requests
	CacheFrac float64       // MaxBytes as a fraction of the bytes of all results
	Seed      uint64
}

// defaultSim is the workload of the brief: 10,000 queries, Zipf s=1.1, 95 %
// reads, 5 % writes invalidating random tables, cache ≈ 10 % of all results,
// 200,000 requests at 50 requests per second (fake clock), i.e. 250
// requests per 5 s TTL and a run spanning 800 TTLs.
var defaultSim = simParams{
	Queries: 10_000, Requests: 200_000, WriteFrac: 0.05, ZipfS: 1.1,
	Step: 20 * time.Millisecond, CacheFrac: 0.10, Seed: 42,
}

// simulate runs p against a cache configured with ttl and maxTTL and returns
// the hit ratio of reads after the first 10 % of requests (warm-up).
func simulate(tb testing.TB, p simParams, ttl, maxTTL time.Duration) float64 {
	tb.Helper()
	rng := rand.New(rand.NewPCG(p.Seed, p.Seed^0x9e3779b97f4a7c15))
	zipf := rand.NewZipf(rng, p.ZipfS, 1, uint64(p.Queries-1))
	keys, results, tables := make([]Key, p.Queries), make([]*Result, p.Queries), make([][]string, p.Queries)
	var total int64
	for i := range p.Queries {
		keys[i], _ = MakeKey("sim", fmt.Sprintf("SELECT * FROM t%d WHERE id = ?", i), nil)
		payload := strings.Repeat("x", 200+rng.IntN(1600))
		results[i] = &Result{Columns: []string{"id", "v"}, Rows: [][]driver.Value{{int64(i), payload}}}
		tables[i] = []string{fmt.Sprintf("t%d", i)}
		total += results[i].Size() + int64(len(keys[i].canon)) + entryOverhead + 16
	}
	now := time.Unix(1_700_000_000, 0)
	c, err := New(Config{MaxBytes: int64(float64(total) * p.CacheFrac), TTL: ttl, MaxTTL: maxTTL,
		Now: func() time.Time { return now }})
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	var hits, reads int
	for n := range p.Requests {
		now = now.Add(p.Step)
		if rng.Float64() < p.WriteFrac {
			c.Invalidate(tables[rng.IntN(p.Queries)])
			continue
		}
		k := int(zipf.Uint64())
		_, hit := c.Get(keys[k])
		if n >= p.Requests/10 {
			reads++
			if hit {
				hits++
			}
		}
		if !hit {
			c.Set(keys[k], results[k], tables[k], c.Snapshot(tables[k]), 0)
			c.Wait()
		}
	}
	return float64(hits) / float64(reads)
}

// TestHitRateSimulation compares access-scored TTL (TTL..2.5×TTL) with a
// fixed TTL at the same memory bound on the default workload.
func TestHitRateSimulation(t *testing.T) {
	if testing.Short() {
		t.Skip("simulation: skipped in -short mode")
	}
	const ttl = 5 * time.Second
	fixed := simulate(t, defaultSim, ttl, ttl)
	scored := simulate(t, defaultSim, ttl, 0)
	t.Logf("hit ratio: fixed TTL %.4f, access-scored %.4f, ratio %.3f", fixed, scored, scored/fixed)
	if scored <= fixed {
		t.Errorf("access-scored hit ratio %.4f is not above fixed TTL %.4f", scored, fixed)
	}
}
