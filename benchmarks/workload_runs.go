package main

import (
	"context"
	"fmt"
	"maps"
	"math"
	"time"
)

// episodes measures the episode workload of target t at each concurrency
// level, on one DB opened (and pre-warmed) for the run.
func (b *bench) episodes(ctx context.Context, t *target, run int, wl string, levels []int) error {
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return err
	}
	defer b.closeLater(db)
	q := newEpisodeSQL(tablesFor(t.prefix))
	fn := episode(db, q, b.docs)
	for _, n := range levels {
		b.prog.step(fmt.Sprintf("%s %s %s w=%d run %d/%d", wl, t.tr.Name, t.cfg.Name, n, run, b.o.Runs))
		r, p := driveCell(ctx, n, b.warmup(), b.cellDuration(wl), seed(run, n, wl), fn, func() *probe { return b.startProbe(t, db, n) })
		c := r.cell(b.key(wl, t, n), run, p)
		if wl == wlOverhead {
			c.RTTms = 0
		}
		if n == 1 && wl == wlEpisode {
			if mask, err := traceMisses(ctx, db, q, b.docs, seed(run, n, "trace")); err == nil && mask >= 0 {
				putMissedReads(c.Metrics, mask)
			}
		}
		b.add(c)
		b.cleanup(ctx, t)
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	return nil
}

// cellDuration is the measuring time of an episode cell: -duration, or
// half of it at RTT 0 (overhead), where an episode takes milliseconds and
// half the time still holds many of them.
func (b *bench) cellDuration(wl string) time.Duration {
	if wl == wlOverhead {
		return max(b.o.Duration/2, minDuration)
	}
	return b.o.Duration
}

// overhead runs the episode workload with the target's proxy at RTT 0, to
// measure what the driver itself costs.
func (b *bench) overhead(ctx context.Context, t *target, run int) error {
	if t.proxy == nil {
		return nil
	}
	t.proxy.SetRTT(0)
	defer t.proxy.SetRTT(b.o.RTT)
	return b.episodes(ctx, t, run, wlOverhead, b.overheadLevels())
}

// zipf measures read-mostly key-value traffic: 95 % point reads and 5 %
// updates, keys drawn from a Zipf distribution (s = 1.1) over kvKeys rows.
// extReadPercent of the reads fetch instead a row that an external writer
// (another DB, which the cache cannot see) keeps updating, to measure how
// stale cached results get (see staleness.go).
func (b *bench) zipf(ctx context.Context, t *target, run int) error {
	b.prog.step(fmt.Sprintf("zipf %s %s w=%d run %d/%d", t.tr.Name, t.cfg.Name, zipfWorkers, run, b.o.Runs))
	tb := tablesFor(t.prefix)
	ext, err := startExtWriter(ctx, t, tb.ext)
	if err != nil {
		return err
	}
	defer ext.stop()
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return err
	}
	defer db.Close()
	read := "SELECT v FROM " + tb.kv + " WHERE k = ?"
	write := "UPDATE " + tb.kv + " SET v = ? WHERE k = ?"
	er := newExtReader(db, tb.ext, zipfWorkers)
	fn := func(ctx context.Context, w *worker) error {
		k := int(w.zipf().Uint64())
		if w.rng.IntN(100) < 5 {
			_, err := db.ExecContext(ctx, write, kvValue(w.rng, k), k)
			return err
		}
		if w.rng.IntN(100) < extReadPercent {
			return er.read(ctx, w.id, w.rng)
		}
		var v []byte
		return db.QueryRowContext(ctx, read, k).Scan(&v)
	}
	drive(ctx, zipfWorkers, b.warmup(), seed(run, zipfWorkers, "zipf-warmup"), fn)
	er.reset()
	p := b.startProbe(t, db, zipfWorkers)
	r := drive(ctx, zipfWorkers, b.o.Duration, seed(run, zipfWorkers, "zipf"), fn)
	c := r.cell(b.key(wlZipf, t, zipfWorkers), run, p)
	commits, writeErrs := ext.stop()
	maps.Copy(c.Metrics, stalenessMetrics(er.all(), commits))
	c.Metrics["ext_write_errors"] = float64(writeErrs)
	if bound := cacheBoundMs(db); !math.IsNaN(bound) {
		c.Metrics["stale_bound_ms"] = bound
	}
	if writeErrs > 0 {
		b.prog.warn(fmt.Sprintf("zipf %s %s run %d: the external writer failed %d times", t.cfg.Name, t.tr.Name, run, writeErrs))
	}
	b.add(c)
	return nil
}

// bytes measures bytes on the wire: each unit writes a 2–8 KiB JSON
// document and reads it back by id.
func (b *bench) bytes(ctx context.Context, t *target, run int) error {
	b.prog.step(fmt.Sprintf("bytes %s %s w=%d run %d/%d", t.tr.Name, t.cfg.Name, bytesWorkers, run, b.o.Runs))
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return err
	}
	defer db.Close()
	fn := docRoundTrip(db, tablesFor(t.prefix), b.docs.pick)
	drive(ctx, bytesWorkers, b.warmup()/2, seed(run, bytesWorkers, "bytes-warmup"), fn)
	p := b.startProbe(t, db, bytesWorkers)
	r := drive(ctx, bytesWorkers, max(b.o.Duration/2, minDuration), seed(run, bytesWorkers, "bytes"), fn)
	c := r.cell(b.key(wlBytes, t, bytesWorkers), run, p)
	c.Metrics["doc_bytes"] = b.docs.meanSize()
	b.add(c)
	b.cleanup(ctx, t)
	return nil
}

// burst runs episodes in phases: idle, 64 workers, idle, 8 workers, idle,
// and reports the latency over both busy phases and the connections opened.
func (b *bench) burst(ctx context.Context, t *target, run int) error {
	b.prog.step(fmt.Sprintf("burst %s %s run %d/%d", t.tr.Name, t.cfg.Name, run, b.o.Runs))
	db, err := b.openWarm(ctx, t)
	if err != nil {
		return err
	}
	defer db.Close()
	fn := episode(db, newEpisodeSQL(tablesFor(t.prefix)), b.docs)
	idle := min(time.Second, b.o.Duration/2)
	p := b.startProbe(t, db, burstWorkers)
	var all driveResult
	for i, n := range []int{64, 8} {
		if !sleepCtx(ctx, idle) {
			return ctx.Err()
		}
		r := drive(ctx, n, b.o.Duration, seed(run, n, fmt.Sprintf("burst%d", i)), fn)
		all.units = append(all.units, r.units...)
		all.ops = append(all.ops, r.ops...)
		all.errors += r.errors
		all.elapsed += r.elapsed
		if all.firstErr == nil {
			all.firstErr = r.firstErr
		}
	}
	sleepCtx(ctx, idle)
	b.add(all.cell(b.key(wlBurst, t, 64), run, p))
	b.cleanup(ctx, t)
	return nil
}

// sleepCtx waits for d or until ctx ends; it reports whether d passed. The
// idle phases of the burst workload are the measurement, not a sync point.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}
