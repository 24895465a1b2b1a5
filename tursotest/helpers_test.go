package tursotest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/tursodatabase/libsql-client-go/libsql"
)

// transport is one way the upstream client reaches a server.
type transport struct {
	name string
	opts []Option
	url  func(*Server) string
	http bool // Hrana over HTTP (else WebSocket)
}

// transports lists every transport the upstream client supports.
func transports() []transport {
	return []transport{
		{name: "transport=http", url: (*Server).HTTPURL, http: true},
		{name: "transport=ws", url: (*Server).WSURL},
		{name: "transport=https-h2", opts: []Option{WithTLS()}, url: (*Server).HTTPURL, http: true},
		{name: "transport=https-h1", opts: []Option{WithTLS(), WithHTTP2(false)}, url: (*Server).HTTPURL, http: true},
		{name: "transport=wss", opts: []Option{WithTLS()}, url: (*Server).WSURL},
		{name: "transport=libsql", url: (*Server).LibsqlURL, http: true},
	}
}

// openDB opens the upstream "libsql" driver on url, closed at cleanup.
func openDB(t testing.TB, url string) *sql.DB {
	t.Helper()
	db, err := sql.Open("libsql", url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openWithToken opens the upstream driver through libsql.NewConnector.
func openWithToken(t testing.TB, url, token string) *sql.DB {
	t.Helper()
	var opts []libsql.Option
	if token != "" {
		opts = append(opts, libsql.WithAuthToken(token))
	}
	c, err := libsql.NewConnector(url, opts...)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// testCtx returns a context that ends with the test, bounded to 30s.
func testCtx(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// mustExec runs a statement and fails the test on error.
func mustExec(t testing.TB, ctx context.Context, db interface {
	ExecContext(context.Context, string, ...any) (sql.Result, error)
}, query string, args ...any) sql.Result {
	t.Helper()
	res, err := db.ExecContext(ctx, query, args...)
	if err != nil {
		t.Fatalf("exec %q: %v", query, err)
	}
	return res
}

// count returns SELECT count(*) FROM table.
func count(t testing.TB, ctx context.Context, db interface {
	QueryRowContext(context.Context, string, ...any) *sql.Row
}, table string) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil {
		t.Fatalf("count %s: %v", table, err)
	}
	return n
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// ping runs SELECT 1. (db.PingContext does no I/O over HTTP: the upstream
// HTTP connection does not implement driver.Pinger.)
func ping(ctx context.Context, db *sql.DB) error {
	_, err := db.ExecContext(ctx, "SELECT 1")
	return err
}
