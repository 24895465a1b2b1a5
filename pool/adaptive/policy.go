package adaptive

import (
	"fmt"
	"time"
)

// Policy decides the adaptive limit of a pool from a stream of [Sample]s.
// It is pure: it starts no goroutine, reads no clock and keeps O(1) memory;
// time only advances through [Sample.Now].
//
// A Policy is not safe for concurrent use: the pool must call all of its
// methods from one goroutine or under one lock.
type Policy struct {
	cfg    Config
	target int
	rate   rateTracker
	guard  overloadGuard

	lastUp, lastDown, lastShrink time.Time
	hasUp, hasDown, hasShrink    bool
	lastDir                      int           // +1 after an up-step, -1 after a down-step
	dwell                        time.Duration // current minimum time between opposite steps

	upHeldUntil time.Time // no up-step before this (set by an overload shrink)
	// ssthresh is the limit an overload shrink left (0: none recently):
	// until ssthreshUntil, growth above it is additive (see probeCap).
	ssthresh      int
	ssthreshUntil time.Time

	downHeld  bool      // the down conditions held at every sample since downSince
	downSince time.Time // first sample of the current run of down conditions
	downPeak  int       // highest in-use count seen during that run
}

// New validates cfg and returns a policy whose limit starts at cfg.Min.
// The error wraps [ErrInvalidConfig].
func New(cfg Config) (*Policy, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Policy{
		cfg:    cfg,
		target: cfg.Min,
		rate:   rateTracker{short: cfg.TrendShort, long: cfg.TrendLong, band: cfg.TrendBand},
		guard:  newOverloadGuard(cfg.Overload),
		dwell:  cfg.UpDwell,
	}, nil
}

// Evaluate is the periodic tick, to be called every [Config.Interval]. It
// updates the request rate, its trend and the overload guard from s, then
// applies, in this order: the overload guard (hold or shrink), the up rules
// (utilization, queue, average wait) and the down rule with hysteresis.
func (p *Policy) Evaluate(s Sample) Decision {
	cur := p.current(s)
	p.rate.update(s.Now, s.Acquires)
	p.guard.update(s.Now, s.OpLatencyP50, s.Ops, s.InUse)
	if d, ok := p.clamp(cur); ok {
		return d
	}
	if p.guard.overloaded {
		p.downHeld = false
		return p.overloadStep(s.Now, cur)
	}
	if factor, why, ok := p.upTrigger(s, cur); ok {
		p.downHeld = false
		return p.grow(s, cur, factor, why)
	}
	return p.downStep(s, cur)
}

// OnQueue is to be called when an acquirer starts waiting, so the limit can
// grow at once instead of at the next tick. It grows to
// max(ceil(limit × factor), InUse + Waiting), capped at Max, unless no one
// waits, the server is overloaded, the limit already covers every in-use and
// waiting acquirer (they wait for connections being opened), or the last
// up-step was less than [Config.QueueReactEvery] ago. It does not update the
// rate or the overload guard; only Evaluate does.
func (p *Policy) OnQueue(s Sample) Decision {
	cur := p.current(s)
	if d, ok := p.clamp(cur); ok {
		return d
	}
	if s.Waiting <= 0 {
		return p.hold(cur, "hold: no acquirer waiting")
	}
	p.downHeld = false
	if p.guard.overloaded {
		return p.hold(cur, "hold: "+p.guard.describe())
	}
	// The common cases during a burst are answered without formatting.
	if s.Now.Before(p.upHeldUntil) {
		return p.hold(cur, "hold: queue forming, but within the dwell after an overload shrink")
	}
	if p.hasUp && s.Now.Sub(p.lastUp) < p.cfg.QueueReactEvery {
		return p.hold(cur, "hold: queue forming, but the last up-step is within QueueReactEvery")
	}
	return p.grow(s, cur, p.factor(utilization(s, cur)), fmt.Sprintf("queue of %d forming", s.Waiting))
}

// Trend returns the direction of the acquire rate as of the last Evaluate.
func (p *Policy) Trend() Trend { return p.rate.trend() }

// RatePerSecond returns the short moving average of acquires per second
// (time constant [Config.TrendShort]) as of the last Evaluate.
func (p *Policy) RatePerSecond() float64 { return p.rate.rate() }

// Stats is a snapshot of a policy's internal estimates, for metrics.
type Stats struct {
	Target          int           // the limit last returned
	Trend           Trend         // direction of the acquire rate
	RatePerSecond   float64       // short average of acquires per second
	OpsPerSecond    float64       // short average of operations per second
	Overloaded      bool          // the overload guard is active
	Gradient        float64       // latency baseline / smoothed p50, in (0, 1]; 1 before any data
	LatencyBaseline time.Duration // long-term operation latency baseline
	LatencyP50      time.Duration // smoothed short-term operation latency p50
	UpDwell         time.Duration // current minimum time from an up-step to a down-step
}

// Stats returns a snapshot of the policy's estimates.
func (p *Policy) Stats() Stats {
	return Stats{
		Target:          p.target,
		Trend:           p.rate.trend(),
		RatePerSecond:   p.rate.rate(),
		OpsPerSecond:    p.guard.ops.rate(),
		Overloaded:      p.guard.overloaded,
		Gradient:        p.guard.gradient,
		LatencyBaseline: time.Duration(p.guard.baseline),
		LatencyP50:      time.Duration(p.guard.p50),
		UpDwell:         p.dwell,
	}
}
