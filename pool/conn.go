package pool

import (
	"time"

	"github.com/jackc/puddle/v2"
)

// Conn is a connection acquired from a [Pool]. Its owner must end it with
// exactly one call to [Conn.Release] or [Conn.Destroy]; later calls are
// no-ops. A Conn is not safe for concurrent use, except ObserveOperation.
type Conn[T any] struct {
	pool       *Pool[T]
	res        *puddle.Resource[*resource[T]] // nil once released
	r          *resource[T]
	acquiredAt time.Time
	leak       *leakInfo // nil unless LeakThreshold > 0
}

// Value returns the underlying connection. It must not be used after
// Release or Destroy.
func (c *Conn[T]) Value() T { return c.r.value }

// CreatedAt returns when the connection was dialed.
func (c *Conn[T]) CreatedAt() time.Time { return c.r.createdAt }

// AcquiredAt returns when this Conn was acquired.
func (c *Conn[T]) AcquiredAt() time.Time { return c.acquiredAt }

// Release returns the connection to the pool. It is destroyed instead when
// it is past its lifetime ([ReasonLifetime]), when the adaptive target was
// lowered below the number of open connections ([ReasonShrink]), or when the
// pool is closed.
func (c *Conn[T]) Release() {
	res := c.checkin()
	if res == nil {
		return
	}
	p := c.pool
	now := p.cfg.Now()
	switch {
	case p.closed.Load():
		p.markGone(c.r, ReasonClosed)
		res.Release() // puddle destroys it
	case c.r.expired(now):
		p.destroy(res, ReasonLifetime)
	case p.shrinkOnRelease():
		p.destroy(res, ReasonShrink)
	default:
		c.r.lastUsed, c.r.lastActive = now, now
		res.Release()
	}
	p.gate.release()
}

// Destroy closes the connection instead of returning it, counting it under
// reason (e.g. [ReasonBroken] after an I/O error, [ReasonInTx] when it is
// released inside a transaction). The pool dials a replacement in the
// background if it falls below MinConns.
func (c *Conn[T]) Destroy(reason DestroyReason) {
	res := c.checkin()
	if res == nil {
		return
	}
	c.pool.destroy(res, reason)
	c.pool.gate.release()
}

// ObserveOperation records the latency and outcome of one operation done on
// the connection; the adaptive policy uses them to notice an overloaded
// server. It does not allocate and is safe for concurrent use.
func (c *Conn[T]) ObserveOperation(d time.Duration, err error) {
	p := c.pool
	p.opLatency.Add(d)
	p.ops.Add(1)
	if err != nil {
		p.opErrors.Add(1)
	}
}

// checkin ends the caller's ownership and returns the puddle resource, or
// nil if Release or Destroy was already called.
func (c *Conn[T]) checkin() *puddle.Resource[*resource[T]] {
	res := c.res
	if res == nil {
		return nil
	}
	c.res = nil
	if c.pool.leaks != nil {
		c.pool.leaks.remove(c)
	}
	return res
}
