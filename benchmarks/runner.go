package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"
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

	win       *cellWindow // the measured window of driveCell; nil for drive
	recording bool        // the unit in progress started inside win: its latencies count
	winUnits  int64       // units completed inside win
	winOps    int64       // operations completed inside win
	attempted bool        // finished a unit (reported to win.warm once)
	inWindow  bool        // started a unit inside win (reported to win.started once)
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
		end := time.Now()
		if w.win == nil || w.recording {
			w.ops = append(w.ops, end.Sub(start))
		}
		if w.win.contains(end) {
			w.winOps++
		}
	}
	return err
}

// cellWindow is the measured window of driveCell, in Unix nanoseconds; 0
// while not set. Its workers count down warm (each once it finished a
// unit) and inside (each once it started a unit inside the window); the
// last one closes the channel. Safe for concurrent use.
type cellWindow struct {
	start, end   atomic.Int64
	warm, inside countdown
}

// countdown closes done when its count reaches zero.
type countdown struct {
	left atomic.Int64
	done chan struct{}
}

// init sets the countdown to n.
func (c *countdown) init(n int) {
	c.done = make(chan struct{})
	c.left.Store(int64(n))
}

// tick counts one down.
func (c *countdown) tick() {
	if c.left.Add(-1) == 0 {
		close(c.done)
	}
}

// contains reports whether t is inside the window (false for a nil one).
func (w *cellWindow) contains(t time.Time) bool {
	if w == nil {
		return false
	}
	s, e, n := w.start.Load(), w.end.Load(), t.UnixNano()
	return s != 0 && n >= s && (e == 0 || n < e)
}

// started reports whether the window has started by t.
func (w *cellWindow) started(t time.Time) bool {
	s := w.start.Load()
	return s != 0 && t.UnixNano() >= s
}

// over reports whether the window has ended by t.
func (w *cellWindow) over(t time.Time) bool {
	e := w.end.Load()
	return e != 0 && t.UnixNano() >= e
}

// unitFunc runs one unit of work (an episode or a single operation).
type unitFunc func(ctx context.Context, w *worker) error

// driveResult is what drive measured.
type driveResult struct {
	units, ops []time.Duration
	errors     int64
	firstErr   error
	elapsed    time.Duration
	// Of driveCell: the measured window's length, and the units and
	// operations completed inside it (the counts per-op figures and
	// throughput divide by); window is 0 for drive.
	window           time.Duration
	winUnits, winOps int64
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
// units recorded operations, and throughput in units per second (of the
// measured window, for driveCell, counted in operations).
func (r driveResult) metrics() Metrics {
	m := Metrics{}
	summarize(r.units).put(m, "")
	units, ops, secs := float64(len(r.units)), float64(len(r.ops)), r.elapsed.Seconds()
	if r.window > 0 {
		units, ops, secs = float64(r.winUnits), float64(r.winOps), r.window.Seconds()
		if len(r.units) > 0 && len(r.ops) > 0 {
			// Units completed in a window not much longer than a unit
			// come in steps of the worker count; operations complete 13
			// times as often, so count units in operations.
			units = ops * float64(len(r.units)) / float64(len(r.ops))
		}
	}
	if len(r.ops) > 0 {
		summarize(r.ops).put(m, "op_")
		m["op_throughput"] = ops / secs
	}
	m["units"] = float64(len(r.units))
	m["throughput"] = units / secs
	m["seconds"] = secs
	return m
}

// cell builds a Cell from r, with the counters of p divided per operation
// (the operations inside units, or the units when they record none) and
// per unit.
func (r driveResult) cell(k cellKey, run int, p *probe) Cell {
	m := r.metrics()
	ops, units := int64(len(r.ops)), int64(len(r.units))
	if r.window > 0 {
		ops, units = r.winOps, r.winUnits
	}
	if ops == 0 {
		ops = units
	}
	if p != nil {
		p.finish(m, ops)
		if up, ok := m["bytes_up"]; ok {
			m["bytes_per_unit"] = perOp(int64(up+m["bytes_down"]), units)
		}
		if hs, ok := m["tls_handshakes"]; ok {
			m["handshakes_per_unit"] = perOp(int64(hs), units)
		}
		if h, ok := m["http_requests"]; ok {
			m["http_requests_per_unit"] = perOp(int64(h), units)
		}
		if units > 0 && len(r.ops) > 0 {
			// Statements that reached the server: every operation but the
			// cache's hits.
			m["server_stmts_per_unit"] = (float64(ops) - m["cache_hits"]) / float64(units)
		}
	}
	c := Cell{cellKey: k, Run: run, Metrics: m, Errors: r.errors}
	if r.firstErr != nil {
		c.FirstError = r.firstErr.Error()
	}
	return c
}

// driveCell runs fn in a loop on n workers, without a pause between the
// warm-up and the measured window: once warm has passed and every worker
// has finished a unit, it calls begin (which starts the cell's probe) and
// measures for d (longer when a unit takes longer: see runWindow), then
// stops the probe and lets the units in flight finish. Latencies are those of the units (and their operations) that
// started inside the window; throughput and the probe's per-operation
// figures count what completed inside it, so they describe the steady
// state, not a ramp-up or a drain. It returns the result and the probe.
func driveCell(ctx context.Context, n int, warm, d time.Duration, seed uint64, fn unitFunc, begin func() *probe) (driveResult, *probe) {
	win := &cellWindow{}
	win.warm.init(n)
	win.inside.init(n)
	ws := make([]*worker, n)
	errs := make([]int64, n)
	first := make([]error, n)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range ws {
		ws[i] = &worker{id: i, rng: rand.New(rand.NewPCG(seed, uint64(i))), win: win}
		wg.Go(func() {
			w := ws[i]
			for ctx.Err() == nil && !win.over(time.Now()) {
				t0 := time.Now()
				w.recording = win.started(t0)
				if w.recording && !w.inWindow {
					w.inWindow = true
					win.inside.tick()
				}
				err := fn(ctx, w)
				if !w.attempted {
					w.attempted = true
					win.warm.tick()
				}
				if err != nil {
					if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
						return
					}
					if w.recording {
						errs[i]++
						if first[i] == nil {
							first[i] = err
						}
					}
					continue
				}
				t1 := time.Now()
				if w.recording {
					w.units = append(w.units, t1.Sub(t0))
				}
				if win.contains(t1) {
					w.winUnits++
				}
			}
		})
	}
	p := runWindow(ctx, win, start.Add(warm), d, begin)
	wg.Wait()
	r := driveResult{elapsed: time.Since(start), window: time.Duration(win.end.Load() - win.start.Load())}
	for i, w := range ws {
		r.units = append(r.units, w.units...)
		r.ops = append(r.ops, w.ops...)
		r.winUnits += w.winUnits
		r.winOps += w.winOps
		r.errors += errs[i]
		if r.firstErr == nil {
			r.firstErr = first[i]
		}
	}
	return r, p
}

// runWindow waits until warmUntil has passed and every worker has finished
// a unit (or ctx ended), then starts the probe with begin and opens the
// window; it closes it d later, or once every worker has started a unit
// inside it if that comes later (units longer than d would leave none
// recorded), and stops the probe. Nothing polls: the workers' countdowns
// wake it.
func runWindow(ctx context.Context, win *cellWindow, warmUntil time.Time, d time.Duration, begin func() *probe) *probe {
	sleepCtx(ctx, time.Until(warmUntil))
	select {
	case <-win.warm.done:
	case <-ctx.Done():
	}
	p := begin()
	win.start.Store(time.Now().UnixNano())
	sleepCtx(ctx, d)
	select {
	case <-win.inside.done:
	case <-ctx.Done():
	}
	win.end.Store(time.Now().UnixNano())
	p.stop()
	return p
}
