package tursotest

import (
	"log/slog"
	"time"
)

// Default settings.
const (
	// DefaultStreamExpiry is how long an idle Hrana-over-HTTP stream lives,
	// as in sqld (EXPIRATION, libsql-server/src/hrana/http/stream.rs:333;
	// sqld rounds each deadline up to a whole second, so a stream lives 10
	// to 11 s after its last request, as here).
	DefaultStreamExpiry = 10 * time.Second
	// DefaultMaxBodyBytes bounds HTTP request bodies and WebSocket messages.
	DefaultMaxBodyBytes = 16 << 20
	// expiredRetention is how long an expired stream's baton keeps
	// answering STREAM_EXPIRED instead of "invalid baton", as in sqld
	// (CLEANUP, libsql-server/src/hrana/http/stream.rs:336).
	expiredRetention = 5 * time.Minute
)

// Option configures a Server in NewServer.
type Option func(*options)

// options is the configuration built from Options.
type options struct {
	addr         string
	authToken    string
	tls          bool
	http2        bool
	dbPath       string
	streamExpiry time.Duration
	maxBody      int64
	logger       *slog.Logger
	profile      Profile
	stateless    bool // close stateless streams after a pipeline
	ttlField     bool // send stream_ttl_ms
}

// defaultOptions returns the configuration before Options apply.
func defaultOptions() options {
	return options{
		addr:         "127.0.0.1:0",
		http2:        true,
		streamExpiry: DefaultStreamExpiry,
		maxBody:      DefaultMaxBodyBytes,
		logger:       slog.New(slog.DiscardHandler),
	}
}

// WithAuthToken makes the server require token: as "Authorization: Bearer
// <token>" on HTTP requests, and as the jwt of the WebSocket hello (or as
// the same header on the WebSocket upgrade). The default accepts any client.
func WithAuthToken(token string) Option {
	return func(o *options) { o.authToken = token }
}

// WithTLS makes the server speak TLS only, with a certificate authority and
// a leaf certificate (for 127.0.0.1, ::1 and localhost) generated in memory
// by NewServer. See CACertPEM, CertPool and TrustInProcess.
func WithTLS() Option {
	return func(o *options) { o.tls = true }
}

// WithHTTP2 sets whether a TLS server offers HTTP/2 through ALPN (the
// default is true); false forces HTTP/1.1. Plain-text servers speak HTTP/1.1.
func WithHTTP2(enabled bool) Option {
	return func(o *options) { o.http2 = enabled }
}

// WithDBPath stores the database in the SQLite file at path (in WAL mode,
// like sqld). The default is a private database file in a new temporary
// directory (synchronous=OFF), kept across Restart and removed by Close:
// unlike SQLite's in-memory databases, it lets readers on other streams
// proceed while a stream's transaction writes, as on sqld.
func WithDBPath(path string) Option {
	return func(o *options) { o.dbPath = path }
}

// WithStreamExpiry sets how long an idle Hrana-over-HTTP stream lives before
// it is closed and its transaction rolled back (default DefaultStreamExpiry).
// Values <= 0 keep the default.
func WithStreamExpiry(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.streamExpiry = d
		}
	}
}

// WithMaxBodyBytes bounds HTTP request bodies (larger ones get 413) and
// WebSocket messages (larger ones close the connection). The default is
// DefaultMaxBodyBytes; values <= 0 keep it.
func WithMaxBodyBytes(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithAddr sets the listen address (default "127.0.0.1:0", a free port).
func WithAddr(addr string) Option {
	return func(o *options) { o.addr = addr }
}

// WithLogger sets a logger for debug messages about connections, streams
// and protocol errors. The default discards them. Auth tokens are never
// logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithProfile makes the server answer as the given real server does (see
// Profile; the default is ProfileSqld). Unknown values keep the default.
func WithProfile(p Profile) Option {
	return func(o *options) {
		switch p {
		case ProfileSqld, ProfileSqldLegacy, ProfileTursoCloud:
			o.profile = p
		}
	}
}

// WithStatelessClose makes the server close a stream after a pipeline
// response and answer a null baton when the stream holds no client-visible
// state: no open transaction, no SQL stored with store_sql, and no statement
// that changes the connection's session (PRAGMA, ATTACH, DETACH, CREATE
// TEMP ...). Turso Cloud may do so (PROTOCOL.md section 4.3); sqld never
// does. Cursor streams are always kept (4.3). The default is false.
func WithStatelessClose(enabled bool) Option {
	return func(o *options) { o.stateless = enabled }
}

// WithStreamTTLField adds "stream_ttl_ms" (the stream expiry in
// milliseconds) to every pipeline response and cursor response line that
// carries a baton. No real server is known to send it: neither sqld nor
// PROTOCOL.md (at tursodatabase/turso 9e8a19ae) defines the field, and
// PROTOCOL.md section 1 requires clients to ignore unknown fields. Use it to
// check that a client does. The default is false.
func WithStreamTTLField(enabled bool) Option {
	return func(o *options) { o.ttlField = enabled }
}
