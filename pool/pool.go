package pool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/puddle/v2"
	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// windowSize is how many recent acquire waits and operation latencies feed
// the percentiles in [Stat] and the adaptive policy.
const windowSize = 1024

// Pool is a keep-alive pool of connections of type T built on puddle. It is
// safe for concurrent use. See the package documentation for its behaviour.
type Pool[T any] struct {
	cfg     Config[T]
	pp      *puddle.Pool[*resource[T]]
	gate    *gate
	breaker *breaker
	resizer *resizer // nil unless Config.Adaptive is set
	leaks   *leakRegistry[T]

	ctx         context.Context // canceled by Close: aborts background dials and pings
	cancel      context.CancelFunc
	stop        chan struct{} // closed by Close: stops the maintenance loop
	kick        chan struct{} // asks the loop to top up to MinConns now
	topUpFailed chan struct{} // asks the loop to retry a failed top-up dial
	topUpOK     atomic.Bool   // a top-up dial succeeded since the loop last scheduled a retry
	bg          sync.WaitGroup
	bgMu        sync.Mutex // orders goBackground's bg.Add before Close's bg.Wait
	once        sync.Once
	closed      atomic.Bool

	open     atomic.Int32 // constructed and not yet scheduled for destruction
	creating atomic.Int32 // background (pre-warm, top-up, probe) dials in flight

	acquires, acquireNanos, emptyAcquires, canceledAcquires atomic.Int64
	newConns, handshakesSaved, ops, opErrors                atomic.Int64
	destroyed                                               [numReasons]atomic.Int64
	waits, opLatency                                        *adaptive.Window
	lastDialErr                                             atomic.Pointer[dialError]
}

// resource is what puddle stores for each connection. The time fields are
// only touched by whoever holds the puddle resource (puddle's mutex orders
// the hand-overs).
type resource[T any] struct {
	value      T
	createdAt  time.Time
	expiresAt  time.Time // zero: never
	lastUsed   time.Time // last Release after real use
	lastActive time.Time // last use or successful ping
	gone       atomic.Bool
}

// dialError is the latest constructor failure and when it happened.
type dialError struct {
	err error
	at  time.Time
}

// New validates cfg, applies defaults and returns a pool. It does not touch
// the network: MinConns connections are dialed in the background.
func New[T any](cfg Config[T]) (*Pool[T], error) {
	cfg, err := normalize(cfg)
	if err != nil {
		return nil, err
	}
	p := &Pool[T]{
		cfg:         cfg,
		gate:        newGate(int(cfg.MaxConns)),
		breaker:     newBreaker(cfg.Breaker, cfg.Now, cfg.Logger),
		stop:        make(chan struct{}),
		kick:        make(chan struct{}, 1),
		topUpFailed: make(chan struct{}, 1),
		waits:       adaptive.NewWindow(windowSize),
		opLatency:   adaptive.NewWindow(windowSize),
	}
	if cfg.Adaptive != nil {
		if p.resizer, err = newResizer(*cfg.Adaptive, cfg.MinConns, cfg.MaxConns); err != nil {
			return nil, err
		}
		p.gate.setLimit(p.resizer.initial())
	}
	if cfg.LeakThreshold > 0 {
		p.leaks = newLeakRegistry[T]()
	}
	p.pp, err = puddle.NewPool(&puddle.Config[*resource[T]]{
		Constructor: p.construct,
		Destructor:  p.destruct,
		MaxSize:     cfg.MaxConns,
	})
	if err != nil {
		return nil, fmt.Errorf("turso-pooled: pool: %w", err)
	}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.topUp()
	p.bg.Add(1)
	go p.loop()
	return p, nil
}

// Acquire returns an idle connection, or dials a new one when none is idle
// and the pool is below its target, or waits for one to be released. It
// gives up at the earlier of ctx's deadline and ConnectTimeout with an
// [*AcquireTimeoutError], returns ctx.Err() when ctx is canceled, a
// [*CircuitOpenError] while the breaker is open, the dial error when a dial
// made for this call fails, and [ErrClosed] after Close.
func (p *Pool[T]) Acquire(ctx context.Context) (*Conn[T], error) {
	if p.closed.Load() {
		return nil, ErrClosed
	}
	if err := ctx.Err(); err != nil {
		p.canceledAcquires.Add(1)
		return nil, err
	}
	t0 := time.Now()
	tctx := &traceCtx{Context: ctx}
	var err error
	waited := !p.gate.tryAcquire()
	if waited {
		// Only a caller that must queue pays for a timer: on the fast path
		// the only possible wait is a dial, which construct bounds itself.
		var cancel context.CancelFunc
		tctx.Context, cancel = p.withTimeout(ctx)
		defer cancel()
		err = p.gate.acquire(tctx.Context, p.onQueue)
	}
	if err == nil {
		var res *puddle.Resource[*resource[T]]
		if res, err = p.acquireResource(tctx); err == nil {
			return p.checkout(res, t0, waited || tctx.constructing.Load(), !tctx.constructing.Load()), nil
		}
		p.gate.release()
	}
	return nil, p.acquireError(ctx, tctx, err, t0)
}

// withTimeout bounds ctx by ConnectTimeout unless its deadline is earlier.
func (p *Pool[T]) withTimeout(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= p.cfg.ConnectTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, p.cfg.ConnectTimeout)
}

// acquireResource gets a puddle resource, discarding connections that
// expired while idle or that fail the stale-connection ping.
func (p *Pool[T]) acquireResource(ctx *traceCtx) (*puddle.Resource[*resource[T]], error) {
	for {
		res, err := p.pp.Acquire(ctx)
		if err != nil {
			return nil, err
		}
		r := res.Value()
		now := p.cfg.Now()
		switch {
		case r.expired(now):
			p.destroy(res, ReasonLifetime)
			continue
		case p.stale(r, now):
			if err := p.ping(ctx, r.value); err != nil {
				if ctx.Err() != nil {
					res.ReleaseUnused()
					return nil, ctx.Err()
				}
				p.destroy(res, ReasonHealthCheck)
				continue
			}
			r.lastActive = now
		}
		return res, nil
	}
}

// stale reports whether r sat idle so much longer than KeepAlivePeriod that
// the keep-alive evidently missed it (e.g. the process was suspended).
func (p *Pool[T]) stale(r *resource[T], now time.Time) bool {
	return p.cfg.Ping != nil && p.cfg.KeepAlivePeriod > 0 && now.Sub(r.lastActive) > 2*p.cfg.KeepAlivePeriod
}

// checkout records a successful acquire and wraps res for the caller.
func (p *Pool[T]) checkout(res *puddle.Resource[*resource[T]], t0 time.Time, empty, saved bool) *Conn[T] {
	d := time.Since(t0)
	p.acquires.Add(1)
	p.acquireNanos.Add(int64(d))
	p.waits.Add(d)
	if empty {
		p.emptyAcquires.Add(1)
	}
	if saved {
		p.handshakesSaved.Add(1)
	}
	c := &Conn[T]{pool: p, res: res, r: res.Value(), acquiredAt: p.cfg.Now()}
	if p.leaks != nil {
		p.leaks.add(c)
	}
	return c
}

// acquireError translates a failed acquire into the documented errors.
func (p *Pool[T]) acquireError(ctx context.Context, tctx *traceCtx, err error, t0 time.Time) error {
	constructing := tctx.constructing.Load()
	switch {
	case errors.Is(err, ErrClosed), errors.Is(err, puddle.ErrClosedPool), p.closed.Load():
		return ErrClosed
	case ctx.Err() == context.Canceled:
		p.canceledAcquires.Add(1)
		return ctx.Err()
	case errors.Is(err, context.DeadlineExceeded) && (tctx.Err() != nil || constructing):
		p.canceledAcquires.Add(1)
		return p.timeoutError(time.Since(t0), constructing, err)
	}
	var open *CircuitOpenError
	if errors.As(err, &open) {
		return open
	}
	return fmt.Errorf("turso-pooled: pool: creating a connection: %w", err)
}

// timeoutError snapshots the pool into an AcquireTimeoutError. While
// constructing, the cause is the dial's own error if it carries more than
// the deadline, else the latest dial error seen recently.
func (p *Pool[T]) timeoutError(waited time.Duration, constructing bool, err error) error {
	s := p.pp.Stat()
	target, _, _ := p.gate.state()
	e := &AcquireTimeoutError{
		Waited: waited, InUse: s.AcquiredResources(), Total: s.TotalResources(),
		Max: p.cfg.MaxConns, Target: int32(target), Constructing: constructing,
	}
	if !constructing {
		return e
	}
	if !isBareContextErr(err) {
		e.Cause = err
	} else if d := p.lastDialErr.Load(); d != nil && !d.at.Before(p.cfg.Now().Add(-p.cfg.ConnectTimeout-waited)) {
		e.Cause = d.err
	}
	return e
}

// isBareContextErr reports whether err is a context error with nothing
// added, which says nothing about why a dial failed.
func isBareContextErr(err error) bool {
	return err == context.DeadlineExceeded || err == context.Canceled
}

// construct is puddle's constructor: breaker, ConnectTimeout, bookkeeping.
// When its failure opens the breaker, it starts the background prober.
func (p *Pool[T]) construct(ctx context.Context) (*resource[T], error) {
	if t, ok := ctx.Value(traceKey{}).(*traceCtx); ok {
		t.constructing.Store(true)
	}
	tk, err := p.breaker.allow(ctx.Value(probeKey{}) != nil)
	if err != nil {
		return nil, err
	}
	dctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	v, err := p.cfg.Constructor(dctx)
	cancel()
	if err == nil {
		// Counted before the breaker hears of it: the top-up that its
		// closing triggers must see this connection.
		p.newConns.Add(1)
		p.open.Add(1)
	}
	if p.breaker.done(tk, err, ctx.Err() == context.Canceled) {
		p.goBackground(p.probe)
	}
	now := p.cfg.Now()
	if err != nil {
		if !isBareContextErr(err) {
			p.lastDialErr.Store(&dialError{err: err, at: now})
		}
		return nil, err
	}
	r := &resource[T]{value: v, createdAt: now, lastUsed: now, lastActive: now}
	if lt := p.cfg.MaxConnLifetime; lt > 0 {
		jitter := rand.Float64() * p.cfg.LifetimeJitter
		r.expiresAt = now.Add(lt - time.Duration(float64(lt)*jitter))
	}
	return r, nil
}

// destruct is puddle's destructor; it runs in a goroutine that puddle's
// Close waits for.
func (p *Pool[T]) destruct(r *resource[T]) {
	p.markGone(r, ReasonClosed)
	if p.cfg.Destructor != nil {
		p.cfg.Destructor(r.value)
	}
}

// markGone counts r's destruction once, under the first reason given.
func (p *Pool[T]) markGone(r *resource[T], reason DestroyReason) {
	if r.gone.CompareAndSwap(false, true) {
		p.open.Add(-1)
		p.destroyed[reason.index()].Add(1)
	}
}

// destroy closes an acquired resource for reason and asks for a top-up. A
// connection found broken is reported to the breaker as a loss.
func (p *Pool[T]) destroy(res *puddle.Resource[*resource[T]], reason DestroyReason) {
	if reason == ReasonBroken || reason == ReasonHealthCheck {
		p.breaker.lost()
	}
	p.markGone(res.Value(), reason)
	res.Destroy()
	p.triggerTopUp()
}

// expired reports whether r is past its jittered lifetime.
func (r *resource[T]) expired(now time.Time) bool {
	return !r.expiresAt.IsZero() && !now.Before(r.expiresAt)
}

// ping runs Config.Ping bounded by ConnectTimeout.
func (p *Pool[T]) ping(ctx context.Context, v T) error {
	ctx, cancel := context.WithTimeout(ctx, p.cfg.ConnectTimeout)
	defer cancel()
	return p.cfg.Ping(ctx, v)
}

// Close closes the pool: waiting and later Acquire calls get [ErrClosed],
// background work stops, idle connections are destroyed, and connections
// still acquired are destroyed when released. Close returns once every
// connection has been destroyed, so it blocks until acquired connections are
// released. Calling it again has no effect.
func (p *Pool[T]) Close() {
	p.once.Do(func() {
		p.bgMu.Lock()
		p.closed.Store(true) // under bgMu: no background goroutine starts after this
		p.bgMu.Unlock()
		p.cancel()
		close(p.stop)
		p.gate.close()
		p.bg.Wait()
		p.pp.Close()
		p.cfg.Logger.Debug("turso-pooled: pool: closed")
	})
}

// traceKey finds the *traceCtx of an Acquire from the constructor's context.
type traceKey struct{}

// probeKey marks the context of the background prober's dials.
type probeKey struct{}

// traceCtx is an Acquire's context; it lets the constructor (which puddle
// runs with the caller's values) tell that Acquire it is dialing for it.
type traceCtx struct {
	context.Context
	constructing atomic.Bool
}

// Value returns the traceCtx itself for traceKey.
func (t *traceCtx) Value(key any) any {
	if key == (traceKey{}) {
		return t
	}
	return t.Context.Value(key)
}

// Contended reports whether callers are queued for a connection right now.
// It is a lock-free read, cheap enough for every query: the driver uses it
// to hand connections back through the pool's FIFO queue, rather than keep
// them in database/sql's idle list, while anyone waits.
func (p *Pool[T]) Contended() bool {
	return p.gate.queued.Load() > 0
}
