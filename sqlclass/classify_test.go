package sqlclass

import (
	"slices"
	"strings"
	"testing"
)

// want is the expected classification; flags are letters:
// R ReadOnly, C Cacheable, U WritesUnknown, D DDL, P Pragma, T HasReturning, A Attach.
type want struct {
	n      int
	flags  string
	reads  string // space-separated
	writes string
	tx     TxKind
}

var classifyCases = []struct {
	sql  string
	want want
}{
	// plain reads
	{`SELECT 1`, want{1, "RC", "", "", TxNone}},
	{`select * from Users where id = ?`, want{1, "RC", "users", "", TxNone}},
	{`SELECT a FROM main.t`, want{1, "RC", "t", "", TxNone}},
	{`SELECT * FROM "My.Table"`, want{1, "RC", "my.table", "", TxNone}},
	{"SELECT * FROM [t1] JOIN `t2` ON 1", want{1, "RC", "t1 t2", "", TxNone}},
	{`SELECT * FROM "a""b"`, want{1, "RC", `a"b`, "", TxNone}},
	{`SELECT * FROM 'quoted'`, want{1, "RC", "quoted", "", TxNone}},
	{`SELECT * FROM a, b AS x, c y WHERE a.id = x.id`, want{1, "RC", "a b c", "", TxNone}},
	{`SELECT * FROM a LEFT OUTER JOIN b ON a.id=b.id NATURAL JOIN c CROSS JOIN d`, want{1, "RC", "a b c d", "", TxNone}},
	{`SELECT * FROM a JOIN b USING (id), c`, want{1, "RC", "a b c", "", TxNone}},
	{`SELECT * FROM (a JOIN b ON a.x = b.x)`, want{1, "RC", "a b", "", TxNone}},
	{`SELECT * FROM (SELECT * FROM inner1) s JOIN inner2 ON 1`, want{1, "RC", "inner1 inner2", "", TxNone}},
	{`SELECT (SELECT max(x) FROM sub) FROM t`, want{1, "RC", "sub t", "", TxNone}},
	{`SELECT * FROM t WHERE x IN (SELECT y FROM u)`, want{1, "RC", "t u", "", TxNone}},
	{`SELECT * FROM t WHERE x IN u`, want{1, "RC", "t u", "", TxNone}},
	{`SELECT * FROM t WHERE x NOT IN aux.u`, want{1, "RC", "t u", "", TxNone}},
	{`SELECT * FROM t WHERE EXISTS (SELECT 1 FROM u WHERE u.id = t.id)`, want{1, "RC", "t u", "", TxNone}},
	{`SELECT a FROM t UNION ALL SELECT a FROM u EXCEPT SELECT a FROM v`, want{1, "RC", "t u v", "", TxNone}},
	{`SELECT * FROM t t1 INDEXED BY idx, u NOT INDEXED`, want{1, "RC", "t u", "", TxNone}},
	{`VALUES (1, 2), (3, 4)`, want{1, "RC", "", "", TxNone}},
	{`SELECT id, row_number() OVER (PARTITION BY g ORDER BY x) FROM t WINDOW w AS (ORDER BY y)`, want{1, "RC", "t", "", TxNone}},
	{`SELECT rank() OVER w, lag(x, 1) OVER w FROM t WINDOW w AS (ORDER BY x)`, want{1, "RC", "t", "", TxNone}},
	{`SELECT count(*), sum(x), avg(x), group_concat(x, ',') FROM t GROUP BY g HAVING count(*) > 1 ORDER BY 1 LIMIT 5 OFFSET 2`, want{1, "RC", "t", "", TxNone}},
	{`SELECT json_extract(doc, '$.a'), lower(name), coalesce(a, b), CAST(x AS DECIMAL(10, 2)), replace(a, 'x', 'y') FROM t`, want{1, "RC", "t", "", TxNone}},
	{`SELECT doc ->> '$.a' FROM t`, want{1, "RC", "t", "", TxNone}},
	{`SELECT * FROM t, json_each(t.doc)`, want{1, "RC", "t", "", TxNone}},
	{`SELECT * FROM generate_series(1, 10)`, want{1, "RC", "", "", TxNone}},
	{`SELECT * FROM t WHERE a IS NOT DISTINCT FROM b`, want{1, "RC", "t", "", TxNone}},
	{`SELECT date(created_at), strftime('%Y', ts) FROM t`, want{1, "RC", "t", "", TxNone}},
	{`SELECT date('2024-01-01', '+1 day')`, want{1, "RC", "", "", TxNone}},
	// CTEs
	{`WITH r AS (SELECT * FROM t) SELECT * FROM r`, want{1, "RC", "t", "", TxNone}},
	{`WITH a(x) AS (SELECT x FROM t), b AS MATERIALIZED (SELECT * FROM a JOIN u) SELECT * FROM b`, want{1, "RC", "t u", "", TxNone}},
	{`WITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n+1 FROM c WHERE n < 10) SELECT n FROM c`, want{1, "RC", "c", "", TxNone}},
	{`SELECT * FROM (WITH x AS (SELECT 1) SELECT * FROM x) JOIN x`, want{1, "RC", "x", "", TxNone}},
	// comments and literals hide keywords
	{`SELECT 'DELETE FROM x' FROM t`, want{1, "RC", "t", "", TxNone}},
	{"SELECT 1 -- ; DROP TABLE t\n", want{1, "RC", "", "", TxNone}},
	{`SELECT /* DELETE FROM x; */ a FROM t`, want{1, "RC", "t", "", TxNone}},
	{`SELECT "DELETE" FROM t`, want{1, "RC", "t", "", TxNone}},
	// non-deterministic
	{`SELECT random()`, want{1, "R", "", "", TxNone}},
	{`SELECT randomblob(16)`, want{1, "R", "", "", TxNone}},
	{`SELECT changes()`, want{1, "R", "", "", TxNone}},
	{`SELECT total_changes()`, want{1, "R", "", "", TxNone}},
	{`SELECT last_insert_rowid()`, want{1, "R", "", "", TxNone}},
	{`SELECT load_extension('x')`, want{1, "R", "", "", TxNone}},
	{`SELECT date('now')`, want{1, "R", "", "", TxNone}},
	{`SELECT datetime('NOW', 'localtime')`, want{1, "R", "", "", TxNone}},
	{`SELECT strftime('%H:%M:%f')`, want{1, "R", "", "", TxNone}},
	{`SELECT strftime('%s')`, want{1, "R", "", "", TxNone}},
	{`SELECT strftime('%Y', '2024-01-01')`, want{1, "RC", "", "", TxNone}},
	{`SELECT date(), time(), datetime(), julianday(), unixepoch()`, want{1, "R", "", "", TxNone}},
	{`SELECT timediff('2024-01-02')`, want{1, "R", "", "", TxNone}},
	{`SELECT timediff('2024-01-02', '2024-01-01')`, want{1, "RC", "", "", TxNone}},
	{`SELECT julianday()`, want{1, "R", "", "", TxNone}},
	{`SELECT unixepoch(?)`, want{1, "R", "", "", TxNone}},
	{`SELECT * FROM t WHERE d > CURRENT_TIMESTAMP`, want{1, "R", "t", "", TxNone}},
	{`SELECT CURRENT_DATE, CURRENT_TIME`, want{1, "R", "", "", TxNone}},
	{`SELECT my_udf(x) FROM t`, want{1, "R", "t", "", TxNone}},
	{`SELECT * FROM fts_docs('term')`, want{1, "R", "fts_docs", "", TxNone}},
	{`SELECT * FROM pragma_table_info('t')`, want{1, "R", "pragma_table_info", "", TxNone}},
	{`SELECT name FROM sqlite_schema`, want{1, "R", "sqlite_schema", "", TxNone}},
	{`EXPLAIN QUERY PLAN SELECT * FROM t`, want{1, "R", "", "", TxNone}},
	{`EXPLAIN DELETE FROM t`, want{1, "R", "", "", TxNone}},
	// writes
	{`INSERT INTO t (a, b) VALUES (?, ?)`, want{1, "", "", "t", TxNone}},
	{`insert or ignore into Main.T values (1)`, want{1, "", "", "t", TxNone}},
	{`REPLACE INTO t VALUES (1)`, want{1, "", "", "t", TxNone}},
	{`INSERT INTO t SELECT * FROM u JOIN v ON 1`, want{1, "", "u v", "t", TxNone}},
	{`INSERT INTO t AS x (a) VALUES (1) ON CONFLICT (a) DO UPDATE SET a = excluded.a + x.a`, want{1, "", "", "t", TxNone}},
	{`INSERT INTO t DEFAULT VALUES RETURNING id`, want{1, "T", "", "t", TxNone}},
	{`UPDATE t SET a = (SELECT max(b) FROM u) WHERE id = ?`, want{1, "", "u", "t", TxNone}},
	{`UPDATE OR REPLACE t SET a = u.a FROM u WHERE t.id = u.id`, want{1, "", "u", "t", TxNone}},
	{`DELETE FROM t WHERE id IN (SELECT id FROM u) RETURNING *`, want{1, "T", "u", "t", TxNone}},
	{`WITH old AS (SELECT id FROM u) DELETE FROM t WHERE id IN old`, want{1, "", "u", "t", TxNone}},
	{`WITH s AS (SELECT * FROM src) INSERT INTO dst SELECT * FROM s`, want{1, "", "src", "dst", TxNone}},
	{`WITH t AS (SELECT 1) INSERT INTO t VALUES (1)`, want{1, "", "", "t", TxNone}},
	// multi-statement
	{`SELECT * FROM a; SELECT * FROM b;`, want{2, "RC", "a b", "", TxNone}},
	{`SELECT * FROM a; DELETE FROM b`, want{2, "", "a", "b", TxNone}},
	{`;;SELECT 1;;`, want{1, "RC", "", "", TxNone}},
	{`BEGIN; INSERT INTO t VALUES (1); COMMIT`, want{3, "", "", "t", TxCommit}},
	// DDL
	{`CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(10) REFERENCES p(id))`, want{1, "D", "", "t", TxNone}},
	{`CREATE TABLE IF NOT EXISTS s.t AS SELECT * FROM u`, want{1, "D", "u", "t", TxNone}},
	{`CREATE TEMP VIEW v(a) AS SELECT a FROM t`, want{1, "D", "t", "v", TxNone}},
	{`CREATE UNIQUE INDEX IF NOT EXISTS i ON t(a, b) WHERE a > 0`, want{1, "D", "", "t", TxNone}},
	{`CREATE VIRTUAL TABLE f USING fts5(a, b)`, want{1, "D", "", "f", TxNone}},
	{"CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE u SET n = CASE WHEN 1 THEN 2 END; INSERT INTO log SELECT * FROM w; END", want{1, "UD", "t w", "log u", TxNone}},
	{`DROP TABLE IF EXISTS t`, want{1, "D", "", "t", TxNone}},
	{`DROP VIEW v`, want{1, "D", "", "v", TxNone}},
	{`DROP INDEX i`, want{1, "UD", "", "", TxNone}},
	{`ALTER TABLE t RENAME TO u`, want{1, "D", "", "t u", TxNone}},
	{`ALTER TABLE t ADD COLUMN c TEXT`, want{1, "D", "", "t", TxNone}},
	{`ALTER TABLE t RENAME COLUMN a TO b`, want{1, "D", "", "t", TxNone}},
	{`VACUUM`, want{1, "D", "", "", TxNone}},
	{`ANALYZE t`, want{1, "D", "", "", TxNone}},
	{`REINDEX`, want{1, "D", "", "", TxNone}},
	// pragma, attach
	{`PRAGMA foreign_keys = ON`, want{1, "UP", "", "", TxNone}},
	{`PRAGMA table_info(t)`, want{1, "UP", "", "", TxNone}},
	{`ATTACH DATABASE 'x.db' AS aux`, want{1, "UA", "", "", TxNone}},
	{`DETACH aux`, want{1, "UA", "", "", TxNone}},
	// transactions
	{`BEGIN`, want{1, "", "", "", TxBegin}},
	{`begin immediate transaction`, want{1, "", "", "", TxBegin}},
	{`COMMIT`, want{1, "", "", "", TxCommit}},
	{`END TRANSACTION`, want{1, "", "", "", TxCommit}},
	{`ROLLBACK`, want{1, "", "", "", TxRollback}},
	{`ROLLBACK TO SAVEPOINT sp1`, want{1, "", "", "", TxRollbackTo}},
	{`SAVEPOINT sp1`, want{1, "", "", "", TxSavepoint}},
	{`RELEASE sp1`, want{1, "", "", "", TxRelease}},
	// garbage and edge cases: conservative
	{``, want{0, "", "", "", TxNone}},
	{`   -- only a comment`, want{0, "", "", "", TxNone}},
	{`SELEC * FROM t`, want{1, "U", "", "", TxNone}},
	{`SELECT * FROM t WHERE (a = 1`, want{1, "U", "t", "", TxNone}},
	{`SELECT 'unterminated`, want{1, "U", "", "", TxNone}},
	{`SELECT 1 /* unterminated DELETE FROM t`, want{1, "U", "t", "", TxNone}},
	{`SELECT café FROM t`, want{1, "U", "t", "", TxNone}},
	{`DELETE`, want{1, "U", "", "", TxNone}},
	{`INSERT t VALUES (1)`, want{1, "U", "", "", TxNone}},
	{`\x00\xff`, want{1, "U", "", "", TxNone}},
}

func TestClassify(t *testing.T) {
	if len(classifyCases) < 60 {
		t.Fatalf("only %d cases", len(classifyCases))
	}
	for _, tc := range classifyCases {
		t.Run(tc.sql, func(t *testing.T) {
			got := Classify(tc.sql)
			w := tc.want
			flags := map[byte]bool{'R': got.ReadOnly, 'C': got.Cacheable, 'U': got.WritesUnknown, 'D': got.DDL,
				'P': got.Pragma, 'T': got.HasReturning, 'A': got.Attach}
			for f, v := range flags {
				if v != strings.Contains(w.flags, string(f)) {
					t.Errorf("flag %c = %v, want %v (flags %q)", f, v, !v, w.flags)
				}
			}
			if got.Statements != w.n {
				t.Errorf("Statements = %d, want %d", got.Statements, w.n)
			}
			if !slices.Equal(got.ReadTables, strings.Fields(w.reads)) {
				t.Errorf("ReadTables = %q, want %q", got.ReadTables, w.reads)
			}
			if !slices.Equal(got.WriteTables, strings.Fields(w.writes)) {
				t.Errorf("WriteTables = %q, want %q", got.WriteTables, w.writes)
			}
			if got.Transaction != w.tx {
				t.Errorf("Transaction = %v, want %v", got.Transaction, w.tx)
			}
			checkInvariants(t, tc.sql, got)
		})
	}
}

// checkInvariants holds for every input.
func checkInvariants(t *testing.T, sql string, got Info) {
	t.Helper()
	if got.ReadOnly && (len(got.WriteTables) > 0 || got.WritesUnknown || got.DDL || got.Pragma || got.Attach) {
		t.Errorf("%q: read-only but writes: %+v", sql, got)
	}
	if got.Cacheable && !got.ReadOnly {
		t.Errorf("%q: cacheable but not read-only", sql)
	}
	if got.Statements == 0 && got.ReadOnly {
		t.Errorf("%q: no statement but read-only", sql)
	}
}

func TestInfoHelpers(t *testing.T) {
	tests := []struct {
		sql              string
		writes, invalAll bool
	}{
		{`SELECT 1`, false, false},
		{`INSERT INTO t VALUES (1)`, true, false},
		{`CREATE TABLE t (a)`, true, true},
		{`PRAGMA x`, true, true},
		{`ATTACH 'f' AS a`, true, true},
		{`BEGIN`, false, false},
	}
	for _, tt := range tests {
		i := Classify(tt.sql)
		if i.Writes() != tt.writes || i.InvalidatesAll() != tt.invalAll {
			t.Errorf("%q: Writes=%v InvalidatesAll=%v, want %v %v", tt.sql, i.Writes(), i.InvalidatesAll(), tt.writes, tt.invalAll)
		}
	}
	if TxRollbackTo.String() != "rollback to" || TxNone.String() != "none" {
		t.Error("TxKind.String")
	}
}

func TestMemo(t *testing.T) {
	m := newMemo(32)
	for i := range 200 {
		m.classify("SELECT " + strings.Repeat("1+", i) + "1")
	}
	if n := m.len(); n > 32 {
		t.Fatalf("memo holds %d entries, bound 32", n)
	}
	q := "SELECT * FROM t"
	a, b := m.classify(q), m.classify(q)
	if !slices.Equal(a.ReadTables, b.ReadTables) || !a.Cacheable || !b.Cacheable {
		t.Fatal("memoized result differs")
	}
	long := "SELECT * FROM t WHERE a IN (" + strings.Repeat("1,", memoMaxSQL) + "1)"
	before := m.len()
	if !m.classify(long).Cacheable || m.len() != before {
		t.Fatal("long SQL must be classified but not memoized")
	}
}
