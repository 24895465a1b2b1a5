package main

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// Fixed shape of the workloads that have no flag of their own.
const (
	zipfWorkers    = 8
	bytesWorkers   = 4
	coldWarmReads  = 10
	prewarmTimeout = 3 * time.Second
	maxWarmup      = 150 * time.Millisecond
	cleanupTimeout = 30 * time.Second
)

// bench runs the selected workloads and collects their cells.
type bench struct {
	o     *options
	e     *env
	prog  *progress
	docs  *docPool
	cells []Cell
	notes []string
}

// primaryTransport is the transport of the single-transport workloads
// (zipf, bytes, overhead, burst) unless -full: https-h2 when selected,
// else the first selected.
func (b *bench) primaryTransport() transportSpec {
	for _, t := range b.e.transports {
		if t.Name == "https-h2" {
			return t
		}
	}
	return b.e.transports[0]
}

// transportsFor returns the transports workload wl runs on.
func (b *bench) transportsFor(wl string) []transportSpec {
	switch wl {
	case wlColdWarm, wlEpisode:
		return b.e.transports
	case wlZipf, wlBytes:
		if b.o.Full {
			return b.e.transports
		}
	case wlAdaptive:
		return []transportSpec{b.adaptiveTransport()}
	}
	return []transportSpec{b.primaryTransport()}
}

// embeddedOnly reports whether workload wl needs the embedded server and
// its proxies (RTT 0, bytes on the wire, bandwidth): it is skipped with
// -dsn.
func embeddedOnly(wl string) bool {
	return wl == wlOverhead || wl == wlCompression || wl == wlCacheMiss
}

// groupRunner returns the function that runs an opt-in workload for all
// its configurations at once on one transport (they interleave inside it),
// or nil for a workload run one target at a time.
func (b *bench) groupRunner(wl string) func(context.Context, transportSpec, int) error {
	switch wl {
	case wlAdaptive:
		return b.adaptive
	case wlCompression:
		return b.compression
	case wlCacheMiss:
		return b.cacheMiss
	}
	return nil
}

// groupSteps is the number of progress steps of a group workload per run
// and transport.
func (b *bench) groupSteps(wl string) int {
	switch wl {
	case wlAdaptive:
		n := 2*len(adaptiveConfigs) + 2*len(overloadConfigs)
		if b.e.remote {
			n -= 2 * len(overloadConfigs)
		}
		return n
	case wlCompression:
		return b.compressionSteps()
	case wlCacheMiss:
		return 2
	}
	return 0
}

// cellsPerTarget is how many cells workload wl measures per target and run.
func (b *bench) cellsPerTarget(wl string) int {
	switch wl {
	case wlEpisode:
		return len(b.o.Workers)
	case wlOverhead:
		return len(b.overheadLevels())
	}
	return 1
}

// overheadLevels are the concurrency levels of the RTT-0 comparison.
func (b *bench) overheadLevels() []int {
	if n := b.o.maxWorkersLevel(); n > 1 {
		return []int{1, n}
	}
	return []int{1}
}

// totalCells counts the cells of the whole run, for the progress line.
func (b *bench) totalCells() int {
	n := 0
	for _, wl := range b.o.Workloads {
		switch {
		case embeddedOnly(wl) && b.e.remote:
		case b.groupRunner(wl) != nil:
			n += len(b.transportsFor(wl)) * b.groupSteps(wl)
		default:
			n += len(b.transportsFor(wl)) * len(configsFor(wl)) * b.cellsPerTarget(wl)
		}
	}
	return n * b.o.Runs
}

// warmup is the unmeasured time before each cell.
func (b *bench) warmup() time.Duration { return min(maxWarmup, b.o.Duration/4) }

// runAll runs every run of every selected workload, interleaving the
// configurations: in run r the configuration order is rotated by r.
func (b *bench) runAll(ctx context.Context) error {
	for run := 1; run <= b.o.Runs; run++ {
		for _, wl := range b.o.Workloads {
			if embeddedOnly(wl) && b.e.remote {
				continue
			}
			for _, tr := range b.transportsFor(wl) {
				if g := b.groupRunner(wl); g != nil {
					if err := g(ctx, tr, run); err != nil {
						return fmt.Errorf("benchmarks: %s %s run %d: %w", wl, tr.Name, run, err)
					}
					continue
				}
				for _, c := range rotate(configsFor(wl), run-1) {
					if err := ctx.Err(); err != nil {
						return err
					}
					t := b.e.target(c.Name, tr.Name)
					if err := b.runTarget(ctx, wl, t, run); err != nil {
						return fmt.Errorf("benchmarks: %s %s %s run %d: %w", wl, c.Name, tr.Name, run, err)
					}
				}
			}
		}
	}
	return nil
}

// runTarget runs workload wl for one target in one run.
func (b *bench) runTarget(ctx context.Context, wl string, t *target, run int) error {
	switch wl {
	case wlColdWarm:
		return b.coldWarm(ctx, t, run)
	case wlEpisode:
		return b.episodes(ctx, t, run, wlEpisode, b.o.Workers)
	case wlOverhead:
		return b.overhead(ctx, t, run)
	case wlZipf:
		return b.zipf(ctx, t, run)
	case wlBytes:
		return b.bytes(ctx, t, run)
	case wlBurst:
		return b.burst(ctx, t, run)
	}
	return fmt.Errorf("unknown workload %q", wl)
}

// add records a cell and reports its errors.
func (b *bench) add(c Cell) {
	b.cells = append(b.cells, c)
	if c.Errors > 0 {
		b.prog.warn(fmt.Sprintf("%s %s %s w=%d run %d: %d errors, first: %s",
			c.Workload, c.Config, c.Transport, c.Workers, c.Run, c.Errors, c.FirstError))
	}
}

// key builds the cell key of target t.
func (b *bench) key(wl string, t *target, workers int) cellKey {
	rtt := float64(b.o.RTT) / float64(time.Millisecond)
	if b.e.remote {
		rtt = -1 // unknown: the real network
	}
	return cellKey{Workload: wl, Config: t.cfg.Name, Transport: t.tr.Name, Workers: workers, RTTms: rtt}
}

// openWarm opens a DB for t and, for turso-pooled, waits until its pre-warm
// has opened pool_min_conns connections (bounded by prewarmTimeout).
func (b *bench) openWarm(ctx context.Context, t *target) (*sql.DB, error) {
	db, err := t.open(b.o.Pool)
	if err != nil {
		return nil, err
	}
	if t.cfg.Pooled {
		waitPrewarm(ctx, db, min(5, b.o.Pool))
	}
	return db, nil
}

// waitPrewarm polls the pool until it holds want connections, ctx ends or
// prewarmTimeout passes. There is no event to wait on: the pool pre-warms
// in the background.
func waitPrewarm(ctx context.Context, db *sql.DB, want int) bool {
	deadline := time.Now().Add(prewarmTimeout)
	for {
		if st, ok := tursopooled.StatsOf(db); !ok || int(st.Pool.TotalConns()) >= want {
			return ok
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// cleanup deletes the rows written by a cell, through the unproxied setup
// DB so that it does not count in any target's bytes.
func (b *bench) cleanup(ctx context.Context, t *target) {
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
	defer cancel()
	if err := truncateRuns(cctx, b.e.setupDBs[t.tr.Name], tablesFor(t.prefix)); err != nil {
		b.prog.warn(err.Error())
	}
}

// seed returns a reproducible seed for a cell.
func seed(run, workers int, salt string) uint64 {
	h := uint64(run)*1_000_003 + uint64(workers)*7919
	for _, c := range salt {
		h = h*31 + uint64(c)
	}
	return h
}
