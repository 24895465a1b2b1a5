package tursopooled

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// param is one DSN query parameter: how to parse it into a Config and how to
// format it back. The table below is the single source of truth for
// ParseDSN, FormatDSN, the docs test and the error messages.
type param struct {
	key      string
	aliases  []string
	kind     string // "int", "duration", "bool", "size", "string", "secret"
	def      string // the default as documented
	accepted string // what a valid value looks like, for errors
	feature  string // the feature the parameter tunes
	parse    func(c *Config, v string) error
	format   func(c *Config) string // nil: not written by the generic loop
}

var params = []param{
	{key: "authToken", aliases: []string{"auth_token", "jwt"}, kind: "secret", def: "", feature: "upstream",
		accepted: "a non-empty token", parse: func(c *Config, v string) error {
			if v == "" {
				return errors.New("empty token")
			}
			c.AuthToken = v
			return nil
		}},
	{key: "tls", kind: "string", def: "", feature: "upstream", accepted: "0 or 1 (libsql:// URLs only)",
		parse: func(c *Config, v string) error {
			switch v {
			case "0":
				c.TLS = TLSOff
			case "1":
				c.TLS = TLSOn
			default:
				return errors.New("not 0 or 1")
			}
			return nil
		}, format: func(c *Config) string {
			return map[TLSMode]string{TLSDefault: "", TLSOn: "1", TLSOff: "0"}[c.TLS]
		}},
	intParam("pool_min_conns", "5 (capped at pool_max_conns)", "pool", "an integer from 0 to pool_max_conns",
		func(c *Config) *int32 { return &c.MinConns }),
	intParam("pool_max_conns", "50 (20 with pool_adaptive=off)", "pool", "an integer ≥ 1",
		func(c *Config) *int32 { return &c.MaxConns }),
	durationParam("pool_max_conn_idle_time", "5m", "pool", func(c *Config) *time.Duration { return &c.MaxConnIdleTime }),
	durationParam("pool_max_conn_lifetime", "1h", "pool", func(c *Config) *time.Duration { return &c.MaxConnLifetime }),
	durationParam("pool_health_check_period", "30s", "pool", func(c *Config) *time.Duration { return &c.HealthCheckPeriod }),
	durationParam("pool_connect_timeout", "10s", "pool", func(c *Config) *time.Duration { return &c.ConnectTimeout }),
	boolParam("pool_adaptive", "on", "adaptive pool", func(c *Config) *bool { return &c.Adaptive }),
	durationParam("pool_leak_threshold", "0 (off)", "pool", func(c *Config) *time.Duration { return &c.LeakThreshold }),
	{key: "pool_breaker_threshold", kind: "int", def: "5", feature: "circuit breaker", accepted: "an integer ≥ 0 (0 disables)",
		parse: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			c.BreakerThreshold = n
			return err
		}, format: func(c *Config) string { return strconv.Itoa(c.BreakerThreshold) }},
	durationParam("pool_breaker_cooldown", "2s", "circuit breaker", func(c *Config) *time.Duration { return &c.BreakerCooldown }),
	boolParam("pool_http_relay", "on", "pool", func(c *Config) *bool { return &c.HTTPRelay }),
	boolParam("cache", "off", "cache", func(c *Config) *bool { return &c.Cache }),
	durationParam("cache_ttl", "5s", "cache", func(c *Config) *time.Duration { return &c.CacheTTL }),
	durationParam("cache_max_ttl", "2.5 × cache_ttl", "cache", func(c *Config) *time.Duration { return &c.CacheMaxTTL }),
	sizeParam("cache_max_bytes", "64MiB", "cache", func(c *Config) *int64 { return &c.CacheMaxBytes }),
	{key: "compress", kind: "string", def: "off", feature: "compression", accepted: `"off" or "br"`,
		parse: func(c *Config, v string) error {
			switch Compression(strings.ToLower(v)) {
			case CompressionOff, "":
				c.Compress = CompressionOff
			case CompressionBrotli:
				c.Compress = CompressionBrotli
			default:
				return errors.New("unknown codec")
			}
			return nil
		}, format: func(c *Config) string { return string(c.Compress) }},
	sizeParam("compress_threshold", "1KiB", "compression", func(c *Config) *int64 { return &c.CompressThreshold }),
	sizeParam("compress_max_decoded_bytes", "32MiB", "compression", func(c *Config) *int64 { return &c.CompressMaxDecodedBytes }),
}

func intParam(key, def, feature, accepted string, field func(*Config) *int32) param {
	return param{key: key, kind: "int", def: def, feature: feature, accepted: accepted,
		parse: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return err
			}
			*field(c) = int32(n)
			return nil
		},
		format: func(c *Config) string { return strconv.FormatInt(int64(*field(c)), 10) }}
}

func durationParam(key, def, feature string, field func(*Config) *time.Duration) param {
	return param{key: key, kind: "duration", def: def, feature: feature,
		accepted: `a Go duration such as "500ms", "30s" or "5m"`,
		parse: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return err
			}
			*field(c) = d
			return nil
		},
		format: func(c *Config) string { return formatDuration(*field(c)) }}
}

// formatDuration is time.Duration.String without the zero tails: "5m", not
// "5m0s"; "1h", not "1h0m0s".
func formatDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func boolParam(key, def, feature string, field func(*Config) *bool) param {
	return param{key: key, kind: "bool", def: def, feature: feature, accepted: "on/off, true/false, 1/0 or yes/no",
		parse: func(c *Config, v string) error {
			b, err := parseBool(v)
			*field(c) = b
			return err
		},
		format: func(c *Config) string {
			if *field(c) {
				return "on"
			}
			return "off"
		}}
}

func sizeParam(key, def, feature string, field func(*Config) *int64) param {
	return param{key: key, kind: "size", def: def, feature: feature,
		accepted: "a byte size such as 4096, 512KiB, 64MiB or 1GB",
		parse: func(c *Config, v string) error {
			n, err := ParseSize(v)
			*field(c) = n
			return err
		},
		format: func(c *Config) string { return FormatSize(*field(c)) }}
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "on", "true", "1", "yes":
		return true, nil
	case "off", "false", "0", "no":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// ParseSize parses a byte size: a non-negative integer with an optional unit
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024). Units are
// case-insensitive; "64MiB" is 67108864.
func ParseSize(s string) (int64, error) {
	num, mult := strings.TrimSpace(s), int64(1)
	for _, u := range sizeUnits {
		if len(num) > len(u.suffix) && strings.EqualFold(num[len(num)-len(u.suffix):], u.suffix) {
			num, mult = strings.TrimSpace(num[:len(num)-len(u.suffix)]), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("invalid size %q", s)
	}
	if n > math.MaxInt64/mult {
		return 0, fmt.Errorf("size %q overflows int64", s)
	}
	return n * mult, nil
}

// FormatSize formats n with the largest binary unit that divides it exactly,
// so that ParseSize(FormatSize(n)) == n.
func FormatSize(n int64) string {
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.mult == 0 {
			return strconv.FormatInt(n/u.mult, 10) + u.suffix
		}
	}
	return strconv.FormatInt(n, 10)
}

func lookupParam(key string) (*param, bool) {
	for i := range params {
		if params[i].key == key || slices.Contains(params[i].aliases, key) {
			return &params[i], true
		}
	}
	return nil, false
}

// paramNames lists every accepted key, for error messages.
func paramNames() []string {
	var names []string
	for _, p := range params {
		names = append(names, p.key)
		names = append(names, p.aliases...)
	}
	return names
}
