package faults

import (
	"context"
	"database/sql"
	"fmt"
	"sync"
	"time"
)

// Load shape. Each call gets its own deadline; a worker pauses a little
// between calls (longer after an error, as a real client backs off) so
// that 32 workers load two shared cores without starving the server.
const (
	callTimeout  = 3 * time.Second
	thinkTime    = 5 * time.Millisecond
	errorBackoff = 25 * time.Millisecond
)

// opKind is what a call did.
type opKind uint8

const (
	opRead opKind = iota
	opWrite
)

func (k opKind) String() string { return [...]string{"read", "write"}[k] }

// opRecord is one call made by a worker.
type opRecord struct {
	worker     int
	kind       opKind
	key        string // the row a write inserted, or a read looked up ("" for none)
	start, end time.Time
	err        error
	anomaly    string // a successful read that saw an acknowledged row missing or doubled
}

func (r opRecord) duration() time.Duration { return r.end.Sub(r.start) }

// load runs workers that alternate a write (INSERT of a unique key) and a
// read (count of the rows holding the worker's last acknowledged key) until
// stopped. Each worker owns its record slice until wait returns.
type load struct {
	db      *sql.DB
	table   string
	timeout time.Duration // each call's deadline
	stop    chan struct{}
	wg      sync.WaitGroup
	records [][]opRecord
}

// startLoad starts workers goroutines on db, writing into table, each call
// under callTimeout.
func startLoad(db *sql.DB, table string, workers int) *load {
	return startLoadTimeout(db, table, workers, callTimeout)
}

// startLoadTimeout is startLoad with each call under timeout.
func startLoadTimeout(db *sql.DB, table string, workers int, timeout time.Duration) *load {
	l := &load{db: db, table: table, timeout: timeout, stop: make(chan struct{}), records: make([][]opRecord, workers)}
	for w := range workers {
		l.wg.Go(func() { l.run(w) })
	}
	return l
}

// wait stops the workers, waits for their calls in flight and returns every
// record.
func (l *load) wait() []opRecord {
	close(l.stop)
	l.wg.Wait()
	var all []opRecord
	for _, rs := range l.records {
		all = append(all, rs...)
	}
	return all
}

// run is worker w's loop.
func (l *load) run(w int) {
	pause := time.NewTimer(0)
	defer pause.Stop()
	var seq int
	var acked string // the worker's last acknowledged key
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return
		case <-pause.C:
		}
		var rec opRecord
		if i%2 == 0 {
			seq++
			rec = l.write(w, seq)
			if rec.err == nil {
				acked = rec.key
			}
		} else {
			rec = l.read(w, acked)
		}
		l.records[w] = append(l.records[w], rec)
		if rec.err != nil {
			pause.Reset(errorBackoff)
		} else {
			pause.Reset(thinkTime)
		}
	}
}

// write inserts the row of (w, seq) under its own deadline.
func (l *load) write(w, seq int) opRecord {
	key := fmt.Sprintf("w%02d-%06d", w, seq)
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	rec := opRecord{worker: w, kind: opWrite, key: key, start: time.Now()}
	_, rec.err = l.db.ExecContext(ctx, "INSERT INTO "+l.table+" (k, w, seq) VALUES (?, ?, ?)", key, w, seq)
	rec.end = time.Now()
	return rec
}

// read counts the rows of key (the worker's last acknowledged write) under
// its own deadline: an acknowledged row must be there exactly once.
func (l *load) read(w int, key string) opRecord {
	ctx, cancel := context.WithTimeout(context.Background(), l.timeout)
	defer cancel()
	rec := opRecord{worker: w, kind: opRead, key: key, start: time.Now()}
	var n int
	rec.err = l.db.QueryRowContext(ctx, "SELECT count(*) FROM "+l.table+" WHERE k = ?", key).Scan(&n)
	rec.end = time.Now()
	if rec.err == nil && key != "" && n != 1 {
		rec.anomaly = fmt.Sprintf("read of acknowledged key %s found %d rows, want 1", key, n)
	}
	return rec
}
