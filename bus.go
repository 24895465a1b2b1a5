package tursopooled

import (
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/cachebus"
)

// startBus starts the cache bus when cache_bus is set: a malformed URL was
// refused by Validate; an unreachable server is reported by Stats and logs
// while the fallback applies.
func (f *features) startBus(cfg *Config, logger *slog.Logger) error {
	if cfg.CacheBus == "" || f.cache == nil {
		return nil
	}
	bus, err := cachebus.New(cachebus.Config{
		URL:      cfg.CacheBus,
		Channel:  cfg.CacheBusChannel,
		Identity: busIdentity(cfg),
		Fallback: cfg.CacheBusFallback,
		Target:   busTarget{f},
		Logger:   logger,
	})
	if err != nil {
		return &ConfigError{Key: "cache_bus", Value: redactBusURL(cfg.CacheBus), Accepted: "a Redis URL the client accepts", Err: err}
	}
	f.bus = bus
	return nil
}

// busIdentity names the database for the cache bus: the lower-cased host,
// port and path of the URL, whatever the scheme (libsql://, https:// and
// wss:// reach the same database) and whoever connects (the token is not
// part of it: replicas holding different tokens share invalidations, which
// can only make them invalidate more). A file: URL is its path.
func busIdentity(cfg *Config) string {
	base, _, _ := strings.Cut(cfg.URL, "?")
	u, err := url.Parse(base)
	if err != nil {
		return base
	}
	if u.Scheme == "file" {
		return "file:" + u.Opaque + u.Path
	}
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && p != "443" && p != "80" {
		host += ":" + p
	}
	return host + strings.TrimSuffix(u.Path, "/")
}

// publish sends what a write through this process invalidated to the
// other processes on the bus, before the write's result returns: when
// named is false, everything; otherwise the tables and the keyed write
// (nil: none). Nothing when the bus is off.
func (f *features) publish(named bool, tables []string, keys *cache.KeyedWrite) {
	if f.bus == nil {
		return
	}
	inv := cachebus.Invalidation{All: !named}
	if named {
		inv.Tables = tables
		if keys != nil {
			if kw, ok := compactKeys(*keys); ok {
				inv.Keys = []cache.KeyedWrite{kw}
			} else {
				inv.Tables = append(slices.Clone(tables), keys.Table)
			}
		}
		if len(inv.Tables) == 0 && len(inv.Keys) == 0 {
			return
		}
	}
	f.bus.Publish(inv)
}

// Bounds on the keys a bus message carries: row values travel only as far
// as keying needs them, and a message stays far below what subscribers
// accept.
const (
	maxBusKeyValueBytes = 256     // a column with a longer value travels as unkeyed
	maxBusKeysBytes     = 1 << 16 // keys beyond this travel as a table-level invalidation
)

// compactKeys returns w for a bus message: a column with a value longer
// than maxBusKeyValueBytes becomes unkeyed (the other replicas drop every
// keyed read of that column, a superset of what the write changed). false
// when the keys left are still larger than maxBusKeysBytes or none is left:
// the table then travels as a table-level invalidation.
func compactKeys(w cache.KeyedWrite) (cache.KeyedWrite, bool) {
	out := cache.KeyedWrite{Table: w.Table, Unkeyed: slices.Clone(w.Unkeyed)}
	size := 0
	for _, cv := range w.Keyed {
		n := 0
		for _, v := range cv.Values {
			if len(v) > maxBusKeyValueBytes {
				n = -1
				break
			}
			n += len(v)
		}
		if n < 0 {
			out.Unkeyed = append(out.Unkeyed, cv.Column)
			continue
		}
		size += n
		out.Keyed = append(out.Keyed, cv)
	}
	return out, len(out.Keyed) > 0 && size <= maxBusKeysBytes
}

// busTarget applies remote invalidations to the features' cache. A remote
// "everything" also forgets the schema map: it follows DDL, or a write
// whose targets could not be named, made by another process.
type busTarget struct{ f *features }

func (t busTarget) InvalidateAll() {
	t.f.schema.reset()
	t.f.cache.InvalidateAll()
}

func (t busTarget) Invalidate(tables []string)        { t.f.cache.Invalidate(tables) }
func (t busTarget) InvalidateKeys(w cache.KeyedWrite) { t.f.cache.InvalidateKeys(w) }
func (t busTarget) ServeUntil(until time.Time)        { t.f.cache.ServeUntil(until) }
