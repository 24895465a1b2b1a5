package tursoprom

import (
	"github.com/prometheus/client_golang/prometheus"
	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/pool"
)

// sample is one value of a metric, with its variable label values.
type sample struct {
	value  float64
	labels []string
}

// spec describes one metric family: its name without namespace, help,
// type, variable labels and how to read its samples from a snapshot.
type spec struct {
	name    string
	help    string
	typ     prometheus.ValueType
	labels  []string
	samples func(s *tursopooled.Stats) []sample
}

func counter(name, help string, v func(s *tursopooled.Stats) float64) spec {
	return spec{name: name, help: help, typ: prometheus.CounterValue,
		samples: func(s *tursopooled.Stats) []sample { return []sample{{value: v(s)}} }}
}

func gauge(name, help string, v func(s *tursopooled.Stats) float64) spec {
	return spec{name: name, help: help, typ: prometheus.GaugeValue,
		samples: func(s *tursopooled.Stats) []sample { return []sample{{value: v(s)}} }}
}

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// breakerStates are the values of the pool_breaker_state label.
var breakerStates = []string{"closed", "open", "half-open"}

// destroyReasons lists every pool.DestroyReason, for the reason label.
func destroyReasons() []pool.DestroyReason {
	var rs []pool.DestroyReason
	for r := pool.ReasonBroken; r <= pool.ReasonOther; r++ {
		rs = append(rs, r)
	}
	return rs
}

// specs is every metric the collector exports except the acquire-wait
// summary, which collector.go builds separately.
var specs = append(append(append(poolSpecs(), cacheSpecs()...), compressionSpecs()...), busSpecs()...)

func poolSpecs() []spec {
	return []spec{
		{name: "pool_connections", help: "Open upstream connections by state.",
			typ: prometheus.GaugeValue, labels: []string{"state"},
			samples: func(s *tursopooled.Stats) []sample {
				return []sample{
					{float64(s.Pool.IdleConns()), []string{"idle"}},
					{float64(s.Pool.InUseConns()), []string{"in_use"}},
					{float64(s.Pool.ConstructingConns()), []string{"constructing"}},
				}
			}},
		gauge("pool_max_connections", "Hard ceiling on open connections (pool_max_conns).",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.MaxConns()) }),
		gauge("pool_target_connections", "Current limit on acquired connections: the adaptive target, or the maximum for a fixed pool.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.TargetConns()) }),
		gauge("pool_waiting_acquires", "Callers queued for a free connection.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.WaitingAcquires()) }),
		counter("pool_acquires_total", "Successful connection acquires.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.AcquireCount()) }),
		counter("pool_acquire_wait_seconds_total", "Total time spent in successful acquires, in seconds.",
			func(s *tursopooled.Stats) float64 { return s.Pool.AcquireDuration().Seconds() }),
		counter("pool_empty_acquires_total", "Successful acquires that had to wait for a connection or dial one.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.EmptyAcquireCount()) }),
		counter("pool_canceled_acquires_total", "Acquires ended by their context or by pool_connect_timeout.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.CanceledAcquireCount()) }),
		counter("pool_connections_created_total", "Upstream connections dialed successfully.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.NewConnsCount()) }),
		{name: "pool_connections_destroyed_total", help: "Upstream connections closed, by reason.",
			typ: prometheus.CounterValue, labels: []string{"reason"},
			samples: func(s *tursopooled.Stats) []sample {
				var out []sample
				for _, r := range destroyReasons() {
					out = append(out, sample{float64(s.Pool.Destroyed(r)), []string{r.String()}})
				}
				return out
			}},
		counter("pool_handshakes_saved_total", "Acquires served by an already open connection (dials saved).",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.HandshakesSaved()) }),
		counter("pool_operations_total", "Statements run on pooled connections.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.OpCount()) }),
		counter("pool_operation_errors_total", "Statements run on pooled connections that failed.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.OpErrorCount()) }),
		counter("pool_leaks_total", "Connections held longer than pool_leak_threshold.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.Leaks()) }),
		{name: "pool_breaker_state", help: "Circuit breaker state: 1 for the current state, 0 for the others.",
			typ: prometheus.GaugeValue, labels: []string{"state"},
			samples: func(s *tursopooled.Stats) []sample {
				out := make([]sample, 0, len(breakerStates))
				for _, st := range breakerStates {
					out = append(out, sample{boolValue(s.Pool.BreakerState() == st), []string{st}})
				}
				return out
			}},
		counter("pool_breaker_opens_total", "Times the circuit breaker opened.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.BreakerOpens()) }),
		counter("pool_resizes_total", "Times the adaptive target changed.",
			func(s *tursopooled.Stats) float64 { return float64(s.Pool.Resizes()) }),
	}
}

func cacheSpecs() []spec {
	return []spec{
		gauge("cache_enabled", "1 when the result cache is on (cache=on), else 0.",
			func(s *tursopooled.Stats) float64 { return boolValue(s.CacheOn) }),
		counter("cache_hits_total", "Queries answered from the result cache.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Hits) }),
		counter("cache_misses_total", "Cacheable queries not found in the cache (absent, stale or expired).",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Misses) }),
		counter("cache_sets_total", "Results offered to the cache.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Sets) }),
		{name: "cache_sets_refused_total", help: "Results the cache did not store, by reason.",
			typ: prometheus.CounterValue, labels: []string{"reason"},
			samples: func(s *tursopooled.Stats) []sample {
				return []sample{
					{float64(s.Cache.SetsDropped), []string{"dropped"}},
					{float64(s.Cache.SetsRejected), []string{"admission"}},
					{float64(s.Cache.SetsRejectedTooLarge), []string{"too_large"}},
					{float64(s.Cache.SetsStale), []string{"stale"}},
				}
			}},
		counter("cache_expirations_total", "Entries found older than their access-scored TTL, then deleted.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.ExpiredByScore) }),
		counter("cache_stale_gets_total", "Entries found but invalidated by a write, then deleted.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.GetsStale) }),
		counter("cache_evictions_total", "Entries evicted to stay within cache_max_bytes.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Evictions) }),
		{name: "cache_invalidations_total", help: "Cache invalidations by writes: of the keys a write touched, of the tables, or of everything.",
			typ: prometheus.CounterValue, labels: []string{"scope"},
			samples: func(s *tursopooled.Stats) []sample {
				return []sample{
					{float64(s.Cache.KeyInvalidations), []string{"keys"}},
					{float64(s.Cache.Invalidations), []string{"tables"}},
					{float64(s.Cache.InvalidateAlls), []string{"all"}},
				}
			}},
		counter("cache_coalesced_total", "Cache misses served the result of an identical query already in flight.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Coalesced) }),
		gauge("cache_entries", "Entries stored in the result cache.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Entries) }),
		gauge("cache_bytes", "Bytes charged against cache_max_bytes.",
			func(s *tursopooled.Stats) float64 { return float64(s.Cache.Bytes) }),
	}
}

func compressionSpecs() []spec {
	return []spec{
		gauge("compression_enabled", "1 when writes frame large values in brotli (compress=br), else 0.",
			func(s *tursopooled.Stats) float64 { return boolValue(s.CompressOn) }),
		counter("compression_values_framed_total", "Values sent in a brotli frame.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.ValuesFramed) }),
		counter("compression_values_raw_total", "Values considered for framing but sent as they were.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.ValuesRaw) }),
		counter("compression_bytes_in_total", "Original bytes of the framed values.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.BytesIn) }),
		counter("compression_bytes_out_total", "Bytes of the frames sent for them.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.BytesOut) }),
		counter("compression_values_decoded_total", "Frames decoded on reads.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.ValuesDecoded) }),
		counter("compression_decoded_bytes_total", "Bytes produced by decoding frames.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.DecodedBytes) }),
		counter("compression_decode_errors_total", "Frames refused on read (larger than compress_max_decoded_bytes).",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.DecodeErrors) }),
		counter("compression_frames_rejected_total", "Values that looked framed but failed validation and were returned as stored.",
			func(s *tursopooled.Stats) float64 { return float64(s.Compression.FramesRejected) }),
	}
}
