package tursopooled

import (
	"bytes"
	"context"
	"database/sql/driver"
	"io"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
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
// cached result on a hit. On a miss that may be cached, fill says how to
// cache the result once it arrives; both are nil when the cache is not used.
// The key is built once for both. err is the error of a schema load that
// failed; the caller decides whether it broke the connection.
func (f *features) cacheLookup(ctx context.Context, cn *conn, st *statement, args []driver.NamedValue) (rows driver.Rows, fill *cacheFill, err error) {
	if !f.cacheUsable(ctx, cn, st) {
		return nil, nil, nil
	}
	key, ok := cache.MakeKey(f.identity, st.sql, args)
	if !ok {
		return nil, nil, nil
	}
	if res, ok := f.cache.Get(key); ok {
		return newCachedRows(res), nil, nil
	}
	fill, err = f.prepareFill(ctx, cn, st, key)
	return nil, fill, err
}

// cacheFill remembers, from before a query is sent, what is needed to cache
// its result afterwards: the key, the tables it depends on and their
// generations at that moment (so that a write racing with the query makes
// the result stale at birth instead of cached).
type cacheFill struct {
	cache    *cache.Cache
	key      cache.Key
	tables   []string
	snap     cache.Snapshot
	ttl      time.Duration
	maxBytes int64 // results larger than this are not cached
}

// prepareFill returns how to cache the result of the query keyed key, or
// nil when the tables it depends on cannot be known (with the error of the
// schema load that failed).
func (f *features) prepareFill(ctx context.Context, cn *conn, st *statement, key cache.Key) (*cacheFill, error) {
	tables, ok, err := f.schema.readDeps(ctx, cn.up, st.info.ReadTables)
	if !ok {
		return nil, err
	}
	return &cacheFill{cache: f.cache, key: key, tables: tables,
		snap: f.cache.Snapshot(tables), ttl: cacheTTLOverride(ctx), maxBytes: f.maxEntryBytes}, nil
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
			return &prefixRows{cachedRowsIter: cachedRowsIter{res: res}, rest: r}, nil
		}
	}
	r.Close()
	fl.cache.Set(fl.key, res, fl.tables, fl.snap, fl.ttl)
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

// invalidate drops the cached results that a statement may have changed,
// before its result reaches the caller. Statements whose targets cannot be
// named (DDL, PRAGMA, ATTACH, unknown) drop the whole cache of the database.
func (f *features) invalidate(st *statement) {
	if f.cache == nil || !st.writes() {
		return
	}
	if st.info.InvalidatesAll() {
		f.invalidateAll(st)
		return
	}
	tables, ok := f.schema.writeDeps(st.info.WriteTables)
	if !ok {
		f.cache.InvalidateAll()
		f.storm.note(time.Now(), st)
		return
	}
	f.cache.Invalidate(tables)
}

// invalidateAll drops every cached result of the database and the schema
// map, for a write whose effects cannot be named.
func (f *features) invalidateAll(st *statement) {
	if f.cache == nil {
		return
	}
	f.schema.reset()
	f.cache.InvalidateAll()
	f.storm.note(time.Now(), st)
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
