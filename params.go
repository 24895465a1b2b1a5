package tursopooled

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/turso-pooled/tursopooled/cache"
	"github.com/turso-pooled/tursopooled/cachebus"
	"github.com/turso-pooled/tursopooled/compress"
	"github.com/turso-pooled/tursopooled/pool"
	"github.com/turso-pooled/tursopooled/pool/adaptive"
)

// param is one DSN query parameter and everything the driver knows about
// it: its default, how it parses into and formats from a [Config] field,
// the range Validate accepts, and how the documentation names them. The
// table below is the single source of truth for NewConfig, ParseDSN,
// FormatDSN, Validate, the error messages and the documentation tests:
// adding a parameter is one row here and one Config field.
type param struct {
	key      string
	aliases  []string
	kind     string // "int", "duration", "bool", "size", "string" or "secret"
	def      string // the default in DSN syntax; NewConfig parses it ("" for none)
	note     string // how the default depends on other parameters, for the docs
	feature  string // the feature the parameter tunes
	accepted string // what a valid value looks like, for errors
	parse    func(c *Config, v string) error
	format   func(c *Config) string // nil: not written by the generic loop (secrets)
	valid    func(c *Config) bool   // the range Validate accepts; nil: any parsed value
	// redact returns how String and errors show a value that may hold a
	// secret (a password in a URL); nil: as format shows it.
	redact func(v string) string
}

// Bounds that keep the driver usable; below them, every query would time
// out creating connections or the background work would spin.
const (
	maxPoolConns        = 10_000
	minPoolPeriod       = time.Second           // idle time and lifetime, when not 0 (never)
	minHealthCheck      = 10 * time.Millisecond // health-check period
	minConnectTimeout   = 100 * time.Millisecond
	minLeakThreshold    = 10 * time.Millisecond
	maxBreakerThreshold = 1_000
	minCacheTTL         = time.Millisecond
	minSizeKiB          = 1 << 10
	defaultLifetime     = time.Hour
	defaultCacheBytes   = 64 << 20
	// cacheMaxTTLFactor gives cache_max_ttl when only cache_ttl is set.
	cacheMaxTTLFactor = 2.5
)

var params = []param{
	{key: "authToken", aliases: []string{"auth_token", "jwt"}, kind: "secret", feature: "upstream",
		accepted: "a non-empty token", parse: func(c *Config, v string) error {
			if v == "" {
				return errors.New("empty token")
			}
			c.AuthToken = v
			return nil
		}},
	{key: "tls", kind: "string", feature: "upstream", accepted: "0 or 1 (libsql:// URLs only)",
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
		},
		format: func(c *Config) string { return map[TLSMode]string{TLSOn: "1", TLSOff: "0"}[c.TLS] },
		valid:  func(c *Config) bool { return c.TLS >= TLSDefault && c.TLS <= TLSOff }},

	intParam("pool_min_conns", pool.DefaultMinConns, "(capped at pool_max_conns)", "pool",
		0, maxPoolConns, func(c *Config) *int32 { return &c.MinConns }),
	intParam("pool_max_conns", adaptive.DefaultMax, fmt.Sprintf("(%d with pool_adaptive=off)", pool.DefaultMaxConns), "pool",
		1, maxPoolConns, func(c *Config) *int32 { return &c.MaxConns }),
	durationParam("pool_max_conn_idle_time", pool.DefaultMaxConnIdleTime, "pool", minPoolPeriod, true,
		func(c *Config) *time.Duration { return &c.MaxConnIdleTime }),
	durationParam("pool_max_conn_lifetime", defaultLifetime, "pool", minPoolPeriod, true,
		func(c *Config) *time.Duration { return &c.MaxConnLifetime }),
	durationParam("pool_health_check_period", pool.DefaultHealthCheckPeriod, "pool", minHealthCheck, false,
		func(c *Config) *time.Duration { return &c.HealthCheckPeriod }),
	durationParam("pool_connect_timeout", pool.DefaultConnectTimeout, "pool", minConnectTimeout, false,
		func(c *Config) *time.Duration { return &c.ConnectTimeout }),
	boolParam("pool_adaptive", true, "adaptive pool", func(c *Config) *bool { return &c.Adaptive }),
	durationParam("pool_leak_threshold", 0, "pool", minLeakThreshold, true,
		func(c *Config) *time.Duration { return &c.LeakThreshold }),
	intParam("pool_breaker_threshold", pool.DefaultBreakerFailures, "", "circuit breaker",
		0, maxBreakerThreshold, func(c *Config) *int32 { return &c.BreakerThreshold }),
	boolParam("pool_http_relay", true, "pool", func(c *Config) *bool { return &c.HTTPRelay }),

	boolParam("cache", false, "cache", func(c *Config) *bool { return &c.Cache }),
	durationParam("cache_ttl", cache.DefaultTTL, "cache", minCacheTTL, false,
		func(c *Config) *time.Duration { return &c.CacheTTL }),
	withNote(durationParam("cache_max_ttl", time.Duration(cacheMaxTTLFactor*float64(cache.DefaultTTL)), "cache", minCacheTTL, false,
		func(c *Config) *time.Duration { return &c.CacheMaxTTL }), "(2.5 × cache_ttl)"),
	sizeParam("cache_max_bytes", defaultCacheBytes, "cache", minSizeKiB, func(c *Config) *int64 { return &c.CacheMaxBytes }),
	{key: "cache_bus", kind: "string", def: "off", feature: "cache bus",
		accepted: "off, redis://[user:password@]host:port[/db] or rediss://…",
		parse: func(c *Config, v string) error {
			if v == "off" || v == "" {
				c.CacheBus = ""
				return nil
			}
			if err := cachebus.CheckURL(v); err != nil {
				return err
			}
			c.CacheBus = v
			return nil
		},
		format: func(c *Config) string { return cmp.Or(c.CacheBus, "off") },
		valid:  func(c *Config) bool { return c.CacheBus == "" || cachebus.CheckURL(c.CacheBus) == nil },
		redact: redactBusURL},
	{key: "cache_bus_channel", kind: "string", def: "auto", note: "(derived from the database identity)", feature: "cache bus",
		accepted: `"auto" or a Redis channel name`,
		parse: func(c *Config, v string) error {
			if v == "" {
				return errors.New("empty channel")
			}
			c.CacheBusChannel = v
			if v == "auto" {
				c.CacheBusChannel = ""
			}
			return nil
		},
		format: func(c *Config) string { return cmp.Or(c.CacheBusChannel, "auto") }},
	{key: "cache_bus_fallback", kind: "string", def: string(cachebus.FallbackBypass), feature: "cache bus",
		accepted: `"bypass" or "ttl"`,
		parse: func(c *Config, v string) error {
			switch f := cachebus.Fallback(strings.ToLower(v)); f {
			case cachebus.FallbackBypass, cachebus.FallbackTTL:
				c.CacheBusFallback = f
			default:
				return errors.New("unknown fallback")
			}
			return nil
		},
		format: func(c *Config) string { return string(c.CacheBusFallback) },
		valid: func(c *Config) bool { // "" is the default, as cachebus takes it
			return c.CacheBusFallback == "" || c.CacheBusFallback == cachebus.FallbackBypass || c.CacheBusFallback == cachebus.FallbackTTL
		}},

	{key: "compress", kind: "string", def: string(CompressionOff), feature: "compression", accepted: `"off" or "br"`,
		parse: func(c *Config, v string) error {
			switch mode := Compression(strings.ToLower(v)); mode {
			case CompressionOff, CompressionBrotli:
				c.Compress = mode
			default:
				return errors.New("unknown codec")
			}
			return nil
		},
		format: func(c *Config) string { return string(c.Compress) },
		valid:  func(c *Config) bool { return c.Compress == CompressionOff || c.Compress == CompressionBrotli }},
	sizeParam("compress_threshold", compress.DefaultThreshold, "compression", 1, func(c *Config) *int64 { return &c.CompressThreshold }),
	sizeParam("compress_max_decoded_bytes", compress.DefaultMaxDecodedBytes, "compression", minSizeKiB,
		func(c *Config) *int64 { return &c.CompressMaxDecodedBytes }),
}

// deriveDefaults gives the parameters whose default depends on others the
// value they take when the DSN did not name them (given holds the canonical
// keys it named). Config fields always hold effective values: these rules
// run once, when a DSN is parsed.
func deriveDefaults(c *Config, given map[string]bool) {
	if !given["pool_max_conns"] && !c.Adaptive {
		c.MaxConns = pool.DefaultMaxConns
	}
	if !given["pool_min_conns"] && c.MinConns > c.MaxConns {
		c.MinConns = max(c.MaxConns, 0) // a negative max is Validate's to report
	}
	if given["cache_ttl"] && !given["cache_max_ttl"] {
		c.CacheMaxTTL = time.Duration(cacheMaxTTLFactor * float64(c.CacheTTL))
	}
}

func withNote(p param, note string) param {
	p.note = note
	return p
}

func intParam(key string, def int, note, feature string, lo, hi int32, field func(*Config) *int32) param {
	return param{key: key, kind: "int", def: strconv.Itoa(def), note: note, feature: feature,
		accepted: fmt.Sprintf("an integer from %d to %d", lo, hi),
		parse: func(c *Config, v string) error {
			n, err := strconv.ParseInt(v, 10, 32)
			if err != nil {
				return err
			}
			*field(c) = int32(n)
			return nil
		},
		format: func(c *Config) string { return strconv.FormatInt(int64(*field(c)), 10) },
		valid:  func(c *Config) bool { return *field(c) >= lo && *field(c) <= hi }}
}

// durationParam is a duration of at least lo; zeroOK also accepts 0, which
// means "never" or "off".
func durationParam(key string, def time.Duration, feature string, lo time.Duration, zeroOK bool, field func(*Config) *time.Duration) param {
	accepted := fmt.Sprintf(`a Go duration of at least %s, such as "30s" or "5m"`, formatDuration(lo))
	note := ""
	if zeroOK {
		accepted = "0 (off) or " + accepted
		if def == 0 {
			note = "(off)"
		}
	}
	return param{key: key, kind: "duration", def: formatDuration(def), note: note, feature: feature, accepted: accepted,
		parse: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil {
				return err
			}
			*field(c) = d
			return nil
		},
		format: func(c *Config) string { return formatDuration(*field(c)) },
		valid:  func(c *Config) bool { d := *field(c); return d >= lo || (zeroOK && d == 0) }}
}

// formatDuration is time.Duration.String without the zero tails: "5m", not
// "5m0s"; "1h", not "1h0m0s".
func formatDuration(d time.Duration) string {
	if d == 0 {
		return "0"
	}
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

func boolParam(key string, def bool, feature string, field func(*Config) *bool) param {
	return param{key: key, kind: "bool", def: formatBool(def), feature: feature, accepted: "on/off, true/false, 1/0 or yes/no",
		parse: func(c *Config, v string) error {
			b, err := parseBool(v)
			*field(c) = b
			return err
		},
		format: func(c *Config) string { return formatBool(*field(c)) }}
}

func formatBool(b bool) string {
	if b {
		return "on"
	}
	return "off"
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

func sizeParam(key string, def int64, feature string, lo int64, field func(*Config) *int64) param {
	return param{key: key, kind: "size", def: formatSize(def), feature: feature,
		accepted: fmt.Sprintf("a byte size of at least %s, such as 4096, 512KiB, 64MiB or 1GB", formatSize(lo)),
		parse: func(c *Config, v string) error {
			n, err := parseSize(v)
			*field(c) = n
			return err
		},
		format: func(c *Config) string { return formatSize(*field(c)) },
		valid:  func(c *Config) bool { return *field(c) >= lo }}
}

var sizeUnits = []struct {
	suffix string
	mult   int64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30},
	{"KB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000},
	{"B", 1},
}

// parseSize parses a byte size: a non-negative integer with an optional unit
// B, KB, MB, GB (powers of 1000) or KiB, MiB, GiB (powers of 1024). Units are
// case-insensitive; "64MiB" is 67108864.
func parseSize(s string) (int64, error) {
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

// formatSize formats n with the largest binary unit that divides it exactly,
// so that parseSize(formatSize(n)) == n.
func formatSize(n int64) string {
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

// redactBusURL shows a cache_bus URL without its user information.
func redactBusURL(v string) string {
	if v == "off" || v == "" {
		return v
	}
	return cachebus.RedactURL(v)
}

// shown is the value of p in c as String and errors show it.
func (p *param) shown(c *Config) string {
	if p.redact != nil {
		return p.redact(p.format(c))
	}
	return p.format(c)
}

// documentedDefault is the default as the documentation shows it.
func (p *param) documentedDefault() string {
	return strings.TrimSpace(p.def + " " + p.note)
}
