package sqlclass

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// footprintSchema is the schema of the footprint tests: every column class,
// collation, a rowid alias, a WITHOUT ROWID composite key, a generated
// column, defaults, and a table with an ON CONFLICT REPLACE constraint.
var footprintSchema = []string{
	`CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, s TEXT COLLATE NOCASE, rt TEXT COLLATE RTRIM,
		b BLOB, u TEXT UNIQUE, d TEXT DEFAULT 'x', e INTEGER DEFAULT (1 + 1), g INTEGER AS (n * 2), w TEXT COLLATE custom)`,
	`CREATE TABLE c (x INTEGER, y TEXT, v TEXT, PRIMARY KEY (x, y)) WITHOUT ROWID`,
	`CREATE TABLE p (id INTEGER PRIMARY KEY DESC, v TEXT)`,
	`CREATE TABLE rep (id INTEGER PRIMARY KEY, k TEXT UNIQUE ON CONFLICT REPLACE)`,
	`CREATE TABLE shadow (oid TEXT, v TEXT)`,
}

func footprintTables(t *testing.T) map[string]*Table {
	t.Helper()
	out := map[string]*Table{}
	for _, sql := range footprintSchema {
		tbl, ok := ParseCreateTable(sql)
		if !ok {
			t.Fatalf("ParseCreateTable(%q) failed", sql)
		}
		out[tbl.Name] = &tbl
	}
	return out
}

func positional(vals ...driver.Value) []driver.NamedValue {
	out := make([]driver.NamedValue, len(vals))
	for i, v := range vals {
		out[i] = driver.NamedValue{Ordinal: i + 1, Value: v}
	}
	return out
}

// keyName renders a key column for the tests: "rowid" for RowidColumn.
func keyName(c string) string { return strings.ReplaceAll(c, RowidColumn, "rowid") }

func keyVals(v []string) string { return strings.ReplaceAll(strings.Join(v, ","), FreshRowid, "fresh") }

func formatReadKey(k ReadKey, ok bool) string {
	if !ok {
		return ""
	}
	s := k.Table + "." + keyName(k.Column) + "=" + keyVals(k.Values)
	if k.RowProves {
		s += " proves"
	}
	return s
}

func formatWriteKeys(w WriteKeys, ok bool) string {
	if !ok {
		return ""
	}
	var parts []string
	for _, cv := range w.Keyed {
		parts = append(parts, keyName(cv.Column)+"="+keyVals(cv.Values))
	}
	var un []string
	for _, c := range w.Unkeyed {
		un = append(un, keyName(c))
	}
	return strings.Join(parts, " ") + " | " + strings.Join(un, ",")
}

func TestReadKey(t *testing.T) {
	tables := footprintTables(t)
	tests := []struct {
		sql  string
		args []driver.NamedValue
		want string // "" means table level
	}{
		{`SELECT * FROM t WHERE id = ?`, positional(int64(5)), "t.rowid=i5,fresh proves"},
		// rowid aliases are one key column; '5', 5 and 5.0 share a key
		{`SELECT * FROM t WHERE rowid = '5'`, nil, "t.rowid=i5,fresh proves"},
		{`SELECT * FROM t WHERE oid = 5.0`, nil, "t.rowid=i5,fresh proves"},
		{`SELECT * FROM t WHERE _rowid_ IN (?, 6)`, positional("5"), "t.rowid=i5,i6,fresh"},
		{`SELECT count(*) FROM t WHERE id = 5`, nil, "t.rowid=i5,fresh"},
		{`SELECT * FROM t WHERE n = '7'`, nil, "t.n=i7"},
		{`SELECT * FROM t WHERE r = 1`, nil, "t.r=i1"},
		{`SELECT * FROM t WHERE s = 'AbC'`, nil, "t.s=tabc"},
		{`SELECT * FROM t WHERE rt = 'abc  '`, nil, "t.rt=tabc"},
		{`SELECT * FROM t WHERE b = ?`, positional([]byte("abc")), "t.b=tabc"},
		{`SELECT * FROM t WHERE s IS NULL`, nil, "t.s=n"},
		{`SELECT * FROM t WHERE g = 4`, nil, "t.g=i4"},
		// preference: the rowid, then a UNIQUE column, then fewer values
		{`SELECT * FROM t WHERE n = 1 AND u = 'k' AND id = 2`, nil, "t.rowid=i2,fresh proves"},
		{`SELECT * FROM t WHERE n = 1 AND u = 'k'`, nil, "t.u=tk"},
		{`SELECT * FROM t WHERE n IN (1, 2) AND s = 'a'`, nil, "t.s=ta"},
		// not keyed
		{`SELECT * FROM t WHERE w = 'a'`, nil, ""},             // a collation SQLite does not build in
		{`SELECT * FROM t WHERE nope = 1`, nil, ""},            // not a column
		{`SELECT * FROM t WHERE id = ?`, nil, ""},              // no argument
		{`SELECT * FROM t WHERE id = :id`, positional(1), ""},  // positional argument for a named parameter
		{`SELECT * FROM t WHERE n = ?2`, positional(1, 2), ""}, // the upstream sends one positional argument
		{`SELECT * FROM t WHERE id = ?`, positional(int64(1), int64(2)), "t.rowid=i1,fresh proves"},
		{`SELECT * FROM t WHERE n = 1.234567890123456789`, nil, "t.n=r1.2345678901234567"},
		{`SELECT * FROM t WHERE n = '1.234567890123456789'`, nil, ""}, // text SQLite may round differently
		{`SELECT * FROM t WHERE n > 1`, nil, ""},
		{`SELECT * FROM t`, nil, ""},
		{`SELECT * FROM u WHERE id = 1`, nil, ""}, // another table
		// composite key: one column of it
		{`SELECT v FROM c WHERE x = 1 AND y = 'a'`, nil, "c.x=i1"},
		{`SELECT v FROM c WHERE rowid = 1`, nil, ""}, // WITHOUT ROWID: no rowid
		// PRIMARY KEY DESC in a column definition is no rowid alias
		{`SELECT v FROM p WHERE id = 1`, nil, "p.id=i1"},
		{`SELECT v FROM p WHERE rowid = 1`, nil, "p.rowid=i1,fresh proves"},
		// a declared column named oid shadows the rowid's name
		{`SELECT v FROM shadow WHERE oid = 1`, nil, "shadow.oid=i1"},
	}
	for _, tt := range tests {
		info := Classify(tt.sql)
		var tbl *Table
		if info.Keys != nil {
			tbl = tables[info.Keys.Table]
		}
		if got := formatReadKey(info.ReadKey(tbl, tt.args)); got != tt.want {
			t.Errorf("%s %v:\n got  %q\n want %q", tt.sql, tt.args, got, tt.want)
		}
	}
}

func TestWriteKeys(t *testing.T) {
	tables := footprintTables(t)
	const tCols = "n,r,s,rt,b,u,d,e,g"
	tests := []struct {
		sql  string
		args []driver.NamedValue
		want string // "keyed | unkeyed", "" means table level
	}{
		{`UPDATE t SET n = ? WHERE id = ?`, positional(1, int64(5)), "rowid=i5 | " + tCols},
		{`UPDATE t SET n = 1 WHERE id IN (5, '6') AND s = 'A'`, nil, "s=ta rowid=i5,i6 | n,r,rt,b,u,d,e,g"},
		// an UPDATE that assigns its key column, or a column a generated one reads, is not keyed on it
		{`UPDATE t SET id = 9 WHERE id = 5`, nil, ""},
		{`UPDATE t SET rowid = 9 WHERE id = 5`, nil, ""},
		{`UPDATE t SET n = 1 WHERE g = 4`, nil, ""},
		{`UPDATE t SET n = 1 WHERE id = 5 AND n = 2`, nil, "rowid=i5 | " + tCols},
		{`UPDATE OR REPLACE t SET u = 'k' WHERE id = 5`, nil, ""},
		{`UPDATE t SET n = 1`, nil, ""},
		{`UPDATE t SET n = 1 WHERE n > 2`, nil, ""},
		{`UPDATE t SET n = 1 WHERE id = ?`, nil, ""}, // argument unknown
		{`UPDATE rep SET k = 'a' WHERE id = 1`, nil, ""},
		{`DELETE FROM t WHERE id = ?`, positional(int64(5)), "rowid=i5 | " + tCols},
		{`DELETE FROM t WHERE g = 4`, nil, "g=i4 | n,r,s,rt,b,u,d,e,rowid"},
		{`DELETE FROM rep WHERE id = 1`, nil, "rowid=i1 | k"},
		{`DELETE FROM t`, nil, ""},
		// INSERT: every column given, defaults, NULL, the fresh rowid
		{`INSERT INTO t (id, n, s) VALUES (?, ?, ?), (6, '7', 'B')`, positional(int64(5), 1.0, "A"),
			"n=i1,i7 r=n s=ta,tb rt=n b=n u=n d=tx rowid=i5,i6 | e,g"},
		{`INSERT INTO t (n) VALUES (1)`, nil, "n=i1 r=n s=n rt=n b=n u=n d=tx rowid=fresh | e,g"},
		{`INSERT INTO t (id, n) VALUES (NULL, 1)`, nil, "n=i1 r=n s=n rt=n b=n u=n d=tx rowid=fresh | e,g"},
		{`INSERT INTO t (id, n) VALUES (?, lower(1))`, positional(nil), "r=n s=n rt=n b=n u=n d=tx rowid=fresh | n,e,g"},
		{`INSERT INTO t VALUES (1, 2, 3, 4, 5, 6, 7, 8, 9, 10)`, nil, "n=i2 r=i3 s=i4 rt=i5 b=i6 u=i7 d=i8 e=i9 rowid=i1 | g"},
		{`INSERT INTO t VALUES (1, 2)`, nil, ""},
		{`INSERT INTO t (nope) VALUES (1)`, nil, ""},
		{`INSERT INTO c (x, y, v) VALUES (1, 'a', 'v')`, nil, "x=i1 y=ta v=tv | "},
		{`INSERT OR IGNORE INTO c (x, y) VALUES (1, 'a')`, nil, "x=i1 y=ta v=n | "},
		// REPLACE deletes rows conflicting on any unique index: table level
		{`INSERT OR REPLACE INTO t (id, n) VALUES (1, 2)`, nil, ""},
		{`REPLACE INTO c (x, y, v) VALUES (1, 'a', 'v')`, nil, ""},
		{`INSERT INTO rep (id, k) VALUES (1, 'a')`, nil, ""}, // ON CONFLICT REPLACE in the schema
		// UPSERT: keyed on the rowid only when it is every DO UPDATE target
		{`INSERT INTO t (id, n) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET n = excluded.n`, nil, "rowid=i1 | " + tCols},
		{`INSERT INTO t (id, n) VALUES (1, 2) ON CONFLICT (rowid) DO NOTHING`, nil, "n=i2 r=n s=n rt=n b=n u=n d=tx rowid=i1 | e,g"},
		{`INSERT INTO t (id, u) VALUES (1, 'k') ON CONFLICT (u) DO UPDATE SET n = 1`, nil, ""},
		{`INSERT INTO t (id, u) VALUES (1, 'k') ON CONFLICT DO UPDATE SET n = 1`, nil, ""},
		{`INSERT INTO t (id, n) VALUES (1, 2) ON CONFLICT (id) DO UPDATE SET id = 3`, nil, ""},
		{`INSERT INTO c (x, y) VALUES (1, 'a') ON CONFLICT (x, y) DO UPDATE SET v = 'z'`, nil, ""},
		// not keyed at all
		{`INSERT INTO t (n) SELECT 1`, nil, ""},
		{`UPDATE t SET n = (SELECT 1) WHERE id = 1`, nil, ""},
		{`DELETE FROM t WHERE id IN (SELECT 1)`, nil, ""},
		{`DELETE FROM u WHERE id = 1`, nil, ""},
		{`SELECT * FROM t WHERE id = 1`, nil, ""},
	}
	for _, tt := range tests {
		info := Classify(tt.sql)
		var tbl *Table
		if info.Keys != nil {
			tbl = tables[info.Keys.Table]
		}
		if got := formatWriteKeys(info.WriteKeys(tbl, tt.args)); got != tt.want {
			t.Errorf("%s %v:\n got  %q\n want %q", tt.sql, tt.args, got, tt.want)
		}
	}
}

func TestTableKeyDeclarations(t *testing.T) {
	tests := []struct {
		sql, want string
	}{
		{`CREATE TABLE t (id INTEGER PRIMARY KEY, v)`, "alias=id"},
		{`CREATE TABLE t (id integer primary key autoincrement)`, "alias=id"},
		{`CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id))`, "alias=id"},
		{`CREATE TABLE t (id INTEGER, v, CONSTRAINT pk PRIMARY KEY (id ASC))`, "alias=id"},
		{`CREATE TABLE t (id INTEGER PRIMARY KEY DESC)`, "alias="},
		{`CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id DESC))`, "alias=id"}, // DESC counts only in the column form
		{`CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id COLLATE NOCASE DESC))`, "alias=id"},
		{`CREATE TABLE t (id INT PRIMARY KEY)`, "alias="},
		{`CREATE TABLE t (id INTEGER PRIMARY KEY) WITHOUT ROWID`, "alias= norowid"},
		{`CREATE TABLE t (a INTEGER, b INTEGER, PRIMARY KEY (a, b))`, "alias="},
		{`CREATE TABLE t (a TEXT UNIQUE ON CONFLICT REPLACE)`, "alias= replace"},
		{`CREATE TABLE t (a TEXT NOT NULL ON CONFLICT REPLACE)`, "alias= replace"},
		{`CREATE TABLE t (a TEXT, UNIQUE (a) ON CONFLICT REPLACE)`, "alias= replace"},
	}
	for _, tt := range tests {
		tbl, ok := ParseCreateTable(tt.sql)
		if !ok {
			t.Errorf("%s: not parsed", tt.sql)
			continue
		}
		got := "alias=" + tbl.RowidAlias
		if tbl.WithoutRowid {
			got += " norowid"
		}
		if tbl.ReplaceConflict {
			got += " replace"
		}
		if got != tt.want {
			t.Errorf("%s: %s, want %s", tt.sql, got, tt.want)
		}
	}
	tbl, _ := ParseCreateTable(`CREATE TABLE t (a TEXT COLLATE "nocase" DEFAULT -1, b DEFAULT (1), c DEFAULT NULL, d UNIQUE, e)`)
	var got []string
	for _, c := range tbl.Columns {
		got = append(got, fmt.Sprintf("%s:%s:%v:%v:%s", c.Name, c.Collation, c.Unique, c.HasDefault, c.Default))
	}
	if want := "a:NOCASE:false:true:-1 b::false:true:expr c::false:true:NULL d::true:false:expr e::false:false:expr"; strings.Join(got, " ") != want {
		t.Errorf("columns: %s\nwant %s", strings.Join(got, " "), want)
	}
	if !slices.Equal(footprintTables(t)["t"].keyColumnNames(), []string{"n", "r", "s", "rt", "b", "u", "d", "e", "g", "rowid"}) {
		t.Errorf("key columns of t: %v", footprintTables(t)["t"].keyColumnNames())
	}
}

// keyColumnNames lists t's key columns for the tests.
func (t *Table) keyColumnNames() []string {
	var out []string
	for _, k := range t.keyColumns() {
		out = append(out, keyName(k.name))
	}
	return out
}
