// Package adaptive is the scaling policy and the bounded demand metrics
// behind the adaptive size of a turso-pooled connection pool.
//
// The package is pure: it starts no goroutine, reads no clock and does no
// I/O. The pool measures demand, hands a [Sample] to the [Policy] and
// enforces the limit in the returned [Decision]. Time advances only through
// [Sample.Now], which makes every decision reproducible in tests with a
// synthetic clock.
//
// # Demand metrics
//
// Everything the policy looks at is bounded in memory:
//
//   - instantaneous counts: connections in use, idle, total, and acquirers
//     waiting ([Sample.InUse], [Sample.Waiting], ...);
//   - acquire waits and operation latencies: a [Window] each, a fixed-size
//     ring of the most recent durations with nearest-rank percentiles and an
//     O(1) mean ([Window.Add] is one short mutex section, no allocation);
//   - request rate and trend: derived by the policy from the cumulative
//     [Sample.Acquires] counter with two exponentially weighted moving
//     averages (time constants [Config.TrendShort] = 5s and
//     [Config.TrendLong] = 1m, weighted by elapsed time, so irregular
//     sampling is fine). The trend is rising when short − long > band ×
//     max(long, 1/s), falling when it is below −that, stable otherwise
//     (band = [Config.TrendBand] = 0.1);
//   - throughput: the same kind of average over [Sample.Ops].
//
// # The plan's rules (the baseline)
//
// With limit L, utilization u = InUse / L, queue q = Waiting and average
// acquire wait w, [Policy.Evaluate] grows when
//
//	u > 0.8  or  q > 10  or  w > 100ms
//
// to ceil(L × f), where f = 2.0 if u > 0.9, 1.5 if u > 0.8, 1.2 otherwise,
// and shrinks when
//
//	u < 0.3  and  w < 10ms  and  trend ∈ {stable, falling}  (and q = 0)
//
// to ceil(L × 0.8), at least one less than L. Every result is clamped to
// [Min, Max] (plan: 5 and 50). Rounding ignores float error below 1e-9, so
// 50 × 1.1 is 55, not 56. Every threshold and factor is a [Config] field
// whose default is the plan's value ([DefaultConfig]).
//
// # What this package adds
//
// Up faster. The pool calls [Policy.OnQueue] when an acquirer starts to
// wait; the limit grows at once instead of at the next tick, to
// max(ceil(L × f), InUse + Waiting): a burst of 64 callers gets 64
// connections in one step, not in log₂(64/5) ticks. Two guards stop a
// burst of queueing from over-shooting: up-steps (from OnQueue or Evaluate)
// are at least [Config.QueueReactEvery] = 100ms apart, and no up-step is
// taken while the limit already covers every in-use and waiting acquirer —
// they are waiting for connections being opened, not for permission.
//
// Down slowly, with hysteresis. A down-step needs the down conditions to
// have held at every sample for [Config.DownStableFor] = 10s; down-steps are
// at least DownStableFor apart; and none follows an up-step sooner than the
// current dwell, initially [Config.UpDwell] = 30s. An up-step that reverses
// a down-step doubles the dwell (up to [Config.MaxUpDwell] = 5m): a limit
// that keeps shrinking too far backs off exponentially, like TCP's
// retransmission timer. Two down-steps in a row, or a reversal more than
// MaxUpDwell after the down-step, reset the dwell. Growing is always allowed
// at once: a too-small pool costs latency, a too-large one only idle
// connections.
//
// Never thrash. Direction changes come in pairs (a down-step, then the
// up-step that undoes it), and the next down-step must wait for the dwell,
// which doubles on each reversal (30s, 1m, 2m, 4m, 5m): at most 2 changes in
// the first 90s of a cycle, and ever fewer after. The simulation test drives
// the policy with noisy steady loads for 10 simulated minutes and asserts
// ≤ 2 direction changes in every minute; a control test shows that the
// plan's rules alone reverse about 8 times a minute under the same load.
//
// Back off when the server slows down (the overload guard, in the spirit of
// TCP Vegas and Netflix's gradient concurrency limit). At each tick with new
// operations the guard smooths the pool's p50 operation latency with time
// constant [OverloadConfig.ShortWindow] = 2s (p50s), and keeps the baseline
// b = the lowest p50s of the last [OverloadConfig.BaselineWindow] = 5m (a
// sliding minimum over 8 buckets, O(1) memory: it drops at once to a lower
// latency, and a lasting rise becomes the new baseline after at most the
// window). The gradient is g = b / p50s ∈ (0, 1]. It also keeps a reference
// operating point (ops rate R₀, latency p₀, limit L₀), re-anchored whenever
// p50s ≤ 1.1 × b, or whenever the current point is at least as efficient
// (the ops rate grew at least as much as latency and as the limit). The
// server is overloaded when
//
//	g < 1 / Tolerance  and  R < Efficiency × max(p50s / p₀, L / L₀) × R₀
//
// (defaults Tolerance 2, Efficiency 0.75): latency at least doubled while
// throughput did not keep pace with the latency rise or with the limit's
// growth. A server that is merely busier — latency and throughput rising
// together — is not throttled. While overloaded, neither Evaluate nor
// OnQueue grows the limit; Evaluate shrinks it to
// max(Min, ceil(L × max(g, MaxShrink))) (MaxShrink 0.5: at most halving),
// at most every [OverloadConfig.ShrinkEvery] = 5s. After an overload shrink
// the limit does not grow for one dwell, so a grow–overload–shrink cycle
// repeats at most once per dwell (and the dwell doubles when it does).
// Limitations: a lasting
// latency rise that is not caused by load (heavier queries, a slower
// network path) with flat throughput reads as overload until the baseline
// window has passed; set [OverloadConfig.Disabled] where that matters.
//
// # State machine
//
// Each Evaluate passes through these checks in order; the first that
// applies decides:
//
//  1. Clamp: a limit outside [Min, Max] is brought inside.
//  2. Overloaded: hold, or shrink toward L × g (rate-limited).
//  3. Growing: an up rule fires → up-step, unless held by the queue-covered,
//     at-Max, post-overload dwell or QueueReactEvery guards. The down timer
//     is cleared.
//  4. Shrink pending: the down conditions hold → start or continue the down
//     timer; take a down-step when the timer, the down spacing and the
//     dwell allow it.
//  5. Steady: nothing applies; the down timer is cleared.
//
// OnQueue runs only the clamp, overloaded (hold) and growing checks, and
// clears the down timer: a queue means the pool is not idle.
//
// # Defaults and why
//
//   - Interval 1s (the plan's): the queue path reacts to bursts within
//     microseconds, so the tick only has to catch slow drifts and drive the
//     10s down hysteresis; 1s gives that timer ten observations and the 5s
//     trend average five, while sampling the instantaneous utilization
//     rarely enough that momentary peaks do not each trigger an up-step.
//     One Evaluate costs about a microsecond.
//   - DownStableFor 10s: ten consecutive ticks of low utilization; long
//     enough to ignore gaps between requests of a bursty client, short
//     enough that a burst's connections are released within a few minutes
//     (64 → 5 takes about 3 minutes).
//   - QueueReactEvery 100ms: about two connection set-ups on a WAN link
//     (the plan measured 45ms), so one step's new connections are mostly
//     in place before the next step is considered.
//   - UpDwell 30s, MaxUpDwell 5m: see "Never thrash".
//   - Overload Tolerance 2, ShortWindow 2s, BaselineWindow 5m: a doubling of
//     the median is far outside the noise of a healthy median (unlike a
//     doubling of the minimum); 2s reacts within a few ticks; 5m spans
//     several load cycles of a typical service without keeping a stale
//     baseline forever.
//
// # Concurrency
//
// A [Policy] is not safe for concurrent use: the pool calls Evaluate,
// OnQueue and the getters from one goroutine or under one lock. A [Window]
// is safe for concurrent use.
package adaptive
