package pool

import "time"

// HealthCheck runs one health check synchronously.
func (p *Pool[T]) HealthCheck() { p.healthCheck() }

// KeepAlive runs one keep-alive sweep synchronously.
func (p *Pool[T]) KeepAlive() { p.keepAlive() }

// CheckLeaks runs one leak check synchronously.
func (p *Pool[T]) CheckLeaks() { p.checkLeaks() }

// Evaluate runs one adaptive policy tick synchronously.
func (p *Pool[T]) Evaluate() { p.evaluate() }

// SetTarget forces the adaptive target (the pool must be adaptive).
func (p *Pool[T]) SetTarget(n int) { p.setTarget(n, "test") }

// GateState returns the gate's limit, permits held and waiters.
func (p *Pool[T]) GateState() (limit, held, waiting int) { return p.gate.state() }

// ExpiresAt returns when c's connection reaches its jittered lifetime.
func (c *Conn[T]) ExpiresAt() time.Time { return c.r.expiresAt }
