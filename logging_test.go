package tursopooled_test

import (
	"bytes"
	"database/sql"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestLoggingNamesEventsNeverSecrets drives the events the driver logs (a
// leaked connection, circuit-breaker transitions, an invalidation storm)
// and checks that each is logged and that the token never appears.
func TestLoggingNamesEventsNeverSecrets(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	var buf lockedBuffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c, err := tursopooled.NewConnector(srv.WSURL()+"?cache=on&pool_min_conns=0&pool_leak_threshold=100ms&pool_health_check_period=50ms&pool_breaker_threshold=2&pool_connect_timeout=500ms&authToken="+testToken,
		tursopooled.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(c)
	defer db.Close()
	ctx := testCtx(t)

	held, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(strings.ToLower(buf.String()), "leak") && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	held.Close()

	for range 60 {
		if _, err := db.ExecContext(ctx, "PRAGMA user_version = 1"); err != nil {
			t.Fatal(err)
		}
	}

	db.SetMaxIdleConns(0) // every query needs a pooled connection
	srv.DropConnections()
	srv.RefuseConnections(time.Second)
	for range 6 {
		_ = db.PingContext(ctx)
	}

	out := buf.String()
	for _, want := range []string{"leak", "invalidation storm", "breaker"} {
		if !strings.Contains(strings.ToLower(out), want) {
			t.Errorf("log has no %q event:\n%s", want, out)
		}
	}
	if strings.Contains(out, testToken) {
		t.Fatalf("the auth token appears in the log:\n%s", out)
	}
}
