package adaptive

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

const (
	simStep = 10 * time.Millisecond // simulation resolution
	simDial = 50 * time.Millisecond // time to open a connection
)

// simPool is a fluid model of a pool driven by a Policy: demand(t) callers
// want a connection; connections take simDial to open; every caller holding
// one completes operations at 1/latency per second; waiters wait.
type simPool struct {
	p       *Policy
	rng     *rand.Rand
	target  int
	open    int
	pending []time.Duration // completion instants of connections being opened
	now     time.Duration

	acquires, ops float64
	peak          int             // highest in-use since the last Evaluate, as the pool tracks it
	waitRing      [100][2]float64 // per step: waiting seconds, acquires (1s window)
	ring          int

	changes []simChange
}

type simChange struct {
	at       time.Duration
	from, to int
}

func newSim(t *testing.T, min, max int, seed uint64) *simPool {
	p := mustNew(t, min, max, nil)
	return &simPool{p: p, rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b9)), target: min, open: min}
}

// step advances the model by simStep with the given demand and op latency.
func (s *simPool) step(demand int, latency time.Duration) {
	s.now += simStep
	for len(s.pending) > 0 && s.pending[0] <= s.now {
		s.pending, s.open = s.pending[1:], s.open+1
	}
	inUse := min(demand, s.open)
	waiting := demand - inUse
	s.peak = max(s.peak, inUse)
	served := float64(inUse) * simStep.Seconds() / latency.Seconds()
	s.acquires += served
	s.ops += served
	s.waitRing[s.ring] = [2]float64{float64(waiting) * simStep.Seconds(), served}
	s.ring = (s.ring + 1) % len(s.waitRing)

	smp := Sample{Now: at(s.now), Target: s.target, InUse: inUse, Idle: s.open - inUse,
		Total: s.open + len(s.pending), Waiting: waiting, WaitAvg: s.waitAvg(),
		Acquires: int64(s.acquires), Ops: int64(s.ops), OpLatencyP50: latency}
	if waiting > 0 {
		s.apply(s.p.OnQueue(smp))
	}
	if s.now%time.Second == 0 {
		smp.Target, smp.PeakInUse, s.peak = s.target, s.peak, inUse
		s.apply(s.p.Evaluate(smp))
	}
}

func (s *simPool) waitAvg() time.Duration {
	var w, n float64
	for _, e := range s.waitRing {
		w, n = w+e[0], n+e[1]
	}
	if n < 1 {
		return 0
	}
	return time.Duration(w / n * float64(time.Second))
}

// apply enforces a decision: dial up to the target, close idle surplus.
func (s *simPool) apply(d Decision) {
	if d.Target != s.target {
		s.changes = append(s.changes, simChange{at: s.now, from: s.target, to: d.Target})
	}
	s.target = d.Target
	for s.open+len(s.pending) < s.target {
		s.pending = append(s.pending, s.now+simDial)
	}
	if s.open > s.target {
		s.open = s.target // idle surplus closed (in-use ones on release)
	}
}

// directionChanges counts reversals of the step direction, per minute bucket.
func directionChanges(changes []simChange, minutes int) []int {
	per := make([]int, minutes)
	dir := 0
	for _, c := range changes {
		d := 1
		if c.to < c.from {
			d = -1
		}
		if dir != 0 && d != dir {
			per[min(int(c.at/time.Minute), minutes-1)]++
		}
		dir = d
	}
	return per
}

// steadyLoad is demand that is statistically constant over time.
type steadyLoad struct {
	name    string
	clients int     // callers
	busy    float64 // fraction of time each holds a connection
	ar      float64 // autocorrelation of the demand noise per step (0: independent draws)
}

// runSteady simulates ld for minutes and returns the direction changes per minute.
func runSteady(t *testing.T, ld steadyLoad, seed uint64, minutes int, edit func(*Config)) ([]int, *simPool) {
	sim := newSim(t, 5, 100, seed)
	sim.p = mustNew(t, 5, 100, edit)
	noise := 0.0
	sd := math.Sqrt(float64(ld.clients) * ld.busy * (1 - ld.busy))
	for range minutes * int(time.Minute/simStep) {
		demand := 0
		if ld.ar == 0 {
			for range ld.clients {
				if sim.rng.Float64() < ld.busy {
					demand++
				}
			}
		} else {
			noise = ld.ar*noise + math.Sqrt(1-ld.ar*ld.ar)*sim.rng.NormFloat64()
			demand = max(0, int(math.Round(float64(ld.clients)*ld.busy+2*sd*noise)))
		}
		lat := time.Duration(float64(10*time.Millisecond) * (0.9 + 0.2*sim.rng.Float64()))
		sim.step(demand, lat)
	}
	return directionChanges(sim.changes, minutes), sim
}

func TestSimulationSteadyLoadDoesNotThrash(t *testing.T) {
	const minutes = 10
	loads := []steadyLoad{
		{"light", 10, 0.3, 0},
		{"medium", 40, 0.5, 0},
		{"heavy", 100, 0.45, 0},
		{"near the down threshold", 20, 0.15, 0},
		{"slow wandering noise", 40, 0.5, 0.995},
		{"fast wandering noise", 30, 0.4, 0.9},
	}
	for _, ld := range loads {
		for seed := uint64(1); seed <= 3; seed++ {
			per, sim := runSteady(t, ld, seed, minutes, nil)
			total := 0
			for m, n := range per {
				total += n
				if n > 2 {
					t.Errorf("%s seed %d: %d direction changes in minute %d (per minute %v), want ≤ 2",
						ld.name, seed, n, m, per)
				}
			}
			t.Logf("%s seed %d: %d changes of the limit, %d reversals, final limit %d",
				ld.name, seed, len(sim.changes), total, sim.target)
		}
	}
}

// TestSimulationPlanWithoutHysteresisThrashes shows that the property above
// has teeth: the plan's rules applied at every tick, without hysteresis or
// dwell, reverse direction several times a minute under the same load.
func TestSimulationPlanWithoutHysteresisThrashes(t *testing.T) {
	naive := func(c *Config) {
		c.DownStableFor, c.UpDwell, c.MaxUpDwell, c.QueueReactEvery, c.DownTo = c.Interval, 0, 0, 0, 0
	}
	per, _ := runSteady(t, steadyLoad{"near the down threshold", 20, 0.15, 0}, 1, 10, naive)
	worst := 0
	for _, n := range per {
		worst = max(worst, n)
	}
	if worst <= 2 {
		t.Fatalf("plan without hysteresis: per-minute direction changes %v, expected some minute > 2", per)
	}
}

func TestSimulationBurstsReachDemandWithinOneSecond(t *testing.T) {
	type phase struct {
		from   time.Duration
		demand int
	}
	s := func(f float64) time.Duration { return time.Duration(f * float64(time.Second)) }
	phases := []phase{{0, 0}, {s(60.37), 64}, {s(120.37), 0}, {s(420.73), 8}, {s(480.73), 0}}
	demandAt := func(t time.Duration) int {
		d := 0
		for _, ph := range phases {
			if t >= ph.from {
				d = ph.demand
			}
		}
		return d
	}
	sim := newSim(t, 5, 100, 7)
	reached := map[int]time.Duration{} // phase index → when target ≥ demand
	var beforeSecond int
	for sim.now < s(600) {
		sim.step(demandAt(sim.now+simStep), 10*time.Millisecond)
		for i, ph := range phases {
			if _, ok := reached[i]; !ok && ph.demand > 0 && sim.now >= ph.from && sim.target >= ph.demand && sim.open >= ph.demand {
				reached[i] = sim.now - ph.from
			}
		}
		if sim.now == s(420) {
			beforeSecond = sim.target
		}
	}
	for i, ph := range phases {
		if ph.demand == 0 {
			continue
		}
		got, ok := reached[i]
		if !ok || got > time.Second {
			t.Errorf("burst of %d at %v: limit and open connections reached demand after %v (reached %v), want ≤ 1s",
				ph.demand, ph.from, got, ok)
		}
	}
	if beforeSecond != 5 {
		t.Errorf("limit after 5 idle minutes = %d, want Min 5", beforeSecond)
	}
	if sim.target > 8 {
		t.Errorf("final limit %d, want back near Min", sim.target)
	}
	t.Logf("changes: %v", sim.changes)
}
