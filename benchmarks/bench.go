package main

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
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
	sizes poolSizes // the limits every DB opens with
	pool  poolInfo  // what the turso-pooled pool runs with, read back from a DB
	cells []Cell
	notes []string
	bg    sync.WaitGroup // DBs closing in the background (closeLater)
}

// closeLater closes db in the background: closing the upstream's
// WebSocket connections one by one takes a round trip each (0.7 s for 32
// at RTT 20 ms), time the next cell need not wait for. wait joins them.
func (b *bench) closeLater(db *sql.DB) {
	b.bg.Go(func() { _ = db.Close() })
}

// wait waits for the DBs closing in the background.
func (b *bench) wait() { b.bg.Wait() }

// primaryTransport is the transport of the single-transport workloads
// (zipf, bytes, burst, cachemiss, replicas) unless -full: https-h2 when selected,
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
	case wlOverhead:
		if b.o.Full {
			return b.e.transports
		}
		return b.overheadTransports()
	case wlAdaptive:
		return []transportSpec{b.adaptiveTransport()}
	}
	return []transportSpec{b.primaryTransport()}
}

// overheadTransports are the transports of the RTT-0 comparison unless
// -full: https-h2 and wss (where the client CPU targets apply) when
// selected, else the primary one.
func (b *bench) overheadTransports() []transportSpec {
	var out []transportSpec
	for _, t := range b.e.transports {
		if t.Name == "https-h2" || t.Name == "wss" {
			out = append(out, t)
		}
	}
	if len(out) == 0 {
		return []transportSpec{b.primaryTransport()}
	}
	return out
}

// embeddedOnly reports whether workload wl needs the embedded server and
// its proxies (RTT 0, bytes on the wire, bandwidth): it is skipped with
// -dsn.
func embeddedOnly(wl string) bool {
	return wl == wlOverhead || wl == wlCompression || wl == wlCacheMiss || wl == wlReplicas
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
	case wlReplicas:
		return b.replicas
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
	case wlReplicas:
		return 4 // bus, no-bus, single, write-cost
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

// openWarm opens a DB for t and, for turso-pooled, waits until its
// pre-warm has finished (bounded by prewarmTimeout).
func (b *bench) openWarm(ctx context.Context, t *target) (*sql.DB, error) {
	db, err := t.open(b.sizes)
	if err != nil {
		return nil, err
	}
	if t.cfg.Pooled {
		waitPrewarm(ctx, db)
	}
	return db, nil
}

// waitPrewarm polls the pool until its pre-warm has finished: pool_min_conns
// connections open, none still being dialed (puddle counts those in
// TotalConns) and every open one idle, that is dialed, handed back and
// usable. It returns the idle connections then, and false when ctx ended,
// prewarmTimeout passed or db is not turso-pooled. There is no event to
// wait on: the pool pre-warms in the background, one goroutine per dial,
// so a poll between two of those starts can see one dial done and the
// next not begun; waiting for pool_min_conns rules that out.
func waitPrewarm(ctx context.Context, db *sql.DB) (int, bool) {
	c, ok := tursopooled.ConnectorOf(db)
	if !ok {
		return 0, false
	}
	want := c.Config().MinConns
	if want <= 0 {
		return 0, true // pool_min_conns=0: nothing to pre-warm
	}
	deadline := time.Now().Add(prewarmTimeout)
	for {
		p := c.Stats().Pool
		idle := p.IdleConns()
		if idle >= want && p.ConstructingConns() == 0 && idle == p.TotalConns() {
			return int(idle), true
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return int(idle), false
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// poolInfo is what the turso-pooled pool runs with, read back from a
// fresh DB of the pool-only configuration: the report states it.
type poolInfo struct {
	Flag         int  `json:"flag"`           // -pool; 0: the driver's default
	MaxConns     int  `json:"max_conns"`      // pool_max_conns in effect (Stat.MaxConns)
	TargetAtOpen int  `json:"target_at_open"` // Stat.TargetConns of a fresh DB: the adaptive target's start
	Prewarmed    int  `json:"prewarmed"`      // idle connections once the pre-warm finished
	PrewarmOK    bool `json:"prewarm_ok"`     // the pre-warm finished within prewarmTimeout
	Tuned        int  `json:"libsql_tuned"`   // SetMaxOpenConns = SetMaxIdleConns of libsql-tuned
}

// adaptive reports whether the pool starts below its maximum.
func (p poolInfo) adaptive() bool { return p.TargetAtOpen > 0 && p.TargetAtOpen < p.MaxConns }

// discoverPool opens a DB of the pool-only configuration on the first
// transport's server (unproxied), waits for its pre-warm and reads the
// sizes it runs with; libsql-tuned then uses the same maximum.
func (b *bench) discoverPool(ctx context.Context) error {
	t := b.e.target(cfgPooled, b.e.transports[0].Name)
	db, err := t.cfg.open(t.direct, t.token, poolSizes{MaxConns: b.o.Pool})
	if err != nil {
		return err
	}
	defer db.Close()
	st0, _ := tursopooled.StatsOf(db)
	idle, ok := waitPrewarm(ctx, db)
	st, _ := tursopooled.StatsOf(db)
	b.pool = poolInfo{Flag: b.o.Pool, MaxConns: int(st.Pool.MaxConns()), TargetAtOpen: int(st0.Pool.TargetConns()),
		Prewarmed: idle, PrewarmOK: ok}
	if b.pool.MaxConns < 1 {
		return fmt.Errorf("benchmarks: %s reports pool_max_conns %d; cannot size libsql-tuned", cfgPooled, b.pool.MaxConns)
	}
	b.pool.Tuned = b.pool.MaxConns
	b.sizes = poolSizes{MaxConns: b.o.Pool, Tuned: b.pool.Tuned}
	return nil
}

// cleanup deletes the rows written by a cell, through the unproxied setup
// DB so that it does not count in any target's bytes.
func (b *bench) cleanup(ctx context.Context, t *target) {
	if !b.e.alive() {
		return
	}
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
