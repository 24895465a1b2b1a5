package faults

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tursodatabase/libsql-client-go/libsql"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/benchmarks/wansim"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// transport is one way for the driver to reach the server.
type transport struct {
	name   string // as in the summary: "http", "ws", "https-h2"
	scheme string // URL scheme the driver dials
	tls    bool   // the server speaks TLS (HTTP/2 offered through ALPN)
}

// transports are the transports every scenario runs on: plain HTTP, plain
// WebSocket, and HTTPS over HTTP/2 as the TLS one.
var transports = []transport{
	{name: "http", scheme: "http"},
	{name: "ws", scheme: "ws"},
	{name: "https-h2", scheme: "https", tls: true},
}

// fixture is one test server reached through one WAN simulator.
type fixture struct {
	tr    transport
	srv   *tursotest.Server
	proxy *wansim.Proxy
	logs  *syncBuffer // the driver's log output, scanned for the token
}

// newFixture starts a server requiring authToken and a proxy in front of it
// with the given round-trip time. Both are closed when the test ends.
func newFixture(t *testing.T, tr transport, rtt time.Duration) *fixture {
	t.Helper()
	opts := []tursotest.Option{tursotest.WithAuthToken(authToken)}
	if tr.tls {
		opts = append(opts, tursotest.WithTLS())
	}
	srv := tursotest.NewTestServer(t, opts...)
	p, err := wansim.New(wansim.Config{Target: srv.Addr(), RTT: rtt, ConnectRTT: true})
	if err != nil {
		t.Fatalf("wansim.New: %v", err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return &fixture{tr: tr, srv: srv, proxy: p, logs: &syncBuffer{}}
}

// dsn is the turso-pooled DSN through the proxy, with the pool's health
// check every second and extra parameters (joined with &).
func (f *fixture) dsn(extra string) string {
	dsn := f.tr.scheme + "://" + f.proxy.Addr() + "?authToken=" + authToken + "&pool_health_check_period=" + healthCheckPeriod.String()
	if extra != "" {
		dsn += "&" + extra
	}
	return dsn
}

// openPooled opens a turso-pooled *sql.DB through the proxy. The driver's
// logs (debug level) go to f.logs. The caller closes the DB; a cleanup
// closes it too in case the test stops early.
func (f *fixture) openPooled(t *testing.T, extra string) *sql.DB {
	t.Helper()
	return f.openPooledDSN(t, f.dsn(extra))
}

// openPooledDSN is openPooled with a DSN of the caller's (no health-check
// period added).
func (f *fixture) openPooledDSN(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(f.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := tursopooled.NewConnector(dsn, tursopooled.WithLogger(logger))
	if err != nil {
		t.Fatalf("NewConnector: %v", redact(err.Error()))
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openPlain opens the upstream libsql driver directly on the server (not
// through the proxy): the independent witness of what was stored.
func (f *fixture) openPlain(t *testing.T) *sql.DB {
	t.Helper()
	c, err := libsql.NewConnector(f.srv.HTTPURL(), libsql.WithAuthToken(authToken))
	if err != nil {
		t.Fatalf("libsql.NewConnector: %v", redact(err.Error()))
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// openPlainAt opens the upstream libsql driver at addr (the proxy's or the
// server's) on the fixture's transport: the baseline that turso-pooled is
// compared with.
func (f *fixture) openPlainAt(t *testing.T, addr string) *sql.DB {
	t.Helper()
	c, err := libsql.NewConnector(f.tr.scheme+"://"+addr, libsql.WithAuthToken(authToken))
	if err != nil {
		t.Fatalf("libsql.NewConnector: %v", redact(err.Error()))
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// createTable creates a fresh table for the load's writes. The key column
// is indexed but not unique, so that a write applied twice shows up as two
// rows.
func createTable(t *testing.T, db *sql.DB, name string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, q := range []string{
		"CREATE TABLE " + name + " (k TEXT NOT NULL, w INTEGER NOT NULL, seq INTEGER NOT NULL)",
		"CREATE INDEX " + name + "_k ON " + name + " (k)",
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, redact(err.Error()))
		}
	}
}

// syncBuffer is a bytes.Buffer safe for concurrent writers (the driver
// logs from its background goroutines).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// checkDriverLogs fails the test if the driver ever logged the token.
func (f *fixture) checkDriverLogs(t *testing.T) {
	t.Helper()
	if strings.Contains(f.logs.String(), authToken) {
		t.Errorf("the driver's log output contains the auth token")
	}
}
