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
// Down to demand, after evidence. A down-step needs the down conditions
// to have held at every tick for [Config.DownStableFor] = 5s; down-steps
// are at least DownStableFor apart; and none follows an up-step sooner
// than the current dwell, initially [Config.UpDwell] = 15s. The step is
// sized by demand instead of the plan's fixed ×0.8: it goes to
// ceil(peak / [Config.DownTo]) with DownTo = 0.5, where peak is the highest
// number of connections in use at any moment while the conditions held
// ([Sample.PeakInUse]: the pool records it at every acquire, so a peak
// between two ticks counts). The limit lands at twice the recent peak — in
// the band between the down (0.3) and up (0.8) utilizations, where neither
// rule fires — in one step, however far demand fell: a pool of 50 left idle
// after a burst is back at Min within DownStableFor, where ×0.8 steps 10s
// apart took three minutes, holding connections nobody used. When twice the
// peak is not below the limit there is no step. DownTo = 0 restores the
// plan's ×DownFactor steps.
//
// Never thrash. Direction changes come in pairs (a down-step, then the
// up-step that undoes it). An up-step that reverses a down-step taken less
// than [Config.MaxUpDwell] = 5m earlier doubles the dwell (15s, 30s, 1m, 2m,
// 4m, 5m), and only an up-step MaxUpDwell or more after the last down-step
// resets it, so a load that keeps reversing the limit keeps the long dwell,
// like TCP's retransmission back-off. Together with the peak-sized step
// (the limit shrinks only to where the busiest recent moment used half of
// it) this keeps a noisy steady load at ≤ 2 direction changes per minute:
// the simulation test drives the policy with six kinds of noisy steady
// load for 10 simulated minutes and asserts it for every minute; a control
// test shows that the plan's rules alone reverse more often under the same
// load. Growing is always allowed at once: a too-small pool costs latency, a
// too-large one only idle connections.
//
// Back off when the server slows down (the overload guard, in the spirit of
// TCP Vegas and Netflix's gradient concurrency limit). At each tick with new
// operations the guard smooths the pool's p50 operation latency with time
// constant [OverloadConfig.ShortWindow] = 2s (p50s), and keeps the baseline
// b = the lowest p50s of the last [OverloadConfig.BaselineWindow] = 5m (a
// sliding minimum over 8 buckets, O(1) memory: it drops at once to a lower
// latency, and a lasting rise becomes the new baseline after at most the
// window). The gradient is g = b / p50s ∈ (0, 1]. It also smooths the
// number of connections in use, C (the concurrency the server sees from
// this pool), and keeps a reference operating point (ops rate R₀, latency
// p₀, concurrency C₀), re-anchored whenever p50s ≤ 1.1 × b, or whenever the
// current point is at least as efficient (the ops rate grew at least as
// much as latency and as the concurrency). The server is overloaded when
//
//	g < 1 / Tolerance  and  R < Efficiency × max(p50s / p₀, C / C₀) × R₀
//
// (defaults Tolerance 2, Efficiency 0.75): latency at least doubled while
// throughput did not keep pace with the latency rise or with the added
// concurrency. A server that is merely busier — latency and throughput
// rising together — is not throttled. Concurrency is measured in use, not
// as the limit, because a limit nobody uses adds no load. While overloaded, neither Evaluate nor
// OnQueue grows the limit; Evaluate shrinks it to
// max(Min, ceil(L × max(g, MaxShrink))) (MaxShrink 0.5: at most halving),
// at most every [OverloadConfig.ShrinkEvery] = 5s. After an overload shrink
// the limit does not grow for [OverloadConfig.Hold] = 30s (or the dwell, if
// longer), so a grow–overload–shrink cycle repeats at most once per Hold
// and an overloaded server is not probed by regrowth every few seconds.
// After the Hold, and for one BaselineWindow, growth above the limit the
// shrink left is additive, like TCP's congestion avoidance above ssthresh:
// one step of +10 % (at least one connection) per Interval, so the level
// that overloaded the server is approached slowly and the guard sees the
// latency rise again long before the server is swamped. Growth up to that
// limit is as fast as usual.
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
//     at-Max, post-overload hold or QueueReactEvery guards. The down timer
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
//     5s down hysteresis; 1s gives that timer five observations and the 5s
//     trend average five, while sampling the instantaneous utilization
//     rarely enough that momentary peaks do not each trigger an up-step.
//     One Evaluate costs about a microsecond.
//   - QueueReactEvery 100ms: about two connection set-ups on a WAN link
//     (the plan measured 45ms), so one step's new connections are mostly
//     in place before the next step is considered.
//   - DownStableFor 5s, DownTo 0.5: five ticks of low utilization, long
//     enough that the peak over them covers the ups and downs of a noisy
//     steady load, short enough that a finished burst's connections go
//     within seconds; twice the peak leaves room for the next peak to be
//     larger without queueing.
//   - UpDwell 15s, MaxUpDwell 5m: see "Never thrash"; 15s is longer than
//     the peak window, so a limit just grown is not shrunk by the same
//     noise that grew it.
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
