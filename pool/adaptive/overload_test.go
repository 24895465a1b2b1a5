package adaptive

import (
	"math"
	"strings"
	"testing"
	"time"
)

// load describes the world at one tick, given the limit in force.
type load func(sec, target int) (p50 time.Duration, opsPerSec float64, inUse int)

// driveOverload ticks p once per second for secs seconds and returns every
// decision.
func driveOverload(p *Policy, secs int, world load) []Decision {
	var ops float64
	out := make([]Decision, 0, secs)
	for sec := 0; sec < secs; sec++ {
		p50, rate, inUse := world(sec, p.target)
		ops += rate
		d := p.Evaluate(Sample{Now: at(time.Duration(sec) * time.Second), InUse: min(inUse, p.target),
			Acquires: int64(ops), Ops: int64(ops), OpLatencyP50: p50})
		out = append(out, d)
	}
	return out
}

func TestOverloadGuard(t *testing.T) {
	ms := time.Millisecond
	const warm = 60 // seconds at baseline before the change
	cases := []struct {
		name       string
		start      int
		world      load
		overloaded bool // some decision after the change cites the overload
		finalMin   int  // bounds of the final target
		finalMax   int
	}{
		{"latency ×2.5 with flat throughput shrinks, never below Min", 20,
			func(sec, _ int) (time.Duration, float64, int) {
				if sec < warm {
					return 10 * ms, 1000, 12
				}
				return 25 * ms, 1000, 40 // demand wants growth
			}, true, 5, 5},
		{"latency rising with throughput rising with the limit may grow", 10,
			func(sec, target int) (time.Duration, float64, int) {
				if sec < warm {
					return 10 * ms, 1000, 6
				}
				lat := time.Duration(float64(10*ms) * math.Sqrt(float64(target)/10))
				return lat, 100 * float64(target), 1000
			}, false, 50, 50},
		{"latency rising with flat throughput stops growth", 10,
			func(sec, target int) (time.Duration, float64, int) {
				if sec < warm {
					return 10 * ms, 1000, 6
				}
				lat := time.Duration(float64(10*ms) * math.Sqrt(float64(target)/10) * 1.5)
				return lat, 1000, 1000
			}, true, 5, 49},
		{"busier server keeping up is not overloaded", 20,
			func(sec, _ int) (time.Duration, float64, int) {
				if sec < warm {
					return 10 * ms, 1000, 10
				}
				return 25 * ms, 3000, 10
			}, false, 20, 20},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, 5, 50, nil)
			p.target = tc.start
			ds := driveOverload(p, warm+60, tc.world)
			cited, grewWhileOverloaded := false, false
			for i, d := range ds[warm:] {
				isOver := strings.Contains(d.Reason, "server overloaded (p50 ")
				cited = cited || isOver
				prev := tc.start
				if i+warm > 0 {
					prev = ds[i+warm-1].Target
				}
				if cited && d.Target > prev {
					grewWhileOverloaded = grewWhileOverloaded || isOver
				}
			}
			final := ds[len(ds)-1]
			if cited != tc.overloaded || grewWhileOverloaded || final.Target < tc.finalMin || final.Target > tc.finalMax {
				t.Fatalf("overload cited %v (want %v), grew while overloaded %v, final %+v (want target in [%d, %d]); stats %+v",
					cited, tc.overloaded, grewWhileOverloaded, final, tc.finalMin, tc.finalMax, p.Stats())
			}
		})
	}
}

func TestOverloadStepsAndHold(t *testing.T) {
	ms := time.Millisecond
	p := mustNew(t, 5, 50, nil)
	p.target = 40
	world := func(sec, _ int) (time.Duration, float64, int) {
		if sec < 60 {
			return 10 * ms, 1000, 20
		}
		return 40 * ms, 1000, 20
	}
	ds := driveOverload(p, 80, world)
	var shrinks []int
	for i, d := range ds {
		if d.Changed {
			if !strings.HasPrefix(d.Reason, "down to ") {
				t.Fatalf("tick %d: unexpected change %+v", i, d)
			}
			shrinks = append(shrinks, i)
		}
	}
	if len(shrinks) < 2 || shrinks[1]-shrinks[0] < 5 {
		t.Fatalf("overload shrinks at %v s, want several, ≥ ShrinkEvery (5s) apart", shrinks)
	}
	if first := ds[shrinks[0]]; first.Target != 20 { // gradient < 0.5 → MaxShrink halves 40
		t.Errorf("first overload step %+v, want 40 → 20", first)
	}
	// While overloaded, a forming queue does not grow the limit.
	d := p.OnQueue(Sample{Now: at(80 * time.Second), InUse: p.target, Waiting: 30})
	if d.Changed || !strings.HasPrefix(d.Reason, "hold: server overloaded (p50 ") {
		t.Fatalf("OnQueue while overloaded = %+v, want hold citing the overload", d)
	}
	if st := p.Stats(); !st.Overloaded || st.Gradient >= 0.5 || st.LatencyBaseline > 11*ms || st.LatencyP50 < 30*ms {
		t.Errorf("Stats() = %+v, want overloaded with gradient < 0.5, baseline ≈10ms, p50 ≈40ms", st)
	}
}

func TestOverloadBaselineDriftsToNewNormal(t *testing.T) {
	ms := time.Millisecond
	p := mustNew(t, 5, 50, nil)
	world := func(sec, _ int) (time.Duration, float64, int) {
		if sec < 60 {
			return 10 * ms, 1000, 3
		}
		return 30 * ms, 1000, 3
	}
	ds := driveOverload(p, 60+30*60, world)
	if !strings.Contains(ds[70].Reason, "overloaded") {
		t.Fatalf("tick 70: %+v, want the overload guard active", ds[70])
	}
	if st := p.Stats(); st.Overloaded || st.Gradient < 0.5 {
		t.Errorf("after 30 minutes at the new latency: %+v, want the baseline to have caught up", st)
	}
}

func TestOverloadDisabledAndIdle(t *testing.T) {
	ms := time.Millisecond
	world := func(sec, _ int) (time.Duration, float64, int) {
		if sec < 60 {
			return 10 * ms, 1000, 10
		}
		return 50 * ms, 1000, 10
	}
	p := mustNew(t, 5, 50, func(c *Config) { c.Overload.Disabled = true })
	p.target = 20
	for i, d := range driveOverload(p, 120, world) {
		if strings.Contains(d.Reason, "overloaded") {
			t.Fatalf("tick %d with the guard disabled: %+v", i, d)
		}
	}
	// No new operations: the stale p50 is not judged again.
	q := mustNew(t, 5, 50, nil)
	for sec := range 30 {
		q.Evaluate(Sample{Now: at(time.Duration(sec) * time.Second), OpLatencyP50: 10 * ms, Ops: int64(100 * sec)})
	}
	before := q.Stats()
	for sec := 30; sec < 60; sec++ {
		q.Evaluate(Sample{Now: at(time.Duration(sec) * time.Second), OpLatencyP50: 90 * ms, Ops: 2900})
	}
	if after := q.Stats(); after.Overloaded || after.LatencyP50 != before.LatencyP50 {
		t.Errorf("idle with a stale p50: before %+v, after %+v; want unchanged and not overloaded", before, after)
	}
}

// overloadedOnce drives a policy at limit 40 through 60s at baseline, 4s
// of overload and recovery, and returns it with the second of its first
// change (the overload shrink to 20).
func overloadedOnce(t *testing.T) (*Policy, int) {
	t.Helper()
	ms := time.Millisecond
	p := mustNew(t, 5, 50, nil)
	p.target = 40
	world := func(sec, _ int) (time.Duration, float64, int) {
		switch {
		case sec < 60:
			return 10 * ms, 1000, 20
		case sec < 64:
			return 40 * ms, 1000, 20
		}
		return 10 * ms, 1000, 20 // recovered at once
	}
	ds := driveOverload(p, 70, world)
	shrinkAt := -1
	for i, d := range ds {
		if d.Changed && shrinkAt < 0 {
			shrinkAt = i
		}
	}
	if shrinkAt < 60 || p.Stats().Overloaded || p.target != 20 {
		t.Fatalf("first change at %ds (want ≥ 60, to 20; target %d), overloaded at the end %v; decisions %v",
			shrinkAt, p.target, p.Stats().Overloaded, ds[58:])
	}
	return p, shrinkAt
}

func TestOverloadPausesGrowthForHold(t *testing.T) {
	ms := time.Millisecond
	p, shrinkAt := overloadedOnce(t)
	held := at(time.Duration(shrinkAt)*time.Second + 29*time.Second)
	d := p.OnQueue(Sample{Now: held, InUse: p.target, Waiting: 5})
	if d.Changed || !strings.Contains(d.Reason, "after an overload shrink") {
		t.Fatalf("OnQueue 29s after the overload shrink = %+v, want a hold", d)
	}
	d = p.Evaluate(Sample{Now: held, InUse: p.target, Waiting: 20, Ops: 71000, Acquires: 71000, OpLatencyP50: 10 * ms})
	if d.Changed || !strings.Contains(d.Reason, "after an overload shrink") {
		t.Fatalf("Evaluate 29s after the overload shrink = %+v, want a hold", d)
	}
	free := held.Add(time.Second)
	if d := p.OnQueue(Sample{Now: free, InUse: p.target, Waiting: 5}); !d.Changed {
		t.Fatalf("OnQueue Overload.Hold (30s) after the overload shrink = %+v, want growth", d)
	}
}

func TestOverloadRegrowthIsAdditiveAboveTheShrink(t *testing.T) {
	ms := time.Millisecond
	p, shrinkAt := overloadedOnce(t)
	free := at(time.Duration(shrinkAt)*time.Second + DefaultOverloadHold)
	steps := []struct {
		after  time.Duration
		want   int
		reason string
	}{
		{0, 22, "probing above the last overload shrink (20) by +10 %"},
		{200 * ms, 22, "one step per Interval"},
		{time.Second, 25, "by +10 %"},
		{2 * time.Second, 28, "by +10 %"},
	}
	for _, st := range steps {
		d := p.OnQueue(Sample{Now: free.Add(st.after), InUse: p.target, Waiting: 30})
		if d.Target != st.want || !strings.Contains(d.Reason, st.reason) {
			t.Fatalf("OnQueue %v after the hold = %+v, want target %d with reason containing %q", st.after, d, st.want, st.reason)
		}
	}
	// Past BaselineWindow the shrink is forgotten: growth is the plan's again.
	late := at(time.Duration(shrinkAt)*time.Second + DefaultOverloadBaselineWindow + time.Second)
	if d := p.OnQueue(Sample{Now: late, InUse: p.target, Waiting: 30}); d.Target != 50 {
		t.Fatalf("OnQueue BaselineWindow after the shrink = %+v, want the plan's growth to 50", d)
	}
}
