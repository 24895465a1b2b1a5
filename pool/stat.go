package pool

import (
	"time"

	"github.com/jackc/puddle/v2"
)

// Stat is a snapshot of a [Pool]'s state and cumulative counters, taken by
// [Pool.Stat]. Its methods are getters on that snapshot.
type Stat struct {
	ps                   *puddle.Stat
	target               int32
	waiting              int32
	acquireCount         int64
	acquireDuration      time.Duration
	emptyAcquireCount    int64
	canceledAcquireCount int64
	newConns             int64
	handshakesSaved      int64
	destroyed            [numReasons]int64
	waitP50              time.Duration
	waitP95              time.Duration
	waitP99              time.Duration
	opP50                time.Duration
	opP95                time.Duration
	ops                  int64
	opErrors             int64
	leaks                int64
	breakerState         string
	breakerOpens         int64
	resizes              int64
	lastResizeReason     string
}

// Stat returns a snapshot of the pool. It is safe for concurrent use and
// costs one pass over the open connections plus two small sorts.
func (p *Pool[T]) Stat() Stat {
	limit, _, waiting := p.gate.state()
	s := Stat{
		ps:                   p.pp.Stat(),
		target:               int32(limit),
		waiting:              int32(waiting),
		acquireCount:         p.acquires.Load(),
		acquireDuration:      time.Duration(p.acquireNanos.Load()),
		emptyAcquireCount:    p.emptyAcquires.Load(),
		canceledAcquireCount: p.canceledAcquires.Load(),
		newConns:             p.newConns.Load(),
		handshakesSaved:      p.handshakesSaved.Load(),
		ops:                  p.ops.Load(),
		opErrors:             p.opErrors.Load(),
	}
	for i := range s.destroyed {
		s.destroyed[i] = p.destroyed[i].Load()
	}
	var w [3]time.Duration
	p.waits.Percentiles(w[:], 0.5, 0.95, 0.99)
	s.waitP50, s.waitP95, s.waitP99 = w[0], w[1], w[2]
	p.opLatency.Percentiles(w[:2], 0.5, 0.95)
	s.opP50, s.opP95 = w[0], w[1]
	if p.leaks != nil {
		s.leaks = p.leaks.logged.Load()
	}
	s.breakerState, s.breakerOpens = p.breaker.snapshot()
	if r := p.resizer; r != nil {
		s.resizes = r.resizes.Load()
		if reason := r.lastReason.Load(); reason != nil {
			s.lastResizeReason = *reason
		}
	}
	return s
}

// TotalConns returns the open connections, including those being dialed.
func (s Stat) TotalConns() int32 { return s.ps.TotalResources() }

// IdleConns returns the open connections not acquired.
func (s Stat) IdleConns() int32 { return s.ps.IdleResources() }

// InUseConns returns the acquired connections (including those briefly held
// by a health check).
func (s Stat) InUseConns() int32 { return s.ps.AcquiredResources() }

// ConstructingConns returns the connections being dialed.
func (s Stat) ConstructingConns() int32 { return s.ps.ConstructingResources() }

// MaxConns returns the hard ceiling, Config.MaxConns.
func (s Stat) MaxConns() int32 { return s.ps.MaxResources() }

// TargetConns returns the current limit on acquired connections: MaxConns
// for a fixed pool, the adaptive target otherwise.
func (s Stat) TargetConns() int32 { return s.target }

// WaitingAcquires returns the Acquire calls queued for a free connection.
func (s Stat) WaitingAcquires() int32 { return s.waiting }

// AcquireCount returns the cumulative number of successful acquires.
func (s Stat) AcquireCount() int64 { return s.acquireCount }

// AcquireDuration returns the total time spent in successful acquires.
func (s Stat) AcquireDuration() time.Duration { return s.acquireDuration }

// EmptyAcquireCount returns the successful acquires that had to wait for a
// connection or dial a new one.
func (s Stat) EmptyAcquireCount() int64 { return s.emptyAcquireCount }

// CanceledAcquireCount returns the acquires that ended because their
// context was canceled or their deadline (or ConnectTimeout) passed.
func (s Stat) CanceledAcquireCount() int64 { return s.canceledAcquireCount }

// NewConnsCount returns the connections dialed successfully so far.
func (s Stat) NewConnsCount() int64 { return s.newConns }

// HandshakesSaved returns the acquires served by an already open
// connection, i.e. the dials the pool saved.
func (s Stat) HandshakesSaved() int64 { return s.handshakesSaved }

// Destroyed returns the connections closed for reason so far.
func (s Stat) Destroyed(reason DestroyReason) int64 { return s.destroyed[reason.index()] }

// DestroyedTotal returns the connections closed so far, for any reason.
func (s Stat) DestroyedTotal() int64 {
	var n int64
	for _, d := range s.destroyed {
		n += d
	}
	return n
}

// WaitP50 returns the median time spent in recent successful acquires.
func (s Stat) WaitP50() time.Duration { return s.waitP50 }

// WaitP95 returns the 95th percentile of recent acquire times.
func (s Stat) WaitP95() time.Duration { return s.waitP95 }

// WaitP99 returns the 99th percentile of recent acquire times.
func (s Stat) WaitP99() time.Duration { return s.waitP99 }

// OpLatencyP50 returns the median of recent latencies reported with
// [Conn.ObserveOperation].
func (s Stat) OpLatencyP50() time.Duration { return s.opP50 }

// OpLatencyP95 returns the 95th percentile of the same.
func (s Stat) OpLatencyP95() time.Duration { return s.opP95 }

// OpCount returns the operations reported with [Conn.ObserveOperation].
func (s Stat) OpCount() int64 { return s.ops }

// OpErrorCount returns the reported operations that failed.
func (s Stat) OpErrorCount() int64 { return s.opErrors }

// Leaks returns the connections logged as held longer than LeakThreshold.
func (s Stat) Leaks() int64 { return s.leaks }

// BreakerState returns "closed", "open" or "half-open".
func (s Stat) BreakerState() string { return s.breakerState }

// BreakerOpens returns how many times the circuit breaker opened.
func (s Stat) BreakerOpens() int64 { return s.breakerOpens }

// Resizes returns how many times the adaptive target changed.
func (s Stat) Resizes() int64 { return s.resizes }

// LastResizeReason returns the policy's explanation of the last target
// change, or "" if there was none.
func (s Stat) LastResizeReason() string { return s.lastResizeReason }
