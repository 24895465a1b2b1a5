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
// # Profiles
//
// Failed HTTP requests are answered as a real server answers them; the
// profile (WithProfile) chooses which. The answers are taken from the
// servers' sources, cited in profile.go, batons.go and frontend.go.
//
// ProfileSqld (the default) answers as sqld (tursodatabase/libsql,
// libsql-server at commit f8fb14f3):
//   - a request on an expired stream gets HTTP 400 application/json
//     {"message":"The stream has expired due to inactivity","code":"STREAM_EXPIRED"}.
//     An HTTP stream expires 10 to 11 s after its last request
//     (WithStreamExpiry), and its baton keeps that answer for 300 s, then is
//     unknown. (The upstream Go client decodes every non-200 body as
//     {"error": ...}, so it reports this as "error code 400: " and marks
//     the connection closed.);
//   - protocol errors get HTTP 400 text/plain with the bare message (no
//     newline), and close the stream: "Received an invalid baton" (unknown,
//     forged or undecodable baton, or one from before Restart), "Received a
//     baton that has already been used" (superseded, or its stream is busy),
//     "Stream for this baton was closed", "Cannot deserialize client message
//     from JSON: <serde_json's message>" (undecodable body, unknown request
//     type), "Invalid reference to step in a batch condition", "The
//     `get_autocommit` request is only supported in protocol version hrana3
//     and higher", ...;
//   - a missing or wrong auth token gets HTTP 401 application/json
//     {"error":"Unauthorized: `The JWT is invalid`"} (or the message for a
//     missing header or another scheme);
//   - an unknown path gets a bare 404;
//   - a statement that fails (SQL error, arguments that do not bind, more
//     than one statement in an execute) yields a Hrana error with a code
//     such as SQLITE_ERROR, ARGS_INVALID or SQL_MANY_STATEMENTS, inside a
//     200 response; the stream stays usable.
//
// ProfileSqldLegacy answers as sqld before v0.22.6: HTTP 500 for an expired
// stream, and that version's auth messages.
//
// ProfileTursoCloud answers as the SQL over HTTP protocol, version 3
// (tursodatabase/turso serverless/PROTOCOL.md at commit 9e8a19ae), which
// fixes statuses but not messages: every non-200 body is application/json
// {"error": "..."}; a malformed baton, an undecodable body or another
// protocol violation (a close that is not the last request) gets 400; a
// baton of an unknown, expired, busy or superseded stream gets 404; auth
// failures get 401. store_sql replaces a stored text, and named arguments
// match with their prefix stripped. WithStatelessClose closes streams that
// hold no state after each pipeline (null baton), as the protocol allows;
// WithStreamTTLField adds a "stream_ttl_ms" field that no real server is
// known to send. The protocol defines no STREAM_EXPIRED or STREAM_LOST
// codes and no 410 status, and tursotest sends none.
//
// In every profile, FailNextRequests answers with {"error": "..."} and the
// given status, a body over WithMaxBodyBytes gets 413, and over WebSocket
// protocol errors close the connection with status 1002 and a wrong token
// gets hello_error.
//
// Arguments bind as sqld binds them: slot by slot in SQLite's order, a
// nameless slot taking the positional argument of its index, ?NNN the
// positional argument NNN, and a named slot the named argument given with
// or without its prefix; so "SELECT :b, :a, ?1" binds with named arguments
// a and b (?1 is the slot SQLite named :b). More arguments than slots, or
// both positional and named ones, is an error. In a batch, a step's "error"
// condition is the negation of "ok" (true for a skipped step), and
// is_autocommit and get_autocommit read SQLite's autocommit flag.
//
// # Known differences from sqld
//
//   - Statement error messages and codes are SQLite's as modernc.org/sqlite
//     reports them ("no such table: t", SQLITE_ERROR). sqld prefixes
//     "SQLite error: " or reports prepare errors as SQL_INPUT_ERROR with an
//     offset, maps SQLITE_ERROR to SQLITE_UNKNOWN, and parses SQL itself
//     first (SQL_PARSE_ERROR).
//   - Arguments are bound before the statement is prepared, so a statement
//     with both a binding error and an SQL error reports the binding error.
//     Two named parameters that differ only in their prefix (:a and @a)
//     both take the value of the first.
//   - A body that decodes as JSON but not as sqld's types (a number where a
//     string belongs, a missing field inside a request) is reported with
//     encoding/json's message or a message without position, not
//     serde_json's; integers given as JSON numbers are accepted.
//   - Declared column types (decltype) are reported in upper case, as
//     modernc.org/sqlite returns them.
//   - Text stored in columns declared DATE, DATETIME or TIMESTAMP that
//     modernc.org/sqlite recognises as a time comes back re-formatted:
//     "2006-01-02" for a midnight UTC time, else
//     "2006-01-02 15:04:05.999999999-07:00" (which the upstream client
//     parses back to the same time).
//   - rows_read, rows_written and replication_index are not reported,
//     last_insert_rowid is reported for every statement (sqld: INSERT only)
//     and describe's is_readonly is inferred from the statement's keywords.
//   - Stored SQL texts are not limited in size (sqld: 5 kB).
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
