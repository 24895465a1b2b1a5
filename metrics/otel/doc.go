// Package otelmetrics exports turso-pooled's pool, cache and compression
// counters through the OpenTelemetry metric API.
//
// It is a module of its own, so that the driver does not bring OpenTelemetry
// to programs that do not use it:
//
//	go get github.com/turso-pooled/tursopooled/metrics/otel
//
// The package lives in the directory metrics/otel but is named otelmetrics:
//
//	import otelmetrics "github.com/turso-pooled/tursopooled/metrics/otel"
//
//	c, err := tursopooled.NewConnector(dsn)
//	…
//	db := sql.OpenDB(c) // or otelsql.OpenDB(c, …) for traces
//	reg, err := otelmetrics.Register(otel.Meter("myapp"), c,
//		otelmetrics.WithAttributes(attribute.String("db.namespace", "main")))
//	…
//	defer reg.Unregister()
//
// [Register] creates observable instruments and one callback that reads a
// single snapshot ([tursopooled.Connector.Stats]) per collection, so the
// query path pays nothing. The package depends only on the metric API
// (go.opentelemetry.io/otel/metric); the SDK and exporter are the
// application's choice.
//
// # Instruments
//
// Names below use the default prefix "turso_pooled" ([WithPrefix] changes
// it). Counters are cumulative since the connector was created.
//
//	turso_pooled.pool.connections             updown   {connection}  attribute state: idle, in_use, constructing
//	turso_pooled.pool.connections.max         gauge    {connection}  pool_max_conns
//	turso_pooled.pool.connections.target      gauge    {connection}  adaptive target (= max when fixed)
//	turso_pooled.pool.connections.created     counter  {connection}
//	turso_pooled.pool.connections.destroyed   counter  {connection}  attribute reason: broken, in-tx, lifetime, idle, health-check, shrink, closed, other
//	turso_pooled.pool.acquires                counter  {acquire}     successful acquires
//	turso_pooled.pool.acquires.empty          counter  {acquire}     acquires that waited or dialed
//	turso_pooled.pool.acquires.canceled       counter  {acquire}
//	turso_pooled.pool.acquires.pending        updown   {acquire}     callers queued for a connection
//	turso_pooled.pool.acquire.wait_time       counter  s             total time spent in successful acquires
//	turso_pooled.pool.acquire.wait_quantile   gauge    s             attribute quantile: 0.5, 0.95, 0.99 of the last 1024 acquires
//	turso_pooled.pool.handshakes_saved        counter  {handshake}   acquires served by an open connection
//	turso_pooled.pool.operations              counter  {operation}
//	turso_pooled.pool.operation.errors        counter  {operation}
//	turso_pooled.pool.leaks                   counter  {connection}
//	turso_pooled.pool.breaker.state           gauge    1             attribute state: closed, open, half-open; 1 for the current one
//	turso_pooled.pool.breaker.opens           counter  {open}
//	turso_pooled.pool.resizes                 counter  {resize}
//	turso_pooled.cache.enabled                gauge    1             1 with cache=on
//	turso_pooled.cache.hits                   counter  {hit}
//	turso_pooled.cache.misses                 counter  {miss}
//	turso_pooled.cache.sets                   counter  {set}
//	turso_pooled.cache.sets.refused           counter  {set}         attribute reason: dropped, admission, too_large, stale
//	turso_pooled.cache.expirations            counter  {entry}
//	turso_pooled.cache.stale_gets             counter  {get}
//	turso_pooled.cache.evictions              counter  {entry}
//	turso_pooled.cache.invalidations          counter  {invalidation} attribute scope: tables, all
//	turso_pooled.cache.entries                updown   {entry}
//	turso_pooled.cache.size                   updown   By            bytes charged against cache_max_bytes
//	turso_pooled.compression.enabled          gauge    1             1 with compress=br
//	turso_pooled.compression.values.framed    counter  {value}
//	turso_pooled.compression.values.raw       counter  {value}
//	turso_pooled.compression.values.decoded   counter  {value}
//	turso_pooled.compression.input            counter  By            original bytes of framed values
//	turso_pooled.compression.output           counter  By            bytes of the frames sent
//	turso_pooled.compression.decoded          counter  By            bytes produced by decoding
//	turso_pooled.compression.decode_errors    counter  {error}
//	turso_pooled.compression.frames.rejected  counter  {frame}
//
// An OpenTelemetry Prometheus exporter translates these to names close to
// the ones package tursoprom exports directly (turso_pooled.pool.acquires
// becomes turso_pooled_pool_acquires_total).
package otelmetrics
