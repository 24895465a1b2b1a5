package main

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"sync"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// Shape of the external writer of the zipf workload: another process,
// whose writes the result cache cannot see, updates extRows rows of its own
// table, one every extWriteEvery in turn, while extReadPercent of the
// readers' reads fetch one of them through the measured DB.
const (
	extRows        = 4
	extWriteEvery  = 25 * time.Millisecond
	extReadPercent = 5
)

// extRead is one read of an external-writer row through the measured DB:
// which row, the version it returned and when the read started.
type extRead struct {
	row     int
	version int64
	start   time.Time
}

// staleness returns how stale a read that started at start and returned
// version got was: start minus the commit time of version got+1 (the first
// newer one), if that commit was acknowledged before the read started;
// otherwise 0. commits[v] is when the writer's write of version v was
// acknowledged (commits[0], the version of the cell's reset, is not used).
// A version the log does not hold (its write was not acknowledged) counts
// as fresh.
func staleness(commits []time.Time, got int64, start time.Time) time.Duration {
	next := got + 1
	if got < 0 || next >= int64(len(commits)) || !commits[next].Before(start) {
		return 0
	}
	return start.Sub(commits[next])
}

// stalenessMetrics summarizes the external-row reads of a cell against the
// writer's log: ext_reads, stale_reads (reads older than a newer commit),
// stale_max_ms and stale_p99_ms. Every metric is NaN-free; without reads
// the staleness metrics are absent.
func stalenessMetrics(reads []extRead, commits [extRows][]time.Time) Metrics {
	m := Metrics{"ext_reads": float64(len(reads))}
	if len(reads) == 0 {
		return m
	}
	ms := make([]float64, len(reads))
	stale := 0
	for i, r := range reads {
		d := staleness(commits[r.row], r.version, r.start)
		if d > 0 {
			stale++
		}
		ms[i] = float64(d) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	m["stale_reads"] = float64(stale)
	m["stale_max_ms"] = ms[len(ms)-1]
	m["stale_p99_ms"] = percentile(ms, 0.99)
	return m
}

// extWriter is the external writer of one cell: a plain upstream libsql
// DB on the server directly (no proxy, so commit times are close to the
// acknowledgements it records) and the log of what it wrote. Only its own
// goroutine touches the log until wait returns.
type extWriter struct {
	db      *sql.DB
	update  string
	commits [extRows][]time.Time
	errors  int64
	done    chan struct{}
	cancel  context.CancelFunc
	closed  sync.Once
}

// startExtWriter resets the rows of table to version 0 and starts writing
// a new version every extWriteEvery until stop. It fails when the reset
// fails.
func startExtWriter(ctx context.Context, t *target, table string) (*extWriter, error) {
	db, err := allConfigs[0].open(t.direct, t.token, poolSizes{})
	if err != nil {
		return nil, err
	}
	if _, err := db.ExecContext(ctx, "UPDATE "+table+" SET ver = 0"); err != nil {
		_ = db.Close()
		return nil, err
	}
	w := &extWriter{db: db, update: "UPDATE " + table + " SET ver = ? WHERE k = ?", done: make(chan struct{})}
	for k := range w.commits {
		w.commits[k] = []time.Time{{}}
	}
	wctx, cancel := context.WithCancel(ctx)
	w.cancel = cancel
	go w.run(wctx)
	return w, nil
}

// run writes the rows in turn until ctx ends.
func (w *extWriter) run(ctx context.Context) {
	defer close(w.done)
	tick := time.NewTicker(extWriteEvery)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		k := i % extRows
		v := len(w.commits[k])
		if _, err := w.db.ExecContext(ctx, w.update, v, k); err != nil {
			if ctx.Err() == nil {
				w.errors++
			}
			continue
		}
		w.commits[k] = append(w.commits[k], time.Now())
	}
}

// stop ends the writer, closes its DB and returns its log and error count.
// It may be called more than once.
func (w *extWriter) stop() ([extRows][]time.Time, int64) {
	w.cancel()
	<-w.done
	w.closed.Do(func() { _ = w.db.Close() })
	return w.commits, w.errors
}

// extReader performs the external-row reads of the zipf workload on db and
// keeps them per worker (each worker appends only to its own slice).
type extReader struct {
	db    *sql.DB
	query string
	reads [][]extRead
}

// newExtReader returns a reader of table for workers goroutines.
func newExtReader(db *sql.DB, table string, workers int) *extReader {
	return &extReader{db: db, query: "SELECT ver FROM " + table + " WHERE k = ?", reads: make([][]extRead, workers)}
}

// read fetches a random external row and records what it returned.
func (r *extReader) read(ctx context.Context, id int, rng *rand.Rand) error {
	row := rng.IntN(extRows)
	start := time.Now()
	var v int64
	if err := r.db.QueryRowContext(ctx, r.query, row).Scan(&v); err != nil {
		return err
	}
	r.reads[id] = append(r.reads[id], extRead{row: row, version: v, start: start})
	return nil
}

// reset forgets the recorded reads (after the warm-up).
func (r *extReader) reset() {
	for i := range r.reads {
		r.reads[i] = r.reads[i][:0]
	}
}

// all returns every recorded read.
func (r *extReader) all() []extRead { return slices.Concat(r.reads...) }

// cacheBoundMs returns cache_max_ttl of db in milliseconds, or NaN when db
// is not turso-pooled or its cache is off.
func cacheBoundMs(db *sql.DB) float64 {
	st, ok := tursopooled.StatsOf(db)
	c, cok := tursopooled.ConnectorOf(db)
	if !ok || !cok || !st.CacheOn {
		return math.NaN()
	}
	return float64(c.Config().CacheMaxTTL) / float64(time.Millisecond)
}

// zipfNote explains the staleness columns of the zipf table.
var zipfNote = fmt.Sprintf("Staleness: another process (a plain libsql DB on the server directly) updates %d rows, one every %v; "+
	"%d %% of the reads fetch one of them through the measured DB. A read is stale by (its start) − (acknowledgement of the first newer version), "+
	"when that came before the read started. max: highest over runs; p99: median over runs; bound: cache_max_ttl (cache on only).",
	extRows, extWriteEvery, extReadPercent)

// worstCol shows the worst value over runs of a metric listed in
// worstOfRuns.
func worstCol(head, key string, prec int) column {
	return column{head, func(s Summary) string { return num(s.Worst.get(key), prec) }}
}
