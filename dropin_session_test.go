package tursopooled_test

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/crc32"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The drop-in suite: switching from "libsql" to "turso-pooled" must change
// nothing a user can observe except speed. Every case runs through plain
// "libsql" and through "turso-pooled" with each feature on and off, over
// HTTP and WebSocket (and TLS where cheap), and expects what plain libsql
// over HTTP gives. Where plain libsql over WebSocket is itself wrong (it
// keeps the server-side stream, and whatever the previous user left in it,
// when database/sql reuses a connection), the correct outcome is asserted
// for turso-pooled and only logged for plain libsql.
//
// This file holds the suite's helpers and the session cases (1 and 7).

// dropinConfig is one driver configuration under test.
type dropinConfig struct {
	name   string // "libsql", "turso-pooled", "turso-pooled+cache", ...
	pooled bool   // through "turso-pooled"
	cache  bool   // cache=on
	extra  string // turso-pooled DSN parameters of the configuration
}

// dropinBr turns compression on with a threshold low enough that the
// suite's values get framed.
const dropinBr = "compress=br&compress_threshold=64"

// dropinConfigs returns plain libsql and turso-pooled with every feature
// combination.
func dropinConfigs() []dropinConfig {
	return []dropinConfig{
		{name: "libsql"},
		{name: "turso-pooled", pooled: true},
		{name: "turso-pooled+cache", pooled: true, cache: true, extra: "cache=on"},
		{name: "turso-pooled+br", pooled: true, extra: dropinBr},
		{name: "turso-pooled+cache+br", pooled: true, cache: true, extra: "cache=on&" + dropinBr},
	}
}

// open opens tg through the configuration; poolParams (turso-pooled DSN
// parameters such as pool_max_conns=1) are ignored by plain libsql.
func (c dropinConfig) open(t *testing.T, tg target, poolParams string) *sql.DB {
	t.Helper()
	if !c.pooled {
		return openLibsql(t, tg)
	}
	return openPooled(t, tg, dropinJoin(c.extra, poolParams))
}

// plainWS reports whether the configuration is plain libsql over
// WebSocket, whose connection reuse keeps the previous user's stream.
func (c dropinConfig) plainWS(tg target) bool { return !c.pooled && tg.ws() }

func dropinJoin(params ...string) string {
	var out []string
	for _, p := range params {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, "&")
}

// dropinTag names a case, a configuration and a transport in failure
// messages.
func dropinTag(n int, c dropinConfig, tg target) string {
	return fmt.Sprintf("case %d [%s over %s]", n, c.name, tg.name)
}

// dropinTargets returns the shared servers' remote targets: http and ws,
// plus https-h2, https-h1 and wss when withTLS.
func dropinTargets(t *testing.T, withTLS bool) []target {
	t.Helper()
	var out []target
	for _, tg := range targets(t) {
		switch {
		case !tg.remote():
		case withTLS, tg.name == "http", tg.name == "ws":
			out = append(out, tg)
		}
	}
	return out
}

// dropinPrivateTargets returns the http and ws targets of a server.
func dropinPrivateTargets(httpURL, wsURL string) []target {
	return []target{
		{name: "http", url: httpURL, token: testToken},
		{name: "ws", url: wsURL, token: testToken},
	}
}

// forEachDropin runs body for every target and configuration, as subtests
// named target/configuration.
func forEachDropin(t *testing.T, tgs []target, cfgs []dropinConfig, body func(t *testing.T, tg target, c dropinConfig)) {
	t.Helper()
	for _, tg := range tgs {
		t.Run(tg.name, func(t *testing.T) {
			for _, c := range cfgs {
				t.Run(c.name, func(t *testing.T) { body(t, tg, c) })
			}
		})
	}
}

// dropinWitness opens plain libsql over HTTP(S) on tg's server: the
// reference that sees only committed data and starts every statement on a
// fresh stream.
func dropinWitness(t *testing.T, tg target) *sql.DB {
	t.Helper()
	w := tg
	w.name, w.url = "http", dropinWitnessURL(tg)
	return openLibsql(t, w)
}

// dropinWitnessURL is the http:// or https:// URL of tg's server.
func dropinWitnessURL(tg target) string {
	switch {
	case strings.HasPrefix(tg.url, "wss://"):
		return "https://" + strings.TrimPrefix(tg.url, "wss://")
	case strings.HasPrefix(tg.url, "ws://"):
		return "http://" + strings.TrimPrefix(tg.url, "ws://")
	}
	return tg.url
}

// dropinStmtTimeout bounds every statement of the suite, so that a case
// that would wait on a leaked lock fails fast.
const dropinStmtTimeout = 3 * time.Second

// dropinQueryer is what *sql.DB, *sql.Conn and *sql.Tx have in common.
type dropinQueryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}

// dropinExec runs a statement under dropinStmtTimeout.
func dropinExec(q dropinQueryer, query string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), dropinStmtTimeout)
	defer cancel()
	_, err := q.ExecContext(ctx, query, args...)
	return err
}

// dropinMust runs a setup statement and fails the test if it fails.
func dropinMust(t *testing.T, q dropinQueryer, query string, args ...any) {
	t.Helper()
	if err := dropinExec(q, query, args...); err != nil {
		t.Fatalf("setup %q: %v", query, err)
	}
}

// dropinRows runs a query under dropinStmtTimeout and returns its rows,
// each value formatted by dropinFormat.
func dropinRows(q dropinQueryer, query string, args ...any) ([][]string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), dropinStmtTimeout)
	defer cancel()
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	var out [][]string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		row := make([]string, len(vals))
		for i, v := range vals {
			row[i] = dropinFormat(v)
		}
		out = append(out, row)
	}
	return out, rows.Err()
}

// dropinOne runs a query expected to return one value and returns it
// formatted ("" with no row).
func dropinOne(q dropinQueryer, query string, args ...any) (string, error) {
	rows, err := dropinRows(q, query, args...)
	if err != nil || len(rows) == 0 || len(rows[0]) == 0 {
		return "", err
	}
	return rows[0][0], nil
}

// dropinFormat formats a scanned value so that its type shows: NULL, a
// quoted text, x'…' for a blob, a number otherwise. Long texts and blobs are
// shortened to their length, checksum and start.
func dropinFormat(v any) string {
	switch v := v.(type) {
	case nil:
		return "NULL"
	case string:
		if len(v) > 48 {
			return fmt.Sprintf("text(len=%d crc=%08x %q…)", len(v), crc32.ChecksumIEEE([]byte(v)), v[:16])
		}
		return fmt.Sprintf("%q", v)
	case []byte:
		if len(v) > 24 {
			return fmt.Sprintf("blob(len=%d crc=%08x x'%s…')", len(v), crc32.ChecksumIEEE(v), hex.EncodeToString(v[:12]))
		}
		return "x'" + hex.EncodeToString(v) + "'"
	case float64:
		return fmt.Sprintf("%g", v)
	case time.Time:
		return v.UTC().Format(time.RFC3339Nano)
	default:
		return fmt.Sprint(v)
	}
}

// dropinErrText returns err's text on one line ("<nil>" for nil).
func dropinErrText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return strings.ReplaceAll(err.Error(), "\n", " | ")
}

// TestDropinCase1LeftoverTransaction: a *sql.Conn that runs BEGIN (or
// SAVEPOINT) and an INSERT and is closed without COMMIT or ROLLBACK must
// not take the next, unrelated db.Exec into its transaction. That write
// must be committed: visible from another *sql.DB, not blocking another
// writer, and still there after db.Close and reopening, while the first
// row is not.
func TestDropinCase1LeftoverTransaction(t *testing.T) {
	opens := []string{"BEGIN", "SAVEPOINT sp"}
	idles := []struct {
		name    string
		maxIdle int // -1: database/sql's default (the conn goes to its idle list)
	}{{"idle-list", -1}, {"no-idle", 0}}
	forEachDropin(t, dropinTargets(t, true), dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		for _, open := range opens {
			if open != opens[0] && tg.name != "http" && tg.name != "ws" {
				continue // the TLS targets run the BEGIN variants only, to stay quick
			}
			for _, idle := range idles {
				name := strings.Fields(open)[0] + "/" + idle.name
				t.Run(name, func(t *testing.T) {
					tag := dropinTag(1, c, tg) + " " + name
					dropinCase1(t, tg, c, tag, open, idle.maxIdle)
				})
			}
		}
	})
}

// dropinCase1 runs case 1 once: open ("BEGIN" or "SAVEPOINT sp") and an
// INSERT on a *sql.Conn closed unfinished, then the checks on the next
// write. maxIdle < 0 keeps database/sql's idle list.
func dropinCase1(t *testing.T, tg target, c dropinConfig, tag, open string, maxIdle int) {
	tbl := tableName("c1")
	// pool_max_conns=1: over HTTP/1.1 the relay then has one connection,
	// so the upstream's fire-and-forget stream close could queue behind
	// the next INSERT waiting for the lock that close releases, unless the
	// driver rolls the transaction back before the connection is reused.
	db := c.open(t, tg, "pool_max_conns=1&pool_min_conns=1")
	db.SetMaxOpenConns(1)
	if maxIdle >= 0 {
		db.SetMaxIdleConns(maxIdle)
	}
	dropinMust(t, db, "CREATE TABLE "+tbl+" (v INTEGER)")
	dropinSession(t, tag, db, open, "INSERT INTO "+tbl+" VALUES (1)")

	// The next, unrelated write.
	if err := dropinExec(db, "INSERT INTO "+tbl+" VALUES (2)"); err != nil {
		t.Fatalf("%s: the next db.Exec INSERT failed: %s", tag, dropinErrText(err))
	}
	witness := dropinWitness(t, tg)
	visible, err := dropinOne(witness, "SELECT count(*) FROM "+tbl+" WHERE v = 2")
	if c.plainWS(tg) && maxIdle != 0 {
		// Plain libsql over WebSocket keeps the stream when database/sql
		// reuses the connection: the INSERT ran inside the leftover
		// transaction. Upstream behaviour; only logged.
		t.Logf("%s: plain libsql over WebSocket: acknowledged row visible elsewhere = %s (%v); not asserted", tag, visible, err)
		return
	}
	if err != nil || visible != "1" {
		t.Fatalf("%s: acknowledged INSERT not visible from another *sql.DB (count = %q, err = %v): it ran inside the leftover %s", tag, visible, err, open)
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer wcancel()
	if _, err := witness.ExecContext(wctx, "INSERT INTO "+tbl+" VALUES (3)"); err != nil {
		t.Fatalf("%s: another writer failed: %s (the leftover %s still holds the write lock)", tag, dropinErrText(err), open)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("%s: db.Close: %v", tag, err)
	}
	reopened := c.open(t, tg, "")
	rows, err := dropinRows(reopened, "SELECT v FROM "+tbl+" ORDER BY v")
	if err != nil {
		t.Fatalf("%s: read after reopening: %v", tag, err)
	}
	if got := fmt.Sprint(rows); got != "[[2] [3]]" {
		t.Fatalf("%s: rows after db.Close and reopening = %s, want [[2] [3]] (row 1 rolled back, rows 2 and 3 committed)", tag, got)
	}
}

// dropinLeak is one piece of session state that a *sql.Conn sets and that
// must not reach the next user of the pool.
type dropinLeak struct {
	name  string
	setup []string // statements run on the conn; %s is the test's table prefix
	// probe observes the state through q; witness is plain libsql over
	// HTTP on the same server, n (unique per call) keys the probe's rows.
	probe func(q, witness dropinQueryer, p string, n int) string
}

// dropinLeaks returns the session states of case 7.
func dropinLeaks() []dropinLeak {
	writeProbe := func(q, _ dropinQueryer, p string, n int) string {
		if err := dropinExec(q, "INSERT INTO "+p+"_w (k) VALUES (?)", n); err != nil {
			return "write failed: " + dropinErrText(err)
		}
		return "write ok"
	}
	fkProbe := func(q, _ dropinQueryer, p string, n int) string {
		if err := dropinExec(q, "INSERT INTO "+p+"_child (p) VALUES (?)", 1_000_000+n); err != nil {
			return "orphan rejected"
		}
		return "orphan accepted"
	}
	return []dropinLeak{
		{name: "temp-table", setup: []string{
			"CREATE TEMP TABLE %s_kv (k INTEGER, v TEXT)",
			"INSERT INTO %s_kv VALUES (1, 'temp')",
		}, probe: func(q, witness dropinQueryer, p string, n int) string {
			read, err := dropinOne(q, "SELECT v FROM "+p+"_kv WHERE k = 1")
			if err != nil {
				read = "error: " + dropinErrText(err)
			}
			werr := dropinExec(q, "INSERT INTO "+p+"_kv (k, v) VALUES (?, 'probe')", 100+n)
			stored, _ := dropinOne(witness, "SELECT count(*) FROM "+p+"_kv WHERE k = ?", 100+n)
			return fmt.Sprintf("read %s, write err=%v, stored in main=%s", read, werr, stored)
		}},
		{name: "query_only", setup: []string{"PRAGMA query_only = 1"}, probe: writeProbe},
		{name: "foreign_keys=ON", setup: []string{"PRAGMA foreign_keys = ON"}, probe: fkProbe},
		{name: "foreign_keys=OFF", setup: []string{"PRAGMA foreign_keys = OFF"}, probe: fkProbe},
		{name: "recursive_triggers", setup: []string{"PRAGMA recursive_triggers = 1"},
			probe: func(q, _ dropinQueryer, p string, n int) string {
				if err := dropinExec(q, "INSERT INTO "+p+"_rt (tag, n) VALUES (?, 1)", n); err != nil {
					return "insert failed: " + dropinErrText(err)
				}
				cnt, err := dropinOne(q, "SELECT count(*) FROM "+p+"_rt WHERE tag = ?", n)
				return fmt.Sprintf("trigger chain rows=%s err=%v", cnt, err)
			}},
		{name: "attach", setup: []string{"ATTACH DATABASE ':memory:' AS aux"},
			probe: func(q, _ dropinQueryer, _ string, _ int) string {
				rows, err := dropinRows(q, "PRAGMA database_list")
				if err != nil {
					return "error: " + dropinErrText(err)
				}
				var names []string
				for _, r := range rows {
					if len(r) > 1 {
						names = append(names, r[1])
					}
				}
				return "databases " + strings.Join(names, ",")
			}},
	}
}

// dropinLeakSchema creates the tables the probes use, through the witness.
func dropinLeakSchema(t *testing.T, witness dropinQueryer, p string) {
	t.Helper()
	for _, q := range []string{
		"CREATE TABLE %s_kv (k INTEGER, v TEXT)",
		"INSERT INTO %s_kv VALUES (1, 'main')",
		"CREATE TABLE %s_w (k INTEGER)",
		"CREATE TABLE %s_parent (id INTEGER PRIMARY KEY)",
		"CREATE TABLE %s_child (p INTEGER REFERENCES %s_parent(id))",
		"CREATE TABLE %s_rt (tag INTEGER, n INTEGER)",
		"CREATE TRIGGER %s_rt_next AFTER INSERT ON %s_rt WHEN NEW.n < 3 BEGIN INSERT INTO %s_rt (tag, n) VALUES (NEW.tag, NEW.n + 1); END",
	} {
		dropinMust(t, witness, strings.ReplaceAll(q, "%s", p))
	}
}

// dropinSession runs stmts on a *sql.Conn of db and closes the conn
// without finishing anything the statements started.
func dropinSession(t *testing.T, tag string, db *sql.DB, stmts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), dropinStmtTimeout)
	defer cancel()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatalf("%s: db.Conn: %s", tag, dropinErrText(err))
	}
	for _, q := range stmts {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			conn.Close()
			t.Fatalf("%s: %s on the conn: %s", tag, q, dropinErrText(err))
		}
	}
	if err := conn.Close(); err != nil {
		t.Fatalf("%s: conn.Close: %s", tag, dropinErrText(err))
	}
}

// TestDropinCase7SessionStateLeaks: state a *sql.Conn sets (a TEMP table
// shadowing a main one, query_only, foreign_keys, recursive_triggers, an
// ATTACHed database) must be gone for later, unrelated work through db,
// which must see the state of a fresh connection. One connection is forced
// (db.SetMaxOpenConns(1), pool_max_conns=1) so that it is reused; over
// WebSocket also with db.SetMaxIdleConns(0), where only the pool reuses it.
func TestDropinCase7SessionStateLeaks(t *testing.T) {
	const probes = 5
	// One schema per server for the whole test (DDL is slow under -race):
	// the probes' keys are unique, and the states live in their conns only.
	p := tableName("c7")
	schemas := map[string]bool{} // witness URL → schema created
	var seq atomic.Int64
	forEachDropin(t, dropinTargets(t, true), dropinConfigs(), func(t *testing.T, tg target, c dropinConfig) {
		variants := []int{-1} // database/sql's idle list
		if tg.name == "ws" {
			variants = append(variants, 0) // db.SetMaxIdleConns(0): only the pool reuses
		}
		plain := tg.name == "http" || tg.name == "ws"
		for _, maxIdle := range variants {
			for _, lk := range dropinLeaks() {
				if !plain && lk.name != "temp-table" && lk.name != "query_only" {
					continue // the TLS targets run two states only, to stay quick
				}
				name := lk.name
				if maxIdle == 0 {
					name += "/no-idle"
				}
				t.Run(name, func(t *testing.T) {
					tag := dropinTag(7, c, tg) + " " + name
					witness := dropinWitness(t, tg)
					if w := dropinWitnessURL(tg); !schemas[w] {
						dropinLeakSchema(t, witness, p)
						schemas[w] = true
					}
					fresh := lk.probe(witness, witness, p, int(seq.Add(1)))
					if strings.Contains(fresh, "fail") || strings.Contains(fresh, "error") {
						t.Fatalf("%s: the probe fails on a fresh connection: %s", tag, fresh)
					}

					db := c.open(t, tg, "pool_max_conns=1&pool_min_conns=1")
					db.SetMaxOpenConns(1)
					if maxIdle >= 0 {
						db.SetMaxIdleConns(maxIdle)
					}
					var setup []string
					for _, q := range lk.setup {
						setup = append(setup, strings.ReplaceAll(q, "%s", p))
					}
					dropinSession(t, tag, db, setup...)
					for i := 1; i <= probes; i++ {
						got := lk.probe(db, witness, p, int(seq.Add(1)))
						if got == fresh {
							continue
						}
						if c.plainWS(tg) && maxIdle != 0 {
							// Plain libsql over WebSocket reuses the stream with
							// the previous user's state: upstream behaviour.
							t.Logf("%s: plain libsql over WebSocket: probe %d saw %q, a fresh connection %q; not asserted", tag, i, got, fresh)
							return
						}
						t.Fatalf("%s: probe %d after the conn closed saw %q; a fresh connection sees %q (session state leaked to the next pool user)", tag, i, got, fresh)
					}
				})
			}
		}
	})
}
