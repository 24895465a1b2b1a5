package main

import (
	"fmt"
	"math"
	"strings"
)

// Limits of the targets on the physical limit and on client CPU.
const (
	prewarmSlack = 1.2 // pre-warmed first query at most 1.2× a warm one
	hitCPULimit  = 10  // µs of client CPU per cache hit
)

// limitTarget checks the episode p50 of pooled+cache+br against the
// physical limit: at most 1.15× of it with 1 worker, 1.5× under load.
func limitTarget(ss []Summary, tr string, w int) Target {
	s, _ := episodeSummary(ss, cfgFull, tr, w)
	slack := limitSlack(w)
	t := Target{Name: "episode p50 vs physical limit", Scope: fmt.Sprintf("episode, %s, %s", tr, plural(w, "worker")),
		Goal: fmt.Sprintf("pooled+cache+br p50 ≤ %.2f× the round trips no client can avoid × RTT", slack)}
	r := s.Median.get("p50_vs_limit")
	t.set(r, r <= slack, fmt.Sprintf("%.2f× (%s ms vs a limit of %s ms)", r, num(s.Median.get("p50_ms"), 0), num(s.Median.get("limit_ms"), 0)))
	if t.Status == statusMissed {
		t.Why = limitWhy(s) + "."
	}
	return t
}

// cellSummary finds the summary of workload wl, configuration c, transport
// tr and workers w (no variant).
func cellSummary(ss []Summary, wl, c, tr string, w int) (Summary, bool) {
	for _, s := range ss {
		if s.Workload == wl && s.Config == c && s.Transport == tr && s.Workers == w && s.Variant == "" {
			return s, true
		}
	}
	return Summary{}, false
}

// cpuTargets compares the client CPU per operation of the pool alone with
// libsql-tuned at RTT 0 (overhead) and at -rtt (episode), under load. Over
// HTTPS/1.1 libsql re-handshakes, so both are only reported.
func cpuTargets(ss []Summary, load int) []Target {
	var ts []Target
	for _, tr := range transportNames() {
		for _, wl := range []string{wlOverhead, wlEpisode} {
			p, okP := cellSummary(ss, wl, cfgPooled, tr, load)
			l, okL := cellSummary(ss, wl, cfgTuned, tr, load)
			if !okP || !okL {
				continue
			}
			pc, lc := p.Median.get("client_cpu_us_per_op"), l.Median.get("client_cpu_us_per_op")
			t := Target{Name: "client CPU per operation", Goal: "pooled ≤ libsql-tuned (µs of client CPU per statement)",
				Scope: fmt.Sprintf("%s at RTT %g ms, %s, %s", wl, p.RTTms, tr, plural(load, "worker"))}
			r := ratio(pc, lc)
			t.set(r, r <= 1, fmt.Sprintf("%s vs %s µs/op (%.2f×)", num(pc, 1), num(lc, 1), r))
			switch {
			case tr == "https-h1" && t.Status != statusNA:
				t.Status, t.Note = statusNA, "reported only: over HTTP/1.1 libsql re-handshakes TLS"
			case t.Status == statusMissed:
				t.Why = cpuWhy(p, l) + "."
			}
			ts = append(ts, t)
		}
	}
	return ts
}

// prewarmTargets checks, per transport, the first query on a pre-warmed
// pool-only DB against a warm query.
func prewarmTargets(ss []Summary) []Target {
	var ts []Target
	for _, s := range ss {
		if s.Workload != wlColdWarm || s.Config != cfgPooled {
			continue
		}
		m := s.Median
		t := Target{Name: "pre-warmed first query", Goal: fmt.Sprintf("within %.1f× of a warm query (pooled)", prewarmSlack),
			Scope: "coldwarm, " + s.Transport}
		r := m.get("prewarmed_vs_warm")
		t.set(r, r <= prewarmSlack, fmt.Sprintf("%.2f× (%s ms vs %s ms warm; cold %s ms)", r, num(m.get("prewarmed_ms"), 1),
			num(m.get("warm_p50_ms"), 1), num(m.get("cold_ms"), 1)))
		if t.Status == statusMissed {
			t.Why = prewarmWhy(s)
		}
		ts = append(ts, t)
	}
	return ts
}

// limitWhy explains a p50 above the physical limit from what the cell
// measured (no final period).
func limitWhy(s Summary) string {
	m, rtt := s.Median, s.RTTms
	p50, limit, n := m.get("p50_ms"), m.get("limit_ms"), m.get("limit_round_trips")
	parts := []string{fmt.Sprintf("its p50 of %s ms is %.2f× the limit of %s round trips × %g ms = %s ms",
		num(p50, 0), ratio(p50, limit), num(n, 0), rtt, num(limit, 0))}
	sent := m.get("server_stmts_per_unit")
	if !math.IsNaN(sent) && sent > n+0.25 {
		miss := fmt.Sprintf("%.1f of its %d statements reached the server, not %s: the cache served %.1f of the 9 reads where the limit counts %.0f",
			sent, episodeOps, num(n, 0), float64(episodeOps)-sent, float64(episodeOps)-n)
		if names := missedReads(m); s.Workers == 1 && len(names) > 0 {
			miss += fmt.Sprintf(" (a traced serial episode after the cell missed: %s)", strings.Join(names, ", "))
		}
		parts = append(parts, miss)
	}
	if extra := p50 - sent*rtt; !math.IsNaN(extra) && extra > 0.05*limit {
		parts = append(parts, fmt.Sprintf("%.0f ms of the p50 lie beyond the %.1f round trips it sent: time spent in the client, the server and their queues", extra, sent))
	}
	if w := poolWaitWhy(m); w != "" {
		parts = append(parts, w)
	}
	if side := sideWhy(s); side != "" {
		parts = append(parts, side)
	}
	return upperFirst(strings.Join(parts, "; "))
}

// poolWaitWhy describes the pool's acquires during a cell when they waited
// noticeably ("" otherwise).
func poolWaitWhy(m Metrics) string {
	mean, share := m.get("pool_acquire_mean_ms"), m.get("pool_waited_share")
	if !(mean > 0.5) {
		return ""
	}
	return fmt.Sprintf("an acquire from the pool took %.1f ms on average (%.0f %% of them waited for a connection or dialed one)", mean, 100*share)
}

// sideWhy says which side was CPU-bound in a cell, with both cores' busy
// shares ("" when not measured).
func sideWhy(s Summary) string {
	m := s.Median
	detail := fmt.Sprintf("client core %s busy (%s by the client process), server core %s busy (%s by the server process)",
		pct(m.get("client_core_busy")), pct(m.get("client_util")), pct(m.get("server_core_busy")), pct(m.get("server_util")))
	label, shared := strings.CutSuffix(s.CPUBound, " (cores shared)")
	if shared {
		detail += "; other processes on this machine took most of that time"
	}
	switch label {
	case "":
		return ""
	case "neither", "not the client":
		return "neither side was CPU-bound: " + detail
	case "both":
		return "both sides were CPU-bound: " + detail
	}
	return "the " + label + " side was CPU-bound: " + detail
}

// baselineWhy explains a missed ratio against a baseline b: when even the
// physical limit is above goal × b's p50, no client can meet it.
func baselineWhy(s, b Summary, goal float64) string {
	limit, bp := s.Median.get("limit_ms"), b.Median.get("p50_ms")
	if best := bestRatioVs(limit, bp); best > goal {
		return fmt.Sprintf("No client can meet it at this RTT: the limit (%s ms: %s round trips that no cache removes) is already %.2f× %s's p50 of %s ms, above the goal's %.2f×.",
			num(limit, 0), num(s.Median.get("limit_round_trips"), 0), best, b.Config, num(bp, 0), goal)
	}
	why := fmt.Sprintf("%s's p50 is %s ms, so %.2f× asks for %s ms; the limit would allow %.2f×", b.Config, num(bp, 0), goal,
		num(goal*bp, 0), bestRatioVs(limit, bp))
	if !math.IsNaN(limit) {
		why += ". " + limitWhy(s)
	}
	return why + "."
}

// loadWhy lists what held an operation back under load (no final period).
func loadWhy(s Summary) string {
	var parts []string
	if w := poolWaitWhy(s.Median); w != "" {
		parts = append(parts, w)
	}
	if side := sideWhy(s); side != "" {
		parts = append(parts, side)
	}
	if len(parts) == 0 {
		return "the cell measured no CPU or pool waits to attribute it to"
	}
	return strings.Join(parts, "; ")
}

// throughputWhy explains a throughput below factor × that of d: when the
// workers could not reach it even at the physical limit, no client can.
func throughputWhy(s, d Summary, factor float64) string {
	got, base := s.Median.get("throughput"), d.Median.get("throughput")
	want := factor * base
	why := fmt.Sprintf("%s episodes/s against %g× libsql-default's %s = %s", num(got, 0), factor, num(base, 0), num(want, 0))
	if limit := s.Median.get("limit_ms"); limit > 0 {
		ceiling := float64(s.Workers) / (limit / 1000)
		if want > ceiling {
			return fmt.Sprintf("No client can meet it at this RTT: %s, more than %d workers can complete if every episode took just the limit (%d ÷ %s ms = %.0f episodes/s).",
				why, s.Workers, s.Workers, num(limit, 0), ceiling)
		}
		why += fmt.Sprintf(" (at the limit, %d workers would complete %.0f)", s.Workers, ceiling)
	}
	return upperFirst(why) + "; " + loadWhy(s) + "."
}

// cpuWhy compares the client cost of the pool alone with libsql-tuned's
// (no final period).
func cpuWhy(p, l Summary) string {
	pm, lm := p.Median, l.Median
	return fmt.Sprintf("The pool alone used %s µs of client CPU per statement against libsql-tuned's %s, with %s against %s allocations "+
		"(%s against %s KiB) per statement; server CPU per statement %s against %s µs",
		num(pm.get("client_cpu_us_per_op"), 1), num(lm.get("client_cpu_us_per_op"), 1), num(pm.get("allocs_per_op"), 0),
		num(lm.get("allocs_per_op"), 0), num(pm.get("alloc_bytes_per_op")/1024, 1), num(lm.get("alloc_bytes_per_op")/1024, 1),
		num(pm.get("server_cpu_us_per_op"), 1), num(lm.get("server_cpu_us_per_op"), 1))
}

// prewarmWhy explains a slow first query after the pre-warm.
func prewarmWhy(s Summary) string {
	m := s.Median
	why := fmt.Sprintf("The first query after the pre-warm took %s ms against %s ms for a warm one", num(m.get("prewarmed_ms"), 1),
		num(m.get("warm_p50_ms"), 1))
	if c := m.get("prewarmed_tcp_conns"); c >= 1 {
		why += fmt.Sprintf(" and opened %.0f TCP connection(s): the pre-warmed connections hold no TCP/TLS connection to the server (over HTTP the upstream client connects on its first request, so a dialed connection is only an object), so it paid the connection setup a cold query pays", c)
	}
	return why + "."
}

// upperFirst capitalizes the first letter of s.
func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
