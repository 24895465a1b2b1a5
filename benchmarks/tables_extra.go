package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
)

// variantRows returns the summaries of workload wl with one of variants,
// ordered by RTT, then variant (in the given order), then configuration.
func variantRows(ss []Summary, wl string, variants ...string) []Summary {
	var out []Summary
	for _, s := range ss {
		if s.Workload == wl && slices.Contains(variants, s.Variant) {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.RTTms != b.RTTms {
			return a.RTTms < b.RTTms
		}
		if va, vb := slices.Index(variants, a.Variant), slices.Index(variants, b.Variant); va != vb {
			return va < vb
		}
		return configRank(a.Config) < configRank(b.Config)
	})
	return out
}

// vsCol shows metric key of a row divided by that of configuration base
// in the same cell key ("1.00×" for base itself).
func vsCol(head, key, base string, ss []Summary) column {
	return column{head, func(s Summary) string {
		if s.Config == base {
			return "1.00×"
		}
		k := s.cellKey
		k.Config = base
		b, ok := findSummary(ss, k)
		if !ok {
			return "–"
		}
		v := ratio(s.Median.get(key), b.Median.get(key))
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v)
	}}
}

// reachCol shows a "+X ms" moment, or "never" when flag (the median over
// runs of a 0/1 metric) says it did not come before the burst ended.
func reachCol(head, key, flag string) column {
	return column{head, func(s Summary) string {
		v := s.Median.get(key)
		if math.IsNaN(v) {
			return "–"
		}
		if s.Median.get(flag) < 0.5 {
			return "never"
		}
		return fmt.Sprintf("+%.0f ms", v)
	}}
}

var (
	colRTT     = column{"RTT ms", func(s Summary) string { return fmt.Sprintf("%g", s.RTTms) }}
	colVariant = column{"scenario", func(s Summary) string { return s.Variant }}
)

// extraTables builds the tables of the opt-in workloads that ran.
func extraTables(r *Results) []table {
	ss := r.Summaries
	ts := []table{{
		title: fmt.Sprintf("Adaptive pool, bursty load: idle → %d workers → idle → %d workers → idle", burstWorkers, burstTail),
		note: "Point reads by key. Each idle phase lasts as long as the burst (-burst-secs). " +
			"Latency and ops/s of the 64-worker phase; tail p95 of the 8-worker phase. conn-s: open connections " +
			"integrated over the whole scenario (sampled every 10 ms); burst conn-s: over the 64-worker phase. " +
			"target ≥ demand: first sample with TargetConns ≥ min(64, max); queue empty: first sample with no acquirer queued after one was.",
		cols: []column{colTransport, colConfig, metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1),
			metricCol("p99 ms", "p99_ms", 1), metricCol("ops/s", "throughput", 0), metricCol("tail p95 ms", "tail_p95_ms", 1),
			metricCol("conn-s", "conn_seconds", 1), metricCol("burst conn-s", "conn_seconds_burst", 1),
			metricCol("peak conns", "peak_conns", 0), reachCol("target ≥ demand", "target_reach_ms", "target_reached"),
			reachCol("queue empty", "queue_empty_ms", "queue_emptied"), metricCol("pool wait p95 ms", "pool_wait_p95_ms", 1),
			vsCol("p95 vs fixed-max", "p95_ms", cfgFixedMax, ss), vsCol("conn-s vs fixed-max", "conn_seconds", cfgFixedMax, ss), colErrors},
		rows: variantRows(ss, wlAdaptive, varBurst),
	}, {
		title: fmt.Sprintf("Adaptive pool, steady load: %d workers", steadyWorkers),
		note:  "Target direction changes: sign changes of the sampled TargetConns (every 50 ms); a ramp up counts 0.",
		cols: []column{colTransport, colConfig, metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1),
			metricCol("ops/s", "throughput", 0), metricCol("direction changes", "direction_changes", 0),
			metricCol("changes/min", "changes_per_min", 1), metricCol("resizes", "resizes", 0), metricCol("mean target", "mean_target", 1),
			metricCol("conn-s", "conn_seconds", 1), colErrors},
		rows: variantRows(ss, wlAdaptive, varSteady),
	}, {
		title: fmt.Sprintf("Adaptive pool, overloaded server: %d workers, server admits %d statements at once, +%v per request",
			overloadWorkers, overloadLimit, overloadDelay),
		note: fmt.Sprintf("Each statement is a point read plus a recursive CTE counting %d rows, so it holds its server slot; "+
			"tursotest applies the request delay before the slot. %d workers run first for a third of -steady-secs (the server keeps up; "+
			"warm p50 is theirs), then %d for -steady-secs: the other columns are that phase's. "+
			"overload: the server's queue is FIFO and its throughput stays at the limit's rate however long the queue; "+
			"overload+contention: each admitted statement also holds its slot %v longer per statement waiting (SetContention), "+
			"so throughput falls as the queue grows.", overloadRows, overloadWarmWorkers, overloadWorkers, overloadContention),
		cols: []column{colTransport, colVariant, colConfig, metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1),
			metricCol("p99 ms", "p99_ms", 1), metricCol("ops/s", "throughput", 0), metricCol("warm p50 ms", "warm_p50_ms", 1),
			metricCol("mean target", "mean_target", 1),
			metricCol("peak conns", "peak_conns", 0), metricCol("pool wait p95 ms", "pool_wait_p95_ms", 1),
			vsCol("p95 vs fixed-max", "p95_ms", cfgFixedMax, ss), vsCol("ops/s vs fixed-max", "throughput", cfgFixedMax, ss), colErrors},
		rows: variantRows(ss, wlAdaptive, varOverload, varOverloadContention),
	}}
	ts = append(ts, compressionTables(ss)...)
	return append(ts, replicaTables(ss)...)
}

// compressionTables builds the tables of the compression and cachemiss
// workloads.
func compressionTables(ss []Summary) []table {
	sizes := compressionVariants()
	return []table{{
		title: "Compression: write a JSON document, read it back by id (serial, cache off)",
		note: "bytes/pair: both directions, counted by the WAN proxy (TLS and HTTP framing included). Latency per write+read pair. " +
			"Values below compress_threshold (1 KiB) are sent raw. Rows marked bw=10Mbit/s run at the highest RTT behind a link " +
			"capped at 1,250,000 bytes/s per direction; the others have unlimited bandwidth, where compression can only cost CPU.",
		cols: []column{colTransport, colRTT, colVariant, colConfig, metricCol("doc bytes", "doc_bytes", 0),
			metricCol("bytes/pair", "bytes_per_unit", 0), vsCol("wire vs off", "bytes_per_unit", cfgPooled, ss),
			metricCol("brotli ratio", "compress_ratio", 2), metricCol("p50 ms", "p50_ms", 2), metricCol("p95 ms", "p95_ms", 2),
			vsCol("p50 vs off", "p50_ms", cfgPooled, ss), colErrors},
		rows: variantRows(ss, wlCompression, sizes...),
	}, {
		title: fmt.Sprintf("Compression behind a 10 Mbit/s link: the episode, %d workers", bandwidthWorkers),
		note:  "The proxy caps each direction of each connection at 1,250,000 bytes/s; HTTP/2 shares one connection.",
		cols: []column{colTransport, colRTT, colConfig, metricCol("episodes/s", "throughput", 2), metricCol("p50 ms", "p50_ms", 0),
			metricCol("p95 ms", "p95_ms", 0), scaledCol("KiB/episode", "bytes_per_unit", 1.0/1024, 1),
			vsCol("eps/s vs off", "throughput", cfgPooled, ss), colErrors},
		rows: variantRows(ss, wlCompression, varBandwidth),
	}, {
		title: "Cache miss and hit cost at RTT 0 (serial, alternating between both DBs)",
		note: "miss: the same query with a new argument each time (never a hit); hit: the same query and argument each time. " +
			"For cache=off the hit row is the plain repeated query. The loop alternates between both DBs in blocks of 32 queries; " +
			"each block's client CPU time and allocations count for its DB.",
		cols: []column{colTransport, colVariant, colConfig, metricCol("p50 µs", "p50_us", 1), metricCol("p95 µs", "p95_us", 1),
			metricCol("p99 µs", "p99_us", 1), metricCol("ops", "units", 0), percentCol("cache hits", "cache_hit_ratio"),
			vsCol("p50 vs cache off", "p50_ms", cfgPooled, ss), colClientCPU, colAllocs, scaledCol("bytes alloc/op", "alloc_bytes_per_op", 1, 0),
			colErrors},
		rows: variantRows(ss, wlCacheMiss, varMiss, varHit),
	}}
}
