package tursopooled_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// ckStats returns db's cache counters.
func ckStats(t *testing.T, db *sql.DB) tursopooled.Stats {
	t.Helper()
	st, ok := tursopooled.StatsOf(db)
	if !ok {
		t.Fatal("not a turso-pooled DB")
	}
	return st
}

// ckRead reads one text value and fails the test unless it is want.
func ckRead(t *testing.T, q diffQueryer, want, query string, args ...any) {
	t.Helper()
	var got string
	rows, err := q.QueryContext(testCtx(t), query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	if rows.Next() {
		if err := rows.Scan(&got); err != nil {
			t.Fatal(err)
		}
	}
	if got != want {
		t.Fatalf("%s %v = %q, want %q", query, args, got, want)
	}
}

func ckExec(t *testing.T, q diffQueryer, query string, args ...any) {
	t.Helper()
	if _, err := q.ExecContext(testCtx(t), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// keyedWritesWired reports whether the connection code passes a write's
// arguments to the cache (the conn.go change of issue 14): a write keyed by
// a parameter then counts as a key-level invalidation.
func keyedWritesWired(t *testing.T, db *sql.DB, table string) bool {
	t.Helper()
	before := ckStats(t, db).Cache.KeyInvalidations
	ckExec(t, db, "UPDATE "+table+" SET v = v WHERE k = ?", -1)
	return ckStats(t, db).Cache.KeyInvalidations > before
}

// TestCacheKeyedReadsStayCached: a read by key stays cached while other
// keys of its table are written, by literal or by parameter, and a write
// of its own key (or a write not restricted by key) drops it.
func TestCacheKeyedReadsStayCached(t *testing.T) {
	tg := target{name: "http", url: env.plain.HTTPURL(), token: testToken}
	db := openPooled(t, tg, "cache=on")
	kv := tableName("ck")
	ckExec(t, db, "CREATE TABLE "+kv+" (k INTEGER PRIMARY KEY, v TEXT)")
	ckExec(t, db, "INSERT INTO "+kv+" (k, v) VALUES (1, 'one'), (2, 'two'), (3, 'three')")
	read := "SELECT v FROM " + kv + " WHERE k = ?"
	hits := func() uint64 { return ckStats(t, db).Cache.Hits }

	ckRead(t, db, "one", read, 1) // miss: cached
	h := hits()
	ckRead(t, db, "one", read, 1)
	if hits() != h+1 {
		t.Fatal("the second read was not served from the cache")
	}
	keyInv := ckStats(t, db).Cache.KeyInvalidations
	ckExec(t, db, "UPDATE "+kv+" SET v = 'TWO' WHERE k = 2")
	ckExec(t, db, "INSERT INTO "+kv+" (k, v) VALUES (4, 'four')")
	ckExec(t, db, "DELETE FROM "+kv+" WHERE k IN (3, '4')")
	if got := ckStats(t, db).Cache.KeyInvalidations - keyInv; got != 3 {
		t.Fatalf("%d key-level invalidations for three keyed writes, want 3", got)
	}
	h = hits()
	ckRead(t, db, "one", read, 1)
	if hits() != h+1 {
		t.Fatal("writes of other keys (literals) dropped the cached read of key 1")
	}
	ckRead(t, db, "TWO", read, 2)

	t.Run("parameters", func(t *testing.T) {
		if !keyedWritesWired(t, db, kv) {
			t.Fatal("a write keyed by a parameter was not a key-level invalidation: conn code must pass a write's arguments to the cache")
		}
		ckRead(t, db, "one", read, 1)
		h := hits()
		ckExec(t, db, "UPDATE "+kv+" SET v = ? WHERE k = ?", "deux", 2)
		ckRead(t, db, "one", read, 1)
		if hits() != h+1 {
			t.Fatal("a write of another key (parameter) dropped the cached read of key 1")
		}
		ckRead(t, db, "deux", read, 2)
		ckExec(t, db, "UPDATE "+kv+" SET v = ? WHERE k = ?", "uno", "1") // '1' is key 1 on an INTEGER column
		ckRead(t, db, "uno", read, 1)
	})

	ckExec(t, db, "UPDATE "+kv+" SET v = 'uno' WHERE k = 1")
	ckRead(t, db, "uno", read, 1)
	ckExec(t, db, "UPDATE "+kv+" SET v = 'eins' WHERE rowid = 1.0") // the rowid is k under another name
	ckRead(t, db, "eins", read, 1)
	tableInv := ckStats(t, db).Cache.Invalidations
	ckExec(t, db, "UPDATE "+kv+" SET v = v || '!' WHERE v > 'a'") // no key predicate
	if ckStats(t, db).Cache.Invalidations != tableInv+1 {
		t.Fatal("a write without key predicate was not a table-level invalidation")
	}
	ckRead(t, db, "eins!", read, 1)
}

// TestCacheKeyedWriteInTransaction: a write by key inside a transaction
// drops the key again at COMMIT, after another connection cached the
// committed value in between.
func TestCacheKeyedWriteInTransaction(t *testing.T) {
	tg := target{name: "http", url: env.plain.HTTPURL(), token: testToken}
	db := openPooled(t, tg, "cache=on")
	kv := tableName("cktx")
	ckExec(t, db, "CREATE TABLE "+kv+" (k INTEGER PRIMARY KEY, v TEXT)")
	ckExec(t, db, "INSERT INTO "+kv+" (k, v) VALUES (1, 'old'), (2, 'two')")
	read := "SELECT v FROM " + kv + " WHERE k = ?"
	for _, how := range []string{"BeginTx", "BEGIN"} {
		t.Run(how, func(t *testing.T) {
			ckExec(t, db, "UPDATE "+kv+" SET v = 'old' WHERE k = 1")
			var (
				w      diffQueryer
				commit func() error
			)
			if how == "BeginTx" {
				tx, err := db.BeginTx(testCtx(t), nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				w, commit = tx, tx.Commit
			} else {
				c, err := db.Conn(testCtx(t))
				if err != nil {
					t.Fatal(err)
				}
				defer c.Close()
				ckExec(t, c, "BEGIN")
				w, commit = c, func() error { _, err := c.ExecContext(testCtx(t), "COMMIT"); return err }
			}
			ckExec(t, w, "UPDATE "+kv+" SET v = ? WHERE k = ?", "new", 1)
			ckRead(t, db, "old", read, 1) // cached by another connection
			ckRead(t, db, "old", read, 1)
			if err := commit(); err != nil {
				t.Fatal(err)
			}
			ckRead(t, db, "new", read, 1)
		})
	}
}

// TestCacheForeignKeyQuotedParent is the case of issue 14: a foreign key
// to a quoted table name with a space, ON DELETE CASCADE; deleting the
// parent row must drop a cached count of the child table. On a file:
// database with foreign keys on (tursotest's are off).
func TestCacheForeignKeyQuotedParent(t *testing.T) {
	file := filepath.Join(env.fileDir, fmt.Sprintf("fk%d.sqlite", fileSeq.Add(1)))
	db := openPooled(t, target{name: "file", url: "file:" + file + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(10000)"}, "cache=on")
	for _, s := range []string{
		`CREATE TABLE "Parent Table" (id INTEGER PRIMARY KEY, name TEXT)`,
		`CREATE TABLE [Other Parent] (id INTEGER PRIMARY KEY)`,
		`CREATE TABLE child (id INTEGER PRIMARY KEY, pid INTEGER REFERENCES "Parent Table"(id) ON DELETE CASCADE,
			oid2 INTEGER REFERENCES [Other Parent] (id) ON UPDATE SET NULL)`,
		`INSERT INTO "Parent Table" VALUES (1, 'p')`,
		`INSERT INTO [Other Parent] VALUES (7)`,
		`INSERT INTO child VALUES (10, 1, 7)`,
	} {
		ckExec(t, db, s)
	}
	ckRead(t, db, "1", "SELECT CAST(count(*) AS TEXT) FROM child")
	ckRead(t, db, "7", "SELECT coalesce(CAST(oid2 AS TEXT), '') FROM child WHERE id = 10")
	ckExec(t, db, `UPDATE [Other Parent] SET id = 8 WHERE id = 7`)
	ckRead(t, db, "", "SELECT coalesce(CAST(oid2 AS TEXT), '') FROM child WHERE id = 10")
	ckExec(t, db, `DELETE FROM "Parent Table" WHERE id = 1`)
	ckRead(t, db, "0", "SELECT CAST(count(*) AS TEXT) FROM child")
}

// TestCacheNotUnderstoodWrite: a write sqlclass cannot read (here, a bare
// non-ASCII name its lexer cannot tokenize) is not cached and drops the
// whole cache.
func TestCacheNotUnderstoodWrite(t *testing.T) {
	tg := target{name: "http", url: env.plain.HTTPURL(), token: testToken}
	db := openPooled(t, tg, "cache=on")
	kv := tableName("ckbad")
	ckExec(t, db, "CREATE TABLE "+kv+" (k INTEGER PRIMARY KEY, v TEXT)")
	ckExec(t, db, "INSERT INTO "+kv+" VALUES (1, 'a')")
	ckRead(t, db, "a", "SELECT v FROM "+kv+" WHERE k = 1")
	before := ckStats(t, db).Cache.InvalidateAlls
	_, _ = db.ExecContext(testCtx(t), "UPDATE "+kv+" SET v = 'b' WHERE k = 1 AND é = 1") // fails on the server too
	if ckStats(t, db).Cache.InvalidateAlls != before+1 {
		t.Fatal("a write not understood did not invalidate everything")
	}
}

// statementCounter is an HTTP proxy in front of a tursotest server that
// counts the requests whose body holds a marker (a statement's text).
type statementCounter struct {
	target string
	marker []byte
	n      atomic.Int64
}

func (c *statementCounter) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	c.n.Add(int64(bytes.Count(body, c.marker)))
	req, err := http.NewRequestWithContext(r.Context(), r.Method, c.target+r.URL.RequestURI(), bytes.NewReader(body))
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	req.Header = r.Header.Clone()
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	for k, v := range resp.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = io.Copy(w, resp.Body)
}

// TestCacheCoalescesHotMiss: when the cached result of a hot key is
// dropped under 32 concurrent readers, the server runs the read once, not
// 32 times; the others are served its result (Stats.Cache.Coalesced).
// Without the cache every reader sends it.
func TestCacheCoalescesHotMiss(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	const readers = 32
	read := "SELECT v FROM hot WHERE k = ?"
	counter := &statementCounter{target: srv.HTTPURL(), marker: []byte(read)}
	proxy := httptest.NewServer(counter)
	defer proxy.Close()
	db := openPooled(t, target{name: "http", url: proxy.URL, token: testToken},
		fmt.Sprintf("cache=on&pool_max_conns=%d&pool_min_conns=%d", readers, readers))
	db.SetMaxOpenConns(readers + 1)
	db.SetMaxIdleConns(readers + 1)
	ckExec(t, db, "CREATE TABLE hot (k INTEGER PRIMARY KEY, v TEXT)")
	ckExec(t, db, "INSERT INTO hot VALUES (1, 'a'), (2, 'b')")
	ckRead(t, db, "a", read, 1) // the first miss ends its fetch, which turns coalescing on
	if !tursopooled.CoalescingOn(db) {
		t.Fatal("coalescing is still off after a miss ended: conn code must end the fetch of every miss it leads (cacheFill.done)")
	}
	ckWarm(t, db, readers)

	burst := func(ctx context.Context) int64 {
		before := counter.n.Load()
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			errs  = make(chan error, readers)
		)
		for range readers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				var v string
				if err := db.QueryRowContext(ctx, read, 1).Scan(&v); err != nil || v != "a" {
					errs <- fmt.Errorf("read = %q, %v", v, err)
				}
			}()
		}
		srv.SetRequestDelay(300 * time.Millisecond) // the first reader's query is in flight while the others miss
		close(start)
		wg.Wait()
		srv.SetRequestDelay(0)
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		return counter.n.Load() - before
	}

	ckExec(t, db, "UPDATE hot SET v = 'a' WHERE k = 1") // the hot key is dropped
	st0 := ckStats(t, db).Cache
	if n := burst(testCtx(t)); n != 1 {
		t.Errorf("%d concurrent misses of one key sent %d queries, want 1", readers, n)
	}
	st := ckStats(t, db).Cache
	if served := (st.Coalesced - st0.Coalesced) + (st.Hits - st0.Hits); served != readers-1 {
		t.Errorf("coalesced %d + hits %d, want %d in all", st.Coalesced-st0.Coalesced, st.Hits-st0.Hits, readers-1)
	}
	if n := burst(tursopooled.WithoutCache(testCtx(t))); n != readers {
		t.Errorf("without the cache, %d readers sent %d queries", readers, n)
	}
}

// ckWarm opens n connections (each with a stream), so that a burst of n
// readers needs no new one.
func ckWarm(t *testing.T, db *sql.DB, n int) {
	t.Helper()
	var conns []*sql.Conn
	for range n {
		c, err := db.Conn(testCtx(t))
		if err != nil {
			t.Fatal(err)
		}
		ckExec(t, c, "SELECT 1")
		conns = append(conns, c)
	}
	for _, c := range conns {
		c.Close()
	}
}

// TestCacheWriteOnlyProcessInvalidatesByKey: a connector that has only
// written (no cache fill loaded its schema map, and with compress=br no
// new connection does) still invalidates a keyed write by key, not
// everything: the write loads the map before it is sent. Over the cache bus, every such write would otherwise flush every
// replica.
func TestCacheWriteOnlyProcessInvalidatesByKey(t *testing.T) {
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			setup := openPooled(t, tg, "")
			kv := tableName("wo")
			ckExec(t, setup, "CREATE TABLE "+kv+" (k INTEGER PRIMARY KEY, v TEXT)")
			ckExec(t, setup, "INSERT INTO "+kv+" (k, v) VALUES (1, 'one')")

			// With compress=br a new connection leaves the schema load to first use.
			db := openPooled(t, tg, "cache=on&compress=br")
			ckExec(t, db, "UPDATE "+kv+" SET v = ? WHERE k = ?", "uno", 1)
			st := ckStats(t, db).Cache
			if st.KeyInvalidations != 1 || st.InvalidateAlls != 0 {
				t.Fatalf("first write of a fresh connector: %d key-level invalidations, %d of everything; want 1, 0",
					st.KeyInvalidations, st.InvalidateAlls)
			}
			ckRead(t, db, "uno", "SELECT v FROM "+kv+" WHERE k = ?", 1)
		})
	}
}
