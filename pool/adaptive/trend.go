package adaptive

import (
	"math"
	"strconv"
	"time"
)

// Trend is the direction of the acquire rate: the short moving average
// compared with the long one (see [Config.TrendBand]), where rising also
// needs the short average to be still climbing.
type Trend int

// The trends, ordered from falling to rising.
const (
	// TrendFalling: the short average is below the long one by more than the band.
	TrendFalling Trend = iota - 1
	// TrendStable: the averages are within the band of each other (also the
	// trend before two samples have been seen).
	TrendStable
	// TrendRising: the short average is above the long one by more than the
	// band and did not drop at the last sample. (Right after a burst the
	// short average is still far above the long one while the rate has
	// already collapsed; that reads stable, not rising.)
	TrendRising
)

// String returns "falling", "stable" or "rising" ("Trend(n)" otherwise).
func (t Trend) String() string {
	switch t {
	case TrendFalling:
		return "falling"
	case TrendStable:
		return "stable"
	case TrendRising:
		return "rising"
	}
	return "Trend(" + strconv.Itoa(int(t)) + ")"
}

// ewmaWeight is the weight of a new observation made dt after the previous
// one in an exponentially weighted moving average with time constant tau:
// irregular sampling intervals are weighted by the time they cover.
func ewmaWeight(dt, tau time.Duration) float64 {
	if dt <= 0 {
		return 0
	}
	return 1 - math.Exp(-float64(dt)/float64(tau))
}

// rateTracker turns a cumulative counter sampled at irregular instants into
// a short and a long moving average of its rate per second, and a trend.
// It holds O(1) state. Not safe for concurrent use.
type rateTracker struct {
	short, long time.Duration // time constants
	band        float64

	seen        bool
	last        int64     // counter at lastAt
	lastAt      time.Time // instant of the previous sample
	fast, slow  float64   // averages, per second
	fastBefore  float64   // fast before the last update
	initialised bool      // averages hold a first rate
}

// update feeds the counter value at now. A counter that went backwards (a
// reset) restarts the deltas without disturbing the averages.
func (r *rateTracker) update(now time.Time, count int64) {
	if !r.seen || count < r.last {
		r.seen, r.last, r.lastAt = true, count, now
		return
	}
	dt := now.Sub(r.lastAt)
	if dt <= 0 {
		return
	}
	rate := float64(count-r.last) / dt.Seconds()
	r.last, r.lastAt = count, now
	if !r.initialised {
		r.fast, r.slow, r.initialised = rate, rate, true
		return
	}
	r.fastBefore = r.fast
	r.fast += ewmaWeight(dt, r.short) * (rate - r.fast)
	r.slow += ewmaWeight(dt, r.long) * (rate - r.slow)
}

// rate returns the short moving average in events per second.
func (r *rateTracker) rate() float64 { return r.fast }

// trend compares the averages. The band is relative to the long average but
// at least one event per second wide, so that near-idle noise reads stable.
func (r *rateTracker) trend() Trend {
	gap := r.band * math.Max(r.slow, 1)
	switch d := r.fast - r.slow; {
	case d > gap && r.fast >= r.fastBefore:
		return TrendRising
	case d < -gap:
		return TrendFalling
	}
	return TrendStable
}
