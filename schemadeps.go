package tursopooled

import (
	"context"
	"database/sql/driver"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/turso-pooled/tursopooled/sqlclass"
)

// schemaDeps knows what the statement classifier cannot see in a statement's
// text: the tables a view reads and the tables a trigger writes. The cache
// needs both: a cached "SELECT … FROM v" depends on v's base tables, and an
// INSERT into t also changes whatever t's triggers write.
//
// It is loaded from sqlite_master on the first cache fill and again after
// any DDL made through the connector. DDL made by other processes is seen
// within cache_max_ttl like any other outside write.
type schemaDeps struct {
	logger *slog.Logger

	mu       sync.Mutex
	loaded   bool
	views    map[string][]string // view → tables it reads (views expanded)
	triggers map[string][]string // table → tables its triggers write (transitively)
}

const schemaQuery = "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL"

// reset forgets the schema; the next cache fill loads it again.
func (s *schemaDeps) reset() {
	s.mu.Lock()
	s.loaded = false
	s.views, s.triggers = nil, nil
	s.mu.Unlock()
}

// readDeps expands views among tables to the tables they read. ok is false
// when the schema could not be loaded: the result must not be cached then.
func (s *schemaDeps) readDeps(ctx context.Context, up driver.Conn, tables []string) ([]string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.loaded {
		if err := s.loadLocked(ctx, up); err != nil {
			s.logger.Debug("turso-pooled: cache: schema load failed; result not cached", "err", err)
			return nil, false
		}
	}
	return expand(tables, s.views), true
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

// loadLocked reads views and triggers from sqlite_master. Needs s.mu.
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
	views, triggers := map[string][]string{}, map[string][]string{}
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
		info := sqlclass.Classify(sqlText)
		switch kind {
		case "view":
			views[strings.ToLower(name)] = info.ReadTables
		case "trigger":
			t := strings.ToLower(table)
			triggers[t] = append(triggers[t], info.WriteTables...)
		case "table":
			// A foreign key's ON DELETE/UPDATE action writes the child table
			// when its parent is written: treat every reference as one.
			for _, parent := range referencedTables(sqlText) {
				triggers[parent] = append(triggers[parent], strings.ToLower(name))
			}
		}
	}
	s.views, s.triggers, s.loaded = views, triggers, true
	return nil
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
