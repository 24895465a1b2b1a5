package pool

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/jackc/puddle/v2"
)

// healthPingMinIdle: the health check does not ping a connection that was
// used or pinged more recently than this; it just proved itself alive.
const healthPingMinIdle = time.Second

// loop is the single maintenance goroutine. It wakes at the shortest of the
// enabled periods and runs whatever is due; a kick (a connection was
// destroyed, the breaker closed) tops up to MinConns at once, and a failed
// top-up dial is retried (see retryDelay).
func (p *Pool[T]) loop() {
	defer p.bg.Done()
	tick := time.NewTicker(p.tickPeriod())
	defer tick.Stop()
	retry := time.NewTimer(time.Hour)
	retry.Stop()
	defer retry.Stop()
	var retrying bool
	var delay time.Duration // the last retry's wait; 0 before the first
	start := p.cfg.Now()
	due := dueTimes{health: start.Add(p.cfg.HealthCheckPeriod)}
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
			p.topUp()
		case <-p.topUpFailed:
			if !retrying {
				retrying = true
				delay = p.retryDelay(delay)
				retry.Reset(delay)
			}
		case <-retry.C:
			retrying = false
			p.topUp()
		case <-tick.C:
			p.maintain(&due)
		}
	}
}

// retryDelay returns how long the loop waits before retrying a failed
// top-up, given the previous wait: Breaker.ProbeInterval after a top-up
// dial succeeded since, else twice the previous wait, up to
// HealthCheckPeriod. A restart of a few milliseconds (too short to open the
// breaker) thus leaves the pool below MinConns for about ProbeInterval,
// not until the next health check, while a long outage with the breaker
// disabled is not dialed in a tight loop. (With the breaker open, top-ups
// fail fast and are not retried: its closing tops up.)
func (p *Pool[T]) retryDelay(prev time.Duration) time.Duration {
	if p.topUpOK.Swap(false) || prev == 0 {
		return p.cfg.Breaker.ProbeInterval
	}
	return min(2*prev, max(p.cfg.HealthCheckPeriod, p.cfg.Breaker.ProbeInterval))
}

// dueTimes are the next times of the periodic tasks, owned by the loop.
type dueTimes struct {
	health, keepAlive, leak, evaluate time.Time
}

// tickPeriod is the loop's wake-up period.
func (p *Pool[T]) tickPeriod() time.Duration {
	d := p.cfg.HealthCheckPeriod
	if k := p.cfg.KeepAlivePeriod; k > 0 {
		d = min(d, max(k/4, 10*time.Millisecond))
	}
	if l := p.cfg.LeakThreshold; l > 0 {
		d = min(d, max(l/2, 10*time.Millisecond))
	}
	if p.resizer != nil {
		d = min(d, p.resizer.interval)
	}
	return d
}

// maintain runs the periodic tasks that are due.
func (p *Pool[T]) maintain(due *dueTimes) {
	now := p.cfg.Now()
	if p.resizer != nil && !now.Before(due.evaluate) {
		p.evaluate()
		due.evaluate = now.Add(p.resizer.interval)
	}
	if p.leaks != nil && !now.Before(due.leak) {
		p.checkLeaks()
		due.leak = now.Add(p.cfg.LeakThreshold / 2)
	}
	switch {
	case !now.Before(due.health):
		p.healthCheck()
		due.health = now.Add(p.cfg.HealthCheckPeriod)
	case p.cfg.KeepAlivePeriod > 0 && !now.Before(due.keepAlive):
		p.keepAlive()
		due.keepAlive = now.Add(p.cfg.KeepAlivePeriod / 4)
	}
}

// checkLeaks logs connections held longer than LeakThreshold.
func (p *Pool[T]) checkLeaks() {
	if p.leaks == nil {
		return
	}
	p.leaks.check(p.cfg.Now(), p.cfg.LeakThreshold, p.cfg.Logger)
}

// healthCheck destroys idle connections that expired, idled too long above
// MinConns or sit above the adaptive target, pings the rest that were not
// active within the last second, then tops up to MinConns.
func (p *Pool[T]) healthCheck() {
	p.sweep(healthPingMinIdle, true)
	p.topUp()
}

// keepAlive pings idle connections unused for KeepAlivePeriod, so that the
// server does not expire them, and recycles expired ones.
func (p *Pool[T]) keepAlive() {
	p.sweep(p.cfg.KeepAlivePeriod, false)
}

// sweep takes every idle connection (without resetting its idle time),
// destroys those that must go and pings those idle for at least pingAfter,
// in parallel. full adds the idle-time and target checks.
func (p *Pool[T]) sweep(pingAfter time.Duration, full bool) {
	idle := p.pp.AcquireAllIdle()
	if len(idle) == 0 {
		return
	}
	now := p.cfg.Now()
	var wg sync.WaitGroup
	for _, res := range idle {
		r := res.Value()
		reason, drop := p.shouldDrop(r, now, full)
		switch {
		case drop:
			p.destroy(res, reason)
		case p.cfg.Ping != nil && now.Sub(r.lastActive) >= pingAfter:
			wg.Go(func() { p.pingIdle(res) })
		default:
			res.ReleaseUnused()
		}
	}
	wg.Wait()
}

// shouldDrop decides whether an idle connection is destroyed by a sweep.
func (p *Pool[T]) shouldDrop(r *resource[T], now time.Time, full bool) (DestroyReason, bool) {
	switch {
	case r.expired(now):
		return ReasonLifetime, true
	case !full:
		return 0, false
	case p.resizer != nil && p.aboveTarget():
		return ReasonShrink, true
	case p.cfg.MaxConnIdleTime > 0 && now.Sub(r.lastUsed) > p.cfg.MaxConnIdleTime && p.open.Load() > p.cfg.MinConns:
		return ReasonIdle, true
	}
	return 0, false
}

// pingIdle pings a connection taken by sweep and returns or destroys it.
func (p *Pool[T]) pingIdle(res *puddle.Resource[*resource[T]]) {
	r := res.Value()
	if err := p.ping(p.ctx, r.value); err != nil {
		if p.ctx.Err() != nil {
			res.ReleaseUnused()
			return
		}
		p.cfg.Logger.Info("turso-pooled: pool: health check failed; closing the connection and dialing a replacement", slog.Any("error", err))
		p.destroy(res, ReasonHealthCheck)
		return
	}
	r.lastActive = p.cfg.Now()
	res.ReleaseUnused()
}

// topUp starts background dials until MinConns connections are open or
// being dialed. It never blocks, and concurrent calls (the loop's and a
// test's HealthCheck) claim each dial with a compare-and-swap, so that
// they do not both start it.
func (p *Pool[T]) topUp() {
	for !p.closed.Load() {
		c := p.creating.Load()
		if p.open.Load()+c >= p.cfg.MinConns {
			return
		}
		if !p.creating.CompareAndSwap(c, c+1) {
			continue
		}
		p.bg.Add(1)
		go func() {
			defer p.bg.Done()
			err := p.pp.CreateResource(withBackground(p.ctx))
			p.creating.Add(-1) // before topUpDone: a top-up it asks for must not count this dial
			p.topUpDone(err)
		}()
	}
}

// topUpDone handles the outcome of a top-up dial, called once the dial no
// longer counts as in flight. A top-up that ran while this dial was both
// open and in flight (counted twice) or in flight and about to fail may
// have started too few dials, so a success tops up again if the pool is
// still below MinConns; a dial error asks the loop for a retry, and so does
// a pool that puddle counts full while it is below MinConns (connections
// being destroyed still count); a fast failure of the open breaker does not
// (its closing tops up), unless the breaker closed in the meantime.
func (p *Pool[T]) topUpDone(err error) {
	switch {
	case err == nil:
		p.topUpOK.Store(true)
		if p.open.Load()+p.creating.Load() < p.cfg.MinConns {
			p.triggerTopUp()
		}
		return
	case errors.Is(err, puddle.ErrClosedPool), p.ctx.Err() != nil:
		return
	case errors.Is(err, puddle.ErrNotAvailable):
		// puddle still counts connections whose destructor is running
		// (a health check or a Release just destroyed them): the pool is full
		// for now, not for good. Retry while it is below MinConns.
		if p.open.Load()+p.creating.Load() >= p.cfg.MinConns {
			return
		}
	default:
		p.cfg.Logger.Debug("turso-pooled: pool: background dial failed", slog.Any("error", err))
	}
	if errors.Is(err, ErrCircuitOpen) {
		if state, _ := p.breaker.snapshot(); state == BreakerClosed {
			p.triggerTopUp()
		}
		return
	}
	select {
	case p.topUpFailed <- struct{}{}:
	default:
	}
}

// triggerTopUp asks the loop to top up soon, without blocking.
func (p *Pool[T]) triggerTopUp() {
	if p.cfg.MinConns == 0 {
		return
	}
	select {
	case p.kick <- struct{}{}:
	default:
	}
}

// probe is the background prober, started when the circuit breaker opens.
// Every Breaker.ProbeInterval it dials one connection with CreateResource,
// so that a successful probe's connection lands in the pool as an idle one
// for the next caller; its outcome reaches the breaker through construct,
// and a success closes it at once. The prober stops when the breaker is
// closed (by its probe or by any other successful dial), then tops the pool
// up to MinConns, or when the pool closes. It never has more than one dial
// in flight, each bounded by ConnectTimeout.
func (p *Pool[T]) probe() {
	ctx := context.WithValue(p.ctx, probeKey{}, true)
	t := time.NewTimer(p.cfg.Breaker.ProbeInterval)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
		}
		if !p.breaker.keepProbing() {
			p.triggerTopUp()
			return
		}
		next := p.cfg.Breaker.ProbeInterval
		p.creating.Add(1) // so that a concurrent top-up counts the probe
		err := p.pp.CreateResource(withBackground(ctx))
		p.creating.Add(-1)
		switch {
		case err == nil:
			next = 0 // the breaker is closed: stop without waiting
		case errors.Is(err, puddle.ErrClosedPool):
			return
		}
		t.Reset(next)
	}
}

// goBackground runs f in a goroutine that Close waits for, unless the pool
// is closed. It may be called from any goroutine.
func (p *Pool[T]) goBackground(f func()) {
	p.bgMu.Lock()
	defer p.bgMu.Unlock()
	if !p.closed.Load() {
		p.bg.Go(f)
	}
}

// backgroundKey marks the context of a dial that the pool makes on its own.
type backgroundKey struct{}

// withBackground marks ctx as that of a dial the pool makes on its own.
func withBackground(ctx context.Context) context.Context {
	return context.WithValue(ctx, backgroundKey{}, true)
}

// BackgroundDial reports whether ctx, given to Config.Constructor, is that
// of a dial the pool makes on its own (pre-warm, top-up to MinConns, a
// breaker probe) rather than one an Acquire waits for: such a dial may
// take longer to leave the connection ready for its first use.
func BackgroundDial(ctx context.Context) bool {
	v, _ := ctx.Value(backgroundKey{}).(bool)
	return v
}
