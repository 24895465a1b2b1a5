package otelmetrics

import tursopooled "github.com/turso-pooled/tursopooled"

// busDefs are the cache bus's instruments (cache_bus=redis://…): the
// subscription's state and transitions, and the messages published and
// received.
func busDefs() []def {
	type S = tursopooled.Stats
	return []def{
		intDef(gauge, "cache.bus.enabled", "1", "1 when the cache bus is on (cache_bus set), else 0.",
			func(s *S) int64 { return b2i(s.BusOn) }),
		intDef(gauge, "cache.bus.subscribed", "1", "1 while the cache bus subscription is confirmed, else 0 (the fallback applies).",
			func(s *S) int64 { return b2i(s.Bus.Subscribed) }),
		intDef(gauge, "cache.bus.publish_failing", "1", "1 while publishing invalidations fails (they wait for a retry), else 0.",
			func(s *S) int64 { return b2i(s.Bus.PublishFailing) }),
		{name: "cache.bus.transitions", unit: "{transition}", desc: "Cache bus subscription transitions: subscribed, lost, cache flushes they caused, and failed attempts (each followed by a reconnect).",
			kind: counter, series: []series{
				with("transition", "subscribed", func(s *S) int64 { return u2i(s.Bus.Subscribes) }),
				with("transition", "lost", func(s *S) int64 { return u2i(s.Bus.SubscriptionsLost) }),
				with("transition", "flush", func(s *S) int64 { return u2i(s.Bus.Flushes) }),
				with("transition", "failed", func(s *S) int64 { return u2i(s.Bus.SubscribeFailures) }),
			}},
		{name: "cache.bus.published", unit: "{message}", desc: "Invalidations published on the cache bus, by outcome.",
			kind: counter, series: []series{
				with("outcome", "accepted", func(s *S) int64 { return u2i(s.Bus.Published) }),
				with("outcome", "error", func(s *S) int64 { return u2i(s.Bus.PublishErrors) }),
				with("outcome", "retried", func(s *S) int64 { return u2i(s.Bus.PublishRetried) }),
				with("outcome", "collapsed", func(s *S) int64 { return u2i(s.Bus.PublishCollapsed) }),
			}},
		{name: "cache.bus.received", unit: "{message}", desc: "Messages received on the cache bus, by outcome.",
			kind: counter, series: []series{
				with("outcome", "applied", func(s *S) int64 { return u2i(s.Bus.Applied) }),
				with("outcome", "own", func(s *S) int64 { return u2i(s.Bus.Own) }),
				with("outcome", "foreign", func(s *S) int64 { return u2i(s.Bus.Foreign) }),
				with("outcome", "malformed", func(s *S) int64 { return u2i(s.Bus.Malformed) }),
			}},
		intDef(counter, "cache.refused_gets", "{get}", "Cache lookups refused while the cache bus could not vouch for the cache (cache_bus_fallback=bypass).",
			func(s *S) int64 { return u2i(s.Cache.GetsRefused) }),
	}
}
