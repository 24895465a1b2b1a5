package pool

import (
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// queueEvalSpacing is the minimum real time between two OnQueue
// evaluations: under a burst every acquire queues, and one evaluation per
// few milliseconds is plenty for a policy that steps at most every
// QueueReactEvery.
const queueEvalSpacing = 5 * time.Millisecond

// resizer drives the adaptive target: it feeds samples to the policy and
// applies its decisions to the gate.
type resizer struct {
	mu       sync.Mutex // serialises every call into policy (it is not concurrency-safe)
	policy   *adaptive.Policy
	min      int
	interval time.Duration

	target     atomic.Int32 // mirror of the gate's limit, for lock-free checks
	lastQueue  atomic.Int64 // monotonic ns of the last OnQueue evaluation
	resizes    atomic.Int64
	lastReason atomic.Pointer[string]
	// shrinking is true when the last resize lowered the target: only then
	// does Release close a connection above the target. Above the target
	// for other reasons (pre-warmed connections while the target is still
	// at its minimum, a burst racing an up-step) the connection stays idle,
	// because the target is about to cover it; closing it would only make
	// the next acquire dial again.
	shrinking atomic.Bool

	// Cumulative acquire count and wait at the last periodic sample, for the
	// mean wait of the period (guarded by mu).
	tickAcquires, tickWaitNanos int64
}

// newResizer builds the policy for targets between max(minConns, 1) and
// maxConns. A zero cfg means adaptive.DefaultConfig.
func newResizer(cfg adaptive.Config, minConns, maxConns int32) (*resizer, error) {
	lo := max(int(minConns), 1)
	if cfg == (adaptive.Config{}) {
		cfg = adaptive.DefaultConfig(lo, int(maxConns))
	}
	cfg.Min, cfg.Max = lo, int(maxConns)
	pol, err := adaptive.New(cfg)
	if err != nil {
		return nil, err
	}
	r := &resizer{policy: pol, min: lo, interval: cfg.Interval}
	r.target.Store(int32(lo))
	return r, nil
}

// initial is the target before the first decision: the policy's minimum.
func (r *resizer) initial() int { return r.min }

// shrinkOnRelease reports whether Release must close its connection because
// the target was lowered and more connections are open than it allows.
func (p *Pool[T]) shrinkOnRelease() bool {
	return p.resizer != nil && p.resizer.shrinking.Load() && p.aboveTarget()
}

// aboveTarget reports whether more connections are open than the adaptive
// target allows.
func (p *Pool[T]) aboveTarget() bool {
	return p.open.Load() > p.resizer.target.Load()
}

// sample snapshots the pool for the policy: counts now, waits and
// latencies from the recent windows.
func (p *Pool[T]) sample() adaptive.Sample {
	ps := p.pp.Stat()
	limit, held, waiting := p.gate.state()
	var op [2]time.Duration
	p.opLatency.Percentiles(op[:], 0.5, 0.95)
	return adaptive.Sample{
		Now: p.cfg.Now(), Target: limit, InUse: held, Idle: int(ps.IdleResources()),
		Total: int(ps.TotalResources()), Waiting: waiting,
		WaitAvg: p.waits.Mean(), WaitP95: p.waits.Percentile(0.95), Acquires: p.acquires.Load(),
		OpLatencyP50: op[0], OpLatencyP95: op[1], Ops: p.ops.Load(),
	}
}

// tickSample is sample for the periodic Evaluate: it also carries the peak
// of in-use connections since the previous tick, and the mean acquire wait
// of that period instead of the window's.
// WARNING: the caller must hold p.resizer.mu.
func (p *Pool[T]) tickSample() adaptive.Sample {
	s := p.sample()
	s.PeakInUse = p.gate.takePeak()
	s.WaitAvg = p.periodWaitAvg(s.Acquires)
	return s
}

// periodWaitAvg returns the mean acquire wait since the previous periodic
// sample (0 when nothing was acquired), and starts the next period. Unlike
// the window of recent waits, it forgets a burst's waits once the burst is
// over, so an idle pool is not held at its burst size by waits long past.
// WARNING: the caller must hold p.resizer.mu.
func (p *Pool[T]) periodWaitAvg(acquires int64) time.Duration {
	r := p.resizer
	nanos := p.acquireNanos.Load()
	n, sum := acquires-r.tickAcquires, nanos-r.tickWaitNanos
	r.tickAcquires, r.tickWaitNanos = acquires, nanos
	if n <= 0 || sum <= 0 {
		return 0
	}
	return time.Duration(sum / n)
}

// evaluate runs the periodic policy tick.
func (p *Pool[T]) evaluate() {
	r := p.resizer
	r.mu.Lock()
	defer r.mu.Unlock()
	p.applyLocked(r.policy.Evaluate(p.tickSample()))
}

// onQueue is the gate's hook for an acquirer that just queued: the policy
// may grow the target at once. Evaluations are spaced by queueEvalSpacing,
// and skipped while another is running.
func (p *Pool[T]) onQueue(int) {
	r := p.resizer
	if r == nil {
		return
	}
	now := time.Now().UnixNano()
	last := r.lastQueue.Load()
	if now-last < int64(queueEvalSpacing) || !r.lastQueue.CompareAndSwap(last, now) || !r.mu.TryLock() {
		return
	}
	defer r.mu.Unlock()
	p.applyLocked(r.policy.OnQueue(p.sample()))
}

// setTarget applies a target chosen outside the policy (tests).
func (p *Pool[T]) setTarget(n int, reason string) {
	r := p.resizer
	r.mu.Lock()
	defer r.mu.Unlock()
	p.applyLocked(adaptive.Decision{Target: n, Changed: true, Reason: reason})
}

// applyLocked moves the gate to d.Target and, on a shrink, closes idle
// connections above it. WARNING: the caller must hold p.resizer.mu.
func (p *Pool[T]) applyLocked(d adaptive.Decision) {
	r := p.resizer
	old := int(r.target.Load())
	if !d.Changed || d.Target == old || d.Target < 1 {
		return
	}
	r.target.Store(int32(d.Target))
	r.shrinking.Store(d.Target < old)
	p.gate.setLimit(d.Target)
	r.resizes.Add(1)
	reason := d.Reason
	r.lastReason.Store(&reason)
	p.cfg.Logger.Debug("turso-pooled: pool: resized", slog.Int("from", old), slog.Int("to", d.Target), slog.String("reason", reason))
	if d.Target < old {
		p.shrinkIdle()
	}
}

// shrinkIdle destroys idle connections while more are open than the target.
func (p *Pool[T]) shrinkIdle() {
	if !p.aboveTarget() {
		return
	}
	for _, res := range p.pp.AcquireAllIdle() {
		if p.aboveTarget() {
			p.destroy(res, ReasonShrink)
		} else {
			res.ReleaseUnused()
		}
	}
}
