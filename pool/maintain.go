package pool

import (
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
// destroyed) tops up to MinConns at once.
func (p *Pool[T]) loop() {
	defer p.bg.Done()
	tick := time.NewTicker(p.tickPeriod())
	defer tick.Stop()
	start := p.cfg.Now()
	due := dueTimes{health: start.Add(p.cfg.HealthCheckPeriod)}
	for {
		select {
		case <-p.stop:
			return
		case <-p.kick:
			p.topUp()
		case <-tick.C:
			p.maintain(&due)
		}
	}
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
// being dialed. It never blocks.
func (p *Pool[T]) topUp() {
	for !p.closed.Load() && p.open.Load()+p.creating.Load() < p.cfg.MinConns {
		p.creating.Add(1)
		p.bg.Add(1)
		go func() {
			defer p.bg.Done()
			defer p.creating.Add(-1)
			err := p.pp.CreateResource(p.ctx)
			if err != nil && !errors.Is(err, puddle.ErrNotAvailable) && !errors.Is(err, puddle.ErrClosedPool) && p.ctx.Err() == nil {
				p.cfg.Logger.Debug("turso-pooled: pool: background dial failed", slog.Any("error", err))
			}
		}()
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
