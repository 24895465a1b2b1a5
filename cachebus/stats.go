package cachebus

import "sync/atomic"

// counters are the bus's event counts.
type counters struct {
	subscribes, losses, flushes, subscribeErrors     atomic.Uint64
	published, publishErrors, retried, collapsed     atomic.Uint64
	applied, own, foreign, malformed, futureVersions atomic.Uint64
}

// Stats is a point-in-time copy of a bus's state and counters (since New).
// It holds no secret.
type Stats struct {
	// Subscribed reports whether the subscription is confirmed now.
	Subscribed bool
	// PublishFailing reports whether publishing fails now (invalidations
	// wait in the retry queue).
	PublishFailing bool
	// Subscribes counts subscriptions confirmed (the first and every
	// reconnect).
	Subscribes uint64
	// SubscriptionsLost counts confirmed subscriptions that were lost.
	SubscriptionsLost uint64
	// SubscribeFailures counts subscription sessions that failed or ended
	// (a connection refused, lost or silent), each followed by a reconnect
	// after backoff.
	SubscribeFailures uint64
	// Flushes counts local cache flushes because a subscription was lost
	// or confirmed again (nothing missed meanwhile can be served).
	Flushes uint64
	// Published counts invalidations Redis accepted, at once or retried.
	Published uint64
	// PublishErrors counts failed publish attempts.
	PublishErrors uint64
	// PublishRetried counts invalidations published late, by the retry
	// loop.
	PublishRetried uint64
	// PublishCollapsed counts times the retry queue overflowed and its
	// messages were replaced by one "invalidate everything".
	PublishCollapsed uint64
	// Applied counts remote invalidations applied to the cache.
	Applied uint64
	// Own counts messages of this bus, skipped.
	Own uint64
	// Foreign counts messages of another database identity, ignored.
	Foreign uint64
	// Malformed counts payloads that did not parse, dropped (those of a
	// newer version, counted in FutureVersions too, flush the cache).
	Malformed uint64
	// FutureVersions counts messages of a newer format version.
	FutureVersions uint64
}

// Stats returns a snapshot of the bus's state and counters; zero for a nil
// bus.
func (b *Bus) Stats() Stats {
	if b == nil {
		return Stats{}
	}
	c := &b.ctr
	return Stats{
		Subscribed:        b.subscribed.Load(),
		PublishFailing:    b.failing.Load(),
		Subscribes:        c.subscribes.Load(),
		SubscriptionsLost: c.losses.Load(),
		SubscribeFailures: c.subscribeErrors.Load(),
		Flushes:           c.flushes.Load(),
		Published:         c.published.Load(),
		PublishErrors:     c.publishErrors.Load(),
		PublishRetried:    c.retried.Load(),
		PublishCollapsed:  c.collapsed.Load(),
		Applied:           c.applied.Load(),
		Own:               c.own.Load(),
		Foreign:           c.foreign.Load(),
		Malformed:         c.malformed.Load(),
		FutureVersions:    c.futureVersions.Load(),
	}
}
