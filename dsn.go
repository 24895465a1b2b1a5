package tursopooled

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// schemes lists the URL schemes the upstream libsql driver accepts.
var schemes = []string{"libsql", "https", "http", "wss", "ws", "file"}

// ParseDSN parses a DSN: an upstream libsql URL plus query parameters, and
// returns a [Config] holding the effective value of every setting.
//
// The upstream's own parameters keep their meaning: authToken (aliases
// auth_token and jwt; at most one may be given) and tls (0 or 1). The
// turso-pooled parameters, with their types, defaults and ranges, are:
//
//	pool_min_conns              int       5      connections kept open and warm, 0 to pool_max_conns (when not given, capped at pool_max_conns)
//	pool_max_conns              int       50     hard ceiling, 1 to 10000 (when not given, 20 with pool_adaptive=off)
//	pool_max_conn_idle_time     duration  5m     idle connections above the minimum close after this; 0 = never, else ≥ 1s
//	pool_max_conn_lifetime      duration  1h     connections are recycled after this, with jitter; 0 = never, else ≥ 1s
//	pool_health_check_period    duration  30s    background check of idle connections, ≥ 10ms
//	pool_connect_timeout        duration  10s    bound on creating a connection and on waiting for one, ≥ 100ms
//	pool_adaptive               bool      on     adaptive pool size between min and max
//	pool_leak_threshold         duration  0      log connections held longer than this; 0 = off, else ≥ 10ms
//	pool_breaker_threshold      int       5      consecutive failed dials that open the circuit breaker, 0 (off) to 1000
//	pool_http_relay             bool      on     HTTP URLs: keep-alive relay holding up to pool_max_conns connections
//	cache                       bool      off    result cache
//	cache_ttl                   duration  5s     base TTL of a cached result, ≥ 1ms
//	cache_max_ttl               duration  12.5s  ceiling of the access-scored TTL, the staleness bound, ≥ cache_ttl (when not given, 2.5 × cache_ttl)
//	cache_max_bytes             size      64MiB  memory bound of the cache, ≥ 1KiB
//	cache_bus                   string    off    redis://[user:password@]host:port[/db] or rediss://…: share invalidations with other processes over Redis pub/sub (needs cache=on; the password is a secret)
//	cache_bus_channel           string    auto   pub/sub channel; auto = "turso-pooled:cache:" + a hash of the database's host and path
//	cache_bus_fallback          string    bypass while the subscription is not confirmed: bypass = flush and serve nothing from the cache, ttl = keep serving within cache_max_ttl
//	compress                    string    off    "br" frames large values in brotli
//	compress_threshold          size      1KiB   smaller values are sent as they are, ≥ 1B
//	compress_max_decoded_bytes  size      32MiB  larger decoded values are returned as stored, ≥ 1KiB
//
// Durations use Go syntax ("30s", "1m30s"); sizes are a number of bytes with
// an optional unit B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of
// 1024); booleans accept on/off, true/false, 1/0, yes/no. A value given
// explicitly is always used as given, equal to the default or not.
//
// For file: URLs, parameters that are not turso-pooled's belong to the SQLite
// driver and stay in the URL untouched. For remote URLs an unknown parameter
// is an error, as it is upstream. Every error is a *[ConfigError] that names
// the parameter, the value (never a secret) and what is accepted.
func ParseDSN(dsn string) (*Config, error) {
	cfg := NewConfig()
	base, rawQuery, _ := strings.Cut(dsn, "?")
	u, err := parseURL(base)
	if err != nil {
		return nil, err
	}
	given := map[string]bool{}
	var passthrough []string
	for pair := range strings.SplitSeq(rawQuery, "&") {
		if pair == "" {
			continue
		}
		rawKey, rawValue, _ := strings.Cut(pair, "=")
		key, err1 := url.QueryUnescape(rawKey)
		value, err2 := url.QueryUnescape(rawValue)
		if err1 != nil || err2 != nil {
			return nil, &ConfigError{Key: redactKey(rawKey), Value: redactValue(rawKey, rawValue),
				Accepted: "a URL-encoded key=value pair"}
		}
		p, ours := lookupParam(key)
		if !ours {
			if u.Scheme == "file" {
				passthrough = append(passthrough, pair)
				continue
			}
			return nil, &ConfigError{Key: key, Value: redactValue(key, value),
				Accepted: "one of " + strings.Join(paramNames(), ", ")}
		}
		if given[p.key] {
			return nil, conflictError(p.key, key)
		}
		given[p.key] = true
		if err := p.parse(cfg, value); err != nil {
			return nil, &ConfigError{Key: key, Value: redactValue(key, value), Accepted: p.accepted, Err: err}
		}
	}
	deriveDefaults(cfg, given)
	cfg.URL = base
	if len(passthrough) > 0 {
		cfg.URL += "?" + strings.Join(passthrough, "&")
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return cfg, nil
}

func conflictError(canonical, key string) error {
	if canonical == "authToken" {
		return &ConfigError{Key: key, Value: "REDACTED",
			Accepted: "at most one of authToken, auth_token and jwt, given once"}
	}
	return &ConfigError{Key: key, Value: "(given twice)", Accepted: "each parameter at most once"}
}

// parseURL checks that raw is a URL the upstream driver accepts and returns
// it parsed. Errors never include a password in the URL.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, &ConfigError{Key: "url", Value: `""`, Accepted: "a libsql://, https://, http://, wss://, ws:// or file: URL"}
	}
	base, rawQuery, _ := strings.Cut(raw, "?")
	u, err := url.Parse(base)
	if err != nil {
		return nil, &ConfigError{Key: "url", Value: redactURL(base), Accepted: "a valid URL", Err: err}
	}
	if !slices.Contains(schemes, u.Scheme) {
		return nil, &ConfigError{Key: "url scheme", Value: fmt.Sprintf("%q", u.Scheme),
			Accepted: "libsql, https, http, wss, ws or file"}
	}
	if u.Scheme == "file" {
		if strings.HasPrefix(base, "file://") && !strings.HasPrefix(base, "file:///") {
			return nil, &ConfigError{Key: "url", Value: redactURL(base),
				Accepted: "file:path, file:/abs/path or file:///abs/path (not file://path)"}
		}
		return u, nil
	}
	if rawQuery != "" {
		return nil, &ConfigError{Key: "url", Value: redactURL(raw),
			Accepted: "a remote URL without query parameters (use ParseDSN for DSN parameters)"}
	}
	if u.Hostname() == "" {
		return nil, &ConfigError{Key: "url", Value: redactURL(base), Accepted: "a URL with a host, e.g. libsql://db-org.turso.io"}
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, &ConfigError{Key: "url port", Value: p, Accepted: "a port from 1 to 65535"}
		}
	}
	return u, nil
}

// splitQuery splits a Config.URL into its base and its pass-through query
// pairs (only file: URLs have any).
func splitQuery(raw string) (string, []string) {
	base, rawQuery, ok := strings.Cut(raw, "?")
	if !ok || rawQuery == "" {
		return base, nil
	}
	return base, strings.Split(rawQuery, "&")
}

func redactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		if err != nil {
			return "(unparsable URL)"
		}
		return raw
	}
	u.User = url.User("REDACTED")
	return u.String()
}

func redactValue(key, value string) string {
	if isSecretKey(key) {
		return "REDACTED"
	}
	if p, ok := lookupParam(key); ok && p.redact != nil {
		return p.redact(value)
	}
	return value
}

func redactKey(rawKey string) string {
	if len(rawKey) > 64 {
		return rawKey[:64] + "…"
	}
	return rawKey
}

// isSecretKey reports whether a parameter's value must never be printed: the
// token's spellings and anything that looks like a credential (a misspelled
// "authtoken=" must not leak either).
func isSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, word := range []string{"token", "jwt", "key", "secret", "pass"} {
		if strings.Contains(k, word) {
			return true
		}
	}
	return false
}
