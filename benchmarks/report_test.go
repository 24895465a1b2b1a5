package main

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fakeResults builds results with every workload and configuration.
func fakeResults() *Results {
	var cells []Cell
	for i, c := range allConfigs {
		f := float64(i + 1)
		for _, w := range []int{1, 32} {
			for _, tr := range []string{"https-h1", "wss"} {
				cells = append(cells, Cell{cellKey: cellKey{wlEpisode, c.Name, tr, w, 20, ""}, Run: 1,
					Metrics: Metrics{"p50_ms": 300 / f, "p95_ms": 400 / f, "p99_ms": 500 / f, "throughput": 10 * f * float64(w),
						"op_p95_ms": 60 / f, "handshakes_per_op": 1 / f, "handshakes_per_1k_ops": 1000 / f, "bytes_per_unit": 60000 / f}})
			}
		}
		cells = append(cells,
			Cell{cellKey: cellKey{wlColdWarm, c.Name, "wss", 1, 20, ""}, Run: 1, Metrics: Metrics{"cold_ms": 100, "prewarmed_ms": 100 / f, "warm_p50_ms": 21}},
			Cell{cellKey: cellKey{wlZipf, c.Name, "wss", zipfWorkers, 20, ""}, Run: 1, Metrics: Metrics{"throughput": 300 * f, "cache_hit_ratio": math.NaN(),
				"stale_max_ms": 40 * f, "stale_p99_ms": 10 * f, "seconds": 1}},
			Cell{cellKey: cellKey{wlBytes, c.Name, "wss", bytesWorkers, 20, ""}, Run: 1, Metrics: Metrics{"bytes_per_unit": 14000 / f, "doc_bytes": 4900}},
			Cell{cellKey: cellKey{wlBurst, c.Name, "wss", 64, 20, ""}, Run: 1, Metrics: Metrics{"p50_ms": 300, "tcp_conns": 4}})
	}
	for _, c := range []string{cfgTuned, cfgPooled} {
		cells = append(cells, Cell{cellKey: cellKey{wlOverhead, c, "wss", 1, 0, ""}, Run: 1, Metrics: Metrics{"p50_ms": 10, "throughput": 90}})
	}
	for i := range cells {
		if cells[i].Workload == wlZipf && cells[i].Config == cfgFull {
			cells[i].Metrics["stale_bound_ms"] = 12500
		}
	}
	ss := summarizeCells(cells)
	return &Results{
		Date: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Machine: machineInfo(),
		Settings: Settings{RTTms: 20, Duration: "1s", Runs: 1, Workloads: allWorkloads, Transports: []string{"https-h1", "wss"},
			Workers: []int{1, 32}, Configs: configNames(allConfigs), Pool: poolInfo{MaxConns: 50, TargetAtOpen: 5, Prewarmed: 5, PrewarmOK: true, Tuned: 50},
			Server: "test <&> server"},
		Cells: cells, Summaries: ss, Targets: evaluateTargets(ss, []string{"https-h1", "wss"}, 32),
		Notes: []string{"a note with | pipe"},
	}
}

// checkXML decodes b to the end and fails on any XML error.
func checkXML(t *testing.T, name string, b []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	root := ""
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("%s is not valid XML: %v", name, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", name, root)
	}
}

func TestChartsAreValidSVG(t *testing.T) {
	charts := buildCharts(fakeResults())
	files := map[string]bool{}
	for _, c := range charts {
		files[c.file] = true
		checkXML(t, c.file, c.svg)
		for _, cfg := range allConfigs {
			if !bytes.Contains(c.svg, []byte(esc(cfg.Name))) {
				t.Errorf("%s does not name configuration %s", c.file, cfg.Name)
			}
		}
	}
	for _, want := range []string{"latency_wss.svg", "throughput_https-h1.svg", "bytes.svg", "coldwarm.svg"} {
		if !files[want] {
			t.Errorf("chart %s missing; got %v", want, files)
		}
	}
}

func TestBarChartEscapesAndSkipsNaN(t *testing.T) {
	svg := barChart(`a <b> & "c"`, "ms", []string{"x<y", "z"}, []string{"s&1"}, [][]float64{{math.NaN()}, {3}})
	checkXML(t, "bar", svg)
	if bytes.Contains(svg, []byte("NaN")) {
		t.Error("chart contains NaN")
	}
	line := lineChart("t", "x", "y", []string{"1", "2"}, []string{"a"}, [][]float64{{math.NaN(), 2}})
	checkXML(t, "line", line)
}

func TestMarkdownReport(t *testing.T) {
	r := fakeResults()
	md := markdownReport(r, buildCharts(r))
	for _, want := range append(configNames(allConfigs), "## Targets", "Headline", "Cold connect", "Zipf", "Bytes on the wire",
		"RTT 0", "Bursty", "![", `a note with \| pipe`, "| target | goal |", "max stale ms", "cache staleness ≤ cache_max_ttl") {
		if !strings.Contains(md, want) && !strings.Contains(md, strings.ReplaceAll(want, `\|`, "|")) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	if strings.Contains(md, "NaN") {
		t.Error("report.md contains NaN")
	}
	var text strings.Builder
	printTable(&text, r)
	for _, want := range append(configNames(allConfigs), "Targets") {
		if !strings.Contains(text.String(), want) {
			t.Errorf("stdout table lacks %q", want)
		}
	}
}

func TestTargets(t *testing.T) {
	r := fakeResults()
	byName := map[string]Target{}
	for _, tg := range r.Targets {
		if tg.Scope == "episode, wss, 32 workers" || strings.HasPrefix(tg.Scope, "episode at RTT 0") {
			byName[tg.Name] = tg
		}
	}
	tests := []struct {
		name, status string
		value        float64
	}{
		// pooled+cache+br has p50 300/4 against 300 (0.25) and 300/2 (0.5).
		{"episode p50 vs libsql-default", statusMet, 0.25},
		{"episode p50 vs libsql-tuned", statusMet, 0.5},
		{"throughput under load", statusMet, 4},
		{"connection overhead per op", statusMissed, 0.25},
		{"p95 under load", statusMet, 15},
		{"pool overhead at RTT 0 (p50 latency)", statusMet, 0},
	}
	for _, tc := range tests {
		got, ok := byName[tc.name]
		if !ok {
			t.Errorf("target %q missing", tc.name)
			continue
		}
		if got.Status != tc.status || math.Abs(got.Value-tc.value) > 1e-9 {
			t.Errorf("%s: status %s value %v, want %s %v", tc.name, got.Status, got.Value, tc.status, tc.value)
		}
	}
}

func TestWriteReports(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested")
	if err := writeReports(dir, fakeResults()); err != nil {
		t.Fatal(err)
	}
	back := readResults(t, dir)
	if len(back.Cells) == 0 || len(back.Summaries) == 0 || back.Machine.NumCPU == 0 {
		t.Errorf("results.json lacks cells, summaries or machine: %d %d %+v", len(back.Cells), len(back.Summaries), back.Machine)
	}
	for _, f := range []string{"report.md", "bytes.svg"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("%s not written: %v", f, err)
		}
	}
}
