package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// Shape of the replicas workload (the targets of issue 15): one writer
// process writes replicaWriteRate keys per second spread uniformly over
// replicaKeys rows, while replicaReaders reader processes each read
// replicaReadRate random keys per second with cache=on. The goal names
// no read rate: at 1,000 reads/s per reader the misses the bus rightly
// causes (about 1,800/s) saturate the server process's core on a
// two-core machine and the writer falls to about 650 writes/s; at 250 it
// keeps the goal's 1,000.
const (
	replicaReaders       = 4
	replicaKeys          = 1000
	replicaWriteRate     = 1000.0
	replicaReadRate      = 250.0
	replicaWriteWorkers  = 96 // enough for replicaWriteRate at RTT 20 ms with queueing on the cores
	replicaReadWorkers   = 48
	replicaResultTimeout = 60 * time.Second // beyond the cell's own length
)

// replicaWarmup and replicaMinMeasure are the unmeasured and measured
// time of a replicas scenario (longer than -duration: a key is written
// about once a second). Tests shorten them.
var (
	replicaWarmup     = time.Second
	replicaMinMeasure = 3 * time.Second
)

// Variants of the replicas workload.
const (
	varBus       = "bus"        // writer + readers in their own processes, cache bus on
	varNoBus     = "no-bus"     // the same without the bus
	varSingle    = "single"     // the writes and the same reads in one process (hit-rate baseline)
	varWriteCost = "write-cost" // serial writes at RTT 0, bus against no bus, from this process
)

// replicas runs the replicas workload on transport tr: the bus and no-bus
// scenarios in an order rotated by run, then the single process at the
// write and read rates the bus scenario reached (its hit ratio depends on
// both), then the write-cost comparison. Without redis-server it records a cell saying so and
// returns nil.
func (b *bench) replicas(ctx context.Context, tr transportSpec, run int) error {
	rd, err := startRedis(b.replicaCPUs())
	if errors.Is(err, errNoRedis) {
		b.prog.step(fmt.Sprintf("replicas %s run %d/%d: skipped", tr.Name, run, b.o.Runs))
		if run == 1 {
			b.notes = append(b.notes, "replicas workload not measured: "+err.Error())
		}
		k := b.key(wlReplicas, b.e.target(cfgCacheBus, tr.Name), replicaReaders)
		k.Variant = varBus
		b.add(Cell{cellKey: k, Run: run, Metrics: Metrics{"bus_unavailable": 1}})
		return nil
	}
	if err != nil {
		return err
	}
	defer rd.close()
	rates := replicaRates{write: replicaWriteRate, read: replicaReadRate}
	single := rates
	for _, v := range append(rotateStrings([]string{varBus, varNoBus}, run-1), varSingle) {
		b.prog.step(fmt.Sprintf("replicas %s %s run %d/%d", v, tr.Name, run, b.o.Runs))
		r := rates
		if v == varSingle {
			r = single
		}
		c, err := b.replicaScenario(ctx, tr, v, rd, r, run)
		if err != nil {
			return fmt.Errorf("%s: %w", v, err)
		}
		if v == varBus {
			single = replicaRates{write: min(rates.write, c.Metrics["writes_per_s"]), read: min(rates.read, c.Metrics["reads_per_s"])}
			if !(single.write > 0 && single.read > 0) {
				single = rates
			}
		}
		b.add(c)
	}
	b.prog.step(fmt.Sprintf("replicas %s %s run %d/%d", varWriteCost, tr.Name, run, b.o.Runs))
	return b.writeCost(ctx, tr, rd, run)
}

// replicaRates are the writes per second of a scenario's writer and the
// reads per second of each reader.
type replicaRates struct{ write, read float64 }

// replicaTable is the table of the replicas workload of target t.
func replicaTable(t *target) string { return t.prefix + "rep" }

// resetReplicaTable creates the table of t if needed, with replicaKeys
// rows, and sets every version to 0, through the unproxied setup DB.
func (b *bench) resetReplicaTable(ctx context.Context, t *target) error {
	db := b.e.setupDBs[t.tr.Name]
	table := replicaTable(t)
	if _, err := db.ExecContext(ctx, "CREATE TABLE IF NOT EXISTS "+table+" (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)"); err != nil {
		return err
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		return err
	}
	if n != replicaKeys {
		vals := make([]string, replicaKeys)
		for k := range vals {
			vals[k] = fmt.Sprintf("(%d, 0)", k)
		}
		if _, err := db.ExecContext(ctx, "INSERT OR REPLACE INTO "+table+" (k, v) VALUES "+strings.Join(vals, ", ")); err != nil {
			return err
		}
	}
	_, err := db.ExecContext(ctx, "UPDATE "+table+" SET v = 0")
	return err
}

// replicaDSN is the DSN of t, with the cache bus on rd under channel when
// rd is not nil. It holds the token: never print it.
func (b *bench) replicaDSN(t *target, rd *redisProc, channel string) string {
	dsn := t.cfg.dsn(t.base, t.token, b.sizes.MaxConns)
	if rd == nil {
		return dsn
	}
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "cache_bus=" + url.QueryEscape(rd.url()) + "&cache_bus_channel=" + url.QueryEscape(channel)
}

// replicaScenario runs one multi-process scenario and returns its cell.
func (b *bench) replicaScenario(ctx context.Context, tr transportSpec, variant string, rd *redisProc, rates replicaRates, run int) (Cell, error) {
	cfg, readers := cfgCache, replicaReaders
	if variant == varBus {
		cfg = cfgCacheBus
	} else {
		rd = nil
	}
	if variant == varSingle {
		readers = 1
	}
	t := b.e.target(cfg, tr.Name)
	if err := b.resetReplicaTable(ctx, t); err != nil {
		return Cell{}, err
	}
	spec := replicaSpec{DSN: b.replicaDSN(t, rd, fmt.Sprintf("tpbench:%d:%d", os.Getpid(), run)), Table: replicaTable(t),
		Keys: replicaKeys, Rate: rates.read, Workers: replicaReadWorkers, WriteRate: rates.write,
		WriteWorkers: replicaWriteWorkers, CAPEM: b.e.cas}
	roles := []string{roleSingle}
	if variant != varSingle {
		roles = []string{roleWriter}
		for range readers {
			roles = append(roles, roleReader)
		}
	}
	procs := make([]*replicaProc, 0, len(roles))
	defer func() {
		for _, p := range procs {
			p.close()
		}
	}()
	for i, role := range roles {
		s := spec
		s.Role, s.Seed = role, seed(run, i, "replicas-"+variant)
		p, err := startReplica(ctx, fmt.Sprintf("%s%d (%s)", role, i, variant), s, b.replicaCPUs(), b.e.stderr)
		if err != nil {
			return Cell{}, err
		}
		procs = append(procs, p)
	}
	measure := max(b.o.Duration, replicaMinMeasure)
	g := replicaGo{Start: time.Now().Add(100 * time.Millisecond).UnixNano(), Warmup: int64(replicaWarmup), Measure: int64(measure)}
	for _, p := range procs {
		if err := p.send(g); err != nil {
			return Cell{}, err
		}
	}
	results := make([]*replicaResult, len(procs))
	for i, p := range procs {
		a, err := p.recv(ctx, replicaWarmup+measure+replicaResultTimeout)
		if err != nil {
			return Cell{}, err
		}
		if a.Result == nil {
			return Cell{}, p.failure("answered without a result")
		}
		results[i] = a.Result
	}
	k := b.key(wlReplicas, t, readers)
	k.Variant = variant
	return replicaCell(k, run, results), nil
}

// writeCost measures at RTT 0 (to the database; Redis is on loopback)
// what the bus adds to a write: serial single-row UPDATEs, alternating in
// blocks between a DB with the bus and one without, both with cache=on.
func (b *bench) writeCost(ctx context.Context, tr transportSpec, rd *redisProc, run int) error {
	cfgs := rotate(replicaConfigs, run-1)
	dbs := make([]*sql.DB, len(cfgs))
	ts := make([]*target, len(cfgs))
	for i, c := range cfgs {
		t := b.e.target(c.Name, tr.Name)
		ts[i] = t
		if err := b.resetReplicaTable(ctx, t); err != nil {
			return err
		}
		var bus *redisProc
		if c.Name == cfgCacheBus {
			bus = rd
		}
		db, err := sql.Open("turso-pooled", b.replicaDSN(t, bus, fmt.Sprintf("tpbench:%d:%d:cost", os.Getpid(), run)))
		if err != nil {
			return fmt.Errorf("benchmarks: open %s: %w", c.Name, err)
		}
		defer db.Close()
		t.proxy.SetRTT(0)
		defer t.proxy.SetRTT(b.o.RTT)
		waitPrewarm(ctx, db)
		if err := waitSubscribed(ctx, db); err != nil {
			return err
		}
		dbs[i] = db
	}
	writers := make([]func() error, len(dbs))
	for i, db := range dbs {
		update := "UPDATE " + replicaTable(ts[i]) + " SET v = v + 1 WHERE k = ?"
		var n int
		writers[i] = func() error {
			n++
			_, err := db.ExecContext(ctx, update, n%replicaKeys)
			return err
		}
	}
	alternate(ctx, b.warmup(), writers)
	a := alternate(ctx, b.o.Duration, writers)
	for i := range dbs {
		k := b.key(wlReplicas, ts[i], 1)
		k.RTTms, k.Variant = 0, varWriteCost
		c := cacheCell(k, run, a.lat[i], a.errs[i], a.elapsed, [2]uint64{}, [2]uint64{})
		b.add(c)
	}
	return ctx.Err()
}

// waitSubscribed waits until the cache bus of db, if any, has a confirmed
// subscription (bounded by replicaReadyTimeout).
func waitSubscribed(ctx context.Context, db *sql.DB) error {
	deadline := time.Now().Add(replicaReadyTimeout)
	for {
		st, _ := tursopooled.StatsOf(db)
		if !st.BusOn || st.Bus.Subscribed {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("benchmarks: the cache bus subscription was not confirmed within %v: %+v", replicaReadyTimeout, st.Bus)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// replicaCPUs are the CPUs of the replica processes and of Redis: every
// CPU of the run (the clients' and the server process's), nil when not
// pinned. Six client-side processes (the writer, four readers and
// redis-server) cannot share the clients' single core without queueing
// for it, as they would not on the several machines they stand for.
func (b *bench) replicaCPUs() []int {
	if len(b.e.pin.Client) == 0 {
		return nil
	}
	cpus := slices.Concat(b.e.pin.Client, b.e.pin.Server)
	slices.Sort(cpus)
	return slices.Compact(cpus)
}

// rotateStrings returns s rotated left by k.
func rotateStrings(s []string, k int) []string {
	k %= len(s)
	return append(append([]string(nil), s[k:]...), s[:k]...)
}
