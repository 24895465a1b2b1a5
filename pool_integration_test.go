package tursopooled_test

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/pool"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// runWorkers runs workers goroutines each doing n queries of SELECT 1 and
// returns the first error.
func runWorkers(ctx context.Context, db *sql.DB, workers, n int) error {
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for range workers {
		wg.Go(func() {
			for range n {
				var v int
				if err := db.QueryRowContext(ctx, "SELECT 1").Scan(&v); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// TestPoolBoundsServerConnections: with database/sql's defaults (2 idle
// connections), 32 workers make the upstream driver reconnect over and over
// (WebSocket: a dial per connection; HTTP/1.1: http.DefaultTransport keeps 2
// idle connections per host). Through turso-pooled the server sees at most
// pool_max_conns TCP connections and TLS handshakes in every mode.
func TestPoolBoundsServerConnections(t *testing.T) {
	modes := []struct {
		name      string
		tls, h2   bool
		websocket bool
	}{
		{name: "ws", websocket: true},
		{name: "wss", tls: true, h2: true, websocket: true},
		{name: "http"},
		{name: "https-h1", tls: true},
		{name: "https-h2", tls: true, h2: true},
	}
	const maxConns = 8
	queries := 50 // per worker; POOL_BOUNDS_QUERIES=2000 reproduces the measurement
	if n, err := strconv.Atoi(os.Getenv("POOL_BOUNDS_QUERIES")); err == nil && n > 0 {
		queries = n
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			opts := []tursotest.Option{tursotest.WithAuthToken(testToken)}
			if m.tls {
				opts = append(opts, tursotest.WithTLS(), tursotest.WithHTTP2(m.h2))
			}
			srv := tursotest.NewTestServer(t, opts...)
			url := srv.HTTPURL()
			if m.websocket {
				url = srv.WSURL()
			}
			tg := target{name: m.name, url: url, token: testToken}
			// Plain libsql's baseline re-handshakes TLS for most queries over
			// HTTP/1.1 (about 1,700 handshakes under -race here, 10 s alone):
			// its bound only guards against a hang, so it does not depend on
			// what else shares the machine's two cores.
			plainCtx, plainCancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer plainCancel()
			plain := openLibsql(t, tg)
			if err := runWorkers(plainCtx, plain, 32, queries); err != nil {
				t.Fatal(err)
			}
			plain.Close()
			base := settledStats(srv)

			ctx, cancel := context.WithTimeout(context.Background(), time.Duration(queries)*300*time.Millisecond)
			defer cancel()
			pooled := openPooled(t, tg, fmt.Sprintf("pool_max_conns=%d&pool_min_conns=2", maxConns))
			if err := runWorkers(ctx, pooled, 32, queries); err != nil {
				t.Fatal(err)
			}
			after := srv.Stats()
			conns, handshakes := after.TCPAccepted-base.TCPAccepted, after.TLSHandshakes-base.TLSHandshakes
			t.Logf("%s, 32 workers × %d queries: server TCP connections / TLS handshakes: libsql %d / %d, turso-pooled %d / %d",
				m.name, queries, base.TCPAccepted, base.TLSHandshakes, conns, handshakes)
			if conns > maxConns || handshakes > maxConns {
				t.Errorf("turso-pooled made %d connections and %d handshakes, want ≤ pool_max_conns (%d)", conns, handshakes, maxConns)
			}
			st, ok := tursopooled.StatsOf(pooled)
			t.Logf("pool: created %d, destroyed %d (shrink %d, broken %d, health %d), target %d, resizes %d (last: %s)",
				st.Pool.NewConnsCount(), st.Pool.DestroyedTotal(), st.Pool.Destroyed(pool.ReasonShrink),
				st.Pool.Destroyed(pool.ReasonBroken), st.Pool.Destroyed(pool.ReasonHealthCheck),
				st.Pool.TargetConns(), st.Pool.Resizes(), st.Pool.LastResizeReason())
			if !ok || st.Pool.TotalConns() > maxConns {
				t.Errorf("stats: ok=%v total=%d", ok, st.Pool.TotalConns())
			}
		})
	}
}

// settledStats waits until the server's connection count stops moving (the
// upstream HTTP driver closes streams with fire-and-forget requests that can
// land after db.Close) and returns its stats.
func settledStats(srv *tursotest.Server) tursotest.Stats {
	prev := srv.Stats()
	for range 50 {
		time.Sleep(100 * time.Millisecond)
		cur := srv.Stats()
		if cur.TCPAccepted == prev.TCPAccepted && cur.HTTPRequests == prev.HTTPRequests {
			return cur
		}
		prev = cur
	}
	return prev
}

// TestPoolRecoversFromDroppedConnections: after the server drops every TCP
// connection, reads keep succeeding (the broken connections are detected
// and replaced without an error reaching the caller).
func TestPoolRecoversFromDroppedConnections(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	for _, tg := range []target{
		{name: "http", url: srv.HTTPURL(), token: testToken},
		{name: "ws", url: srv.WSURL(), token: testToken},
	} {
		t.Run(tg.name, func(t *testing.T) {
			db := openPooled(t, tg, "pool_max_conns=4&pool_min_conns=4")
			ctx := testCtx(t)
			if err := runWorkers(ctx, db, 4, 5); err != nil {
				t.Fatal(err)
			}
			srv.DropConnections()
			if err := runWorkers(ctx, db, 4, 20); err != nil {
				t.Fatalf("reads after DropConnections: %v", err)
			}
		})
	}
}

// TestPoolReplacesExpiredStreams: HTTP streams expired by the server are
// replaced transparently.
func TestPoolReplacesExpiredStreams(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	db := openPooled(t, target{url: srv.HTTPURL(), token: testToken}, "pool_max_conns=4")
	ctx := testCtx(t)
	tbl := tableName("exp")
	mustExec(t, db, "CREATE TABLE "+tbl+" (v INTEGER)")
	for i := range 5 {
		srv.ExpireStreams()
		if _, err := db.ExecContext(ctx, "INSERT INTO "+tbl+" VALUES (?)", i); err != nil {
			t.Fatalf("insert %d after ExpireStreams: %v", i, err)
		}
	}
	if n := countRows(t, db, tbl); n != 5 {
		t.Fatalf("rows = %d, want 5 (no write lost or doubled)", n)
	}
}

// TestPoolRefusedConnectionsFailWithinTimeout: while the server refuses
// connections, callers get a clear error within pool_connect_timeout, and
// the circuit breaker then fails them fast.
func TestPoolRefusedConnectionsFailWithinTimeout(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	db := openPooled(t, target{url: srv.WSURL(), token: testToken},
		"pool_min_conns=0&pool_connect_timeout=1s&pool_breaker_threshold=2")
	srv.RefuseConnections(3 * time.Second)
	var errs []error
	start := time.Now()
	for range 4 {
		callStart := time.Now()
		err := db.PingContext(testCtx(t))
		if err == nil {
			t.Fatal("ping succeeded while the server refuses connections")
		}
		if d := time.Since(callStart); d > 3*time.Second {
			t.Fatalf("ping took %v, want ≤ pool_connect_timeout plus database/sql's retries", d)
		}
		errs = append(errs, err)
	}
	t.Logf("4 failing pings took %v; last error: %v", time.Since(start), errs[len(errs)-1])
	last := errs[len(errs)-1]
	if !strings.Contains(last.Error(), "turso-pooled") {
		t.Errorf("error %q does not say where it comes from", last)
	}
	st, _ := tursopooled.StatsOf(db)
	if st.Pool.BreakerOpens() == 0 {
		t.Errorf("circuit breaker never opened (state %s)", st.Pool.BreakerState())
	}
	// Service comes back once the server accepts again.
	deadline := time.Now().Add(15 * time.Second)
	for {
		err := db.PingContext(testCtx(t))
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery after the fault ended: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestConnectorClose: after db.Close() the connector refuses new work and
// every pooled connection is closed on the server.
func TestConnectorClose(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	c, err := tursopooled.NewConnector(srv.WSURL() + "?pool_min_conns=3&authToken=" + testToken)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := c.Connect(testCtx(t)); !errors.Is(err, tursopooled.ErrConnectorClosed) {
		t.Fatalf("Connect after Close = %v, want ErrConnectorClosed", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().WSSessions > 0 && srv.Stats().ActiveStreams > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if a := srv.Stats().ActiveStreams; a != 0 {
		t.Fatalf("server still has %d active streams after db.Close()", a)
	}
}

// TestCloseDoesNotHangOnLeakedConn: db.Close() returns within
// pool_connect_timeout even when the application leaked a connection; the
// leaked one is closed when finally released.
func TestCloseDoesNotHangOnLeakedConn(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	db, err := sql.Open(tursopooled.DriverName, dsnFor(target{url: srv.WSURL(), token: testToken}, "pool_connect_timeout=300ms&pool_min_conns=1"))
	if err != nil {
		t.Fatal(err)
	}
	leaked, err := db.Conn(testCtx(t))
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	done := make(chan struct{})
	go func() { db.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("db.Close() hangs while a connection is leaked")
	}
	t.Logf("db.Close() returned after %v with a leaked connection", time.Since(start))
	leaked.Close()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().ActiveStreams > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if a := srv.Stats().ActiveStreams; a != 0 {
		t.Fatalf("%d streams still open after the leaked connection was released", a)
	}
}

// TestDriverOpenDirect: Driver.Open (which database/sql never calls, since
// the driver implements DriverContext) gives a working connection whose
// Close releases everything it started.
func TestDriverOpenDirect(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	d := &tursopooled.Driver{}
	dc, err := d.Open(dsnFor(target{url: srv.WSURL(), token: testToken}, ""))
	if err != nil {
		t.Fatal(err)
	}
	if p, ok := dc.(driver.Pinger); !ok || p.Ping(testCtx(t)) != nil {
		t.Fatal("the connection from Driver.Open does not ping")
	}
	if err := dc.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open("libsql://h?pool_max_conns=x"); err == nil {
		t.Fatal("Driver.Open accepted a bad DSN")
	}
}
