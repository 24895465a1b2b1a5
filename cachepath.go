package tursopooled

import (
	"bytes"
	"context"
	"database/sql/driver"
	"io"
	"slices"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/sqlclass"
)

// cacheUsable reports whether a query on cn may read from or fill the cache:
// the cache is on, the statement is a single deterministic read, the
// connection is outside any transaction and has no session state that can
// change what a query returns (TEMP objects shadowing tables, ATTACHed
// databases, pragmas), and the context does not opt out.
func (f *features) cacheUsable(ctx context.Context, cn *conn, st *statement) bool {
	return f.cache != nil && cn.sess.clean() && st.cacheable() && !cacheBypassed(ctx)
}

// cacheLookup serves the query from the cache when it may: rows is the
// cached result on a hit, or the result of an identical query that another
// caller was already fetching (see cache.Cache.Join). On a miss that may be
// cached, fill says how to cache the result once it arrives, and the
// caller leads the fetch: it must call fill.done when the statement is
// done, whatever its outcome (deferred). Both are nil when the cache is not
// used. The key is built once for all of this. err is the error of a
// schema load that failed; the caller decides whether it broke the
// connection.
//
// Misses are coalesced only once a fill's done has been called: that
// shows the conn code finishes every fetch it leads, so that no waiter
// can wait for a leader that failed without saying so.
func (f *features) cacheLookup(ctx context.Context, cn *conn, st *statement, args []driver.NamedValue) (rows driver.Rows, fill *cacheFill, err error) {
	if !f.cacheUsable(ctx, cn, st) {
		return nil, nil, nil
	}
	key, ok := cache.MakeKey(f.identity, st.sql, args)
	if !ok {
		return nil, nil, nil
	}
	for {
		if res, ok := f.cache.Get(key); ok {
			return newCachedRows(res), nil, nil
		}
		flight, leader := f.cache.Join(key, ctx.Done())
		if leader {
			fill, err = f.prepareFill(ctx, cn, st, key, args)
			if fill == nil {
				f.cache.Finish(flight, nil, cache.Snapshot{})
				return nil, nil, err
			}
			fill.flight = flight
			return nil, fill, nil
		}
		if res, ok := f.cache.Await(ctx, flight); ok {
			return newCachedRows(res), nil, nil
		}
		if ctx.Err() != nil {
			return nil, nil, nil // the statement fails on its own context
		}
	}
}

// cacheFill remembers, from before a query is sent, what is needed to cache
// its result afterwards: the key, the tables it depends on and their
// generations at that moment (so that a write racing with the query makes
// the result stale at birth instead of cached), and the flight that
// identical misses wait on.
type cacheFill struct {
	cache    *cache.Cache
	key      cache.Key
	tables   []string
	snap     cache.Snapshot
	ttl      time.Duration
	maxBytes int64 // results larger than this are not cached
	flight   *cache.Flight
	// proof is, for a read keyed by one rowid, the key whose FreshRowid
	// dependency a non-empty result removes (see sqlclass.ReadKey.RowProves).
	proof *sqlclass.ReadKey
}

// prepareFill returns how to cache the result of the query keyed key, or
// nil when the tables it depends on cannot be known (with the error of the
// schema load that failed). A read restricted by key to rows of one table
// (sqlclass.Info.ReadKey) takes a keyed snapshot: writes to other keys of
// that table leave its result valid.
func (f *features) prepareFill(ctx context.Context, cn *conn, st *statement, key cache.Key, args []driver.NamedValue) (*cacheFill, error) {
	tables, ok, err := f.schema.readDeps(ctx, cn.up, st.info.ReadTables)
	if !ok {
		return nil, err
	}
	fill := &cacheFill{cache: f.cache, key: key, tables: tables, ttl: cacheTTLOverride(ctx), maxBytes: f.maxEntryBytes}
	if rk, ok := f.schema.readKey(st.info, args); ok && len(tables) == 1 && tables[0] == rk.Table {
		fill.snap = f.cache.SnapshotKey(rk.Table, rk.Column, rk.Values)
		if rk.RowProves {
			fill.proof = &rk
		}
		return fill, nil
	}
	fill.snap = f.cache.Snapshot(tables)
	return fill, nil
}

// done ends the fill's flight, without a result to share unless
// materialize shared one (the query failed, or its rows were not read).
// Conn code calls it when the statement is done, whatever its outcome
// (deferred right after cacheLookup); that also enables coalescing (see
// cacheLookup). Nil-safe; calling it again does nothing.
func (fl *cacheFill) done() {
	if fl == nil {
		return
	}
	fl.cache.EnableCoalescing()
	fl.finish()
}

// finish ends the fill's flight without a result to share, unless one was
// shared already. Nil-safe and idempotent.
func (fl *cacheFill) finish() {
	if fl != nil {
		fl.cache.Finish(fl.flight, nil, cache.Snapshot{})
	}
}

// materialize reads r to the end, caches the result and returns rows over
// it. A result that grows beyond the per-entry limit is not cached: the rows
// read so far are served first, then the rest straight from r.
func (fl *cacheFill) materialize(r *rows) (driver.Rows, error) {
	cols := r.Columns()
	res := &cache.Result{Columns: cols, DeclTypes: make([]string, len(cols))}
	for i := range cols {
		res.DeclTypes[i] = r.ColumnTypeDatabaseTypeName(i)
	}
	var size int64
	for {
		dest := make([]driver.Value, len(cols))
		err := r.Next(dest)
		if err == io.EOF {
			break
		}
		if err != nil {
			r.Close()
			fl.finish()
			return nil, err
		}
		for i, v := range dest {
			if b, ok := v.([]byte); ok {
				dest[i] = bytes.Clone(b) // an empty blob stays non-nil, as the server path gives it
			}
			size += cache.ValueSize(dest[i])
		}
		res.Rows = append(res.Rows, dest)
		if size > fl.maxBytes {
			fl.finish()
			return &prefixRows{cachedRowsIter: cachedRowsIter{res: res}, rest: r}, nil
		}
	}
	r.Close()
	snap := fl.snap
	if fl.proof != nil && len(res.Rows) > 0 {
		snap = fl.cache.Without(snap, fl.proof.Table, fl.proof.Column, sqlclass.FreshRowid)
	}
	fl.cache.Set(fl.key, res, fl.tables, snap, fl.ttl)
	fl.cache.Finish(fl.flight, res, snap)
	return newCachedRows(res), nil
}

// prefixRows serves rows already read into memory, then the rest of the
// upstream rows: the result of a cacheable query too large to cache.
type prefixRows struct {
	cachedRowsIter
	rest *rows
}

// Next implements driver.Rows.
func (p *prefixRows) Next(dest []driver.Value) error {
	if p.i < len(p.res.Rows) {
		return p.cachedRowsIter.Next(dest)
	}
	return p.rest.Next(dest)
}

// Close implements driver.Rows.
func (p *prefixRows) Close() error { return p.rest.Close() }

// invalidate drops the cached results that a statement may have changed;
// see invalidateWrite. Without the statement's arguments, a write keyed by
// parameters counts as a write of any row of its table.
func (f *features) invalidate(st *statement) {
	f.invalidateWrite(st, nil)
}

// invalidateWrite drops the cached results that st, run with args (as
// sent, after compression), may have changed, before its result reaches
// the caller. Statements whose targets cannot be named (DDL, PRAGMA,
// ATTACH, unknown) drop the whole cache of the database. A single-table
// write whose rows sqlclass can name by key (sqlclass.Info.WriteKeys)
// drops, in its table, only the results of reads of those keys and of
// reads not restricted by key; the tables its triggers and foreign-key
// actions write are dropped at table level, and so is its own table when
// they write it. It returns what a transaction must invalidate again when
// it ends (see invalidateAgain); nothing of args is kept.
func (f *features) invalidateWrite(st *statement, args []driver.NamedValue) txWrite {
	w := txWrite{st: st}
	if f.cache == nil || !st.writes() {
		return w
	}
	if st.info.InvalidatesAll() {
		f.invalidateAll(st)
		return w
	}
	tables, keys, ok := f.schema.writeTargets(st.info, args)
	if !ok {
		f.invalidateEverything(st)
		return w
	}
	if keys != nil {
		f.cache.InvalidateKeys(*keys)
		w.keys = keys
	}
	f.cache.Invalidate(tables)
	f.publish(true, tables, keys)
	return w
}

// txWrite is a write made inside a transaction as the session keeps it, to
// invalidate it again when the transaction ends: the statement, and the
// keys it invalidated (nil: table level), so that the session keeps no
// argument (a caller may reuse a []byte argument once the statement
// returned).
type txWrite struct {
	st   *statement
	keys *cache.KeyedWrite
}

// invalidateAgain repeats the invalidation of w when its transaction ends,
// because another connection may have cached the committed data in
// between: the same keys (or tables) as when it ran. The schema map may
// have been reset meanwhile; the keys are those of the schema it ran on.
func (f *features) invalidateAgain(w txWrite) {
	if f.cache == nil || !w.st.writes() {
		return
	}
	if w.keys == nil {
		f.invalidate(w.st)
		return
	}
	tables, _, ok := f.schema.writeTargets(w.st.info, nil)
	if !ok {
		f.invalidateEverything(w.st)
		return
	}
	tables = slices.DeleteFunc(tables, func(t string) bool { return t == w.keys.Table })
	f.cache.InvalidateKeys(*w.keys)
	f.cache.Invalidate(tables)
	f.publish(true, tables, w.keys)
}

// invalidateAll drops every cached result of the database and the schema
// map, for a write whose effects cannot be named (DDL, PRAGMA, ATTACH).
func (f *features) invalidateAll(st *statement) {
	if f.cache == nil {
		return
	}
	f.schema.reset()
	f.invalidateEverything(st)
}

// invalidateEverything drops every cached result of the database, here
// and (over the cache bus) in the other processes, for a write whose
// targets could not be named.
func (f *features) invalidateEverything(st *statement) {
	f.cache.InvalidateAll()
	f.publish(false, nil, nil)
	f.storm.note(time.Now(), st)
}

// loadForWrite loads the schema map, when it is not loaded, before a write
// that can be named is sent: its invalidation then drops the keys and
// tables it may change instead of the whole cache (in a process that only
// writes, no cache fill would ever load it). Not inside a transaction: the
// load would see its uncommitted DDL, and would take a read snapshot before
// its first write, which SQLite may then refuse to upgrade (plain libsql
// would have waited); such a write invalidates everything instead. The
// error is that of a load that failed; the caller decides whether it broke
// the connection, and otherwise the write goes ahead and invalidates
// everything.
func (f *features) loadForWrite(ctx context.Context, cn *conn, st *statement) error {
	if f.cache == nil || !st.writes() || st.info.InvalidatesAll() || !cn.sess.clean() {
		return nil
	}
	_, _, err := f.schema.readDeps(ctx, cn.up, nil)
	return err
}

// cachedRowsIter serves a cached result as driver.Rows, indistinguishable
// from the server's: same columns, database type names and values.
type cachedRowsIter struct {
	res *cache.Result
	i   int
}

var (
	_ driver.Rows                           = (*cachedRowsIter)(nil)
	_ driver.RowsColumnTypeDatabaseTypeName = (*cachedRowsIter)(nil)
)

func newCachedRows(res *cache.Result) *cachedRowsIter { return &cachedRowsIter{res: res} }

// Columns implements driver.Rows.
func (c *cachedRowsIter) Columns() []string { return c.res.Columns }

// Close implements driver.Rows.
func (c *cachedRowsIter) Close() error { return nil }

// Next implements driver.Rows. Blobs are copied so that no caller can change
// the cached result.
func (c *cachedRowsIter) Next(dest []driver.Value) error {
	if c.i >= len(c.res.Rows) {
		return io.EOF
	}
	c.res.CopyRow(dest, c.i)
	c.i++
	return nil
}

// ColumnTypeDatabaseTypeName implements driver.RowsColumnTypeDatabaseTypeName.
func (c *cachedRowsIter) ColumnTypeDatabaseTypeName(i int) string {
	if i < len(c.res.DeclTypes) {
		return c.res.DeclTypes[i]
	}
	return ""
}
