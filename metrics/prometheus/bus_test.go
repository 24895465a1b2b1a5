package tursoprom_test

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	tursoprom "github.com/turso-pooled/tursopooled/metrics/prometheus"
)

// TestCollectorBusMetrics: with cache_bus set and its server unreachable,
// the bus is on, not subscribed, and the cache refuses lookups (the bypass
// fallback); the connector still opens.
func TestCollectorBusMetrics(t *testing.T) {
	db := openDB(t, "cache=on&pool_min_conns=0&cache_bus=redis://127.0.0.1:1")
	src, err := tursoprom.ForDB(db)
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(tursoprom.NewCollector(src)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(testCtx(t), "SELECT 1").Scan(&n); err != nil {
		t.Fatal(err)
	}
	eventually(t, "a publish-free lookup is refused", func() bool {
		_ = db.QueryRowContext(testCtx(t), "SELECT 1").Scan(&n)
		return value(t, scrape(t, reg), "turso_pooled_cache_refused_gets_total{}") > 0
	})
	samples := scrape(t, reg)
	for key, want := range map[string]float64{
		"turso_pooled_cache_bus_enabled{}":                                  1,
		"turso_pooled_cache_bus_subscribed{}":                               0,
		`turso_pooled_cache_bus_transitions_total{transition="subscribed"}`: 0,
		`turso_pooled_cache_bus_received_total{outcome="applied"}`:          0,
	} {
		if got := value(t, samples, key); got != want {
			t.Errorf("%s = %v, want %v", key, got, want)
		}
	}
}
