package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// Shape of the adaptive workload.
const (
	burstWorkers        = 64
	burstTail           = 8 // workers of the second, smaller busy phase
	steadyWorkers       = 16
	overloadWorkers     = 64
	overloadWarmWorkers = 8                    // workers of the overload scenario's first phase, which the server keeps up with
	overloadLimit       = 4                    // server-wide statements at once
	overloadDelay       = 5 * time.Millisecond // server delay per request
	overloadRows        = 1500                 // rows a recursive CTE counts per overloaded statement
	// overloadContention is the slot time each waiting statement adds to an
	// admitted one in the contended overload scenario (tursotest SetContention).
	overloadContention = 200 * time.Microsecond
	burstSampling      = 10 * time.Millisecond
	steadySampling     = 50 * time.Millisecond
	reachDeadline      = time.Second // the target: demand met within this of the burst start
)

// Variants (scenarios) of the adaptive workload.
const (
	varBurst    = "burst"
	varSteady   = "steady"
	varOverload = "overload"
	// varOverloadContention is the overloaded server whose per-statement
	// cost also grows with its queue.
	varOverloadContention = "overload+contention"
)

// adaptiveTransport is the transport of the adaptive workload: wss (one
// pool connection is one TCP connection) when selected, else the primary.
func (b *bench) adaptiveTransport() transportSpec {
	for _, t := range b.e.transports {
		if t.Name == "wss" {
			return t
		}
	}
	return b.primaryTransport()
}

// overloadConfigs are the configurations the overloaded scenario compares.
var overloadConfigs = []configSpec{adaptiveConfigs[0], adaptiveConfigs[2]}

// adaptive runs the three scenarios of the adaptive workload on transport
// tr, interleaving the configurations (rotated by run) within each.
func (b *bench) adaptive(ctx context.Context, tr transportSpec, run int) error {
	scenarios := []struct {
		name string
		cfgs []configSpec
		fn   func(context.Context, *target, int) (Cell, error)
	}{
		{varBurst, adaptiveConfigs, b.adaptiveBurst},
		{varSteady, adaptiveConfigs, b.adaptiveSteady},
		{varOverload, overloadConfigs, b.adaptiveOverload},
		{varOverloadContention, overloadConfigs, b.adaptiveOverloadContended},
	}
	for _, sc := range scenarios {
		if (sc.name == varOverload || sc.name == varOverloadContention) && b.e.remote {
			continue // needs the embedded server's fault controls
		}
		for _, c := range rotate(sc.cfgs, run-1) {
			if err := ctx.Err(); err != nil {
				return err
			}
			t := b.e.target(c.Name, tr.Name)
			b.prog.step(fmt.Sprintf("adaptive %s %s %s run %d/%d", sc.name, tr.Name, c.Name, run, b.o.Runs))
			cell, err := sc.fn(ctx, t, run)
			if err != nil {
				return fmt.Errorf("%s %s: %w", sc.name, c.Name, err)
			}
			b.add(cell)
		}
	}
	return nil
}

// pointRead returns a unit reading one random row of the key-value table.
func pointRead(db *sql.DB, t *target) unitFunc {
	read := "SELECT v FROM " + tablesFor(t.prefix).kv + " WHERE k = ?"
	return func(ctx context.Context, w *worker) error {
		var v []byte
		return db.QueryRowContext(ctx, read, w.rng.IntN(kvKeys)).Scan(&v)
	}
}

// adaptiveBurst: idle, 64 workers for -burst-secs, idle, 8 workers for half
// of it, idle; each idle phase lasts as long as the burst. The latency
// metrics are those of the 64-worker phase; the connection-seconds span the
// whole scenario.
func (b *bench) adaptiveBurst(ctx context.Context, t *target, run int) (Cell, error) {
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return Cell{}, err
	}
	defer db.Close()
	fn := pointRead(db, t)
	idle := b.o.burst()
	p := b.startProbe(t, db, burstWorkers)
	smp := startSampler(db, burstSampling)
	sleepCtx(ctx, idle)
	burstAt := smp.since(time.Now())
	big := drive(ctx, burstWorkers, b.o.burst(), seed(run, burstWorkers, "adaptive-burst"), fn)
	burstEnd := smp.since(time.Now())
	lastStart := burstAt + b.o.burst() // no unit starts after this: the queue then drains by itself
	sleepCtx(ctx, idle)
	small := drive(ctx, burstTail, b.o.burst()/2, seed(run, burstTail, "adaptive-tail"), fn)
	sleepCtx(ctx, idle)
	samples := smp.stop()
	if err := ctx.Err(); err != nil {
		return Cell{}, err
	}
	c := big.cell(b.adaptiveKey(t, burstWorkers, varBurst), run, p)
	c.addErrors(small)
	m := c.Metrics
	summarize(small.units).put(m, "tail_")
	m["conn_seconds"] = connSeconds(samples)
	m["conn_seconds_burst"] = connSeconds(window(samples, burstAt, burstEnd))
	m["peak_conns"] = float64(peakTotal(samples))
	putReach(m, samples, burstAt, min(lastStart, burstEnd), min(burstWorkers, adaptiveMax))
	putPoolWait(m, db)
	return c, nil
}

// putReach stores when, after the burst started at from and before it
// stopped starting units at end, the target first
// covered demand (target_reach_ms) and the gate's queue first emptied
// (queue_empty_ms), and the earlier of both (demand_met_ms). A moment that
// never came before end is stored as the burst's length, with its flag
// (target_reached, queue_emptied, demand_met) 0.
func putReach(m Metrics, samples []poolSample, from, end time.Duration, demand int32) {
	never := ms(end - from)
	reach, okReach := firstAfter(samples, from, func(s poolSample) bool { return s.Target >= demand })
	queued, okQueued := firstAfter(samples, from, func(s poolSample) bool { return s.Waiting > 0 })
	empty, okEmpty := time.Duration(0), false
	if okQueued {
		empty, okEmpty = firstAfter(samples, from+queued, func(s poolSample) bool { return s.Waiting == 0 })
		empty += queued
	}
	if okEmpty && from+empty >= end {
		okEmpty = false // emptied only because the burst ended
	}
	if okReach && from+reach >= end {
		okReach = false
	}
	m["target_reach_ms"], m["queue_empty_ms"], m["demand_met_ms"], m["demand_met"] = never, never, never, 0
	m["target_reached"], m["queue_emptied"] = 0, 0
	if okReach {
		m["target_reach_ms"], m["demand_met_ms"], m["demand_met"], m["target_reached"] = ms(reach), ms(reach), 1, 1
	}
	if okEmpty {
		m["queue_empty_ms"], m["queue_emptied"] = ms(empty), 1
		if m["demand_met"] == 0 || ms(empty) < m["demand_met_ms"] {
			m["demand_met_ms"], m["demand_met"] = ms(empty), 1
		}
	}
}

// putPoolWait stores the pool's own acquire-wait p95 and resize count.
func putPoolWait(m Metrics, db *sql.DB) {
	if st, ok := tursopooled.StatsOf(db); ok {
		m["pool_wait_p95_ms"] = ms(st.Pool.WaitP95())
		m["resizes"] = float64(st.Pool.Resizes())
	}
}

// adaptiveSteady: 16 workers for -steady-secs; counts the direction changes
// of the target, sampled every 50 ms.
func (b *bench) adaptiveSteady(ctx context.Context, t *target, run int) (Cell, error) {
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return Cell{}, err
	}
	defer db.Close()
	p := b.startProbe(t, db, steadyWorkers)
	smp := startSampler(db, steadySampling)
	r := drive(ctx, steadyWorkers, b.o.steady(), seed(run, steadyWorkers, "adaptive-steady"), pointRead(db, t))
	samples := smp.stop()
	c := r.cell(b.adaptiveKey(t, steadyWorkers, varSteady), run, p)
	m := c.Metrics
	changes := directionChanges(targets(samples))
	m["direction_changes"] = float64(changes)
	m["changes_per_min"] = float64(changes) / r.elapsed.Minutes()
	m["mean_target"] = meanTarget(samples)
	m["conn_seconds"] = connSeconds(samples)
	putPoolWait(m, db)
	return c, nil
}

// adaptiveOverload runs the overloaded-server scenario with a plain FIFO
// queue at the server: its throughput stays at the limit's rate however long
// the queue, so a client-side limit can only move the queue, not shorten it.
func (b *bench) adaptiveOverload(ctx context.Context, t *target, run int) (Cell, error) {
	return b.overloaded(ctx, t, run, varOverload, 0)
}

// adaptiveOverloadContended runs it on a server whose per-statement cost
// grows by overloadContention per statement queued, so throughput falls as
// the queue grows (as on real servers under lock contention).
func (b *bench) adaptiveOverloadContended(ctx context.Context, t *target, run int) (Cell, error) {
	return b.overloaded(ctx, t, run, varOverloadContention, overloadContention)
}

// overloaded: the server admits overloadLimit statements at once, delays
// each request by overloadDelay and adds contention per queued statement to
// each admitted one; every unit runs a statement that
// holds its server slot (a point read plus a CTE counting overloadRows), so
// that server latency grows with the number of statements in flight. The
// load first runs at overloadWarmWorkers for a third of -steady-secs (the
// server keeps up: the pool learns its normal latency), then at
// overloadWorkers for -steady-secs; the metrics are those of that phase.
func (b *bench) overloaded(ctx context.Context, t *target, run int, variant string, contention time.Duration) (Cell, error) {
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return Cell{}, err
	}
	defer db.Close()
	t.srv.setFaults(overloadLimit, overloadDelay, contention)
	defer t.srv.setFaults(0, 0, 0)
	q := "SELECT v, (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) SELECT count(*) FROM c) FROM " +
		tablesFor(t.prefix).kv + " WHERE k = ?"
	fn := func(ctx context.Context, w *worker) error {
		var (
			v []byte
			n int
		)
		return db.QueryRowContext(ctx, q, overloadRows, w.rng.IntN(kvKeys)).Scan(&v, &n)
	}
	warm := drive(ctx, overloadWarmWorkers, b.o.steady()/3, seed(run, overloadWarmWorkers, "adaptive-overload-warm"), fn)
	p := b.startProbe(t, db, overloadWorkers)
	smp := startSampler(db, steadySampling)
	r := drive(ctx, overloadWorkers, b.o.steady(), seed(run, overloadWorkers, "adaptive-overload"), fn)
	samples := smp.stop()
	c := r.cell(b.adaptiveKey(t, overloadWorkers, variant), run, p)
	c.addErrors(warm)
	c.Metrics["mean_target"] = meanTarget(samples)
	c.Metrics["peak_conns"] = float64(peakTotal(samples))
	c.Metrics["conn_seconds"] = connSeconds(samples)
	summarize(warm.units).put(c.Metrics, "warm_")
	putPoolWait(c.Metrics, db)
	return c, nil
}

// adaptiveKey is the cell key of an adaptive scenario.
func (b *bench) adaptiveKey(t *target, workers int, variant string) cellKey {
	k := b.key(wlAdaptive, t, workers)
	k.Variant = variant
	return k
}

// meanTarget returns the mean of the samples' targets, or NaN without any.
func meanTarget(samples []poolSample) float64 {
	if len(samples) == 0 {
		return ratio(0, 0)
	}
	var sum float64
	for _, s := range samples {
		sum += float64(s.Target)
	}
	return sum / float64(len(samples))
}
