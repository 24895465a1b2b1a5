package tursopooled_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/turso-pooled/tursopooled/tursotest"
)

// The conformance suite: every case runs on every transport through plain
// "libsql" and through "turso-pooled" (with and without cache and
// compression) with the same expectations. Where the upstream driver itself
// behaves differently per transport, the expectation says so once for all
// drivers.

func mustExec(t *testing.T, db *sql.DB, query string, args ...any) sql.Result {
	t.Helper()
	res, err := db.ExecContext(testCtx(t), query, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
	return res
}

func countRows(t *testing.T, db *sql.DB, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(testCtx(t), "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func TestConformancePing(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		if err := db.PingContext(testCtx(t)); err != nil {
			t.Fatalf("ping: %v", err)
		}
	})
}

func TestConformanceExecQuery(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		tbl := tableName("eq")
		mustExec(t, db, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, name TEXT)")
		res := mustExec(t, db, "INSERT INTO "+tbl+" (name) VALUES (?), (?)", "a", "b")
		if n, _ := res.RowsAffected(); n != 2 {
			t.Errorf("RowsAffected = %d, want 2", n)
		}
		if id, _ := res.LastInsertId(); id != 2 {
			t.Errorf("LastInsertId = %d, want 2", id)
		}
		rows, err := db.QueryContext(testCtx(t), "SELECT id, name FROM "+tbl+" ORDER BY id")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		if strings.Join(cols, ",") != "id,name" {
			t.Errorf("columns = %v", cols)
		}
		var got []string
		for rows.Next() {
			var id int64
			var name string
			if err := rows.Scan(&id, &name); err != nil {
				t.Fatal(err)
			}
			got = append(got, fmt.Sprintf("%d:%s", id, name))
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if strings.Join(got, " ") != "1:a 2:b" {
			t.Errorf("rows = %v, want [1:a 2:b]", got)
		}
	})
}

func TestConformancePrepared(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		ctx := testCtx(t)
		tbl := tableName("prep")
		mustExec(t, db, "CREATE TABLE "+tbl+" (k INTEGER, v TEXT)")
		ins, err := db.PrepareContext(ctx, "INSERT INTO "+tbl+" (k, v) VALUES (?, ?)")
		if err != nil {
			t.Fatal(err)
		}
		defer ins.Close()
		for i := range 5 {
			if _, err := ins.ExecContext(ctx, i, fmt.Sprint("v", i)); err != nil {
				t.Fatalf("exec %d: %v", i, err)
			}
		}
		sel, err := db.PrepareContext(ctx, "SELECT v FROM "+tbl+" WHERE k = ?")
		if err != nil {
			t.Fatal(err)
		}
		defer sel.Close()
		for i := range 5 {
			var v string
			if err := sel.QueryRowContext(ctx, i).Scan(&v); err != nil || v != fmt.Sprint("v", i) {
				t.Fatalf("k=%d: v=%q err=%v", i, v, err)
			}
		}
	})
}

func TestConformanceTransactions(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		ctx := testCtx(t)
		tbl := tableName("tx")
		mustExec(t, db, "CREATE TABLE "+tbl+" (v INTEGER)")

		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		var inside int
		if err := tx.QueryRowContext(ctx, "SELECT count(*) FROM "+tbl).Scan(&inside); err != nil || inside != 1 {
			t.Fatalf("count inside tx = %d, %v; want 1", inside, err)
		}
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}

		tx, err = db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (2)"); err != nil {
			t.Fatal(err)
		}
		if err := tx.Rollback(); err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, tbl); n != 1 {
			t.Fatalf("rows after commit+rollback = %d, want 1", n)
		}
	})
}

func TestConformanceRollbackOnCancel(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		tbl := tableName("cancel")
		mustExec(t, db, "CREATE TABLE "+tbl+" (v INTEGER)")
		ctx, cancel := context.WithCancel(testCtx(t))
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (1)"); err != nil {
			t.Fatal(err)
		}
		cancel()
		if err := tx.Commit(); !errors.Is(err, context.Canceled) && !errors.Is(err, sql.ErrTxDone) {
			t.Fatalf("Commit after cancel = %v, want context.Canceled or sql.ErrTxDone", err)
		}
		if n := countRows(t, db, tbl); n != 0 {
			t.Fatalf("rows after canceled tx = %d, want 0", n)
		}
	})
}

func TestConformanceCanceledContext(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := db.ExecContext(ctx, "SELECT 1"); !errors.Is(err, context.Canceled) {
			t.Fatalf("exec with canceled ctx = %v, want context.Canceled", err)
		}
		if err := db.PingContext(testCtx(t)); err != nil {
			t.Fatalf("ping after canceled call: %v", err)
		}
	})
}

func TestConformanceMultiStatement(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, tg target) {
		tbl := tableName("multi")
		mustExec(t, db, "CREATE TABLE "+tbl+" (v INTEGER)")
		_, err := db.ExecContext(testCtx(t), "INSERT INTO "+tbl+" VALUES (1); INSERT INTO "+tbl+" VALUES (2)")
		if tg.ws() {
			// The upstream WebSocket client sends the string as one execute
			// request, which Hrana servers (sqld and tursotest) refuse.
			if err == nil {
				t.Fatal("multi-statement exec over WebSocket succeeded; upstream refuses it")
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if n := countRows(t, db, tbl); n != 2 {
			t.Fatalf("rows = %d, want 2", n)
		}
	})
}

func TestConformanceDataTypes(t *testing.T) {
	text := "héllo 世界 \x00 nul ✓"
	blob := []byte{0, 1, 2, 0xff, 0xfe, 'x'}
	big := strings.Repeat("compressible text payload ", 20)
	forEachTarget(t, func(t *testing.T, db *sql.DB, tg target) {
		ctx := testCtx(t)
		tbl := tableName("types")
		mustExec(t, db, "CREATE TABLE "+tbl+" (i INTEGER, f REAL, s TEXT, b BLOB, n TEXT, flag INTEGER, big TEXT)")
		for _, i := range []int64{math.MinInt64, math.MaxInt64, 0, -1} {
			mustExec(t, db, "INSERT INTO "+tbl+" VALUES (?, ?, ?, ?, ?, ?, ?)", i, 3.141592653589793, text, blob, nil, true, big)
		}
		rows, err := db.QueryContext(ctx, "SELECT i, f, s, b, n, flag, big FROM "+tbl+" ORDER BY rowid")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var ints []int64
		for rows.Next() {
			var (
				i, flag int64
				f       float64
				s, bg   string
				b       []byte
				n       sql.NullString
			)
			if err := rows.Scan(&i, &f, &s, &b, &n, &flag, &bg); err != nil {
				t.Fatal(err)
			}
			ints = append(ints, i)
			if f != 3.141592653589793 || s != text || !bytes.Equal(b, blob) || n.Valid || flag != 1 || bg != big {
				t.Errorf("row %d: f=%v s=%q b=%x n=%v flag=%d big ok=%v", i, f, s, b, n, flag, bg == big)
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if fmt.Sprint(ints) != fmt.Sprint([]int64{math.MinInt64, math.MaxInt64, 0, -1}) {
			t.Errorf("ints = %v", ints)
		}
		checkTime(t, db, tg, tbl)
	})
}

// checkTime stores a time.Time. The upstream HTTP client sends it as text;
// its WebSocket client refuses the type; SQLite files store it as text too.
func checkTime(t *testing.T, db *sql.DB, tg target, tbl string) {
	t.Helper()
	when := time.Date(2026, 11, 25, 18, 30, 0, 123000000, time.UTC)
	_, err := db.ExecContext(testCtx(t), "INSERT INTO "+tbl+" (s) VALUES (?)", when)
	if tg.ws() {
		if err == nil {
			t.Error("time.Time over WebSocket succeeded; upstream refuses it")
		}
		return
	}
	if err != nil {
		t.Fatalf("insert time: %v", err)
	}
	var s string
	if err := db.QueryRowContext(testCtx(t), "SELECT s FROM "+tbl+" WHERE i IS NULL").Scan(&s); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "2026-11-25") {
		t.Errorf("time stored as %q", s)
	}
}

func TestConformanceParameters(t *testing.T) {
	cases := []struct {
		name  string
		query string
		args  []any
	}{
		{"question", "SELECT ? || ?", []any{"a", "b"}},
		{"numbered", "SELECT ?2 || ?1", []any{"b", "a"}},
		{"colon", "SELECT :x || :y", []any{sql.Named("x", "a"), sql.Named("y", "b")}},
		{"at", "SELECT @x || @y", []any{sql.Named("x", "a"), sql.Named("y", "b")}},
		{"dollar", "SELECT $x || $y", []any{sql.Named("x", "a"), sql.Named("y", "b")}},
	}
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		for _, c := range cases {
			var got string
			if err := db.QueryRowContext(testCtx(t), c.query, c.args...).Scan(&got); err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			if got != "ab" {
				t.Errorf("%s: got %q, want \"ab\"", c.name, got)
			}
		}
	})
}

func TestConformanceBadSQL(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		_, err := db.ExecContext(testCtx(t), "SELEC nonsense FROM")
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "syntax error") {
			t.Fatalf("bad SQL error = %v, want a syntax error", err)
		}
		if _, err := db.QueryContext(testCtx(t), "SELECT * FROM no_such_table_xyz"); err == nil {
			t.Fatal("query of a missing table succeeded")
		}
		if err := db.PingContext(testCtx(t)); err != nil {
			t.Fatalf("ping after errors: %v", err)
		}
	})
}

func TestConformanceConcurrent(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		tbl := tableName("conc")
		mustExec(t, db, "CREATE TABLE "+tbl+" (w INTEGER, i INTEGER)")
		const workers, each = 8, 10
		var wg sync.WaitGroup
		errs := make(chan error, workers)
		for w := range workers {
			wg.Go(func() {
				for i := range each {
					if _, err := db.ExecContext(testCtx(t), "INSERT INTO "+tbl+" VALUES (?, ?)", w, i); err != nil {
						errs <- err
						return
					}
					var n int
					if err := db.QueryRowContext(testCtx(t), "SELECT count(*) FROM "+tbl+" WHERE w = ?", w).Scan(&n); err != nil {
						errs <- err
						return
					}
					if n != i+1 {
						errs <- fmt.Errorf("worker %d saw %d rows after %d inserts", w, n, i+1)
						return
					}
				}
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		if n := countRows(t, db, tbl); n != workers*each {
			t.Fatalf("rows = %d, want %d", n, workers*each)
		}
	})
}

func TestConformanceClosedHandles(t *testing.T) {
	forEachTarget(t, func(t *testing.T, db *sql.DB, _ target) {
		ctx := testCtx(t)
		conn, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		st, err := conn.PrepareContext(ctx, "SELECT 1")
		if err != nil {
			t.Fatal(err)
		}
		if err := conn.Close(); err != nil {
			t.Fatal(err)
		}
		if _, err := st.ExecContext(ctx); err == nil {
			t.Error("statement on a closed conn succeeded")
		}
		if err := conn.PingContext(ctx); !errors.Is(err, sql.ErrConnDone) {
			t.Errorf("ping on a closed conn = %v, want sql.ErrConnDone", err)
		}
		db.Close()
		if _, err := db.ExecContext(ctx, "SELECT 1"); err == nil || !strings.Contains(err.Error(), "database is closed") {
			t.Errorf("exec on a closed DB = %v, want \"sql: database is closed\"", err)
		}
	})
}

// TestFailedCommitDoesNotLeakTransaction: a COMMIT that fails on a deferred
// foreign key leaves SQLite's transaction open; the connection must not be
// reused with it (the next user would run inside it).
func TestFailedCommitDoesNotLeakTransaction(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	db := openPooled(t, target{url: srv.WSURL(), token: testToken}, "pool_max_conns=1&pool_min_conns=1")
	db.SetMaxOpenConns(1)
	ctx := testCtx(t)
	parent, child := tableName("parent"), tableName("child")
	mustExec(t, db, "CREATE TABLE "+parent+" (id INTEGER PRIMARY KEY)")
	mustExec(t, db, "CREATE TABLE "+child+" (p INTEGER REFERENCES "+parent+"(id) DEFERRABLE INITIALLY DEFERRED)")
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"PRAGMA foreign_keys = ON", "BEGIN", "INSERT INTO " + child + " VALUES (42)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "COMMIT"); err == nil {
		t.Fatal("COMMIT with a dangling deferred foreign key succeeded")
	}
	conn.Close()
	// A fresh statement must not run inside the failed transaction: with a
	// leaked transaction, BEGIN fails ("cannot start a transaction within a
	// transaction").
	next, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer next.Close()
	if _, err := next.ExecContext(ctx, "BEGIN"); err != nil {
		t.Fatalf("BEGIN after the failed COMMIT: %v (the old transaction leaked)", err)
	}
	if _, err := next.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
}
