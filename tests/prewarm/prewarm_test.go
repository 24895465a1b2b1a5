// Package prewarm checks that pre-warming (pool_min_conns) includes the
// network: after pre-warm, the first query opens no TCP, TLS or WebSocket
// connection and, with cache=on, does not load the schema. It runs through
// the WAN simulator and logs, without asserting them, the latencies of the
// first query and of warm queries.
//
// Measure at RTT 20 ms (the test's default) with:
//
//	go test -v -count=1 -run TestPrewarm ./tests/prewarm/
package prewarm

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tursodatabase/libsql-client-go/libsql"
	"go.uber.org/goleak"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/benchmarks/wansim"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// authToken is the token the test servers require.
const authToken = "prewarm-tok-5d2e8a11-never-print"

// minConns is the pool_min_conns of every test.
const minConns = 5

// healthCheck is the pool_health_check_period of every test, and idle how
// long the pool then sits unused: several health checks (and keep-alive
// rounds of the relay), a shortened stand-in for the 10 minutes a service
// may sit idle.
const (
	healthCheck = time.Second
	idle        = 3500 * time.Millisecond
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m,
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*http2clientConnReadLoop).run"),
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).idleTimerFunc"),
	)
}

// rtt is the simulated round-trip time: PREWARM_RTT (a Go duration) or 20 ms.
func rtt(t *testing.T) time.Duration {
	s := os.Getenv("PREWARM_RTT")
	if s == "" {
		return 20 * time.Millisecond
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("PREWARM_RTT=%q: %v", s, err)
	}
	return d
}

// transport is one way to reach the server.
type transport struct {
	name   string
	scheme string
	h2     bool
	ws     bool
}

var transports = []transport{
	{name: "https-h1", scheme: "https"},
	{name: "https-h2", scheme: "https", h2: true},
	{name: "wss", scheme: "wss", h2: true, ws: true},
}

// TestPrewarmIncludesNetwork: with pool_min_conns=5, once the pre-warm is
// done (the link is quiet), the first query opens no connection through
// the simulated link, and over HTTP it is a single pipeline request, the
// schema load of cache=on included; the same holds for the first query
// after the pool sat idle for several health-check periods. The latencies
// of both and the median of warm queries are logged.
func TestPrewarmIncludesNetwork(t *testing.T) {
	link := rtt(t)
	for _, tr := range transports {
		for _, cacheOn := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/cache=%v", tr.name, cacheOn), func(t *testing.T) {
				srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(authToken), tursotest.WithTLS(), tursotest.WithHTTP2(tr.h2))
				seed(t, srv)
				p, err := wansim.New(wansim.Config{Target: srv.Addr(), RTT: link, ConnectRTT: true})
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { _ = p.Close() })
				dsn := fmt.Sprintf("%s://%s?authToken=%s&pool_min_conns=%d&pool_max_conns=10&cache=%s&pool_health_check_period=%v",
					tr.scheme, p.Addr(), authToken, minConns, map[bool]string{false: "off", true: "on"}[cacheOn], healthCheck)
				c, err := tursopooled.NewConnector(dsn)
				if err != nil {
					t.Fatal(err)
				}
				db := sql.OpenDB(c)
				defer db.Close()
				db.SetMaxIdleConns(minConns)
				ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
				defer cancel()

				waitWarm(t, c, p, tr)
				first := firstQuery(ctx, t, db, srv, p, tr, "pre-warm", 1)
				var warm []time.Duration
				for i := 2; i < 22; i++ {
					warm = append(warm, timeQuery(ctx, t, db, i))
				}
				slices.Sort(warm)
				med := warm[len(warm)/2]
				time.Sleep(idle) // the health check keeps the connections alive meanwhile
				afterIdle := firstQuery(ctx, t, db, srv, p, tr, "idle", 30)
				t.Logf("RTT %v %s cache=%v: first query %.1f ms, warm median %.1f ms, ratio %.2f; after %v idle %.1f ms, ratio %.2f",
					link, tr.name, cacheOn, ms(first), ms(med), float64(first)/float64(med),
					idle, ms(afterIdle), float64(afterIdle)/float64(med))
			})
		}
	}
}

// firstQuery runs query k as the first one after phase and checks that it
// opened no connection through the link and, over HTTP, cost one pipeline
// request.
func firstQuery(ctx context.Context, t *testing.T, db *sql.DB, srv *tursotest.Server, p *wansim.Proxy, tr transport, phase string, k int) time.Duration {
	t.Helper()
	conns, pipelines := p.Stats().Conns, srv.Stats().PipelineRequests
	d := timeQuery(ctx, t, db, k)
	if got := p.Stats().Conns - conns; got != 0 {
		t.Errorf("the first query after %s opened %d connections through the link, want 0", phase, got)
	}
	if got := srv.Stats().PipelineRequests - pipelines; !tr.ws && got != 1 {
		t.Errorf("the first query after %s cost %d pipeline requests, want 1", phase, got)
	}
	return d
}

// seed creates and fills the table directly on the server (not through
// the link), so that the pooled DB has sent nothing before its pre-warm.
func seed(t *testing.T, srv *tursotest.Server) {
	t.Helper()
	up, err := libsql.NewConnector(srv.HTTPURL(), libsql.WithAuthToken(authToken))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(up)
	defer db.Close()
	for _, q := range []string{
		"CREATE TABLE kv (k INTEGER PRIMARY KEY, v TEXT)",
		"CREATE VIEW kv_view AS SELECT k, v FROM kv",
		"INSERT INTO kv WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < 100) SELECT x, 'v' || x FROM s",
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// waitWarm waits until the pool holds its minimum connections, idle, and
// the link has been quiet for 500 ms (the background dials, TLS
// handshakes, keep-alive requests and schema load are done), then checks
// that the pre-warm opened the connections the first query needs.
func waitWarm(t *testing.T, c *tursopooled.Connector, p *wansim.Proxy, tr transport) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var last wansim.Stats
	quietSince := time.Now()
	for {
		st := p.Stats()
		if st != last {
			last, quietSince = st, time.Now()
		}
		if c.Stats().Pool.IdleConns() == minConns && time.Since(quietSince) >= 500*time.Millisecond {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("pre-warm not done after 30 s: pool %d idle, link %+v", c.Stats().Pool.IdleConns(), st)
		}
		time.Sleep(10 * time.Millisecond)
	}
	want := int64(minConns) // HTTP/1.1 and WebSocket: one TCP connection each
	if tr.h2 && !tr.ws {
		want = 1
	}
	if got := p.Stats().Conns; got != want {
		t.Errorf("pre-warm opened %d connections through the link, want %d", got, want)
	}
}

// timeQuery reads row k (a distinct query for the cache) and returns how
// long it took.
func timeQuery(ctx context.Context, t *testing.T, db *sql.DB, k int) time.Duration {
	t.Helper()
	start := time.Now()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT v FROM kv_view WHERE k = ?", k).Scan(&v); err != nil {
		t.Fatalf("query %d: %v", k, err)
	}
	d := time.Since(start)
	if v != "v"+strconv.Itoa(k) {
		t.Fatalf("query %d read %q", k, v)
	}
	return d
}

// ms returns d in milliseconds.
func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
