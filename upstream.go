package tursopooled

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/tursodatabase/libsql-client-go/libsql"

	"github.com/turso-pooled/tursopooled/internal/relay"
)

// transport is how the upstream driver reaches the database.
type transport int

const (
	transportHTTP transport = iota // Hrana over HTTP: a conn is a server-side stream
	transportWS                    // Hrana over WebSocket: a conn is one socket
	transportFile                  // a local SQLite file through a registered sqlite driver
)

func (t transport) String() string {
	return [...]string{"http", "ws", "file"}[t]
}

func transportOf(cfg *Config) transport {
	u := strings.ToLower(cfg.URL) // URL schemes are case-insensitive
	switch {
	case strings.HasPrefix(u, "file:"):
		return transportFile
	case strings.HasPrefix(u, "ws://"), strings.HasPrefix(u, "wss://"):
		return transportWS
	default:
		return transportHTTP
	}
}

// newUpstreamConnector builds the libsql connector that dials real
// connections. Remote URLs go through libsql.NewConnector with every option
// of cfg; file: URLs are opened the way the upstream driver opens them (a
// registered "sqlite" or "sqlite3" driver) without the *sql.DB that the
// upstream keeps open for it. For Hrana over HTTP it also starts the
// keep-alive relay (see relay.go) unless pool_http_relay=off; the caller
// closes it.
func newUpstreamConnector(cfg *Config) (driver.Connector, *relay.Relay, error) {
	if transportOf(cfg) == transportFile {
		up, err := newFileConnector(cfg.URL)
		return up, nil, err
	}
	rl, err := startRelay(cfg)
	if err != nil {
		return nil, nil, err
	}
	up, err := libsql.NewConnector(cfg.URL, upstreamOptions(cfg, rl, "")...)
	if err != nil {
		if rl != nil {
			_ = rl.Close()
		}
		return nil, nil, fmt.Errorf("turso-pooled: libsql connector for %s: %w", redactURL(cfg.URL), err)
	}
	return up, rl, nil
}

// upstreamOptions translates cfg into libsql options; with a relay, HTTP
// requests go to it (WithProxy) carrying its secret header and, unless
// label is "", the stream label label (see httpConn).
func upstreamOptions(cfg *Config, rl *relay.Relay, label string) []libsql.Option {
	var opts []libsql.Option
	if cfg.AuthToken != "" {
		opts = append(opts, libsql.WithAuthToken(cfg.AuthToken))
	}
	if cfg.TLS != TLSDefault {
		opts = append(opts, libsql.WithTls(cfg.TLS == TLSOn))
	}
	if cfg.Proxy != "" {
		opts = append(opts, libsql.WithProxy(cfg.Proxy))
	}
	if cfg.SchemaDB {
		opts = append(opts, libsql.WithSchemaDb(true))
	}
	if cfg.RemoteEncryptionKey != "" {
		opts = append(opts, libsql.WithRemoteEncryptionKey(cfg.RemoteEncryptionKey))
	}
	headers := maps.Clone(cfg.RequestHeaders)
	if rl != nil {
		opts = append(opts, libsql.WithProxy(rl.URL()))
		name, value := rl.SecretHeader()
		if headers == nil {
			headers = map[string]string{}
		}
		headers[name] = value
		if label != "" {
			headers[relay.StreamHeaderName] = label
		}
	}
	if len(headers) > 0 {
		opts = append(opts, libsql.WithRequestHeaders(headers))
	}
	return opts
}

// connectUpstream opens one upstream connection: for Hrana over HTTP an
// httpConn, whose upstream connections come, with the relay, from a libsql
// connector of its own that labels their requests (a label per pooled
// connection), and without it from the connector's; else a connection of
// the connector's upstream. Over HTTP it does no I/O.
func (c *Connector) connectUpstream(ctx context.Context) (driver.Conn, error) {
	if c.transport != transportHTTP {
		return c.upstream.Connect(ctx)
	}
	if c.relay == nil {
		return newHTTPConn(ctx, c.upstream.Connect, nil, "")
	}
	label := strconv.FormatUint(labelSeq.Add(1), 36)
	up, err := libsql.NewConnector(c.cfg.URL, upstreamOptions(c.cfg, c.relay, label)...)
	if err != nil {
		return nil, fmt.Errorf("turso-pooled: libsql connector for %s: %w", redactURL(c.cfg.URL), err)
	}
	return newHTTPConn(ctx, up.Connect, c.relay, label)
}

// fileConnector opens file: URLs with the registered SQLite driver.
type fileConnector struct {
	url string
	drv driver.Driver
}

func newFileConnector(url string) (driver.Connector, error) {
	for _, name := range []string{"sqlite", "sqlite3"} {
		if !slices.Contains(sql.Drivers(), name) {
			continue
		}
		db, err := sql.Open(name, url)
		if err != nil {
			return nil, fmt.Errorf("turso-pooled: opening %s with driver %q: %w", url, name, err)
		}
		drv := db.Driver()
		_ = db.Close() // only the driver is needed; Close stops database/sql's opener goroutine
		if dc, ok := drv.(driver.DriverContext); ok {
			return dc.OpenConnector(url)
		}
		return &fileConnector{url: url, drv: drv}, nil
	}
	return nil, errors.New(`turso-pooled: file: URLs need a registered SQLite driver: import "modernc.org/sqlite" (driver "sqlite") or "github.com/mattn/go-sqlite3" (driver "sqlite3")`)
}

// Connect implements driver.Connector.
func (f *fileConnector) Connect(ctx context.Context) (driver.Conn, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return f.drv.Open(f.url)
}

// Driver implements driver.Connector.
func (f *fileConnector) Driver() driver.Driver { return f.drv }

// databaseIdentity names the database and the credentials a connector uses,
// so that cached results are never shared between two databases or two
// tokens. Secrets enter it only through a hash.
func databaseIdentity(cfg *Config) string {
	h := sha256.New()
	for _, s := range []string{cfg.AuthToken, cfg.RemoteEncryptionKey, cfg.Proxy, fmt.Sprint(cfg.SchemaDB, cfg.TLS)} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	for _, k := range slices.Sorted(maps.Keys(cfg.RequestHeaders)) {
		h.Write([]byte(k + "\x00" + cfg.RequestHeaders[k] + "\x00"))
	}
	return cfg.URL + "#" + hex.EncodeToString(h.Sum(nil)[:16])
}
