package cache

import "time"

// Score parameters (see the package documentation for the rationale).
const (
	// scoreHalfHits is the hit count at which an entry is half-way hot:
	// hotness = hits / (hits + scoreHalfHits), so one hit gives 2/3, three
	// hits 6/7. The simulation (sim_test.go) showed that a faster rise gains
	// under 1 % more hits, while each step toward "one hit = MaxTTL" keeps
	// barely-reused results alive longer.
	scoreHalfHits = 0.5
)

// score returns the access score of an entry in [0, 1]: hotness (saturating
// in the number of hits) times recency (1 while the entry was hit within
// the last TTL, then decaying linearly to 0 when it has been idle for
// MaxTTL). Pure function of its arguments; no clock.
func score(hits uint32, idle, ttl, maxTTL time.Duration) float64 {
	if hits == 0 {
		return 0
	}
	hot := float64(hits) / (float64(hits) + scoreHalfHits)
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
