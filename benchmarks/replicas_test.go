package main

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSmokeReplicas runs the replicas workload briefly (real redis-server,
// real replica processes) and checks that every scenario produced sane
// numbers, that its targets were evaluated, and that no child process is
// left. Without redis-server it fails under CI=true and skips otherwise.
func TestSmokeReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("starts redis-server and several processes")
	}
	if _, err := exec.LookPath("redis-server"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("redis-server not found in CI (.ci/run installs the Debian package redis-server): %v", err)
		}
		t.Skipf("redis-server not found (%v): apt-get install -y redis-server to run the replicas workload", err)
	}
	w0, m0 := replicaWarmup, replicaMinMeasure
	replicaWarmup, replicaMinMeasure = 300*time.Millisecond, 700*time.Millisecond
	t.Cleanup(func() { replicaWarmup, replicaMinMeasure = w0, m0 })
	r, dir, _ := runSmoke(t, "-duration", "200ms", "-runs", "1", "-rtt", "2ms", "-workloads", "replicas", "-transports", "h2")
	seen := map[string]Cell{}
	for _, c := range r.Cells {
		if c.Errors > 0 {
			t.Errorf("%s %s: %d errors, first %s", c.Variant, c.Config, c.Errors, c.FirstError)
		}
		seen[c.Variant+"/"+c.Config] = c
	}
	for _, k := range []string{"bus/" + cfgCacheBus, "no-bus/" + cfgCache, "single/" + cfgCache} {
		c, ok := seen[k]
		if !ok {
			t.Errorf("no cell %s; have %v", k, keys(seen))
			continue
		}
		m := c.Metrics
		for _, name := range []string{"reads", "writes_per_s", "reads_per_s", "cache_hits", "write_p50_ms"} {
			if !(m[name] > 0) {
				t.Errorf("%s: %s = %v, want > 0", k, name, m[name])
			}
		}
		if hr := m["cache_hit_ratio"]; !(hr > 0 && hr <= 1) {
			t.Errorf("%s: cache_hit_ratio %v, want in (0, 1]", k, hr)
		}
		if sm, ok := m["stale_max_ms"]; !ok || sm < 0 || math.IsInf(sm, 0) || m["stale_p99_ms"] > sm {
			t.Errorf("%s: stale_max_ms %v (present %v), p99 %v: want 0 ≤ p99 ≤ max", k, sm, ok, m["stale_p99_ms"])
		}
		if applied := m["bus_applied"]; (k == "bus/"+cfgCacheBus) != (applied > 0) {
			t.Errorf("%s: %v remote invalidations applied: want > 0 with the bus only", k, applied)
		}
	}
	for _, cfg := range []string{cfgCache, cfgCacheBus} {
		if c, ok := seen[varWriteCost+"/"+cfg]; !ok || !(c.Metrics["p50_us"] > 0) || c.RTTms != 0 {
			t.Errorf("write-cost %s: cell %v (present %v): want a p50 at RTT 0", cfg, c.Metrics, ok)
		}
	}
	for _, name := range []string{"staleness across replicas (cache bus)", "hit rate across replicas (cache bus)",
		"write latency added by the cache bus"} {
		if tg, ok := findTarget(r.Targets, name); !ok || (tg.Status != statusMet && tg.Status != statusMissed) {
			t.Errorf("target %q: %+v (present %v): want met or missed", name, tg, ok)
		}
	}
	report, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, title := range []string{"Cache across replicas", "Cache bus write cost"} {
		if !strings.Contains(string(report), title) {
			t.Errorf("report.md lacks the table %q", title)
		}
	}
	if kids := childPIDs(t); len(kids) > 0 {
		t.Errorf("child processes left behind: %v", kids)
	}
}

// TestReplicaStaleness checks the staleness of reads against a writer's
// acknowledgements.
func TestReplicaStaleness(t *testing.T) {
	ms := int64(time.Millisecond)
	acks := [][3]int64{{1, 2, 20 * ms}, {1, 1, 10 * ms}, {2, 1, 5 * ms}}
	reads := [][3]int64{
		{1, 0, 15 * ms}, // version 1 acknowledged at 10: stale by 5
		{1, 1, 25 * ms}, // version 2 at 20: stale by 5
		{1, 2, 30 * ms}, // newest
		{2, 0, 4 * ms},  // started before version 1's acknowledgement
		{3, 0, 50 * ms}, // a key never written
	}
	m := replicaStaleness(acks, reads)
	if m["reads"] != 5 || m["stale_reads"] != 2 || m["stale_max_ms"] != 5 || m["stale_share"] != 0.4 {
		t.Errorf("metrics %v: want 5 reads, 2 stale, max 5 ms, share 0.4", m)
	}
}

// TestReplicaTargetsWithoutRedis checks that a run without redis-server
// reports the three targets n/a with the reason.
func TestReplicaTargetsWithoutRedis(t *testing.T) {
	s := Summary{cellKey: cellKey{Workload: wlReplicas, Config: cfgCacheBus, Transport: "https-h2", Variant: varBus},
		Median: Metrics{"bus_unavailable": 1}}
	ts := replicaTargets([]Summary{s})
	if len(ts) != 3 {
		t.Fatalf("%d targets, want 3", len(ts))
	}
	for _, tg := range ts {
		if tg.Status != statusNA || !strings.Contains(tg.Note, "redis-server") {
			t.Errorf("%s: status %s, note %q: want n/a naming redis-server", tg.Name, tg.Status, tg.Note)
		}
	}
}

// findTarget returns the first target named name.
func findTarget(ts []Target, name string) (Target, bool) {
	for _, tg := range ts {
		if tg.Name == name {
			return tg, true
		}
	}
	return Target{}, false
}

// keys returns the keys of m.
func keys(m map[string]Cell) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// childPIDs lists the live processes whose parent is this one (Linux;
// nil elsewhere).
func childPIDs(t *testing.T) []int {
	t.Helper()
	if runtime.GOOS != "linux" {
		return nil
	}
	stats, _ := filepath.Glob("/proc/[0-9]*/stat")
	me := strconv.Itoa(os.Getpid())
	var out []int
	for _, p := range stats {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces; split after ')'.
		s := string(b)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == me && f[0] != "Z" {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			out = append(out, pid)
		}
	}
	return out
}
