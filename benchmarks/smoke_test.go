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
	dir := t.TempDir()
	var stdout, stderr strings.Builder
	code := run(t.Context(), []string{"-duration", "200ms", "-runs", "1", "-rtt", "2ms", "-workloads", "episode",
		"-transports", "h2,wss", "-workers", "1,4", "-out", dir}, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(filepath.Join(dir, "results.json"))
	if err != nil {
		t.Fatal(err)
	}
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatalf("results.json does not parse: %v", err)
	}
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
	if !strings.Contains(stdout.String(), "Headline") || !strings.Contains(stdout.String(), "total time") {
		t.Errorf("stdout lacks the table or the total time:\n%s", stdout.String())
	}
}
