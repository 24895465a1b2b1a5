package tursopooled_test

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tursodatabase/libsql-client-go/libsql"
	"go.uber.org/goleak"
	_ "modernc.org/sqlite" // the "sqlite" driver behind file: URLs

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// testToken is the auth token every test server requires. Tests scan what
// they capture for it to prove it never leaks.
const testToken = "tok-3b9f1c2e-never-print-me"

// env holds the servers shared by the package's tests: one plain-text
// server (http:// and ws://), one TLS server with h2 (https://, wss://) and
// one TLS server limited to HTTP/1.1.
var env struct {
	plain, tlsH2, tlsH1 *tursotest.Server
	fileDir             string
}

func TestMain(m *testing.M) {
	code := runMain(m)
	if code == 0 {
		code = checkLeaks()
	}
	os.Exit(code)
}

// upstreamFileConnectors counts libsql.NewConnector calls for file: URLs:
// the upstream driver opens a *sql.DB for each and never closes it, which
// leaves one database/sql opener goroutine behind per call.
var upstreamFileConnectors atomic.Int64

// checkLeaks fails the run when any goroutine is left, except those that
// the upstream driver leaves by design (counted exactly) and the process-wide
// HTTP transport's keep-alive connections.
func checkLeaks() int {
	opts := append(leakOptions(), goleak.IgnoreTopFunction("database/sql.(*DB).connectionOpener"))
	if err := goleak.Find(opts...); err != nil {
		fmt.Fprintln(os.Stderr, "goroutine leak:", err)
		return 1
	}
	// A closed *sql.DB's opener goroutine ends shortly after Close returns.
	buf := make([]byte, 16<<20)
	var openers int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		openers = strings.Count(string(buf[:runtime.Stack(buf, true)]), "database/sql.(*DB).connectionOpener(")
		if int64(openers) <= upstreamFileConnectors.Load() || time.Now().After(deadline) {
			break
		}
	}
	if int64(openers) != upstreamFileConnectors.Load() {
		fmt.Fprintf(os.Stderr, "goroutine leak: %d database/sql openers left, the upstream accounts for %d\n",
			openers, upstreamFileConnectors.Load())
		return 1
	}
	return 0
}

// testProfileEnv names the tursotest server profile the shared test
// servers answer failures with (sqld by default; .ci/run also runs the
// conformance suites with turso-cloud).
const testProfileEnv = "TURSO_POOLED_TEST_PROFILE"

func runMain(m *testing.M) int {
	profile := tursotest.ProfileSqld
	if name := os.Getenv(testProfileEnv); name != "" {
		p, err := tursotest.ParseProfile(name)
		if err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", testProfileEnv, err)
			return 2
		}
		profile = p
	}
	withProfile := tursotest.WithProfile(profile)
	var err error
	if env.plain, err = tursotest.NewServer(tursotest.WithAuthToken(testToken), withProfile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.plain.Close()
	if env.tlsH2, err = tursotest.NewServer(tursotest.WithAuthToken(testToken), tursotest.WithTLS(), withProfile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.tlsH2.Close()
	defer env.tlsH2.TrustInProcess()()
	if env.tlsH1, err = tursotest.NewServer(tursotest.WithAuthToken(testToken), tursotest.WithTLS(), tursotest.WithHTTP2(false), withProfile); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer env.tlsH1.Close()
	defer env.tlsH1.TrustInProcess()()
	dir, err := os.MkdirTemp("", "turso-pooled-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	env.fileDir = dir
	return m.Run()
}

// leakOptions ignores the goroutines that the process-wide HTTP transport
// keeps for its idle keep-alive connections, and the upstream driver's
// fire-and-forget stream close requests; everything else must be gone.
func leakOptions() []goleak.Option {
	return []goleak.Option{
		goleak.IgnoreTopFunction("net/http.(*persistConn).readLoop"),
		goleak.IgnoreTopFunction("net/http.(*persistConn).writeLoop"),
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).readLoop"),
		goleak.IgnoreAnyFunction("net/http.(*http2clientConnReadLoop).run"),
		goleak.IgnoreAnyFunction("net/http.(*http2ClientConn).idleTimerFunc"),
	}
}

// target is one way to reach a database: a transport and its URL.
type target struct {
	name  string // "http", "ws", "https-h2", "https-h1", "wss", "file"
	url   string
	token string
}

func (t target) remote() bool { return t.name != "file" }
func (t target) ws() bool     { return strings.HasPrefix(t.name, "ws") }

var fileSeq atomic.Int64

// targets returns every transport of the conformance suite. Each file:
// target is a new database file.
func targets(t *testing.T) []target {
	t.Helper()
	file := filepath.Join(env.fileDir, fmt.Sprintf("db%d.sqlite", fileSeq.Add(1)))
	return []target{
		{name: "http", url: env.plain.HTTPURL(), token: testToken},
		{name: "ws", url: env.plain.WSURL(), token: testToken},
		{name: "https-h2", url: env.tlsH2.HTTPURL(), token: testToken},
		{name: "https-h1", url: env.tlsH1.HTTPURL(), token: testToken},
		{name: "wss", url: env.tlsH2.WSURL(), token: testToken},
		{name: "file", url: "file:" + file + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(wal)"},
	}
}

// opener opens a *sql.DB for a target through one of the drivers under test.
type opener struct {
	name string
	open func(t *testing.T, tg target) *sql.DB
}

func openers() []opener {
	return []opener{
		{name: "libsql", open: openLibsql},
		{name: "turso-pooled", open: func(t *testing.T, tg target) *sql.DB { return openPooled(t, tg, "") }},
		{name: "turso-pooled+cache+br", open: func(t *testing.T, tg target) *sql.DB {
			return openPooled(t, tg, "cache=on&compress=br&compress_threshold=64")
		}},
	}
}

func openLibsql(t *testing.T, tg target) *sql.DB {
	t.Helper()
	var opts []libsql.Option
	if tg.token != "" {
		opts = append(opts, libsql.WithAuthToken(tg.token))
	}
	if !tg.remote() {
		upstreamFileConnectors.Add(1)
	}
	c, err := libsql.NewConnector(tg.url, opts...)
	if err != nil {
		t.Fatalf("libsql.NewConnector: %v", err)
	}
	db := sql.OpenDB(c)
	t.Cleanup(func() { db.Close() })
	return db
}

// openPooled opens tg through "turso-pooled" with extra DSN parameters.
func openPooled(t *testing.T, tg target, extra string) *sql.DB {
	t.Helper()
	db, err := sql.Open(tursopooled.DriverName, dsnFor(tg, extra))
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func dsnFor(tg target, extra string) string {
	var params []string
	if tg.token != "" {
		params = append(params, "authToken="+tg.token)
	}
	if extra != "" {
		params = append(params, extra)
	}
	dsn := tg.url
	if len(params) > 0 {
		sep := "?"
		if strings.Contains(dsn, "?") {
			sep = "&"
		}
		dsn += sep + strings.Join(params, "&")
	}
	return dsn
}

// testCtx returns a context that ends with the test, bounded to 60 s.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

var tableSeq atomic.Int64

// tableName returns a table name no other test uses.
func tableName(prefix string) string {
	return fmt.Sprintf("%s_%d_%d", prefix, os.Getpid(), tableSeq.Add(1))
}

// forEachTarget runs body for every transport and every driver under test.
func forEachTarget(t *testing.T, body func(t *testing.T, db *sql.DB, tg target)) {
	t.Helper()
	for _, tg := range targets(t) {
		t.Run(tg.name, func(t *testing.T) {
			for _, op := range openers() {
				t.Run(op.name, func(t *testing.T) {
					body(t, op.open(t, tg), tg)
				})
			}
		})
	}
}
