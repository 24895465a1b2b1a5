package tursopooled_test

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
)

// The cache cases of the drop-in suite (5, 6 and 10): a result cached from
// one session is never served to another one that sees different data, a
// manual transaction's COMMIT is visible at once, and cached values are the
// values the server returns. Every configuration runs them; only those
// with cache=on can fail them.

// dropinReads reads query through q n times and fails the test unless
// every read returns want.
func dropinReads(t *testing.T, tag, who string, q dropinQueryer, n int, want, query string, args ...any) {
	t.Helper()
	for i := 1; i <= n; i++ {
		got, err := dropinOne(q, query, args...)
		if err != nil {
			t.Fatalf("%s: read %d through %s: %s", tag, i, who, dropinErrText(err))
		}
		if got != want {
			t.Fatalf("%s: read %d through %s of %q = %s, want %s", tag, i, who, query, got, want)
		}
	}
}

// dropinHeldConn returns a *sql.Conn of db that the test closes at its end.
func dropinHeldConn(t *testing.T, db *sql.DB) *sql.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dropinStmtTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("db.Conn: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// TestDropinCase5CacheCrossesSessions: a *sql.Conn whose TEMP table shadows
// main.kv reads its own rows, while reads through db (other connections)
// read main.kv, in either order and on every repetition.
func TestDropinCase5CacheCrossesSessions(t *testing.T) {
	orders := []string{"conn-first", "db-first"}
	forEachDropin(t, dropinTargets(t, true), dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		db := c.open(t, tg, "") // one DB (one cache) for the subtests, on tables of their own
		for _, order := range orders {
			t.Run(order, func(t *testing.T) {
				tag := dropinTag(5, c, tg) + " temp table, " + order
				kv := tableName("c5kv")
				dropinMust(t, db, "CREATE TABLE "+kv+" (k INTEGER, v TEXT)")
				dropinMust(t, db, "INSERT INTO "+kv+" VALUES (1, 'main')")
				conn := dropinHeldConn(t, db)
				dropinMust(t, conn, "CREATE TEMP TABLE "+kv+" (k INTEGER, v TEXT)")
				dropinMust(t, conn, "INSERT INTO "+kv+" VALUES (1, 'temp')")
				read := "SELECT v FROM " + kv + " WHERE k = 1"
				for round := 1; round <= 3; round++ {
					tag := fmt.Sprintf("%s, round %d", tag, round)
					if order == "conn-first" {
						dropinReads(t, tag, "the conn", conn, 1, `"temp"`, read)
						dropinReads(t, tag, "db", db, 2, `"main"`, read)
					} else {
						dropinReads(t, tag, "db", db, 2, `"main"`, read)
						dropinReads(t, tag, "the conn", conn, 1, `"temp"`, read)
					}
				}
			})
		}
		t.Run("temp-trigger", func(t *testing.T) {
			tag := dropinTag(5, c, tg) + " temp trigger"
			kv, audit := tableName("c5t"), tableName("c5audit")
			dropinMust(t, db, "CREATE TABLE "+kv+" (k INTEGER, v TEXT)")
			dropinMust(t, db, "CREATE TABLE "+audit+" (k INTEGER)")
			conn := dropinHeldConn(t, db)
			dropinMust(t, conn, "CREATE TEMP TRIGGER "+kv+"_audit AFTER INSERT ON main."+kv+
				" BEGIN INSERT INTO "+audit+" (k) VALUES (NEW.k); END")
			count := "SELECT count(*) FROM " + audit
			dropinReads(t, tag, "db", db, 2, "0", count) // cached when cache=on
			for i := 1; i <= 3; i++ {
				dropinMust(t, conn, "INSERT INTO "+kv+" (k, v) VALUES (?, 'x')", i)
				dropinReads(t, tag, "db after a write through the conn's TEMP trigger", db, 2, strconv.Itoa(i), count)
			}
		})
	})
}

// TestDropinCase6ManualTransactionCommit: a read through db while another
// connection's transaction has an uncommitted UPDATE sees the old value
// (and may cache it); once that transaction commits, the next read through
// db sees the new value, whether the transaction was BEGIN … COMMIT, BEGIN
// … END, SAVEPOINT … RELEASE or db.BeginTx … Commit (the control).
func TestDropinCase6ManualTransactionCommit(t *testing.T) {
	kinds := []struct {
		name, begin, end string // "" begin: db.BeginTx
	}{
		{"BEGIN-COMMIT", "BEGIN", "COMMIT"},
		{"BEGIN-END", "BEGIN", "END"},
		{"SAVEPOINT-RELEASE", "SAVEPOINT s", "RELEASE s"},
		{"BeginTx-Commit", "", ""},
	}
	forEachDropin(t, dropinTargets(t, true), dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		db := c.open(t, tg, "") // one DB (one cache) for the subtests, on tables of their own
		for _, k := range kinds {
			t.Run(k.name, func(t *testing.T) {
				tag := dropinTag(6, c, tg) + " " + k.name
				kv := tableName("c6")
				dropinMust(t, db, "CREATE TABLE "+kv+" (k INTEGER, v TEXT)")
				dropinMust(t, db, "INSERT INTO "+kv+" VALUES (1, 'old')")
				read := "SELECT v FROM " + kv + " WHERE k = 1"
				dropinReads(t, tag, "db before the transaction", db, 1, `"old"`, read)

				var (
					writer dropinQueryer
					commit func() error
				)
				if k.begin == "" {
					ctx, cancel := context.WithTimeout(context.Background(), 2*dropinStmtTimeout)
					defer cancel()
					tx, err := db.BeginTx(ctx, nil)
					if err != nil {
						t.Fatalf("%s: BeginTx: %v", tag, err)
					}
					defer tx.Rollback()
					writer, commit = tx, tx.Commit
				} else {
					conn := dropinHeldConn(t, db)
					dropinMust(t, conn, k.begin)
					writer, commit = conn, func() error { return dropinExec(conn, k.end) }
				}
				dropinMust(t, writer, "UPDATE "+kv+" SET v = 'new' WHERE k = 1")
				dropinReads(t, tag, "db during the transaction", db, 2, `"old"`, read)
				if err := commit(); err != nil {
					t.Fatalf("%s: commit: %s", tag, dropinErrText(err))
				}
				dropinReads(t, tag, "db right after the commit", db, 2, `"new"`, read)
			})
		}
	})
}

// TestDropinCase10CachedValues: an empty BLOB comes back as a non-nil empty
// []byte, scanned into []byte or into any, on the first (filling) read and
// on the cached one; the date and time functions that read the clock are
// never served from the cache.
func TestDropinCase10CachedValues(t *testing.T) {
	forEachDropin(t, dropinTargets(t, true), dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		db := c.open(t, tg, "")
		t.Run("empty-blob", func(t *testing.T) {
			tbl := tableName("c10")
			dropinMust(t, db, "CREATE TABLE "+tbl+" (id INTEGER, b BLOB)")
			dropinMust(t, db, "INSERT INTO "+tbl+" VALUES (1, ?)", []byte{})
			dropinMust(t, db, "INSERT INTO "+tbl+" VALUES (2, x'')")
			queries := []struct {
				name, sql string
				args      []any
			}{
				{"inserted []byte{}", "SELECT b FROM " + tbl + " WHERE id = ?", []any{1}},
				{"inserted x''", "SELECT b FROM " + tbl + " WHERE id = ?", []any{2}},
				{"literal x''", "SELECT x''", nil},
			}
			for _, q := range queries {
				for _, read := range []string{"first read", "second read"} {
					tag := fmt.Sprintf("%s %s, %s", dropinTag(10, c, tg), q.name, read)
					dropinCheckEmptyBlob(t, tag, db, q.sql, q.args...)
				}
			}
		})
		t.Run("clock", func(t *testing.T) {
			for _, q := range []string{
				"SELECT strftime('%H:%M:%f')", "SELECT strftime('%H:%M:%f', 'now')",
				"SELECT date()", "SELECT time()", "SELECT datetime()", "SELECT datetime('now')",
				"SELECT julianday()", "SELECT unixepoch()", "SELECT strftime('%s')",
			} {
				dropinCheckClock(t, dropinTag(10, c, tg)+" "+q, db, q)
			}
		})
	})
}

// dropinCheckEmptyBlob reads one empty blob into []byte and into any.
func dropinCheckEmptyBlob(t *testing.T, tag string, db *sql.DB, query string, args ...any) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dropinStmtTimeout)
	defer cancel()
	var b []byte
	if err := db.QueryRowContext(ctx, query, args...).Scan(&b); err != nil {
		t.Fatalf("%s: scan into []byte: %s", tag, dropinErrText(err))
	}
	if b == nil || len(b) != 0 {
		t.Errorf("%s: scanned into []byte = %#v, want a non-nil empty []byte (plain libsql's)", tag, b)
	}
	var v any
	if err := db.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: scan into any: %s", tag, dropinErrText(err))
	}
	if vb, ok := v.([]byte); !ok || vb == nil || len(vb) != 0 {
		t.Errorf("%s: scanned into any = %#v, want a non-nil empty []byte (plain libsql's)", tag, v)
	}
}

// dropinCheckClock reads a clock query twice, 20 ms apart: the second read
// must not be a cache hit, values with millisecond resolution must change,
// and unix times must be current.
func dropinCheckClock(t *testing.T, tag string, db *sql.DB, query string) {
	t.Helper()
	first, err := dropinOne(db, query)
	if err != nil {
		t.Fatalf("%s: %s", tag, dropinErrText(err))
	}
	time.Sleep(20 * time.Millisecond) // the clock must move
	hitsBefore := dropinCacheHits(db)
	second, err := dropinOne(db, query)
	if err != nil {
		t.Fatalf("%s: %s", tag, dropinErrText(err))
	}
	if hits := dropinCacheHits(db) - hitsBefore; hits != 0 {
		t.Errorf("%s: served from the cache (%d hit(s)): %s then %s", tag, hits, first, second)
	}
	if strings.Contains(query, "%f") || strings.Contains(query, "julianday") {
		if first == second {
			t.Errorf("%s: same value %s 20 ms later; the clock reads were cached", tag, first)
		}
	}
	if strings.Contains(query, "unixepoch") || strings.Contains(query, "'%s'") {
		n, err := strconv.ParseInt(strings.Trim(second, `"`), 10, 64)
		if now := time.Now().Unix(); err != nil || n < now-5 || n > now+5 {
			t.Errorf("%s: %s is not the current unix time %d", tag, second, now)
		}
	}
}

// dropinCacheHits returns the cache's hit count (0 without the cache).
func dropinCacheHits(db *sql.DB) uint64 {
	s, ok := tursopooled.StatsOf(db)
	if !ok {
		return 0
	}
	return s.Cache.Hits
}
