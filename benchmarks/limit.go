package main

import (
	"math"
	"strings"
)

// The physical limit of a cell is the time no client can avoid: the
// statements that must reach the server, one round trip each, plus the
// connection setup a cold cell needs. Everything a client adds beyond it
// is the client's (and the server's) own cost.
//
// The episode's 13 statements, under the result cache's rules (a result is
// cached per query and arguments, only from a server answer; a write
// through the same DB drops the cached results it may have changed: by key
// when both the read and the write name their rows by the values of a
// column, else by table; writes by others are not seen):
//   - 4 inserts: writes always reach the server;
//   - the first read of the episode's row (by id) and of its steps (by
//     episode_id): just written, no cache holds them;
//   - their second read: nothing wrote those keys since (the other
//     workers' inserts name other ids and episode_ids), so a cache serves
//     them, with any number of workers;
//   - 5 reads of config rows that nothing writes: a cache serves them
//     (after the first episode of the cell's DB, for cache_ttl or longer).
const (
	episodeOps        = 13
	episodeWrites     = 4
	episodeFirstReads = 2
)

// episodeRoundTrips is the number of the episode's statements that must
// reach the server, with any number of workers (each works on its own
// episode's keys).
func episodeRoundTrips() int { return episodeWrites + episodeFirstReads }

// setupRoundTrips is the connection setup a cold first query needs before
// its own round trip: TCP (1 RTT) and a TLS 1.3 handshake (1 RTT), plus the
// WebSocket upgrade (1 RTT) for wss (a client can send the Hrana hello,
// open_stream and the query together after it).
func setupRoundTrips(transport string) int {
	if strings.HasPrefix(transport, "wss") || strings.HasPrefix(transport, "remote-wss") {
		return 3
	}
	return 2
}

// addLimits stores in the medians of the episode and coldwarm summaries
// the physical limit and the measured p50 over it: limit_ms,
// p50_vs_limit; cold_limit_ms, cold_vs_limit, warm_limit_ms,
// prewarmed_vs_warm. Cells without a known RTT (-dsn) or at RTT 0 have no
// limit.
func addLimits(ss []Summary) {
	for i := range ss {
		s := &ss[i]
		rtt := s.RTTms
		if !(rtt > 0) {
			if s.Workload == wlColdWarm {
				s.Median["prewarmed_vs_warm"] = ratio(s.Median.get("prewarmed_ms"), s.Median.get("warm_p50_ms"))
			}
			continue
		}
		switch s.Workload {
		case wlEpisode:
			limit := float64(episodeRoundTrips()) * rtt
			s.Median["limit_round_trips"] = float64(episodeRoundTrips())
			s.Median["limit_ms"] = limit
			s.Median["p50_vs_limit"] = ratio(s.Median.get("p50_ms"), limit)
		case wlColdWarm:
			cold := float64(setupRoundTrips(s.Transport)+1) * rtt
			s.Median["cold_limit_ms"] = cold
			s.Median["cold_vs_limit"] = ratio(s.Median.get("cold_ms"), cold)
			s.Median["warm_limit_ms"] = rtt
			s.Median["prewarmed_vs_warm"] = ratio(s.Median.get("prewarmed_ms"), s.Median.get("warm_p50_ms"))
		}
	}
}

// limitSlack is the p50 of pooled+cache+br allowed over the physical limit:
// 1.15× with 1 worker, 1.5× under load.
func limitSlack(workers int) float64 {
	if workers > 1 {
		return 1.5
	}
	return 1.15
}

// bestRatioVs returns the lowest p50 ratio any client could reach against
// a baseline whose p50 is base: the limit over it (NaN when unknown).
func bestRatioVs(limit, base float64) float64 {
	if math.IsNaN(limit) || math.IsNaN(base) || base <= 0 {
		return math.NaN()
	}
	return limit / base
}
