package main

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// replicaReadyTimeout bounds a replica's start: the pre-warm and the
// first confirmed subscription of its cache bus.
const replicaReadyTimeout = 15 * time.Second

// isReplicaProcess reports whether this process was started as a replica
// process of the replicas workload.
func isReplicaProcess() bool { return os.Getenv(replicaModeEnv) == "1" }

// replicaMain is the whole replica process (see replicaproc_proto.go). It
// returns the exit status; it exits with 3 as soon as its stdin ends
// before the result was written (the parent is gone).
func replicaMain(in io.Reader, out, stderr io.Writer) int {
	signal.Ignore(os.Interrupt) // the parent decides when replicas stop
	if want := os.Getenv(parentPIDEnv); want != "" && want != strconv.Itoa(os.Getppid()) {
		fmt.Fprintf(stderr, "benchmarks replica process: parent %s is gone; exiting\n", want)
		return 3
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64<<10), maxCtlLine)
	enc := json.NewEncoder(out)
	var spec replicaSpec
	if !sc.Scan() {
		return 0
	}
	if err := json.Unmarshal(sc.Bytes(), &spec); err != nil {
		_ = enc.Encode(replicaAnswer{Err: "bad spec: " + err.Error()})
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	rp, err := openReplica(ctx, spec)
	if err != nil {
		_ = enc.Encode(replicaAnswer{Err: err.Error()})
		return 1
	}
	defer rp.db.Close()
	if err := enc.Encode(replicaAnswer{Ready: true}); err != nil || !sc.Scan() {
		return 1
	}
	var g replicaGo
	if err := json.Unmarshal(sc.Bytes(), &g); err != nil {
		_ = enc.Encode(replicaAnswer{Err: "bad go request: " + err.Error()})
		return 1
	}
	var done atomic.Bool
	go func() { // the parent's end of stdin closing early means it is gone
		for sc.Scan() {
		}
		if !done.Load() {
			os.Exit(3)
		}
	}()
	res := rp.run(ctx, g)
	done.Store(true)
	if err := enc.Encode(replicaAnswer{Result: res}); err != nil {
		return 1
	}
	return 0
}

// replica is one replica process's DB and role.
type replica struct {
	spec replicaSpec
	db   *sql.DB
}

// openReplica trusts the CAs, opens the DB, waits for its pre-warm and,
// when cache_bus is set, for its subscription; then reads one key.
func openReplica(ctx context.Context, spec replicaSpec) (*replica, error) {
	reads, writes := spec.Role != roleWriter, spec.Role != roleReader
	if spec.Keys < 1 || reads && (spec.Workers < 1 || spec.Rate <= 0) || writes && (spec.WriteWorkers < 1 || spec.WriteRate <= 0) {
		return nil, fmt.Errorf("bad spec: role %q, %d keys, %d readers at %g/s, %d writers at %g/s",
			spec.Role, spec.Keys, spec.Workers, spec.Rate, spec.WriteWorkers, spec.WriteRate)
	}
	if len(spec.CAPEM) > 0 {
		if _, err := trustCAs(spec.CAPEM); err != nil {
			return nil, err
		}
	}
	db, err := sql.Open("turso-pooled", spec.DSN)
	if err != nil {
		return nil, errors.New("open the replica's DB: " + err.Error())
	}
	waitPrewarm(ctx, db)
	if err := waitSubscribed(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	var v int64
	if err := db.QueryRowContext(ctx, "SELECT v FROM "+spec.Table+" WHERE k = 0").Scan(&v); err != nil {
		_ = db.Close()
		return nil, errors.New("first read: " + err.Error())
	}
	return &replica{spec: spec, db: db}, nil
}

// run waits for g.Start, runs the role's load until the measurement ends
// and returns what it measured.
func (r *replica) run(ctx context.Context, g replicaGo) *replicaResult {
	start := time.Unix(0, g.Start)
	warmEnd := start.Add(time.Duration(g.Warmup))
	end := warmEnd.Add(time.Duration(g.Measure))
	time.Sleep(time.Until(start))
	res := &replicaResult{}
	st0, _ := tursopooled.StatsOf(r.db)
	res.BusOn, res.BusUpAtGo = st0.BusOn, st0.Bus.Subscribed
	var wg sync.WaitGroup
	var w *replicaWriter
	var rd *replicaReader
	if r.spec.Role == roleWriter || r.spec.Role == roleSingle {
		w = newReplicaWriter(r.db, r.spec)
		w.start(ctx, &wg, start, warmEnd, end)
	}
	if r.spec.Role == roleReader || r.spec.Role == roleSingle {
		rd = newReplicaReader(r.db, r.spec)
		rd.start(ctx, &wg, start, warmEnd, end)
	}
	time.Sleep(time.Until(warmEnd))
	st1, _ := tursopooled.StatsOf(r.db)
	wg.Wait()
	st2, _ := tursopooled.StatsOf(r.db)
	res.Hits, res.Misses = st2.Cache.Hits-st1.Cache.Hits, st2.Cache.Misses-st1.Cache.Misses
	res.Applied, res.Flushes = st2.Bus.Applied-st1.Bus.Applied, st2.Bus.Flushes-st1.Bus.Flushes
	res.Seconds = time.Duration(g.Measure).Seconds()
	var errs opErrors
	if w != nil {
		res.Acks, res.WriteNs = w.collect(&errs)
	}
	if rd != nil {
		res.Reads = rd.collect(&errs)
	}
	res.Errors, res.FirstErr = errs.n, errs.first
	return res
}

// opErrors counts the errors after the warm-up and keeps the first.
type opErrors struct {
	n     int64
	first string
}

// add counts err.
func (e *opErrors) add(err error) {
	e.n++
	if e.first == "" {
		e.first = err.Error()
	}
}

// paced calls op every interval (from start plus offset) until end, each
// call with the time it was due to start; when op falls behind by more
// than an interval, the missed slots are dropped rather than run in a
// burst.
func paced(start, end time.Time, interval, offset time.Duration, op func(at time.Time)) {
	next := start.Add(offset)
	for {
		now := time.Now()
		if !next.Before(end) {
			return
		}
		if d := next.Sub(now); d > 0 {
			time.Sleep(d)
		} else if -d > interval {
			next = now
		}
		op(time.Now())
		next = next.Add(interval)
	}
}

// replicaWriter writes random keys: worker i owns the keys ≡ i (mod
// WriteWorkers), so the versions of a key are written one at a time, in order.
type replicaWriter struct {
	db     *sql.DB
	spec   replicaSpec
	update string
	logs   []writerLog // one per worker
}

// writerLog is what one writer worker did.
type writerLog struct {
	acks [][3]int64
	lat  []int64
	errs opErrors
}

// newReplicaWriter returns the writer of spec on db.
func newReplicaWriter(db *sql.DB, spec replicaSpec) *replicaWriter {
	return &replicaWriter{db: db, spec: spec, update: "UPDATE " + spec.Table + " SET v = ? WHERE k = ?",
		logs: make([]writerLog, spec.WriteWorkers)}
}

// start starts the workers; each adds itself to wg.
func (w *replicaWriter) start(ctx context.Context, wg *sync.WaitGroup, start, warmEnd, end time.Time) {
	n := w.spec.WriteWorkers
	interval := time.Duration(float64(n) / w.spec.WriteRate * float64(time.Second))
	for i := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(w.spec.Seed, uint64(i)))
			owned := (w.spec.Keys - i + n - 1) / n // keys i, i+n, …
			versions := make([]int64, owned)
			lg := &w.logs[i]
			paced(start, end, interval, time.Duration(i)*interval/time.Duration(n), func(at time.Time) {
				j := rng.IntN(owned)
				k, v := i+j*n, versions[j]+1
				_, err := w.db.ExecContext(ctx, w.update, v, k)
				ack := time.Now()
				if err != nil {
					if at.After(warmEnd) {
						lg.errs.add(err)
					}
					return
				}
				versions[j] = v
				lg.acks = append(lg.acks, [3]int64{int64(k), v, ack.UnixNano()})
				if at.After(warmEnd) {
					lg.lat = append(lg.lat, int64(ack.Sub(at)))
				}
			})
		})
	}
}

// collect merges the workers' logs once they have ended.
func (w *replicaWriter) collect(errs *opErrors) (acks [][3]int64, lat []int64) {
	for _, l := range w.logs {
		acks = append(acks, l.acks...)
		lat = append(lat, l.lat...)
		if l.errs.n > 0 {
			errs.n += l.errs.n - 1
			errs.add(errors.New(l.errs.first))
		}
	}
	return acks, lat
}

// replicaReader reads random keys and logs the version each read
// returned and when it started.
type replicaReader struct {
	db    *sql.DB
	spec  replicaSpec
	query string
	logs  []readerLog
}

// readerLog is what one reader worker did after the warm-up.
type readerLog struct {
	reads [][3]int64
	errs  opErrors
}

// newReplicaReader returns the reader of spec on db.
func newReplicaReader(db *sql.DB, spec replicaSpec) *replicaReader {
	return &replicaReader{db: db, spec: spec, query: "SELECT v FROM " + spec.Table + " WHERE k = ?",
		logs: make([]readerLog, spec.Workers)}
}

// start starts the workers; each adds itself to wg.
func (r *replicaReader) start(ctx context.Context, wg *sync.WaitGroup, start, warmEnd, end time.Time) {
	n := r.spec.Workers
	interval := time.Duration(float64(n) / r.spec.Rate * float64(time.Second))
	for i := range n {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(r.spec.Seed^0x9e3779b97f4a7c15, uint64(i)))
			lg := &r.logs[i]
			paced(start, end, interval, time.Duration(i)*interval/time.Duration(n), func(time.Time) {
				k := rng.IntN(r.spec.Keys)
				t0 := time.Now()
				var v int64
				err := r.db.QueryRowContext(ctx, r.query, k).Scan(&v)
				if !t0.After(warmEnd) {
					return
				}
				if err != nil {
					lg.errs.add(err)
					return
				}
				lg.reads = append(lg.reads, [3]int64{int64(k), v, t0.UnixNano()})
			})
		})
	}
}

// collect merges the workers' logs once they have ended.
func (r *replicaReader) collect(errs *opErrors) [][3]int64 {
	var reads [][3]int64
	for _, l := range r.logs {
		reads = append(reads, l.reads...)
		if l.errs.n > 0 {
			errs.n += l.errs.n - 1
			errs.add(errors.New(l.errs.first))
		}
	}
	return reads
}
