package otelmetrics_test

import (
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric/noop"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	otelmetrics "github.com/turso-pooled/tursopooled/metrics/otel"
)

// TestRegisterFollowsTheDB drives a real DB and checks that the observed
// pool, cache and compression values move with it.
func TestRegisterFollowsTheDB(t *testing.T) {
	c, db := newConnector(t, "cache=on&compress=br&compress_threshold=64&pool_min_conns=1")
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(testCtx(t)) })
	dbAttr := attribute.String("db.namespace", "main")
	reg, err := otelmetrics.Register(provider.Meter("test"), c, otelmetrics.WithAttributes(dbAttr))
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Unregister()
	ctx := testCtx(t)
	acquires0 := point(t, collect(t, reader), "turso_pooled.pool.acquires", dbAttr)

	mustExec(t, db, "CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT)")
	mustExec(t, db, "INSERT INTO docs (body) VALUES (?)", strings.Repeat("a compressible sentence. ", 100))
	var body string
	if err := db.QueryRowContext(ctx, "SELECT body FROM docs WHERE id = 1").Scan(&body); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a repeated SELECT is a cache hit", func() bool {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM docs").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return point(t, collect(t, reader), "turso_pooled.cache.hits", dbAttr) > 0
	})

	ms := collect(t, reader)
	if got := point(t, ms, "turso_pooled.pool.acquires", dbAttr); got <= acquires0 {
		t.Errorf("pool.acquires = %v after queries, was %v", got, acquires0)
	}
	for _, name := range []string{
		"turso_pooled.pool.connections.created", "turso_pooled.pool.connections.max",
		"turso_pooled.cache.enabled", "turso_pooled.cache.misses", "turso_pooled.cache.entries", "turso_pooled.cache.size",
		"turso_pooled.compression.enabled", "turso_pooled.compression.values.framed",
		"turso_pooled.compression.values.decoded", "turso_pooled.compression.output",
	} {
		if got := point(t, ms, name, dbAttr); got <= 0 {
			t.Errorf("%s = %v, want > 0", name, got)
		}
	}
	if in, out := point(t, ms, "turso_pooled.compression.input"), point(t, ms, "turso_pooled.compression.output"); out >= in {
		t.Errorf("compression input = %v bytes, output = %v: want output < input", in, out)
	}
	if got := point(t, ms, "turso_pooled.pool.breaker.state", attribute.String("state", "closed")); got != 1 {
		t.Errorf("breaker closed = %v, want 1", got)
	}
	checkKinds(t, ms)
}

// checkKinds: counters are monotonic cumulative sums, "in use" quantities
// non-monotonic sums, limits gauges; units follow OpenTelemetry's UCUM style.
func checkKinds(t *testing.T, ms map[string]metricdata.Metrics) {
	t.Helper()
	tests := []struct {
		name, unit, kind string
	}{
		{"turso_pooled.pool.connections", "{connection}", "updown"},
		{"turso_pooled.pool.acquires", "{acquire}", "counter"},
		{"turso_pooled.pool.acquire.wait_time", "s", "counter"},
		{"turso_pooled.pool.acquire.wait_quantile", "s", "gauge"},
		{"turso_pooled.pool.connections.max", "{connection}", "gauge"},
		{"turso_pooled.cache.size", "By", "updown"},
		{"turso_pooled.compression.input", "By", "counter"},
	}
	for _, tt := range tests {
		m, ok := ms[tt.name]
		if !ok {
			t.Errorf("no metric %s", tt.name)
			continue
		}
		if m.Unit != tt.unit {
			t.Errorf("%s unit = %q, want %q", tt.name, m.Unit, tt.unit)
		}
		if got := kindOf(m.Data); got != tt.kind {
			t.Errorf("%s is a %s, want a %s", tt.name, got, tt.kind)
		}
	}
}

func kindOf(d metricdata.Aggregation) string {
	switch d := d.(type) {
	case metricdata.Sum[int64]:
		return sumKind(d.IsMonotonic, d.Temporality)
	case metricdata.Sum[float64]:
		return sumKind(d.IsMonotonic, d.Temporality)
	case metricdata.Gauge[int64], metricdata.Gauge[float64]:
		return "gauge"
	}
	return "other"
}

func sumKind(monotonic bool, temp metricdata.Temporality) string {
	switch {
	case temp != metricdata.CumulativeTemporality:
		return "non-cumulative sum"
	case monotonic:
		return "counter"
	}
	return "updown"
}

// TestRegisterOptionsAndErrors covers prefixes, the number of series, bad
// arguments and Unregister.
func TestRegisterOptionsAndErrors(t *testing.T) {
	c, _ := newConnector(t, "pool_min_conns=0")
	tests := []struct {
		name   string
		opts   []otelmetrics.Option
		metric string
	}{
		{"default prefix", nil, "turso_pooled.pool.acquires"},
		{"custom prefix", []otelmetrics.Option{otelmetrics.WithPrefix("app.db")}, "app.db.pool.acquires"},
		{"no prefix", []otelmetrics.Option{otelmetrics.WithPrefix("")}, "pool.acquires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			reader := sdkmetric.NewManualReader()
			provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
			defer func() { _ = provider.Shutdown(testCtx(t)) }()
			reg, err := otelmetrics.Register(provider.Meter("test"), c, tt.opts...)
			if err != nil {
				t.Fatal(err)
			}
			ms := collect(t, reader)
			if _, ok := ms[tt.metric]; !ok {
				t.Fatalf("no metric %s among %d", tt.metric, len(ms))
			}
			if len(ms) != 46 {
				t.Errorf("%d instruments reported, want 46", len(ms))
			}
			if err := reg.Unregister(); err != nil {
				t.Fatal(err)
			}
			if ms := collect(t, reader); len(ms) != 0 {
				t.Errorf("%d instruments reported after Unregister, want 0", len(ms))
			}
		})
	}
	if _, err := otelmetrics.Register(nil, c); err == nil || !strings.HasPrefix(err.Error(), "otelmetrics:") {
		t.Errorf("Register(nil meter) error = %v", err)
	}
	sdk := sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
	defer func() { _ = sdk.Shutdown(testCtx(t)) }()
	if _, err := otelmetrics.Register(sdk.Meter("x"), c, otelmetrics.WithPrefix("1 bad")); err == nil ||
		!strings.Contains(err.Error(), "otelmetrics: instrument 1 bad.pool.") {
		t.Errorf("Register with an invalid prefix: error = %v, want one naming the instrument", err)
	}
	if _, err := otelmetrics.Register(noop.NewMeterProvider().Meter("x"), nil); err == nil {
		t.Error("Register(nil source) succeeded")
	}
	if _, err := otelmetrics.Register(noop.NewMeterProvider().Meter("x"), c); err != nil {
		t.Errorf("Register on a no-op meter: %v", err)
	}
}
