package tursopooled

import (
	"database/sql"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/cachebus"
	"github.com/turso-pooled/tursopooled/compress"
	"github.com/turso-pooled/tursopooled/pool"
)

// Stats is a point-in-time snapshot of a connector's pool, cache and
// compression counters. It holds no secret and no live reference.
type Stats struct {
	Pool        pool.Stat      // connections, acquires, waits, breaker, adaptive target
	Cache       cache.Stats    // zero when cache=off
	Compression compress.Stats // frames written and read
	CacheOn     bool           // cache=on
	CompressOn  bool           // compress=br
	Bus         cachebus.Stats // cache bus subscription and messages; zero when cache_bus is off
	BusOn       bool           // cache_bus is set (and cache=on)
}

// Stats returns a snapshot of the connector's counters.
func (c *Connector) Stats() Stats {
	return Stats{
		Pool:        c.pool.Stat(),
		Cache:       c.cache.Stats(),
		Compression: c.codec.Stats(),
		CacheOn:     c.cache != nil,
		CompressOn:  c.compressWrites,
		Bus:         c.bus.Stats(),
		BusOn:       c.bus != nil,
	}
}

// StatsOf returns the turso-pooled counters of a *sql.DB opened with
// sql.Open("turso-pooled", …) or sql.OpenDB of a [Connector]. ok is false
// for a DB of another driver (for instance one wrapped by an
// instrumentation driver that hides the connector; keep the *Connector and
// call its Stats method then).
func StatsOf(db *sql.DB) (s Stats, ok bool) {
	c, ok := ConnectorOf(db)
	if !ok {
		return Stats{}, false
	}
	return c.Stats(), true
}

// ConnectorOf returns the [Connector] behind db, if db uses turso-pooled.
func ConnectorOf(db *sql.DB) (*Connector, bool) {
	d, ok := db.Driver().(*Driver)
	if !ok || d.connector == nil {
		return nil, false
	}
	return d.connector, true
}
