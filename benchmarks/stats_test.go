package main

import (
	"math"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	sorted := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	tests := []struct {
		name string
		in   []float64
		q    float64
		want float64
	}{
		{"median of even count interpolates", sorted, 0.5, 5.5},
		{"min", sorted, 0, 1},
		{"max", sorted, 1, 10},
		{"p95 interpolates", sorted, 0.95, 9.55},
		{"p99", sorted, 0.99, 9.91},
		{"single value", []float64{7}, 0.95, 7},
		{"below zero clamps", sorted, -1, 1},
		{"above one clamps", sorted, 2, 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := percentile(tc.in, tc.q); math.Abs(got-tc.want) > 1e-9 {
				t.Errorf("percentile(%v, %v) = %v, want %v", tc.in, tc.q, got, tc.want)
			}
		})
	}
	if got := percentile(nil, 0.5); !math.IsNaN(got) {
		t.Errorf("percentile(nil) = %v, want NaN", got)
	}
}

func TestMedian(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name string
		in   []float64
		want float64
	}{
		{"odd count, unsorted", []float64{9, 1, 5}, 5},
		{"even count", []float64{4, 1, 3, 2}, 2.5},
		{"NaNs ignored", []float64{nan, 3, nan, 1, 2}, 2},
		{"one value", []float64{42}, 42},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]float64(nil), tc.in...)
			if got := median(in); got != tc.want {
				t.Errorf("median(%v) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.in[i] && !(math.IsNaN(in[i]) && math.IsNaN(tc.in[i])) {
					t.Fatalf("median modified its input: %v", in)
				}
			}
		})
	}
	for _, in := range [][]float64{nil, {nan, nan}} {
		if got := median(in); !math.IsNaN(got) {
			t.Errorf("median(%v) = %v, want NaN", in, got)
		}
	}
}

func TestRatio(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		a, b, want float64
	}{
		{10, 40, 0.25},
		{3, 1, 3},
		{0, 5, 0},
	}
	for _, tc := range tests {
		if got := ratio(tc.a, tc.b); got != tc.want {
			t.Errorf("ratio(%v, %v) = %v, want %v", tc.a, tc.b, got, tc.want)
		}
	}
	for _, tc := range [][2]float64{{1, 0}, {nan, 1}, {1, nan}} {
		if got := ratio(tc[0], tc[1]); !math.IsNaN(got) {
			t.Errorf("ratio(%v, %v) = %v, want NaN", tc[0], tc[1], got)
		}
	}
	if got := perOp(5, 0); !math.IsNaN(got) {
		t.Errorf("perOp(5, 0) = %v, want NaN", got)
	}
	if got := perOp(5, 10); got != 0.5 {
		t.Errorf("perOp(5, 10) = %v, want 0.5", got)
	}
}

func TestSummarize(t *testing.T) {
	ds := []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	s := summarize(ds)
	if s.N != 4 || s.P50 != 2.5 || s.Mean != 2.5 {
		t.Errorf("summarize = %+v, want N=4 P50=2.5 Mean=2.5", s)
	}
	if s.P99 > 4 || s.P99 < s.P95 || s.P95 < s.P50 {
		t.Errorf("percentiles not ordered or above the max: %+v", s)
	}
	if e := summarize(nil); !math.IsNaN(e.P50) || e.N != 0 {
		t.Errorf("summarize(nil) = %+v, want NaN percentiles", e)
	}
}

func TestSummarizeCells(t *testing.T) {
	k := func(cfg string) cellKey {
		return cellKey{Workload: wlEpisode, Config: cfg, Transport: "wss", Workers: 32, RTTms: 20}
	}
	cells := []Cell{
		{cellKey: k(cfgDefault), Run: 1, Metrics: Metrics{"p50_ms": 300, "throughput": 10}},
		{cellKey: k(cfgDefault), Run: 2, Metrics: Metrics{"p50_ms": 100, "throughput": 30}},
		{cellKey: k(cfgDefault), Run: 3, Metrics: Metrics{"p50_ms": 200, "throughput": 20}},
		{cellKey: k(cfgTuned), Run: 1, Metrics: Metrics{"p50_ms": 100, "throughput": 40}},
		{cellKey: k(cfgFull), Run: 1, Metrics: Metrics{"p50_ms": 50, "throughput": 80}, Errors: 2},
		{cellKey: k(cfgFull), Run: 2, Metrics: Metrics{"p50_ms": 70, "throughput": 60}, Errors: 1},
	}
	ss := summarizeCells(cells)
	if len(ss) != 3 {
		t.Fatalf("got %d summaries, want 3", len(ss))
	}
	full, ok := findSummary(ss, k(cfgFull))
	if !ok {
		t.Fatal("no summary for pooled+cache+br")
	}
	checks := []struct {
		name      string
		got, want float64
	}{
		{"median p50", full.Median["p50_ms"], 60},
		{"median throughput", full.Median["throughput"], 70},
		{"p50 vs default", full.VsDefault["p50_ms"], 0.3},
		{"throughput vs default", full.VsDefault["throughput"], 3.5},
		{"p50 vs tuned", full.VsTuned["p50_ms"], 0.6},
		{"runs", float64(full.Runs), 2},
		{"errors", float64(full.Errors), 3},
	}
	for _, c := range checks {
		if math.Abs(c.got-c.want) > 1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	def, _ := findSummary(ss, k(cfgDefault))
	if def.VsDefault != nil {
		t.Errorf("baseline has a ratio to itself: %v", def.VsDefault)
	}
}

func TestMetricsJSONDropsNaN(t *testing.T) {
	b, err := Metrics{"a": 1, "b": math.NaN(), "c": math.Inf(1)}.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"a":1}` {
		t.Errorf("MarshalJSON = %s, want {\"a\":1}", b)
	}
}
