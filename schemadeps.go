package tursopooled

import (
	"context"
	"database/sql/driver"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/sqlclass"
)

// schemaDeps knows what the statement classifier cannot see in a statement's
// text: the tables a view reads, the tables a trigger or a foreign-key
// action writes, and how each table declares its columns. The cache needs
// all three: a cached "SELECT … FROM v" depends on v's base tables, an
// INSERT into t also changes whatever t's triggers write (and a DELETE of
// a parent row whatever its ON DELETE CASCADE children hold), and keying a
// read or a write by column value needs the column's affinity, collation
// and rowid aliases ([sqlclass.Info.ReadKey], [sqlclass.Info.WriteKeys]).
//
// Every piece of SQL is read by sqlclass: views and triggers are
// classified ([sqlclass.Classify], [sqlclass.ParseTrigger]), tables parsed
// ([sqlclass.ParseCreateTable], [sqlclass.ForeignKeys]). What it does not
// understand counts as the worst case: a view whose body is not understood
// is never cached, a trigger not understood makes every write to its table
// drop the whole cache, and a table whose foreign keys cannot be read is
// treated as the child of every table.
//
// The same load records each table's declared shape for compression: STRICT
// or not, and its columns' names, order and declared types, with the
// columns that a constraint, an index or a trigger reads marked
// [sqlclass.Column.Constrained]. Compression needs it cache on or off.
//
// It is loaded from sqlite_master by a new connection when the cache is on
// (so that pre-warm pays for it), else by the first cache fill, keyed write
// outside a transaction or write with a value to frame; again after any DDL
// made through the connector (see [features.schemaChanged]); and, for
// compression, when a write stores into a table that the map lacks. DDL made by other processes is seen within
// cache_max_ttl by the cache like any other outside write; the table shapes
// are reloaded only after DDL through the connector.
type schemaDeps struct {
	logger *slog.Logger

	mu       sync.Mutex
	loaded   bool
	views    map[string][]string        // view → tables it reads; nil slice: not understood
	writes   map[string][]string        // table → tables its triggers and foreign-key actions write
	anything map[string]bool            // tables with a trigger not understood: a write may change any table
	anyChild []string                   // tables whose foreign keys cannot be read: written by any write
	tables   map[string]*sqlclass.Table // table → declared shape; absent when not understood
	failedAt time.Time                  // when the last load for compression failed
	missing  map[string]time.Time       // tables written but absent from the map → when a load last looked for them
	// preloaded is set when the map was loaded at pre-warm, before any use:
	// compression reloads it once at its first framing (see storedTables).
	preloaded bool
}

const schemaQuery = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'trigger', 'index') AND sql IS NOT NULL"

// schemaRetryAfter is how long compression waits after a failed schema load
// before it tries again (framing nothing meanwhile), so that a schema that
// cannot be read does not cost every write a round trip.
const schemaRetryAfter = 5 * time.Second

// maxMissingTables bounds the memory of tables looked for and not found;
// past it they are forgotten (each may then cost one more load).
const maxMissingTables = 1024

// reset forgets the schema; the next use loads it again.
func (s *schemaDeps) reset() {
	s.mu.Lock()
	s.loaded = false
	s.views, s.writes, s.anything, s.anyChild, s.tables = nil, nil, nil, nil, nil
	s.failedAt, s.missing = time.Time{}, nil
	s.mu.Unlock()
}

// readDeps expands views among tables to the tables they read. ok is false
// when the schema could not be loaded, or a view read is not understood:
// the result must not be cached then.
func (s *schemaDeps) readDeps(ctx context.Context, up driver.Conn, tables []string) ([]string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		if err := s.loadLocked(ctx, up); err != nil {
			s.logger.Debug("turso-pooled: cache: schema load failed; result not cached", "err", err)
			return nil, false, err
		}
	}
	out := expand(tables, s.views)
	for _, t := range out {
		if deps, isView := s.views[t]; isView && deps == nil {
			return nil, false, nil
		}
	}
	return out, true, nil
}

// readKey returns the key a read is restricted to in the table it reads,
// from that table's declaration (see [sqlclass.Info.ReadKey]); false when
// it has none or the schema is not loaded.
func (s *schemaDeps) readKey(info sqlclass.Info, args []driver.NamedValue) (sqlclass.ReadKey, bool) {
	if info.Keys == nil {
		return sqlclass.ReadKey{}, false
	}
	s.mu.Lock()
	t := s.tables[info.Keys.Table]
	s.mu.Unlock()
	return info.ReadKey(t, args)
}

// writeDeps expands written tables with what their triggers and
// foreign-key actions write. ok is false when the schema is not loaded or
// a write may change any table; the caller then invalidates all.
func (s *schemaDeps) writeDeps(tables []string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeDepsLocked(tables)
}

// writeDepsLocked is writeDeps; needs s.mu. The result is a new slice.
func (s *schemaDeps) writeDepsLocked(tables []string) ([]string, bool) {
	if !s.loaded {
		return nil, false
	}
	out := expand(append(slices.Clone(tables), s.anyChild...), s.writes)
	for _, t := range out {
		if s.anything[t] {
			return nil, false
		}
	}
	return out, true
}

// writeTargets returns what a write invalidates: the tables to drop at
// table level and, for a single-table write whose rows are known by key
// (see [sqlclass.Info.WriteKeys]), the keys of its own table, which is then
// not among the tables. Its table counts at table level when its own
// triggers or foreign-key actions write it. ok is false when the schema is
// not loaded or a write may change any table.
func (s *schemaDeps) writeTargets(info sqlclass.Info, args []driver.NamedValue) (tables []string, keys *cache.KeyedWrite, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	tables, ok = s.writeDepsLocked(info.WriteTables)
	if !ok || info.Keys == nil || len(info.WriteTables) != 1 || info.WriteTables[0] != info.Keys.Table {
		return tables, nil, ok
	}
	t := info.Keys.Table
	if indirect, _ := s.writeDepsLocked(s.writes[t]); slices.Contains(indirect, t) || slices.Contains(s.anyChild, t) {
		return tables, nil, true // its triggers or foreign-key actions write it
	}
	wk, keyed := info.WriteKeys(s.tables[t], args)
	if !keyed {
		return tables, nil, true
	}
	kw := &cache.KeyedWrite{Table: wk.Table, Unkeyed: wk.Unkeyed}
	for _, cv := range wk.Keyed {
		kw.Keyed = append(kw.Keyed, cache.ColumnValues{Column: cv.Column, Values: cv.Values})
	}
	return slices.DeleteFunc(tables, func(x string) bool { return x == t }), kw, true
}

// storedTables returns the declared shapes of the database's tables by
// lower-cased name, loading the schema on up when it is not loaded, or
// again when a table of want is missing from the map (another process may
// have created it since the load) and no load looked for it in the last
// schemaRetryAfter. ok is false when it could not be loaded (or a load
// failed less than schemaRetryAfter ago): nothing may be framed then. The
// map is never modified after it is returned; a load replaces it. With
// load false (inside a transaction, whose uncommitted DDL a load would see
// and share) it only returns what is loaded.
func (s *schemaDeps) storedTables(ctx context.Context, up driver.Conn, want []string, load bool) (map[string]*sqlclass.Table, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !load {
		return s.tables, s.loaded && !s.preloaded, nil
	}
	now := time.Now()
	if !s.failedAt.IsZero() && now.Sub(s.failedAt) < schemaRetryAfter {
		return s.tables, s.loaded, nil
	}
	if s.loaded && !s.preloaded && !s.lookForMissing(want, now) {
		return s.tables, true, nil
	}
	if err := s.loadLocked(ctx, up); err != nil {
		s.failedAt = now
		s.logger.Debug("turso-pooled: compression: schema load failed; values sent as they are", "err", err)
		return s.tables, s.loaded, err
	}
	return s.tables, true, nil
}

// lookForMissing reports whether a table of want is missing from the
// loaded map and was not looked for in the last schemaRetryAfter; it
// records that the coming load looks for them. Needs s.mu.
func (s *schemaDeps) lookForMissing(want []string, now time.Time) bool {
	found := false
	for _, t := range want {
		if s.tables[t] != nil {
			continue
		}
		if at, ok := s.missing[t]; ok && now.Sub(at) < schemaRetryAfter {
			continue
		}
		if s.missing == nil || len(s.missing) >= maxMissingTables {
			s.missing = map[string]time.Time{}
		}
		s.missing[t] = now
		found = true
	}
	return found
}

// loadLocked reads views, triggers and tables from sqlite_master. Needs s.mu.
func (s *schemaDeps) loadLocked(ctx context.Context, up driver.Conn) error {
	q, ok := up.(driver.QueryerContext)
	if !ok {
		return driver.ErrSkip
	}
	rs, err := q.QueryContext(ctx, schemaQuery, nil)
	if err != nil {
		return err
	}
	defer rs.Close()
	b := newSchemaBuilder()
	row := make([]driver.Value, 4)
	for {
		if err := rs.Next(row); err == io.EOF {
			break
		} else if err != nil {
			return err
		}
		kind, _ := row[0].(string)
		name, _ := row[1].(string)
		table, _ := row[2].(string)
		sqlText, _ := row[3].(string)
		b.add(kind, sqlclass.FoldName(name), sqlclass.FoldName(table), sqlText)
	}
	s.views, s.writes, s.anything, s.anyChild, s.tables = b.views, b.writes, b.anything, b.anyChild, b.finishTables()
	s.loaded, s.failedAt, s.preloaded = true, time.Time{}, false
	return nil
}

// preload loads the map on up at pre-warm when it is not loaded, for the
// cache's first queries. Compression does not trust what it says of table
// shapes until its first framing loads it again: another process may add
// an index or a trigger that reads a column between pre-warm and first use,
// and a frame must not go into such a column.
func (s *schemaDeps) preload(ctx context.Context, up driver.Conn) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return nil
	}
	if err := s.loadLocked(ctx, up); err != nil {
		return err
	}
	s.preloaded = true
	return nil
}

// viewBodyCacheable reports whether the SELECT of a CREATE VIEW statement
// is a cacheable read on its own: deterministic, and reading only tables
// whose writes the cache sees (not sqlite_sequence or other internal tables).
func viewBodyCacheable(createView string) bool {
	body, ok := sqlclass.ViewBody(createView)
	return ok && sqlclass.Classify(body).Cacheable
}

// schemaBuilder collects one load of sqlite_master.
type schemaBuilder struct {
	views    map[string][]string
	writes   map[string][]string
	anything map[string]bool
	anyChild []string
	tables   map[string]*sqlclass.Table
	readers  map[string][]string // table → SQL of its indexes and triggers
	bodies   []string            // SQL of every trigger
}

func newSchemaBuilder() *schemaBuilder {
	return &schemaBuilder{views: map[string][]string{}, writes: map[string][]string{}, anything: map[string]bool{},
		tables: map[string]*sqlclass.Table{}, readers: map[string][]string{}}
}

// add records one sqlite_master row (names lower-cased).
func (b *schemaBuilder) add(kind, name, table, sqlText string) {
	switch kind {
	case "view":
		info := sqlclass.Classify(sqlText)
		if info.WritesUnknown || info.Statements != 1 || !viewBodyCacheable(sqlText) {
			b.views[name] = nil // not understood, or its result may change without a write: reading it is never cached
		} else {
			b.views[name] = append([]string{}, info.ReadTables...)
		}
	case "trigger":
		if tr, ok := sqlclass.ParseTrigger(sqlText); ok {
			b.writes[table] = append(b.writes[table], tr.Writes...)
		} else {
			b.anything[table] = true
		}
		b.readers[table] = append(b.readers[table], sqlText)
		b.bodies = append(b.bodies, sqlText)
	case "index":
		b.readers[table] = append(b.readers[table], sqlText)
	case "table":
		// A foreign key's ON DELETE/UPDATE action writes the child table
		// when its parent is written.
		if fks, ok := sqlclass.ForeignKeys(sqlText); ok {
			for _, fk := range fks {
				if fk.WritesChild() {
					b.writes[fk.Parent] = append(b.writes[fk.Parent], name)
				}
			}
		} else {
			b.anyChild = append(b.anyChild, name)
		}
		if t, ok := sqlclass.ParseCreateTable(sqlText); ok {
			b.tables[name] = &t
		}
	}
}

// finishTables marks as constrained the columns that indexes and triggers
// read (a value they read must stay as the statement gave it): the columns
// an index or trigger of the table names, and those that any trigger names
// together with their table. A table with an index or trigger that cannot
// be tokenized is dropped (unknown).
func (b *schemaBuilder) finishTables() map[string]*sqlclass.Table {
	for table, defs := range b.readers {
		for _, def := range defs {
			names, ok := sqlclass.MentionedNames(def)
			if !ok {
				delete(b.tables, table)
				break
			}
			markColumns(b.tables[table], names)
		}
	}
	for _, body := range b.bodies {
		names, _ := sqlclass.MentionedNames(body) // a failure dropped the trigger's table above
		for name, t := range b.tables {
			if names[name] {
				markColumns(t, names)
			}
		}
	}
	return b.tables
}

// markColumns marks the columns of t (nil: none) named in names.
func markColumns(t *sqlclass.Table, names map[string]bool) {
	if t == nil {
		return
	}
	for i := range t.Columns {
		if names[t.Columns[i].Name] {
			t.Columns[i].Constrained = true
		}
	}
}

// expand returns tables plus everything reachable from them through deps.
func expand(tables []string, deps map[string][]string) []string {
	if len(deps) == 0 {
		return tables
	}
	out := slices.Clone(tables)
	for i := 0; i < len(out); i++ {
		for _, d := range deps[out[i]] {
			if !slices.Contains(out, d) {
				out = append(out, d)
			}
		}
	}
	return out
}
