package cache

import "time"

// Score parameters (see the package documentation for the rationale).
const (
	// scoreHalfHits is the hit count at which an entry is half-way hot:
	// hotness = n / (n + scoreHalfHits), so one hit gives 2/3, three hits
	// 6/7. The simulation (sim_test.go) showed that a faster rise gains
	// under 1 % more hits, while each step toward "one hit = MaxTTL" keeps
	// barely-reused results alive longer.
	scoreHalfHits = 0.5
	// sketchAgingTTLs is the halving period of the access sketch in units
	// of MaxTTL: counts fade by half every 4 × MaxTTL (50 s by default), so
	// a query re-requested within the last few tens of seconds is
	// remembered when its result is fetched again. Measured with
	// sim_test.go: halving every 1 × MaxTTL recovers 62–73 % of the
	// MaxTTL ceiling's gain, 4 × 75–84 %, 8 × 78–85 %.
	sketchAgingTTLs = 4
)

// score returns the access score of an entry in [0, 1]: hotness (saturating
// in n, the requests credited to the entry: its hits plus its prior) times
// recency (1 while the entry was hit within the last TTL, then decaying
// linearly to 0 when it has been idle for MaxTTL). Pure function of its
// arguments; no clock.
func score(n uint32, idle, ttl, maxTTL time.Duration) float64 {
	if n == 0 {
		return 0
	}
	hot := float64(n) / (float64(n) + scoreHalfHits)
	rec := 1.0
	if idle > ttl {
		span := maxTTL - ttl
		if span <= 0 {
			return 0
		}
		rec = 1 - float64(idle-ttl)/float64(span)
	}
	return clamp01(hot * rec)
}

func clamp01(x float64) float64 {
	switch {
	case x > 1:
		return 1
	case x > 0:
		return x
	default: // also NaN
		return 0
	}
}

// effectiveTTL returns TTL + (MaxTTL − TTL) × score, always within
// [ttl, maxTTL].
func effectiveTTL(s float64, ttl, maxTTL time.Duration) time.Duration {
	d := ttl + time.Duration(float64(maxTTL-ttl)*clamp01(s))
	return min(max(d, ttl), maxTTL)
}

// priorOf returns the requests credited to a new entry before its first
// hit, from est, the sketch's decayed count of the key's requests. The Get
// miss that led to the Set is in est, so it is not credited: a query not
// requested before (within the sketch's memory) starts at score 0.
func priorOf(est uint32) uint32 {
	return est - min(est, 1)
}

// satAdd returns a + b, saturating at the largest uint32.
func satAdd(a, b uint32) uint32 {
	if s := a + b; s >= a {
		return s
	}
	return ^uint32(0)
}
