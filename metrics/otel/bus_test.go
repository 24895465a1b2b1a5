package otelmetrics_test

import (
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	otelmetrics "github.com/turso-pooled/tursopooled/metrics/otel"
)

// TestBusInstruments: with cache_bus set and its server unreachable, the
// bus instruments say it is on and not subscribed.
func TestBusInstruments(t *testing.T) {
	c, _ := newConnector(t, "cache=on&pool_min_conns=0&cache_bus=redis://127.0.0.1:1")
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	defer func() { _ = provider.Shutdown(testCtx(t)) }()
	reg, err := otelmetrics.Register(provider.Meter("test"), c)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = reg.Unregister() }()
	ms := collect(t, reader)
	for name, want := range map[string]float64{"turso_pooled.cache.bus.enabled": 1, "turso_pooled.cache.bus.subscribed": 0} {
		if got := point(t, ms, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}
