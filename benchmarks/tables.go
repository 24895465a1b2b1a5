package main

import (
	"fmt"
	"math"
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

var (
	colTransport = column{"transport", func(s Summary) string { return s.Transport }}
	colWorkers   = column{"workers", func(s Summary) string { return fmt.Sprint(s.Workers) }}
	colConfig    = column{"config", func(s Summary) string { return s.Config }}
	colErrors    = column{"errors", func(s Summary) string { return fmt.Sprint(s.Errors) }}
)

// reportTables builds the headline and per-workload tables.
func reportTables(r *Results) []table {
	load := r.Settings.Workers[len(r.Settings.Workers)-1]
	var headRows []Summary
	for _, s := range summariesOf(r.Summaries, wlEpisode, "") {
		if s.Workers == load {
			headRows = append(headRows, s)
		}
	}
	epCols := []column{metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1), metricCol("p99 ms", "p99_ms", 1),
		metricCol("episodes/s", "throughput", 1), metricCol("op p95 ms", "op_p95_ms", 1),
		metricCol("TLS hs/1k ops", "handshakes_per_1k_ops", 1), scaledCol("KiB/episode", "bytes_per_unit", 1.0/1024, 1),
		percentCol("cache hits", "cache_hit_ratio"),
		ratioCol("p50 vs default", "p50_ms", cfgDefault), ratioCol("p50 vs tuned", "p50_ms", cfgTuned),
		ratioCol("eps/s vs default", "throughput", cfgDefault), colErrors}
	ts := []table{{
		title: fmt.Sprintf("Headline: 13-operation episode, %d concurrent workers", load),
		note:  "Medians over runs. Ratios are of medians (p50: lower is better; episodes/s: higher is better).",
		cols:  append([]column{colTransport, colConfig}, epCols...), rows: headRows,
	}}
	ts = append(ts, table{title: "Episode, every concurrency level", cols: append([]column{colTransport, colWorkers, colConfig}, epCols...),
		rows: summariesOf(r.Summaries, wlEpisode, "")})
	ts = append(ts, table{title: "Cold connect vs warm acquire",
		note: "cold: open a fresh *sql.DB and run the first query (opening included). prewarmed: first query on a fresh turso-pooled DB once its pre-warm finished (the upstream has none, so it repeats cold). warm: 10 serial queries on distinct keys afterwards.",
		cols: []column{colTransport, colConfig, metricCol("cold ms", "cold_ms", 1), metricCol("prewarmed ms", "prewarmed_ms", 1),
			metricCol("warm p50 ms", "warm_p50_ms", 1), metricCol("warm p95 ms", "warm_p95_ms", 1),
			metricCol("TLS handshakes", "tls_handshakes", 0), metricCol("TCP conns", "tcp_conns", 0), colErrors},
		rows: summariesOf(r.Summaries, wlColdWarm, "")})
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
			ratioCol("eps/s vs tuned", "throughput", cfgTuned), colErrors},
		rows: summariesOf(r.Summaries, wlOverhead, "")})
	ts = append(ts, table{title: "Bursty load: idle → 64 workers → idle → 8 workers → idle",
		cols: []column{colTransport, colConfig, metricCol("p50 ms", "p50_ms", 1), metricCol("p95 ms", "p95_ms", 1),
			metricCol("p99 ms", "p99_ms", 1), metricCol("TCP conns", "tcp_conns", 0), metricCol("TLS handshakes", "tls_handshakes", 0),
			metricCol("pool new conns", "pool_new_conns", 0), colErrors},
		rows: summariesOf(r.Summaries, wlBurst, "")})
	ts = append(ts, extraTables(r)...)
	out := ts[:0]
	for _, t := range ts {
		if len(t.rows) > 0 {
			out = append(out, t)
		}
	}
	return out
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
