package tursopooled

import (
	"context"
	"database/sql/driver"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/turso-pooled/tursopooled/sqlclass"
)

// schemaDeps knows what the statement classifier cannot see in a statement's
// text: the tables a view reads and the tables a trigger writes. The cache
// needs both: a cached "SELECT … FROM v" depends on v's base tables, and an
// INSERT into t also changes whatever t's triggers write.
//
// The same load records each table's declared shape for compression: STRICT
// or not, and its columns' names, order and declared types, with the
// columns that a constraint, an index or a trigger reads marked
// [sqlclass.Column.Constrained]. Compression needs it cache on or off.
//
// It is loaded from sqlite_master on the first cache fill or the first write
// with a value to frame, and again after any DDL made through the connector
// (see [features.schemaChanged]). DDL made by other processes is seen within
// cache_max_ttl by the cache like any other outside write; the table shapes
// are reloaded only after DDL through the connector.
type schemaDeps struct {
	logger *slog.Logger

	mu       sync.Mutex
	loaded   bool
	views    map[string][]string        // view → tables it reads (views expanded)
	triggers map[string][]string        // table → tables its triggers write (transitively)
	tables   map[string]*sqlclass.Table // table → declared shape; absent when not understood
	failedAt time.Time                  // when the last load for compression failed
}

const schemaQuery = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'trigger', 'index') AND sql IS NOT NULL"

// schemaRetryAfter is how long compression waits after a failed schema load
// before it tries again (framing nothing meanwhile), so that a schema that
// cannot be read does not cost every write a round trip.
const schemaRetryAfter = 5 * time.Second

// reset forgets the schema; the next cache fill or write with a value to
// frame loads it again.
func (s *schemaDeps) reset() {
	s.mu.Lock()
	s.loaded = false
	s.views, s.triggers, s.tables = nil, nil, nil
	s.failedAt = time.Time{}
	s.mu.Unlock()
}

// readDeps expands views among tables to the tables they read. ok is false
// when the schema could not be loaded: the result must not be cached then.
func (s *schemaDeps) readDeps(ctx context.Context, up driver.Conn, tables []string) ([]string, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		if err := s.loadLocked(ctx, up); err != nil {
			s.logger.Debug("turso-pooled: cache: schema load failed; result not cached", "err", err)
			return nil, false, err
		}
	}
	return expand(tables, s.views), true, nil
}

// writeDeps expands written tables with what their triggers write. ok is
// false when the schema is not loaded; the caller then invalidates all.
func (s *schemaDeps) writeDeps(tables []string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		return nil, false
	}
	return expand(tables, s.triggers), true
}

// storedTables returns the declared shapes of the database's tables by
// lower-cased name, loading the schema on up when it is not loaded. ok is
// false when it could not be loaded (or a load failed less than
// schemaRetryAfter ago): nothing may be framed then. The map is never
// modified after it is returned; a reset replaces it.
func (s *schemaDeps) storedTables(ctx context.Context, up driver.Conn) (map[string]*sqlclass.Table, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		if !s.failedAt.IsZero() && time.Since(s.failedAt) < schemaRetryAfter {
			return nil, false, nil
		}
		if err := s.loadLocked(ctx, up); err != nil {
			s.failedAt = time.Now()
			s.logger.Debug("turso-pooled: compression: schema load failed; values sent as they are", "err", err)
			return nil, false, err
		}
	}
	return s.tables, true, nil
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
		b.add(kind, strings.ToLower(name), strings.ToLower(table), sqlText)
	}
	s.views, s.triggers, s.tables = b.views, b.triggers, b.finishTables()
	s.loaded, s.failedAt = true, time.Time{}
	return nil
}

// schemaBuilder collects one load of sqlite_master.
type schemaBuilder struct {
	views    map[string][]string
	triggers map[string][]string
	tables   map[string]*sqlclass.Table
	readers  map[string][]string // table → SQL of its indexes and triggers
	bodies   []string            // SQL of every trigger
}

func newSchemaBuilder() *schemaBuilder {
	return &schemaBuilder{views: map[string][]string{}, triggers: map[string][]string{},
		tables: map[string]*sqlclass.Table{}, readers: map[string][]string{}}
}

// add records one sqlite_master row (names lower-cased).
func (b *schemaBuilder) add(kind, name, table, sqlText string) {
	switch kind {
	case "view":
		b.views[name] = sqlclass.Classify(sqlText).ReadTables
	case "trigger":
		b.triggers[table] = append(b.triggers[table], sqlclass.Classify(sqlText).WriteTables...)
		b.readers[table] = append(b.readers[table], sqlText)
		b.bodies = append(b.bodies, sqlText)
	case "index":
		b.readers[table] = append(b.readers[table], sqlText)
	case "table":
		// A foreign key's ON DELETE/UPDATE action writes the child table
		// when its parent is written: treat every reference as one.
		for _, parent := range referencedTables(sqlText) {
			b.triggers[parent] = append(b.triggers[parent], name)
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

// referencedTables returns the lower-cased names after each REFERENCES
// keyword of a CREATE TABLE statement.
func referencedTables(createSQL string) []string {
	var out []string
	rest := strings.ToLower(createSQL)
	for {
		i := strings.Index(rest, "references")
		if i < 0 {
			return out
		}
		rest = strings.TrimLeft(rest[i+len("references"):], " \t\r\n")
		name := rest
		if j := strings.IndexAny(rest, " \t\r\n("); j >= 0 {
			name = rest[:j]
		}
		name = strings.Trim(name, "\"`[]'")
		if k := strings.LastIndexByte(name, '.'); k >= 0 {
			name = name[k+1:]
		}
		if name != "" {
			out = append(out, name)
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
