package cache

import (
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"
)

// Cache is a bounded result cache with access-scored TTL, invalidation by
// row key and by table generation, and coalescing of identical misses (see
// the package documentation). A nil *Cache is a valid, disabled cache: Get
// misses, Set stores nothing, Join makes every caller a leader, Stats is
// zero. All methods are safe for concurrent use.
type Cache struct {
	cfg  Config
	rc   *ristretto.Cache[string, *entry]
	gens generations
	ctr  counters
	// sk counts recent requests per key, to seed the score of new
	// entries; nil when MaxTTL = TTL.
	sk *sketch
	// flights are the misses being fetched, for identical ones to wait on.
	flights flights
	// closed is set by Close; Stats then reports counters only.
	closed atomic.Bool
	// lease bounds when the cache serves (ServeUntil).
	lease lease
}

// entry is one stored result with its dependencies and access metadata.
type entry struct {
	key    string // canonical key, compared on every hit
	res    *Result
	birth  int64         // UnixNano of the snapshot, i.e. when the query was sent
	fixed  time.Duration // > 0: fixed TTL given to Set; 0: access-scored
	global uint64
	deps   []dep
	prior  uint32 // requests of the key before this entry (sketch estimate)
	hits   atomic.Uint32
	last   atomic.Int64 // UnixNano of the last hit (birth until then)
}

// entryOverhead estimates the bytes of an entry besides its result, key and deps.
const entryOverhead = 96

// New returns a Cache configured by cfg (zero fields take their defaults);
// cfg is not modified. It fails when a field is out of range, naming the
// field, its value and what is accepted. Call Close when done.
func New(cfg Config) (*Cache, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	rc, err := ristretto.NewCache(&ristretto.Config[string, *entry]{
		NumCounters: max(cfg.MaxBytes/100, 1000), // ~10 counters per entry of ~1 KiB
		MaxCost:     cfg.MaxBytes,
		BufferItems: 64,
		Metrics:     true,
	})
	if err != nil {
		return nil, fmt.Errorf("cache: creating ristretto cache: %w", err)
	}
	c := &Cache{cfg: cfg, rc: rc}
	c.gens.keys = make([]atomic.Uint64, keySlotsFor(cfg.MaxBytes))
	if cfg.MaxTTL > cfg.TTL { // with MaxTTL = TTL every TTL is fixed: no scores to seed
		c.sk = newSketch(sketchWidth(cfg.MaxBytes), int64(sketchAgingTTLs*cfg.MaxTTL), cfg.Now().UnixNano())
	}
	return c, nil
}

// Close releases the cache's goroutines and memory. Nil-safe and idempotent;
// the cache then behaves as empty.
func (c *Cache) Close() {
	if c == nil || c.closed.Swap(true) {
		return
	}
	c.rc.Close()
}

// Wait blocks until every Set issued before it has been applied (or
// dropped). For tests and simulations.
func (c *Cache) Wait() {
	if c == nil {
		return
	}
	c.rc.Wait()
}

// Snapshot captures the current global generation, the generation of each
// table, and the time, for a result that depends on every row of tables
// (a table-level read). Take it before sending the query; pass it to Set
// with the same tables. Any write to one of the tables, keyed or not,
// makes the result stale.
func (c *Cache) Snapshot(tables []string) Snapshot {
	if c == nil {
		return Snapshot{}
	}
	s := Snapshot{at: c.cfg.Now().UnixNano(), global: c.gens.global.Load()}
	if len(tables) > 0 {
		s.deps = make([]dep, 0, len(tables))
		for _, t := range tables {
			s.deps = c.gens.read(s.deps, slotOf(t))
		}
	}
	return s
}

// Invalidate makes every entry that read one of tables invisible at once
// (checked on Get; memory is reclaimed lazily), keyed reads included: a
// table-level write. Table names compare case-insensitively in ASCII. Call
// it after the write has been applied.
func (c *Cache) Invalidate(tables []string) {
	if c == nil || len(tables) == 0 {
		return
	}
	for _, t := range tables {
		c.gens.slots[slotOf(t)].Add(1)
		c.gens.counter(c.gens.keySlot(tagUnkeyed, t, "", "")).Add(1)
	}
	c.ctr.invalidations.Add(1)
}

// InvalidateAll makes every entry invisible at once (after DDL, ATTACH, a
// write to unknown tables...).
func (c *Cache) InvalidateAll() {
	if c == nil {
		return
	}
	c.gens.global.Add(1)
	c.ctr.invalidateAlls.Add(1)
}
