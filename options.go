package tursopooled

import (
	"errors"
	"log/slog"
	"maps"
)

// Option sets what a DSN cannot express (a logger, request headers, a proxy,
// an encryption key, the schema-database flag); pass options to
// [NewConnector]. Every DSN parameter is a [Config] field instead: set it in
// the DSN, or in code on the Config given to [NewConnectorFromConfig].
type Option func(*Config) error

// apply applies opts to c in order and returns the first error.
func (c *Config) apply(opts ...Option) error {
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
