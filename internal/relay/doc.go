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
// path, query, body, Authorization and custom headers — is forwarded, and a
// 200 response is streamed back unchanged. The relay never retries a request
// that may have reached the server; it only lets [http.Transport] resend a
// small request body when the connection failed before anything was written
// (or an HTTP/2 server refused the stream).
//
// # Failures
//
// SQL errors arrive inside 200 answers, so every other answer is a failure
// the relay knows exactly, and it records each one as a [Failure]: a server
// answer with another status (the relay reads at most 64 KiB of its body,
// decompressing gzip, and keeps the media type, the Hrana "code" and the
// "message" or "error" field, or the text), a failed round trip (Status 0,
// the transport error with its chain, and whether any part of the request
// may have been written: false only when no connection to the server was
// obtained), and the relay's own refusals (503 once Close began, 400 when
// the request body could not be read; neither reaches the server). The
// client gets the same status — the server's, 502 for a failed round trip,
// the relay's own for a refusal — with only Content-Type and Content-Length
// headers (so a redirect's Location is not followed around the relay) and
// the body
//
//	{"error": "<message> [turso-pooled relay <tag>#<id>]"}
//
// where message is for example "STREAM_EXPIRED: The stream has expired due
// to inactivity" or "turso-pooled relay: dial tcp ...: connection refused",
// tag is 16 hexadecimal characters drawn at random per relay (no SQL text
// or server message can know it beforehand) and id numbers the record. The upstream
// client turns any non-200 JSON body into the plain error
// "error code <status>: <error>", and [Relay.Failure] finds the record from
// that text: the driver learns the structure of a failure without reading
// its message. A record is forgotten when looked up, after about a minute,
// or when 4096 newer records exist, so a client that never looks up cannot
// grow memory. Answers to requests without the secret (403) are not
// recorded. Once a 200 status has been sent it stands: a body cut short
// after it reaches the client as a truncated body, with no record.
//
// # Streams
//
// A client may label the pipeline requests of one of its connections with
// the [StreamHeaderName] header (removed before forwarding). For each
// label, the relay scans the server's 200 answers as they stream by,
// without buffering them, for the top-level "baton" and "stream_ttl_ms"
// fields, and [Relay.Stream] returns when the last answer that kept its
// stream (a string baton) was requested and the lifetime it announced. The
// upstream client ignores stream_ttl_ms; the driver uses it to replace a
// kept stream before the server expires it.
//
// # Keep-alive
//
// With Config.MinConns, the relay opens that many connections to the
// server in the background as soon as New returns (one over HTTP/2), and
// uses each of them every Config.KeepAlivePeriod with a GET of /v2 (the
// Hrana version check, no credentials needed), so that a client's first
// requests find TCP and TLS already set up and idle connections are
// neither closed by either side nor found dead by a request.
// [Relay.WaitWarm] waits for the first round.
//
// libsql.WithProxy keeps the path of the database URL, and the relay appends
// the incoming path to Config.Target's path: give Target an empty path when
// the relay fronts the upstream client. WithProxy does not apply to ws:// and
// wss:// URLs, and a server that answers with a pipeline base_url sends the
// client's later requests of that stream around the relay.
package relay
