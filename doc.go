// Package tursopooled is a database/sql driver for Turso and libSQL servers
// (sqld), registered as "turso-pooled". It wraps the official libsql driver
// (github.com/tursodatabase/libsql-client-go), so every statement still runs
// through the upstream's code against the same URLs and tokens, and adds,
// inside the driver, what database/sql's own pool lacks:
//
//   - a keep-alive pool of upstream connections (package pool, on
//     jackc/puddle): pre-dialed, health-checked, recycled with jitter, with a
//     circuit breaker in front of dialing and an adaptive size that follows
//     demand (package pool/adaptive); for Hrana over HTTP, a per-connector
//     keep-alive relay (relay.go) holds the TCP/TLS connections;
//   - an optional result cache (package cache, on ristretto) for statements
//     that package sqlclass classifies as deterministic reads, invalidated by
//     the writes made through the connector, with an access-scored TTL;
//   - optional brotli framing of large stored values (package compress),
//     decoded transparently on reads.
//
// Switching is one line:
//
//	db, err := sql.Open("turso-pooled", "libsql://db-org.turso.io?authToken="+token+"&cache=on")
//
// The DSN is the upstream URL plus query parameters (pool_*, cache*,
// compress*; see [ParseDSN] for each with its type, default and range).
// Every parameter is also a field of [Config], which holds effective
// values: build one with [ParseDSN] or [NewConfig], change it in code and
// pass it to [NewConnectorFromConfig] for sql.OpenDB. Functional options
// ([WithLogger], [WithRequestHeaders], [WithProxy],
// [WithRemoteEncryptionKey], [WithSchemaDB]) cover what a DSN cannot say.
//
// What a user can observe does not change except speed: a connection goes
// to its next user only in the state of a fresh one (session.go), a
// statement is retried only when it cannot have run (errclass.go; a write
// lost after it was sent fails with [MaybeAppliedError], a server's refusal
// is a [ServerError]), and the cache and compression keep results equal to
// the server's. [StatsOf] and [Connector.Stats] report the pool, the cache
// and compression; the Prometheus and OpenTelemetry exporters are modules
// of their own (metrics/prometheus, metrics/otel).
//
// Where things live: driver.go registration; connector.go the connector and
// pool wiring; conn.go, stmt.go, rows.go, tx.go the database/sql wrappers;
// session.go transaction and session tracking; errclass.go failure
// classification; config.go, params.go, dsn.go, options.go the
// configuration; features.go, cachepath.go, schemadeps.go the cache and
// compression paths. Package tursotest is an in-process Hrana server for
// tests (cmd/tursodev serves it standalone).
package tursopooled
