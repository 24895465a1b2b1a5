package tursopooled

import (
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled/cachebus"
)

// TLSMode selects TLS for libsql:// URLs, like the upstream "tls" parameter.
type TLSMode int

const (
	// TLSDefault leaves the choice to the URL scheme: libsql:// and https://
	// and wss:// use TLS, http:// and ws:// do not.
	TLSDefault TLSMode = iota
	// TLSOn is tls=1.
	TLSOn
	// TLSOff is tls=0; it is only accepted with libsql:// URLs that name a port.
	TLSOff
)

// Compression names the value compression applied to large arguments.
type Compression string

const (
	// CompressionOff sends every value as it is (the default).
	CompressionOff Compression = "off"
	// CompressionBrotli frames large text and blob values in brotli.
	CompressionBrotli Compression = "br"
)

// Config is the configuration of a [Connector]: the one place where every
// setting lives, pgxpool style. [ParseDSN] and [NewConfig] return a Config
// whose fields hold effective values (never "0 means the default"); code may
// change any field before passing it to [NewConnectorFromConfig], which
// clones and validates it. Each field names its DSN parameter; [ParseDSN]
// documents types, units and defaults.
//
// String never shows a secret (the auth token, a password in the URL, the
// encryption key); [Config.FormatDSN] shows the token, because it must
// round-trip.
type Config struct {
	// Database and credentials, passed to the upstream libsql driver.
	URL                 string            // database URL, without credentials or turso-pooled parameters
	AuthToken           string            // authToken (aliases auth_token, jwt); secret
	TLS                 TLSMode           // tls=0|1, libsql:// URLs only
	Proxy               string            // upstream WithProxy; option [WithProxy]
	SchemaDB            bool              // upstream WithSchemaDb; option [WithSchemaDB]
	RemoteEncryptionKey string            // upstream WithRemoteEncryptionKey; secret; option [WithRemoteEncryptionKey]
	RequestHeaders      map[string]string // upstream WithRequestHeaders; option [WithRequestHeaders]

	// Pool of upstream connections.
	MinConns          int32         // pool_min_conns: connections kept open and warm
	MaxConns          int32         // pool_max_conns: hard ceiling, also with Adaptive
	MaxConnIdleTime   time.Duration // pool_max_conn_idle_time; 0 keeps idle connections
	MaxConnLifetime   time.Duration // pool_max_conn_lifetime; 0 never recycles
	HealthCheckPeriod time.Duration // pool_health_check_period
	ConnectTimeout    time.Duration // pool_connect_timeout
	Adaptive          bool          // pool_adaptive: a limit between MinConns and MaxConns that follows demand
	LeakThreshold     time.Duration // pool_leak_threshold; 0 disables leak detection
	BreakerThreshold  int32         // pool_breaker_threshold: consecutive failed dials that open the circuit breaker; 0 disables it
	HTTPRelay         bool          // pool_http_relay: keep-alive relay for Hrana over HTTP

	// Result cache.
	Cache         bool          // cache
	CacheTTL      time.Duration // cache_ttl: base TTL of a cached result
	CacheMaxTTL   time.Duration // cache_max_ttl: ceiling of the access-scored TTL, the staleness bound
	CacheMaxBytes int64         // cache_max_bytes

	// Cache bus: invalidations shared with the other processes caching the
	// database, over Redis pub/sub (package cachebus).
	CacheBus         string            // cache_bus: redis:// or rediss:// URL, "" = off; its password is a secret
	CacheBusChannel  string            // cache_bus_channel; "" = derived from the database identity
	CacheBusFallback cachebus.Fallback // cache_bus_fallback: while the subscription is not confirmed

	// Value compression.
	Compress                Compression // compress
	CompressThreshold       int64       // compress_threshold, bytes
	CompressMaxDecodedBytes int64       // compress_max_decoded_bytes

	// Logger receives pool, cache and breaker events; nil discards them.
	// Option [WithLogger].
	Logger *slog.Logger
}

// NewConfig returns a Config with every default set (from the parameter
// table, see [ParseDSN]) and no URL.
func NewConfig() *Config {
	c := &Config{}
	for _, p := range params {
		if p.def != "" {
			if err := p.parse(c, p.def); err != nil {
				panic("turso-pooled: the default of " + p.key + " does not parse: " + err.Error()) // a bug in the table, caught by every test
			}
		}
	}
	return c
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	cp := *c
	cp.RequestHeaders = maps.Clone(c.RequestHeaders)
	return &cp
}

// FormatDSN returns a DSN that [ParseDSN] turns back into an equal Config
// (apart from the fields that only options set). It contains the auth
// token: treat it as a secret. Parameters are written when they differ from
// the defaults, or when leaving them out would make ParseDSN derive another
// value (pool_max_conns with pool_adaptive=off, for example).
func (c *Config) FormatDSN() string { return c.format(false) }

// String returns the DSN with every secret redacted (the auth token, a
// password in the URL, secrets among a file: URL's parameters); safe to log.
func (c *Config) String() string { return c.format(true) }

func (c *Config) format(redact bool) string {
	base, passthrough := splitQuery(c.URL)
	if redact {
		base = redactURL(base)
		for i, pair := range passthrough {
			k, v, _ := strings.Cut(pair, "=")
			passthrough[i] = k + "=" + redactValue(k, v)
		}
	}
	parts := passthrough
	if c.AuthToken != "" {
		tok := url.QueryEscape(c.AuthToken)
		if redact {
			tok = "REDACTED"
		}
		parts = append(parts, "authToken="+tok)
	}
	for _, p := range c.paramsToWrite() {
		v := p.format(c)
		if redact {
			v = p.shown(c)
		}
		parts = append(parts, p.key+"="+url.QueryEscape(v))
	}
	if len(parts) == 0 {
		return base
	}
	return base + "?" + strings.Join(parts, "&")
}

// paramsToWrite returns the parameters FormatDSN writes: those that differ
// from the defaults, plus those whose derived default (see deriveDefaults)
// would differ from c's value if they were left out.
func (c *Config) paramsToWrite() []*param {
	defaults := NewConfig()
	write := map[string]bool{}
	for _, p := range params {
		if p.format != nil && p.format(c) != p.format(defaults) {
			write[p.key] = true
		}
	}
	back := NewConfig()
	for _, p := range params {
		if write[p.key] {
			_ = p.parse(back, p.format(c))
		}
	}
	deriveDefaults(back, write)
	var out []*param
	for i := range params {
		p := &params[i]
		if p.format != nil && (write[p.key] || p.format(back) != p.format(c)) {
			out = append(out, p)
		}
	}
	return out
}

// Validate reports the first problem in c: the URL, then each field against
// the range of its parameter (a *[ConfigError] naming it, the value and what
// is accepted), then the fields that depend on each other.
func (c *Config) Validate() error {
	u, err := parseURL(c.URL)
	if err != nil {
		return err
	}
	for _, p := range params {
		if p.valid != nil && !p.valid(c) {
			return &ConfigError{Key: p.key, Value: p.shown(c), Accepted: p.accepted}
		}
	}
	switch {
	case c.MinConns > c.MaxConns:
		return &ConfigError{Key: "pool_min_conns", Value: fmt.Sprint(c.MinConns),
			Accepted: fmt.Sprintf("at most pool_max_conns (%d)", c.MaxConns)}
	case c.CacheBus != "" && !c.Cache:
		return &ConfigError{Key: "cache_bus", Value: redactBusURL(c.CacheBus), Accepted: "cache=on (the bus shares the cache's invalidations)"}
	case c.CacheMaxTTL < c.CacheTTL:
		return &ConfigError{Key: "cache_max_ttl", Value: formatDuration(c.CacheMaxTTL),
			Accepted: fmt.Sprintf("at least cache_ttl (%s)", formatDuration(c.CacheTTL))}
	}
	if accepted := tlsProblem(u, c.TLS); accepted != "" {
		return &ConfigError{Key: "tls", Value: map[TLSMode]string{TLSOn: "1", TLSOff: "0"}[c.TLS], Accepted: accepted}
	}
	return nil
}

// tlsProblem returns what the upstream accepts when mode does not go with
// u, as libsql.NewConnector checks it, or "".
func tlsProblem(u *url.URL, mode TLSMode) string {
	switch {
	case mode == TLSOff && (u.Scheme == "https" || u.Scheme == "wss"):
		return "no tls=0 with " + u.Scheme + ":// (use http:// or ws://)"
	case mode == TLSOn && (u.Scheme == "http" || u.Scheme == "ws"):
		return "no tls=1 with " + u.Scheme + ":// (use https:// or wss://)"
	case mode == TLSOff && u.Scheme == "libsql" && u.Port() == "":
		return "tls=0 only with a libsql:// URL that names a port"
	}
	return ""
}
