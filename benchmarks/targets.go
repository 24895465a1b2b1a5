package main

import (
	"fmt"
	"math"
	"slices"
)

// Target status values.
const (
	statusMet    = "met"
	statusMissed = "missed"
	statusNA     = "n/a"
)

// Target is one goal of the design, evaluated on one slice of the results.
type Target struct {
	Name     string  `json:"name"`
	Goal     string  `json:"goal"`
	Scope    string  `json:"scope"` // workload, transport, workers
	Measured string  `json:"measured"`
	Value    float64 `json:"value"` // -1 when not measured
	Status   string  `json:"status"`
	Note     string  `json:"note,omitempty"`
	Why      string  `json:"why,omitempty"` // for a missed target: why, in words, from what the cell measured
}

// evaluateTargets checks the goals against the summaries.
func evaluateTargets(ss []Summary, transports []string, loadWorkers int) []Target {
	var ts []Target
	if !slices.ContainsFunc(ss, func(s Summary) bool { return s.Workload == wlEpisode }) {
		transports = nil // the episode workload did not run: its goals are not rows of this report
	}
	for _, tr := range transports {
		for _, w := range []int{1, loadWorkers} {
			ts = append(ts, limitTarget(ss, tr, w))
			ts = append(ts, episodeLatencyTargets(ss, tr, w)...)
			if w == 1 && loadWorkers == 1 {
				break
			}
		}
		ts = append(ts, loadTargets(ss, tr, loadWorkers)...)
	}
	ts = append(ts, cpuTargets(ss, loadWorkers)...)
	ts = append(ts, prewarmTargets(ss)...)
	ts = append(ts, overheadTargets(ss)...)
	ts = append(ts, stalenessTargets(ss)...)
	return append(ts, extraTargets(ss)...)
}

// episodeLatencyTargets compares the episode p50 of pooled+cache+br with
// both baselines.
func episodeLatencyTargets(ss []Summary, tr string, w int) []Target {
	s, ok := episodeSummary(ss, cfgFull, tr, w)
	scope := fmt.Sprintf("episode, %s, %s", tr, plural(w, "worker"))
	r1, r2 := math.NaN(), math.NaN()
	if ok {
		r1, r2 = s.VsDefault.get("p50_ms"), s.VsTuned.get("p50_ms")
	}
	t1 := ratioTarget("episode p50 vs libsql-default", "pooled+cache+br ≤ 1/3 of libsql-default", scope, r1, 1.0/3, true)
	t2 := ratioTarget("episode p50 vs libsql-tuned", "pooled+cache+br ≥ 30 % below libsql-tuned", scope, r2, 0.70, true)
	if t1.Status == statusMissed {
		b, _ := episodeSummary(ss, cfgDefault, tr, w)
		t1.Why = baselineWhy(s, b, 1.0/3)
	}
	if t2.Status == statusMissed {
		b, _ := episodeSummary(ss, cfgTuned, tr, w)
		t2.Why = baselineWhy(s, b, 0.70)
	}
	return []Target{t1, t2}
}

// loadTargets checks p95, throughput and connection overhead under load.
func loadTargets(ss []Summary, tr string, w int) []Target {
	scope := fmt.Sprintf("episode, %s, %s", tr, plural(w, "worker"))
	s, ok := episodeSummary(ss, cfgFull, tr, w)
	d, _ := episodeSummary(ss, cfgDefault, tr, w)
	p95, thr, conn := math.NaN(), math.NaN(), math.NaN()
	var connNote, connMeasured string
	if ok {
		p95 = s.Median.get("op_p95_ms")
		thr = s.VsDefault.get("throughput")
		conn = s.VsDefault.get("handshakes_per_op")
		connMeasured = fmt.Sprintf("%s vs %s TLS handshakes per 1k ops", num(s.Median.get("handshakes_per_1k_ops"), 1),
			num(d.Median.get("handshakes_per_1k_ops"), 1))
		if d.Median.get("handshakes_per_op") == 0 {
			connNote = "libsql-default opened no connection during the cell either"
		}
	}
	p95t := Target{Name: "p95 under load", Goal: "per-operation p95 < 50 ms (pooled+cache+br)", Scope: scope}
	p95t.set(p95, p95 < 50, fmt.Sprintf("%.1f ms", p95))
	if p95t.Status == statusMissed {
		p95t.Why = fmt.Sprintf("Its operations' p95 is %.1f ms at RTT %g ms: %s.", p95, s.RTTms, loadWhy(s))
	}
	ct := ratioTarget("connection overhead per op", "TLS handshakes per op ≥ 95 % below libsql-default", scope, conn, 0.05, true)
	if connNote != "" {
		ct.Status, ct.Note = statusNA, connNote
	}
	if connMeasured != "" {
		ct.Measured = connMeasured
	}
	tt := ratioTarget("throughput under load", "pooled+cache+br ≥ 4× libsql-default episodes/s", scope, thr, 4, false)
	if tt.Status == statusMissed {
		tt.Why = throughputWhy(s, d, 4)
	}
	return []Target{p95t, tt, ct}
}

// overheadTargets checks the pool's own cost at RTT 0 against libsql-tuned.
func overheadTargets(ss []Summary) []Target {
	var ts []Target
	for _, s := range ss {
		if s.Workload != wlOverhead || s.Config != cfgPooled {
			continue
		}
		scope := fmt.Sprintf("episode at RTT 0, %s, %s", s.Transport, plural(s.Workers, "worker"))
		var over float64
		var what string
		if s.Workers == 1 {
			over, what = s.VsTuned.get("p50_ms")-1, "p50 latency"
		} else {
			over, what = 1/s.VsTuned.get("throughput")-1, "throughput"
		}
		t := Target{Name: "pool overhead at RTT 0 (" + what + ")", Goal: "pooled < 3 % worse than libsql-tuned", Scope: scope}
		t.set(over, over < 0.03, fmt.Sprintf("%+.1f %%", 100*over))
		if t.Status == statusMissed {
			l, _ := cellSummary(ss, wlOverhead, cfgTuned, s.Transport, s.Workers)
			t.Why = cpuWhy(s, l) + "; " + loadWhy(s) + "."
		}
		ts = append(ts, t)
	}
	return ts
}

// episodeSummary finds the episode summary of config c.
func episodeSummary(ss []Summary, c, tr string, w int) (Summary, bool) {
	for _, s := range ss {
		if s.Workload == wlEpisode && s.Config == c && s.Transport == tr && s.Workers == w {
			return s, true
		}
	}
	return Summary{}, false
}

// ratioTarget builds a target on a ratio: met when r ≤ limit (atMost) or
// r ≥ limit.
func ratioTarget(name, goal, scope string, r, limit float64, atMost bool) Target {
	t := Target{Name: name, Goal: goal, Scope: scope}
	met := r >= limit
	if atMost {
		met = r <= limit
	}
	measured := fmt.Sprintf("%.2f×", r)
	if measured == fmt.Sprintf("%.2f×", limit) {
		measured = fmt.Sprintf("%.3f×", r) // so that a miss does not read as the goal itself
	}
	t.set(r, met, measured)
	return t
}

// set fills the measured value and status; NaN means not measured.
func (t *Target) set(v float64, met bool, measured string) {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		t.Status, t.Measured, t.Value = statusNA, "not measured", -1
		return
	}
	t.Value, t.Measured = v, measured
	t.Status = statusMissed
	if met {
		t.Status = statusMet
	}
}
