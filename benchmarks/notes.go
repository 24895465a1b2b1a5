package main

import (
	"fmt"
	"math"
	"runtime"
	"slices"

	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// autoNotes states facts a reader needs to judge the numbers: whether
// HTTP/2 was really negotiated, and where errors happened.
func (b *bench) autoNotes(ss []Summary) []string {
	var notes []string
	h2 := map[string]float64{}
	for _, s := range ss {
		if v := s.Median.get("h2_conns"); !math.IsNaN(v) {
			h2[s.Transport] += v
		}
		if s.Errors > 0 {
			notes = append(notes, fmt.Sprintf("%s %s %s workers=%d: %d failed units over %d runs (see first_error in results.json).",
				s.Workload, s.Config, s.Transport, s.Workers, s.Errors, s.Runs))
		}
	}
	for _, wl := range b.o.Workloads {
		if b.e.remote && embeddedOnly(wl) {
			notes = append(notes, fmt.Sprintf("The %s workload needs the embedded server and its WAN proxy; it did not run against -dsn.", wl))
		}
	}
	if slices.Contains(b.o.Workloads, wlAdaptive) {
		stable, dwell := adaptive.DefaultDownStableFor, adaptive.DefaultUpDwell
		notes = append(notes, fmt.Sprintf("Adaptive pool: a down-step needs %v of low use and comes no sooner than %v after an up-step "+
			"(pool/adaptive DownStableFor and UpDwell defaults); with -burst-secs %g each idle phase lasts %gs, so the target can come down "+
			"after the burst only if that is longer than %v.", stable, dwell, b.o.BurstSecs, b.o.BurstSecs, stable))
	}
	if v, ok := h2["https-h1"]; ok && v > 0 {
		notes = append(notes, "https-h1 cells negotiated HTTP/2 on some connections; the h1 server should not offer it.")
	}
	if !b.e.remote {
		notes = append(notes,
			"The upstream client sends Hrana-over-HTTP requests through http.DefaultTransport, which keeps at most 2 idle TCP connections per host over HTTP/1.1: the libsql configurations re-handshake under concurrency; turso-pooled routes the same upstream requests through its per-connector keep-alive relay (pool_http_relay=on), which holds up to pool_max_conns connections.",
			fmt.Sprintf("The servers (SQLite in memory) and the WAN proxies run in a server process of their own, the clients in this one; "+
				"%s. Under load one of the two cores can run out before the simulated network does: the CPU table says which, per cell. "+
				"Other processes on this machine share those %d CPUs too (load average in the header).", b.e.pin.describe(true), runtime.NumCPU()),
			"Episode latency counts from the start of an episode to its end, including any wait for a connection; op_* metrics time each of its 13 statements alone.")
	}
	return notes
}
