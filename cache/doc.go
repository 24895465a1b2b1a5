// Package cache is the turso-pooled result cache: a memory-bounded store of
// materialized query results on github.com/dgraph-io/ristretto/v2, with an
// access-scored TTL, invalidation by row key and by table generation, and
// coalescing of identical misses.
//
// # Use
//
//	info := sqlclass.Classify(query)
//	key, ok := cache.MakeKey(dbIdentity, query, args) // ok only for exact-keyable args
//	if info.Cacheable && ok {
//		if r, hit := c.Get(key); hit { ... serve r (shared; copy rows with CopyRow) ... }
//		f, leader := c.Join(key, ctx.Done()) // an identical miss in flight?
//		if !leader { if r, ok := c.Await(ctx, f); ok { ... serve r ... } else { ... retry ... } }
//		// before sending the query, one of:
//		snap := c.Snapshot(tables)                                  // the result depends on every row
//		snap := c.SnapshotKey(table, column, values)                // only on rows whose column holds values
//		r := ... run the query, materialize ...
//		c.Set(key, r, tables, snap, 0)
//		c.Finish(f, r, snap) // always, with nil r when the query failed
//	}
//	// after a write has been applied, one of:
//	c.InvalidateAll()                                   // DDL, writes not understood
//	c.Invalidate(tables)                                // writes not restricted by key
//	c.InvalidateKeys(cache.KeyedWrite{Table: t, ...})   // a write whose rows are known by key
//
// # Correctness
//
// Keys hold the full canonical encoding of database identity, SQL and typed
// arguments, compared on every hit, so a hash collision can never serve
// another query's rows. An entry records the generations of the counters
// it depends on, seen by the Snapshot taken before its query was sent: if
// any changed before Set, the result is born stale and not stored; if one
// changes later, Get treats the entry as a miss and deletes it. A global
// counter covers InvalidateAll. Writes made by other clients are not seen:
// MaxTTL bounds how long a result can be served after its query was sent
// (the staleness bound), independent of hits.
//
// The counters live in fixed memory. Each table name maps to one of 4,096
// table counters, bumped by every write to the table; a table-level result
// ([Cache.Snapshot]: a scan, a join, an aggregate, a view) depends on the
// counters of every table it reads. A keyed result ([Cache.SnapshotKey]:
// the rows of one table whose column holds one of some values) depends
// instead on three kinds of key counters, hashed into an array of one
// counter per KiB of MaxBytes (4,096 to 262,144 counters, 512 KiB for the
// default 64 MiB): the table's unkeyed-write counter, bumped by
// [Cache.Invalidate]; the (table, column) counter, bumped by a keyed write
// that does not restrict that column; and one (table, column, value)
// counter per value, bumped by a keyed write restricting the column to a
// set holding the value ([Cache.InvalidateKeys]). A keyed write therefore
// leaves valid the results of other keys of the same column. Values are
// canonical encodings chosen by the caller (sqlclass maps every two values
// SQLite may compare equal to one encoding). Names or values sharing a
// counter only invalidate each other more often.
//
// # Coalescing
//
// When a hot entry expires or is invalidated under load, every reader
// misses at once. [Cache.Join] makes the first the leader of a flight and
// the others wait for its result ([Cache.Await]) instead of sending the
// same query. A waiter waits under its own context, never takes the
// leader's error, and stops waiting when the leader's context ends; it is
// served the leader's result only while the generations of the leader's
// snapshot are unchanged (so never a result older than a write that
// completed before it asked), and otherwise goes on by itself. Coalescing
// is off until [Cache.EnableCoalescing], which the caller calls once it
// guarantees that every flight it leads ends with [Cache.Finish].
// Stats.Coalesced counts the reads served this way.
//
// # Access-scored TTL
//
// Every entry stores its birth time (the Snapshot time), a prior, a hit
// count and the time of its last hit. On Get its effective TTL is
//
//	TTL + (MaxTTL − TTL) × score,   score = hotness × recency ∈ [0, 1]
//	hotness = n / (n + 0.5),   n = prior + hits  (0 when n = 0)
//	recency = 1 while idle ≤ TTL, then linearly down to 0 at idle = MaxTTL
//
// where idle is the time since the last hit (since birth before the first).
// The prior carries a query's popularity across entries: every Get, hit or
// miss, counts one request of its key in a fixed-size count-min sketch
// (4 rows of 4-bit saturating counters, 8–32 KiB by MaxBytes, whatever the
// number of keys), whose counters are all halved every 4 × MaxTTL so that
// old popularity fades. Set gives a new entry the sketch's estimate of its
// key's recent requests minus one (the miss that led to the Set) as prior.
// Sketch collisions can only raise a prior, never lower it.
//
// A query not requested before within the sketch's memory starts at score
// 0 and, if never hit, lives TTL; a popular query whose result expired and
// was fetched again starts hot (a prior of 14, the maximum, gives a result
// that is never hit TTL + 0.49 × (MaxTTL − TTL)); a hot entry lives up to
// MaxTTL; an entry that was hot but has gone quiet falls back towards TTL.
// Because score is clamped to [0, 1] the effective TTL is always within
// [TTL, MaxTTL], and no entry is served once its age from birth reaches
// MaxTTL, whatever its prior or hits (unit-tested with a fake clock).
// Ristretto's own TTL is set to the remaining MaxTTL so that entries never
// hit again are reclaimed. The per-entry metadata lives in the entry and is
// freed with it. With MaxTTL = TTL there is nothing to score and the cache
// has no sketch.
//
// # Measured effect
//
// sim_test.go replays a Zipf (s = 1.1) workload over 10,000 queries, 95 %
// reads and 5 % writes invalidating random tables, with MaxBytes ≈ 10 % of
// all results, TTL 5 s and MaxTTL 12.5 s, on a fake clock, and compares the
// hit ratio of a fixed TTL, of the access-scored TTL and of the ceiling of
// any policy bounded by MaxTTL (a fixed TTL of MaxTTL):
//
//	requests/s  fixed   scored  ceiling  scored/fixed  share of the ceiling's gain
//	10          0.328   0.401   0.425    ×1.22         75 %
//	50          0.495   0.560   0.579    ×1.13         77 %
//	250         0.637   0.691   0.702    ×1.09         83 %
//
// Without the sketch (scores starting at 0 for every new entry) scoring
// reached 0.540 (×1.09) at 50 requests/s. The largest age of a served
// result was below MaxTTL in every run (12.49 s at 250 requests/s).
//
// # Memory and statistics
//
// The cost of an entry is [Result.Size] plus its key and fixed overheads;
// ristretto keeps the sum of costs within MaxBytes, and results larger than
// MaxEntryBytes are not cached. The access sketch (8–32 KiB), the table
// counters (32 KiB), the key counters (32 KiB–2 MiB, MaxBytes/128) and
// ristretto's own admission counters are fixed overheads outside MaxBytes.
// [Cache.Stats] costs O(1): every count, the number of entries included,
// is a counter maintained as entries come and go. A nil *Cache is a
// disabled cache.
package cache
