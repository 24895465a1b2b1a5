package cache

import "time"

// Get returns the result cached under k, or false. A result is returned only
// if its key matches exactly, none of the tables it read was invalidated
// since its snapshot, and its age is below its access-scored TTL (never
// above MaxTTL). A hit raises the entry's score. The returned Result is
// shared: do not modify it (see [Result.CopyRow]).
func (c *Cache) Get(k Key) (*Result, bool) {
	if c == nil || !k.Valid() {
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
	return e.res, true
}

// ttlOf returns the effective TTL of e at now.
func (c *Cache) ttlOf(e *entry, now int64) time.Duration {
	if e.fixed > 0 {
		return e.fixed
	}
	idle := time.Duration(now - e.last.Load())
	return effectiveTTL(score(e.hits.Load(), idle, c.cfg.TTL, c.cfg.MaxTTL), c.cfg.TTL, c.cfg.MaxTTL)
}

// Set stores r under k as the result of a query that read tables, sent after
// snap was taken (with the same tables). ttl 0 selects the access-scored
// TTL; a positive ttl is a fixed lifetime, capped at MaxTTL; a negative one
// stores nothing. Set returns false and stores nothing when the result is
// born stale (a generation in snap changed, or a table is missing from snap),
// is larger than MaxEntryBytes, or is already older than MaxTTL; it is best
// effort otherwise (ristretto may drop or refuse to admit it). r must not be
// modified afterwards.
func (c *Cache) Set(k Key, r *Result, tables []string, snap Snapshot, ttl time.Duration) bool {
	if c == nil || !k.Valid() || r == nil || ttl < 0 {
		return false
	}
	size := r.Size()
	if size > c.cfg.MaxEntryBytes {
		c.ctr.tooLarge.Add(1)
		return false
	}
	if !covers(snap.deps, tables) || !c.gens.current(snap.global, snap.deps) {
		c.ctr.setsStale.Add(1)
		return false
	}
	remaining := c.cfg.MaxTTL - time.Duration(c.cfg.Now().UnixNano()-snap.at)
	if remaining <= 0 {
		c.ctr.setsStale.Add(1)
		return false
	}
	e := &entry{key: k.canon, res: r, birth: snap.at, fixed: min(ttl, c.cfg.MaxTTL), global: snap.global, deps: snap.deps}
	e.last.Store(snap.at)
	cost := size + int64(len(k.canon)) + entryOverhead + int64(len(snap.deps))*16
	if !c.rc.SetWithTTL(k.canon, e, cost, remaining) {
		return false
	}
	c.ctr.sets.Add(1)
	return true
}

// covers reports whether every table has a slot recorded in deps.
func covers(deps []dep, tables []string) bool {
	for _, t := range tables {
		s, found := slotOf(t), false
		for _, d := range deps {
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
