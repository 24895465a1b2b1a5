// Package cachebus keeps the result caches of several processes (the
// replicas of a service) coherent: every invalidation a process's cache
// applies because of a write made through it is published on a Redis
// pub/sub channel, and every other process subscribed to the channel
// applies it to its own cache's generations.
//
// # Messages
//
// A message is a compact, versioned binary encoding ([Encode], [Decode]):
// the database identity (hashed: neither the host nor the token is sent),
// the random id of the publishing bus, and the invalidation — everything,
// tables, or keyed writes ([cache.KeyedWrite]: table, columns and canonical
// values). A subscriber skips its own messages, ignores those of another
// identity, and counts and drops those that do not parse; one of a newer
// format version, which it cannot read, flushes its cache. Keyed values are
// compared as the publisher encoded them (sqlclass's canonical encoding):
// a change of that encoding must come with a new message version, or
// replicas running different versions would miss each other's keyed
// invalidations.
//
// # Soundness
//
// Publish returns once Redis accepted the message: the root package calls
// it after a write was applied and before its result returns to the caller
// (at COMMIT again for a transaction's writes). A subscriber applies
// remote invalidations by bumping the same generations as local writes, so
// the cache's snapshot rule makes a fill whose snapshot predates a remote
// invalidation stale at birth.
//
// While the subscription is not confirmed (at start, after a disconnect,
// while Redis is down) a subscriber cannot know what it missed. With
// [FallbackBypass] (the default) it flushes its cache when the
// subscription is lost and serves nothing until it is confirmed again;
// with [FallbackTTL] it keeps serving results at most the cache's MaxTTL
// old. On every confirmation the cache is flushed, so that no result
// fetched while messages could be missed survives.
//
// A connection that stays open can still stall (a paused process, a slow
// or blocked network). The subscriber therefore pings Redis on the
// subscription connection every 250 ms with the send time as payload;
// since a connection delivers in order, the answer to a ping proves that
// every message published before Redis answered it has been applied. With
// FallbackBypass the cache serves only within a lease of one second after
// the send time of the last answered ping ([cache.Cache.ServeUntil]), so a
// subscriber that was paused (SIGSTOP, a long GC pause) serves nothing from
// its cache after resuming until it has caught up. A connection silent for
// three seconds is dropped and made again; reconnects back off
// exponentially from 50 ms to 5 s, with jitter.
//
// Publishing is bounded by one second. When it fails, the invalidation is
// queued and retried in the background (with backoff up to one second)
// while the write returns; writes made meanwhile still try to publish at
// once but wait at most 100 ms (so that, once Redis is back, their
// invalidations do not wait in the queue while the other replicas serve
// again), and queue too when that fails. Invalidations commute, so late
// ones need no order. When more than 1024 wait, they collapse into one
// "invalidate everything". A write whose invalidation could not be
// published reaches the other replicas late: while Redis is down for them
// too they flush when they resubscribe; a replica that still reaches Redis
// while the writer does not may serve that write's old results until the
// retry succeeds, or until cache_max_ttl. Every
// transition (subscribed, subscription lost, publishing failing or
// recovered) is logged at Warn and counted in [Stats].
//
// # Client
//
// The client is github.com/redis/go-redis/v9 rather than rueidis: its
// [redis.PubSub] hands every reply on the subscription connection to the
// caller in order — the subscribe confirmation, each message and each
// ping's answer with its payload — which is what the lease above is built
// on, while rueidis handles subscription replies and pings inside its own
// connection management. go-redis is the most used Go Redis client, pure
// Go, and its plain PUBLISH is one round trip on a pooled connection; the
// bus runs it with RESP2, no retries of its own (the bus retries) and one
// second timeouts.
package cachebus
