// Package sqlclass decides what a SQL string does — whether it only reads,
// whether its result may be cached, which tables it reads and writes, and
// whether it controls a transaction — for the turso-pooled result cache.
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
// # What SQL text cannot tell
//
// WriteTables lists syntactic targets. A write can change other tables
// through triggers and foreign-key actions (ON DELETE CASCADE ...), and a
// read of a view reads the view's underlying tables. Neither is visible in
// the statement. A sound cache must therefore either invalidate everything
// on writes when the schema has triggers, views or foreign-key actions, or
// expand names through a dependency map built from sqlite_schema: classify
// each view's and trigger's SQL with this package (CREATE VIEW reports the
// view as written and its body's tables as read; CREATE TRIGGER reports the
// tables its body reads and writes).
package sqlclass
