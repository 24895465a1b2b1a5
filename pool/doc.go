// Package pool is the keep-alive connection pool of turso-pooled, generic
// over the connection type T and built on github.com/jackc/puddle/v2. The
// driver stores upstream libsql connections in it; its tests use plain ints.
//
// # Acquire and release
//
// [Pool.Acquire] hands out an idle connection when there is one (counted in
// [Stat.HandshakesSaved]: a dial the pool saved), otherwise dials a new one
// while fewer than the target are in use, otherwise queues. The whole call is
// bounded by the earlier of the caller's deadline and Config.ConnectTimeout;
// on expiry the [*AcquireTimeoutError] says whether the caller was waiting
// for a busy pool ("20 of 20 in use, target 20") or for a dial, with the
// latest dial error as its cause. Dials run under the pool's own context (not
// the caller's): a dial that outlives its caller still lands in the pool for
// the next one. [Conn.Release] returns the connection; [Conn.Destroy] closes
// it and counts the closure under a [DestroyReason].
//
// # Keep-alive and health check
//
// New dials MinConns connections in the background and returns at once. One
// maintenance goroutine then runs every HealthCheckPeriod (30s by default):
// it takes all idle connections with puddle's AcquireAllIdle and gives them
// back with ReleaseUnused, so the check itself does not reset their idle
// time. Idle connections past their lifetime, idle longer than
// MaxConnIdleTime above MinConns, or above the adaptive target are closed;
// the others are pinged in parallel (unless used within the last second) and
// closed if the ping fails; then the pool dials back up to MinConns. A
// destroyed connection, and the circuit breaker closing, also trigger that
// top-up at once. A top-up dial that fails is retried after
// Breaker.ProbeInterval, then after twice as long each time up to
// HealthCheckPeriod (not while the breaker is open: its closing tops up),
// so that a short outage does not leave the pool below MinConns until the
// next health check.
//
// Servers expire idle Hrana streams. With KeepAlivePeriod set (the driver
// sets it to its health-check period), idle connections unused for that
// long are pinged between health checks; a ping counts as activity for
// the keep-alive but not as use for MaxConnIdleTime. A connection found
// idle for more than twice KeepAlivePeriod at Acquire (the process was
// suspended, say) is pinged before it is handed out.
//
// # Lifetime jitter
//
// With MaxConnLifetime set, each connection's lifetime is shortened by a
// random fraction in [0, LifetimeJitter) (0.2 by default), so that
// connections dialed together (at start-up, after an outage) are not all
// recycled in the same instant. An expired connection is closed at Release,
// at Acquire (the caller gets another one) or by the health check.
//
// # The gate
//
// puddle's capacity is fixed at creation; it is MaxConns, the hard ceiling
// on open connections. The adaptive limit is a separate gate in front of
// puddle's Acquire: a FIFO semaphore whose capacity (the target) can change
// at any time. Growing it wakes queued callers at once. Shrinking it
// preempts nobody: idle connections above the new target are closed at once,
// connections in use above it are closed at Release ([ReasonShrink]) instead
// of returned, and queued callers are served as soon as the number in use
// drops below the target. Connections open above the target for other
// reasons (pre-warmed ones while the target is still at its minimum, dials
// racing an up-step) are kept: the target is about to cover them, and
// closing them would only make the next caller dial again. The health check
// closes idle ones that stay above the target. Without Config.Adaptive the target stays at MaxConns.
// With it, the [adaptive.Policy] is evaluated at its Interval by the
// maintenance goroutine, and also (at most every few milliseconds) when a
// caller queues, so that a burst grows the target without waiting for the
// next tick. It sees acquire waits, queue length, use, acquire rate and the
// operation latencies reported with [Conn.ObserveOperation].
// [Pool.Contended] tells, without a lock, whether callers are queued at the
// gate; the driver uses it to route released connections through this FIFO
// queue instead of database/sql's idle list while anyone waits.
//
// # Circuit breaker
//
// The breaker counts failures of dials made in sequence. A dial that
// started before the previous failure (or success) was recorded ran
// concurrently with it and does not count: N dials that fail together (every caller that lost
// its connection in the same server restart and dialed again) count as
// one. Failures of operations on connections already open never count,
// and after such a loss (a connection destroyed as [ReasonBroken] or
// [ReasonHealthCheck]) every dial failure until Breaker.LossWindow (100ms
// by default) after the latest loss counts as one: after a restart of a
// few milliseconds the disconnected callers dial again in quick waves, each
// after the previous one failed, and that must not open the breaker. It
// opens after Breaker.Failures counted failures in a row (5 by default).
//
// Open, it gives callers that would dial a [*CircuitOpenError] (matching
// [ErrCircuitOpen]) at once instead of each waiting for its own dial to
// fail, while idle connections are still handed out. Meanwhile the pool
// probes in the background: one dial at a time, Breaker.ProbeInterval (10ms
// by default) after the previous one ended, each bounded by ConnectTimeout;
// the breaker is half-open while a probe is in flight. A failed probe keeps
// it open. The first successful dial (a probe's, or that of a caller who
// started dialing before the breaker opened) closes it at once, so that
// callers are failed fast for at most about one ProbeInterval plus a dial
// after the server answers again. A probe's connection goes into the pool
// for the next caller, and the pool then dials back up to MinConns. The
// open period has no fixed length.
// Transitions are logged (open at Warn, closed at Info) and counted in
// [Stat.BreakerOpens].
//
// # Leak detection
//
// With LeakThreshold set, Acquire records the caller's stack, and the
// maintenance goroutine logs once at Warn every connection held longer than
// the threshold, with the time held and that stack: usually a Rows, Tx or
// Conn that was never closed.
//
// # Closing
//
// [Pool.Close] makes waiting and later Acquire calls fail with [ErrClosed],
// stops the maintenance goroutine, background dials and the breaker's
// prober (canceling a probe dial in flight), closes idle
// connections, and returns when every connection, including those still in
// use (closed when released), has been destroyed.
//
// All methods of [Pool] are safe for concurrent use; a [Conn] belongs to
// the caller that acquired it.
package pool
