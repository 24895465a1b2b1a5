package cache

import (
	"math"
	"sync/atomic"
	"time"
)

// lease bounds when the cache may serve: set by [Cache.ServeUntil], for a
// cache whose invalidations come partly from elsewhere (the cache bus) and
// are known to be complete only up to some moment. The zero lease is
// unbounded.
type lease struct {
	on      atomic.Bool  // ServeUntil was called
	until   atomic.Int64 // UnixNano; the cache serves while now < until
	refused atomic.Uint64
}

// ServeUntil bounds when the cache serves: from now on, at and after t, Get
// misses (counted in Stats.GetsRefused), Set stores nothing and Await shares
// nothing, until a later call moves the bound. The zero t stops serving at
// once. Generations are untouched: a later bound serves again every entry
// that no invalidation made stale meanwhile. A new cache serves without
// bound. Nil-safe; safe for concurrent use.
func (c *Cache) ServeUntil(t time.Time) {
	if c == nil {
		return
	}
	until := int64(math.MinInt64)
	if !t.IsZero() {
		until = t.UnixNano()
	}
	c.lease.until.Store(until)
	c.lease.on.Store(true)
}

// refusing reports whether the cache is past the bound of ServeUntil.
func (c *Cache) refusing() bool {
	return c.lease.on.Load() && c.cfg.Now().UnixNano() >= c.lease.until.Load()
}
