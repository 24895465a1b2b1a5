package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"net/http"
	"time"
)

// closeIdleHTTP closes the idle connections of http.DefaultTransport (which
// the upstream client uses), so that the next HTTP request really starts
// cold: TCP connect and TLS handshake included.
func closeIdleHTTP() {
	if t, ok := http.DefaultTransport.(*http.Transport); ok {
		t.CloseIdleConnections()
	}
}

// coldWarm measures, for target t: the first query on a fresh *sql.DB
// (opening included, cold_ms), for turso-pooled the first query on a fresh
// DB after its pre-warm finished (prewarmed_ms; for the upstream there is
// no pre-warm so it equals cold_ms), and coldWarmReads serial queries on
// distinct keys afterwards (warm_*; distinct keys so the cache cannot
// answer them).
func (b *bench) coldWarm(ctx context.Context, t *target, run int) error {
	b.prog.step(fmt.Sprintf("coldwarm %s %s run %d/%d", t.tr.Name, t.cfg.Name, run, b.o.Runs))
	read := "SELECT v FROM " + tablesFor(t.prefix).kv + " WHERE k = ?"
	query := func(db *sql.DB, k int) error {
		var v []byte
		return db.QueryRowContext(ctx, read, k).Scan(&v)
	}
	closeIdleHTTP()
	p0 := time.Now()
	db, err := t.open(b.sizes)
	if err != nil {
		return err
	}
	defer db.Close()
	p := b.startProbe(t, db, 1)
	err = query(db, 0)
	cold := time.Since(p0)
	r := driveResult{units: []time.Duration{cold}}
	if err != nil {
		r.errors, r.firstErr = 1, err
	}
	warm := make([]time.Duration, 0, coldWarmReads)
	for k := 1; k <= coldWarmReads && ctx.Err() == nil; k++ {
		s := time.Now()
		if err := query(db, k); err != nil {
			r.errors++
			r.firstErr = err
			continue
		}
		warm = append(warm, time.Since(s))
	}
	r.elapsed = time.Since(p0)
	c := r.cell(b.key(wlColdWarm, t, 1), run, p)
	m := c.Metrics
	m["cold_ms"] = ms(cold)
	m["prewarmed_ms"] = ms(cold)
	summarize(warm).put(m, "warm_")
	if t.cfg.Pooled {
		pre, conns, err := b.prewarmedFirst(ctx, t, func(db *sql.DB) error { return query(db, 0) })
		if err != nil {
			c.Errors++
			c.FirstError = err.Error()
		} else {
			m["prewarmed_ms"] = ms(pre)
			if !math.IsNaN(conns) {
				m["prewarmed_tcp_conns"] = conns
			}
		}
	}
	b.add(c)
	return nil
}

// prewarmedFirst opens a fresh turso-pooled DB, waits for its pre-warm and
// times its first query; it also returns the TCP connections the proxy
// accepted during that query (NaN without a proxy).
func (b *bench) prewarmedFirst(ctx context.Context, t *target, query func(*sql.DB) error) (time.Duration, float64, error) {
	closeIdleHTTP()
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	p := b.startProbe(t, db, 1)
	s := time.Now()
	if err := query(db); err != nil {
		return 0, 0, err
	}
	d := time.Since(s)
	m := Metrics{}
	p.finish(m, 1)
	return d, m.get("tcp_conns"), nil
}

// ms converts d to milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
