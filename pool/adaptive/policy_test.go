package adaptive

import (
	"strings"
	"testing"
	"time"
)

// step is one call on a policy in a recorded sequence.
type step struct {
	at     time.Duration // synthetic time of the sample
	queue  bool          // call OnQueue instead of Evaluate
	s      Sample        // Now is filled from at
	want   int           // expected Decision.Target
	reason string        // expected substring of Decision.Reason
}

// run replays steps on p and checks every decision.
func run(t *testing.T, p *Policy, steps []step) {
	t.Helper()
	prev := p.target
	for i, st := range steps {
		st.s.Now = at(st.at)
		call, d := "Evaluate", Decision{}
		if st.queue {
			call, d = "OnQueue", p.OnQueue(st.s)
		} else {
			d = p.Evaluate(st.s)
		}
		in := prev
		if st.s.Target > 0 {
			in = st.s.Target
		}
		if d.Target != st.want || !strings.Contains(d.Reason, st.reason) || d.Changed != (d.Target != in) {
			t.Fatalf("step %d (%s at %v, %+v) = %+v; want Target %d, Changed %v, reason containing %q",
				i, call, st.at, st.s, d, st.want, st.want != in, st.reason)
		}
		prev = d.Target
	}
}

func TestPolicyUpRules(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name     string
		min, max int
		steps    []step
	}{
		{"utilization above 0.9 doubles", 5, 50, []step{
			{s: Sample{Target: 10, InUse: 10}, want: 20, reason: "up ×2.0: utilization 1.00 > 0.90"}}},
		{"utilization above 0.8 multiplies by 1.5", 5, 50, []step{
			{s: Sample{Target: 20, InUse: 17}, want: 30, reason: "up ×1.5: utilization 0.85 > 0.80"}}},
		{"utilization exactly 0.9 is mid", 5, 50, []step{
			{s: Sample{Target: 10, InUse: 9}, want: 15, reason: "up ×1.5: utilization 0.90 > 0.80"}}},
		{"utilization exactly 0.8 does not grow", 5, 50, []step{
			{s: Sample{Target: 10, InUse: 8}, want: 10, reason: "hold"}}},
		{"rounds up", 5, 50, []step{
			{s: Sample{Target: 7, InUse: 6}, want: 11, reason: "up ×1.5"}}}, // 10.5 → 11
		{"queue above 10 multiplies by 1.2", 5, 100, []step{
			{s: Sample{Target: 40, InUse: 30, Waiting: 11}, want: 48, reason: "up ×1.2: queue 11 > 10"}}},
		{"queue of 10 does not grow", 5, 100, []step{
			{s: Sample{Target: 40, InUse: 31, Waiting: 10}, want: 40, reason: "hold"}}},
		{"average wait above 100ms multiplies by 1.2 without float error", 5, 50, []step{
			{s: Sample{Target: 5, InUse: 3, WaitAvg: 150 * ms}, want: 6, reason: "up ×1.2: average wait 150ms > 100ms"}}},
		{"average wait of 100ms does not grow", 5, 50, []step{
			{s: Sample{Target: 5, InUse: 3, WaitAvg: 100 * ms}, want: 5, reason: "hold"}}},
		{"clamped to Max", 5, 50, []step{
			{s: Sample{Target: 40, InUse: 40}, want: 50, reason: "up ×2.0: utilization 1.00 > 0.90, capped at Max 50"}}},
		{"holds at Max", 5, 50, []step{
			{s: Sample{Target: 50, InUse: 50, Waiting: 30}, want: 50, reason: "at Max 50"}}},
		{"limit below Min is clamped", 5, 50, []step{
			{s: Sample{Target: 2}, want: 5, reason: "clamp: limit 2 outside [Min 5, Max 50]"}}},
		{"limit above Max is clamped", 5, 50, []step{
			{s: Sample{Target: 80}, want: 50, reason: "clamp"}}},
		{"raised to demand", 5, 100, []step{
			{s: Sample{Target: 10, InUse: 10, Waiting: 30}, want: 40, reason: "up ×2.0: utilization 1.00 > 0.90, raised to demand 40"}}},
		{"queue covered by the limit holds", 5, 100, []step{
			{s: Sample{Target: 40, InUse: 10, Waiting: 20}, want: 40, reason: "limit 40 covers 10 in use + 20 waiting"}}},
		{"zero Target means the last decision", 5, 50, []step{
			{s: Sample{InUse: 5}, want: 10, reason: "up ×2.0"},
			{at: time.Second, s: Sample{InUse: 10}, want: 20, reason: "up ×2.0"}}},
		{"up-steps at most every QueueReactEvery", 5, 50, []step{
			{s: Sample{Target: 10, InUse: 10}, want: 20},
			{at: 50 * ms, s: Sample{Target: 20, InUse: 20}, want: 20, reason: "QueueReactEvery 100ms"},
			{at: 100 * ms, s: Sample{Target: 20, InUse: 20}, want: 40, reason: "up ×2.0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run(t, mustNew(t, tc.min, tc.max, nil), tc.steps)
		})
	}
}

func TestPolicyRoundingIgnoresFloatError(t *testing.T) {
	// 50 × 1.1 is 55.000000000000007 in float64; a plain ceil would give 56.
	p := mustNew(t, 5, 100, func(c *Config) { c.UpFactorLow = 1.1 })
	run(t, p, []step{{s: Sample{Target: 50, InUse: 30, WaitAvg: time.Second}, want: 55, reason: "up ×1.1: average wait 1s > 100ms"}})
}

func TestPolicyOnQueue(t *testing.T) {
	ms := time.Millisecond
	cases := []struct {
		name  string
		steps []step
	}{
		{"reacts immediately", []step{
			{queue: true, s: Sample{Target: 5, InUse: 5, Waiting: 1}, want: 10, reason: "up ×2.0: queue of 1 forming"}}},
		{"jumps to demand of a burst", []step{
			{queue: true, s: Sample{Target: 5, InUse: 5, Waiting: 59}, want: 64, reason: "raised to demand 64"}}},
		{"demand beyond Max is capped", []step{
			{queue: true, s: Sample{Target: 5, InUse: 5, Waiting: 500}, want: 100, reason: "capped at Max 100"}}},
		{"no waiter holds", []step{
			{queue: true, s: Sample{Target: 5, InUse: 5}, want: 5, reason: "hold: no acquirer waiting"}}},
		{"rate-limited burst of queueing", []step{
			{queue: true, s: Sample{Target: 5, InUse: 5, Waiting: 1}, want: 10},
			{at: 10 * ms, queue: true, s: Sample{Target: 10, InUse: 10, Waiting: 3}, want: 10, reason: "QueueReactEvery"},
			{at: 60 * ms, queue: true, s: Sample{Target: 10, InUse: 10, Waiting: 9}, want: 10, reason: "QueueReactEvery"},
			{at: 100 * ms, queue: true, s: Sample{Target: 10, InUse: 10, Waiting: 9}, want: 20, reason: "up ×2.0"},
			{at: 150 * ms, queue: true, s: Sample{Target: 20, InUse: 20, Waiting: 30}, want: 20, reason: "QueueReactEvery"}}},
		{"waiters for connections being opened hold", []step{
			{queue: true, s: Sample{Target: 20, InUse: 12, Waiting: 3}, want: 20, reason: "covers 12 in use + 3 waiting"}}},
		{"a queue interrupts the down hysteresis", []step{
			{s: Sample{Target: 20, InUse: 1}, want: 20, reason: "held 0s"},
			{at: 9 * time.Second, s: Sample{Target: 20, InUse: 1}, want: 20, reason: "held 9s"},
			{at: 9500 * ms, queue: true, s: Sample{Target: 20, InUse: 20, Waiting: 1}, want: 40},
			{at: 10 * time.Second, s: Sample{Target: 40, InUse: 1}, want: 40, reason: "held 0s"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run(t, mustNew(t, 5, 100, planTiming), tc.steps)
		})
	}
}

func TestPolicyDownRule(t *testing.T) {
	const horizon = 60 // seconds simulated
	steady := func(int) int64 { return 100 }
	cases := []struct {
		name       string
		target     int
		rate       func(sec int) int64 // acquires during second sec
		inUse      func(sec int) int
		pre        func(p *Policy) // e.g. an up-step at t=0
		firstDown  int             // second of the first down-step; -1 none
		wantTarget int             // target after it
		reason     string
	}{
		{"after DownStableFor with stable trend", 20, steady, func(int) int { return 2 }, nil,
			10, 16, "down ×0.8: utilization 0.10 < 0.30 for 10s, trend stable"},
		{"with falling trend", 20, func(s int) int64 { return int64(max(1000-40*s, 0)) }, func(int) int { return 2 }, nil,
			10, 16, "trend falling"},
		{"never with rising trend", 20, func(s int) int64 { return int64(10 + 40*s) }, func(int) int { return 2 }, nil,
			-1, 20, ""},
		{"interrupted conditions restart the clock", 20, steady, func(s int) int {
			if s == 5 {
				return 10 // utilization 0.5 at t=5s
			}
			return 2
		}, nil, 16, 16, "for 10s"},
		{"rounds up but moves by at least one", 6, steady, func(int) int { return 1 }, nil,
			10, 5, "down ×0.8"},
		{"15 × 0.8 is 12", 15, steady, func(int) int { return 1 }, nil,
			10, 12, "down ×0.8"},
		{"not below Min", 5, steady, func(int) int { return 0 }, nil, -1, 5, ""},
		{"dwell after an up-step", 20, steady, func(s int) int {
			if s == 0 {
				return 20 // drives an up-step to 40 at t=0
			}
			return 2
		}, nil, 30, 32, "for 29s"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := mustNew(t, 5, 50, planTiming)
			p.target = tc.target
			var acq int64
			first, got := -1, Decision{Target: tc.target}
			for sec := 0; sec <= horizon; sec++ {
				acq += tc.rate(sec)
				d := p.Evaluate(Sample{Now: at(time.Duration(sec) * time.Second), InUse: tc.inUse(sec), Acquires: acq})
				if d.Changed && d.Target < got.Target && first < 0 {
					first, got = sec, d
				} else if first < 0 {
					got.Target = d.Target
				}
			}
			if first != tc.firstDown || got.Target != tc.wantTarget || !strings.Contains(got.Reason, tc.reason) {
				t.Fatalf("first down at %ds to %d (%q); want %ds to %d (%q)",
					first, got.Target, got.Reason, tc.firstDown, tc.wantTarget, tc.reason)
			}
		})
	}
}

func TestPolicyDownStepsAreSpaced(t *testing.T) {
	p := mustNew(t, 5, 50, planTiming)
	p.target = 50
	var downs []int
	for sec := 0; sec <= 45; sec++ {
		d := p.Evaluate(Sample{Now: at(time.Duration(sec) * time.Second), InUse: 1, Acquires: int64(sec)})
		if d.Changed {
			downs = append(downs, sec)
		}
	}
	want := []int{10, 20, 30, 40}
	if len(downs) != len(want) {
		t.Fatalf("down-steps at %v s, want %v s", downs, want)
	}
	for i := range want {
		if downs[i] != want[i] {
			t.Fatalf("down-steps at %v s, want %v s", downs, want)
		}
	}
	if p.target != 21 { // 50 → 40 → 32 → 26 (25.6 rounded up) → 21 (20.8)
		t.Errorf("target after four down-steps = %d, want 21", p.target)
	}
}

func TestPolicyReversalDoublesDwell(t *testing.T) {
	p := mustNew(t, 5, 50, planTiming)
	sec := func(s int) time.Time { return at(time.Duration(s) * time.Second) }
	p.Evaluate(Sample{Now: sec(0), Target: 10, InUse: 10}) // up to 20
	for s := 1; s <= 30; s++ {
		p.Evaluate(Sample{Now: sec(s), InUse: 1})
	}
	if p.target != 16 || p.dwell != 30*time.Second {
		t.Fatalf("after the first down: target %d dwell %v, want 16, 30s", p.target, p.dwell)
	}
	p.Evaluate(Sample{Now: sec(31), InUse: 16}) // reversal
	if p.dwell != time.Minute {
		t.Fatalf("dwell after a reversal = %v, want 1m", p.dwell)
	}
	for s := 32; s <= 90; s++ {
		if d := p.Evaluate(Sample{Now: sec(s), InUse: 1}); d.Changed {
			t.Fatalf("down-step at %ds, only %ds after the reversal; dwell is 1m: %+v", s, s-31, d)
		}
	}
	if d := p.Evaluate(Sample{Now: sec(91), InUse: 1}); !d.Changed {
		t.Fatalf("no down-step 60s after the reversal: %+v", d)
	}
	for s := 92; s <= 101; s++ {
		p.Evaluate(Sample{Now: sec(s), InUse: 1})
	}
	if p.dwell != time.Minute {
		t.Errorf("dwell after two down-steps in a row = %v, want still 1m (only time resets it)", p.dwell)
	}
	// An up-step MaxUpDwell (5m) or more after the last down-step is not a
	// reversal of it: the dwell returns to UpDwell.
	p.Evaluate(Sample{Now: sec(101 + 301), InUse: p.target})
	if p.dwell != 30*time.Second {
		t.Errorf("dwell after an up-step 5m past the last down-step = %v, want reset to 30s", p.dwell)
	}
	if st := p.Stats(); st.Target != p.target || st.UpDwell != p.dwell || st.Trend != p.Trend() {
		t.Errorf("Stats() = %+v inconsistent with the policy", st)
	}
}

func TestTrendAndRate(t *testing.T) {
	p := mustNew(t, 5, 50, nil)
	if p.Trend() != TrendStable || p.RatePerSecond() != 0 {
		t.Fatalf("initial trend %v rate %v, want stable 0", p.Trend(), p.RatePerSecond())
	}
	var acq int64
	tick := func(sec int, perSec int64) {
		acq += perSec
		p.Evaluate(Sample{Now: at(time.Duration(sec) * time.Second), Acquires: acq})
	}
	sec := 0
	for ; sec < 120; sec++ {
		tick(sec, 100)
	}
	if p.Trend() != TrendStable || p.RatePerSecond() < 99 || p.RatePerSecond() > 101 {
		t.Fatalf("steady 100/s: trend %v rate %.1f, want stable ≈100", p.Trend(), p.RatePerSecond())
	}
	for end := sec + 10; sec < end; sec++ {
		tick(sec, 300)
	}
	if p.Trend() != TrendRising {
		t.Fatalf("after a rise to 300/s: trend %v, want rising", p.Trend())
	}
	tick(sec, 0) // the rise ends: the short average drops but is still far above the long one
	sec++
	if p.Trend() != TrendStable {
		t.Fatalf("the tick after a rise stopped: trend %v, want stable (not rising while the rate drops)", p.Trend())
	}
	for end := sec + 10; sec < end; sec++ {
		tick(sec, 20)
	}
	if p.Trend() != TrendFalling {
		t.Fatalf("after a fall to 20/s: trend %v, want falling", p.Trend())
	}
	acq = 0 // counter reset (pool restarted) must not produce a negative rate
	tick(sec, 0)
	if p.RatePerSecond() < 0 {
		t.Errorf("rate after a counter reset = %v, want ≥ 0", p.RatePerSecond())
	}
	names := map[Trend]string{TrendFalling: "falling", TrendStable: "stable", TrendRising: "rising", Trend(7): "Trend(7)"}
	for tr, want := range names {
		if tr.String() != want {
			t.Errorf("Trend(%d).String() = %q, want %q", int(tr), tr.String(), want)
		}
	}
}

func TestPolicyDownToDemand(t *testing.T) {
	sec := time.Second
	cases := []struct {
		name  string
		steps []step
	}{
		{"idle after a burst goes to Min in one step", []step{
			{s: Sample{Target: 50}, want: 50, reason: "held 0s"},
			{at: 4 * sec, s: Sample{Target: 50}, want: 50, reason: "held 4s"},
			{at: 5 * sec, s: Sample{Target: 50}, want: 5, reason: "down to peak 0 in use ÷ 0.5: utilization 0.00 < 0.30 for 5s"}}},
		{"sized by the peak between ticks, not the tick's count", []step{
			{s: Sample{Target: 50, InUse: 1}, want: 50},
			{at: 3 * sec, s: Sample{Target: 50, InUse: 1, PeakInUse: 8}, want: 50},
			{at: 5 * sec, s: Sample{Target: 50, InUse: 1, PeakInUse: 3}, want: 16, reason: "down to peak 8 in use ÷ 0.5"}}},
		{"the peak of the period before the window does not count", []step{
			{s: Sample{Target: 50, InUse: 2, PeakInUse: 50}, want: 50, reason: "held 0s"}, // the burst just ended
			{at: 5 * sec, s: Sample{Target: 50, InUse: 2, PeakInUse: 2}, want: 5, reason: "down to peak 2 in use ÷ 0.5"}}},
		{"no step when the peak needs the limit", []step{
			{s: Sample{Target: 16, InUse: 2}, want: 16},
			{at: 2 * sec, s: Sample{Target: 16, InUse: 2, PeakInUse: 8}, want: 16},
			{at: 5 * sec, s: Sample{Target: 16, InUse: 2}, want: 16, reason: "peak 8 in use over 5s needs 16"}}},
		{"a peak that has passed stops counting after one window", []step{
			{s: Sample{Target: 50}, want: 50},
			{at: 1 * sec, s: Sample{Target: 50, PeakInUse: 40}, want: 50},
			{at: 5 * sec, s: Sample{Target: 50}, want: 50, reason: "peak 40 in use over 5s needs 80"},
			{at: 6 * sec, s: Sample{Target: 50}, want: 50, reason: "held 0s"},
			{at: 11 * sec, s: Sample{Target: 50}, want: 5, reason: "down to peak 0 in use"}}},
		{"not before the dwell after an up-step", []step{
			{s: Sample{Target: 10, InUse: 10}, want: 20, reason: "up ×2.0"},
			{at: sec, s: Sample{Target: 20}, want: 20},
			{at: 14 * sec, s: Sample{Target: 20}, want: 20, reason: "dwell 15s"},
			{at: 15 * sec, s: Sample{Target: 20}, want: 5, reason: "down to peak 0"}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run(t, mustNew(t, 5, 50, nil), tc.steps)
		})
	}
}
