// Package relay runs an in-process HTTP relay on the loopback interface that
// forwards requests to one Hrana server over a bounded pool of keep-alive
// connections.
//
// The upstream libsql client sends every Hrana-over-HTTP request with
// [http.DefaultClient], whose transport keeps at most two idle connections
// per host. Under concurrency it therefore closes and re-dials TCP and TLS
// connections to the server all the time, which costs round trips on a WAN.
// turso-pooled must not change process-global state, so instead each
// connector starts a [Relay] and passes [Relay.URL] to libsql.WithProxy. The
// upstream client then talks plain HTTP to 127.0.0.1 (where a new connection
// costs microseconds), and the relay forwards each request with its own
// [http.Transport]: at most Config.MaxConns connections to the server, all
// kept alive, HTTP/2 when the server offers it, and TLS verified against the
// system roots or the roots of Config.Transport.
//
// Requests must carry the per-relay secret in the [SecretHeaderName] header
// (libsql.WithRequestHeaders sends it); others get 403, so other local
// processes cannot use the relay as an open proxy. The header is removed
// before forwarding, as are hop-by-hop headers. Everything else — method,
// path, query, body, Authorization and custom headers — is forwarded, and
// the response is streamed back. A failed round trip to the server becomes a
// 502 response whose JSON body {"error": "turso-pooled relay: ..."} the
// upstream client reports as an error. The relay never retries a request
// that may have reached the server; it only lets [http.Transport] resend a
// small request body when the connection failed before anything was written
// (or an HTTP/2 server refused the stream).
//
// libsql.WithProxy keeps the path of the database URL, and the relay appends
// the incoming path to Config.Target's path: give Target an empty path when
// the relay fronts the upstream client. WithProxy does not apply to ws:// and
// wss:// URLs, and a server that answers with a pipeline base_url sends the
// client's later requests of that stream around the relay.
package relay
