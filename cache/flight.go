package cache

import (
	"context"
	"sync"
	"sync/atomic"
)

// Coalescing identical misses: when a hot entry expires or is invalidated
// under load, every reader misses at once. [Cache.Join] makes the first one
// the leader of a flight, which runs the query; the others wait for its
// result with [Cache.Await] instead of sending the same query. A waiter
// never takes the leader's error: when the leader fails, gives up (its
// context ends) or has no result to share, each waiter goes on by itself
// (and one of them may lead the next flight). A shared result is served
// only while the generations of the leader's snapshot are unchanged, so a
// waiter never gets a result older than a write that completed before it
// asked.

// flights holds the flights in progress, by canonical key.
type flights struct {
	on atomic.Bool // EnableCoalescing was called
	mu sync.Mutex
	m  map[string]*Flight
}

// EnableCoalescing turns coalescing on: until it is called, Join makes
// every caller a leader. Call it once every flight that Join may give the
// caller is sure to end with Finish, whatever happens to the query: a
// waiter waits for its leader as long as its own context lasts. Nil-safe.
func (c *Cache) EnableCoalescing() {
	if c != nil && !c.flights.on.Load() {
		c.flights.on.Store(true)
	}
}

// Flight is one leader's fetch of a missed key, which identical misses
// wait for. Create it with [Cache.Join]; the leader ends it with
// [Cache.Finish].
type Flight struct {
	key     string
	done    chan struct{}   // closed by Finish
	gaveUp  <-chan struct{} // the leader's context's Done; nil: never
	res     *Result         // set before done is closed; nil: nothing to share
	snap    Snapshot
	ended   bool // guarded by flights.mu
	waiters int  // guarded by flights.mu
}

// CoalescingEnabled reports whether EnableCoalescing was called. Nil-safe.
func (c *Cache) CoalescingEnabled() bool { return c != nil && c.flights.on.Load() }

// Join returns the flight of k that is in progress, or makes the caller the
// leader of a new one (leader true); (nil, true) until EnableCoalescing.
// leaderDone is the caller's context's
// Done channel: if it closes before the leader finishes, waiters stop
// waiting for it, and the next Join replaces the flight. A leader must call
// Finish exactly once (more calls are harmless). A nil cache or an invalid
// key returns (nil, true): the caller goes alone.
func (c *Cache) Join(k Key, leaderDone <-chan struct{}) (f *Flight, leader bool) {
	if c == nil || !k.Valid() || !c.flights.on.Load() {
		return nil, true
	}
	fl := &c.flights
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if f := fl.m[k.canon]; f != nil && !closed(f.gaveUp) {
		f.waiters++
		return f, false
	}
	if fl.m == nil {
		fl.m = map[string]*Flight{}
	}
	f = &Flight{key: k.canon, done: make(chan struct{}), gaveUp: leaderDone}
	fl.m[k.canon] = f
	return f, true
}

// Finish ends the leader's flight f. res is the result to share with the
// waiters, nil when there is none (the query failed, or its result is
// too large to cache); snap is the snapshot the result was fetched under.
// When there are waiters and a result, Finish first waits for the cache to
// apply pending Sets, so that a reader arriving after the flight sees the
// entry the leader stored (if it was admitted). Nil-safe; a second call
// does nothing.
func (c *Cache) Finish(f *Flight, res *Result, snap Snapshot) {
	if c == nil || f == nil {
		return
	}
	fl := &c.flights
	fl.mu.Lock()
	if f.ended {
		fl.mu.Unlock()
		return
	}
	f.ended = true
	waiters := f.waiters
	fl.mu.Unlock()
	if res != nil && waiters > 0 && !c.closed.Load() {
		c.rc.Wait()
	}
	fl.mu.Lock()
	if fl.m[f.key] == f {
		delete(fl.m, f.key)
	}
	fl.mu.Unlock()
	f.res, f.snap = res, snap
	close(f.done)
}

// Await waits for the flight f that Join gave a waiter and returns the
// leader's result when it shared one and no generation of its snapshot
// has changed since. It returns false, for the caller to go on by itself,
// when the leader finished without a result, gave up, or the result is
// stale, or when ctx ends first. Each result returned counts in
// Stats.Coalesced. The result is shared: do not modify it.
func (c *Cache) Await(ctx context.Context, f *Flight) (*Result, bool) {
	if c == nil || f == nil {
		return nil, false
	}
	select {
	case <-f.done:
	case <-f.gaveUp:
		if !closed(f.done) {
			return nil, false
		}
	case <-ctx.Done():
		return nil, false
	}
	if f.res == nil || !c.gens.current(f.snap.global, f.snap.deps) || c.refusing() {
		return nil, false
	}
	c.ctr.coalesced.Add(1)
	return f.res, true
}

// closed reports whether ch is closed (false for nil).
func closed(ch <-chan struct{}) bool {
	if ch == nil {
		return false
	}
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
