package tursopooled_test

import (
	"bytes"
	"database/sql"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"

	"github.com/turso-pooled/tursopooled/compress"
)

// Drop-in cases 3 and 4 of compression: with compress=br, everything a
// statement observes is what plain libsql gives (values written through
// functions, STRICT columns, WHERE and RETURNING arguments), compression
// still frames the values stored as given however the statement is spelled,
// and a stored blob never makes a row unreadable. Every case runs side by
// side with plain libsql on every transport.

// cdropBr is compression with a threshold low enough for the test values.
const cdropBr = "compress=br&compress_threshold=64"

// cdropDoc is a compressible text of about 1.3 KiB with lower-case letters.
var cdropDoc = strings.Repeat(`{"name":"turso","tags":["a","b"],"text":"the quick brown fox"} `, 20)

// cdropJSON is valid JSON with white space that json() removes.
var cdropJSON = "[" + strings.Repeat(`{"name": "turso", "tags": ["a", "b"]}, `, 30) + "{}]"

// cdropMagicHex is the hex of the first 4 bytes of every frame.
const cdropMagicHex = "F554505A"

// cdropValue is a column value as read back, with what SQL says about it.
type cdropValue struct {
	v      string // Go type and content of the scanned value
	typ    string // typeof()
	length int64  // length()
}

// String shows the value's type, its first bytes, typeof() and length().
func (v cdropValue) String() string {
	shown := v.v
	if len(shown) > 60 {
		shown = shown[:60] + "…"
	}
	return fmt.Sprintf("%s (typeof %s, length %d)", shown, v.typ, v.length)
}

// cdropRead reads column col of row id of tbl through db.
func cdropRead(t *testing.T, db *sql.DB, tbl, col string, id int) cdropValue {
	t.Helper()
	var (
		v   any
		out cdropValue
	)
	q := fmt.Sprintf("SELECT %[1]s, typeof(%[1]s), length(%[1]s) FROM %[2]s WHERE id = ?", col, tbl)
	if err := db.QueryRowContext(testCtx(t), q, id).Scan(&v, &out.typ, &out.length); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out.v = fmt.Sprintf("%T:%q", v, v)
	return out
}

// cdropStored returns typeof() and the hex of the first 4 bytes of column
// col of row id as plain libsql sees them.
func cdropStored(t *testing.T, raw *sql.DB, tbl, col string, id int) (typ, head string) {
	t.Helper()
	q := fmt.Sprintf("SELECT typeof(%[1]s), hex(substr(%[1]s, 1, 4)) FROM %[2]s WHERE id = ?", col, tbl)
	if err := raw.QueryRowContext(testCtx(t), q, id).Scan(&typ, &head); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return typ, head
}

// cdropDBs opens tg through plain libsql and through turso-pooled with
// compression, without and with the cache.
func cdropDBs(t *testing.T, tg target) (raw *sql.DB, pooled map[string]*sql.DB) {
	t.Helper()
	return openLibsql(t, tg), map[string]*sql.DB{
		"br":       openPooled(t, tg, cdropBr),
		"cache+br": openPooled(t, tg, "cache=on&"+cdropBr),
	}
}

// TestDropinCase3ValuesThroughExpressions: an argument that a statement
// does not store exactly as given (a function, an expression, a cast,
// INSERT ... SELECT), or stores in a column that would not hold a frame as
// it holds the value (STRICT TEXT, numeric affinity, a CHECK constraint, an
// expression index, a trigger that reads it), is sent as it is: the row —
// and what the triggers wrote — reads back the same, typeof() and length()
// included, through both drivers.
func TestDropinCase3ValuesThroughExpressions(t *testing.T) {
	cases := []struct {
		name, table, insert string
		value               any
	}{
		{"upper", "plain", "INSERT INTO %s (id, doc) VALUES (?, upper(?))", cdropDoc},
		{"trim", "plain", "INSERT INTO %s (id, doc) VALUES (?, trim(?))", "   " + cdropDoc + "   "},
		{"concat", "plain", "INSERT INTO %s (id, doc) VALUES (?, ? || '')", cdropDoc},
		{"cast", "plain", "INSERT INTO %s (id, doc) VALUES (?, CAST(? AS TEXT))", []byte(cdropDoc)},
		{"printf", "plain", "INSERT INTO %s (id, doc) VALUES (?, printf('%%s', ?))", cdropDoc},
		{"json", "plain", "INSERT INTO %s (id, doc) VALUES (?, json(?))", cdropJSON},
		{"strict text", "strict", "INSERT INTO %s (id, doc) VALUES (?, ?)", cdropDoc},
		{"strict text no column list", "strict", "INSERT INTO %s VALUES (?, ?)", cdropDoc},
		{"insert select", "plain", "INSERT INTO %s (id, doc) SELECT ?, ?", cdropDoc},
		{"numeric affinity", "numeric", "INSERT INTO %s (id, doc) VALUES (?, ?)", "  1." + strings.Repeat("0", 200) + "  "},
		{"check constraint", "checked", "INSERT INTO %s (id, doc) VALUES (?, ?)", cdropJSON},
		{"expression index", "indexed", "INSERT INTO %s (id, doc) VALUES (?, ?)", cdropJSON},
		{"trigger on the table", "triggered", "INSERT INTO %s (id, doc) VALUES (?, ?)", cdropDoc},
		{"trigger on another table", "crossed", "INSERT INTO %s (id, doc) VALUES (?, ?)", cdropDoc},
	}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw, pooled := cdropDBs(t, tg)
			tables := cdropCase3Tables(t, raw)
			id := 0
			for _, tc := range cases {
				tbl := tables[tc.table]
				id++
				want := id
				mustExec(t, raw, fmt.Sprintf(tc.insert, tbl), id, tc.value)
				mustExec(t, raw, "INSERT INTO "+tables["poke"]+" (id) VALUES (?)", id)
				base := cdropRead(t, raw, tbl, "doc", want)
				logged := tc.table == "triggered" || tc.table == "crossed"
				var baseLog cdropValue
				if logged {
					baseLog = cdropRead(t, raw, tables["log"], "body", want)
				}
				for name, db := range pooled {
					id++
					if _, err := db.ExecContext(testCtx(t), fmt.Sprintf(tc.insert, tbl), id, tc.value); err != nil {
						t.Errorf("%s via %s: %v (plain libsql succeeds)", tc.name, name, err)
						continue
					}
					mustExec(t, raw, "INSERT INTO "+tables["poke"]+" (id) VALUES (?)", id)
					for reader, rdb := range map[string]*sql.DB{"libsql": raw, name: db} {
						if got := cdropRead(t, rdb, tbl, "doc", id); got != base {
							t.Errorf("%s written via %s, read via %s: %v, want %v", tc.name, name, reader, got, base)
						}
						if !logged {
							continue
						}
						if got := cdropRead(t, rdb, tables["log"], "body", id); got != baseLog {
							t.Errorf("%s written via %s, trigger output read via %s: %v, want %v", tc.name, name, reader, got, baseLog)
						}
					}
				}
			}
		})
	}
}

// cdropCase3Tables creates the tables of the case-3 value checks through
// raw and returns their names by kind. Every insert is followed by one into
// "poke", whose trigger copies upper(doc) of the "crossed" row of the same
// id into "log"; the "triggered" table's own trigger does the same.
func cdropCase3Tables(t *testing.T, raw *sql.DB) map[string]string {
	t.Helper()
	tables := map[string]string{}
	for _, kind := range []string{"plain", "strict", "numeric", "checked", "indexed", "triggered", "crossed", "log", "poke"} {
		tables[kind] = tableName("c3" + kind[:2])
	}
	for _, ddl := range []string{
		"CREATE TABLE %[1]s (id INTEGER PRIMARY KEY, doc TEXT)",
		"CREATE TABLE %[2]s (id INTEGER PRIMARY KEY, doc TEXT) STRICT",
		"CREATE TABLE %[3]s (id INTEGER PRIMARY KEY, doc NUMERIC)",
		"CREATE TABLE %[4]s (id INTEGER PRIMARY KEY, doc TEXT CHECK (json_valid(doc)))",
		"CREATE TABLE %[5]s (id INTEGER PRIMARY KEY, doc TEXT)",
		"CREATE INDEX %[5]s_name ON %[5]s (json_extract(doc, '$[0].name'))",
		"CREATE TABLE %[6]s (id INTEGER PRIMARY KEY, doc TEXT)",
		"CREATE TABLE %[7]s (id INTEGER PRIMARY KEY, doc TEXT)",
		"CREATE TABLE %[8]s (id INTEGER PRIMARY KEY, body TEXT)",
		"CREATE TABLE %[9]s (id INTEGER PRIMARY KEY)",
		"CREATE TRIGGER %[6]s_log AFTER INSERT ON %[6]s BEGIN INSERT INTO %[8]s (id, body) VALUES (new.id, upper(new.doc)); END",
		"CREATE TRIGGER %[9]s_log AFTER INSERT ON %[9]s BEGIN INSERT OR REPLACE INTO %[8]s (id, body) SELECT id, upper(doc) FROM %[7]s WHERE id = new.id; END",
	} {
		mustExec(t, raw, fmt.Sprintf(ddl, tables["plain"], tables["strict"], tables["numeric"], tables["checked"],
			tables["indexed"], tables["triggered"], tables["crossed"], tables["log"], tables["poke"]))
	}
	return tables
}

// TestDropinCase3StrictBlobAndAny: STRICT BLOB and ANY columns may hold
// frames; the values read back through turso-pooled are what plain libsql
// wrote and reads. Text sent to a STRICT BLOB column fails as it does with
// plain libsql instead of being stored as a frame.
func TestDropinCase3StrictBlobAndAny(t *testing.T) {
	blob := bytes.Repeat([]byte("binary-payload-"), 100)
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw, pooled := cdropDBs(t, tg)
			tbl := tableName("c3b")
			mustExec(t, raw, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, b BLOB, a ANY, t ANY) STRICT")
			insert := "INSERT INTO " + tbl + " (id, b, a, t) VALUES (?, ?, ?, ?)"
			mustExec(t, raw, insert, 1, blob, blob, cdropDoc)
			want := map[string]cdropValue{}
			for _, col := range []string{"b", "a", "t"} {
				want[col] = cdropRead(t, raw, tbl, col, 1)
			}
			id := 1
			for name, db := range pooled {
				id++
				if _, err := db.ExecContext(testCtx(t), insert, id, blob, blob, cdropDoc); err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				for _, col := range []string{"b", "a", "t"} {
					got := cdropRead(t, db, tbl, col, id)
					if got.v != want[col].v {
						t.Errorf("%s: column %s reads back %v, want %v", name, col, got, want[col])
					}
					if typ, head := cdropStored(t, raw, tbl, col, id); typ != "blob" || head != cdropMagicHex {
						t.Errorf("%s: column %s stored as %s %s, want a frame (the column may hold one)", name, col, typ, head)
					}
				}
				_, rawErr := raw.ExecContext(testCtx(t), "INSERT INTO "+tbl+" (id, b) VALUES (?, ?)", 100+id, cdropDoc)
				_, err := db.ExecContext(testCtx(t), "INSERT INTO "+tbl+" (id, b) VALUES (?, ?)", 200+id, cdropDoc)
				if (rawErr == nil) != (err == nil) {
					t.Errorf("%s: text into a STRICT BLOB column: error %v, plain libsql %v", name, err, rawErr)
				}
			}
		})
	}
}

// TestDropinCase3WhereArgument: an argument compared in WHERE is sent as it
// is, so it matches a row that plain libsql stored (a value that
// turso-pooled stored framed does not match one: see README).
func TestDropinCase3WhereArgument(t *testing.T) {
	other := strings.ToUpper(cdropDoc)
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw, pooled := cdropDBs(t, tg)
			for name, db := range pooled {
				tbl := tableName("c3w")
				mustExec(t, raw, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, doc TEXT, n INTEGER DEFAULT 0)")
				mustExec(t, raw, "INSERT INTO "+tbl+" (id, doc) VALUES (1, ?)", cdropDoc)
				checks := []struct {
					query string
					args  []any
				}{
					{"UPDATE " + tbl + " SET n = n + 1 WHERE doc = ?", []any{cdropDoc}},
					{"UPDATE " + tbl + " SET doc = ? WHERE doc = ?", []any{other, cdropDoc}},
				}
				for _, c := range checks {
					res, err := db.ExecContext(testCtx(t), c.query, c.args...)
					if err != nil {
						t.Fatalf("%s: %s: %v", name, c.query, err)
					}
					if n, _ := res.RowsAffected(); n != 1 {
						t.Errorf("%s: %s affected %d rows, want 1", name, c.query, n)
					}
				}
				if got := cdropRead(t, db, tbl, "doc", 1).v; got != fmt.Sprintf("%T:%q", other, other) {
					t.Errorf("%s: doc after UPDATE = %.60s", name, got)
				}
				var n int
				if err := db.QueryRowContext(testCtx(t), "SELECT n FROM "+tbl+" WHERE doc = ?", cdropDoc).Scan(&n); err != sql.ErrNoRows {
					t.Errorf("%s: the old value still matches: n=%d err=%v", name, n, err)
				}
			}
		})
	}
}

// TestDropinCase3Returning: a RETURNING argument comes back as it was sent,
// an argument that is both stored and returned is not framed, and a stored
// column that RETURNING returns reads back as written.
func TestDropinCase3Returning(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw, pooled := cdropDBs(t, tg)
			tbl := tableName("c3r")
			mustExec(t, raw, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, doc TEXT)")
			queries := []string{
				"INSERT INTO %s (id, doc) VALUES (?1, 'x') RETURNING ?2, typeof(?2), length(?2)",
				"INSERT INTO %s (id, doc) VALUES (?1, ?2) RETURNING doc, typeof(?2), length(?2)",
				"INSERT INTO %s (id, doc) VALUES (?1, ?2) RETURNING doc, 'returned', 0",
			}
			id := 0
			for _, q := range queries {
				var results []string
				for _, db := range []*sql.DB{raw, pooled["br"], pooled["cache+br"]} {
					id++
					var (
						v   any
						typ string
						n   int64
					)
					if err := db.QueryRowContext(testCtx(t), fmt.Sprintf(q, tbl), id, cdropDoc).Scan(&v, &typ, &n); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
					results = append(results, fmt.Sprintf("typeof %s, length %d, %T:%q", typ, n, v, v))
				}
				for i, r := range results[1:] {
					if r != results[0] {
						t.Errorf("%s: turso-pooled #%d returns %.80s, plain libsql %.80s", q, i+1, r, results[0])
					}
				}
			}
		})
	}
}

// TestDropinCase3FramesEverySpelling: compression still frames a value
// stored as given whatever the statement's spelling (line breaks, tabs,
// leading comments, WITH, REPLACE, named parameters, upserts, UPDATE):
// plain libsql sees a BLOB that starts with the frame magic, turso-pooled
// reads back the text.
func TestDropinCase3FramesEverySpelling(t *testing.T) {
	cases := []struct {
		name, setup, query string
		args               func(id int) []any
	}{
		{"newline", "", "INSERT\nINTO %s (id, doc) VALUES (?, ?)", nil},
		{"tab lower case", "", "insert\tinto %s (id, doc) values (?, ?)", nil},
		{"sqlc comment", "", "-- name: CreateDoc :exec\nINSERT INTO %s (id, doc) VALUES (?, ?)", nil},
		{"block comment", "", "/* CreateDoc */ INSERT INTO %s (id, doc) VALUES (?, ?)", nil},
		{"with", "", "WITH x AS (SELECT 1) INSERT INTO %s (id, doc) VALUES (?, ?)", nil},
		{"replace", "", "REPLACE INTO %s (id, doc) VALUES (?, ?)", nil},
		{"insert or replace", "", "INSERT OR REPLACE INTO %s (id, doc) VALUES (?, ?)", nil},
		{"no column list", "", "INSERT INTO %s VALUES (?, ?)", nil},
		{"numbered", "", "INSERT INTO %s (doc, id) VALUES (?2, ?1)", nil},
		{"named", "", "INSERT INTO %s (id, doc) VALUES (:id, :doc)",
			func(id int) []any { return []any{sql.Named("id", id), sql.Named("doc", cdropDoc)} }},
		{"upsert", "INSERT INTO %s (id, doc) VALUES (?, 'x')", "INSERT INTO %s (id, doc) VALUES (?1, 'y') ON CONFLICT (id) DO UPDATE SET doc = ?2", nil},
		{"update", "INSERT INTO %s (id, doc) VALUES (?, 'x')", "UPDATE %s SET doc = ?2 WHERE id = ?1", nil},
	}
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw, pooled := cdropDBs(t, tg)
			for name, db := range pooled {
				tbl := tableName("c3f")
				mustExec(t, raw, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, doc TEXT)")
				for id, tc := range cases {
					if tc.setup != "" {
						mustExec(t, raw, fmt.Sprintf(tc.setup, tbl), id)
					}
					args := []any{id, cdropDoc}
					if tc.args != nil {
						args = tc.args(id)
					}
					if _, err := db.ExecContext(testCtx(t), fmt.Sprintf(tc.query, tbl), args...); err != nil {
						t.Fatalf("%s %s: %v", name, tc.name, err)
					}
					if typ, head := cdropStored(t, raw, tbl, "doc", id); typ != "blob" || head != cdropMagicHex {
						t.Errorf("%s %s: stored as %s starting %s, want a frame", name, tc.name, typ, head)
					}
					if got := cdropRead(t, db, tbl, "doc", id).v; got != fmt.Sprintf("%T:%q", cdropDoc, cdropDoc) {
						t.Errorf("%s %s: reads back %.60s", name, tc.name, got)
					}
				}
			}
		})
	}
}

// TestDropinCase3SchemaChanges: with the cache off, DDL through the
// connector is seen by compression: a new table and a column added by ALTER
// TABLE are framed, and a table dropped and created again STRICT is not.
func TestDropinCase3SchemaChanges(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw := openLibsql(t, tg)
			db := openPooled(t, tg, cdropBr+"&pool_max_conns=2")
			first, second := tableName("c3d"), tableName("c3d")
			mustExec(t, db, "CREATE TABLE "+first+" (id INTEGER PRIMARY KEY, doc TEXT)")
			mustExec(t, db, "INSERT INTO "+first+" (id, doc) VALUES (1, ?)", cdropDoc) // loads the schema
			steps := []struct {
				ddl, insert string
				framed      bool
			}{
				{"CREATE TABLE " + second + " (id INTEGER PRIMARY KEY, doc TEXT)", "INSERT INTO " + second + " (id, doc) VALUES (?, ?)", true},
				{"ALTER TABLE " + first + " ADD COLUMN extra TEXT", "INSERT INTO " + first + " (id, extra) VALUES (?, ?)", true},
				{"DROP TABLE " + second, "", false},
				{"CREATE TABLE " + second + " (id INTEGER PRIMARY KEY, doc TEXT) STRICT", "INSERT INTO " + second + " (id, doc) VALUES (?, ?)", false},
			}
			for i, s := range steps {
				mustExec(t, db, s.ddl)
				if s.insert == "" {
					continue
				}
				id := 10 + i
				if _, err := db.ExecContext(testCtx(t), s.insert, id, cdropDoc); err != nil {
					t.Fatalf("after %q: %v", s.ddl, err)
				}
				tbl, col := second, "doc"
				if strings.Contains(s.insert, "extra") {
					tbl, col = first, "extra"
				}
				typ, head := cdropStored(t, raw, tbl, col, id)
				if framed := typ == "blob" && head == cdropMagicHex; framed != s.framed {
					t.Errorf("after %q: stored as %s %s, want framed=%v", s.ddl, typ, head, s.framed)
				}
			}
		})
	}
}

// cdropBlobs returns blobs that look like frames but are not frames this
// driver can verify (a header declaring 4 GiB, a wrong checksum, a
// truncated frame), and a real frame of cdropDoc's bytes.
func cdropBlobs(t *testing.T) (notFrames map[string][]byte, frame []byte) {
	t.Helper()
	codec, err := compress.New(compress.Config{Threshold: 64})
	if err != nil {
		t.Fatal(err)
	}
	frame, ok := codec.EncodeBytes([]byte(cdropDoc))
	if !ok {
		t.Fatal("the test document was not framed")
	}
	huge := bytes.Clone(frame)
	binary.LittleEndian.PutUint32(huge[7:], 0xFFFFFFFF)
	badSum := bytes.Clone(frame)
	badSum[11] ^= 0x40
	return map[string][]byte{
		"declares 4 GiB": huge,
		"wrong checksum": badSum,
		"truncated":      frame[:len(frame)-3],
		"header only":    frame[:compress.HeaderSize+1],
	}, frame
}

// TestDropinCase4UnverifiableBlobsReadAsStored: blobs written by another
// client that start like a frame but cannot be verified read back byte for
// byte, with compression on or off and with the cache, and a listing of the
// rows around them does not stop. A real frame is decoded, unless it
// declares more than compress_max_decoded_bytes: then it too reads as stored.
func TestDropinCase4UnverifiableBlobsReadAsStored(t *testing.T) {
	notFrames, frame := cdropBlobs(t)
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw := openLibsql(t, tg)
			tbl := tableName("c4")
			mustExec(t, raw, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, data BLOB)")
			want := map[int][]byte{1: []byte("before")}
			id := 1
			for _, b := range notFrames {
				id++
				want[id] = b
			}
			frameID := id + 1
			want[frameID], want[frameID+1] = frame, []byte("after")
			for i := 1; i <= frameID+1; i++ {
				mustExec(t, raw, "INSERT INTO "+tbl+" (id, data) VALUES (?, ?)", i, want[i])
			}
			for _, dsn := range []string{"", cdropBr, "cache=on&" + cdropBr, "compress_max_decoded_bytes=1KiB"} {
				db := openPooled(t, tg, dsn)
				expect := func(i int) []byte {
					if i == frameID && !strings.Contains(dsn, "max_decoded") {
						return []byte(cdropDoc) // a verified frame is decoded
					}
					return want[i]
				}
				rows, err := db.QueryContext(testCtx(t), "SELECT id, data FROM "+tbl+" ORDER BY id")
				if err != nil {
					t.Fatalf("%q: %v", dsn, err)
				}
				n := 0
				for rows.Next() {
					var (
						i    int
						data []byte
					)
					if err := rows.Scan(&i, &data); err != nil {
						t.Fatalf("%q: row %d: %v", dsn, i, err)
					}
					n++
					if !bytes.Equal(data, expect(i)) {
						t.Errorf("%q: row %d reads %d bytes %.16x, want %d bytes %.16x", dsn, i, len(data), data, len(expect(i)), expect(i))
					}
				}
				if err := rows.Err(); err != nil {
					t.Errorf("%q: listing stopped after %d rows: %v", dsn, n, err)
				}
				rows.Close()
				if n != len(want) {
					t.Errorf("%q: listing returned %d rows, want %d", dsn, n, len(want))
				}
				for i := range want {
					var data []byte
					if err := db.QueryRowContext(testCtx(t), "SELECT data FROM "+tbl+" WHERE id = ?", i).Scan(&data); err != nil || !bytes.Equal(data, expect(i)) {
						t.Errorf("%q: row %d alone: %d bytes, %v", dsn, i, len(data), err)
					}
				}
			}
		})
	}
}

// TestDropinCase3IndexAddedAfterPrewarm: the cache's pre-warm loads the
// schema before another process adds an expression index that reads a
// column; compression must not trust that load, or it frames into the
// indexed column and the INSERT fails ("malformed JSON") where plain libsql
// succeeds.
func TestDropinCase3IndexAddedAfterPrewarm(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			raw := openLibsql(t, tg)
			tbl := tableName("c3late")
			mustExec(t, raw, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, doc TEXT)")
			pooled := openPooled(t, tg, "cache=on&"+cdropBr)
			if err := pooled.PingContext(testCtx(t)); err != nil { // a dial: the pre-warm load has run
				t.Fatal(err)
			}
			mustExec(t, raw, "CREATE INDEX "+tbl+"_name ON "+tbl+" (json_extract(doc, '$[0].name'))")
			if _, err := pooled.ExecContext(testCtx(t), "INSERT INTO "+tbl+" (id, doc) VALUES (?, ?)", 1, cdropJSON); err != nil {
				t.Fatalf("INSERT into a column indexed after pre-warm: %v (plain libsql succeeds)", err)
			}
			if got, want := cdropRead(t, raw, tbl, "doc", 1), cdropRead(t, pooled, tbl, "doc", 1); got != want {
				t.Errorf("read via libsql %v, via turso-pooled %v", got, want)
			}
		})
	}
}
