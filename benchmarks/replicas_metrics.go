package main

import (
	"slices"
	"time"
)

// replicaCell builds the cell of one multi-process scenario from what its
// processes measured: the staleness of every read against the writer's
// acknowledgements (see staleness), the readers' cache hit ratio, the
// writer's latency and the rates.
func replicaCell(k cellKey, run int, rs []*replicaResult) Cell {
	var acks, reads [][3]int64
	var lat []time.Duration
	var hits, misses, applied, flushes uint64
	var errs opErrors
	secs, readers := 0.0, 0
	for _, r := range rs {
		acks = append(acks, r.Acks...)
		for _, ns := range r.WriteNs {
			lat = append(lat, time.Duration(ns))
		}
		if len(r.Reads) > 0 || r.Hits+r.Misses > 0 {
			readers++
			hits, misses, applied, flushes = hits+r.Hits, misses+r.Misses, applied+r.Applied, flushes+r.Flushes
		}
		reads = append(reads, r.Reads...)
		if r.Errors > 0 {
			errs.n += r.Errors - 1
			errs.add(errorString(r.FirstErr))
		}
		secs = max(secs, r.Seconds)
	}
	m := replicaStaleness(acks, reads)
	l := summarize(lat)
	m["write_p50_ms"], m["write_p95_ms"], m["write_p99_ms"] = l.P50, l.P95, l.P99
	if secs > 0 {
		m["writes_per_s"] = float64(l.N) / secs
		if readers > 0 {
			m["reads_per_s"] = float64(len(reads)) / secs / float64(readers)
		}
	}
	if hits+misses > 0 {
		m["cache_hits"], m["cache_misses"], m["cache_hit_ratio"] = float64(hits), float64(misses), float64(hits)/float64(hits+misses)
	}
	m["bus_applied"], m["bus_flushes"] = float64(applied), float64(flushes)
	m["units"], m["seconds"] = float64(len(reads)), secs
	c := Cell{cellKey: k, Run: run, Metrics: m, Errors: errs.n}
	c.FirstError = errs.first
	return c
}

// replicaStaleness returns the staleness metrics of reads (key, version
// returned, start) against acks (key, version, acknowledgement): reads,
// stale_reads, stale_share, stale_p50/p99/p999/max_ms over every read.
func replicaStaleness(acks, reads [][3]int64) Metrics {
	commits := map[int64][]time.Time{}
	slices.SortFunc(acks, func(a, b [3]int64) int { return int(a[1] - b[1]) })
	for _, a := range acks {
		c := commits[a[0]]
		if c == nil {
			c = []time.Time{{}}
		}
		for int64(len(c)) < a[1] { // a version whose write failed but may have landed
			c = append(c, time.Unix(0, a[2]))
		}
		commits[a[0]] = append(c[:a[1]], time.Unix(0, a[2]))
	}
	m := Metrics{"reads": float64(len(reads))}
	if len(reads) == 0 {
		return m
	}
	ms := make([]float64, len(reads))
	stale := 0
	for i, r := range reads {
		d := staleness(commits[r[0]], r[1], time.Unix(0, r[2]))
		if d > 0 {
			stale++
		}
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	m["stale_reads"], m["stale_share"] = float64(stale), float64(stale)/float64(len(reads))
	m["stale_p50_ms"], m["stale_p99_ms"] = percentile(ms, 0.50), percentile(ms, 0.99)
	m["stale_p999_ms"], m["stale_max_ms"] = percentile(ms, 0.999), ms[len(ms)-1]
	return m
}

// errorString is an error with a fixed message.
type errorString string

// Error returns the message.
func (e errorString) Error() string { return string(e) }
