package otelmetrics

import (
	"go.opentelemetry.io/otel/attribute"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/pool"
)

// kind is the instrument type a definition is created as.
type kind int

const (
	counter kind = iota // monotonic cumulative sum
	updown              // non-monotonic sum of things in use
	gauge               // non-additive value
)

// series is one measurement of an instrument: fixed attributes and how to
// read the value from a snapshot. Exactly one of i and f is set.
type series struct {
	attrs []attribute.KeyValue
	i     func(s *tursopooled.Stats) int64
	f     func(s *tursopooled.Stats) float64
}

// def describes one instrument. Names are relative to the prefix.
type def struct {
	name, unit, desc string
	kind             kind
	float            bool
	series           []series
}

func intDef(k kind, name, unit, desc string, v func(s *tursopooled.Stats) int64) def {
	return def{name: name, unit: unit, desc: desc, kind: k, series: []series{{i: v}}}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// with is an int series with one fixed attribute.
func with(key, value string, v func(s *tursopooled.Stats) int64) series {
	return series{attrs: []attribute.KeyValue{attribute.String(key, value)}, i: v}
}

// destroyedSeries is one series per pool.DestroyReason.
func destroyedSeries() []series {
	var out []series
	for r := pool.ReasonBroken; r <= pool.ReasonOther; r++ {
		out = append(out, with("reason", r.String(), func(s *tursopooled.Stats) int64 { return s.Pool.Destroyed(r) }))
	}
	return out
}

// breakerSeries is one 0/1 series per circuit-breaker state.
func breakerSeries() []series {
	var out []series
	for _, st := range []string{"closed", "open", "half-open"} {
		out = append(out, with("state", st, func(s *tursopooled.Stats) int64 { return b2i(s.Pool.BreakerState() == st) }))
	}
	return out
}

// defs lists every instrument Register creates.
var defs = append(append(append(poolDefs(), cacheDefs()...), compressionDefs()...), busDefs()...)

func poolDefs() []def {
	type S = tursopooled.Stats
	return []def{
		{name: "pool.connections", unit: "{connection}", desc: "Open upstream connections by state.", kind: updown,
			series: []series{
				with("state", "idle", func(s *S) int64 { return int64(s.Pool.IdleConns()) }),
				with("state", "in_use", func(s *S) int64 { return int64(s.Pool.InUseConns()) }),
				with("state", "constructing", func(s *S) int64 { return int64(s.Pool.ConstructingConns()) }),
			}},
		intDef(gauge, "pool.connections.max", "{connection}", "Hard ceiling on open connections (pool_max_conns).",
			func(s *S) int64 { return int64(s.Pool.MaxConns()) }),
		intDef(gauge, "pool.connections.target", "{connection}", "Current limit on acquired connections: the adaptive target, or the maximum.",
			func(s *S) int64 { return int64(s.Pool.TargetConns()) }),
		intDef(counter, "pool.connections.created", "{connection}", "Upstream connections dialed successfully.",
			func(s *S) int64 { return s.Pool.NewConnsCount() }),
		{name: "pool.connections.destroyed", unit: "{connection}", desc: "Upstream connections closed, by reason.", kind: counter,
			series: destroyedSeries()},
		intDef(counter, "pool.acquires", "{acquire}", "Successful connection acquires.",
			func(s *S) int64 { return s.Pool.AcquireCount() }),
		intDef(counter, "pool.acquires.empty", "{acquire}", "Successful acquires that had to wait for a connection or dial one.",
			func(s *S) int64 { return s.Pool.EmptyAcquireCount() }),
		intDef(counter, "pool.acquires.canceled", "{acquire}", "Acquires ended by their context or by pool_connect_timeout.",
			func(s *S) int64 { return s.Pool.CanceledAcquireCount() }),
		intDef(updown, "pool.acquires.pending", "{acquire}", "Callers queued for a free connection.",
			func(s *S) int64 { return int64(s.Pool.WaitingAcquires()) }),
		{name: "pool.acquire.wait_time", unit: "s", desc: "Total time spent in successful acquires.", kind: counter, float: true,
			series: []series{{f: func(s *S) float64 { return s.Pool.AcquireDuration().Seconds() }}}},
		{name: "pool.acquire.wait_quantile", unit: "s", desc: "Quantiles of the time spent in the last 1024 successful acquires.",
			kind: gauge, float: true, series: []series{
				{attrs: []attribute.KeyValue{attribute.String("quantile", "0.5")}, f: func(s *S) float64 { return s.Pool.WaitP50().Seconds() }},
				{attrs: []attribute.KeyValue{attribute.String("quantile", "0.95")}, f: func(s *S) float64 { return s.Pool.WaitP95().Seconds() }},
				{attrs: []attribute.KeyValue{attribute.String("quantile", "0.99")}, f: func(s *S) float64 { return s.Pool.WaitP99().Seconds() }},
			}},
		intDef(counter, "pool.handshakes_saved", "{handshake}", "Acquires served by an already open connection (dials saved).",
			func(s *S) int64 { return s.Pool.HandshakesSaved() }),
		intDef(counter, "pool.operations", "{operation}", "Statements run on pooled connections.",
			func(s *S) int64 { return s.Pool.OpCount() }),
		intDef(counter, "pool.operation.errors", "{operation}", "Statements run on pooled connections that failed.",
			func(s *S) int64 { return s.Pool.OpErrorCount() }),
		intDef(counter, "pool.leaks", "{connection}", "Connections held longer than pool_leak_threshold.",
			func(s *S) int64 { return s.Pool.Leaks() }),
		{name: "pool.breaker.state", unit: "1", desc: "Circuit breaker state: 1 for the current state, 0 for the others.", kind: gauge,
			series: breakerSeries()},
		intDef(counter, "pool.breaker.opens", "{open}", "Times the circuit breaker opened.",
			func(s *S) int64 { return s.Pool.BreakerOpens() }),
		intDef(counter, "pool.resizes", "{resize}", "Times the adaptive target changed.",
			func(s *S) int64 { return s.Pool.Resizes() }),
	}
}

func u2i(v uint64) int64 { return int64(min(v, 1<<63-1)) }

func cacheDefs() []def {
	type S = tursopooled.Stats
	return []def{
		intDef(gauge, "cache.enabled", "1", "1 when the result cache is on (cache=on), else 0.",
			func(s *S) int64 { return b2i(s.CacheOn) }),
		intDef(counter, "cache.hits", "{hit}", "Queries answered from the result cache.", func(s *S) int64 { return u2i(s.Cache.Hits) }),
		intDef(counter, "cache.misses", "{miss}", "Cacheable queries not found in the cache.", func(s *S) int64 { return u2i(s.Cache.Misses) }),
		intDef(counter, "cache.sets", "{set}", "Results offered to the cache.", func(s *S) int64 { return u2i(s.Cache.Sets) }),
		{name: "cache.sets.refused", unit: "{set}", desc: "Results the cache did not store, by reason.", kind: counter,
			series: []series{
				with("reason", "dropped", func(s *S) int64 { return u2i(s.Cache.SetsDropped) }),
				with("reason", "admission", func(s *S) int64 { return u2i(s.Cache.SetsRejected) }),
				with("reason", "too_large", func(s *S) int64 { return u2i(s.Cache.SetsRejectedTooLarge) }),
				with("reason", "stale", func(s *S) int64 { return u2i(s.Cache.SetsStale) }),
			}},
		intDef(counter, "cache.expirations", "{entry}", "Entries found older than their access-scored TTL, then deleted.",
			func(s *S) int64 { return u2i(s.Cache.ExpiredByScore) }),
		intDef(counter, "cache.stale_gets", "{get}", "Entries found but invalidated by a write, then deleted.",
			func(s *S) int64 { return u2i(s.Cache.GetsStale) }),
		intDef(counter, "cache.evictions", "{entry}", "Entries evicted to stay within cache_max_bytes.",
			func(s *S) int64 { return u2i(s.Cache.Evictions) }),
		{name: "cache.invalidations", unit: "{invalidation}", desc: "Cache invalidations by writes: of the keys a write touched, of the tables, or of everything.",
			kind: counter, series: []series{
				with("scope", "keys", func(s *S) int64 { return u2i(s.Cache.KeyInvalidations) }),
				with("scope", "tables", func(s *S) int64 { return u2i(s.Cache.Invalidations) }),
				with("scope", "all", func(s *S) int64 { return u2i(s.Cache.InvalidateAlls) }),
			}},
		intDef(counter, "cache.coalesced", "{read}", "Cache misses served the result of an identical query already in flight.",
			func(s *S) int64 { return u2i(s.Cache.Coalesced) }),
		intDef(updown, "cache.entries", "{entry}", "Entries stored in the result cache.", func(s *S) int64 { return s.Cache.Entries }),
		intDef(updown, "cache.size", "By", "Bytes charged against cache_max_bytes.", func(s *S) int64 { return s.Cache.Bytes }),
	}
}

func compressionDefs() []def {
	type S = tursopooled.Stats
	return []def{
		intDef(gauge, "compression.enabled", "1", "1 when writes frame large values in brotli (compress=br), else 0.",
			func(s *S) int64 { return b2i(s.CompressOn) }),
		intDef(counter, "compression.values.framed", "{value}", "Values sent in a brotli frame.",
			func(s *S) int64 { return s.Compression.ValuesFramed }),
		intDef(counter, "compression.values.raw", "{value}", "Values considered for framing but sent as they were.",
			func(s *S) int64 { return s.Compression.ValuesRaw }),
		intDef(counter, "compression.values.decoded", "{value}", "Frames decoded on reads.",
			func(s *S) int64 { return s.Compression.ValuesDecoded }),
		intDef(counter, "compression.input", "By", "Original bytes of the framed values.",
			func(s *S) int64 { return s.Compression.BytesIn }),
		intDef(counter, "compression.output", "By", "Bytes of the frames sent for them.",
			func(s *S) int64 { return s.Compression.BytesOut }),
		intDef(counter, "compression.decoded", "By", "Bytes produced by decoding frames.",
			func(s *S) int64 { return s.Compression.DecodedBytes }),
		intDef(counter, "compression.decode_errors", "{error}", "Frames refused on read (larger than compress_max_decoded_bytes).",
			func(s *S) int64 { return s.Compression.DecodeErrors }),
		intDef(counter, "compression.frames.rejected", "{frame}", "Values that looked framed but failed validation and were returned as stored.",
			func(s *S) int64 { return s.Compression.FramesRejected }),
	}
}
