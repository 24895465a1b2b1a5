package tursopooled_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

func scanInt(t *testing.T, db *sql.DB, ctx context.Context, query string, args ...any) int64 {
	t.Helper()
	var v int64
	if err := db.QueryRowContext(ctx, query, args...).Scan(&v); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return v
}

// TestCacheReadYourWrites: readers and writers racing through one *sql.DB
// never observe a value older than the last write that completed before the
// read started.
func TestCacheReadYourWrites(t *testing.T) {
	for _, tg := range remoteTargets(t)[:2] { // http and ws
		t.Run(tg.name, func(t *testing.T) {
			db := openPooled(t, tg, "cache=on&cache_ttl=10s")
			ctx := testCtx(t)
			tbl := tableName("ryw")
			mustExec(t, db, "CREATE TABLE "+tbl+" (k INTEGER PRIMARY KEY, v INTEGER)")
			mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1, 0)")
			var committed atomic.Int64
			var wg sync.WaitGroup
			errs := make(chan error, 8)
			wg.Go(func() {
				for i := int64(1); i <= 60; i++ {
					if _, err := db.ExecContext(ctx, "UPDATE "+tbl+" SET v = ? WHERE k = 1", i); err != nil {
						errs <- err
						return
					}
					committed.Store(i)
				}
			})
			for range 4 {
				wg.Go(func() {
					for range 150 {
						floor := committed.Load()
						var v int64
						if err := db.QueryRowContext(ctx, "SELECT v FROM "+tbl+" WHERE k = 1").Scan(&v); err != nil {
							errs <- err
							return
						}
						if v < floor {
							errs <- fmt.Errorf("read %d after write %d had completed", v, floor)
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
			st, _ := tursopooled.StatsOf(db)
			t.Logf("cache hits %d misses %d invalidations %d", st.Cache.Hits, st.Cache.Misses, st.Cache.Invalidations)
			if st.Cache.Hits == 0 {
				t.Error("no cache hit at all: the test did not exercise the cache")
			}
		})
	}
}

// TestCacheServesHitsAndBypasses: a repeated read is served from the cache
// (the server sees no request), WithoutCache goes to the server, and a
// transaction never reads cached data.
func TestCacheServesHitsAndBypasses(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	tg := target{name: "ws", url: srv.WSURL(), token: testToken}
	db := openPooled(t, tg, "cache=on&pool_min_conns=0&pool_max_conns=1")
	raw := openLibsql(t, tg)
	ctx := testCtx(t)
	tbl := tableName("hits")
	mustExec(t, db, "CREATE TABLE "+tbl+" (v INTEGER)")
	mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1)")
	q := "SELECT v FROM " + tbl
	// ristretto admits a new entry asynchronously: read until one read is
	// served without touching the server, then count.
	for i := 0; ; i++ {
		b := srv.Stats().BytesIn
		scanInt(t, db, ctx, q)
		if srv.Stats().BytesIn == b {
			break
		}
		if i == 100 {
			t.Fatal("the result never became a cache hit")
		}
	}
	before := srv.Stats().BytesIn
	for range 20 {
		if v := scanInt(t, db, ctx, q); v != 1 {
			t.Fatalf("cached read = %d, want 1", v)
		}
	}
	if after := srv.Stats().BytesIn; after != before {
		t.Errorf("server received %d bytes during 20 cached reads, want 0", after-before)
	}
	// An outside write (plain libsql) is invisible to the cache until TTL...
	if _, err := raw.ExecContext(ctx, "UPDATE "+tbl+" SET v = 2"); err != nil {
		t.Fatal(err)
	}
	if v := scanInt(t, db, ctx, q); v != 1 {
		t.Fatalf("read after an outside write = %d; expected the cached 1 (staleness bounded by cache_max_ttl)", v)
	}
	// ...but WithoutCache and transactions read the server.
	if v := scanInt(t, db, tursopooled.WithoutCache(ctx), q); v != 2 {
		t.Errorf("WithoutCache read = %d, want 2", v)
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var v int64
	if err := tx.QueryRowContext(ctx, q).Scan(&v); err != nil || v != 2 {
		t.Errorf("read in tx = %d, %v; want 2 (transactions never read the cache)", v, err)
	}
	_ = tx.Rollback()
}

// TestCacheIsolatesTokens: two connectors with different tokens on the same
// URL never share cached results.
func TestCacheIsolatesTokens(t *testing.T) {
	srv := tursotest.NewTestServer(t) // accepts any token
	a := openPooled(t, target{url: srv.HTTPURL(), token: "token-a"}, "cache=on")
	b := openPooled(t, target{url: srv.HTTPURL(), token: "token-b"}, "cache=on")
	raw := openLibsql(t, target{url: srv.HTTPURL()})
	ctx := testCtx(t)
	tbl := tableName("iso")
	mustExec(t, raw, "CREATE TABLE "+tbl+" (v INTEGER)")
	mustExec(t, raw, "INSERT INTO "+tbl+" VALUES (1)")
	q := "SELECT v FROM " + tbl
	if v := scanInt(t, a, ctx, q); v != 1 {
		t.Fatalf("a = %d", v)
	}
	mustExec(t, raw, "UPDATE "+tbl+" SET v = 2")
	if v := scanInt(t, b, ctx, q); v != 2 {
		t.Fatalf("connector b read %d: it was served connector a's cached result", v)
	}
}

// TestCacheSchemaChanges: DDL through the driver never serves a result of
// the old schema; views and triggers are followed.
func TestCacheSchemaChanges(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	db := openPooled(t, target{url: srv.HTTPURL(), token: testToken}, "cache=on")
	ctx := testCtx(t)
	tbl, view, log := tableName("ddl"), tableName("v"), tableName("log")
	mustExec(t, db, "CREATE TABLE "+tbl+" (a INTEGER)")
	mustExec(t, db, "INSERT INTO "+tbl+" VALUES (1)")
	cols := func() string {
		rows, err := db.QueryContext(ctx, "SELECT * FROM "+tbl)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		c, _ := rows.Columns()
		return strings.Join(c, ",")
	}
	if got := cols(); got != "a" {
		t.Fatalf("columns = %s", got)
	}
	mustExec(t, db, "ALTER TABLE "+tbl+" ADD COLUMN b TEXT")
	if got := cols(); got != "a,b" {
		t.Fatalf("columns after ALTER = %s, want a,b (old schema served from cache)", got)
	}
	mustExec(t, db, "CREATE VIEW "+view+" AS SELECT count(*) AS n FROM "+tbl)
	mustExec(t, db, "CREATE TABLE "+log+" (n INTEGER)")
	mustExec(t, db, "CREATE TRIGGER "+log+"_trg AFTER INSERT ON "+tbl+" BEGIN INSERT INTO "+log+" VALUES (NEW.a); END")
	if n := scanInt(t, db, ctx, "SELECT n FROM "+view); n != 1 {
		t.Fatalf("view count = %d", n)
	}
	if n := scanInt(t, db, ctx, "SELECT count(*) FROM "+log); n != 0 {
		t.Fatalf("log count = %d", n)
	}
	mustExec(t, db, "INSERT INTO "+tbl+" (a) VALUES (2)")
	if n := scanInt(t, db, ctx, "SELECT n FROM "+view); n != 2 {
		t.Errorf("view count after insert = %d, want 2 (view not invalidated)", n)
	}
	if n := scanInt(t, db, ctx, "SELECT count(*) FROM "+log); n != 1 {
		t.Errorf("trigger-written table count = %d, want 1 (trigger effect not invalidated)", n)
	}
}

// TestCompressionThroughDriver: large values travel framed, read back as
// their original type, stay readable with compression off, plain libsql
// sees blobs, and raw values (old data, WithoutCompression, a user blob with
// the magic) come back untouched.
func TestCompressionThroughDriver(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	tg := target{url: srv.HTTPURL(), token: testToken}
	on := openPooled(t, tg, "compress=br&compress_threshold=256")
	off := openPooled(t, tg, "")
	raw := openLibsql(t, tg)
	ctx := testCtx(t)
	tbl := tableName("docs")
	mustExec(t, on, "CREATE TABLE "+tbl+" (id INTEGER PRIMARY KEY, body TEXT, data BLOB)")
	doc := strings.Repeat(`{"name":"turso","tags":["a","b"],"text":"the quick brown fox"}`, 64)
	bin := bytes.Repeat([]byte("binary-payload-"), 200)
	magic := append([]byte{0xF5, 'T', 'P', 'Z', 1, 1, 2}, bytes.Repeat([]byte{7}, 300)...)
	mustExec(t, off, "INSERT INTO "+tbl+" VALUES (0, ?, ?)", doc, bin)  // written raw
	mustExec(t, on, "INSERT INTO "+tbl+" VALUES (1, ?, ?)", doc, bin)   // framed
	mustExec(t, on, "INSERT INTO "+tbl+" VALUES (2, ?, ?)", doc, magic) // user blob with the magic
	if _, err := on.ExecContext(tursopooled.WithoutCompression(ctx), "INSERT INTO "+tbl+" VALUES (3, ?, ?)", doc, bin); err != nil {
		t.Fatal(err)
	}
	for _, db := range []*sql.DB{on, off} {
		for id, wantBlob := range map[int][]byte{0: bin, 1: bin, 2: magic, 3: bin} {
			var body any
			var data []byte
			if err := db.QueryRowContext(ctx, "SELECT body, data FROM "+tbl+" WHERE id = ?", id).Scan(&body, &data); err != nil {
				t.Fatal(err)
			}
			if s, ok := body.(string); !ok || s != doc {
				t.Errorf("id %d: body is %T (len %d), want the original string", id, body, len(fmt.Sprint(body)))
			}
			if !bytes.Equal(data, wantBlob) {
				t.Errorf("id %d: blob differs (len %d, want %d)", id, len(data), len(wantBlob))
			}
		}
	}
	var storedType string
	if err := raw.QueryRowContext(ctx, "SELECT typeof(body) FROM "+tbl+" WHERE id = 1").Scan(&storedType); err != nil || storedType != "blob" {
		t.Errorf("plain libsql sees typeof(body) = %q, %v; want blob (the frame)", storedType, err)
	}
	if err := raw.QueryRowContext(ctx, "SELECT typeof(body) FROM "+tbl+" WHERE id = 3").Scan(&storedType); err != nil || storedType != "text" {
		t.Errorf("WithoutCompression stored %q, want text", storedType)
	}
	st, _ := tursopooled.StatsOf(on)
	if st.Compression.ValuesFramed < 2 || st.Compression.BytesOut >= st.Compression.BytesIn {
		t.Errorf("compression stats = %+v", st.Compression)
	}
}
