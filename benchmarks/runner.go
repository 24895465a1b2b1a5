package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"time"
)

// worker is the state of one benchmark goroutine. Only its goroutine
// touches it while a cell runs.
type worker struct {
	id    int
	rng   *rand.Rand
	units []time.Duration // latency of each completed unit (episode or op)
	ops   []time.Duration // latency of each operation inside units
	zipfG *rand.Zipf      // created on first use by zipf
}

// zipf returns the worker's Zipf key generator (s = 1.1, v = 1, keys 0 to
// kvKeys-1).
func (w *worker) zipf() *rand.Zipf {
	if w.zipfG == nil {
		w.zipfG = rand.NewZipf(w.rng, 1.1, 1, kvKeys-1)
	}
	return w.zipfG
}

// op runs f and records its latency as an operation.
func (w *worker) op(f func() error) error {
	start := time.Now()
	err := f()
	if err == nil {
		w.ops = append(w.ops, time.Since(start))
	}
	return err
}

// unitFunc runs one unit of work (an episode or a single operation).
type unitFunc func(ctx context.Context, w *worker) error

// driveResult is what drive measured.
type driveResult struct {
	units, ops []time.Duration
	errors     int64
	firstErr   error
	elapsed    time.Duration
}

// addErrors counts r's errors in c too, keeping c's first error if it has one
// (for a phase that runs outside the cell's measured one).
func (c *Cell) addErrors(r driveResult) {
	c.Errors += r.errors
	if c.FirstError == "" && r.firstErr != nil {
		c.FirstError = r.firstErr.Error()
	}
}

// drive runs fn in a loop on n workers until d has passed (a unit in flight
// then completes) or ctx ends, and merges what the workers recorded.
// seed makes the workers' random sources reproducible.
func drive(ctx context.Context, n int, d time.Duration, seed uint64, fn unitFunc) driveResult {
	deadline := time.Now().Add(d)
	ws := make([]*worker, n)
	errs := make([]int64, n)
	first := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range ws {
		ws[i] = &worker{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i)))}
		wg.Go(func() {
			w := ws[i]
			for ctx.Err() == nil && time.Now().Before(deadline) {
				t0 := time.Now()
				if err := fn(ctx, w); err != nil {
					if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
						return
					}
					errs[i]++
					if first[i] == nil {
						first[i] = err
					}
					continue
				}
				w.units = append(w.units, time.Since(t0))
			}
		})
	}
	wg.Wait()
	r := driveResult{elapsed: time.Since(start)}
	for i, w := range ws {
		r.units = append(r.units, w.units...)
		r.ops = append(r.ops, w.ops...)
		r.errors += errs[i]
		if r.firstErr == nil {
			r.firstErr = first[i]
		}
	}
	return r
}

// metrics returns the latency and throughput metrics of r: unit
// percentiles (p50_ms…), operation percentiles (op_p50_ms…) when the
// units recorded operations, and throughput in units per second.
func (r driveResult) metrics() Metrics {
	m := Metrics{}
	summarize(r.units).put(m, "")
	if len(r.ops) > 0 {
		summarize(r.ops).put(m, "op_")
		m["op_throughput"] = float64(len(r.ops)) / r.elapsed.Seconds()
	}
	m["units"] = float64(len(r.units))
	m["throughput"] = float64(len(r.units)) / r.elapsed.Seconds()
	m["seconds"] = r.elapsed.Seconds()
	return m
}

// cell builds a Cell from r, with the counters of p divided per operation
// (the operations inside units, or the units when they record none) and
// per unit.
func (r driveResult) cell(k cellKey, run int, p *probe) Cell {
	m := r.metrics()
	ops := int64(len(r.ops))
	if ops == 0 {
		ops = int64(len(r.units))
	}
	if p != nil {
		p.finish(m, ops)
		units := int64(len(r.units))
		if up, ok := m["bytes_up"]; ok {
			m["bytes_per_unit"] = perOp(int64(up+m["bytes_down"]), units)
		}
		if hs, ok := m["tls_handshakes"]; ok {
			m["handshakes_per_unit"] = perOp(int64(hs), units)
		}
	}
	c := Cell{cellKey: k, Run: run, Metrics: m, Errors: r.errors}
	if r.firstErr != nil {
		c.FirstError = r.firstErr.Error()
	}
	return c
}
