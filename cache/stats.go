package cache

import "sync/atomic"

// counters are the cache's own event counts.
type counters struct {
	hits, misses, sets, tooLarge, setsStale atomic.Uint64
	getsStale, expired                      atomic.Uint64
	invalidations, invalidateAlls           atomic.Uint64
	keyInvalidations, coalesced             atomic.Uint64
}

// Stats is a point-in-time copy of a cache's counters. Counts are since New.
type Stats struct {
	// Hits counts Get calls that returned a result.
	Hits uint64
	// Misses counts Get calls that returned nothing (absent, stale or expired).
	Misses uint64
	// Sets counts results handed to ristretto by Set (it may still refuse them).
	Sets uint64
	// SetsDropped counts Sets ristretto dropped because its buffer was full.
	SetsDropped uint64
	// SetsRejected counts Sets ristretto's admission policy refused.
	SetsRejected uint64
	// SetsRejectedTooLarge counts results larger than MaxEntryBytes.
	SetsRejectedTooLarge uint64
	// SetsStale counts results born stale: invalidated between Snapshot and Set.
	SetsStale uint64
	// GetsStale counts entries found but invalidated (then deleted).
	GetsStale uint64
	// ExpiredByScore counts entries found older than their access-scored TTL
	// (or fixed TTL, or MaxTTL), then deleted.
	ExpiredByScore uint64
	// Evictions counts entries ristretto removed (KeysEvicted): evicted to
	// make room, reclaimed after their TTL, or deleted by Get as stale or
	// expired.
	Evictions uint64
	// Invalidations counts table-level invalidations: Invalidate calls
	// with at least one table (a write whose rows could not be named by
	// key, or a table written through a trigger or a foreign key).
	Invalidations uint64
	// KeyInvalidations counts key-level invalidations: InvalidateKeys
	// calls (a write whose rows were named by key).
	KeyInvalidations uint64
	// InvalidateAlls counts InvalidateAll calls.
	InvalidateAlls uint64
	// GetsRefused counts Get calls that missed because the cache was past
	// the bound set by [Cache.ServeUntil].
	GetsRefused uint64
	// Coalesced counts reads that missed while an identical read was
	// already being fetched, and were served its result ([Cache.Await]).
	Coalesced uint64
	// Entries is the number of stored entries, including ones that are
	// invalidated or expired but not yet deleted.
	Entries int64
	// Bytes is the cost currently charged against MaxBytes, in bytes.
	Bytes int64
}

// HitRatio returns Hits / (Hits + Misses), or 0 before any Get.
func (s Stats) HitRatio() float64 {
	if s.Hits+s.Misses == 0 {
		return 0
	}
	return float64(s.Hits) / float64(s.Hits+s.Misses)
}

// Stats returns a snapshot of the counters in O(1): the number of entries
// is ristretto's count of keys added minus keys removed (evicted, deleted
// or expired), both maintained as entries come and go. Nil-safe (zero
// Stats).
func (c *Cache) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	s := Stats{
		Hits:                 c.ctr.hits.Load(),
		Misses:               c.ctr.misses.Load(),
		Sets:                 c.ctr.sets.Load(),
		SetsRejectedTooLarge: c.ctr.tooLarge.Load(),
		SetsStale:            c.ctr.setsStale.Load(),
		GetsStale:            c.ctr.getsStale.Load(),
		ExpiredByScore:       c.ctr.expired.Load(),
		Invalidations:        c.ctr.invalidations.Load(),
		KeyInvalidations:     c.ctr.keyInvalidations.Load(),
		InvalidateAlls:       c.ctr.invalidateAlls.Load(),
		Coalesced:            c.ctr.coalesced.Load(),
		GetsRefused:          c.lease.refused.Load(),
	}
	if c.closed.Load() {
		return s
	}
	if m := c.rc.Metrics; m != nil {
		s.SetsDropped = m.SetsDropped()
		s.SetsRejected = m.SetsRejected()
		s.Evictions = m.KeysEvicted()
		s.Entries = max(int64(m.KeysAdded())-int64(s.Evictions), 0)
	}
	s.Bytes = c.rc.MaxCost() - c.rc.RemainingCost()
	return s
}
