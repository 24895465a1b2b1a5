package tursopooled_test

import (
	"errors"
	"log/slog"
	"reflect"
	"strings"
	"testing"
	"time"

	tursopooled "github.com/turso-pooled/tursopooled"
	"github.com/turso-pooled/tursopooled/tursotest"
)

// dsnCases feeds TestParseDSN, TestFormatDSNRoundTrip and FuzzParseDSN's seeds.
var dsnCases = []struct {
	name string
	dsn  string
	want func(c *tursopooled.Config) // applied to NewConfig(); nil when an error is expected
	err  string                      // substring of the error
}{
	{name: "libsql plain", dsn: "libsql://db-org.turso.io",
		want: func(c *tursopooled.Config) { c.URL = "libsql://db-org.turso.io" }},
	{name: "token", dsn: "libsql://db-org.turso.io?authToken=abc.def",
		want: func(c *tursopooled.Config) { c.URL = "libsql://db-org.turso.io"; c.AuthToken = "abc.def" }},
	{name: "token alias auth_token", dsn: "https://h:8080?auth_token=x",
		want: func(c *tursopooled.Config) { c.URL = "https://h:8080"; c.AuthToken = "x" }},
	{name: "token alias jwt", dsn: "wss://h?jwt=x",
		want: func(c *tursopooled.Config) { c.URL = "wss://h"; c.AuthToken = "x" }},
	{name: "tls off", dsn: "libsql://127.0.0.1:8080?tls=0",
		want: func(c *tursopooled.Config) { c.URL = "libsql://127.0.0.1:8080"; c.TLS = tursopooled.TLSOff }},
	{name: "tls on", dsn: "libsql://h?tls=1",
		want: func(c *tursopooled.Config) { c.URL = "libsql://h"; c.TLS = tursopooled.TLSOn }},
	{name: "all pool params", dsn: "http://h:1?pool_min_conns=2&pool_max_conns=8&pool_max_conn_idle_time=1m&pool_max_conn_lifetime=30m&pool_health_check_period=10s&pool_connect_timeout=3s&pool_adaptive=off&pool_leak_threshold=1m&pool_breaker_threshold=0",
		want: func(c *tursopooled.Config) {
			c.URL = "http://h:1"
			c.MinConns, c.MaxConns = 2, 8
			c.MaxConnIdleTime, c.MaxConnLifetime = time.Minute, 30*time.Minute
			c.HealthCheckPeriod, c.ConnectTimeout = 10*time.Second, 3*time.Second
			c.Adaptive, c.LeakThreshold = false, time.Minute
			c.BreakerThreshold = 0
		}},
	{name: "adaptive off: max 20", dsn: "http://h:1?pool_adaptive=off",
		want: func(c *tursopooled.Config) { c.URL = "http://h:1"; c.Adaptive, c.MaxConns = false, 20 }},
	{name: "adaptive off with explicit max 50", dsn: "http://h:1?pool_adaptive=off&pool_max_conns=50",
		want: func(c *tursopooled.Config) { c.URL = "http://h:1"; c.Adaptive = false }},
	{name: "max below the default min", dsn: "http://h:1?pool_max_conns=3",
		want: func(c *tursopooled.Config) { c.URL = "http://h:1"; c.MinConns, c.MaxConns = 3, 3 }},
	{name: "explicit min equal to the default", dsn: "http://h:1?pool_min_conns=5&pool_max_conns=5",
		want: func(c *tursopooled.Config) { c.URL = "http://h:1"; c.MinConns, c.MaxConns = 5, 5 }},
	{name: "cache ttl alone derives the max", dsn: "http://h:1?cache_ttl=2s",
		want: func(c *tursopooled.Config) {
			c.URL = "http://h:1"
			c.CacheTTL, c.CacheMaxTTL = 2*time.Second, 5*time.Second
		}},
	{name: "password in the URL", dsn: "https://user:pw@h:8080",
		want: func(c *tursopooled.Config) { c.URL = "https://user:pw@h:8080" }},
	{name: "cache and compression", dsn: "ws://h:1?cache=on&cache_ttl=2s&cache_max_ttl=5s&cache_max_bytes=16MiB&compress=br&compress_threshold=2KiB&compress_max_decoded_bytes=1MB",
		want: func(c *tursopooled.Config) {
			c.URL = "ws://h:1"
			c.Cache, c.CacheTTL, c.CacheMaxTTL, c.CacheMaxBytes = true, 2*time.Second, 5*time.Second, 16<<20
			c.Compress, c.CompressThreshold, c.CompressMaxDecodedBytes = tursopooled.CompressionBrotli, 2048, 1000000
		}},
	{name: "file passthrough", dsn: "file:app.db?_pragma=busy_timeout(5000)&cache=on&mode=rwc",
		want: func(c *tursopooled.Config) { c.URL = "file:app.db?_pragma=busy_timeout(5000)&mode=rwc"; c.Cache = true }},
	{name: "file abs", dsn: "file:///tmp/x.db",
		want: func(c *tursopooled.Config) { c.URL = "file:///tmp/x.db" }},

	{name: "unknown param", dsn: "libsql://h?pool_max=3", err: "invalid pool_max=3: want one of authToken"},
	{name: "bad duration", dsn: "libsql://h?pool_connect_timeout=10", err: `invalid pool_connect_timeout=10: want a Go duration`},
	{name: "bad int", dsn: "libsql://h?pool_max_conns=many", err: "invalid pool_max_conns=many: want an integer from 1 to 10000"},
	{name: "bad size", dsn: "libsql://h?cache_max_bytes=64XB", err: "invalid cache_max_bytes=64XB: want a byte size"},
	{name: "bad bool", dsn: "libsql://h?cache=maybe", err: "invalid cache=maybe: want on/off"},
	{name: "bad compress", dsn: "libsql://h?compress=gzip", err: `invalid compress=gzip: want "off" or "br"`},
	{name: "bad tls", dsn: "libsql://h?tls=yes", err: "invalid tls=yes: want 0 or 1"},
	{name: "conflicting aliases", dsn: "libsql://h?authToken=a&jwt=b", err: "want at most one of authToken, auth_token and jwt"},
	{name: "twice", dsn: "libsql://h?cache=on&cache=off", err: "each parameter at most once"},
	{name: "min above max", dsn: "libsql://h?pool_min_conns=30&pool_max_conns=10", err: "invalid pool_min_conns=30: want at most pool_max_conns (10)"},
	{name: "explicit default min above max", dsn: "libsql://h?pool_min_conns=5&pool_max_conns=3", err: "invalid pool_min_conns=5: want at most pool_max_conns (3)"},
	{name: "zero max", dsn: "libsql://h?pool_max_conns=0", err: "invalid pool_max_conns=0: want an integer from 1 to 10000"},
	{name: "lifetime too short", dsn: "libsql://h?pool_max_conn_lifetime=1ns", err: "invalid pool_max_conn_lifetime=1ns: want 0 (off) or a Go duration of at least 1s"},
	{name: "health check too short", dsn: "libsql://h?pool_health_check_period=1ns", err: "invalid pool_health_check_period=1ns: want a Go duration of at least 10ms"},
	{name: "connect timeout too short", dsn: "libsql://h?pool_connect_timeout=1us", err: "invalid pool_connect_timeout=1µs"},
	{name: "breaker threshold too big", dsn: "libsql://h?pool_breaker_threshold=100000", err: "invalid pool_breaker_threshold=100000"},
	{name: "removed breaker cooldown", dsn: "libsql://h?pool_breaker_cooldown=2s", err: "invalid pool_breaker_cooldown=2s: want one of"},
	{name: "no host, only a port", dsn: "libsql://:8080", err: "want a URL with a host"},
	{name: "port out of range", dsn: "http://h:99999", err: "invalid url port=99999: want a port from 1 to 65535"},
	{name: "tls=0 with https", dsn: "https://h?tls=0", err: "invalid tls=0: want no tls=0 with https://"},
	{name: "tls=1 with ws", dsn: "ws://h:1?tls=1", err: "invalid tls=1: want no tls=1 with ws://"},
	{name: "tls=0 without a port", dsn: "libsql://h?tls=0", err: "invalid tls=0: want tls=0 only with a libsql:// URL that names a port"},
	{name: "max ttl below ttl", dsn: "libsql://h?cache_ttl=10s&cache_max_ttl=5s", err: "invalid cache_max_ttl=5s"},
	{name: "zero max conns", dsn: "libsql://h?pool_max_conns=-1", err: "invalid pool_max_conns=-1"},
	{name: "negative idle", dsn: "libsql://h?pool_max_conn_idle_time=-1s", err: "invalid pool_max_conn_idle_time=-1s"},
	{name: "scheme", dsn: "postgres://h/db", err: `invalid url scheme="postgres": want libsql, https, http, wss, ws or file`},
	{name: "empty", dsn: "", err: `invalid url=""`},
	{name: "file double slash", dsn: "file://app.db", err: "not file://path"},
	{name: "no host", dsn: "https://", err: "want a URL with a host"},
}

func TestParseDSN(t *testing.T) {
	for _, c := range dsnCases {
		t.Run(c.name, func(t *testing.T) {
			got, err := tursopooled.ParseDSN(c.dsn)
			if c.want == nil {
				var ce *tursopooled.ConfigError
				if err == nil || !errors.As(err, &ce) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("ParseDSN(%q) error = %v, want a ConfigError containing %q", c.dsn, err, c.err)
				}
				if !strings.HasPrefix(err.Error(), "turso-pooled: ") {
					t.Errorf("error %q lacks the turso-pooled: prefix", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseDSN(%q): %v", c.dsn, err)
			}
			want := tursopooled.NewConfig()
			c.want(want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("ParseDSN(%q)\n got %+v\nwant %+v", c.dsn, got, want)
			}
		})
	}
}

func TestFormatDSNRoundTrip(t *testing.T) {
	for _, c := range dsnCases {
		if c.want == nil {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			cfg, err := tursopooled.ParseDSN(c.dsn)
			if err != nil {
				t.Fatal(err)
			}
			again, err := tursopooled.ParseDSN(cfg.FormatDSN())
			if err != nil {
				t.Fatalf("ParseDSN(FormatDSN()) = %v for %q", err, cfg.FormatDSN())
			}
			if !reflect.DeepEqual(again, cfg) {
				t.Fatalf("round trip of %q via %q\n got %+v\nwant %+v", c.dsn, cfg.FormatDSN(), again, cfg)
			}
		})
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	const secret = "s3cr3t-token-value"
	cfg, err := tursopooled.ParseDSN("libsql://h?authToken=" + secret)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(cfg.String(), secret) {
		t.Errorf("String() shows the token: %s", cfg)
	}
	if !strings.Contains(cfg.FormatDSN(), secret) {
		t.Errorf("FormatDSN() must carry the token: %s", cfg.FormatDSN())
	}
	for _, dsn := range []string{
		"libsql://h?authToken=" + secret + "&jwt=" + secret,
		"libsql://h?authtoken=" + secret, // misspelled key
		"libsql://h?auth_token=" + secret + "&pool_max_conns=x",
		"https://user:" + secret + "@h?x=1",
		"libsql://h?authToken=" + secret + "&authToken=" + secret,
	} {
		_, err := tursopooled.ParseDSN(dsn)
		if err == nil {
			t.Errorf("ParseDSN(%q) succeeded", dsn)
			continue
		}
		if strings.Contains(err.Error(), secret) {
			t.Errorf("error shows the secret: %v", err)
		}
	}
	cfg.MaxConns = -5
	_, err = tursopooled.NewConnectorFromConfig(cfg)
	if err == nil || strings.Contains(err.Error(), secret) {
		t.Errorf("NewConnectorFromConfig error = %v", err)
	}
}

// TestStringRedactsEverySecret: each kind of secret a Config can hold is
// absent from String() and present in FormatDSN() where a DSN carries it.
func TestStringRedactsEverySecret(t *testing.T) {
	const secret = "Zq7-secret-Xw9"
	tests := []struct {
		name    string
		dsn     string
		set     func(c *tursopooled.Config)
		inDSN   bool // FormatDSN must carry it
		wantErr bool
	}{
		{name: "auth token", dsn: "libsql://h?authToken=" + secret, inDSN: true},
		{name: "auth_token alias", dsn: "libsql://h?auth_token=" + secret, inDSN: true},
		{name: "URL password", dsn: "https://user:" + secret + "@h:8080", inDSN: true},
		{name: "URL user only", dsn: "https://" + secret + "@h:8080", inDSN: true},
		{name: "file: parameter", dsn: "file:x.db?_auth_pass=" + secret, inDSN: true},
		{name: "encryption key", dsn: "libsql://h", set: func(c *tursopooled.Config) { c.RemoteEncryptionKey = secret }},
		{name: "request header", dsn: "libsql://h", set: func(c *tursopooled.Config) { c.RequestHeaders = map[string]string{"X-Key": secret} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := tursopooled.ParseDSN(tt.dsn)
			if err != nil {
				t.Fatal(err)
			}
			if tt.set != nil {
				tt.set(cfg)
			}
			if strings.Contains(cfg.String(), secret) {
				t.Errorf("String() = %q shows the secret", cfg)
			}
			if tt.inDSN && !strings.Contains(cfg.FormatDSN(), secret) {
				t.Errorf("FormatDSN() = %q lost the secret", cfg.FormatDSN())
			}
		})
	}
}

func TestOptionsApplyAfterTheDSN(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	c, err := tursopooled.NewConnector("http://127.0.0.1:1?pool_max_conns=4&pool_min_conns=0",
		tursopooled.WithLogger(logger), tursopooled.WithRequestHeaders(map[string]string{"X-A": "1"}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cfg := c.Config()
	if cfg.MaxConns != 4 || cfg.Logger != logger || cfg.RequestHeaders["X-A"] != "1" {
		t.Fatalf("options not applied: %+v", cfg)
	}
}

func TestNewConnectorDoesNotMutateConfig(t *testing.T) {
	cfg := tursopooled.NewConfig()
	cfg.URL = "http://127.0.0.1:1"
	cfg.MinConns = 0
	cfg.RequestHeaders = map[string]string{"X-A": "1"}
	before := cfg.Clone()
	c, err := tursopooled.NewConnectorFromConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !reflect.DeepEqual(cfg, before) {
		t.Fatalf("caller's Config changed: %+v", *cfg)
	}
}

// TestConfigInCodeRoundTrips: a Config changed in code formats to a DSN
// that parses back to it, also where ParseDSN would derive another value
// from the parameters it sees.
func TestConfigInCodeRoundTrips(t *testing.T) {
	tests := []struct {
		name string
		set  func(c *tursopooled.Config)
	}{
		{"adaptive off keeps max 50", func(c *tursopooled.Config) { c.Adaptive = false }},
		{"min above the derived max", func(c *tursopooled.Config) { c.Adaptive = false; c.MaxConns = 20; c.MinConns = 5 }},
		{"ttl without max ttl", func(c *tursopooled.Config) { c.CacheTTL = 10 * time.Second; c.CacheMaxTTL = 12500 * time.Millisecond }},
		{"everything", func(c *tursopooled.Config) {
			c.MinConns, c.MaxConns, c.Cache, c.Compress = 1, 2, true, tursopooled.CompressionBrotli
			c.CompressThreshold, c.MaxConnLifetime, c.HTTPRelay = 100, 0, false
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := tursopooled.NewConfig()
			cfg.URL = "http://h:1"
			tt.set(cfg)
			if err := cfg.Validate(); err != nil {
				t.Fatal(err)
			}
			back, err := tursopooled.ParseDSN(cfg.FormatDSN())
			if err != nil {
				t.Fatalf("ParseDSN(%q): %v", cfg.FormatDSN(), err)
			}
			if !reflect.DeepEqual(back, cfg) {
				t.Fatalf("round trip via %q\n got %+v\nwant %+v", cfg.FormatDSN(), back, cfg)
			}
		})
	}
}

// TestNewConfigIsTheTable: NewConfig's values are the parameter table's
// defaults, and every default is within its own range.
func TestNewConfigIsTheTable(t *testing.T) {
	cfg := tursopooled.NewConfig()
	cfg.URL = "libsql://h"
	if err := cfg.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	for _, p := range tursopooled.DocumentedParams() {
		if p.Feature == "upstream" {
			continue
		}
		if def, _, _ := strings.Cut(p.Default, " "); def != p.ActualDefault {
			t.Errorf("%s: table default %q, NewConfig gives %q", p.Key, def, p.ActualDefault)
		}
	}
}

func FuzzParseDSN(f *testing.F) {
	for _, c := range dsnCases {
		f.Add(c.dsn)
	}
	f.Fuzz(func(t *testing.T, dsn string) {
		cfg, err := tursopooled.ParseDSN(dsn)
		if err != nil {
			return
		}
		again, err := tursopooled.ParseDSN(cfg.FormatDSN())
		if err != nil {
			t.Fatalf("FormatDSN of %q gives unparsable %q: %v", dsn, cfg.FormatDSN(), err)
		}
		if !reflect.DeepEqual(again, cfg) {
			t.Fatalf("round trip of %q differs:\n%+v\n%+v", dsn, again, cfg)
		}
		// String's token must be the placeholder. (Checking that the token's
		// text is absent would be wrong: the URL itself may contain it.)
		if cfg.AuthToken != "" {
			redacted, err := tursopooled.ParseDSN(cfg.String())
			if err != nil || redacted.AuthToken != "REDACTED" {
				t.Fatalf("String() of %q = %q does not redact the token (parsed: %v)", dsn, cfg.String(), err)
			}
		}
	})
}

// TestSchemeCaseInsensitive: URL schemes are case-insensitive, and the
// transport decisions follow the scheme whatever its case.
func TestSchemeCaseInsensitive(t *testing.T) {
	srv := tursotest.NewTestServer(t, tursotest.WithAuthToken(testToken))
	url := "WS://" + strings.TrimPrefix(srv.WSURL(), "ws://")
	db := openPooled(t, target{url: url, token: testToken}, "")
	if err := db.PingContext(testCtx(t)); err != nil {
		t.Fatalf("ping through %s: %v", url, err)
	}
}
