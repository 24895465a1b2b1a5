package tursopooled

import (
	"errors"
	"log/slog"
	"maps"
	"time"
)

// Option changes a [Config]; pass options to [NewConnector]. Every DSN
// parameter has one, and so does every upstream libsql option. Options are
// applied after the DSN is parsed, so they win over it.
type Option func(*Config) error

// WithAuthToken sets the auth token (DSN: authToken).
func WithAuthToken(token string) Option {
	return func(c *Config) error {
		if token == "" {
			return &ConfigError{Key: "WithAuthToken", Value: `""`, Accepted: "a non-empty token"}
		}
		c.AuthToken = token
		return nil
	}
}

// WithTLS turns TLS on or off for libsql:// URLs (DSN: tls=1 or tls=0).
func WithTLS(on bool) Option {
	return func(c *Config) error {
		c.TLS = TLSOff
		if on {
			c.TLS = TLSOn
		}
		return nil
	}
}

// WithProxy routes HTTP requests through the given proxy URL (upstream
// WithProxy; http and https URLs only).
func WithProxy(proxyURL string) Option {
	return func(c *Config) error {
		if proxyURL == "" {
			return &ConfigError{Key: "WithProxy", Value: `""`, Accepted: "a non-empty proxy URL"}
		}
		c.Proxy = proxyURL
		return nil
	}
}

// WithSchemaDB marks the database as a schema database (upstream WithSchemaDb).
func WithSchemaDB(on bool) Option {
	return func(c *Config) error { c.SchemaDB = on; return nil }
}

// WithRemoteEncryptionKey sets the key of an encrypted remote database
// (upstream WithRemoteEncryptionKey). The key is a secret and is never printed.
func WithRemoteEncryptionKey(key string) Option {
	return func(c *Config) error {
		if key == "" {
			return &ConfigError{Key: "WithRemoteEncryptionKey", Value: `""`, Accepted: "a non-empty key"}
		}
		c.RemoteEncryptionKey = key
		return nil
	}
}

// WithRequestHeaders adds headers to every HTTP request (upstream
// WithRequestHeaders). The map is copied.
func WithRequestHeaders(headers map[string]string) Option {
	return func(c *Config) error {
		if len(headers) == 0 {
			return &ConfigError{Key: "WithRequestHeaders", Value: "{}", Accepted: "at least one header"}
		}
		c.RequestHeaders = maps.Clone(headers)
		return nil
	}
}

// WithLogger sends pool, cache and circuit-breaker events to l. Nothing is
// logged on the query path at levels above Debug; secrets are never logged.
func WithLogger(l *slog.Logger) Option {
	return func(c *Config) error {
		if l == nil {
			return errors.New("turso-pooled: WithLogger: nil logger")
		}
		c.Logger = l
		return nil
	}
}

// WithPoolMinConns sets pool_min_conns.
func WithPoolMinConns(n int32) Option { return func(c *Config) error { c.MinConns = n; return nil } }

// WithPoolMaxConns sets pool_max_conns.
func WithPoolMaxConns(n int32) Option { return func(c *Config) error { c.MaxConns = n; return nil } }

// WithPoolMaxConnIdleTime sets pool_max_conn_idle_time.
func WithPoolMaxConnIdleTime(d time.Duration) Option {
	return func(c *Config) error { c.MaxConnIdleTime = d; return nil }
}

// WithPoolMaxConnLifetime sets pool_max_conn_lifetime.
func WithPoolMaxConnLifetime(d time.Duration) Option {
	return func(c *Config) error { c.MaxConnLifetime = d; return nil }
}

// WithPoolHealthCheckPeriod sets pool_health_check_period.
func WithPoolHealthCheckPeriod(d time.Duration) Option {
	return func(c *Config) error { c.HealthCheckPeriod = d; return nil }
}

// WithPoolConnectTimeout sets pool_connect_timeout.
func WithPoolConnectTimeout(d time.Duration) Option {
	return func(c *Config) error { c.ConnectTimeout = d; return nil }
}

// WithPoolAdaptive sets pool_adaptive.
func WithPoolAdaptive(on bool) Option { return func(c *Config) error { c.Adaptive = on; return nil } }

// WithPoolLeakThreshold sets pool_leak_threshold.
func WithPoolLeakThreshold(d time.Duration) Option {
	return func(c *Config) error { c.LeakThreshold = d; return nil }
}

// WithPoolBreakerThreshold sets pool_breaker_threshold.
func WithPoolBreakerThreshold(n int) Option {
	return func(c *Config) error { c.BreakerThreshold = n; return nil }
}

// WithPoolBreakerCooldown sets pool_breaker_cooldown.
func WithPoolBreakerCooldown(d time.Duration) Option {
	return func(c *Config) error { c.BreakerCooldown = d; return nil }
}

// WithPoolHTTPRelay sets pool_http_relay: whether Hrana-over-HTTP requests go
// through the connector's keep-alive relay (on by default).
func WithPoolHTTPRelay(on bool) Option { return func(c *Config) error { c.HTTPRelay = on; return nil } }

// WithCache sets cache (on or off).
func WithCache(on bool) Option { return func(c *Config) error { c.Cache = on; return nil } }

// WithCacheDefaultTTL sets cache_ttl, the base TTL of a cached result. (The
// per-query override is the context helper [WithCacheTTL].)
func WithCacheDefaultTTL(d time.Duration) Option {
	return func(c *Config) error { c.CacheTTL = d; return nil }
}

// WithCacheMaxTTL sets cache_max_ttl.
func WithCacheMaxTTL(d time.Duration) Option {
	return func(c *Config) error { c.CacheMaxTTL = d; return nil }
}

// WithCacheMaxBytes sets cache_max_bytes.
func WithCacheMaxBytes(n int64) Option {
	return func(c *Config) error { c.CacheMaxBytes = n; return nil }
}

// WithCompression sets compress (CompressionOff or CompressionBrotli).
func WithCompression(mode Compression) Option {
	return func(c *Config) error { c.Compress = mode; return nil }
}

// WithCompressThreshold sets compress_threshold, in bytes.
func WithCompressThreshold(n int64) Option {
	return func(c *Config) error { c.CompressThreshold = n; return nil }
}

// WithCompressMaxDecodedBytes sets compress_max_decoded_bytes.
func WithCompressMaxDecodedBytes(n int64) Option {
	return func(c *Config) error { c.CompressMaxDecodedBytes = n; return nil }
}
