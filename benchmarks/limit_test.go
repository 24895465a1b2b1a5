package main

import (
	"math"
	"strings"
	"testing"
)

func TestAddLimits(t *testing.T) {
	ss := summarizeCells([]Cell{
		{cellKey: cellKey{wlEpisode, cfgFull, "wss", 1, 20, ""}, Run: 1, Metrics: Metrics{"p50_ms": 132}},
		{cellKey: cellKey{wlEpisode, cfgFull, "wss", 32, 20, ""}, Run: 1, Metrics: Metrics{"p50_ms": 240}},
		{cellKey: cellKey{wlEpisode, cfgFull, "wss", 1, 0, ""}, Run: 1, Metrics: Metrics{"p50_ms": 3}},
		{cellKey: cellKey{wlColdWarm, cfgPooled, "wss", 1, 20, ""}, Run: 1, Metrics: Metrics{"cold_ms": 100, "prewarmed_ms": 22, "warm_p50_ms": 20}},
		{cellKey: cellKey{wlColdWarm, cfgPooled, "https-h2", 1, 20, ""}, Run: 1, Metrics: Metrics{"cold_ms": 66, "prewarmed_ms": 66, "warm_p50_ms": 22}},
	})
	tests := []struct {
		i         int
		key, want float64
		metric    string
	}{
		{0, 0, 120, "limit_ms"}, // 6 round trips × 20 ms
		{0, 0, 1.1, "p50_vs_limit"},
		{1, 0, 120, "limit_ms"}, // the same with 32 workers: keys are per episode
		{1, 0, 2, "p50_vs_limit"},
		{3, 0, 80, "cold_limit_ms"}, // TCP + TLS + upgrade + query
		{3, 0, 1.1, "prewarmed_vs_warm"},
		{4, 0, 60, "cold_limit_ms"}, // TCP + TLS + query
		{4, 0, 1.1, "cold_vs_limit"},
	}
	for _, tc := range tests {
		if got := ss[tc.i].Median.get(tc.metric); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("summary %d (%s %s w=%d) %s = %v, want %v", tc.i, ss[tc.i].Workload, ss[tc.i].Transport, ss[tc.i].Workers, tc.metric, got, tc.want)
		}
	}
	if v := ss[2].Median.get("limit_ms"); !math.IsNaN(v) {
		t.Errorf("RTT 0 cell has a limit of %v ms", v)
	}
}

func TestLimitTarget(t *testing.T) {
	cell := func(w int, p50, sent float64) Cell {
		return Cell{cellKey: cellKey{wlEpisode, cfgFull, "wss", w, 20, ""}, Run: 1,
			Metrics: Metrics{"p50_ms": p50, "server_stmts_per_unit": sent, "missed_read_1": 1, "missed_read_2": 1, "missed_read_6": 1,
				"client_util": 0.2, "client_core_busy": 0.3, "server_util": 0.95, "server_core_busy": 0.97}}
	}
	ss := summarizeCells([]Cell{cell(1, 130, 6), cell(32, 200, 7)})
	if got := limitTarget(ss, "wss", 1); got.Status != statusMet || math.Abs(got.Value-130.0/120) > 1e-9 {
		t.Errorf("1 worker at 1.08× the limit: %+v, want met", got)
	}
	got := limitTarget(ss, "wss", 32)
	if got.Status != statusMissed || !strings.Contains(got.Why, "7.0 of its 13 statements") || strings.Contains(got.Why, "traced") {
		t.Errorf("32 workers at 200/120 = 1.67× (limit 1.5×): %+v, want missed, without the serial trace", got)
	}
	ss = summarizeCells([]Cell{cell(1, 160, 7)})
	miss := limitTarget(ss, "wss", 1)
	if miss.Status != statusMissed {
		t.Fatalf("1 worker at 1.33×: %+v, want missed", miss)
	}
	for _, want := range []string{"1.33× the limit of 6 round trips", "7.0 of its 13 statements", "steps again (read 7)",
		"the server side was CPU-bound"} {
		if !strings.Contains(miss.Why, want) {
			t.Errorf("why %q lacks %q", miss.Why, want)
		}
	}
}

func TestBaselineWhyImpossible(t *testing.T) {
	ss := summarizeCells([]Cell{
		{cellKey: cellKey{wlEpisode, cfgFull, "wss", 1, 20, ""}, Run: 1, Metrics: Metrics{"p50_ms": 150}},
		{cellKey: cellKey{wlEpisode, cfgDefault, "wss", 1, 20, ""}, Run: 1, Metrics: Metrics{"p50_ms": 280}},
	})
	ts := episodeLatencyTargets(ss, "wss", 1)
	if ts[0].Status != statusMissed || !strings.HasPrefix(ts[0].Why, "No client can meet it") {
		t.Errorf("1/3 of 280 ms is below the 120 ms limit: %+v, want missed as impossible", ts[0])
	}
}

func TestCPUBound(t *testing.T) {
	tests := []struct {
		name string
		m    Metrics
		want string
	}{
		{"nothing measured", Metrics{}, ""},
		{"idle", Metrics{"client_util": 0.1, "client_core_busy": 0.2, "server_util": 0.1, "server_core_busy": 0.3}, "neither"},
		{"server saturated", Metrics{"client_util": 0.4, "client_core_busy": 0.5, "server_util": 0.96, "server_core_busy": 0.99}, "server"},
		{"client saturated", Metrics{"client_util": 0.93, "client_core_busy": 0.95, "server_util": 0.5, "server_core_busy": 0.6}, "client"},
		{"both", Metrics{"client_util": 0.93, "client_core_busy": 0.95, "server_util": 0.92, "server_core_busy": 0.96}, "both"},
		{"core taken by others", Metrics{"client_util": 0.1, "client_core_busy": 0.95, "server_util": 0.2, "server_core_busy": 0.3}, "client (cores shared)"},
		{"no server side", Metrics{"client_util": 0.3, "client_core_busy": 0.4}, "not the client"},
	}
	for _, tc := range tests {
		if got := cpuBound(tc.m); got != tc.want {
			t.Errorf("%s: cpuBound = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestCPUWindow(t *testing.T) {
	w := startCPUWindow(nil, true)
	deadline := readCPU(nil).wall.Add(2 * cpuSampleEvery)
	x := 0
	for readCPU(nil).wall.Before(deadline) {
		x++ // burn CPU for two sampling intervals
	}
	r := w.end()
	if r.Seconds <= 0 || r.Wall <= 0 || r.UtilMean <= 0 || r.UtilP90 < 0 {
		t.Errorf("a busy window measured %+v (%d loops)", r, x)
	}
	if again := w.end(); again != r {
		t.Errorf("second end = %+v, want the same report", again)
	}
}

func TestRatioTargetNearGoal(t *testing.T) {
	got := ratioTarget("p50", "≤ 1/3", "episode", 0.3336, 1.0/3, true)
	if got.Status != statusMissed || got.Measured != "0.334×" {
		t.Errorf("0.3336 against 1/3: %s %q, want missed \"0.334×\" (not the goal's own 0.33×)", got.Status, got.Measured)
	}
	if got := ratioTarget("p50", "≤ 1/3", "episode", 0.25, 1.0/3, true); got.Status != statusMet || got.Measured != "0.25×" {
		t.Errorf("0.25 against 1/3: %s %q, want met \"0.25×\"", got.Status, got.Measured)
	}
}

func TestCacheMissWhy(t *testing.T) {
	cell := func(c string, p50, cpu float64) Cell {
		return Cell{cellKey: cellKey{wlCacheMiss, c, "https-h2", 1, 0, varMiss}, Run: 1,
			Metrics: Metrics{"p50_ms": p50 / 1000, "p50_us": p50, "client_cpu_us_per_op": cpu, "allocs_per_op": 400}}
	}
	ts := cacheMissTargets(summarizeCells([]Cell{cell(cfgPooled, 500, 380), cell(cfgCache, 530, 400)}))
	if len(ts) == 0 || ts[0].Status != statusMissed || !strings.Contains(ts[0].Why, "530.0 µs at p50 against 500.0 µs") {
		t.Fatalf("cache miss target %+v: want missed, with the p50s of both in its why", ts)
	}
}
