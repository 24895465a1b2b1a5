package main

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
)

// column is one column of a summary table.
type column struct {
	head string
	cell func(s Summary) string
}

// table is a titled set of rows of summaries.
type table struct {
	title string
	note  string
	cols  []column
	rows  []Summary
}

// num formats v with prec decimals, or "–" when not measured.
func num(v float64, prec int) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	return fmt.Sprintf("%.*f", prec, v)
}

// metricCol shows a median metric.
func metricCol(head, key string, prec int) column {
	return column{head, func(s Summary) string { return num(s.Median.get(key), prec) }}
}

// scaledCol shows a median metric multiplied by f.
func scaledCol(head, key string, f float64, prec int) column {
	return column{head, func(s Summary) string { return num(s.Median.get(key)*f, prec) }}
}

// ratioCol shows a ratio to a baseline ("1.00×" for the baseline itself).
func ratioCol(head, key, base string) column {
	return column{head, func(s Summary) string {
		if s.Config == base {
			return "1.00×"
		}
		m := s.VsDefault
		if base == cfgTuned {
			m = s.VsTuned
		}
		v := m.get(key)
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v)
	}}
}

// percentCol shows a ratio metric as a percentage.
func percentCol(head, key string) column {
	return column{head, func(s Summary) string {
		v := s.Median.get(key)
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.0f %%", 100*v)
	}}
}

// boundCol shows which side was CPU-bound.
var boundCol = column{"CPU-bound", func(s Summary) string {
	if s.CPUBound == "" {
		return "–"
	}
	return s.CPUBound
}}

// utilCol shows a side's own share of its cores and their busy share with
// every process counted: "31 % / 95 %".
func utilCol(head, prefix string) column {
	return column{head, func(s Summary) string {
		own, busy := s.Median.get(prefix+"util"), s.Median.get(prefix+"core_busy")
		if math.IsNaN(own) && math.IsNaN(busy) {
			return "–"
		}
		return pct(own) + " / " + pct(busy)
	}}
}

// pct formats a share as a whole percentage, or "–".
func pct(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*v)
}

// Columns of the CPU and allocation metrics.
var (
	colClientCPU = metricCol("client CPU µs/op", "client_cpu_us_per_op", 1)
	colServerCPU = metricCol("server CPU µs/op", "server_cpu_us_per_op", 1)
	colAllocs    = metricCol("allocs/op", "allocs_per_op", 0)
	colAllocKiB  = scaledCol("KiB alloc/op", "alloc_bytes_per_op", 1.0/1024, 1)
	colLimit     = metricCol("limit ms", "limit_ms", 0)
	colVsLimit   = column{"p50 ÷ limit", func(s Summary) string {
		v := s.Median.get("p50_vs_limit")
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v)
	}}
)

var (
	colTransport = column{"transport", func(s Summary) string { return s.Transport }}
	colWorkers   = column{"workers", func(s Summary) string { return fmt.Sprint(s.Workers) }}
	colConfig    = column{"config", func(s Summary) string { return s.Config }}
	colErrors    = column{"errors", func(s Summary) string { return fmt.Sprint(s.Errors) }}
	colWorkload  = column{"workload", func(s Summary) string {
		if s.Variant != "" {
			return s.Workload + " " + s.Variant
		}
		return s.Workload
	}}
)

// ratioMetricCol shows a median metric that is a ratio ("1.23×").
func ratioMetricCol(head, key string) column {
	return column{head, func(s Summary) string {
		v := s.Median.get(key)
		if math.IsNaN(v) {
			return "–"
		}
		return fmt.Sprintf("%.2f×", v)
	}}
}

// cpuRows returns the summaries that measured client CPU per operation, in
// report order: by workload, transport, RTT, workers, configuration.
func cpuRows(ss []Summary) []Summary {
	var out []Summary
	for _, s := range ss {
		if !math.IsNaN(s.Median.get("client_cpu_us_per_op")) && s.Workload != wlColdWarm {
			out = append(out, s)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if wa, wb := slices.Index(allWorkloads, a.Workload), slices.Index(allWorkloads, b.Workload); wa != wb {
			return wa < wb
		}
		if a.Transport != b.Transport {
			return a.Transport < b.Transport
		}
		if a.RTTms != b.RTTms {
			return a.RTTms < b.RTTms
		}
		if a.Variant != b.Variant {
			return a.Variant < b.Variant
		}
		if a.Workers != b.Workers {
			return a.Workers < b.Workers
		}
		return configRank(a.Config) < configRank(b.Config)
	})
	return out
}

// reportTables builds the headline and per-workload tables.
func reportTables(r *Results) []table {
	ts := episodeTables(r)
	ts = append(ts, otherTables(r)...)
	ts = append(ts, extraTables(r)...)
	out := ts[:0]
	for _, t := range ts {
		if len(t.rows) > 0 {
			out = append(out, t)
		}
	}
	return out
}

// episodeTables builds the headline, the episode, the CPU and the
// cold/warm tables.
func episodeTables(r *Results) []table {
	load := r.Settings.Workers[len(r.Settings.Workers)-1]
	var headRows []Summary
	for _, s := range summariesOf(r.Summaries, wlEpisode, "") {
		if s.Workers == load {
			headRows = append(headRows, s)
		}
	}
	headCols := []column{metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1),
		metricCol("episodes/s", "throughput", 1), colLimit, colVsLimit, colClientCPU, colAllocs, colAllocKiB,
		colServerCPU, boundCol, metricCol("TLS hs/1k ops", "handshakes_per_1k_ops", 1), percentCol("cache hits", "cache_hit_ratio"),
		ratioCol("p50 vs default", "p50_ms", cfgDefault), ratioCol("p50 vs tuned", "p50_ms", cfgTuned),
		ratioCol("eps/s vs default", "throughput", cfgDefault), colErrors}
	epCols := []column{metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1), metricCol("p99 ms", "p99_ms", 1),
		metricCol("episodes/s", "throughput", 1), metricCol("op p95 ms", "op_p95_ms", 1), colLimit, colVsLimit,
		metricCol("to server/episode", "server_stmts_per_unit", 1), metricCol("HTTP req/episode", "http_requests_per_unit", 1),
		metricCol("TLS hs/1k ops", "handshakes_per_1k_ops", 1), scaledCol("KiB/episode", "bytes_per_unit", 1.0/1024, 1),
		percentCol("cache hits", "cache_hit_ratio"),
		ratioCol("p50 vs default", "p50_ms", cfgDefault), ratioCol("p50 vs tuned", "p50_ms", cfgTuned),
		ratioCol("eps/s vs default", "throughput", cfgDefault), colErrors}
	ts := []table{{
		title: fmt.Sprintf("Headline: 13-operation episode, %d concurrent workers", load),
		note: "Medians over runs. Ratios are of medians (p50: lower is better; episodes/s: higher is better). " +
			"limit: the round trips no client can avoid × RTT (see \"Physical limit\"). CPU and allocations per operation " +
			"(statement) of the client process; server CPU: the server process (servers and WAN proxies). " +
			"CPU-bound: the side whose core had less than 10 % idle time (see \"CPU and allocations\").",
		cols: append([]column{colTransport, colConfig}, headCols...), rows: headRows,
	}}
	ts = append(ts, table{title: "Episode, every concurrency level", note: limitNote,
		cols: append([]column{colTransport, colWorkers, colConfig}, epCols...), rows: summariesOf(r.Summaries, wlEpisode, "")})
	ts = append(ts, table{title: "CPU and allocations per operation", note: cpuNote,
		cols: []column{colTransport, colWorkload, colWorkers, colRTT, colConfig, colClientCPU, colAllocs, colAllocKiB, colServerCPU,
			utilCol("client own / core busy", "client_"), utilCol("server own / core busy", "server_"), boundCol, colErrors},
		rows: cpuRows(r.Summaries)})
	ts = append(ts, table{title: "Cold connect vs warm acquire",
		note: "cold: open a fresh *sql.DB and run the first query (opening included). prewarmed: first query on a fresh turso-pooled DB " +
			"once its pre-warm finished (every pre-warmed connection dialed and idle; the upstream has none, so it repeats cold); " +
			"prewarmed TCP: connections the proxy accepted during that query. warm: 10 serial queries on distinct keys afterwards. " +
			"cold limit: TCP + TLS 1.3 (+ the WebSocket upgrade) + the query, one RTT each; a warm query's limit is one RTT.",
		cols: []column{colTransport, colConfig, metricCol("cold ms", "cold_ms", 1), metricCol("cold limit ms", "cold_limit_ms", 0),
			ratioMetricCol("cold ÷ limit", "cold_vs_limit"), metricCol("prewarmed ms", "prewarmed_ms", 1),
			metricCol("prewarmed TCP", "prewarmed_tcp_conns", 0),
			metricCol("warm p50 ms", "warm_p50_ms", 1), metricCol("warm p95 ms", "warm_p95_ms", 1),
			ratioMetricCol("prewarmed ÷ warm", "prewarmed_vs_warm"),
			metricCol("TLS handshakes", "tls_handshakes", 0), metricCol("TCP conns", "tcp_conns", 0), colErrors},
		rows: summariesOf(r.Summaries, wlColdWarm, "")})
	return ts
}

// otherTables builds the zipf, bytes, overhead and burst tables.
func otherTables(r *Results) []table {
	var ts []table
	ts = append(ts, table{title: fmt.Sprintf("Zipf read-mostly (95 %% reads, 5 %% updates, %d workers)", zipfWorkers),
		note: zipfNote,
		cols: []column{colTransport, colConfig, metricCol("ops/s", "throughput", 0), metricCol("p50 ms", "p50_ms", 2),
			metricCol("p95 ms", "p95_ms", 2), metricCol("p99 ms", "p99_ms", 2), percentCol("cache hits", "cache_hit_ratio"),
			worstCol("max stale ms", "stale_max_ms", 0), metricCol("p99 stale ms", "stale_p99_ms", 0),
			scaledCol("bound s", "stale_bound_ms", 1.0/1000, 1),
			ratioCol("ops/s vs default", "throughput", cfgDefault), ratioCol("ops/s vs tuned", "throughput", cfgTuned), colErrors},
		rows: summariesOf(r.Summaries, wlZipf, "")})
	ts = append(ts, table{title: "Bytes on the wire: write a 2–8 KiB JSON document, read it back",
		note: "bytes per write+read pair, both directions, counted by the WAN proxy (TLS records and HTTP framing included).",
		cols: []column{colTransport, colConfig, metricCol("doc bytes", "doc_bytes", 0), metricCol("bytes/pair", "bytes_per_unit", 0),
			metricCol("brotli ratio", "compress_ratio", 2), ratioCol("vs default", "bytes_per_unit", cfgDefault), colErrors},
		rows: summariesOf(r.Summaries, wlBytes, "")})
	ts = append(ts, table{title: "Pool overhead: the episode at RTT 0",
		cols: []column{colTransport, colWorkers, colConfig, metricCol("p50 ms", "p50_ms", 2), metricCol("p95 ms", "p95_ms", 2),
			metricCol("episodes/s", "throughput", 1), ratioCol("p50 vs tuned", "p50_ms", cfgTuned),
			ratioCol("eps/s vs tuned", "throughput", cfgTuned), colClientCPU, ratioCol("CPU/op vs tuned", "client_cpu_us_per_op", cfgTuned),
			colAllocs, colAllocKiB, boundCol, colErrors},
		rows: summariesOf(r.Summaries, wlOverhead, "")})
	ts = append(ts, table{title: "Bursty load: idle → 64 workers → idle → 8 workers → idle",
		cols: []column{colTransport, colConfig, metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1),
			metricCol("p99 ms", "p99_ms", 1), metricCol("TCP conns", "tcp_conns", 0), metricCol("TLS handshakes", "tls_handshakes", 0),
			metricCol("pool new conns", "pool_new_conns", 0), colErrors},
		rows: summariesOf(r.Summaries, wlBurst, "")})
	return ts
}

// cells returns the rendered cells of t.
func (t table) cells() (head []string, body [][]string) {
	for _, c := range t.cols {
		head = append(head, c.head)
	}
	for _, s := range t.rows {
		row := make([]string, len(t.cols))
		for i, c := range t.cols {
			row[i] = c.cell(s)
		}
		body = append(body, row)
	}
	return head, body
}

// markdown renders t as a GitHub Markdown table.
func (t table) markdown(sb *strings.Builder) {
	head, body := t.cells()
	fmt.Fprintf(sb, "### %s\n\n", t.title)
	if t.note != "" {
		fmt.Fprintf(sb, "%s\n\n", t.note)
	}
	sb.WriteString("| " + strings.Join(head, " | ") + " |\n|")
	for range head {
		sb.WriteString("---|")
	}
	sb.WriteString("\n")
	for _, row := range body {
		sb.WriteString("| " + strings.Join(escapeMD(row), " | ") + " |\n")
	}
	sb.WriteString("\n")
}

// escapeMD escapes the pipes in cells.
func escapeMD(row []string) []string {
	out := make([]string, len(row))
	for i, c := range row {
		out[i] = strings.ReplaceAll(c, "|", `\|`)
	}
	return out
}
