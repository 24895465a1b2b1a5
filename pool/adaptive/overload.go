package adaptive

import (
	"fmt"
	"math"
	"time"
)

// nearBaseline: a smoothed p50 within 10 % of the baseline counts as
// "latency at its baseline", and the operating point is re-anchored there.
const nearBaseline = 1.1

// baselineBuckets is how many sub-windows the baseline window is split
// into; the baseline is the minimum of their minima.
const baselineBuckets = 8

// overloadGuard detects a server that slows down without delivering more
// work (see doc.go, "Overload guard"). It holds O(1) state and is not safe
// for concurrent use.
type overloadGuard struct {
	cfg OverloadConfig
	ops rateTracker // short average = smoothed operations per second

	seen     bool
	lastOps  int64 // Ops at the last judged sample
	lastAt   time.Time
	p50      float64 // smoothed p50, nanoseconds
	load     float64 // smoothed connections in use (≥ 1)
	baseline float64 // windowed minimum of p50, nanoseconds

	// Windowed minimum: mins[bucket] is the minimum of the bucket that started
	// at bucketAt; older buckets expire one by one (a sliding window of
	// BaselineWindow in baselineBuckets steps, O(1) memory).
	mins     [baselineBuckets]float64
	bucket   int
	filled   int
	bucketAt time.Time

	// Reference operating point: the last point that was at the baseline
	// or at least as efficient as the previous reference.
	refOps  float64
	refLat  float64
	refLoad float64

	overloaded bool
	gradient   float64 // baseline / p50, in (0, 1]
}

func newOverloadGuard(cfg OverloadConfig) overloadGuard {
	return overloadGuard{
		cfg:      cfg,
		ops:      rateTracker{short: cfg.ShortWindow, long: cfg.BaselineWindow, band: DefaultTrendBand},
		gradient: 1,
	}
}

// update feeds one periodic sample; inUse is the number of connections in
// use at the sample (the concurrency the server sees from this pool).
func (g *overloadGuard) update(now time.Time, p50 time.Duration, ops int64, inUse int) {
	if g.cfg.Disabled {
		return
	}
	g.ops.update(now, ops)
	if p50 <= 0 || (g.seen && ops == g.lastOps) {
		return // no operation since the last sample: nothing new to judge
	}
	lat, load := float64(p50), float64(max(inUse, 1))
	if !g.seen {
		g.seen, g.lastOps, g.lastAt, g.p50, g.load = true, ops, now, lat, load
		g.mins[0], g.filled, g.bucketAt, g.baseline = lat, 1, now, lat
		g.anchor()
		return
	}
	dt := now.Sub(g.lastAt)
	if dt <= 0 {
		return
	}
	g.lastAt, g.lastOps = now, ops
	w := ewmaWeight(dt, g.cfg.ShortWindow)
	g.p50 += w * (lat - g.p50)
	g.load += w * (load - g.load)
	g.baseline = g.windowMin(now, g.p50)
	g.gradient = g.baseline / g.p50
	g.judge()
}

// windowMin records v at now and returns the minimum over the last
// BaselineWindow (to within one bucket).
func (g *overloadGuard) windowMin(now time.Time, v float64) float64 {
	span := g.cfg.BaselineWindow / baselineBuckets
	for steps := 0; now.Sub(g.bucketAt) >= span && steps < baselineBuckets; steps++ {
		g.bucket = (g.bucket + 1) % baselineBuckets
		g.mins[g.bucket] = math.Inf(1)
		g.filled = min(g.filled+1, baselineBuckets)
		g.bucketAt = g.bucketAt.Add(span)
	}
	if now.Sub(g.bucketAt) >= span { // a gap longer than the whole window
		g.bucketAt = now
	}
	g.mins[g.bucket] = math.Min(g.mins[g.bucket], v)
	m := math.Inf(1)
	for i := range g.filled {
		m = math.Min(m, g.mins[(g.bucket-i+baselineBuckets)%baselineBuckets])
	}
	return m
}

// judge re-anchors the reference point when warranted and decides whether
// the server is overloaded.
func (g *overloadGuard) judge() {
	rate := g.ops.rate()
	atBaseline := g.p50 <= g.baseline*nearBaseline
	// At least as efficient as the reference: throughput grew at least as
	// much as latency and as the limit (multiplied out: no division by 0).
	efficient := rate*g.refLat >= g.p50*g.refOps && rate*g.refLoad >= g.load*g.refOps
	if atBaseline || efficient {
		g.anchor()
	}
	growth := math.Max(g.p50/g.refLat, g.load/g.refLoad)
	excused := rate >= g.cfg.Efficiency*growth*g.refOps
	g.overloaded = g.gradient < 1/g.cfg.Tolerance && !excused
}

// anchor makes the current point the reference operating point.
func (g *overloadGuard) anchor() {
	g.refOps, g.refLat, g.refLoad = g.ops.rate(), g.p50, g.load
}

// shrinkTarget returns the limit one overload step goes to from cur:
// cur × max(gradient, MaxShrink) rounded up, at least one less than cur,
// never below lo.
func (g *overloadGuard) shrinkTarget(cur, lo int) int {
	f := math.Max(g.gradient, g.cfg.MaxShrink)
	return max(lo, min(cur-1, ceilInt(float64(cur)*f)))
}

// describe renders the guard's view for a Decision reason.
func (g *overloadGuard) describe() string {
	return fmt.Sprintf("server overloaded (p50 %v vs baseline %v, gradient %.2f)",
		roundDur(g.p50), roundDur(g.baseline), g.gradient)
}

// roundDur renders nanoseconds as a duration rounded for humans.
func roundDur(ns float64) time.Duration {
	d := time.Duration(ns)
	switch {
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	case d >= 10*time.Microsecond:
		return d.Round(time.Microsecond)
	}
	return d
}
