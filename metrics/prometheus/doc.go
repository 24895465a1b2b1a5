// Package tursoprom exports turso-pooled's pool, cache and compression
// counters to Prometheus.
//
// It is a module of its own, so that the driver does not bring client_golang
// to programs that do not use it:
//
//	go get github.com/turso-pooled/tursopooled/metrics/prometheus
//
// The package lives in the directory metrics/prometheus but is named
// tursoprom, so that it does not shadow client_golang's prometheus package:
//
//	import tursoprom "github.com/turso-pooled/tursopooled/metrics/prometheus"
//
//	db, err := sql.Open("turso-pooled", dsn)
//	…
//	src, err := tursoprom.ForDB(db)
//	…
//	prometheus.MustRegister(tursoprom.NewCollector(src, tursoprom.WithConstLabels(prometheus.Labels{"db": "main"})))
//
// A [Collector] reads one snapshot ([tursopooled.Connector.Stats]) per
// scrape and turns it into constant metrics, so it costs nothing between
// scrapes and never holds a lock on the query path. When the *sql.DB is
// wrapped by an instrumentation driver (otelsql and the like),
// [tursopooled.StatsOf] and [ForDB] cannot see through the wrapper: build
// the *tursopooled.Connector with [tursopooled.NewConnector], pass it to the
// wrapper's OpenDB, and pass the same connector to [NewCollector].
//
// # Metrics
//
// Names below use the default namespace "turso_pooled" ([WithNamespace]
// changes it). Counters are cumulative since the connector was created.
//
//	turso_pooled_pool_connections{state="idle|in_use|constructing"}  gauge
//	turso_pooled_pool_max_connections                                 gauge    pool_max_conns
//	turso_pooled_pool_target_connections                              gauge    adaptive target (= max when fixed)
//	turso_pooled_pool_waiting_acquires                                gauge    callers queued for a connection
//	turso_pooled_pool_acquires_total                                  counter
//	turso_pooled_pool_acquire_wait_seconds_total                      counter  time spent in successful acquires
//	turso_pooled_pool_acquire_wait_seconds{quantile="0.5|0.95|0.99"}  summary  quantiles of the last 1024 acquires
//	turso_pooled_pool_empty_acquires_total                            counter  acquires that waited or dialed
//	turso_pooled_pool_canceled_acquires_total                         counter
//	turso_pooled_pool_connections_created_total                       counter
//	turso_pooled_pool_connections_destroyed_total{reason}             counter  broken, in-tx, lifetime, idle, health-check, shrink, closed, other
//	turso_pooled_pool_handshakes_saved_total                          counter  acquires served by an open connection
//	turso_pooled_pool_operations_total                                counter
//	turso_pooled_pool_operation_errors_total                          counter
//	turso_pooled_pool_leaks_total                                     counter
//	turso_pooled_pool_breaker_state{state="closed|open|half-open"}    gauge    1 for the current state, 0 for the others
//	turso_pooled_pool_breaker_opens_total                             counter
//	turso_pooled_pool_resizes_total                                   counter
//	turso_pooled_cache_enabled                                        gauge    1 with cache=on
//	turso_pooled_cache_hits_total, _cache_misses_total                counter
//	turso_pooled_cache_sets_total                                     counter
//	turso_pooled_cache_sets_refused_total{reason="dropped|admission|too_large|stale"} counter
//	turso_pooled_cache_expirations_total, _cache_stale_gets_total     counter
//	turso_pooled_cache_evictions_total                                counter
//	turso_pooled_cache_invalidations_total{scope="tables|all"}        counter
//	turso_pooled_cache_entries                                        gauge
//	turso_pooled_cache_bytes                                          gauge
//	turso_pooled_compression_enabled                                  gauge    1 with compress=br
//	turso_pooled_compression_values_framed_total, _values_raw_total   counter
//	turso_pooled_compression_bytes_in_total, _bytes_out_total         counter  bytes before and after framing
//	turso_pooled_compression_values_decoded_total                     counter
//	turso_pooled_compression_decoded_bytes_total                      counter
//	turso_pooled_compression_decode_errors_total                      counter
//	turso_pooled_compression_frames_rejected_total                    counter
//
// The summary's _count and _sum equal the acquires and acquire-wait
// counters; its quantiles cover the pool's window of recent acquires, not the
// whole history. Cache metrics are present (and zero) when the cache is off,
// so that dashboards keep their series.
package tursoprom
