package otelmetrics_test

import (
	"database/sql"
	"errors"
	"strings"
	"testing"

	"github.com/XSAM/otelsql"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	tursopooled "github.com/turso-pooled/tursopooled"
	otelmetrics "github.com/turso-pooled/tursopooled/metrics/otel"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// TestWithOtelsql: a DB opened through otelsql.OpenDB(connector) produces
// spans, hides the turso-pooled driver from StatsOf, and the kept
// connector still feeds pool, cache and compression metrics. db.Close
// closes the connector through the wrapper.
func TestWithOtelsql(t *testing.T) {
	srv := tursotest.NewTestServer(t)
	c, err := tursopooled.NewConnector(srv.HTTPURL() + "?cache=on&compress=br&compress_threshold=64&pool_min_conns=1")
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(spans))
	t.Cleanup(func() { _ = tp.Shutdown(testCtx(t)) })
	db := otelsql.OpenDB(c, otelsql.WithTracerProvider(tp))

	if _, ok := tursopooled.StatsOf(db); ok {
		t.Error("StatsOf sees through the otelsql wrapper; the docs say it does not")
	}
	if _, err := otelmetrics.ForDB(db); !errors.Is(err, otelmetrics.ErrNotTursoPooled) {
		t.Errorf("ForDB(wrapped) error = %v, want ErrNotTursoPooled", err)
	}
	reader := sdkmetric.NewManualReader()
	mp := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = mp.Shutdown(testCtx(t)) })
	reg, err := otelmetrics.Register(mp.Meter("test"), c)
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()

	ctx := testCtx(t)
	mustExec(t, db, "CREATE TABLE notes (body TEXT)")
	mustExec(t, db, "INSERT INTO notes VALUES (?)", strings.Repeat("traced and pooled ", 40))
	var body string
	if err := db.QueryRowContext(ctx, "SELECT body FROM notes").Scan(&body); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(body, "traced and pooled") {
		t.Errorf("read back %.30q…, want the inserted text decoded", body)
	}

	checkSpans(t, spans.Ended())
	ms := collect(t, reader)
	for _, name := range []string{"turso_pooled.pool.acquires", "turso_pooled.compression.values.framed",
		"turso_pooled.compression.values.decoded", "turso_pooled.cache.misses"} {
		if got := point(t, ms, name); got <= 0 {
			t.Errorf("%s = %v through the otelsql wrapper, want > 0", name, got)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// otelsql's connector forwards Close, so our pool is closed with the DB.
	if _, err := c.Connect(ctx); !errors.Is(err, tursopooled.ErrConnectorClosed) {
		t.Errorf("Connect after db.Close: %v, want ErrConnectorClosed", err)
	}
}

// checkSpans: there is an exec span and a query span, each carrying its
// statement text.
func checkSpans(t *testing.T, ended []sdktrace.ReadOnlySpan) {
	t.Helper()
	found := map[string]bool{}
	for _, s := range ended {
		for _, kv := range s.Attributes() {
			if kv.Key == attribute.Key("db.query.text") {
				found[s.Name()+" "+kv.Value.AsString()] = true
			}
		}
	}
	for _, want := range []string{
		"sql.conn.exec CREATE TABLE notes (body TEXT)",
		"sql.conn.exec INSERT INTO notes VALUES (?)",
		"sql.conn.query SELECT body FROM notes",
	} {
		if !found[want] {
			t.Errorf("no span %q among %d ended spans", want, len(ended))
		}
	}
}

// TestForDB: only a DB of the turso-pooled driver has a connector to read.
func TestForDB(t *testing.T) {
	_, db := newConnector(t, "pool_min_conns=0")
	if src, err := otelmetrics.ForDB(db); err != nil || src == nil {
		t.Errorf("ForDB(turso-pooled DB) = %v, %v", src, err)
	}
	plain, err := sql.Open("turso-pooled", "http://127.0.0.1:1?pool_min_conns=0")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	if _, err := otelmetrics.ForDB(plain); err != nil {
		t.Errorf("ForDB(sql.Open turso-pooled) error = %v", err)
	}
	if _, err := otelmetrics.ForDB(nil); err == nil {
		t.Error("ForDB(nil) succeeded")
	}
}
