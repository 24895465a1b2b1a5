package tursopooled

import (
	"fmt"
	"log/slog"
	"maps"
	"net/url"
	"strings"
	"time"
)

// Default values of the DSN parameters. A zero field in a hand-built [Config]
// is not replaced by these: start from [NewConfig] to get them.
const (
	DefaultMinConns                = 5
	DefaultMaxConns                = 20 // with pool_adaptive=off
	DefaultAdaptiveMaxConns        = 50 // with pool_adaptive=on (the default)
	DefaultMaxConnIdleTime         = 5 * time.Minute
	DefaultMaxConnLifetime         = time.Hour
	DefaultHealthCheckPeriod       = 30 * time.Second
	DefaultConnectTimeout          = 10 * time.Second
	DefaultBreakerThreshold        = 5
	DefaultBreakerCooldown         = 2 * time.Second
	DefaultCacheTTL                = 5 * time.Second
	DefaultCacheMaxBytes           = 64 << 20
	DefaultCompressThreshold       = 1024
	DefaultCompressMaxDecodedBytes = 32 << 20
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

// Config is the parsed form of a turso-pooled DSN. Build one with [NewConfig]
// or [ParseDSN]; [NewConnector] clones it, so a Config may be reused.
//
// String never shows the auth token or the encryption key; [Config.FormatDSN]
// does, because it must round-trip.
type Config struct {
	// Upstream connection (passed to the libsql driver).
	URL                 string            // database URL without credentials or turso-pooled parameters
	AuthToken           string            // secret: authToken (aliases auth_token, jwt)
	TLS                 TLSMode           // tls=0|1, libsql:// only
	Proxy               string            // upstream WithProxy (option only)
	SchemaDB            bool              // upstream WithSchemaDb (option only)
	RemoteEncryptionKey string            // secret: upstream WithRemoteEncryptionKey (option only)
	RequestHeaders      map[string]string // upstream WithRequestHeaders (option only)

	// Pool.
	MinConns          int32         // pool_min_conns
	MaxConns          int32         // pool_max_conns; 0 means the default for the Adaptive setting
	MaxConnIdleTime   time.Duration // pool_max_conn_idle_time; 0 keeps idle connections forever
	MaxConnLifetime   time.Duration // pool_max_conn_lifetime; 0 never recycles
	HealthCheckPeriod time.Duration // pool_health_check_period
	ConnectTimeout    time.Duration // pool_connect_timeout
	Adaptive          bool          // pool_adaptive
	LeakThreshold     time.Duration // pool_leak_threshold; 0 disables leak detection
	BreakerThreshold  int           // pool_breaker_threshold; 0 disables the circuit breaker
	BreakerCooldown   time.Duration // pool_breaker_cooldown
	HTTPRelay         bool          // pool_http_relay: keep-alive relay for Hrana over HTTP

	// Result cache.
	Cache         bool          // cache
	CacheTTL      time.Duration // cache_ttl
	CacheMaxTTL   time.Duration // cache_max_ttl; 0 means 2.5 × CacheTTL
	CacheMaxBytes int64         // cache_max_bytes

	// Value compression.
	Compress                Compression // compress
	CompressThreshold       int64       // compress_threshold, bytes
	CompressMaxDecodedBytes int64       // compress_max_decoded_bytes

	// Logger receives pool, cache and breaker events; nil discards them.
	Logger *slog.Logger
}

// NewConfig returns a Config with every default set and no URL.
func NewConfig() *Config {
	return &Config{
		MinConns:                DefaultMinConns,
		MaxConnIdleTime:         DefaultMaxConnIdleTime,
		MaxConnLifetime:         DefaultMaxConnLifetime,
		HealthCheckPeriod:       DefaultHealthCheckPeriod,
		ConnectTimeout:          DefaultConnectTimeout,
		Adaptive:                true,
		BreakerThreshold:        DefaultBreakerThreshold,
		BreakerCooldown:         DefaultBreakerCooldown,
		HTTPRelay:               true,
		CacheTTL:                DefaultCacheTTL,
		CacheMaxBytes:           DefaultCacheMaxBytes,
		Compress:                CompressionOff,
		CompressThreshold:       DefaultCompressThreshold,
		CompressMaxDecodedBytes: DefaultCompressMaxDecodedBytes,
	}
}

// Clone returns a deep copy of c.
func (c *Config) Clone() *Config {
	cp := *c
	cp.RequestHeaders = maps.Clone(c.RequestHeaders)
	return &cp
}

// Apply applies opts to c in order and returns the first error.
func (c *Config) Apply(opts ...Option) error {
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(c); err != nil {
			return err
		}
	}
	return nil
}

// EffectiveMaxConns is MaxConns, or its default for the Adaptive setting when
// MaxConns is 0.
func (c *Config) EffectiveMaxConns() int32 {
	switch {
	case c.MaxConns > 0:
		return c.MaxConns
	case c.Adaptive:
		return DefaultAdaptiveMaxConns
	default:
		return DefaultMaxConns
	}
}

// EffectiveMinConns is MinConns, capped at EffectiveMaxConns when MinConns
// is the default (so that pool_max_conns=3 alone is a valid DSN).
func (c *Config) EffectiveMinConns() int32 {
	return min(c.MinConns, c.EffectiveMaxConns())
}

// EffectiveCacheMaxTTL is CacheMaxTTL, or 2.5 × CacheTTL when it is 0.
func (c *Config) EffectiveCacheMaxTTL() time.Duration {
	if c.CacheMaxTTL > 0 {
		return c.CacheMaxTTL
	}
	return c.CacheTTL * 5 / 2
}

// FormatDSN returns a DSN that [ParseDSN] turns back into an equal Config
// (apart from the option-only fields). It contains the auth token: treat it
// as a secret. Only parameters that differ from [NewConfig] are written.
func (c *Config) FormatDSN() string {
	return c.format(false)
}

// String returns the DSN with the auth token redacted; safe to log.
func (c *Config) String() string {
	return c.format(true)
}

func (c *Config) format(redact bool) string {
	base, passthrough := splitQuery(c.URL)
	var parts []string
	parts = append(parts, passthrough...)
	if c.AuthToken != "" {
		tok := url.QueryEscape(c.AuthToken)
		if redact {
			tok = "REDACTED"
		}
		parts = append(parts, "authToken="+tok)
	}
	defaults := NewConfig()
	for _, p := range params {
		if p.format == nil {
			continue
		}
		v := p.format(c)
		if v == p.format(defaults) {
			continue
		}
		parts = append(parts, p.key+"="+url.QueryEscape(v))
	}
	if len(parts) == 0 {
		return base
	}
	return base + "?" + strings.Join(parts, "&")
}

// Validate reports the first inconsistency in c: each field is checked
// against its accepted range, then fields that depend on each other.
func (c *Config) Validate() error {
	if _, err := parseURL(c.URL); err != nil {
		return err
	}
	maxConns := c.EffectiveMaxConns()
	switch {
	case c.MinConns < 0:
		return rangeError("pool_min_conns", c.MinConns, "an integer ≥ 0")
	case c.MaxConns < 0:
		return rangeError("pool_max_conns", c.MaxConns, "an integer ≥ 1")
	case c.MinConns > maxConns && c.MinConns != DefaultMinConns:
		return &ConfigError{Key: "pool_min_conns", Value: fmt.Sprint(c.MinConns),
			Accepted: fmt.Sprintf("at most pool_max_conns (%d)", maxConns)}
	case c.MaxConnIdleTime < 0:
		return rangeError("pool_max_conn_idle_time", c.MaxConnIdleTime, "a duration ≥ 0")
	case c.MaxConnLifetime < 0:
		return rangeError("pool_max_conn_lifetime", c.MaxConnLifetime, "a duration ≥ 0")
	case c.HealthCheckPeriod <= 0:
		return rangeError("pool_health_check_period", c.HealthCheckPeriod, "a duration > 0")
	case c.ConnectTimeout <= 0:
		return rangeError("pool_connect_timeout", c.ConnectTimeout, "a duration > 0")
	case c.LeakThreshold < 0:
		return rangeError("pool_leak_threshold", c.LeakThreshold, "a duration ≥ 0 (0 disables)")
	case c.BreakerThreshold < 0:
		return rangeError("pool_breaker_threshold", c.BreakerThreshold, "an integer ≥ 0 (0 disables)")
	case c.BreakerCooldown <= 0:
		return rangeError("pool_breaker_cooldown", c.BreakerCooldown, "a duration > 0")
	case c.CacheTTL <= 0:
		return rangeError("cache_ttl", c.CacheTTL, "a duration > 0")
	case c.CacheMaxTTL < 0:
		return rangeError("cache_max_ttl", c.CacheMaxTTL, "a duration ≥ cache_ttl (0 means 2.5 × cache_ttl)")
	case c.CacheMaxTTL > 0 && c.CacheMaxTTL < c.CacheTTL:
		return &ConfigError{Key: "cache_max_ttl", Value: c.CacheMaxTTL.String(),
			Accepted: fmt.Sprintf("a duration ≥ cache_ttl (%s)", c.CacheTTL)}
	case c.CacheMaxBytes < 1<<10:
		return rangeError("cache_max_bytes", c.CacheMaxBytes, "a size ≥ 1KiB")
	case c.Compress != CompressionOff && c.Compress != CompressionBrotli:
		return &ConfigError{Key: "compress", Value: string(c.Compress), Accepted: `"off" or "br"`}
	case c.CompressThreshold < 1:
		return rangeError("compress_threshold", c.CompressThreshold, "a size ≥ 1B")
	case c.CompressMaxDecodedBytes < 1<<10:
		return rangeError("compress_max_decoded_bytes", c.CompressMaxDecodedBytes, "a size ≥ 1KiB")
	case c.TLS < TLSDefault || c.TLS > TLSOff:
		return rangeError("tls", int(c.TLS), "TLSDefault, TLSOn or TLSOff")
	}
	return nil
}

func rangeError(key string, value any, accepted string) error {
	return &ConfigError{Key: key, Value: fmt.Sprint(value), Accepted: accepted}
}
