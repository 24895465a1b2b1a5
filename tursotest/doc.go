// Package tursotest provides an in-process Turso/sqld-compatible server for
// tests, in the spirit of net/http/httptest. It speaks the Hrana protocols
// that the upstream client github.com/tursodatabase/libsql-client-go uses,
// over a real SQLite engine (modernc.org/sqlite), so that tests exercise the
// client's real code paths end to end without a Turso account, Docker or an
// sqld binary:
//
//	srv := tursotest.NewTestServer(t)
//	db, err := sql.Open("libsql", srv.HTTPURL())
//
// # Protocols
//
// Hrana over HTTP: POST /v2/pipeline and /v3/pipeline (streams named by
// batons that are HMAC-signed and change on every response), POST
// /v3/cursor, POST /v1/execute and /v1/batch, and GET /v2, /v3, /health and
// /version. Stream requests: execute, batch (conditions ok, error, not, and,
// or, is_autocommit), sequence, describe, store_sql, close_sql,
// get_autocommit (v3) and close. Every stream owns its own SQLite
// connection, so transactions are isolated per stream (the database is in
// WAL mode, like sqld's: readers see the last commit while a stream
// writes, and writers wait up to 5s for each other); a stream idle for
// longer than the expiry (WithStreamExpiry, 10s by default as in sqld) is
// closed and its transaction rolled back.
//
// Hrana over WebSocket: subprotocols hrana1, hrana2 and hrana3, JSON
// encoding only (not hrana3-protobuf). A connection hosts any number of
// streams, each with its own SQLite connection; cursors are supported in
// hrana3.
//
// Errors follow sqld:
//   - a statement that fails (SQL error, bad arguments, more than one
//     statement in an execute) yields a Hrana error with SQLite's message and
//     a code such as SQLITE_ERROR or SQLITE_CONSTRAINT; the stream stays
//     usable;
//   - a request on an expired stream gets HTTP 400 with
//     {"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"},
//     exactly as sqld sends it. The upstream Go client reports that as a
//     plain error and marks the connection closed, so the next use of the
//     same connection fails with driver.ErrBadConn;
//   - a wrong, reused or forged baton, malformed JSON or an unknown request
//     type gets HTTP 400 with a body holding "error", "message" and "code";
//     the stream is closed. Over WebSocket these close the connection with
//     status 1002 (protocol error);
//   - a missing or wrong auth token gets HTTP 401 with {"error": "..."}, or
//     hello_error over WebSocket.
//
// # Known differences from sqld
//
//   - Declared column types (decltype) are reported in upper case, as
//     modernc.org/sqlite returns them.
//   - Text stored in columns declared DATE, DATETIME or TIMESTAMP that
//     modernc.org/sqlite recognises as a time comes back re-formatted:
//     "2006-01-02" for a midnight UTC time, else
//     "2006-01-02 15:04:05.999999999-07:00" (which the upstream client
//     parses back to the same time).
//   - rows_read and rows_written are not reported; describe's is_readonly
//     is inferred from the statement's keywords.
//   - Named arguments the statement does not use are ignored, and one named
//     argument "a" binds every parameter spelled :a, @a or $a.
//   - get_autocommit and is_autocommit probe the connection with BEGIN and
//     ROLLBACK, since database/sql does not expose SQLite's autocommit flag.
//
// # Fault injection
//
// DropConnections, ExpireStreams, RefuseConnections, SetRequestDelay,
// FailNextRequests, SetMaxConcurrency, SetContention and Restart let tests show how a
// client copes with broken connections, expired streams, refused or slow
// connections, error statuses, overload and server restarts. Stats reports
// exact counts of connections, TLS handshakes, requests, streams and bytes.
//
// # TLS
//
// WithTLS generates a CA and a server certificate at NewServer. Use
// TrustInProcess (NewTestServer does) so that http.DefaultTransport, which
// the upstream client uses, trusts it; it changes process-global state. For
// a child process, write CACertPEM to a file and point SSL_CERT_FILE at it.
package tursotest
