package adaptive

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// current returns the limit in force: the sample's, or the last decided.
func (p *Policy) current(s Sample) int {
	if s.Target > 0 {
		return s.Target
	}
	return p.target
}

// clamp brings a limit outside [Min, Max] back inside; ok reports that it had to.
func (p *Policy) clamp(cur int) (Decision, bool) {
	next := max(p.cfg.Min, min(cur, p.cfg.Max))
	if next == cur {
		return Decision{}, false
	}
	p.target = next
	return Decision{Target: next, Changed: true,
		Reason: fmt.Sprintf("clamp: limit %d outside [Min %d, Max %d]", cur, p.cfg.Min, p.cfg.Max)}, true
}

// hold keeps cur.
func (p *Policy) hold(cur int, reason string) Decision {
	p.target = cur
	return Decision{Target: cur, Reason: reason}
}

// apply moves the limit from cur to next and records the step's direction.
func (p *Policy) apply(now time.Time, cur, next int, reason string) Decision {
	p.target = next
	switch {
	case next > cur:
		p.recordUp(now)
	case next < cur:
		p.recordDown(now)
	}
	return Decision{Target: next, Changed: next != cur, Reason: reason}
}

// recordUp notes an up-step; one that reverses a recent down-step doubles the dwell.
func (p *Policy) recordUp(now time.Time) {
	if p.lastDir < 0 {
		if now.Sub(p.lastDown) < p.cfg.MaxUpDwell {
			p.dwell = min(2*p.dwell, p.cfg.MaxUpDwell)
		} else {
			p.dwell = p.cfg.UpDwell
		}
	}
	p.lastUp, p.hasUp, p.lastDir = now, true, 1
}

// recordDown notes a down-step. It leaves the dwell alone: a doubled dwell
// returns to UpDwell only when an up-step comes MaxUpDwell or more after
// the last down-step (see recordUp), so a load that keeps reversing the
// limit keeps the longer dwell.
func (p *Policy) recordDown(now time.Time) {
	p.lastDown, p.hasDown, p.lastDir = now, true, -1
}

// utilization is InUse as a fraction of the limit.
func utilization(s Sample, cur int) float64 {
	return float64(s.InUse) / float64(cur)
}

// factor is the plan's up factor for a utilization.
func (p *Policy) factor(util float64) float64 {
	switch {
	case util > p.cfg.HighUtilization:
		return p.cfg.UpFactorHigh
	case util > p.cfg.UpUtilization:
		return p.cfg.UpFactorMid
	}
	return p.cfg.UpFactorLow
}

// upTrigger applies the plan's up rules; ok reports that one fired, why names it.
func (p *Policy) upTrigger(s Sample, cur int) (factor float64, why string, ok bool) {
	util := utilization(s, cur)
	factor = p.factor(util)
	switch {
	case util > p.cfg.UpUtilization:
		limit := p.cfg.UpUtilization
		if util > p.cfg.HighUtilization {
			limit = p.cfg.HighUtilization
		}
		return factor, fmt.Sprintf("utilization %.2f > %.2f", util, limit), true
	case s.Waiting > p.cfg.UpQueue:
		return factor, fmt.Sprintf("queue %d > %d", s.Waiting, p.cfg.UpQueue), true
	case s.WaitAvg > p.cfg.UpWait:
		return factor, fmt.Sprintf("average wait %v > %v", s.WaitAvg, p.cfg.UpWait), true
	}
	return 0, "", false
}

// grow takes one up-step of factor, raised to cover InUse+Waiting, unless
// the queue is already covered, the limit is at Max, or the last up-step is
// too recent.
func (p *Policy) grow(s Sample, cur int, factor float64, why string) Decision {
	demand := s.InUse + s.Waiting
	switch {
	case s.Waiting > 0 && demand <= cur:
		return p.hold(cur, fmt.Sprintf("hold: %s, but limit %d covers %d in use + %d waiting (connections opening)",
			why, cur, s.InUse, s.Waiting))
	case cur >= p.cfg.Max:
		return p.hold(cur, fmt.Sprintf("hold: %s, but at Max %d", why, p.cfg.Max))
	case s.Now.Before(p.upHeldUntil):
		return p.hold(cur, fmt.Sprintf("hold: %s, but within %v after an overload shrink",
			why, p.upHeldUntil.Sub(p.lastShrink)))
	case p.hasUp && s.Now.Sub(p.lastUp) < p.cfg.QueueReactEvery:
		return p.hold(cur, fmt.Sprintf("hold: %s, but last up-step %v ago < QueueReactEvery %v",
			why, s.Now.Sub(p.lastUp), p.cfg.QueueReactEvery))
	}
	next := ceilInt(float64(cur) * factor)
	reason := fmt.Sprintf("up ×%s: %s", fmtFactor(factor), why)
	if next < demand {
		next = demand
		reason += fmt.Sprintf(", raised to demand %d", demand)
	}
	if next > p.cfg.Max {
		next = p.cfg.Max
		reason += fmt.Sprintf(", capped at Max %d", p.cfg.Max)
	}
	if capped, note, ok := p.probeCap(s.Now, cur, next); !ok {
		return p.hold(cur, fmt.Sprintf("hold: %s, but %s", why, note))
	} else if capped < next {
		next, reason = capped, reason+", "+note
	}
	return p.apply(s.Now, cur, next, reason)
}

// probeCap limits growth after an overload shrink, like TCP's congestion
// avoidance above ssthresh: up to the limit the shrink left, growth is as
// usual; above it, one step of +10 % (at least +1) per Interval, so that
// the level that overloaded the server is approached slowly and the guard
// sees the latency rise before the server is swamped again. ok false means
// no step now.
func (p *Policy) probeCap(now time.Time, cur, next int) (capped int, note string, ok bool) {
	if p.ssthresh == 0 || !now.Before(p.ssthreshUntil) || next <= p.ssthresh {
		return next, "", true
	}
	if cur >= p.ssthresh && p.hasUp && now.Sub(p.lastUp) < p.cfg.Interval {
		return cur, fmt.Sprintf("probing above the last overload shrink (%d): one step per Interval", p.ssthresh), false
	}
	step := max(p.ssthresh, cur+max(1, ceilInt(float64(cur)*probeStep)))
	return min(next, step), fmt.Sprintf("probing above the last overload shrink (%d) by +10 %%", p.ssthresh), true
}

// probeStep is the relative growth per Interval above ssthresh.
const probeStep = 0.1

// downStep applies the down rule with hysteresis: the conditions must have
// held for DownStableFor, the last down-step must be DownStableFor old and
// the last up-step older than the current dwell. The step goes to the peak
// demand seen while the conditions held, at DownTo utilization (no step
// when that is not below the limit), or is the plan's ×DownFactor when
// DownTo is 0 (see [Config.DownTo]).
func (p *Policy) downStep(s Sample, cur int) Decision {
	util, trend := utilization(s, cur), p.rate.trend()
	if !(util < p.cfg.DownUtilization && s.WaitAvg < p.cfg.DownWait && s.Waiting == 0 && trend != TrendRising) {
		p.downHeld = false
		return p.hold(cur, fmt.Sprintf("hold: utilization %.2f, %d waiting, average wait %v, trend %s",
			util, s.Waiting, s.WaitAvg, trend))
	}
	if !p.downHeld {
		// PeakInUse covers the period before this sample, when the down
		// conditions did not hold yet (the end of a burst): only the
		// current count opens the window.
		p.downHeld, p.downSince, p.downPeak = true, s.Now, s.InUse
	} else {
		p.downPeak = max(p.downPeak, s.InUse, s.PeakInUse)
	}
	held := s.Now.Sub(p.downSince)
	switch {
	case cur <= p.cfg.Min:
		return p.hold(cur, fmt.Sprintf("hold: at Min %d", p.cfg.Min))
	case held < p.cfg.DownStableFor:
		return p.hold(cur, fmt.Sprintf("hold: down conditions held %v of DownStableFor %v", held, p.cfg.DownStableFor))
	case p.hasDown && s.Now.Sub(p.lastDown) < p.cfg.DownStableFor:
		return p.hold(cur, fmt.Sprintf("hold: last down-step %v ago < DownStableFor %v", s.Now.Sub(p.lastDown), p.cfg.DownStableFor))
	case p.hasUp && s.Now.Sub(p.lastUp) < p.dwell:
		return p.hold(cur, fmt.Sprintf("hold: last up-step %v ago < dwell %v", s.Now.Sub(p.lastUp), p.dwell))
	}
	next, how := ceilInt(float64(cur)*p.cfg.DownFactor), "×"+fmtFactor(p.cfg.DownFactor)
	if p.cfg.DownTo > 0 {
		next = ceilInt(float64(p.downPeak) / p.cfg.DownTo)
		how = fmt.Sprintf("to peak %d in use ÷ %s", p.downPeak, fmtFactor(p.cfg.DownTo))
		if next >= cur {
			p.downHeld = false // the next window starts afresh: a peak long past must not block later steps
			return p.hold(cur, fmt.Sprintf("hold: utilization %.2f, but peak %d in use over %v needs %d at DownTo %s",
				util, p.downPeak, held, next, fmtFactor(p.cfg.DownTo)))
		}
	}
	next = max(p.cfg.Min, min(cur-1, next))
	return p.apply(s.Now, cur, next, fmt.Sprintf("down %s: utilization %.2f < %.2f for %v, trend %s",
		how, util, p.cfg.DownUtilization, held, trend))
}

// overloadStep holds, or shrinks at most every ShrinkEvery, while the
// overload guard is active.
func (p *Policy) overloadStep(now time.Time, cur int) Decision {
	switch {
	case cur <= p.cfg.Min:
		return p.hold(cur, "hold: "+p.guard.describe()+", at Min")
	case p.hasShrink && now.Sub(p.lastShrink) < p.cfg.Overload.ShrinkEvery:
		return p.hold(cur, "hold: "+p.guard.describe())
	}
	next := p.guard.shrinkTarget(cur, p.cfg.Min)
	d := p.apply(now, cur, next, fmt.Sprintf("down to %d: %s", next, p.guard.describe()))
	// Like a reversal in the other direction: the limit does not grow back
	// for one dwell, so an overload cycle repeats at most once per dwell.
	p.lastShrink, p.hasShrink, p.upHeldUntil = now, true, now.Add(max(p.dwell, p.cfg.Overload.Hold))
	p.ssthresh, p.ssthreshUntil = next, now.Add(p.cfg.Overload.BaselineWindow)
	return d
}

// ceilInt rounds x up, ignoring float error below 1e-9 (5 × 1.2 is 6, not 7).
func ceilInt(x float64) int {
	return int(math.Ceil(x - 1e-9))
}

// fmtFactor renders 2 as "2.0" and 1.25 as "1.25".
func fmtFactor(f float64) string {
	if f == math.Trunc(f) {
		return strconv.FormatFloat(f, 'f', 1, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
