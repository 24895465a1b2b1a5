package main

import (
	"database/sql"

	"github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// probe takes the counters of a target and its DB before a cell, so that
// finish can report the cell's own connections, handshakes, bytes and cache
// hits.
type probe struct {
	t      *target
	db     *sql.DB
	srv0   tursotest.Stats
	pool0  tursopooled.Stats
	pooled bool
}

// startProbe resets the target's proxy counters and snapshots the rest.
// Cells run one at a time, so the server's counters move only for the
// target being measured (plus the asynchronous closes of the DBs before it).
func startProbe(t *target, db *sql.DB) *probe {
	p := &probe{t: t, db: db}
	if t.proxy != nil {
		t.proxy.ResetStats()
	}
	if t.srv != nil {
		p.srv0 = t.srv.Stats()
	}
	p.pool0, p.pooled = tursopooled.StatsOf(db)
	return p
}

// finish stores the counter deltas into m; ops is the number of operations
// (or episodes) the per-op figures divide by.
func (p *probe) finish(m Metrics, ops int64) {
	if p.t.proxy != nil {
		ps := p.t.proxy.Stats()
		m["tcp_conns"] = float64(ps.Conns)
		m["bytes_up"] = float64(ps.BytesUp)
		m["bytes_down"] = float64(ps.BytesDown)
		m["bytes_per_op"] = perOp(ps.BytesUp+ps.BytesDown, ops)
		m["conns_per_op"] = perOp(ps.Conns, ops)
	}
	if p.t.srv != nil {
		s := p.t.srv.Stats()
		tls := s.TLSHandshakes - p.srv0.TLSHandshakes
		m["tls_handshakes"] = float64(tls)
		m["ws_sessions"] = float64(s.WSSessions - p.srv0.WSSessions)
		m["h2_conns"] = float64(s.H2Conns - p.srv0.H2Conns)
		m["streams_opened"] = float64(s.StreamsOpened - p.srv0.StreamsOpened)
		m["handshakes_per_op"] = perOp(tls, ops)
		m["handshakes_per_1k_ops"] = 1000 * perOp(tls, ops)
	}
	if !p.pooled {
		return
	}
	st, _ := tursopooled.StatsOf(p.db)
	m["pool_new_conns"] = float64(st.Pool.NewConnsCount() - p.pool0.Pool.NewConnsCount())
	m["pool_total_conns"] = float64(st.Pool.TotalConns())
	if st.CacheOn {
		hits := float64(st.Cache.Hits - p.pool0.Cache.Hits)
		misses := float64(st.Cache.Misses - p.pool0.Cache.Misses)
		m["cache_hits"] = hits
		m["cache_misses"] = misses
		m["cache_hit_ratio"] = ratio(hits, hits+misses)
	}
	if st.CompressOn {
		in := st.Compression.BytesIn - p.pool0.Compression.BytesIn
		out := st.Compression.BytesOut - p.pool0.Compression.BytesOut
		m["compress_ratio"] = ratio(float64(out), float64(in))
		m["values_framed"] = float64(st.Compression.ValuesFramed - p.pool0.Compression.ValuesFramed)
	}
}
