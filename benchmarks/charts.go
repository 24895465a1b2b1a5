package main

import (
	"fmt"
	"math"
	"strconv"
)

// buildCharts makes the report's charts from the summaries.
func buildCharts(r *Results) []chart {
	var cs []chart
	var cfgs []string // the standard configurations: the opt-in workloads' own have no episode cells
	for _, c := range r.Settings.Configs {
		if configRank(c) < len(allConfigs) {
			cfgs = append(cfgs, c)
		}
	}
	load := r.Settings.Workers[len(r.Settings.Workers)-1]
	for _, tr := range r.Settings.Transports {
		if c, ok := latencyChart(r, tr, load, cfgs); ok {
			cs = append(cs, c)
		}
	}
	for _, tr := range r.Settings.Transports {
		if c, ok := throughputChart(r, tr, cfgs); ok {
			cs = append(cs, c)
		}
	}
	if c, ok := bytesChart(r, cfgs); ok {
		cs = append(cs, c)
	}
	if c, ok := coldWarmChart(r, cfgs); ok {
		cs = append(cs, c)
	}
	return cs
}

// latencyChart: episode p50/p95/p99 per configuration at the load level.
func latencyChart(r *Results, tr string, w int, cfgs []string) (chart, bool) {
	series := []string{"p50", "p95", "p99"}
	vals := make([][]float64, len(cfgs))
	found := false
	for i, c := range cfgs {
		s, ok := findSummary(r.Summaries, cellKey{wlEpisode, c, tr, w, r.Settings.RTTms, ""})
		vals[i] = []float64{math.NaN(), math.NaN(), math.NaN()}
		if ok {
			found = true
			vals[i] = []float64{s.Median.get("p50_ms"), s.Median.get("p95_ms"), s.Median.get("p99_ms")}
		}
	}
	title := fmt.Sprintf("Episode latency, %s, %d workers", tr, w)
	return chart{file: "latency_" + tr + ".svg", title: title,
		svg: barChart(title, "ms per 13-operation episode (lower is better)", cfgs, series, vals)}, found
}

// throughputChart: episodes/s against concurrency, one line per
// configuration.
func throughputChart(r *Results, tr string, cfgs []string) (chart, bool) {
	xs := make([]string, len(r.Settings.Workers))
	for i, w := range r.Settings.Workers {
		xs[i] = strconv.Itoa(w)
	}
	vals := make([][]float64, len(cfgs))
	found := false
	for i, c := range cfgs {
		vals[i] = make([]float64, len(xs))
		for j, w := range r.Settings.Workers {
			vals[i][j] = math.NaN()
			if s, ok := findSummary(r.Summaries, cellKey{wlEpisode, c, tr, w, r.Settings.RTTms, ""}); ok {
				vals[i][j], found = s.Median.get("throughput"), true
			}
		}
	}
	title := "Episode throughput vs concurrency, " + tr
	return chart{file: "throughput_" + tr + ".svg", title: title,
		svg: lineChart(title, "concurrent workers", "episodes/s (higher is better)", xs, cfgs, vals)}, found
}

// bytesChart: bytes on the wire per write+read pair (bytes workload), or
// per serial episode when the bytes workload did not run.
func bytesChart(r *Results, cfgs []string) (chart, bool) {
	wl, w, what := wlBytes, bytesWorkers, "bytes per document write+read"
	if len(summariesOf(r.Summaries, wlBytes, "")) == 0 {
		wl, w, what = wlEpisode, r.Settings.Workers[0], "bytes per episode"
	}
	var trs []string
	for _, tr := range r.Settings.Transports {
		if len(summariesOf(r.Summaries, wl, tr)) > 0 {
			trs = append(trs, tr)
		}
	}
	vals := make([][]float64, len(cfgs))
	for i, c := range cfgs {
		for _, tr := range trs {
			v := math.NaN()
			if s, ok := findSummary(r.Summaries, cellKey{wl, c, tr, w, r.Settings.RTTms, ""}); ok {
				v = s.Median.get("bytes_per_unit") / 1024
			}
			vals[i] = append(vals[i], v)
		}
	}
	title := "Bytes on the wire: " + what
	return chart{file: "bytes.svg", title: title, svg: barChart(title, "KiB, both directions (lower is better)", cfgs, trs, vals)}, len(trs) > 0
}

// coldWarmChart: cold, pre-warmed and warm latency per configuration, on
// the first transport measured.
func coldWarmChart(r *Results, cfgs []string) (chart, bool) {
	for _, tr := range r.Settings.Transports {
		if len(summariesOf(r.Summaries, wlColdWarm, tr)) == 0 {
			continue
		}
		vals := make([][]float64, len(cfgs))
		for i, c := range cfgs {
			s, _ := findSummary(r.Summaries, cellKey{wlColdWarm, c, tr, 1, r.Settings.RTTms, ""})
			vals[i] = []float64{s.Median.get("cold_ms"), s.Median.get("prewarmed_ms"), s.Median.get("warm_p50_ms")}
		}
		title := "First query vs warm query, " + tr
		return chart{file: "coldwarm.svg", title: title,
			svg: barChart(title, "ms (lower is better)", cfgs, []string{"cold (fresh DB)", "after pre-warm", "warm p50"}, vals)}, true
	}
	return chart{}, false
}
