package tursotest

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

// httpAndWS are the plain transports used by the fault tests.
func httpAndWS() []transport {
	return transports()[:2]
}

func TestAuth(t *testing.T) {
	const token = "s3cret-token"
	for _, tr := range transports()[:5] {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t, append(tr.opts, WithAuthToken(token))...)
			tests := []struct {
				name, token string
				ok          bool
			}{
				{"token=none", "", false},
				{"token=wrong", "wrong", false},
				{"token=right", token, true},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					db := openWithToken(t, tr.url(srv), tc.token)
					err := ping(testCtx(t), db)
					if tc.ok != (err == nil) {
						t.Fatalf("ping err = %v, want ok=%v", err, tc.ok)
					}
					want := "Authentication failed"
					if tr.http {
						want = "error code 401"
					}
					if err != nil && !strings.Contains(err.Error(), want) {
						t.Fatalf("err = %v, want it to mention %q", err, want)
					}
					if err != nil && strings.Contains(err.Error(), token) {
						t.Fatalf("error leaks the token: %v", err)
					}
				})
			}
		})
	}
}

func TestExpireStreamsHTTP(t *testing.T) {
	srv := NewTestServer(t)
	db := openDB(t, srv.HTTPURL())
	ctx := testCtx(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mustExec(t, ctx, conn, "SELECT 1")
	srv.ExpireStreams()
	// sqld's answer (400, code STREAM_EXPIRED) is a plain error for the
	// upstream client, which marks the connection closed...
	_, err = conn.ExecContext(ctx, "SELECT 1")
	if err == nil || !strings.Contains(err.Error(), "error code 400") {
		t.Fatalf("first use after expiry: err = %v, want error code 400", err)
	}
	// ...so that its next use reports driver.ErrBadConn.
	_, err = conn.ExecContext(ctx, "SELECT 1")
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("second use after expiry: err = %v, want driver.ErrBadConn", err)
	}
	if got := srv.Stats().StreamsExpired; got != 1 {
		t.Fatalf("StreamsExpired = %d, want 1", got)
	}
	if err := ping(ctx, db); err != nil {
		t.Fatalf("pool did not recover: %v", err)
	}
}

func TestExpireStreamsWS(t *testing.T) {
	srv := NewTestServer(t)
	db := openDB(t, srv.WSURL())
	ctx := testCtx(t)
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	mustExec(t, ctx, conn, "SELECT 1")
	srv.ExpireStreams()
	// The stream is gone: a request on it is a protocol error, which closes
	// the WebSocket.
	_, err = conn.ExecContext(ctx, "SELECT 1")
	if !errors.Is(err, driver.ErrBadConn) {
		t.Fatalf("err = %v, want driver.ErrBadConn", err)
	}
	if err := ping(ctx, db); err != nil {
		t.Fatalf("pool did not recover: %v", err)
	}
}

func TestIdleExpiryRollsBack(t *testing.T) {
	srv := NewTestServer(t, WithStreamExpiry(50*time.Millisecond))
	db := openDB(t, srv.HTTPURL())
	ctx := testCtx(t)
	mustExec(t, ctx, db, "CREATE TABLE t (a)")
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = tx.Rollback() }()
	mustExec(t, ctx, tx, "INSERT INTO t VALUES (1)")
	eventually(t, "the idle stream to expire", func() bool { return srv.Stats().StreamsExpired >= 1 })
	if err := tx.Commit(); err == nil {
		t.Fatal("commit on an expired stream succeeded")
	}
	if n := count(t, ctx, db, "t"); n != 0 {
		t.Fatalf("count = %d; the expired stream's transaction was not rolled back", n)
	}
}

func TestDropConnections(t *testing.T) {
	for _, tr := range httpAndWS() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t)
			db := openDB(t, tr.url(srv))
			ctx := testCtx(t)
			conn, err := db.Conn(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			mustExec(t, ctx, conn, "SELECT 1")
			before := srv.Stats().TCPAccepted
			srv.DropConnections()
			if tr.http {
				// An HTTP stream outlives its TCP connection: the client
				// reconnects (a request racing the close may fail once).
				eventually(t, "the stream to answer again", func() bool {
					_, err := conn.ExecContext(ctx, "SELECT 1")
					return err == nil
				})
			} else {
				_, err := conn.ExecContext(ctx, "SELECT 1")
				if !errors.Is(err, driver.ErrBadConn) {
					t.Fatalf("err = %v, want driver.ErrBadConn", err)
				}
				if err := ping(ctx, db); err != nil {
					t.Fatalf("pool did not recover: %v", err)
				}
			}
			if after := srv.Stats().TCPAccepted; after <= before {
				t.Fatalf("TCPAccepted = %d, want > %d (a new connection)", after, before)
			}
		})
	}
}

func TestRefuseConnections(t *testing.T) {
	for _, tr := range httpAndWS() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t)
			srv.RefuseConnections(time.Hour)
			db := openDB(t, tr.url(srv))
			ctx := testCtx(t)
			if err := ping(ctx, db); err == nil {
				t.Fatal("ping succeeded while connections are refused")
			}
			if srv.Stats().TCPAccepted == 0 {
				t.Fatal("refused connection was not counted")
			}
			srv.RefuseConnections(0)
			eventually(t, "connections to be accepted again", func() bool { return ping(ctx, db) == nil })
		})
	}
}

func TestFailNextRequests(t *testing.T) {
	for _, tr := range httpAndWS() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t)
			db := openDB(t, tr.url(srv))
			ctx := testCtx(t)
			if err := ping(ctx, db); err != nil {
				t.Fatal(err)
			}
			srv.FailNextRequests(2, 503)
			want := "injected failure"
			if tr.http {
				want = "error code 503"
			}
			for i := range 2 {
				_, err := db.ExecContext(ctx, "SELECT 1")
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("request %d: err = %v, want %q", i, err, want)
				}
			}
			if _, err := db.ExecContext(ctx, "SELECT 1"); err != nil {
				t.Fatalf("third request: %v", err)
			}
		})
	}
}

func TestSetRequestDelay(t *testing.T) {
	for _, tr := range httpAndWS() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t)
			db := openDB(t, tr.url(srv))
			ctx := testCtx(t)
			if err := ping(ctx, db); err != nil {
				t.Fatal(err)
			}
			const delay = 50 * time.Millisecond
			srv.SetRequestDelay(delay)
			start := time.Now()
			mustExec(t, ctx, db, "SELECT 1")
			if took := time.Since(start); took < delay {
				t.Fatalf("request took %v, less than the %v delay", took, delay)
			}
			srv.SetRequestDelay(0)
		})
	}
}

func TestSetMaxConcurrency(t *testing.T) {
	srv := NewTestServer(t)
	srv.SetMaxConcurrency(1)
	db := openDB(t, srv.HTTPURL())
	ctx := testCtx(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			var n int
			if err := db.QueryRowContext(ctx, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x+1 FROM c WHERE x < 2000) SELECT count(*) FROM c").Scan(&n); err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if peak := srv.lim.peakActive(); peak != 1 {
		t.Fatalf("peak concurrent statements = %d, want 1", peak)
	}
}

func TestLimiter(t *testing.T) {
	var l limiter
	l.setLimit(1)
	ctx := context.Background()
	if err := l.acquire(ctx); err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := l.acquire(cctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("acquire over the limit with a canceled ctx: %v", err)
	}
	got := make(chan struct{})
	go func() {
		_ = l.acquire(ctx)
		close(got)
	}()
	eventually(t, "the waiter to queue", func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		return len(l.waiters) == 1
	})
	l.setLimit(2) // raising the limit admits the waiter
	<-got
	l.release()
	l.release()
	if l.active != 0 {
		t.Fatalf("active = %d after releasing everything", l.active)
	}
}

func TestRestart(t *testing.T) {
	for _, tr := range httpAndWS() {
		t.Run(tr.name, func(t *testing.T) {
			srv := NewTestServer(t)
			db := openDB(t, tr.url(srv))
			ctx := testCtx(t)
			mustExec(t, ctx, db, "CREATE TABLE t (a)")
			mustExec(t, ctx, db, "INSERT INTO t VALUES (1)")
			addr := srv.Addr()
			if err := srv.Restart(); err != nil {
				t.Fatal(err)
			}
			if srv.Addr() != addr {
				t.Fatalf("address changed from %s to %s", addr, srv.Addr())
			}
			// Pooled connections are dead; database/sql may need a retry.
			eventually(t, "the pool to recover", func() bool { return ping(ctx, db) == nil })
			if n := count(t, ctx, db, "t"); n != 1 {
				t.Fatalf("count = %d after Restart, want 1", n)
			}
		})
	}
}

func TestLimiterContentionPenalty(t *testing.T) {
	cases := []struct {
		name    string
		per     time.Duration
		waiting int
		want    time.Duration
	}{
		{"off", 0, 3, 0},
		{"no one waiting", 10 * time.Millisecond, 0, 0},
		{"three waiting", 10 * time.Millisecond, 3, 30 * time.Millisecond},
		{"negative is off", -time.Millisecond, 3, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var l limiter
			l.setContention(tc.per)
			l.waiters = make([]chan struct{}, tc.waiting)
			if got := l.penalty(); got != tc.want {
				t.Fatalf("penalty() = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestSleepCtxHonoursContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := sleepCtx(ctx, time.Hour); !errors.Is(err, context.Canceled) {
		t.Fatalf("sleepCtx with a canceled context = %v, want context.Canceled", err)
	}
	if err := sleepCtx(context.Background(), 0); err != nil {
		t.Fatalf("sleepCtx(0) = %v", err)
	}
}
