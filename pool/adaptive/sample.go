package adaptive

import "time"

// Sample is a snapshot of the pool's demand that the pool hands to
// [Policy.Evaluate] and [Policy.OnQueue]. Counts are connections or
// acquirers at [Sample.Now]; the windowed figures describe the recent past
// (typically a [Window] of the last few hundred events).
type Sample struct {
	// Now is the instant of the snapshot; the policy's only clock.
	Now time.Time
	// Target is the limit the pool currently enforces. Zero means "the
	// limit the policy last returned" (initially Config.Min).
	Target int
	// InUse is the number of connections lent out to callers.
	InUse int
	// PeakInUse is the highest InUse since the previous periodic sample (the
	// pool tracks it at every acquire), so that a down-step is sized by the
	// busiest moment between ticks, not by the instant of the tick. Zero
	// means unknown: InUse stands in for it.
	PeakInUse int
	// Idle is the number of open connections not lent out (informational).
	Idle int
	// Total is the number of connections open or being opened (informational).
	Total int
	// Waiting is the number of acquirers blocked waiting for a connection.
	Waiting int
	// WaitAvg is the mean of recent acquire waits (zero-wait acquires
	// included). For [Policy.Evaluate] it should cover the time since the
	// previous tick (the pool passes the mean wait of that period, 0 when
	// nothing was acquired), so that waits of a burst long over do not hold
	// the limit up.
	WaitAvg time.Duration
	// WaitP95 is the 95th percentile of recent acquire waits (informational).
	WaitP95 time.Duration
	// Acquires is the cumulative number of acquires since the pool started;
	// the policy derives the request rate and its trend from its deltas.
	Acquires int64
	// OpLatencyP50 is the median latency of recent operations on
	// connections (the server's response time, excluding the acquire wait).
	// Zero means no operation has been observed.
	OpLatencyP50 time.Duration
	// OpLatencyP95 is the 95th percentile of the same (informational).
	OpLatencyP95 time.Duration
	// Ops is the cumulative number of operations observed; the overload
	// guard derives throughput from its deltas.
	Ops int64
}

// Decision is the policy's answer to one [Sample].
type Decision struct {
	// Target is the limit the pool should enforce from now on, within
	// [Config.Min, Config.Max].
	Target int
	// Changed reports whether Target differs from the limit in force.
	Changed bool
	// Reason explains the decision for logs and stats, e.g.
	// "up ×1.5: utilization 0.85 > 0.80" or
	// "hold: server overloaded (p50 41ms vs baseline 12ms, gradient 0.29)".
	Reason string
}
