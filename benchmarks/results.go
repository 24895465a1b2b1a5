package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Metrics maps metric names to values. A metric that was not measured is
// absent; NaN values are dropped when encoding.
type Metrics map[string]float64

// MarshalJSON drops NaN and infinite values, which JSON cannot hold.
func (m Metrics) MarshalJSON() ([]byte, error) {
	clean := make(map[string]float64, len(m))
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			clean[k] = v
		}
	}
	return json.Marshal(clean)
}

// get returns m[k], or NaN when absent.
func (m Metrics) get(k string) float64 {
	if v, ok := m[k]; ok {
		return v
	}
	return math.NaN()
}

// cellKey names a cell apart from its run.
type cellKey struct {
	Workload  string  `json:"workload"`
	Config    string  `json:"config"`
	Transport string  `json:"transport"`
	Workers   int     `json:"workers"`
	RTTms     float64 `json:"rtt_ms"`
	Variant   string  `json:"variant,omitempty"` // scenario of an opt-in workload: "burst", "size=4KiB", "miss"…
}

// Cell is the measurement of one cell in one run.
type Cell struct {
	cellKey
	Run        int     `json:"run"`
	Metrics    Metrics `json:"metrics"`
	Errors     int64   `json:"errors"`
	FirstError string  `json:"first_error,omitempty"`
}

// Summary is the median over runs of one cell, with ratios of its medians
// to those of both baselines in the same group.
type Summary struct {
	cellKey
	Runs      int     `json:"runs"`
	Errors    int64   `json:"errors"`
	Median    Metrics `json:"median"`
	Worst     Metrics `json:"worst,omitempty"` // highest value over runs of each metric in worstOfRuns
	VsDefault Metrics `json:"vs_libsql_default,omitempty"`
	VsTuned   Metrics `json:"vs_libsql_tuned,omitempty"`
	// CPUBound is the side whose cores were saturated (from the medians):
	// "client", "server", "both", "neither"; empty when not measured.
	CPUBound string `json:"cpu_bound,omitempty"`
}

// Machine describes where the run happened.
type Machine struct {
	GOOS        string     `json:"goos"`
	GOARCH      string     `json:"goarch"`
	NumCPU      int        `json:"num_cpu"`
	GoVersion   string     `json:"go_version"`
	Hostname    string     `json:"hostname,omitempty"`
	LoadStart   [3]float64 `json:"loadavg_start"` // /proc/loadavg (1, 5, 15 min) when the run started; -1: unknown
	LoadEnd     [3]float64 `json:"loadavg_end"`   // and when it ended
	Pinning     pinning    `json:"pinning"`
	PinningText string     `json:"pinning_text"`
}

// Settings are the options of the run, without secrets.
type Settings struct {
	RTTms      float64  `json:"rtt_ms"`
	Duration   string   `json:"duration"`
	Runs       int      `json:"runs"`
	Workloads  []string `json:"workloads"`
	Transports []string `json:"transports"`
	Workers    []int    `json:"workers"`
	Configs    []string `json:"configs"`
	Pool       poolInfo `json:"pool"`
	Full       bool     `json:"full"`
	Server     string   `json:"server"` // "embedded tursotest behind wansim" or the redacted -dsn host
}

// Results is everything results.json holds.
type Results struct {
	Date        time.Time `json:"date"`
	WallSeconds float64   `json:"wall_seconds"`
	Machine     Machine   `json:"machine"`
	Settings    Settings  `json:"settings"`
	Cells       []Cell    `json:"cells"`
	Summaries   []Summary `json:"summaries"`
	Targets     []Target  `json:"targets"`
	Notes       []string  `json:"notes,omitempty"`
	Incomplete  bool      `json:"incomplete,omitempty"`
}

// machineInfo describes this machine.
func machineInfo() Machine {
	host, _ := os.Hostname()
	return Machine{GOOS: runtime.GOOS, GOARCH: runtime.GOARCH, NumCPU: runtime.NumCPU(),
		GoVersion: runtime.Version(), Hostname: host}
}

// loadAverage returns the 1, 5 and 15 minute load averages, or -1s when
// unknown (not Linux).
func loadAverage() [3]float64 {
	out := [3]float64{-1, -1, -1}
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return out
	}
	f := strings.Fields(string(b))
	for i := 0; i < 3 && i < len(f); i++ {
		if v, err := strconv.ParseFloat(f[i], 64); err == nil {
			out[i] = v
		}
	}
	return out
}

// summarizeCells groups cells by key, takes the median of every metric over
// runs and computes the ratios to the baselines. The order follows the
// first appearance of each key.
func summarizeCells(cells []Cell) []Summary {
	var order []cellKey
	byKey := map[cellKey][]Cell{}
	for _, c := range cells {
		if _, ok := byKey[c.cellKey]; !ok {
			order = append(order, c.cellKey)
		}
		byKey[c.cellKey] = append(byKey[c.cellKey], c)
	}
	out := make([]Summary, 0, len(order))
	index := map[cellKey]int{}
	for _, k := range order {
		runs := byKey[k]
		s := Summary{cellKey: k, Runs: len(runs), Median: medianMetrics(runs), Worst: worstMetrics(runs)}
		s.CPUBound = cpuBound(s.Median)
		for _, c := range runs {
			s.Errors += c.Errors
		}
		index[k] = len(out)
		out = append(out, s)
	}
	for i := range out {
		for base, dst := range map[string]*Metrics{cfgDefault: &out[i].VsDefault, cfgTuned: &out[i].VsTuned} {
			bk := out[i].cellKey
			bk.Config = base
			if j, ok := index[bk]; ok && j != i {
				*dst = ratios(out[i].Median, out[j].Median)
			}
		}
	}
	addLimits(out)
	return out
}

// medianMetrics returns the median of each metric over the cells.
func medianMetrics(cells []Cell) Metrics {
	vals := map[string][]float64{}
	for _, c := range cells {
		for k, v := range c.Metrics {
			vals[k] = append(vals[k], v)
		}
	}
	m := Metrics{}
	for k, vs := range vals {
		m[k] = median(vs)
	}
	return m
}

// worstOfRuns lists the metrics whose worst (highest) value over runs is
// kept besides the median: bounds are checked against the worst run.
var worstOfRuns = []string{"stale_max_ms"}

// worstMetrics returns the highest value over the cells of each metric in
// worstOfRuns that they measured (NaN ignored), or nil when none did.
func worstMetrics(cells []Cell) Metrics {
	var m Metrics
	for _, k := range worstOfRuns {
		for _, c := range cells {
			v, ok := c.Metrics[k]
			if !ok || math.IsNaN(v) {
				continue
			}
			if m == nil {
				m = Metrics{}
			}
			if w, ok := m[k]; !ok || v > w {
				m[k] = v
			}
		}
	}
	return m
}

// ratios returns a[k]/b[k] for every metric present in both.
func ratios(a, b Metrics) Metrics {
	r := Metrics{}
	for k, v := range a {
		if w, ok := b[k]; ok {
			if x := ratio(v, w); !math.IsNaN(x) {
				r[k] = x
			}
		}
	}
	return r
}

// find returns the summary of key k.
func findSummary(ss []Summary, k cellKey) (Summary, bool) {
	for _, s := range ss {
		if s.cellKey == k {
			return s, true
		}
	}
	return Summary{}, false
}

// summariesOf returns the summaries of workload w on transport tr, sorted
// by workers then by configuration order.
func summariesOf(ss []Summary, w, tr string) []Summary {
	var out []Summary
	for _, s := range ss {
		if s.Workload == w && (tr == "" || s.Transport == tr) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Workers != out[j].Workers {
			return out[i].Workers < out[j].Workers
		}
		return configRank(out[i].Config) < configRank(out[j].Config)
	})
	return out
}

// configRank orders configurations as in everyConfig.
func configRank(name string) int {
	return slices.IndexFunc(everyConfig, func(c configSpec) bool { return c.Name == name })
}

// writeJSON writes r to dir/results.json.
func writeJSON(dir string, r *Results) error {
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("benchmarks: encode results: %w", err)
	}
	return writeFile(filepath.Join(dir, "results.json"), append(b, '\n'))
}

// writeFile writes b to path, creating its directory.
func writeFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("benchmarks: create %s: %w", filepath.Dir(path), err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("benchmarks: write %s: %w", path, err)
	}
	return nil
}
