// Package sqlclass is the only part of turso-pooled that reads SQL. It
// decides what a SQL string does — its kind, whether it only reads, whether
// its result may be cached, which tables it reads and writes, which rows it
// is restricted to by key, and what it does to the session — for the result
// cache, compression and session tracking; and it reads the schema's
// CREATE TABLE, CREATE TRIGGER and CREATE VIEW statements for them.
//
// # Method
//
// The string is tokenized with the upstream ANTLR SQLite lexer
// (github.com/tursodatabase/libsql-client-go/sqliteparser), so comments,
// string literals and quoted identifiers are never mistaken for keywords.
// Statements are split at top-level ";" with the rule of the upstream
// sqliteparserutils splitter (CREATE TRIGGER bodies stay whole), applied to
// the same tokens so the string is lexed once and nothing is printed on
// errors. Each statement is then classified by its leading keywords and a
// single pass that tracks parenthesis depth and FROM clauses.
//
// The full ANTLR parser was measured and rejected for the cold path: it
// costs 0.4–0.6 ms and 2,400–4,200 allocations per typical statement
// (BenchmarkFullParser) against 10–23 µs for the lexer-based classifier, and
// its grammar predates SQLite syntax in common use (->, ->>, MATERIALIZED,
// IS DISTINCT FROM), which it would reject. Results are memoized anyway in a
// bounded table (4,096 strings of up to 4 KiB, CLOCK eviction, read-locked
// hits), so the hot path is a map lookup.
//
// # Conservative rules
//
//   - Anything not understood (unknown statement, unbalanced parentheses,
//     characters the lexer cannot tokenize such as non-ASCII identifiers,
//     unterminated quotes or comments) is not read-only and sets
//     WritesUnknown.
//   - Table names are lower-cased (ASCII) and lose their schema qualifier:
//     "aux.t" and "t" are the same name, which can only cause extra
//     invalidation. CTE names are not tables after their definition; inside
//     their own body (recursive CTEs) they are reported as tables.
//   - Cacheable requires every function call to be on an allow-list of
//     deterministic built-ins. Unknown (user, extension) functions,
//     random(), randomblob(), changes(), total_changes(),
//     last_insert_rowid(), load_extension() and CURRENT_DATE/TIME/TIMESTAMP
//     are not cacheable. Date/time functions are cacheable only with
//     arguments, none of which is the literal 'now' or a bind parameter; a
//     column holding the text 'now' is the remaining (documented) gap, bounded
//     by the cache's MaxTTL. Reading sqlite_* tables, table-valued functions
//     other than json_each, json_tree and generate_series, and EXPLAIN are
//     not cacheable.
//   - DDL, PRAGMA, ATTACH and DETACH should invalidate every cached result
//     ([Info.InvalidatesAll]).
//
// # Keys
//
// For a single SELECT, INSERT, REPLACE, UPDATE or DELETE of one table
// without sub-query, [Info.Keys] reports the key predicates of the WHERE
// clause's top-level AND (col = v, v = col, col IS v, col IN (v, ...) with
// literals and bind parameters), the columns an UPDATE assigns, and an
// INSERT's column list, VALUES rows and ON CONFLICT clauses. Bind
// parameters are identified as database/sql passes their arguments, with
// the numbering of [StoredParams] (?NNN, :x, @x, $x), and only when that is
// certain; [Keys.Arg] resolves them as the upstream client binds them.
// [Info.ReadKey] and [Info.WriteKeys] interpret the keys against a table's
// declaration ([ParseCreateTable]): they canonicalize every value by the
// column's affinity and collation, so that values SQLite may compare equal
// ('1', 1 and 1.0 on a numeric column; 'a' and 'A' under NOCASE; 'a' and
// 'a ' under RTRIM; text and a blob of the same bytes) share a key and
// distinct values mostly do not; they treat the rowid and its aliases as
// one column ([RowidColumn]); and they refuse to key what could touch
// other rows: an UPDATE of its key column, REPLACE and UPDATE OR REPLACE,
// a table with an ON CONFLICT REPLACE constraint, an UPSERT whose DO
// UPDATE target is not the rowid. A test checks the canonicalization
// against SQLite itself, and a differential test checks both functions
// against SQLite with the cache's invalidation rule as a model.
//
// # What SQL text cannot tell
//
// WriteTables lists syntactic targets. A write can change other tables
// through triggers and foreign-key actions (ON DELETE CASCADE ...), and a
// read of a view reads the view's underlying tables. Neither is visible in
// the statement. A sound cache must therefore either invalidate everything
// on writes when the schema has triggers, views or foreign-key actions, or
// expand names through a dependency map built from sqlite_schema with this
// package: [Classify] of a CREATE VIEW reports its body's tables as read,
// [ParseTrigger] the tables a trigger's body writes (or that it is not
// understood), [ForeignKeys] the parent tables and ON DELETE/UPDATE actions
// of a CREATE TABLE, whatever the quoting of their names.
package sqlclass
