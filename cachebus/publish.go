package cachebus

import (
	"context"
	"time"
)

const (
	// retryQueueLen bounds the invalidations waiting for a retry; beyond
	// it, they collapse into one "invalidate everything".
	retryQueueLen = 1024
	// failingPublishTimeout bounds a write's wait for Redis while
	// publishing fails.
	failingPublishTimeout = 100 * time.Millisecond
	// maxRetryBackoff caps the wait between retries of a queued message.
	maxRetryBackoff = time.Second
)

// Publish sends inv to every other process on the channel and returns once
// Redis accepted it (or after one second): call it after the write was
// applied and before its result returns to the caller. When it fails, inv
// is queued for a retry in the background, and the failure is counted and
// logged (once per outage); while publishing fails, each Publish still
// tries at once but waits at most 100 ms. Nil-safe.
func (b *Bus) Publish(inv Invalidation) {
	if b == nil || b.ctx.Err() != nil {
		return
	}
	p := Encode(Message{Identity: b.identity, Instance: b.instance, Invalidation: inv})
	timeout := publishTimeout
	if b.failing.Load() {
		// Still try at once, briefly: once Redis is back, the other
		// replicas serve again as soon as they resubscribe, and a write
		// whose invalidation merely waited in the queue would be served
		// stale by them until the retry.
		timeout = failingPublishTimeout
	}
	if err := b.publish(p, timeout); err != nil {
		if !b.failing.Swap(true) {
			b.logger.Warn("turso-pooled: cache bus: publishing fails; retrying in the background", "bus", b.where, "err", err)
		}
		b.enqueue(p)
	}
}

// publish sends one payload, bounded by timeout.
func (b *Bus) publish(p []byte, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(b.ctx, timeout)
	defer cancel()
	err := b.client.Publish(ctx, b.channel, p).Err()
	if err != nil {
		b.ctr.publishErrors.Add(1)
		return err
	}
	b.ctr.published.Add(1)
	return nil
}

// enqueue queues p for retryLoop, or marks the queue overflowed.
func (b *Bus) enqueue(p []byte) {
	select {
	case b.queue <- p:
	default:
		b.overflow.Store(true)
	}
}

// retryLoop publishes queued invalidations, late but in order, retrying
// each with backoff; once the queue is empty, publishing is synchronous
// again.
func (b *Bus) retryLoop() {
	defer b.wg.Done()
	all := Encode(Message{Identity: b.identity, Instance: b.instance, Invalidation: Invalidation{All: true}})
	for {
		var p []byte
		select {
		case p = <-b.queue:
		case <-b.ctx.Done():
			return
		}
		batch := [][]byte{p}
		for len(b.queue) > 0 {
			batch = append(batch, <-b.queue)
		}
		if b.overflow.Swap(false) {
			b.ctr.collapsed.Add(1)
			batch = [][]byte{all}
		}
		for _, p := range batch {
			for backoff := minBackoff; b.publish(p, publishTimeout) != nil; backoff = min(2*backoff, maxRetryBackoff) {
				if !b.sleep(backoff) {
					return
				}
			}
			b.ctr.retried.Add(1)
		}
		if len(b.queue) == 0 && !b.overflow.Load() && b.failing.Swap(false) {
			b.logger.Warn("turso-pooled: cache bus: publishing recovered", "bus", b.where)
		}
	}
}
