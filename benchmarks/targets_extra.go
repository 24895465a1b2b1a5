package main

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Limits of the opt-in workloads' targets.
const (
	adaptiveP95Slack     = 1.10 // adaptive p95 at most 10 % above fixed-max
	adaptiveConnSaving   = 0.60 // adaptive connection-seconds at most 60 % of fixed-max
	adaptiveVsMin        = 0.80 // adaptive p95 at least 20 % below fixed-min
	maxChangesPerMin     = 2
	overloadP95          = 0.80 // adaptive p95 at least 20 % below fixed-max
	throughputTolerance  = 0.97 // "equal" throughput: within 3 %
	wireRatioLimit       = 0.40 // compress=br at least 60 % fewer bytes
	paysForItselfFromKiB = 4
	missOverheadLimit    = 0.03
	hitP50LimitUs        = 20
)

// extraTargets evaluates the goals of the opt-in workloads that ran.
func extraTargets(ss []Summary) []Target {
	return slices.Concat(adaptiveTargets(ss), compressionTargets(ss), cacheMissTargets(ss), replicaTargets(ss))
}

// variantSummary finds the summary of workload wl, config c and variant v
// (any transport and worker count; at RTT rtt unless rtt is NaN).
func variantSummary(ss []Summary, wl, c, v string, rtt float64) (Summary, bool) {
	for _, s := range ss {
		if s.Workload == wl && s.Config == c && s.Variant == v && (math.IsNaN(rtt) || s.RTTms == rtt) {
			return s, true
		}
	}
	return Summary{}, false
}

// metricOf returns metric k of the summary of (wl, c, v), or NaN.
func metricOf(ss []Summary, wl, c, v string, rtt float64, k string) float64 {
	if s, ok := variantSummary(ss, wl, c, v, rtt); ok {
		return s.Median.get(k)
	}
	return math.NaN()
}

// adaptiveTargets checks the adaptive pool against the fixed sizes.
func adaptiveTargets(ss []Summary) []Target {
	s, ok := variantSummary(ss, wlAdaptive, cfgAdaptive, varBurst, math.NaN())
	if !ok {
		return nil
	}
	nan := math.NaN()
	get := func(c, v, k string) float64 { return metricOf(ss, wlAdaptive, c, v, nan, k) }
	scope := func(v string) string { return fmt.Sprintf("adaptive %s, %s", v, s.Transport) }

	reach := Target{Name: "adaptive target reaches demand", Goal: "target ≥ min(64, max) or gate queue empty within 1 s of the burst",
		Scope: scope(varBurst)}
	dm := s.Median.get("demand_met_ms")
	reach.set(dm, dm <= ms(reachDeadline) && s.Median.get("demand_met") > 0, fmt.Sprintf("+%.0f ms", dm))

	p95Max := ratio(get(cfgAdaptive, varBurst, "p95_ms"), get(cfgFixedMax, varBurst, "p95_ms"))
	connMax := ratio(get(cfgAdaptive, varBurst, "conn_seconds"), get(cfgFixedMax, varBurst, "conn_seconds"))
	vsMax := Target{Name: "adaptive vs fixed-max (burst)", Goal: "p95 within 10 % of fixed-max with ≥ 40 % fewer connection-seconds",
		Scope: scope(varBurst)}
	vsMax.set(math.Max(p95Max, connMax), p95Max <= adaptiveP95Slack && connMax <= adaptiveConnSaving,
		fmt.Sprintf("p95 %.2f×, conn-s %.2f×", p95Max, connMax))

	vsMin := ratioTarget("adaptive vs fixed-min (burst)", "p95 ≥ 20 % below fixed-min", scope(varBurst),
		ratio(get(cfgAdaptive, varBurst, "p95_ms"), get(cfgFixedMin, varBurst, "p95_ms")), adaptiveVsMin, true)

	steady := Target{Name: "adaptive target stability", Goal: "≤ 2 target direction changes per minute at 16 steady workers",
		Scope: scope(varSteady)}
	cpm := get(cfgAdaptive, varSteady, "changes_per_min")
	steady.set(cpm, cpm <= maxChangesPerMin, fmt.Sprintf("%.1f /min (%.0f changes)", cpm, get(cfgAdaptive, varSteady, "direction_changes")))

	ts := []Target{reach, vsMax, vsMin, steady}
	for _, v := range []string{varOverload, varOverloadContention} {
		p95O := ratio(get(cfgAdaptive, v, "p95_ms"), get(cfgFixedMax, v, "p95_ms"))
		thrO := ratio(get(cfgAdaptive, v, "throughput"), get(cfgFixedMax, v, "throughput"))
		over := Target{Name: "adaptive under server overload", Goal: "p95 ≥ 20 % below fixed-max with equal (≥ 0.97×) or better throughput",
			Scope: scope(v)}
		over.set(p95O, p95O <= overloadP95 && thrO >= throughputTolerance, fmt.Sprintf("p95 %.2f×, ops/s %.2f×", p95O, thrO))
		ts = append(ts, over)
	}
	return ts
}

// compressionTargets checks bytes on the wire per size, and whether
// compression pays for itself in latency at -rtt for documents of 4 KiB
// and more.
func compressionTargets(ss []Summary) []Target {
	var ts []Target
	rtt := compressionRTT(ss)
	for _, kib := range compressionSizes {
		v := sizeVariant(kib)
		br, ok := variantSummary(ss, wlCompression, cfgBrotli, v, rtt)
		if !ok {
			continue
		}
		scope := fmt.Sprintf("compression %s, %s", v, br.Transport)
		wire := ratio(br.Median.get("bytes_per_unit"), metricOf(ss, wlCompression, cfgPooled, v, rtt, "bytes_per_unit"))
		ts = append(ts, ratioTarget("compress=br bytes on the wire", "≥ 60 % fewer bytes (both directions) than compress off", scope,
			wire, wireRatioLimit, true))
		if kib < paysForItselfFromKiB || !(rtt > 0) {
			continue
		}
		for _, pv := range []string{v, cappedVariant(kib)} {
			pbr, ok := variantSummary(ss, wlCompression, cfgBrotli, pv, rtt)
			if !ok {
				continue
			}
			p50 := ratio(pbr.Median.get("p50_ms"), metricOf(ss, wlCompression, cfgPooled, pv, rtt, "p50_ms"))
			ts = append(ts, ratioTarget("compress=br pays for itself",
				fmt.Sprintf("p50 per write+read at RTT %g ms ≤ compress off (documents ≥ 4 KiB)", rtt),
				fmt.Sprintf("compression %s, %s", pv, br.Transport), p50, 1, true))
		}
	}
	return ts
}

// compressionRTT returns the highest RTT the size sweep ran at.
func compressionRTT(ss []Summary) float64 {
	rtt := math.NaN()
	for _, s := range ss {
		if s.Workload == wlCompression && !strings.Contains(s.Variant, varBandwidth) && !(s.RTTms <= rtt) {
			rtt = s.RTTms
		}
	}
	return rtt
}

// cacheMissTargets checks what a miss adds and what a hit costs.
func cacheMissTargets(ss []Summary) []Target {
	miss, ok := variantSummary(ss, wlCacheMiss, cfgCache, varMiss, math.NaN())
	if !ok {
		return nil
	}
	scope := "cachemiss at RTT 0, " + miss.Transport + ", serial"
	over := ratio(miss.Median.get("p50_ms"), metricOf(ss, wlCacheMiss, cfgPooled, varMiss, math.NaN(), "p50_ms")) - 1
	mt := Target{Name: "cache miss overhead", Goal: "cache=on p50 on a miss < 3 % above cache=off", Scope: scope}
	mt.set(over, over < missOverheadLimit, fmt.Sprintf("%+.1f %%", 100*over))
	if mt.Status == statusMissed {
		mt.Why = missWhy(ss, miss)
	}
	hit := metricOf(ss, wlCacheMiss, cfgCache, varHit, math.NaN(), "p50_us")
	ht := Target{Name: "cache hit latency", Goal: "p50 < 20 µs end to end through database/sql", Scope: scope}
	ht.set(hit, hit < hitP50LimitUs, fmt.Sprintf("%.1f µs (p99 %.1f µs)", hit, metricOf(ss, wlCacheMiss, cfgCache, varHit, math.NaN(), "p99_us")))
	cpu := metricOf(ss, wlCacheMiss, cfgCache, varHit, math.NaN(), "client_cpu_us_per_op")
	allocs := metricOf(ss, wlCacheMiss, cfgCache, varHit, math.NaN(), "allocs_per_op")
	bytes := metricOf(ss, wlCacheMiss, cfgCache, varHit, math.NaN(), "alloc_bytes_per_op")
	ct := Target{Name: "cache hit client CPU", Goal: fmt.Sprintf("≤ %d µs of client CPU per hit through database/sql", hitCPULimit), Scope: scope}
	ct.set(cpu, cpu <= hitCPULimit, fmt.Sprintf("%.1f µs (%.0f allocations, %.0f bytes per hit)", cpu, allocs, bytes))
	if ct.Status == statusMissed {
		ct.Why = fmt.Sprintf("A hit cost %.1f µs of client CPU, with %.0f allocations and %.0f bytes allocated per hit (database/sql's Rows and the copied row included).",
			cpu, allocs, bytes)
	}
	return []Target{mt, ht, ct}
}

// missWhy explains a cache miss that costs more than cache=off: what the
// miss cost in client CPU and allocations on both sides (cache=on parses
// the statement, looks the result up and stores it).
func missWhy(ss []Summary, miss Summary) string {
	off := func(m string) float64 { return metricOf(ss, wlCacheMiss, cfgPooled, varMiss, math.NaN(), m) }
	mm := miss.Median
	return fmt.Sprintf("A miss took %s µs at p50 against %s µs with cache=off, %s against %s µs of client CPU and %s against %s allocations "+
		"per statement: the cache classifies the statement, looks it up and stores the copied result; at RTT 0 that is the whole "+
		"difference, behind a WAN link it is lost in the round trip.",
		num(mm.get("p50_us"), 1), num(off("p50_us"), 1), num(mm.get("client_cpu_us_per_op"), 1), num(off("client_cpu_us_per_op"), 1),
		num(mm.get("allocs_per_op"), 0), num(off("allocs_per_op"), 0))
}
