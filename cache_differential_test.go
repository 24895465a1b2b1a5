package tursopooled_test

import (
	"context"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// TestCacheDifferential runs seeded random workloads through turso-pooled
// with cache=on and checks every read against the same read run at once on
// the same connection without the cache (tursopooled.WithoutCache): any
// invalidation rule that is unsound shows as a cached result that differs.
// The schema has every case of row-key invalidation: INTEGER, REAL and
// NUMERIC affinities, NOCASE and RTRIM collations, a rowid alias, a WITHOUT
// ROWID composite key, a UNIQUE column and a unique index (for REPLACE and
// UPSERT), a foreign key with ON DELETE/UPDATE CASCADE to a quoted parent,
// a trigger writing another table and one writing its own, and views. The
// statements mix literals and parameters, multi-row INSERTs, IN lists and
// NULL keys, from the pool and three held connections, with transactions
// (BEGIN … COMMIT/ROLLBACK and db.BeginTx) during which other connections
// read. It runs over HTTP against tursotest and on a file: database with
// foreign keys on (tursotest's SQLite has them off, so that cascades
// happen). TURSO_POOLED_DIFF_STATEMENTS sets the statements per target
// (default 4000), TURSO_POOLED_DIFF_SEED replays one seed.
func TestCacheDifferential(t *testing.T) {
	steps := 4000
	if n, err := strconv.Atoi(os.Getenv("TURSO_POOLED_DIFF_STATEMENTS")); err == nil && n > 0 {
		steps = n
	}
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("TURSO_POOLED_DIFF_SEED"), 10, 64); err == nil {
		seed = s
	}
	file := filepath.Join(env.fileDir, fmt.Sprintf("diff%d.sqlite", fileSeq.Add(1)))
	tgs := []target{
		{name: "http", url: env.plain.HTTPURL(), token: testToken},
		{name: "file-fk", url: "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)&_pragma=foreign_keys(1)"},
	}
	for i, tg := range tgs {
		t.Run(tg.name, func(t *testing.T) {
			s := seed + uint64(i)
			t.Logf("seed %d (replay with TURSO_POOLED_DIFF_SEED=%d)", s, seed)
			runCacheDiff(t, openPooled(t, tg, "cache=on&pool_max_conns=8"), s, steps)
		})
	}
}

// diffState is one differential run.
type diffState struct {
	t     *testing.T
	rng   *rand.Rand
	seed  uint64
	db    *sql.DB
	conns []*sql.Conn
	tx    *diffTx // the open transaction, if any
	names diffNames
	log   []string
	reads int
	pool  []diffRead // reads repeated, so that cached results are served
}

// diffRead is a read of the pool.
type diffRead struct {
	query string
	args  []any
}

// diffTx is an open transaction: its connection (or *sql.Tx) and whether
// it has written (then the other connections only read).
type diffTx struct {
	q      diffQueryer
	conn   int // index in conns; -1 for a db.BeginTx transaction
	sqlTx  *sql.Tx
	wrote  bool
	remain int
}

type diffQueryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// diffNames are the tables of a run, prefixed so that runs do not meet.
type diffNames struct {
	a, c, parent, child, audit, t2, va, vj string
}

func runCacheDiff(t *testing.T, db *sql.DB, seed uint64, steps int) {
	p := tableName("dif")
	d := &diffState{t: t, rng: rand.New(rand.NewPCG(seed, 14)), seed: seed, db: db, names: diffNames{
		a: p + "_a", c: p + "_c", parent: `"` + p + ` Parent"`, child: p + "_child", audit: p + "_audit",
		t2: p + "_t2", va: p + "_va", vj: p + "_vj",
	}}
	n := d.names
	for _, s := range []string{
		"CREATE TABLE " + n.a + " (id INTEGER PRIMARY KEY, n INTEGER, r REAL, num NUMERIC, s TEXT COLLATE NOCASE, rt TEXT COLLATE RTRIM, u TEXT UNIQUE, b BLOB)",
		"CREATE TABLE " + n.c + " (x INTEGER, y TEXT, v TEXT, PRIMARY KEY (x, y)) WITHOUT ROWID",
		"CREATE UNIQUE INDEX " + p + "_c_v ON " + n.c + " (v)",
		"CREATE TABLE " + n.parent + " (id INTEGER PRIMARY KEY, name TEXT)",
		"CREATE TABLE " + n.child + " (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES " + n.parent + " (id) ON DELETE CASCADE ON UPDATE CASCADE, v TEXT)",
		"CREATE TABLE " + n.audit + " (id INTEGER PRIMARY KEY, aid INTEGER, n INTEGER)",
		"CREATE TRIGGER " + p + "_a_upd AFTER UPDATE ON " + n.a + " BEGIN INSERT INTO " + n.audit + " (aid, n) VALUES (NEW.id, NEW.n); END",
		"CREATE TABLE " + n.t2 + " (id INTEGER PRIMARY KEY, v TEXT)",
		"CREATE TRIGGER " + p + "_t2_self AFTER INSERT ON " + n.t2 + " BEGIN UPDATE " + n.t2 + " SET v = v || '!' WHERE id = NEW.id + 1; END",
		"CREATE VIEW " + n.va + " AS SELECT id, n, s FROM " + n.a + " WHERE n > 0",
		"CREATE VIEW " + n.vj + " AS SELECT c.id, c.v, p.name FROM " + n.child + " c JOIN " + n.parent + " p ON p.id = c.pid",
	} {
		if _, err := db.ExecContext(testCtx(t), s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
	for range 3 {
		c, err := db.Conn(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		d.conns = append(d.conns, c)
	}
	for range 80 {
		q, args := d.readSQL()
		d.pool = append(d.pool, diffRead{q, args})
	}
	defer func() {
		if d.tx != nil {
			d.end(false)
		}
	}()
	for i := 0; i < steps && !t.Failed(); i++ {
		switch k := d.rng.IntN(100); {
		case d.tx == nil && k < 4:
			d.begin()
		case d.tx != nil && d.tx.remain == 0:
			d.end(d.rng.IntN(3) != 0)
		case k < 75:
			d.read()
		default:
			d.write()
		}
	}
	st, _ := tursopooled.StatsOf(db)
	t.Logf("seed %d: %d reads; cache hits %d, misses %d, key invalidations %d, table invalidations %d, all %d",
		d.seed, d.reads, st.Cache.Hits, st.Cache.Misses, st.Cache.KeyInvalidations, st.Cache.Invalidations, st.Cache.InvalidateAlls)
	if st.Cache.Hits == 0 || st.Cache.KeyInvalidations == 0 {
		t.Errorf("the workload did not exercise the cache: %+v", st.Cache)
	}
}

// queryer returns where the next statement runs: the open transaction or,
// for a read, any connection; a write while a transaction has written runs
// in it (other connections would wait for its lock).
func (d *diffState) queryer(write bool) (diffQueryer, string) {
	if d.tx != nil && (write || d.rng.IntN(3) == 0) {
		return d.tx.q, "tx"
	}
	for {
		i := d.rng.IntN(len(d.conns) + 1)
		if i == len(d.conns) {
			return d.db, "db"
		}
		if d.tx == nil || d.tx.conn != i {
			return d.conns[i], fmt.Sprint("conn", i)
		}
	}
}

func (d *diffState) begin() {
	d.tx = &diffTx{remain: 3 + d.rng.IntN(8), conn: -1}
	if d.rng.IntN(2) == 0 {
		tx, err := d.db.BeginTx(testCtx(d.t), nil)
		if err != nil {
			d.t.Fatalf("seed %d: BeginTx: %v", d.seed, err)
		}
		d.tx.q, d.tx.sqlTx = tx, tx
		d.note("BeginTx")
		return
	}
	i := d.rng.IntN(len(d.conns))
	d.tx.q, d.tx.conn = d.conns[i], i
	d.exec(d.tx.q, fmt.Sprint("conn", i), "BEGIN", nil)
}

func (d *diffState) end(commit bool) {
	tx := d.tx
	d.tx = nil
	if tx.sqlTx != nil {
		var err error
		if commit {
			err = tx.sqlTx.Commit()
		} else {
			err = tx.sqlTx.Rollback()
		}
		d.note(fmt.Sprintf("tx end commit=%v: %v", commit, err))
		return
	}
	verb := "ROLLBACK"
	if commit {
		verb = "COMMIT"
	}
	d.exec(tx.q, fmt.Sprint("conn", tx.conn), verb, nil)
}

func (d *diffState) note(s string) {
	d.log = append(d.log, s)
	if len(d.log) > 40 {
		d.log = d.log[1:]
	}
}

func (d *diffState) exec(q diffQueryer, where, query string, args []any) {
	_, err := q.ExecContext(testCtx(d.t), query, args...)
	d.note(fmt.Sprintf("%s: %s %v -> %v", where, query, args, err))
	if err != nil && strings.Contains(err.Error(), "context deadline") {
		d.t.Fatalf("seed %d: %s: %v", d.seed, query, err)
	}
}

// read runs a random read twice, with the cache and without, on the same
// connection, and compares.
func (d *diffState) read() {
	q, where := d.queryer(false)
	r := d.pool[d.rng.IntN(len(d.pool))]
	query, args := r.query, r.args
	if d.rng.IntN(5) == 0 {
		query, args = d.readSQL()
	}
	if d.tx != nil {
		d.tx.remain--
	}
	got := diffRows(testCtx(d.t), q, query, args)
	want := diffRows(tursopooled.WithoutCache(testCtx(d.t)), q, query, args)
	d.reads++
	d.note(fmt.Sprintf("%s: %s %v", where, query, args))
	if got != want {
		d.t.Fatalf("seed %d: read through %s of %s %v\n with the cache:    %s\n without the cache: %s\nrecent statements:\n%s",
			d.seed, where, query, args, got, want, strings.Join(d.log, "\n"))
	}
}

func (d *diffState) write() {
	q, where := d.queryer(true)
	query, args := d.writeSQL()
	if d.tx != nil && where == "tx" {
		d.tx.wrote = true
		d.tx.remain--
	}
	d.exec(q, where, query, args)
}

// value returns a random value as a literal and as an argument, from
// domains small enough that keys meet: 3, 3.0, '3', ' 3'; 'a', 'A', 'a ';
// X'61'; NULL.
func (d *diffState) value() (string, any) {
	n := d.rng.IntN(6)
	switch k := d.rng.IntN(20); {
	case k < 2:
		return "NULL", nil
	case k < 4:
		return fmt.Sprintf("%d.0", n), float64(n)
	case k < 6:
		return fmt.Sprintf("'%d'", n), strconv.Itoa(n)
	case k < 7:
		return fmt.Sprintf("' %d'", n), " " + strconv.Itoa(n)
	case k < 11:
		s := []string{"a", "A", "a ", "b", "B "}[d.rng.IntN(5)]
		return "'" + s + "'", s
	case k < 12:
		return "X'61'", []byte("a")
	default:
		return strconv.Itoa(n), int64(n)
	}
}

// operand renders a value as a literal or as a parameter.
func (d *diffState) operand(args *[]any) string {
	lit, v := d.value()
	if d.rng.IntN(2) == 0 {
		return lit
	}
	*args = append(*args, v)
	return "?"
}

func (d *diffState) pick(options ...string) string { return options[d.rng.IntN(len(options))] }

// keyTerm renders "col = v", "v = col", "col IS v" or "col IN (...)".
func (d *diffState) keyTerm(col string, args *[]any) string {
	switch d.rng.IntN(5) {
	case 0:
		items := []string{d.operand(args)}
		for range d.rng.IntN(3) {
			items = append(items, d.operand(args))
		}
		return col + " IN (" + strings.Join(items, ", ") + ")"
	case 1:
		return col + " IS " + d.operand(args)
	case 2:
		return d.operand(args) + " = " + col
	}
	return col + " = " + d.operand(args)
}

func (d *diffState) readSQL() (string, []any) {
	n := d.names
	var args []any
	switch d.rng.IntN(16) {
	case 0, 1, 2, 3:
		col := d.pick("id", "rowid", "oid", "id", "n", "r", "num", "s", "rt", "u", "b")
		w := d.keyTerm(col, &args)
		if d.rng.IntN(3) == 0 {
			w += " AND " + d.keyTerm(d.pick("n", "s", "id"), &args)
		}
		sel := d.pick("SELECT * FROM ", "SELECT id, n, s FROM ", "SELECT count(*), max(n) FROM ")
		return sel + n.a + " WHERE " + w + " ORDER BY 1", args
	case 4:
		return d.pick("SELECT * FROM "+n.a+" ORDER BY id", "SELECT count(*), sum(n), group_concat(s) FROM "+n.a,
			"SELECT * FROM "+n.a+" ORDER BY n, id LIMIT 3", "SELECT * FROM "+n.a+" WHERE n > 1 ORDER BY id"), nil
	case 5, 6:
		w := d.keyTerm(d.pick("x", "y", "v"), &args)
		if d.rng.IntN(2) == 0 {
			w += " AND " + d.keyTerm(d.pick("x", "y"), &args)
		}
		return "SELECT * FROM " + n.c + " WHERE " + w + " ORDER BY x, y", args
	case 7:
		return "SELECT * FROM " + n.child + " WHERE " + d.keyTerm(d.pick("id", "pid", "pid"), &args) + " ORDER BY id", args
	case 8:
		return d.pick("SELECT count(*) FROM "+n.child, "SELECT * FROM "+n.child+" ORDER BY id"), nil
	case 9:
		return "SELECT * FROM " + n.parent + " WHERE " + d.keyTerm("id", &args) + " ORDER BY id", args
	case 10:
		return d.pick("SELECT * FROM "+n.va+" ORDER BY id", "SELECT * FROM "+n.vj+" ORDER BY id",
			"SELECT * FROM "+n.va+" WHERE id = 1"), nil
	case 11:
		return d.pick("SELECT count(*), max(aid) FROM "+n.audit, "SELECT * FROM "+n.audit+" WHERE aid = 1 ORDER BY id"), nil
	case 12, 13:
		return "SELECT * FROM " + n.t2 + " WHERE " + d.keyTerm(d.pick("id", "v"), &args) + " ORDER BY id", args
	case 14:
		return "SELECT a.id, c.id FROM " + n.a + " a JOIN " + n.child + " c ON c.pid = a.id ORDER BY 1, 2", nil
	}
	return "SELECT * FROM " + n.t2 + " ORDER BY id", nil
}

// insertRows renders "(cols) VALUES (...), ..." for a random subset of
// cols (must holds columns always given).
func (d *diffState) insertRows(cols []string, must []string, args *[]any) string {
	pick := slices.Clone(must)
	for _, c := range cols {
		if !slices.Contains(pick, c) && d.rng.IntN(2) == 0 {
			pick = append(pick, c)
		}
	}
	if len(pick) == 0 {
		pick = append(pick, cols[0])
	}
	var rows []string
	for range 1 + d.rng.IntN(3) {
		var vals []string
		for range pick {
			vals = append(vals, d.operand(args))
		}
		rows = append(rows, "("+strings.Join(vals, ", ")+")")
	}
	return " (" + strings.Join(pick, ", ") + ") VALUES " + strings.Join(rows, ", ")
}

func (d *diffState) writeSQL() (string, []any) {
	n := d.names
	var args []any
	aCols := []string{"id", "n", "r", "num", "s", "rt", "u", "b"}
	switch d.rng.IntN(22) {
	case 0, 1, 2:
		verb := d.pick("INSERT INTO ", "INSERT OR IGNORE INTO ", "INSERT OR REPLACE INTO ", "REPLACE INTO ")
		return verb + n.a + d.insertRows(aCols, nil, &args), args
	case 3:
		rows := d.insertRows(aCols[1:], nil, &args) // SQLite chooses the rowid
		return "INSERT INTO " + n.a + rows, args
	case 4:
		target := d.pick("id", "u")
		set := d.pick("n", "s", "r")
		return "INSERT INTO " + n.a + d.insertRows(aCols, []string{target}, &args) +
			" ON CONFLICT (" + target + ") DO UPDATE SET " + set + " = excluded." + set, args
	case 5, 6, 7:
		set := d.pick("n", "r", "num", "s", "rt", "u", "b")
		val := d.operand(&args)
		return "UPDATE " + n.a + " SET " + set + " = " + val + " WHERE " + d.keyTerm(d.pick("id", "rowid", "n", "s", "u"), &args), args
	case 8:
		val := d.operand(&args)
		return "UPDATE " + n.a + " SET id = id + 10 WHERE " + d.keyTerm("id", &args) + " AND n IS NOT " + val, args
	case 9, 10:
		return "DELETE FROM " + n.a + " WHERE " + d.keyTerm(d.pick("id", "oid", "n", "s", "rt"), &args), args
	case 11:
		return d.pick("DELETE FROM "+n.a+" WHERE id > 8", "UPDATE "+n.a+" SET num = num + 1"), nil
	case 12, 13:
		verb := d.pick("INSERT OR IGNORE INTO ", "REPLACE INTO ")
		return verb + n.c + d.insertRows([]string{"x", "y", "v"}, []string{"x", "y"}, &args), args
	case 14:
		return "DELETE FROM " + n.c + " WHERE " + d.keyTerm(d.pick("x", "y", "v"), &args), args
	case 15:
		return "INSERT OR IGNORE INTO " + n.parent + d.insertRows([]string{"id", "name"}, []string{"id"}, &args), args
	case 16:
		return "DELETE FROM " + n.parent + " WHERE " + d.keyTerm("id", &args), args
	case 17:
		val := d.operand(&args)
		return "UPDATE " + n.parent + " SET id = " + val + " WHERE " + d.keyTerm("id", &args), args
	case 18:
		return "INSERT OR IGNORE INTO " + n.child + d.insertRows([]string{"id", "pid", "v"}, []string{"pid"}, &args), args
	case 19:
		return "DELETE FROM " + n.child + " WHERE " + d.keyTerm(d.pick("id", "pid"), &args), args
	case 20:
		return "INSERT OR IGNORE INTO " + n.t2 + d.insertRows([]string{"id", "v"}, []string{"id"}, &args), args
	}
	val := d.operand(&args)
	return "UPDATE " + n.t2 + " SET v = " + val + " WHERE " + d.keyTerm("id", &args), args
}

// diffRows runs a query and formats its rows (or error) with the types of
// their values.
func diffRows(ctx context.Context, q diffQueryer, query string, args []any) string {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return "error: " + err.Error()
	}
	defer rows.Close()
	cols, _ := rows.Columns()
	var out []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return "error: " + err.Error()
		}
		out = append(out, fmt.Sprintf("%#v", vals))
	}
	if err := rows.Err(); err != nil {
		return "error: " + err.Error()
	}
	return fmt.Sprintf("%d rows: %s", len(out), strings.Join(out, " "))
}
