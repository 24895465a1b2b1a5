package main

import (
	"database/sql"
	"sync"

	"github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// probe takes the counters of a target and its DB before a cell, so that
// finish can report the cell's own connections, handshakes, bytes, cache
// hits, CPU time and allocations, on both sides.
type probe struct {
	t      *target
	db     *sql.DB
	srv0   tursotest.Stats
	hasSrv bool
	pool0  tursopooled.Stats
	pooled bool
	cpu    *cpuWindow
	alloc0 allocSnap

	once   sync.Once // stop
	cpuRep cpuReport
	allocs allocSnap
	resp   ctlResponse
	respOK bool
	pool1  tursopooled.Stats
}

// startProbe resets the target's proxy counters, snapshots the rest and
// starts measuring the CPU of both processes. Cells run one at a time, so
// the server's counters move only for the target being measured (plus the
// asynchronous closes of the DBs before it). With more than one worker
// both processes also sample their CPU every cpuSampleEvery; serial cells
// are not sampled, because on an idle process each timer wake-up costs CPU
// of its own (about 0.1 ms on this project's VMs).
func (b *bench) startProbe(t *target, db *sql.DB, workers int) *probe {
	p := &probe{t: t, db: db}
	sample := workers > 1
	if t.srv != nil {
		req := ctlRequest{Op: opProbeBegin, Key: t.key, Transport: t.tr.Name}
		if sample {
			req.N = 1
		}
		if resp, err := t.srv.p.call(req); err == nil && resp.Server != nil {
			p.srv0, p.hasSrv = *resp.Server, true
		}
	}
	p.pool0, p.pooled = tursopooled.StatsOf(db)
	p.alloc0 = readAllocs()
	p.cpu = startCPUWindow(b.e.pin.Client, sample)
	return p
}

// stop takes the end readings of both processes; finish does it if it
// was not called. Safe to call more than once.
func (p *probe) stop() {
	p.once.Do(func() {
		p.cpuRep = p.cpu.end()
		p.allocs = readAllocs().sub(p.alloc0)
		if p.t.srv != nil {
			resp, err := p.t.srv.p.call(ctlRequest{Op: opProbeEnd, Key: p.t.key, Transport: p.t.tr.Name})
			p.resp, p.respOK = resp, err == nil
		}
		if p.pooled {
			p.pool1, _ = tursopooled.StatsOf(p.db)
		}
	})
}

// finish stores the counter deltas into m; ops is the number of operations
// (or episodes) the per-op figures divide by.
func (p *probe) finish(m Metrics, ops int64) {
	p.stop()
	putCPU(m, "client_", p.cpuRep, ops)
	if ops > 0 {
		m["allocs_per_op"] = float64(p.allocs.objects) / float64(ops)
		m["alloc_bytes_per_op"] = float64(p.allocs.bytes) / float64(ops)
	}
	if p.respOK {
		p.putServer(m, p.resp, ops)
	}
	if !p.pooled {
		return
	}
	st := p.pool1
	m["pool_new_conns"] = float64(st.Pool.NewConnsCount() - p.pool0.Pool.NewConnsCount())
	m["pool_total_conns"] = float64(st.Pool.TotalConns())
	if acq := st.Pool.AcquireCount() - p.pool0.Pool.AcquireCount(); acq > 0 {
		m["pool_acquire_mean_ms"] = ms(st.Pool.AcquireDuration()-p.pool0.Pool.AcquireDuration()) / float64(acq)
		m["pool_waited_share"] = float64(st.Pool.EmptyAcquireCount()-p.pool0.Pool.EmptyAcquireCount()) / float64(acq)
	}
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

// putServer stores what the server process measured: the proxy's
// connections and bytes, the server's handshakes, sessions and requests,
// and the server process's CPU.
func (p *probe) putServer(m Metrics, resp ctlResponse, ops int64) {
	if ps := resp.Proxy; ps != nil {
		m["tcp_conns"] = float64(ps.Conns)
		m["bytes_up"] = float64(ps.BytesUp)
		m["bytes_down"] = float64(ps.BytesDown)
		m["bytes_per_op"] = perOp(ps.BytesUp+ps.BytesDown, ops)
		m["conns_per_op"] = perOp(ps.Conns, ops)
	}
	if s := resp.Server; s != nil && p.hasSrv {
		tls := s.TLSHandshakes - p.srv0.TLSHandshakes
		m["tls_handshakes"] = float64(tls)
		m["ws_sessions"] = float64(s.WSSessions - p.srv0.WSSessions)
		m["h2_conns"] = float64(s.H2Conns - p.srv0.H2Conns)
		m["streams_opened"] = float64(s.StreamsOpened - p.srv0.StreamsOpened)
		m["http_requests"] = float64(s.HTTPRequests - p.srv0.HTTPRequests)
		m["handshakes_per_op"] = perOp(tls, ops)
		m["handshakes_per_1k_ops"] = 1000 * perOp(tls, ops)
	}
	if c := resp.CPU; c != nil {
		putCPU(m, "server_", *c, ops)
	}
}
