package tursoprom

import (
	"github.com/prometheus/client_golang/prometheus"
	tursopooled "github.com/turso-pooled/tursopooled"
)

// busSpecs are the cache bus's metrics (cache_bus=redis://…): the
// subscription's state and transitions, and the messages published and
// received.
func busSpecs() []spec {
	type S = tursopooled.Stats
	return []spec{
		gauge("cache_bus_enabled", "1 when the cache bus is on (cache_bus set), else 0.",
			func(s *S) float64 { return boolValue(s.BusOn) }),
		gauge("cache_bus_subscribed", "1 while the cache bus subscription is confirmed, else 0 (the fallback applies).",
			func(s *S) float64 { return boolValue(s.Bus.Subscribed) }),
		gauge("cache_bus_publish_failing", "1 while publishing invalidations fails (they wait for a retry), else 0.",
			func(s *S) float64 { return boolValue(s.Bus.PublishFailing) }),
		{name: "cache_bus_transitions_total", help: "Cache bus subscription transitions: subscribed, lost, cache flushes they caused, and failed attempts (each followed by a reconnect).",
			typ: prometheus.CounterValue, labels: []string{"transition"},
			samples: func(s *S) []sample {
				return []sample{
					{float64(s.Bus.Subscribes), []string{"subscribed"}},
					{float64(s.Bus.SubscriptionsLost), []string{"lost"}},
					{float64(s.Bus.Flushes), []string{"flush"}},
					{float64(s.Bus.SubscribeFailures), []string{"failed"}},
				}
			}},
		{name: "cache_bus_published_total", help: "Invalidations published on the cache bus, by outcome.",
			typ: prometheus.CounterValue, labels: []string{"outcome"},
			samples: func(s *S) []sample {
				return []sample{
					{float64(s.Bus.Published), []string{"accepted"}},
					{float64(s.Bus.PublishErrors), []string{"error"}},
					{float64(s.Bus.PublishRetried), []string{"retried"}},
					{float64(s.Bus.PublishCollapsed), []string{"collapsed"}},
				}
			}},
		{name: "cache_bus_received_total", help: "Messages received on the cache bus, by outcome.",
			typ: prometheus.CounterValue, labels: []string{"outcome"},
			samples: func(s *S) []sample {
				return []sample{
					{float64(s.Bus.Applied), []string{"applied"}},
					{float64(s.Bus.Own), []string{"own"}},
					{float64(s.Bus.Foreign), []string{"foreign"}},
					{float64(s.Bus.Malformed), []string{"malformed"}},
				}
			}},
		counter("cache_refused_gets_total", "Cache lookups refused while the cache bus could not vouch for the cache (cache_bus_fallback=bypass).",
			func(s *S) float64 { return float64(s.Cache.GetsRefused) }),
	}
}
