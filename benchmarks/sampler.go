package main

import (
	"database/sql"
	"sync"
	"time"

	"github.com/turso-pooled/tursopooled"
)

// poolSample is one reading of a turso-pooled pool.
type poolSample struct {
	At      time.Duration // since the sampler started
	Total   int32         // open connections (TotalConns)
	Target  int32         // adaptive target (TargetConns; MaxConns without pool_adaptive)
	Waiting int32         // acquirers queued at the gate
	InUse   int32         // connections handed out
}

// sampler reads a DB's pool counters at a fixed interval on its own
// goroutine until stop. Its methods are safe for concurrent use.
type sampler struct {
	start   time.Time
	done    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	samples []poolSample
}

// startSampler samples db every interval (at least 1ms). For a DB of
// another driver it records nothing.
func startSampler(db *sql.DB, interval time.Duration) *sampler {
	s := &sampler{start: time.Now(), done: make(chan struct{})}
	if _, ok := tursopooled.StatsOf(db); !ok {
		close(s.done)
		return s
	}
	s.read(db)
	s.wg.Go(func() {
		tk := time.NewTicker(max(interval, time.Millisecond))
		defer tk.Stop()
		for {
			select {
			case <-s.done:
				s.read(db)
				return
			case <-tk.C:
				s.read(db)
			}
		}
	})
	return s
}

// read appends one sample.
func (s *sampler) read(db *sql.DB) {
	st, _ := tursopooled.StatsOf(db)
	p := poolSample{At: time.Since(s.start), Total: st.Pool.TotalConns(), Target: st.Pool.TargetConns(),
		Waiting: st.Pool.WaitingAcquires(), InUse: st.Pool.InUseConns()}
	s.mu.Lock()
	s.samples = append(s.samples, p)
	s.mu.Unlock()
}

// since returns the sampler's clock at t.
func (s *sampler) since(t time.Time) time.Duration { return t.Sub(s.start) }

// stop takes a last sample, stops the goroutine and returns every sample in
// time order. Call it once.
func (s *sampler) stop() []poolSample {
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.wg.Wait()
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.samples
}

// connSeconds integrates the open connections over the samples' time span
// (each reading holds until the next one: a step function), in
// connection-seconds.
func connSeconds(samples []poolSample) float64 {
	var sum float64
	for i := 1; i < len(samples); i++ {
		dt := samples[i].At - samples[i-1].At
		if dt > 0 {
			sum += float64(samples[i-1].Total) * dt.Seconds()
		}
	}
	return sum
}

// directionChanges counts how often a series changes direction: the
// number of consecutive non-zero deltas whose signs differ. A ramp up,
// however many steps, counts 0; up then down counts 1.
func directionChanges(values []int32) int {
	changes, last := 0, 0
	for i := 1; i < len(values); i++ {
		sign := 0
		switch {
		case values[i] > values[i-1]:
			sign = 1
		case values[i] < values[i-1]:
			sign = -1
		default:
			continue
		}
		if last != 0 && sign != last {
			changes++
		}
		last = sign
	}
	return changes
}

// targets returns the Target field of every sample.
func targets(samples []poolSample) []int32 {
	out := make([]int32, len(samples))
	for i, s := range samples {
		out[i] = s.Target
	}
	return out
}

// firstAfter returns how long after from the first sample at or after from
// satisfying ok came, and false when none did.
func firstAfter(samples []poolSample, from time.Duration, ok func(poolSample) bool) (time.Duration, bool) {
	for _, s := range samples {
		if s.At >= from && ok(s) {
			return s.At - from, true
		}
	}
	return 0, false
}

// window returns the samples with from ≤ At ≤ to.
func window(samples []poolSample, from, to time.Duration) []poolSample {
	var out []poolSample
	for _, s := range samples {
		if s.At >= from && s.At <= to {
			out = append(out, s)
		}
	}
	return out
}

// peakTotal returns the highest Total of the samples.
func peakTotal(samples []poolSample) int32 {
	var p int32
	for _, s := range samples {
		p = max(p, s.Total)
	}
	return p
}
