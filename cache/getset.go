package cache

import (
	"strings"
	"time"
)

// Get returns the result cached under k, or false. A result is returned only
// if its key matches exactly, none of the tables it read was invalidated
// since its snapshot, and its age is below its access-scored TTL (never
// above MaxTTL). A hit raises the entry's score. Every Get of a valid key,
// hit or miss, also counts one request of k in a fixed-size access sketch,
// from which Set seeds the score of k's next entry. The returned Result is
// shared: do not modify it (see [Result.CopyRow]).
func (c *Cache) Get(k Key) (*Result, bool) {
	if c == nil || !k.Valid() {
		return nil, false
	}
	c.sk.increment(k.hash)
	if c.refusing() {
		c.lease.refused.Add(1)
		c.ctr.misses.Add(1)
		return nil, false
	}
	e, ok := c.rc.Get(k.canon)
	if !ok || e == nil || e.key != k.canon {
		c.ctr.misses.Add(1)
		return nil, false
	}
	if !c.gens.current(e.global, e.deps) {
		c.rc.Del(k.canon)
		c.ctr.getsStale.Add(1)
		c.ctr.misses.Add(1)
		return nil, false
	}
	now := c.cfg.Now().UnixNano()
	if time.Duration(now-e.birth) >= c.ttlOf(e, now) {
		c.rc.Del(k.canon)
		c.ctr.expired.Add(1)
		c.ctr.misses.Add(1)
		return nil, false
	}
	e.hits.Add(1)
	e.last.Store(now)
	c.ctr.hits.Add(1)
	c.sk.maybeHalve(now) // here and in Set, which read the clock anyway
	return e.res, true
}

// ttlOf returns the effective TTL of e at now.
func (c *Cache) ttlOf(e *entry, now int64) time.Duration {
	if e.fixed > 0 {
		return e.fixed
	}
	idle := time.Duration(now - e.last.Load())
	hits := satAdd(e.hits.Load(), e.prior)
	return effectiveTTL(score(hits, idle, c.cfg.TTL, c.cfg.MaxTTL), c.cfg.TTL, c.cfg.MaxTTL)
}

// Set stores r under k as the result of a query that read tables, sent after
// snap was taken (with the same tables; a keyed snapshot from
// [Cache.SnapshotKey] with its one table). ttl 0 selects the access-scored
// TTL, whose score starts from how often k was requested recently (the
// access sketch's count, minus the miss that led here); a positive ttl is a
// fixed lifetime, capped at MaxTTL; a negative one stores nothing. Set returns false and stores nothing when the result is
// born stale (a generation in snap changed, or a table is missing from snap),
// is larger than MaxEntryBytes, or is already older than MaxTTL; it is best
// effort otherwise (ristretto may drop or refuse to admit it); an entry that
// was admitted is visible to the next Get. r must not be modified afterwards.
func (c *Cache) Set(k Key, r *Result, tables []string, snap Snapshot, ttl time.Duration) bool {
	if c == nil || !k.Valid() || r == nil || ttl < 0 || c.refusing() {
		return false
	}
	size := r.Size()
	if size > c.cfg.MaxEntryBytes {
		c.ctr.tooLarge.Add(1)
		return false
	}
	if !covers(snap, tables) || !c.gens.current(snap.global, snap.deps) {
		c.ctr.setsStale.Add(1)
		return false
	}
	now := c.cfg.Now().UnixNano()
	remaining := c.cfg.MaxTTL - time.Duration(now-snap.at)
	if remaining <= 0 {
		c.ctr.setsStale.Add(1)
		return false
	}
	c.sk.maybeHalve(now)
	e := &entry{key: k.canon, res: r, birth: snap.at, fixed: min(ttl, c.cfg.MaxTTL), global: snap.global, deps: snap.deps}
	if ttl == 0 {
		e.prior = priorOf(c.sk.estimate(k.hash))
	}
	e.last.Store(snap.at)
	cost := size + int64(len(k.canon)) + entryOverhead + int64(len(snap.deps))*16
	if !c.rc.SetWithTTL(k.canon, e, cost, remaining) {
		return false
	}
	// ristretto applies sets asynchronously; waiting (one hand-off to its
	// goroutine, microseconds after a fill that took a round trip) makes the
	// entry visible to the very next Get, as a caller reading its own
	// query twice expects.
	c.rc.Wait()
	c.ctr.sets.Add(1)
	return true
}

// covers reports whether snap was taken for tables: a keyed snapshot for
// its one table, or a table-level one with every table's slot.
func covers(snap Snapshot, tables []string) bool {
	if snap.keyTable != "" {
		return len(tables) == 1 && strings.EqualFold(tables[0], snap.keyTable)
	}
	for _, t := range tables {
		s, found := slotOf(t), false
		for _, d := range snap.deps {
			if d.slot == s {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}
