package tursopooled

import (
	"log/slog"
	"sync"
	"time"
)

// Invalidation storms: a workload that keeps invalidating the whole cache
// (DDL or PRAGMA in a loop, statements the classifier cannot name) makes the
// cache useless while it still costs memory and a lookup per query. The
// detector logs one warning per stormLogEvery when more than stormThreshold
// whole-cache invalidations happen within one second, naming the kind of
// statement (never its arguments).
const (
	stormThreshold = 50
	stormLogEvery  = time.Minute
)

type stormDetector struct {
	logger *slog.Logger

	mu          sync.Mutex
	windowStart time.Time
	count       int
	lastLog     time.Time
}

// note counts one whole-cache invalidation caused by st.
func (d *stormDetector) note(now time.Time, st *statement) {
	if d.logger == nil {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if now.Sub(d.windowStart) > time.Second {
		d.windowStart, d.count = now, 0
	}
	d.count++
	if d.count <= stormThreshold || now.Sub(d.lastLog) < stormLogEvery {
		return
	}
	d.lastLog = now
	d.logger.Warn("turso-pooled: cache: invalidation storm: the whole cache was invalidated more than 50 times in a second; consider cache=off for this workload",
		slog.Int("invalidations_per_second", d.count),
		slog.Bool("ddl", st.info.DDL), slog.Bool("pragma", st.info.Pragma), slog.Bool("writes_unknown", st.info.WritesUnknown))
}
