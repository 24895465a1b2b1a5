package main

import (
	"database/sql"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/compress"
	"github.com/turso-pooled/tursopooled/compress/jsondoc"
	"github.com/turso-pooled/tursopooled/sqlclass"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// Micro-benchmarks of the driver's hot paths. The end-to-end comparison is
// the program itself (go run ./benchmarks); these isolate single costs.

func BenchmarkParseDSN(b *testing.B) {
	dsns := map[string]string{
		"minimal": "libsql://db-org.turso.io?authToken=tok",
		"full":    "libsql://db-org.turso.io?authToken=tok&pool_min_conns=5&pool_max_conns=20&cache=on&cache_ttl=5s&compress=br&compress_threshold=1KiB",
	}
	for name, dsn := range dsns {
		b.Run("DSN="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := tursopooled.ParseDSN(dsn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// microDB opens a warm turso-pooled DB on an in-process server at RTT 0
// (no proxy, no TLS) and creates table t with one row.
func microDB(b *testing.B, url, params string) *sql.DB {
	b.Helper()
	db, err := sql.Open("turso-pooled", url+"?pool_min_conns=2&pool_max_conns=4"+params)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	for _, s := range []string{"CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT)", "INSERT OR REPLACE INTO t VALUES (1, 'one')"} {
		if _, err := db.ExecContext(b.Context(), s); err != nil {
			b.Fatal(err)
		}
	}
	return db
}

// microServer starts a plain-text in-process server for one benchmark.
func microServer(b *testing.B) *tursotest.Server {
	b.Helper()
	srv, err := tursotest.NewServer()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Close() })
	return srv
}

func BenchmarkPoolAcquireRelease(b *testing.B) {
	srv := microServer(b)
	for _, tr := range []struct{ name, url string }{{"ws", srv.WSURL()}, {"http", srv.HTTPURL()}} {
		// MaxIdle=0 makes database/sql hand every connection back to the
		// driver, so each db.Conn goes through the turso-pooled pool;
		// MaxIdle=2 is database/sql's default (its own idle list first).
		for _, idle := range []int{0, 2} {
			b.Run(fmt.Sprintf("Transport=%s/MaxIdle=%d", tr.name, idle), func(b *testing.B) {
				db := microDB(b, tr.url, "")
				db.SetMaxIdleConns(idle)
				ctx := b.Context()
				b.ReportAllocs()
				for b.Loop() {
					c, err := db.Conn(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if err := c.Close(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkCacheHit(b *testing.B) {
	srv := microServer(b)
	db := microDB(b, srv.WSURL(), "&cache=on&cache_ttl=1m")
	ctx := b.Context()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT v FROM t WHERE k = ?", 1).Scan(&v); err != nil {
		b.Fatal(err)
	}
	st0, _ := tursopooled.StatsOf(db)
	b.ReportAllocs()
	for b.Loop() {
		if err := db.QueryRowContext(ctx, "SELECT v FROM t WHERE k = ?", 1).Scan(&v); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	st, _ := tursopooled.StatsOf(db)
	if hits := st.Cache.Hits - st0.Cache.Hits; hits > 0 {
		b.ReportMetric(float64(hits)/float64(b.N), "hits/op")
	}
}

func BenchmarkClassify(b *testing.B) {
	stmts := map[string]string{
		"select": "SELECT v FROM t WHERE k = ?",
		"join":   "SELECT e.id, s.payload FROM episodes e JOIN steps s ON s.episode_id = e.id WHERE e.id = ? ORDER BY s.seq",
		"insert": "INSERT INTO steps (episode_id, seq, payload) VALUES (?, ?, ?)",
	}
	for name, s := range stmts {
		b.Run("SQL="+name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = sqlclass.Classify(s)
			}
		})
	}
}

func BenchmarkFrame(b *testing.B) {
	codec, err := compress.New(compress.Config{})
	if err != nil {
		b.Fatal(err)
	}
	for _, size := range []int{2 << 10, 8 << 10} {
		doc := jsondoc.Generate(rand.New(rand.NewPCG(1, uint64(size))), size)
		frame, ok := codec.EncodeBytes(doc)
		if !ok {
			b.Fatalf("a %d-byte JSON document was not framed", size)
		}
		b.Run(fmt.Sprintf("Op=encode/Size=%d", size), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, ok := codec.EncodeBytes(doc); !ok {
					b.Fatal("not framed")
				}
			}
		})
		b.Run(fmt.Sprintf("Op=decode/Size=%d", size), func(b *testing.B) {
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, framed, err := codec.Decode(frame); err != nil || !framed {
					b.Fatalf("decode: framed=%v err=%v", framed, err)
				}
			}
		})
	}
}
