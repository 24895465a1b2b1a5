package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSmoke runs the whole program briefly against the embedded servers.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole program")
	}
	r, dir, stdout := runSmoke(t, "-duration", "200ms", "-runs", "1", "-rtt", "2ms", "-workloads", "episode",
		"-transports", "h2,wss", "-workers", "1,4")
	seen := map[string]int{}
	for _, c := range r.Cells {
		if c.Workload != wlEpisode {
			t.Errorf("unexpected workload %q", c.Workload)
		}
		if c.Errors > 0 {
			t.Errorf("%s %s w=%d: %d errors, first %s", c.Config, c.Transport, c.Workers, c.Errors, c.FirstError)
		}
		if c.Metrics["units"] < 1 {
			t.Errorf("%s %s w=%d completed no episode", c.Config, c.Transport, c.Workers)
		}
		seen[c.Config]++
	}
	for _, c := range allConfigs {
		if seen[c.Name] != 4 { // 2 transports × 2 worker levels
			t.Errorf("config %s has %d cells, want 4", c.Name, seen[c.Name])
		}
	}
	if len(r.Targets) == 0 {
		t.Error("no targets evaluated")
	}
	if !strings.Contains(stdout, "Headline") || !strings.Contains(stdout, "total time") {
		t.Errorf("stdout lacks the table or the total time:\n%s", stdout)
	}
	checkMeasuredBothSides(t, r)
	if r.Settings.Pool.Flag != 0 || r.Settings.Pool.MaxConns < 1 || r.Settings.Pool.Tuned != r.Settings.Pool.MaxConns {
		t.Errorf("pool sizes %+v: want the driver's defaults, libsql-tuned at the same maximum", r.Settings.Pool)
	}
	for _, f := range []string{"report.md", "headline.md"} {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"pool_max_conns", "load average", "physical limit"} {
			if !strings.Contains(strings.ToLower(string(b)), strings.ToLower(want)) {
				t.Errorf("%s lacks %q", f, want)
			}
		}
	}
}

// checkMeasuredBothSides checks that every cell of a workload driven by
// workers has the client's CPU and allocations and the server process's
// CPU per operation, and that the loaded ones say which side was bound.
func checkMeasuredBothSides(t *testing.T, r Results) {
	t.Helper()
	for _, c := range r.Cells {
		for _, k := range []string{"client_cpu_us_per_op", "allocs_per_op", "alloc_bytes_per_op", "server_cpu_us_per_op"} {
			if v, ok := c.Metrics[k]; !ok || v <= 0 {
				t.Errorf("%s %s %s w=%d: %s = %v (present %v)", c.Workload, c.Config, c.Transport, c.Workers, k, v, ok)
			}
		}
	}
	for _, s := range r.Summaries {
		if s.Workers > 1 && s.CPUBound == "" {
			t.Errorf("%s %s %s w=%d: no CPU-bound verdict", s.Workload, s.Config, s.Transport, s.Workers)
		}
		if s.Workload == wlEpisode && !(s.Median["p50_vs_limit"] > 0) {
			t.Errorf("%s %s w=%d: no p50 ÷ limit", s.Config, s.Transport, s.Workers)
		}
	}
}

// TestSmokeOptIn runs the opt-in workloads with tiny phases and checks that
// results.json holds every scenario of each, without errors, and their
// targets.
func TestSmokeOptIn(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole program")
	}
	r, dir, _ := runSmoke(t, "-duration", "100ms", "-runs", "1", "-rtt", "2ms", "-burst-secs", "0.4", "-steady-secs", "0.3",
		"-workloads", "adaptive,compression,cachemiss", "-transports", "h2,wss")
	seen := map[string]int{}
	for _, c := range r.Cells {
		if c.Errors > 0 {
			t.Errorf("%s %s %s: %d errors, first %s", c.Workload, c.Variant, c.Config, c.Errors, c.FirstError)
		}
		seen[c.Workload+"/"+c.Variant+"/"+c.Config]++
	}
	want := []string{"adaptive/burst/adaptive", "adaptive/burst/fixed-min", "adaptive/burst/fixed-max",
		"adaptive/steady/adaptive", "adaptive/overload/fixed-max", "compression/size=16KiB/pooled+br",
		"compression/size=1KiB/pooled", "compression/bw=10Mbit/s/pooled+br", "cachemiss/miss/pooled+cache", "cachemiss/hit/pooled"}
	for _, k := range want {
		if seen[k] == 0 {
			t.Errorf("results.json has no cell %s; has %v", k, seen)
		}
	}
	if n := seen["compression/size=4KiB/pooled+br"]; n != 2 { // RTT 0 and 2ms
		t.Errorf("compression 4KiB pooled+br has %d cells, want 2", n)
	}
	names := map[string]bool{}
	for _, tg := range r.Targets {
		names[tg.Name] = true
	}
	for _, n := range []string{"adaptive target reaches demand", "adaptive target stability", "adaptive under server overload",
		"compress=br bytes on the wire", "cache miss overhead", "cache hit latency"} {
		if !names[n] {
			t.Errorf("no target %q", n)
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Adaptive pool, bursty load", "Adaptive pool, steady load", "overloaded server",
		"Compression: write a JSON document", "10 Mbit/s", "Cache miss and hit cost"} {
		if !strings.Contains(string(report), title) {
			t.Errorf("report.md lacks the table %q", title)
		}
	}
}

// runSmoke runs the program with args and -out set to a new temporary
// directory, fails the test on a non-zero exit, and returns the parsed
// results.json, the directory and what the program printed.
func runSmoke(t *testing.T, args ...string) (r Results, dir, stdout string) {
	t.Helper()
	dir = t.TempDir()
	var out, stderr strings.Builder
	if code := run(t.Context(), append(args, "-out", dir), &out, &stderr); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	return readResults(t, dir), dir, out.String()
}

// readResults parses dir/results.json.
func readResults(t *testing.T, dir string) Results {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("results.json does not parse: %v", err)
	}
	return r
}

// TestSmokePrewarmed checks that the wait for the pre-warm ends only once
// the pre-warmed connections are usable: over WSS the first query after it
// opens no TCP connection.
func TestSmokePrewarmed(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole program")
	}
	r, _, _ := runSmoke(t, "-duration", "100ms", "-runs", "1", "-rtt", "2ms", "-workloads", "coldwarm", "-transports", "wss")
	n := 0
	for _, c := range r.Cells {
		if c.Config != cfgPooled && c.Config != cfgFull {
			continue
		}
		n++
		if v, ok := c.Metrics["prewarmed_tcp_conns"]; !ok || v != 0 {
			t.Errorf("%s: the first query after the pre-warm opened %v TCP connections (present %v), want 0", c.Config, v, ok)
		}
	}
	if n != 2 || r.Settings.Pool.Prewarmed < 1 || !r.Settings.Pool.PrewarmOK {
		t.Errorf("%d turso-pooled cells, pool %+v: want 2 cells and a finished pre-warm", n, r.Settings.Pool)
	}
}
